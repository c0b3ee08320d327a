//! Rural's node types (`node(id)` and sync): its registration's `nodes`. Indicators and
//! observations are statistics (`Aggregate`); villages and their incomes are records
//! (`Read`). Indicators do not sync.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

use super::policy::POLICY;
use super::types::{Indicator, Observation, UnitValue, Village, VillageIncome};
use crate::access::{Action, viewer};
use crate::error::{AppError, AppResult};
use crate::region::service::find_in_scope;
use crate::registry::{Loaded, NodeType, RegionOf, Synced, regional_node, table_of};

/// Rural's types; those that sync are in snapshot order.
pub static NODES: &[NodeType] = &[
    regional_node!("Village" => entity::rural::village as Village, POLICY),
    regional_node!("VillageIncome" => entity::rural::village_income as VillageIncome, POLICY),
    NodeType {
        name: "Observation",
        table: table_of!(entity::rural::observation),
        find: |ctx, id| {
            use entity::rural::{indicator, observation};
            Box::pin(async move {
                let scope = viewer(ctx).authorize(&POLICY, Action::Aggregate)?;
                let db = ctx.data_unchecked::<DatabaseConnection>();
                let Some(o) = find_in_scope::<observation::Entity>(db, id, &scope).await? else {
                    return Ok(None);
                };
                let Some(ind) = indicator::Entity::find_by_id(o.indicator_id)
                    .one(db)
                    .await
                    .map_err(AppError::from)?
                else {
                    return Ok(None);
                };
                Ok(Some(shown(o, ind)?.into()))
            })
        },
        sync: Some(Synced {
            region: RegionOf::Column,
            load: |db, ids| Box::pin(observations(db, ids)),
        }),
    },
    NodeType {
        name: "Indicator",
        table: table_of!(entity::rural::indicator),
        find: |ctx, id| {
            Box::pin(async move {
                viewer(ctx).require(&POLICY, Action::Aggregate)?;
                let db = ctx.data_unchecked::<DatabaseConnection>();
                Ok(entity::rural::indicator::Entity::find_by_id(id)
                    .one(db)
                    .await
                    .map_err(AppError::from)?
                    .map(|i| Indicator(i).into()))
            })
        },
        sync: None,
    },
];

/// An observation shown in its indicator's own unit.
fn shown(
    o: entity::rural::observation::Model,
    indicator: entity::rural::indicator::Model,
) -> AppResult<Observation> {
    let unit = crate::units::unit("unit", &indicator.unit)?;
    let value = crate::units::decimal("value", &o.value)?;
    Ok(Observation {
        shown: UnitValue::of(crate::units::convert("unit", value, unit, unit, 4)?, unit),
        year_over_year: None,
        indicator,
        model: Box::new(o),
    })
}

/// Observations with their indicators, shown in the indicator's own unit.
async fn observations(db: &DatabaseConnection, ids: &[i64]) -> AppResult<HashMap<i64, Loaded>> {
    use entity::rural::{indicator, observation};
    let rows = observation::Entity::find()
        .filter(observation::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    let wanted: Vec<i64> = rows.iter().map(|o| o.indicator_id).collect();
    let indicators: HashMap<i64, indicator::Model> = indicator::Entity::find()
        .filter(indicator::Column::Id.is_in(wanted))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut out = HashMap::with_capacity(rows.len());
    for o in rows {
        let Some(ind) = indicators.get(&o.indicator_id) else {
            continue;
        };
        let region_code = o.region_code.clone();
        out.insert(
            o.id,
            Loaded {
                node: shown(o, ind.clone())?.into(),
                region_code,
            },
        );
    }
    Ok(out)
}

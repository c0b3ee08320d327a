//! Rural records by global id (`node(id)`) and by id for sync: the resolvers its
//! registration (`DOMAIN`) gives the shared parts.

use async_graphql::Context;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

use super::policy::POLICY;
use super::types::{Indicator, Observation, UnitValue, Village, VillageIncome};
use crate::access::{Action, viewer};
use crate::domains::nodes::Node;
use crate::error::{AppError, AppResult};
use crate::region::service::find_in_scope;
use crate::registry::{Found, Loaded, load_own};

/// `node(id)` for rural types: indicators and observations are statistics (`Aggregate`),
/// villages and their incomes records (`Read`).
pub fn resolve<'a>(ctx: &'a Context<'_>, kind: &'a str, key: &'a str) -> Found<'a, Option<Node>> {
    use entity::rural::{indicator, observation, village, village_income};
    Box::pin(async move {
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let v = viewer(ctx);
        let num = key.parse::<i64>().ok();
        Ok(match kind {
            "Indicator" => {
                v.require(&POLICY, Action::Aggregate)?;
                let Some(n) = num else { return Ok(None) };
                indicator::Entity::find_by_id(n)
                    .one(db)
                    .await
                    .map_err(AppError::from)?
                    .map(|i| Node::Indicator(Indicator(i)))
            }
            "Observation" => {
                let scope = v.authorize(&POLICY, Action::Aggregate)?;
                let Some(n) = num else { return Ok(None) };
                let Some(o) = find_in_scope::<observation::Entity>(db, n, &scope).await? else {
                    return Ok(None);
                };
                let Some(ind) = indicator::Entity::find_by_id(o.indicator_id)
                    .one(db)
                    .await
                    .map_err(AppError::from)?
                else {
                    return Ok(None);
                };
                Some(Node::Observation(shown(o, ind)?))
            }
            "Village" | "VillageIncome" => {
                let scope = v.authorize(&POLICY, Action::Read)?;
                let Some(n) = num else { return Ok(None) };
                if kind == "Village" {
                    find_in_scope::<village::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::Village(Village(r)))
                } else {
                    find_in_scope::<village_income::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::VillageIncome(VillageIncome(r)))
                }
            }
            _ => None,
        })
    })
}

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
        model: o,
    })
}

/// Synced records of type `name` with these ids that still exist, by id: one statement (and
/// one for the indicators of observations).
pub fn load<'a>(
    db: &'a DatabaseConnection,
    name: &'a str,
    ids: &'a [i64],
) -> futures_util::future::BoxFuture<'a, AppResult<HashMap<i64, Loaded>>> {
    use entity::rural as r;
    Box::pin(async move {
        match name {
            "Village" => load_own::<r::village::Entity>(db, ids, |m| Node::Village(Village(m))).await,
            "VillageIncome" => {
                load_own::<r::village_income::Entity>(db, ids, |m| Node::VillageIncome(VillageIncome(m)))
                    .await
            }
            "Observation" => observations(db, ids).await,
            _ => Ok(HashMap::new()),
        }
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
                node: Node::Observation(shown(o, ind.clone())?),
                region_code,
            },
        );
    }
    Ok(out)
}

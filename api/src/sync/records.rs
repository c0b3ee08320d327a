//! The records a sync page upserts, as their GraphQL types: one statement per record type
//! on the page (and one for the cases of case records), whatever the number of rows.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{HashMap, HashSet};

use crate::domains::community::types::{CommunityFacility, CommunityGrid, CommunityStaff, CommunityUnit};
use crate::domains::enforcement::types::{
    DishonestDebtor, EnforcementCase, FlowNode, Measure, Party, SupervisionOrder,
};
use crate::domains::funeral::types::{
    FuneralFacility, FuneralFeeStandard, FuneralMilestone, FuneralProject, FuneralSubsidy, FuneralViolation,
    GravePlot, GravePlotHold,
};
use crate::domains::rural::types::{Observation, UnitValue, Village, VillageIncome};
use crate::error::AppResult;
use crate::node::Node;

/// A loaded record and the region it lies in now.
pub struct Loaded {
    pub node: Node,
    pub region_code: String,
}

/// The records of type `name` with these ids that still exist, by id.
pub async fn load(db: &impl ConnectionTrait, name: &str, ids: &[i64]) -> AppResult<HashMap<i64, Loaded>> {
    use entity::community as c;
    use entity::enforcement as e;
    use entity::funeral as f;
    use entity::rural as r;
    let ids: Vec<i64> = ids.iter().copied().collect::<HashSet<_>>().into_iter().collect();
    // Types with their own region column.
    macro_rules! own {
        ($m:path, $wrap:expr) => {{
            use $m as m;
            m::Entity::find()
                .filter(m::Column::Id.is_in(ids.clone()))
                .all(db)
                .await?
                .into_iter()
                .map(|row| {
                    let region_code = row.region_code.clone();
                    (
                        row.id,
                        Loaded {
                            node: $wrap(row),
                            region_code,
                        },
                    )
                })
                .collect()
        }};
    }
    // Records of a case, in their case's region.
    macro_rules! of_case {
        ($m:path, $wrap:expr) => {{
            use $m as m;
            let rows = m::Entity::find()
                .filter(m::Column::Id.is_in(ids.clone()))
                .all(db)
                .await?;
            let cases: Vec<i64> = rows.iter().map(|row| row.case_id).collect();
            let regions = super::service::case_regions(db, &cases).await?;
            rows.into_iter()
                .filter_map(|row| {
                    let region_code = regions.get(&row.case_id)?.clone();
                    Some((
                        row.id,
                        Loaded {
                            node: $wrap(row, region_code.clone()),
                            region_code,
                        },
                    ))
                })
                .collect()
        }};
    }
    Ok(match name {
        "EnforcementCase" => own!(e::enforcement_case, |m| Node::EnforcementCase(EnforcementCase(m))),
        "Party" => of_case!(e::party, |m, region| Node::Party(Party(m, Some(region)))),
        "Measure" => of_case!(e::measure, |m, _| Node::Measure(Measure(m))),
        "FlowNode" => of_case!(e::flow_node, |m, _| Node::FlowNode(FlowNode(m))),
        "SupervisionOrder" => own!(e::supervision_order, |m| Node::SupervisionOrder(
            SupervisionOrder(m)
        )),
        "DishonestDebtor" => own!(e::dishonest_entry, |m| Node::DishonestDebtor(DishonestDebtor(m))),
        "CommunityUnit" => own!(c::unit, |m| Node::CommunityUnit(CommunityUnit(m))),
        "CommunityStaff" => own!(c::staff, |m| Node::CommunityStaff(CommunityStaff(m))),
        "CommunityFacility" => own!(c::facility, |m| Node::CommunityFacility(CommunityFacility(m))),
        "CommunityGrid" => own!(c::grid, |m| Node::CommunityGrid(CommunityGrid(m))),
        "FuneralFacility" => own!(f::facility, |m| Node::FuneralFacility(FuneralFacility(m))),
        "FuneralProject" => own!(f::project, |m| Node::FuneralProject(FuneralProject(m))),
        "FuneralMilestone" => own!(f::milestone, |m| Node::FuneralMilestone(FuneralMilestone(m))),
        "GravePlot" => own!(f::plot, |m| Node::GravePlot(GravePlot(m))),
        "GravePlotHold" => own!(f::hold, |m| Node::GravePlotHold(GravePlotHold(m))),
        "FuneralFeeStandard" => own!(f::fee_standard, |m| Node::FuneralFeeStandard(FuneralFeeStandard(
            m
        ))),
        "FuneralSubsidy" => own!(f::subsidy, |m| Node::FuneralSubsidy(FuneralSubsidy(m))),
        "FuneralViolation" => own!(f::violation, |m| Node::FuneralViolation(FuneralViolation(m))),
        "Village" => own!(r::village, |m| Node::Village(Village(m))),
        "VillageIncome" => own!(r::village_income, |m| Node::VillageIncome(VillageIncome(m))),
        "Observation" => observations(db, &ids).await?,
        _ => HashMap::new(),
    })
}

/// Observations with their indicators, shown in the indicator's own unit.
async fn observations(db: &impl ConnectionTrait, ids: &[i64]) -> AppResult<HashMap<i64, Loaded>> {
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
        let unit = crate::units::unit("unit", &ind.unit)?;
        let value = crate::units::decimal("value", &o.value)?;
        let region_code = o.region_code.clone();
        out.insert(
            o.id,
            Loaded {
                node: Node::Observation(Observation {
                    shown: UnitValue::of(crate::units::convert("unit", value, unit, unit, 4)?, unit),
                    year_over_year: None,
                    indicator: ind.clone(),
                    model: o,
                }),
                region_code,
            },
        );
    }
    Ok(out)
}

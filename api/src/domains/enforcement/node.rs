//! Enforcement's records by global id (`node(id)`) and by id for sync: the resolvers its
//! registration (`DOMAIN`) gives the shared parts.

use async_graphql::Context;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::{HashMap, HashSet};

use super::policy::POLICY;
use super::service;
use super::types::{Court, DishonestDebtor, EnforcementCase, FlowNode, Measure, Party, SupervisionOrder};
use crate::access::{Action, viewer};
use crate::domains::nodes::Node;
use crate::error::{AppError, AppResult};
use crate::registry::{Found, Loaded};

/// `node(id)` for enforcement's types. Children of a case are visible when their case is.
pub fn resolve<'a>(ctx: &'a Context<'_>, kind: &'a str, key: &'a str) -> Found<'a, Option<Node>> {
    use entity::enforcement::{dishonest_entry, flow_node, measure, party, supervision_order};
    Box::pin(async move {
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let v = viewer(ctx);
        let num = key.parse::<i64>().ok();
        macro_rules! case_child {
            ($entity:ty, $wrap:expr) => {{
                let scope = v.authorize(&POLICY, Action::Read)?;
                let Some(n) = num else { return Ok(None) };
                let Some(row) = <$entity>::find_by_id(n)
                    .one(db)
                    .await
                    .map_err(AppError::from)?
                else {
                    return Ok(None);
                };
                service::find_case(db, row.case_id, &scope)
                    .await?
                    .map(|case| $wrap(row, case))
            }};
        }
        Ok(match kind {
            "Court" => {
                let scope = v.authorize(&POLICY, Action::Read)?;
                let Some(n) = num else { return Ok(None) };
                service::find_court(db, n, &scope)
                    .await?
                    .map(|c| Node::Court(Court(c)))
            }
            "EnforcementCase" => {
                let scope = v.authorize(&POLICY, Action::Read)?;
                let Some(n) = num else { return Ok(None) };
                service::find_case(db, n, &scope)
                    .await?
                    .map(|c| Node::EnforcementCase(EnforcementCase(c)))
            }
            "Party" => case_child!(
                party::Entity,
                |p, c: entity::enforcement::enforcement_case::Model| Node::Party(Party(
                    p,
                    Some(c.region_code)
                ))
            ),
            "Measure" => case_child!(measure::Entity, |m, _| Node::Measure(Measure(m))),
            "FlowNode" => case_child!(flow_node::Entity, |f, _| Node::FlowNode(FlowNode(f))),
            "SupervisionOrder" => case_child!(supervision_order::Entity, |s, _| Node::SupervisionOrder(
                SupervisionOrder(s)
            )),
            "DishonestDebtor" => {
                v.require(&POLICY, Action::Public)?;
                let Some(n) = num else { return Ok(None) };
                dishonest_entry::Entity::find_by_id(n)
                    .one(db)
                    .await
                    .map_err(AppError::from)?
                    .map(|d| Node::DishonestDebtor(DishonestDebtor(d)))
            }
            _ => None,
        })
    })
}

/// Synced records of type `name` with these ids that still exist, by id: one statement per
/// call (and one for the cases of a case's records).
pub fn load<'a>(
    db: &'a DatabaseConnection,
    name: &'a str,
    ids: &'a [i64],
) -> futures_util::future::BoxFuture<'a, AppResult<HashMap<i64, Loaded>>> {
    Box::pin(load_synced(db, name, ids))
}

async fn load_synced(db: &impl ConnectionTrait, name: &str, ids: &[i64]) -> AppResult<HashMap<i64, Loaded>> {
    use entity::enforcement as e;
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
            let regions = case_regions(db, &cases).await?;
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
        _ => HashMap::new(),
    })
}

/// The region code of each case of `case_ids` (the region of a party, measure or flow node).
async fn case_regions(db: &impl ConnectionTrait, case_ids: &[i64]) -> AppResult<HashMap<i64, String>> {
    use entity::enforcement::enforcement_case as case;
    use sea_orm::QuerySelect as _;
    if case_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::RegionCode)
        .filter(case::Column::Id.is_in(case_ids.iter().copied().collect::<HashSet<_>>()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

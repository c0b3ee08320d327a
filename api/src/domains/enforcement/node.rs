//! Enforcement's node types (`node(id)` and sync): its registration's `nodes`. A case's
//! parties, measures, flow nodes and supervision orders are visible when their case is;
//! parties, measures and flow nodes sync in their case's region.

use async_graphql::Context;
use entity::enforcement::{dishonest_entry, flow_node, measure, party, supervision_order};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::{HashMap, HashSet};

use super::loaders::CaseChild;
use super::policy::POLICY;
use super::service;
use super::types::{Court, DishonestDebtor, EnforcementCase, FlowNode, Measure, Party, SupervisionOrder};
use crate::access::{Action, viewer};
use crate::domains::registered::Node;
use crate::error::{AppError, AppResult};
use crate::registry::{Loaded, NodeType, RegionOf, Synced, load_own, regional_node, table_of};

/// Where a party, measure or flow node lies: in its case's region.
const IN_CASE: RegionOf = RegionOf::Parent {
    column: "case_id",
    table: "enforcement_cases",
};

/// Enforcement's types; those that sync are in snapshot order.
pub static NODES: &[NodeType] = &[
    NodeType {
        name: "Court",
        table: table_of!(entity::enforcement::court),
        find: |ctx, id| {
            Box::pin(async move {
                let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
                let db = ctx.data_unchecked::<DatabaseConnection>();
                Ok(service::find_court(db, id, &scope)
                    .await?
                    .map(|c| Court(c).into()))
            })
        },
        sync: None,
    },
    regional_node!("EnforcementCase" => entity::enforcement::enforcement_case as EnforcementCase, POLICY),
    NodeType {
        name: "Party",
        table: table_of!(entity::enforcement::party),
        find: |ctx, id| {
            Box::pin(in_case::<party::Entity>(ctx, id, |p, region| {
                Party(p, Some(region)).into()
            }))
        },
        sync: Some(Synced {
            region: IN_CASE,
            load: |db, ids| {
                Box::pin(of_cases::<party::Entity>(db, ids, |p, region| {
                    Party(p, Some(region)).into()
                }))
            },
        }),
    },
    NodeType {
        name: "Measure",
        table: table_of!(entity::enforcement::measure),
        find: |ctx, id| Box::pin(in_case::<measure::Entity>(ctx, id, |m, _| Measure(m).into())),
        sync: Some(Synced {
            region: IN_CASE,
            load: |db, ids| Box::pin(of_cases::<measure::Entity>(db, ids, |m, _| Measure(m).into())),
        }),
    },
    NodeType {
        name: "FlowNode",
        table: table_of!(entity::enforcement::flow_node),
        find: |ctx, id| Box::pin(in_case::<flow_node::Entity>(ctx, id, |f, _| FlowNode(f).into())),
        sync: Some(Synced {
            region: IN_CASE,
            load: |db, ids| Box::pin(of_cases::<flow_node::Entity>(db, ids, |f, _| FlowNode(f).into())),
        }),
    },
    NodeType {
        name: "SupervisionOrder",
        table: table_of!(entity::enforcement::supervision_order),
        find: |ctx, id| {
            Box::pin(in_case::<supervision_order::Entity>(ctx, id, |s, _| {
                SupervisionOrder(s).into()
            }))
        },
        sync: Some(Synced {
            region: RegionOf::Column,
            load: |db, ids| {
                Box::pin(load_own::<supervision_order::Entity>(db, ids, |s| {
                    SupervisionOrder(s).into()
                }))
            },
        }),
    },
    NodeType {
        name: "DishonestDebtor",
        table: table_of!(entity::enforcement::dishonest_entry),
        // The dishonest-debtor list is public information.
        find: |ctx, id| {
            Box::pin(async move {
                viewer(ctx).require(&POLICY, Action::Public)?;
                let db = ctx.data_unchecked::<DatabaseConnection>();
                Ok(dishonest_entry::Entity::find_by_id(id)
                    .one(db)
                    .await
                    .map_err(AppError::from)?
                    .map(|d| DishonestDebtor(d).into()))
            })
        },
        sync: Some(Synced {
            region: RegionOf::Column,
            load: |db, ids| {
                Box::pin(load_own::<dishonest_entry::Entity>(db, ids, |d| {
                    DishonestDebtor(d).into()
                }))
            },
        }),
    },
];

/// A record of a case by id, when the caller may read its case; `wrap` gets the record and
/// its case's region.
async fn in_case<E>(
    ctx: &Context<'_>,
    id: i64,
    wrap: impl FnOnce(E::Model, String) -> Node,
) -> async_graphql::Result<Option<Node>>
where
    E: EntityTrait,
    E::Model: CaseChild,
    i64: Into<<E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType>,
{
    let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
    let db = ctx.data_unchecked::<DatabaseConnection>();
    let Some(row) = E::find_by_id(id).one(db).await.map_err(AppError::from)? else {
        return Ok(None);
    };
    Ok(service::find_case(db, row.case_id(), &scope)
        .await?
        .map(|case| wrap(row, case.region_code)))
}

/// Records of cases with these ids that still exist, by id, each in its case's region: one
/// statement for the records and one for their cases.
async fn of_cases<E>(
    db: &DatabaseConnection,
    ids: &[i64],
    wrap: impl Fn(E::Model, String) -> Node,
) -> AppResult<HashMap<i64, Loaded>>
where
    E: EntityTrait,
    E::Model: CaseChild + sea_orm::ModelTrait,
{
    use std::str::FromStr as _;
    let id = E::Column::from_str("id")
        .map_err(|_| AppError::Internal(anyhow::anyhow!("a case's record has no id column")))?;
    let ids: HashSet<i64> = ids.iter().copied().collect();
    let rows = E::find().filter(id.is_in(ids)).all(db).await?;
    let cases: Vec<i64> = rows.iter().map(CaseChild::case_id).collect();
    let regions = case_regions(db, &cases).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let sea_orm::Value::BigInt(Some(key)) = sea_orm::ModelTrait::get(&row, id) else {
            return Err(AppError::Internal(anyhow::anyhow!(
                "a case's record has no integer id"
            )));
        };
        let Some(region_code) = regions.get(&row.case_id()).cloned() else {
            continue;
        };
        out.insert(
            key,
            Loaded {
                node: wrap(row, region_code.clone()),
                region_code,
            },
        );
    }
    Ok(out)
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

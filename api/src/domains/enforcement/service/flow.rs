//! The flow nodes (流程节点) a write adds to a case: those a client records, and those the
//! case's own change implies (filed, closed, reopened). Beneath both `cases.rs` and
//! `records.rs`, which write them.

use chrono::NaiveDate;
use entity::enforcement::enforcement_case::{self as case};
use entity::enforcement::flow_node::{self, FlowNodeKind};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::error::AppResult;
use crate::write::{Operation, Who, record_uuid};

/// A flow node the case's own change implies (filed, closed, reopened), logged with it.
pub(super) async fn insert_flow_node(
    db: &impl ConnectionTrait,
    who: &Who<'_>,
    case: &case::Model,
    kind: FlowNodeKind,
    on: NaiveDate,
    note: Option<String>,
) -> AppResult<flow_node::Model> {
    let node = new_flow_node(db, who, case.id, kind, on, note, record_uuid("uuid", None)?).await?;
    who.logged(db, Operation::Create, &node, &case.region_code)
        .await?;
    Ok(node)
}

pub(super) async fn new_flow_node(
    db: &impl ConnectionTrait,
    who: &Who<'_>,
    case_id: i64,
    kind: FlowNodeKind,
    on: NaiveDate,
    note: Option<String>,
    uuid: String,
) -> AppResult<flow_node::Model> {
    Ok(flow_node::ActiveModel {
        uuid: Set(uuid),
        case_id: Set(case_id),
        kind: Set(kind),
        occurred_on: Set(on),
        note: Set(note),
        parties_notified: Set(true),
        created_at: Set(who.at),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

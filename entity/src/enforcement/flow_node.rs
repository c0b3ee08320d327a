//! Case flow node (流程节点); parties are told of each.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum FlowNodeKind {
    #[sea_orm(string_value = "filed")]
    Filed,
    #[sea_orm(string_value = "assigned")]
    Assigned,
    #[sea_orm(string_value = "property_investigation")]
    PropertyInvestigation,
    #[sea_orm(string_value = "property_disposal")]
    PropertyDisposal,
    #[sea_orm(string_value = "closed")]
    Closed,
    #[sea_orm(string_value = "reopened")]
    Reopened,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "flow_nodes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Client-generated or server-assigned UUID (`api/src/write.rs`).
    pub uuid: String,
    pub case_id: i64,
    pub kind: FlowNodeKind,
    pub occurred_on: Date,
    pub note: Option<String>,
    /// Whether the parties were notified of this node (report 2: automatic pushes).
    pub parties_notified: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

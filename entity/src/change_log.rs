//! The change log: one row per created, changed or deleted record, in commit order
//! (`seq`). A deletion's row is its tombstone. Written by `api/src/write.rs` only.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// GraphQL type of the record (`EnforcementCase`, `CommunityUnit`, ...).
    pub record_type: String,
    pub record_id: i64,
    pub uuid: String,
    pub region_code: Option<String>,
    /// `create`, `update` or `delete`.
    pub operation: String,
    pub actor: String,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

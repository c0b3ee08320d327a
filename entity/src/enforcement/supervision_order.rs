//! Supervision order (督办): a higher court's command centre supervises a case.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SupervisionStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "resolved")]
    Resolved,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "supervision_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Client-generated or server-assigned UUID (`api/src/write.rs`).
    pub uuid: String,
    pub case_id: i64,
    /// Batch label (批次), e.g. `2024-017`.
    pub batch: String,
    pub issuing_court_id: i64,
    pub issued_on: Date,
    pub due_on: Date,
    pub status: SupervisionStatus,
    pub instructions: Option<String>,
    pub created_at: DateTimeUtc,
    /// The case's region, copied when the order is issued (a case's region never changes).
    pub region_code: String,
    /// The case's court, copied likewise.
    pub court_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

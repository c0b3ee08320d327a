//! Burial violation (私葬乱葬) and how it was handled.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Handling {
    /// Not handled yet (待处理).
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Persuasion (劝导).
    #[sea_orm(string_value = "persuasion")]
    Persuasion,
    /// Relocation (迁移).
    #[sea_orm(string_value = "relocation")]
    Relocation,
    /// Penalty (处罚).
    #[sea_orm(string_value = "penalty")]
    Penalty,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "funeral_violations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub uuid: String,
    pub region_code: String,
    pub place: String,
    pub occurred_on: Date,
    pub handling: Handling,
    pub penalty_fen: Option<i64>,
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! An observation (观测值): one value of an indicator for a region and period.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "rural_observations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub uuid: String,
    pub indicator_id: i64,
    pub region_code: String,
    /// `2023`, `2023H1`, `2023Q2` or `2023-05`.
    pub period: String,
    pub period_start: Date,
    pub period_end: Date,
    /// Exact decimal text in the indicator's canonical unit.
    pub value: String,
    pub source: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A figure a survey report states (报告数据), kept to compare with what records give.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reported_figures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub report_no: i32,
    pub domain: String,
    pub metric: String,
    pub region_code: String,
    pub period_start: Date,
    pub period_end: Date,
    /// Exact decimal in the canonical unit.
    pub value: String,
    pub unit: String,
    pub source_text: String,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

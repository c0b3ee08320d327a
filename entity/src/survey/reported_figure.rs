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
    /// How the report states it: `exact`, `less_than` (不足), `at_least` (以上), `more_than`
    /// (多/余), `about` (约/左右), `nearly` (近).
    pub qualifier: String,
    /// The lowest value it admits, exact decimal text; null when unbounded.
    pub lower: Option<String>,
    pub lower_closed: bool,
    /// The highest value it admits; null when unbounded.
    pub upper: Option<String>,
    pub upper_closed: bool,
    /// Its position among the report's statements of this metric, region and period.
    pub statement_no: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

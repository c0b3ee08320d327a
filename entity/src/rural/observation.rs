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
    /// How the value is stated: `exact`, `less_than` (不足), `at_least` (以上), `more_than`
    /// (多/余), `about` (约/左右), `nearly` (近).
    pub qualifier: String,
    /// The lowest value it admits, exact decimal text in the canonical unit; null when
    /// unbounded. An exact observation admits its value alone.
    pub lower: Option<String>,
    pub lower_closed: bool,
    /// The highest value it admits; null when unbounded.
    pub upper: Option<String>,
    pub upper_closed: bool,
    pub source: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

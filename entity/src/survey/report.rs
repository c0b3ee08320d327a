//! A survey report (调研报告) as a record.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "survey_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub report_no: i32,
    pub title: String,
    pub issuing_body: String,
    pub issued_on: Date,
    /// The region it is about; none when the report names no place.
    pub region_code: Option<String>,
    /// The domains it covers, a JSON array of names.
    pub domains: Json,
    /// How its date and ambiguous statements were read.
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A problem (存在的问题) or recommendation (意见建议) of a report, in its order.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ItemKind {
    #[sea_orm(string_value = "problem")]
    Problem,
    #[sea_orm(string_value = "recommendation")]
    Recommendation,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "survey_report_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub report_no: i32,
    pub kind: ItemKind,
    /// 1, 2, ... within the report and kind.
    pub position: i32,
    pub text: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A community facility standard (社区设施标准) with the report or policy that sets it.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "community_standards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What it measures: office and service rooms per household, or elderly-care area per
    /// resident.
    pub kind: StandardKind,
    /// The area it asks for, in 0.01 m² per household (`office`) or per resident
    /// (`elderly_care`): 20 m² per 100 households is 20, 0.1 m² per resident is 10.
    pub amount_centi: i64,
    /// The region it covers, with everything below it.
    pub region_code: String,
    /// The first year it is in force.
    pub from_year: i32,
    /// The last year it is in force; open-ended when null.
    pub to_year: Option<i32>,
    /// The report that states it, if a report does.
    pub report_no: Option<i32>,
    /// The sentence that sets it.
    pub source_text: String,
}

/// What a standard measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum StandardKind {
    /// Office and service rooms (办公服务用房), per household.
    #[sea_orm(string_value = "office")]
    Office,
    /// Elderly-care facilities (养老服务设施), per resident.
    #[sea_orm(string_value = "elderly_care")]
    ElderlyCare,
}

impl StandardKind {
    /// The stored value, for SQL written by hand.
    pub fn as_str(self) -> &'static str {
        match self {
            StandardKind::Office => "office",
            StandardKind::ElderlyCare => "elderly_care",
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

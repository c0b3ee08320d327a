//! Community unit (社区居委会).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// Type of unit as report 7 classes them (社区性质).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum UnitType {
    /// Agriculture-linked (涉农/农居委), converted from a village.
    #[sea_orm(string_value = "agriculture")]
    Agriculture,
    /// Non-agricultural (非农).
    #[sea_orm(string_value = "non_agricultural")]
    NonAgricultural,
    /// Enterprise-run (企业型).
    #[sea_orm(string_value = "enterprise")]
    Enterprise,
}

/// Status of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum UnitStatus {
    #[sea_orm(string_value = "active")]
    Active,
    /// Being set up (筹备拟建).
    #[sea_orm(string_value = "setting_up")]
    SettingUp,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "community_units")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub uuid: String,
    pub name: String,
    /// The town or street office where known, else the county or district.
    pub region_code: String,
    pub unit_type: UnitType,
    pub status: UnitStatus,
    pub formed_year: Option<i32>,
    /// Year of the village-to-community conversion (村改居).
    pub converted_year: Option<i32>,
    pub registered_population: Option<i32>,
    pub resident_population: Option<i32>,
    pub households: Option<i32>,
    pub resident_groups: Option<i32>,
    /// Honours (荣誉称号), a JSON array of strings.
    pub honours: Json,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! An indicator of the catalogue (指标).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// The pillar of rural revitalisation an indicator measures (五个振兴 and farmers' income).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Pillar {
    #[sea_orm(string_value = "industry")]
    Industry,
    #[sea_orm(string_value = "talent")]
    Talent,
    #[sea_orm(string_value = "culture")]
    Culture,
    #[sea_orm(string_value = "ecology")]
    Ecology,
    #[sea_orm(string_value = "organisation")]
    Organisation,
    #[sea_orm(string_value = "income")]
    Income,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "rural_indicators")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub pillar: Pillar,
    /// Canonical unit (`api/src/units.rs`): observations are stored in it.
    pub unit: String,
    pub description: String,
    pub source: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! Grave plot (墓穴) of a cemetery.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PlotType {
    #[sea_orm(string_value = "single")]
    Single,
    #[sea_orm(string_value = "double")]
    Double,
    #[sea_orm(string_value = "family")]
    Family,
    #[sea_orm(string_value = "unknown")]
    Unknown,
}

/// Whether a plot is free, registered for pre-sale or sold; kept with its live hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PlotStatus {
    #[sea_orm(string_value = "available")]
    Available,
    #[sea_orm(string_value = "registered")]
    Registered,
    #[sea_orm(string_value = "sold")]
    Sold,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "grave_plots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub uuid: String,
    pub region_code: String,
    pub cemetery_id: i64,
    pub section: String,
    pub row_no: i32,
    pub number: i32,
    pub plot_type: PlotType,
    pub price_fen: Option<i64>,
    pub status: PlotStatus,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

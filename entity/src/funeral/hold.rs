//! A hold on a grave plot: a pre-sale registration (预售登记) or a sale to a household. The
//! holder's name, phone and identity number are personal data.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum HoldStatus {
    #[sea_orm(string_value = "registered")]
    Registered,
    #[sea_orm(string_value = "sold")]
    Sold,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "grave_plot_holds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub uuid: String,
    pub region_code: String,
    pub plot_id: i64,
    pub status: HoldStatus,
    pub holder_name: String,
    pub holder_phone: Option<String>,
    pub holder_id_number: Option<String>,
    pub registered_on: Date,
    pub sold_on: Option<Date>,
    pub price_fen: Option<i64>,
    pub cancelled_on: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

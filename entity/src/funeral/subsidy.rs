//! Funeral subsidy (丧葬补助) to a household in hardship (特殊困难对象). The recipient's name,
//! phone and identity number are personal data.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "funeral_subsidies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub uuid: String,
    pub region_code: String,
    pub recipient_name: String,
    pub recipient_phone: Option<String>,
    pub recipient_id_number: Option<String>,
    pub amount_fen: i64,
    pub basis: String,
    pub paid_on: Date,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

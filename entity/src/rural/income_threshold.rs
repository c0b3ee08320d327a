//! A collective-income threshold (村集体经济收入标准) with the report or policy that sets it.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "rural_income_thresholds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The region it covers, with everything below it.
    pub region_code: String,
    /// The first year it is in force.
    pub from_year: i32,
    /// The last year it is in force; open-ended when null.
    pub to_year: Option<i32>,
    pub amount_fen: i64,
    /// What a village below it means: `floor` (the level the source says villages reach) or
    /// `veto` (barred from awards, 一票否决).
    pub consequence: Consequence,
    /// The report that states it, if a report does.
    pub report_no: Option<i32>,
    /// The sentence that sets it.
    pub source_text: String,
}

/// What falling below a threshold means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Consequence {
    /// The level the source says villages reach (达到…以上).
    #[sea_orm(string_value = "floor")]
    Floor,
    /// Below it a village is barred from awards (一票否决).
    #[sea_orm(string_value = "veto")]
    Veto,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

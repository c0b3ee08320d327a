//! A village (行政村/嘎查村) with its party organisation.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "rural_villages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub uuid: String,
    pub region_code: String,
    pub name: String,
    /// Party members aged under 35, 35 to 60 and over 60; unknown when null.
    pub party_members_under_35: Option<i32>,
    pub party_members_35_to_60: Option<i32>,
    pub party_members_over_60: Option<i32>,
    /// Reserve cadres (后备干部).
    pub reserve_cadres: Option<i32>,
    /// A weak organisation under rectification (软弱涣散, 集中整顿).
    pub under_rectification: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

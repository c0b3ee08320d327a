//! Funeral facility (殡葬设施): a service centre and its memorial halls and office building,
//! a public cemetery, a crematorium or an ash hall.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum FacilityKind {
    /// Funeral service centre (殡仪服务中心).
    #[sea_orm(string_value = "service_centre")]
    ServiceCentre,
    /// Memorial hall (悼念厅), inside a centre.
    #[sea_orm(string_value = "memorial_hall")]
    MemorialHall,
    /// Office building (办公楼), inside a centre.
    #[sea_orm(string_value = "office_building")]
    OfficeBuilding,
    /// Public cemetery (公墓).
    #[sea_orm(string_value = "cemetery")]
    Cemetery,
    /// Crematorium (火化场).
    #[sea_orm(string_value = "crematorium")]
    Crematorium,
    /// Ash hall (骨灰堂).
    #[sea_orm(string_value = "ash_hall")]
    AshHall,
}

/// Construction stage (建设阶段), from planned to in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Stage {
    #[sea_orm(string_value = "planned")]
    Planned,
    #[sea_orm(string_value = "foundation")]
    Foundation,
    #[sea_orm(string_value = "main_structure")]
    MainStructure,
    #[sea_orm(string_value = "fit_out")]
    FitOut,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "in_use")]
    InUse,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "funeral_facilities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub uuid: String,
    pub region_code: String,
    /// The centre a hall or office building belongs to.
    pub parent_id: Option<i64>,
    pub kind: FacilityKind,
    pub name: String,
    pub stage: Stage,
    /// Plots of a cemetery, niches of an ash hall, seats of a hall; unknown when null.
    pub capacity: Option<i32>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

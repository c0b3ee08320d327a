//! Facility of a community unit (社区服务设施): offices, service centres and stations,
//! elderly care, health stations.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum FacilityKind {
    /// Office and service rooms (办公服务用房).
    #[sea_orm(string_value = "office")]
    Office,
    /// Street community service centre (街道社区服务中心).
    #[sea_orm(string_value = "service_centre")]
    ServiceCentre,
    /// Community service station (社区服务站).
    #[sea_orm(string_value = "service_station")]
    ServiceStation,
    /// Elderly care (养老服务设施, 日间照料).
    #[sea_orm(string_value = "elderly_care")]
    ElderlyCare,
    /// Health service centre or station (社区卫生服务中心/站).
    #[sea_orm(string_value = "health_station")]
    HealthStation,
}

/// Tenure (产权).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Tenure {
    #[sea_orm(string_value = "owned")]
    Owned,
    #[sea_orm(string_value = "rented")]
    Rented,
    #[sea_orm(string_value = "borrowed")]
    Borrowed,
    #[sea_orm(string_value = "unknown")]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FacilityStatus {
    /// In use (已建成).
    #[sea_orm(string_value = "in_use")]
    InUse,
    /// Being renovated or extended (改扩建中).
    #[sea_orm(string_value = "renovating")]
    Renovating,
    /// Planned, being prepared (筹备建设中).
    #[sea_orm(string_value = "planned")]
    Planned,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "community_facilities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub uuid: String,
    pub unit_id: i64,
    /// The unit's region, copied so scope filters need no join.
    pub region_code: String,
    pub kind: FacilityKind,
    pub name: Option<String>,
    /// Floor area in hundredths of a square metre.
    pub floor_area_centi: Option<i64>,
    pub tenure: Tenure,
    pub status: FacilityStatus,
    pub investment_fen: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! GraphQL types of the community domain, one file per aggregate; thin wrappers over the
//! entities.

pub mod aggregate;
pub mod facility;
pub mod grid;
pub mod staff;
pub mod standard;
pub mod stats;
pub mod unit;

use async_graphql::Enum;

pub use aggregate::*;
pub use facility::*;
pub use grid::*;
pub use staff::*;
pub use standard::*;
pub use stats::*;
pub use unit::*;

/// Type of community unit as report 7 classes them (社区性质).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::community::unit::UnitType")]
pub enum CommunityUnitType {
    /// Agriculture-linked (涉农/农居委), converted from a village.
    Agriculture,
    /// Non-agricultural (非农).
    NonAgricultural,
    /// Enterprise-run (企业型).
    Enterprise,
}

/// Status of a community unit (状态).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::community::unit::UnitStatus")]
pub enum CommunityUnitStatus {
    /// In service (运行中).
    Active,
    /// Being set up (筹备拟建), like report 3's thirteenth community.
    SettingUp,
}

/// Role of a staff member as the reports count them (职务).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::community::staff::StaffRole")]
pub enum StaffRole {
    /// Party secretary (社区党组织书记).
    PartySecretary,
    /// Deputy party secretary (副书记).
    DeputySecretary,
    /// Committee director (居委会主任).
    Director,
    /// Deputy director (居委会副主任).
    DeputyDirector,
    /// Committee member (居委会委员).
    CommitteeMember,
    /// Community cadre (社区干部).
    Cadre,
    /// Social worker (社会工作者).
    SocialWorker,
    /// Full-time community worker (专职工作者).
    FullTimeWorker,
    /// Assistant (协管员).
    Assistant,
    /// Grid worker (网格员).
    GridWorker,
    /// Counted by a report without its role (角色不详).
    Unknown,
}

/// Gender (性别).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::community::staff::Gender")]
pub enum Gender {
    /// Female (女).
    Female,
    /// Male (男).
    Male,
    /// Not known (不详).
    Unknown,
}

/// Highest education (学历).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::community::staff::Education")]
pub enum Education {
    /// Below secondary (初中及以下).
    BelowSecondary,
    /// Secondary vocational or high school (中专/高中).
    Secondary,
    /// Junior college (大专).
    JuniorCollege,
    /// Bachelor (本科).
    Bachelor,
    /// Postgraduate (研究生).
    Postgraduate,
    /// Not known (不详): a report's breakdown that does not add up to its total.
    Unknown,
}

/// How a staff member was hired (产生方式).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::community::staff::Hiring")]
pub enum Hiring {
    /// Elected (选举产生).
    Elected,
    /// Recruited (公开招聘).
    Recruited,
    /// Public-welfare post (公益性岗位).
    PublicWelfare,
    /// Seconded from a government body (机关选派).
    Seconded,
    /// Not known (不详).
    Unknown,
}

/// Kind of facility (设施类型).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::community::facility::FacilityKind")]
pub enum FacilityKind {
    /// Office and service rooms (办公服务用房); the office standard counts these.
    Office,
    /// Street community service centre (街道社区服务中心).
    ServiceCentre,
    /// Community service station (社区服务站).
    ServiceStation,
    /// Elderly care (养老服务设施); the elderly-care standard counts these.
    ElderlyCare,
    /// Health service centre or station (社区卫生服务中心/站).
    HealthStation,
}

/// Tenure of a facility (产权).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::community::facility::Tenure")]
pub enum Tenure {
    /// Owned (自有).
    Owned,
    /// Rented (租用).
    Rented,
    /// Borrowed (借用).
    Borrowed,
    /// Not known (不详).
    Unknown,
}

/// Status of a facility (建设状态).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::community::facility::FacilityStatus")]
pub enum FacilityStatus {
    /// In use (已建成使用); only these count towards the standards.
    InUse,
    /// Being renovated or extended (改扩建中).
    Renovating,
    /// Being prepared (筹备建设中).
    Planned,
}

/// Kind of community facility standard (社区设施标准类型). The amount, the region it covers
/// and its years are the standard's own (`communityStats.standards`): report 7 sets 20 m² of
/// office per 100 households and 0.1 m² of elderly care per resident for its city, and a
/// unit no standard covers is measured against none.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::community::standard::StandardKind")]
pub enum CommunityStandard {
    /// Office and service rooms (办公服务用房), area per 100 households (每百户面积).
    Office,
    /// Elderly-care facilities (养老服务设施), area per resident (人均面积).
    ElderlyCare,
}

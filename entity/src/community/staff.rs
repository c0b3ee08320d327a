//! Staff of a community unit (社区工作者 and 居委会成员). Name, phone and identity number
//! are personal data.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// Role as the reports count them (职务).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum StaffRole {
    #[sea_orm(string_value = "party_secretary")]
    PartySecretary,
    #[sea_orm(string_value = "deputy_secretary")]
    DeputySecretary,
    #[sea_orm(string_value = "director")]
    Director,
    #[sea_orm(string_value = "deputy_director")]
    DeputyDirector,
    #[sea_orm(string_value = "committee_member")]
    CommitteeMember,
    #[sea_orm(string_value = "cadre")]
    Cadre,
    #[sea_orm(string_value = "social_worker")]
    SocialWorker,
    #[sea_orm(string_value = "full_time_worker")]
    FullTimeWorker,
    #[sea_orm(string_value = "assistant")]
    Assistant,
    #[sea_orm(string_value = "grid_worker")]
    GridWorker,
    /// A member or worker a report counts without saying which role.
    #[sea_orm(string_value = "unknown")]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum Gender {
    #[sea_orm(string_value = "female")]
    Female,
    #[sea_orm(string_value = "male")]
    Male,
    #[sea_orm(string_value = "unknown")]
    Unknown,
}

/// Highest education (学历).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Education {
    /// Below secondary (初中及以下).
    #[sea_orm(string_value = "below_secondary")]
    BelowSecondary,
    /// Secondary vocational or high school (中专/高中).
    #[sea_orm(string_value = "secondary")]
    Secondary,
    /// Junior college (大专).
    #[sea_orm(string_value = "junior_college")]
    JuniorCollege,
    /// Bachelor (本科).
    #[sea_orm(string_value = "bachelor")]
    Bachelor,
    /// Postgraduate (研究生).
    #[sea_orm(string_value = "postgraduate")]
    Postgraduate,
    #[sea_orm(string_value = "unknown")]
    Unknown,
}

/// How a staff member was hired (产生方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Hiring {
    /// Elected (选举产生).
    #[sea_orm(string_value = "elected")]
    Elected,
    /// Recruited (公开招聘).
    #[sea_orm(string_value = "recruited")]
    Recruited,
    /// Public-welfare post (公益性岗位).
    #[sea_orm(string_value = "public_welfare")]
    PublicWelfare,
    /// Seconded from a government body (机关选派).
    #[sea_orm(string_value = "seconded")]
    Seconded,
    #[sea_orm(string_value = "unknown")]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "community_staff")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub uuid: String,
    pub unit_id: i64,
    /// The unit's region, copied so scope filters need no join.
    pub region_code: String,
    pub grid_id: Option<i64>,
    pub name: String,
    pub role: StaffRole,
    /// A party secretary who is also the committee director (一肩挑).
    pub also_director: bool,
    pub gender: Gender,
    /// Unknown when the report does not place the person in an age band.
    pub birth_year: Option<i32>,
    pub education: Education,
    /// Unknown (null) when the report does not say.
    pub party_member: Option<bool>,
    /// Unknown (null) when the report does not say.
    pub certified_social_worker: Option<bool>,
    pub hiring: Hiring,
    pub monthly_pay_fen: Option<i64>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

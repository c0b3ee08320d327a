//! Dishonest-debtor list entry (失信被执行人名单). Public by law while it stands.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RemovalReason {
    #[sea_orm(string_value = "performed")]
    Performed,
    #[sea_orm(string_value = "erroneous")]
    Erroneous,
    #[sea_orm(string_value = "expired")]
    Expired,
    #[sea_orm(string_value = "case_closed")]
    CaseClosed,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "dishonest_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Client-generated or server-assigned UUID (`api/src/write.rs`).
    pub uuid: String,
    pub case_id: i64,
    pub party_id: i64,
    /// Copied from the party so the public list needs no join.
    pub name: String,
    pub id_number: Option<String>,
    pub court_id: i64,
    pub region_code: String,
    pub listed_on: Date,
    pub reason: String,
    pub removed_on: Option<Date>,
    pub removal_reason: Option<RemovalReason>,
    /// The day the listed debtor performed of their own accord (主动履行), if they have.
    pub performed_on: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

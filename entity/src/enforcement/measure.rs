//! Enforcement measure (执行措施) taken on a case. One row is one measure against one
//! person or thing, so counts of rows are the reports' "人次".

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum MeasureKind {
    #[sea_orm(string_value = "online_inquiry")]
    OnlineInquiry,
    #[sea_orm(string_value = "seizure_freeze")]
    SeizureFreeze,
    #[sea_orm(string_value = "online_auction")]
    OnlineAuction,
    #[sea_orm(string_value = "detention")]
    Detention,
    #[sea_orm(string_value = "summons")]
    Summons,
    #[sea_orm(string_value = "fine")]
    Fine,
    #[sea_orm(string_value = "consumption_restriction")]
    ConsumptionRestriction,
    #[sea_orm(string_value = "exit_restriction")]
    ExitRestriction,
    #[sea_orm(string_value = "refusal_crime_referral")]
    RefusalCrimeReferral,
    #[sea_orm(string_value = "judicial_assistance")]
    JudicialAssistance,
    #[sea_orm(string_value = "settlement")]
    Settlement,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "measures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Client-generated or server-assigned UUID (`api/src/write.rs`).
    pub uuid: String,
    pub case_id: i64,
    /// The party the measure is against, where it is against one.
    pub party_id: Option<i64>,
    pub kind: MeasureKind,
    pub taken_on: Date,
    /// Inquiry channel (`point_to_point` / `general_to_general`) or auction platform.
    pub channel: Option<String>,
    pub detention_days: Option<i32>,
    /// Fine amount, auction proceeds or assistance paid, in fen (分).
    pub amount_fen: Option<i64>,
    /// For a refusal-to-execute referral: whether it ended in a conviction (被判处拒执罪).
    pub convicted: Option<bool>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! Enforcement case (执行案件).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CaseCategory {
    #[sea_orm(string_value = "livelihood")]
    Livelihood,
    #[sea_orm(string_value = "financial")]
    Financial,
    #[sea_orm(string_value = "government")]
    Government,
    #[sea_orm(string_value = "other")]
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CaseStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "closed")]
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ClosureMode {
    #[sea_orm(string_value = "executed_in_full")]
    ExecutedInFull,
    #[sea_orm(string_value = "settlement_performed")]
    SettlementPerformed,
    #[sea_orm(string_value = "terminated_this_round")]
    TerminatedThisRound,
    #[sea_orm(string_value = "terminated")]
    Terminated,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "transferred_to_bankruptcy")]
    TransferredToBankruptcy,
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "enforcement_cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Client-generated or server-assigned UUID (`api/src/write.rs`).
    pub uuid: String,
    #[sea_orm(unique)]
    pub case_number: String,
    pub court_id: i64,
    /// The court's region, kept on the case so region-subtree filters need no join.
    pub region_code: String,
    pub filed_on: Date,
    /// Statutory deadline (法定期限): six months after filing unless extended.
    pub statutory_due_on: Date,
    pub category: CaseCategory,
    /// Subject amount (申请执行标的额) in fen (分).
    pub subject_amount_fen: i64,
    pub judge_team: Option<String>,
    pub status: CaseStatus,
    pub closure_mode: Option<ClosureMode>,
    pub closed_on: Option<Date>,
    /// Amount recovered (执行到位金额) in fen (分).
    pub recovered_amount_fen: i64,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

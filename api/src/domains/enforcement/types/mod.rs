//! GraphQL types of the enforcement domain, one file per aggregate; thin wrappers over the
//! entities. The enums and the helpers every file uses are here.

pub mod aggregate;
pub mod cases;
pub mod courts;
pub mod dishonest;
pub mod kpi;
pub mod records;
pub mod supervision;

pub use aggregate::*;
pub use cases::*;
pub use courts::*;
pub use dishonest::*;
pub use kpi::*;
pub use records::*;
pub use supervision::*;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ID, Result};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::domains::enforcement::directory::{CourtCache, CourtDirectory};
use crate::domains::enforcement::loaders::ByCaseLoader;
use crate::error::AppError;
use crate::region::types::Region;

/// Court level (法院层级).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enforcement::court::CourtLevel")]
pub enum CourtLevel {
    /// Intermediate people's court (中级人民法院).
    Intermediate,
    /// Basic people's court (基层人民法院).
    Basic,
}

/// Case category (案件类别).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enforcement::enforcement_case::CaseCategory")]
pub enum CaseCategory {
    /// People's livelihood (涉民生).
    Livelihood,
    /// Financial (金融).
    Financial,
    /// Party and government organs (党政机关).
    Government,
    /// Other (其他).
    Other,
}

/// Case status (案件状态).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enforcement::enforcement_case::CaseStatus")]
pub enum CaseStatus {
    /// Pending (未结).
    Pending,
    /// Closed (已结); see `closureMode`.
    Closed,
}

/// Closure mode (结案方式).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enforcement::enforcement_case::ClosureMode")]
pub enum ClosureMode {
    /// Executed in full (执行完毕); counts as actually closed.
    ExecutedInFull,
    /// Settlement performed (和解履行完毕); counts as actually closed.
    SettlementPerformed,
    /// Terminated this round (终结本次执行程序, 终本): no property found; may be reopened.
    TerminatedThisRound,
    /// Terminated (终结执行).
    Terminated,
    /// Rejected or not enforced (驳回申请/不予执行).
    Rejected,
    /// Transferred to bankruptcy (执转破).
    TransferredToBankruptcy,
    /// Withdrawn (撤回申请).
    Withdrawn,
}

/// Party role (当事人地位).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enforcement::party::PartyRole")]
pub enum PartyRole {
    /// Applicant for enforcement (申请执行人).
    Applicant,
    /// Respondent, the debtor (被执行人).
    Respondent,
}

/// Kind of party (当事人类型).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enforcement::party::PartyKind")]
pub enum PartyKind {
    /// A natural person (自然人).
    Person,
    /// An organisation (法人或其他组织).
    Organisation,
}

/// Kind of enforcement measure (执行措施).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enforcement::measure::MeasureKind")]
pub enum MeasureKind {
    /// Online property inquiry (网络查控); needs `inquiryChannel`.
    OnlineInquiry,
    /// Seizure or freeze (查封/冻结).
    SeizureFreeze,
    /// Online judicial auction (网络司法拍卖); needs `auctionPlatform` and `amount` (proceeds).
    OnlineAuction,
    /// Judicial detention (司法拘留); needs `partyId` and `detentionDays` (1-15).
    Detention,
    /// Summons by force (拘传); needs `partyId`.
    Summons,
    /// Fine (罚款); needs `partyId` and `amount`.
    Fine,
    /// Consumption restriction (限制高消费); needs `partyId`.
    ConsumptionRestriction,
    /// Exit restriction (限制出境); needs `partyId`.
    ExitRestriction,
    /// Referral for the crime of refusing to execute (拒执罪); needs `partyId`, may carry `convicted`.
    RefusalCrimeReferral,
    /// Judicial assistance paid to the applicant (司法救助); needs `amount`.
    JudicialAssistance,
    /// Mediation or settlement (执行和解).
    Settlement,
}

/// Channel of an online property inquiry (查控渠道).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum InquiryChannel {
    /// Point-to-point with a local institution (点对点).
    PointToPoint,
    /// The Supreme People's Court's general-to-general network (总对总).
    GeneralToGeneral,
}

impl InquiryChannel {
    fn as_str(self) -> &'static str {
        match self {
            Self::PointToPoint => "point_to_point",
            Self::GeneralToGeneral => "general_to_general",
        }
    }
}

/// Kind of case flow node (流程节点).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enforcement::flow_node::FlowNodeKind")]
pub enum FlowNodeKind {
    /// Filed (立案); recorded by `fileEnforcementCase`.
    Filed,
    /// Assigned to a judge team (分案).
    Assigned,
    /// Property investigation (财产调查).
    PropertyInvestigation,
    /// Property disposal (财产处置).
    PropertyDisposal,
    /// Closed (结案); recorded by `closeEnforcementCase`.
    Closed,
    /// Reopened (恢复执行); recorded by `reopenEnforcementCase`.
    Reopened,
}

/// Status of a supervision order (督办状态).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enforcement::supervision_order::SupervisionStatus")]
pub enum SupervisionStatus {
    /// Open (督办中).
    Open,
    /// Resolved (已办结).
    Resolved,
}

/// Why an entry left the dishonest-debtor list (移除原因).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enforcement::dishonest_entry::RemovalReason")]
pub enum RemovalReason {
    /// The debtor performed the obligation (履行完毕).
    Performed,
    /// Listed in error (错误纳入).
    Erroneous,
    /// The listing period expired (期限届满).
    Expired,
    /// The case was closed otherwise (案件结案).
    CaseClosed,
}

pub use crate::pagination::OrderDirection;

/// Parses an ID argument as a numeric record id.
pub fn parse_id(field: &str, id: &ID) -> Result<i64, AppError> {
    let kind = match field {
        "courtId" | "issuingCourtId" => "Court",
        "caseId" => "EnforcementCase",
        "partyId" => "Party",
        _ => "EnforcementCase",
    };
    crate::ids::parse(field, kind, id)
}

/// A region from the in-memory directory (no statement).
pub(super) async fn load_region(ctx: &Context<'_>, code: &str) -> Result<Option<Region>> {
    Ok(crate::region::types::region(ctx, code).await?)
}

/// A court from the in-memory directory (no statement).
pub(super) async fn load_court(ctx: &Context<'_>, id: i64) -> Result<Option<Court>> {
    let cache = ctx.data_unchecked::<Arc<CourtCache>>();
    let db = ctx.data_unchecked::<DatabaseConnection>();
    let dir = cache.get(|| CourtDirectory::load(db)).await?;
    Ok(dir.get(id).cloned().map(Court))
}

pub(super) async fn load_children<T: crate::domains::enforcement::loaders::CaseChild>(
    ctx: &Context<'_>,
    case_id: i64,
) -> Result<Vec<T>> {
    let loader = ctx.data_unchecked::<DataLoader<ByCaseLoader<T>>>();
    Ok(loader.load_one(case_id).await?.unwrap_or_default())
}

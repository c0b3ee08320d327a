//! GraphQL types of the enforcement domain. Thin wrappers over the entities.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enforcement::{
    court, dishonest_entry, enforcement_case, flow_node, measure, party, supervision_order,
};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use super::directory::{CourtCache, CourtDirectory};
use super::kpis::{self, Kpis, growth, ratio};
use super::loaders::ByCaseLoader;
use super::policy::POLICY;
use super::service::{self, CaseFilter, CaseOrderField, CourtCases, CourtCasesArgs, SMALL_CLAIM_LIMIT_FEN};
use crate::access::{Action, PersonalRead, viewer};
use crate::domains::region::loaders::subtree;
use crate::domains::region::types::Region;
use crate::error::AppError;
use crate::pagination::{NestedCountsLoader, NestedPagesLoader, Page, PageArgs};
use crate::scalars::{Date, Money};
use crate::validate::mask;

// ---------- enums ----------

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

/// Fields cases can be ordered by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum EnforcementCaseOrderField {
    /// Filing date (立案日期).
    FiledOn,
    /// Closing date (结案日期); pending cases sort after every closed case ascending.
    ClosedOn,
    /// Subject amount (申请执行标的额).
    SubjectAmount,
    /// Case number (案号).
    CaseNumber,
}

pub use crate::pagination::OrderDirection;

/// Ordering of a case list; ties are broken by id in the same direction.
#[derive(InputObject)]
pub struct EnforcementCaseOrderBy {
    /// The field to order by.
    pub field: EnforcementCaseOrderField,
    /// The direction, ascending by default.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl EnforcementCaseOrderBy {
    pub fn to_service(order: Option<Self>) -> (CaseOrderField, sea_orm::Order) {
        let Some(o) = order else {
            return (CaseOrderField::FiledOn, sea_orm::Order::Desc);
        };
        let field = match o.field {
            EnforcementCaseOrderField::FiledOn => CaseOrderField::FiledOn,
            EnforcementCaseOrderField::ClosedOn => CaseOrderField::ClosedOn,
            EnforcementCaseOrderField::SubjectAmount => CaseOrderField::SubjectAmount,
            EnforcementCaseOrderField::CaseNumber => CaseOrderField::CaseNumber,
        };
        let dir = match o.direction {
            OrderDirection::Asc => sea_orm::Order::Asc,
            OrderDirection::Desc => sea_orm::Order::Desc,
        };
        (field, dir)
    }
}

// ---------- filters ----------

/// Filter of case lists; every given field narrows the result.
#[derive(InputObject, Default)]
pub struct EnforcementCaseFilter {
    /// Cases of courts in this region and everything below it (行政区划代码).
    pub region_code: Option<String>,
    /// Cases of this court.
    pub court_id: Option<ID>,
    /// Cases in this status.
    pub status: Option<CaseStatus>,
    /// Cases closed in this mode.
    pub closure_mode: Option<ClosureMode>,
    /// Cases of this category.
    pub category: Option<CaseCategory>,
    /// Small claims (小标的, subject amount under 100000.00 yuan) only, or none of them.
    pub small_claim: Option<bool>,
    /// Filed on or after this date.
    pub filed_from: Option<Date>,
    /// Filed on or before this date.
    pub filed_to: Option<Date>,
    /// Closed on or after this date.
    pub closed_from: Option<Date>,
    /// Closed on or before this date.
    pub closed_to: Option<Date>,
    /// Subject amount at least this.
    pub subject_amount_min: Option<Money>,
    /// Subject amount at most this.
    pub subject_amount_max: Option<Money>,
    /// Case number starts with this text (案号前缀), e.g. `(2024)赣1126执`.
    pub case_number_prefix: Option<String>,
}

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

impl EnforcementCaseFilter {
    /// The service's filter, the region resolved to its subtree from memory.
    pub async fn to_service(self, ctx: &Context<'_>) -> Result<CaseFilter, AppError> {
        if let (Some(a), Some(b)) = (self.filed_from, self.filed_to)
            && a > b
        {
            return Err(AppError::bad_input("filedTo", "filedTo is before filedFrom"));
        }
        if let (Some(a), Some(b)) = (self.closed_from, self.closed_to)
            && a > b
        {
            return Err(AppError::bad_input("closedTo", "closedTo is before closedFrom"));
        }
        if let (Some(a), Some(b)) = (self.subject_amount_min, self.subject_amount_max)
            && a > b
        {
            return Err(AppError::bad_input(
                "subjectAmountMax",
                "subjectAmountMax is below subjectAmountMin",
            ));
        }
        Ok(CaseFilter {
            region: subtree(ctx, self.region_code.as_deref(), "regionCode").await?,
            court_id: self
                .court_id
                .as_ref()
                .map(|id| parse_id("courtId", id))
                .transpose()?,
            status: self.status.map(Into::into),
            closure_mode: self.closure_mode.map(Into::into),
            category: self.category.map(Into::into),
            small_claim: self.small_claim,
            filed_from: self.filed_from.map(|d| d.0),
            filed_to: self.filed_to.map(|d| d.0),
            closed_from: self.closed_from.map(|d| d.0),
            closed_to: self.closed_to.map(|d| d.0),
            subject_min_fen: self.subject_amount_min.map(Money::fen),
            subject_max_fen: self.subject_amount_max.map(Money::fen),
            case_number_prefix: self.case_number_prefix,
            review_due_as_of: None,
            scope: Default::default(),
        })
    }
}

/// Runs a case list query and wraps it as a connection.
pub async fn case_connection(
    db: &DatabaseConnection,
    filter: CaseFilter,
    order: Option<EnforcementCaseOrderBy>,
    args: PageArgs,
) -> Result<EnforcementCaseConnection> {
    let page = service::list_cases(db, &filter, EnforcementCaseOrderBy::to_service(order), &args).await?;
    let db = db.clone();
    Ok(EnforcementCaseConnection {
        page: page.map(EnforcementCase),
        count: Arc::new(move || {
            let db = db.clone();
            let f = filter.clone();
            Box::pin(async move { service::count_cases(&db, &f).await })
        }),
    })
}

crate::connection!(
    EnforcementCaseConnection,
    EnforcementCaseEdge,
    EnforcementCase,
    "enforcement cases (执行案件)"
);
crate::connection!(CourtConnection, CourtEdge, Court, "courts (法院)");
crate::connection!(
    DishonestDebtorConnection,
    DishonestDebtorEdge,
    DishonestDebtor,
    "dishonest-list entries (失信被执行人名单)"
);

// ---------- objects ----------

/// Court (法院).
#[derive(Clone)]
pub struct Court(pub court::Model);

/// Court (法院).
#[Object]
impl Court {
    /// Court id.
    pub async fn id(&self) -> ID {
        crate::ids::global("Court", self.0.id)
    }
    /// Name (法院名称).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Abbreviation used in case numbers (案号代字), e.g. `赣1126`.
    async fn abbreviation(&self) -> &str {
        &self.0.abbreviation
    }
    /// Level (层级).
    async fn level(&self) -> CourtLevel {
        self.0.level.into()
    }
    /// Region the court serves (辖区).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load_region(ctx, &self.0.region_code).await
    }
    /// This court's cases (执行案件), newest filing first unless ordered otherwise.
    #[graphql(complexity = "crate::schema::list_cost(first.or(last), child_complexity)")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which cases to list; `courtId` is this court's.")] filter: Option<
            EnforcementCaseFilter,
        >,
        #[graphql(desc = "Ordering, filing date descending by default.")] order_by: Option<
            EnforcementCaseOrderBy,
        >,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<EnforcementCaseConnection> {
        let mut filter = filter.unwrap_or_default().to_service(ctx).await?;
        filter.scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let (field, dir) = EnforcementCaseOrderBy::to_service(order_by);
        let args = CourtCasesArgs {
            filter,
            field,
            ascending: dir == sea_orm::Order::Asc,
            page: PageArgs::new(first, after, last, before),
        };
        // The pages and counts of every court of the request in one statement each.
        let key = (self.0.id, args);
        let pages = ctx.data_unchecked::<DataLoader<NestedPagesLoader<CourtCases>>>();
        let page = pages.load_one(key.clone()).await?.unwrap_or_else(Page::empty);
        let counts = ctx
            .data_unchecked::<Arc<DataLoader<NestedCountsLoader<CourtCases>>>>()
            .clone();
        Ok(EnforcementCaseConnection {
            page: page.map(EnforcementCase),
            count: Arc::new(move || {
                let (counts, key) = (counts.clone(), key.clone());
                Box::pin(async move {
                    counts
                        .load_one(key)
                        .await
                        .map(|n| n.unwrap_or(0))
                        .map_err(|e| AppError::Internal(anyhow::anyhow!("{}", e.message)))
                })
            }),
        })
    }
    /// KPIs of this court's cases (法院执行质效指标).
    async fn kpis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The period.")] filter: Option<CourtKpiFilter>,
    ) -> Result<EnforcementKpis> {
        let f = filter.unwrap_or_default();
        let kf = kpis::KpiFilter {
            scope: viewer(ctx).authorize(&POLICY, Action::Aggregate)?,
            region: None,
            court_id: Some(self.0.id),
            from: f.filed_from.map(|d| d.0),
            to: f.filed_to.map(|d| d.0),
        };
        Ok(kpis::compute(ctx.data_unchecked::<DatabaseConnection>(), &kf)
            .await?
            .into())
    }
}

/// Period of a court's KPIs.
#[derive(InputObject, Default)]
pub struct CourtKpiFilter {
    /// Cases filed on or after this date.
    pub filed_from: Option<Date>,
    /// Cases filed on or before this date.
    pub filed_to: Option<Date>,
}

/// A region from the in-memory directory (no statement).
async fn load_region(ctx: &Context<'_>, code: &str) -> Result<Option<Region>> {
    Ok(crate::domains::region::loaders::region(ctx, code).await?)
}

/// A court from the in-memory directory (no statement).
async fn load_court(ctx: &Context<'_>, id: i64) -> Result<Option<Court>> {
    let cache = ctx.data_unchecked::<Arc<CourtCache>>();
    let db = ctx.data_unchecked::<DatabaseConnection>();
    let dir = cache.get(|| CourtDirectory::load(db)).await?;
    Ok(dir.get(id).cloned().map(Court))
}

async fn load_children<T: super::loaders::CaseChild>(ctx: &Context<'_>, case_id: i64) -> Result<Vec<T>> {
    let loader = ctx.data_unchecked::<DataLoader<ByCaseLoader<T>>>();
    Ok(loader.load_one(case_id).await?.unwrap_or_default())
}

/// Enforcement case (执行案件).
#[derive(Clone)]
pub struct EnforcementCase(pub enforcement_case::Model);

/// Enforcement case (执行案件).
#[Object]
impl EnforcementCase {
    /// Case id.
    pub async fn id(&self) -> ID {
        crate::ids::global("EnforcementCase", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation; stable across devices.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Case number (案号), e.g. `(2024)赣1126执123号`.
    async fn case_number(&self) -> &str {
        &self.0.case_number
    }
    /// Court handling the case (执行法院).
    async fn court(&self, ctx: &Context<'_>) -> Result<Option<Court>> {
        load_court(ctx, self.0.court_id).await
    }
    /// Region of the court (所属行政区划).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load_region(ctx, &self.0.region_code).await
    }
    /// Filing date (立案日期).
    async fn filed_on(&self) -> Date {
        self.0.filed_on.into()
    }
    /// Statutory deadline (法定审限届满日): six months after filing.
    async fn statutory_due_on(&self) -> Date {
        self.0.statutory_due_on.into()
    }
    /// Category (案件类别).
    async fn category(&self) -> CaseCategory {
        self.0.category.into()
    }
    /// Subject amount (申请执行标的额), yuan.
    async fn subject_amount(&self) -> Money {
        Money(self.0.subject_amount_fen)
    }
    /// Small claim (小标的): subject amount under 100000.00 yuan.
    async fn small_claim(&self) -> bool {
        self.0.subject_amount_fen < SMALL_CLAIM_LIMIT_FEN
    }
    /// Assigned judge team (承办团队).
    async fn judge_team(&self) -> Option<&str> {
        self.0.judge_team.as_deref()
    }
    /// Status (案件状态).
    async fn status(&self) -> CaseStatus {
        self.0.status.into()
    }
    /// Closure mode (结案方式), null while pending.
    async fn closure_mode(&self) -> Option<ClosureMode> {
        self.0.closure_mode.map(Into::into)
    }
    /// Closing date (结案日期), null while pending.
    async fn closed_on(&self) -> Option<Date> {
        self.0.closed_on.map(Into::into)
    }
    /// Amount recovered (执行到位金额), yuan.
    async fn recovered_amount(&self) -> Money {
        Money(self.0.recovered_amount_fen)
    }
    /// Version of the record, raised by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Parties (当事人), in the order they were added.
    async fn parties(&self, ctx: &Context<'_>) -> Result<Vec<Party>> {
        let region = &self.0.region_code;
        Ok(load_children::<party::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(|p| Party(p, Some(region.clone())))
            .collect())
    }
    /// Enforcement measures (执行措施), by date taken.
    async fn measures(&self, ctx: &Context<'_>) -> Result<Vec<Measure>> {
        Ok(load_children::<measure::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(Measure)
            .collect())
    }
    /// Flow nodes (流程节点), by date.
    async fn flow_nodes(&self, ctx: &Context<'_>) -> Result<Vec<FlowNode>> {
        Ok(load_children::<flow_node::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(FlowNode)
            .collect())
    }
    /// Supervision orders on this case (督办), by date issued.
    async fn supervision_orders(&self, ctx: &Context<'_>) -> Result<Vec<SupervisionOrder>> {
        Ok(load_children::<supervision_order::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(SupervisionOrder)
            .collect())
    }
}

/// A personal-data field: unmasked (and the read audited) for roles with the right, masked
/// otherwise.
fn personal(
    ctx: &Context<'_>,
    party: &Party,
    value: &Option<String>,
    masked: fn(&str) -> String,
) -> Option<String> {
    let v = viewer(ctx);
    let value = value.as_ref()?;
    if v.may(&POLICY, Action::PersonalData) {
        v.note_personal_read(PersonalRead {
            entity: "party",
            id: party.0.id.to_string(),
            region_code: party.1.clone(),
        });
        Some(value.clone())
    } else {
        Some(masked(value))
    }
}

/// Party to a case (当事人). Identity number, phone and address are personal data, masked
/// for callers without the right to see them.
#[derive(Clone)]
pub struct Party(pub party::Model, pub Option<String>);

/// Party to a case (当事人). Identity number, phone and address are personal data, masked
/// for callers without the right to see them.
#[Object]
impl Party {
    /// Party id.
    pub async fn id(&self) -> ID {
        crate::ids::global("Party", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation; stable across devices.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Role (当事人地位).
    async fn role(&self) -> PartyRole {
        self.0.role.into()
    }
    /// Person or organisation (当事人类型).
    async fn kind(&self) -> PartyKind {
        self.0.kind.into()
    }
    /// Name (姓名/名称).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Identity number or unified social credit code (身份证号/统一社会信用代码); personal data, masked without the right.
    async fn id_number(&self, ctx: &Context<'_>) -> Option<String> {
        personal(ctx, self, &self.0.id_number, mask)
    }
    /// Phone (联系电话); personal data, masked without the right.
    async fn phone(&self, ctx: &Context<'_>) -> Option<String> {
        personal(ctx, self, &self.0.phone, mask)
    }
    /// Address (住址); personal data, masked without the right.
    async fn address(&self, ctx: &Context<'_>) -> Option<String> {
        personal(ctx, self, &self.0.address, |_| "***".to_owned())
    }
}

/// Enforcement measure (执行措施).
#[derive(Clone)]
pub struct Measure(pub measure::Model);

/// Enforcement measure (执行措施).
#[Object]
impl Measure {
    /// Measure id.
    pub async fn id(&self) -> ID {
        crate::ids::global("Measure", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation; stable across devices.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Id of the case.
    async fn case_id(&self) -> ID {
        crate::ids::global("EnforcementCase", self.0.case_id)
    }
    /// Id of the party it was taken against, if any.
    async fn party_id(&self) -> Option<ID> {
        self.0.party_id.map(|id| crate::ids::global("Party", id))
    }
    /// Kind (措施类型).
    async fn kind(&self) -> MeasureKind {
        self.0.kind.into()
    }
    /// Date taken (采取日期).
    async fn taken_on(&self) -> Date {
        self.0.taken_on.into()
    }
    /// Inquiry channel (查控渠道), for an online inquiry.
    async fn inquiry_channel(&self) -> Option<InquiryChannel> {
        match self.0.channel.as_deref() {
            Some("point_to_point") => Some(InquiryChannel::PointToPoint),
            Some("general_to_general") => Some(InquiryChannel::GeneralToGeneral),
            _ => None,
        }
    }
    /// Auction platform (拍卖平台), for an online auction.
    async fn auction_platform(&self) -> Option<&str> {
        if self.0.kind == entity::enforcement::measure::MeasureKind::OnlineAuction {
            self.0.channel.as_deref()
        } else {
            None
        }
    }
    /// Detention days (拘留天数), for a detention.
    async fn detention_days(&self) -> Option<i32> {
        self.0.detention_days
    }
    /// Fine (罚款金额), auction proceeds (拍卖成交额) or assistance paid (救助金额), yuan.
    async fn amount(&self) -> Option<Money> {
        self.0.amount_fen.map(Money)
    }
    /// For a refusal-to-execute referral: whether it ended in a conviction (被判处拒执罪).
    async fn convicted(&self) -> Option<bool> {
        self.0.convicted
    }
    /// Note (备注).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// Flow node (流程节点) of a case; parties are told of each.
#[derive(Clone)]
pub struct FlowNode(pub flow_node::Model);

/// Flow node (流程节点) of a case; parties are told of each.
#[Object]
impl FlowNode {
    /// Flow node id.
    pub async fn id(&self) -> ID {
        crate::ids::global("FlowNode", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation; stable across devices.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Id of the case.
    async fn case_id(&self) -> ID {
        crate::ids::global("EnforcementCase", self.0.case_id)
    }
    /// Kind (节点类型).
    async fn kind(&self) -> FlowNodeKind {
        self.0.kind.into()
    }
    /// Date (日期).
    async fn occurred_on(&self) -> Date {
        self.0.occurred_on.into()
    }
    /// Note (说明).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Whether the parties were notified (已推送当事人).
    async fn parties_notified(&self) -> bool {
        self.0.parties_notified
    }
}

/// Supervision order (督办) from an intermediate court's command centre.
#[derive(Clone)]
pub struct SupervisionOrder(pub supervision_order::Model);

/// Supervision order (督办) from an intermediate court's command centre.
#[Object]
impl SupervisionOrder {
    /// Order id.
    pub async fn id(&self) -> ID {
        crate::ids::global("SupervisionOrder", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation; stable across devices.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Id of the supervised case.
    async fn case_id(&self) -> ID {
        crate::ids::global("EnforcementCase", self.0.case_id)
    }
    /// Batch (批次).
    async fn batch(&self) -> &str {
        &self.0.batch
    }
    /// Issuing court (督办法院).
    async fn issuing_court(&self, ctx: &Context<'_>) -> Result<Option<Court>> {
        load_court(ctx, self.0.issuing_court_id).await
    }
    /// Date issued (发起日期).
    async fn issued_on(&self) -> Date {
        self.0.issued_on.into()
    }
    /// Due date (办理期限).
    async fn due_on(&self) -> Date {
        self.0.due_on.into()
    }
    /// Status (状态).
    async fn status(&self) -> SupervisionStatus {
        self.0.status.into()
    }
    /// Instructions (督办意见).
    async fn instructions(&self) -> Option<&str> {
        self.0.instructions.as_deref()
    }
}

/// Entry of the dishonest-debtor list (失信被执行人名单), public by law. The identity
/// number is shown masked, as the public list does.
#[derive(Clone)]
pub struct DishonestDebtor(pub dishonest_entry::Model);

/// Entry of the dishonest-debtor list (失信被执行人名单), public by law. The identity
/// number is shown masked, as the public list does.
#[Object]
impl DishonestDebtor {
    /// Entry id.
    pub async fn id(&self) -> ID {
        crate::ids::global("DishonestDebtor", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation; stable across devices.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Name of the debtor (被执行人姓名/名称).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Identity number or credit code, masked (身份证号/统一社会信用代码, 部分隐去).
    async fn id_number_masked(&self) -> Option<String> {
        self.0.id_number.as_deref().map(mask)
    }
    /// Court that listed the debtor (执行法院).
    async fn court(&self, ctx: &Context<'_>) -> Result<Option<Court>> {
        load_court(ctx, self.0.court_id).await
    }
    /// Region of the court (所属行政区划).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load_region(ctx, &self.0.region_code).await
    }
    /// Date listed (纳入日期).
    async fn listed_on(&self) -> Date {
        self.0.listed_on.into()
    }
    /// Reason for listing (失信情形).
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// Date removed (移除日期), null while listed.
    async fn removed_on(&self) -> Option<Date> {
        self.0.removed_on.map(Into::into)
    }
    /// Why it was removed (移除原因).
    async fn removal_reason(&self) -> Option<RemovalReason> {
        self.0.removal_reason.map(Into::into)
    }
    /// Version of the entry, raised by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Filter of the dishonest-debtor list.
#[derive(InputObject, Default)]
pub struct DishonestDebtorFilter {
    /// Name contains this text.
    pub name_contains: Option<String>,
    /// Listed by courts in this region and below.
    pub region_code: Option<String>,
    /// Listed by this court.
    pub court_id: Option<ID>,
    /// Listed on or after this date.
    pub listed_from: Option<Date>,
    /// Listed on or before this date.
    pub listed_to: Option<Date>,
    /// Include entries already removed (default false: only those standing).
    #[graphql(default)]
    pub include_removed: bool,
}

/// Filter of `courts`.
#[derive(InputObject, Default)]
pub struct CourtFilter {
    /// Courts in this region and below.
    pub region_code: Option<String>,
    /// Courts of this level.
    pub level: Option<CourtLevel>,
}

/// Filter of `enforcementKpis`.
#[derive(InputObject, Default)]
pub struct EnforcementKpiFilter {
    /// Cases of courts in this region and below (行政区划代码).
    pub region_code: Option<String>,
    /// Cases of this court.
    pub court_id: Option<ID>,
    /// Start of the period (inclusive): cases filed, measures taken, debtors listed and orders issued from this date.
    pub filed_from: Option<Date>,
    /// End of the period (inclusive).
    pub filed_to: Option<Date>,
}

impl EnforcementKpiFilter {
    /// The cost of the KPIs of this filter, for the complexity limit and the rate budget:
    /// they sum a day's aggregate rows per court, so a KPI costs by the days its period spans
    /// (ten years when open-ended), twice when a previous year is compared.
    pub fn cost(filter: Option<&Self>) -> usize {
        let from = filter.and_then(|f| f.filed_from.as_ref()).map(|d| d.0);
        let to = filter.and_then(|f| f.filed_to.as_ref()).map(|d| d.0);
        let days = match (from, to) {
            (Some(f), Some(t)) => (t - f).num_days().clamp(0, 3650) as usize + 1,
            (Some(f), None) => (crate::validate::today() - f).num_days().clamp(0, 3650) as usize + 1,
            _ => 3650,
        };
        let previous_year = if from.is_some() && to.is_some() { 2 } else { 1 };
        10 + days * previous_year / 2
    }

    /// The service's filter, the region resolved to its subtree from memory.
    pub async fn to_service(self, ctx: &Context<'_>) -> Result<kpis::KpiFilter, AppError> {
        Ok(kpis::KpiFilter {
            scope: Default::default(),
            region: subtree(ctx, self.region_code.as_deref(), "regionCode").await?,
            court_id: self
                .court_id
                .as_ref()
                .map(|id| parse_id("courtId", id))
                .transpose()?,
            from: self.filed_from.map(|d| d.0),
            to: self.filed_to.map(|d| d.0),
        })
    }
}

/// The Supreme People's Court's "four 90%" targets (四个90%), shown beside the actuals.
#[derive(SimpleObject, Clone)]
pub struct FourNinetyTargets {
    /// Cases with property closed actually within the statutory limit (有财产可供执行案件法定期限内实际执结率): 0.9.
    pub actual_closure_with_property_rate: f64,
    /// Compliant terminations of cases without property (无财产可供执行案件终本合格率): 0.9.
    pub compliant_termination_rate: f64,
    /// Enforcement complaints resolved (执行信访案件办结率): 0.9.
    pub complaint_resolution_rate: f64,
    /// Overall closure rate of the last three years (近三年执行案件整体执结率): 0.9.
    pub three_year_closure_rate: f64,
}

/// Enforcement KPIs (执行质效指标) of a region or court over a period. Case figures count
/// the cases filed in the period; measures, listings and supervision orders count those
/// taken, listed or issued in the period. Rates are fractions, null when the denominator is 0.
#[derive(SimpleObject, Clone)]
pub struct EnforcementKpis {
    /// Accepted (受理/新收): cases filed in the period.
    pub accepted: i64,
    /// Closed (结案): accepted cases that are closed, in any mode.
    pub closed: i64,
    /// Closure rate (结案率) = closed / accepted.
    pub closure_rate: Option<f64>,
    /// Actually closed (实际执结): closed as executed in full (执行完毕) or settlement performed (和解履行完毕).
    pub actual_closed: i64,
    /// Actual closure rate (实际执结率) = actualClosed / accepted.
    pub actual_closure_rate: Option<f64>,
    /// Subject amount (申请执行标的额) of the accepted cases, yuan.
    pub subject_amount: Money,
    /// Amount recovered (执行到位金额) on the accepted cases, yuan.
    pub recovered_amount: Money,
    /// Actual recovery rate (实际到位率) = recoveredAmount / subjectAmount.
    pub recovery_rate: Option<f64>,
    /// Terminated this round (终本): closed as 终结本次执行程序.
    pub terminated_this_round: i64,
    /// Terminated-this-round rate (终本率) = terminatedThisRound / closed.
    pub terminated_this_round_rate: Option<f64>,
    /// Closed within the statutory limit (法定期限内结案): closed within six months of filing.
    pub closed_within_limit: i64,
    /// Closed-within-limit rate (法定期限内结案率) = closedWithinLimit / closed.
    pub closed_within_limit_rate: Option<f64>,
    /// Accepted in the same period a year earlier (去年同期受理), null without both period ends.
    pub accepted_previous_year: Option<i64>,
    /// Growth of accepted (受理同比) = accepted / acceptedPreviousYear - 1.
    pub accepted_growth: Option<f64>,
    /// Actually closed in the same period a year earlier (去年同期实际执结).
    pub actual_closed_previous_year: Option<i64>,
    /// Growth of actually closed (实际执结同比) = actualClosed / actualClosedPreviousYear - 1.
    pub actual_closed_growth: Option<f64>,
    /// Subject amount of the closed cases (执结标的额), yuan.
    pub closed_subject_amount: Money,
    /// Closed cases transferred to bankruptcy (执转破).
    pub transferred_to_bankruptcy: i64,
    /// Closed cases of the three priority categories (三类案件: 涉民生、金融、党政机关).
    pub closed_priority_categories: i64,
    /// Detentions (司法拘留), person-times.
    pub detentions: i64,
    /// Summonses by force (拘传), person-times.
    pub summonses: i64,
    /// Detentions and summonses together (拘留、拘传), person-times.
    pub detentions_and_summons: i64,
    /// Fines imposed (罚款), count.
    pub fines: i64,
    /// Fines imposed (罚款金额), yuan.
    pub fine_amount: Money,
    /// Referrals for the crime of refusing to execute (移送拒执罪), persons.
    pub refusal_crime_referrals: i64,
    /// Referrals that ended in conviction (被判处拒执罪), persons.
    pub refusal_crime_convictions: i64,
    /// Cases with a conviction for refusing to execute (拒执罪案件).
    pub refusal_crime_cases: i64,
    /// Dishonest-debtor listings (纳入失信被执行人名单), person-times.
    pub dishonest_listings: i64,
    /// Of those listings, removed because the debtor performed (主动履行后移除).
    pub dishonest_removals_after_performance: i64,
    /// Supervision orders issued (督办).
    pub supervision_orders: i64,
    /// Distinct supervision batches (督办批次).
    pub supervision_batches: i64,
    /// Distinct courts supervised (被督办法院数).
    pub supervised_courts: i64,
    /// The "four 90%" targets (四个90%) to show beside the actuals.
    pub targets: FourNinetyTargets,
}

impl From<Kpis> for EnforcementKpis {
    fn from(k: Kpis) -> Self {
        let t = &k.cases;
        let prev = k.previous_year.as_ref();
        EnforcementKpis {
            accepted: t.accepted,
            closed: t.closed,
            closure_rate: ratio(t.closed, t.accepted),
            actual_closed: t.actual_closed,
            actual_closure_rate: ratio(t.actual_closed, t.accepted),
            subject_amount: Money(t.subject_fen),
            recovered_amount: Money(t.recovered_fen),
            recovery_rate: ratio(t.recovered_fen, t.subject_fen),
            terminated_this_round: t.terminated_this_round,
            terminated_this_round_rate: ratio(t.terminated_this_round, t.closed),
            closed_within_limit: t.closed_within_limit,
            closed_within_limit_rate: ratio(t.closed_within_limit, t.closed),
            accepted_previous_year: prev.map(|p| p.accepted),
            accepted_growth: prev.and_then(|p| growth(t.accepted, p.accepted)),
            actual_closed_previous_year: prev.map(|p| p.actual_closed),
            actual_closed_growth: prev.and_then(|p| growth(t.actual_closed, p.actual_closed)),
            closed_subject_amount: Money(t.closed_subject_fen),
            transferred_to_bankruptcy: t.transferred_to_bankruptcy,
            closed_priority_categories: t.closed_priority_categories,
            detentions: k.detentions,
            summonses: k.summonses,
            detentions_and_summons: k.detentions + k.summonses,
            fines: k.fines,
            fine_amount: Money(k.fine_fen),
            refusal_crime_referrals: k.refusal_crime_referrals,
            refusal_crime_convictions: k.refusal_crime_convictions,
            refusal_crime_cases: k.refusal_crime_cases,
            dishonest_listings: k.dishonest_listings,
            dishonest_removals_after_performance: k.dishonest_removals_after_performance,
            supervision_orders: k.supervision_orders,
            supervision_batches: k.supervision_batches,
            supervised_courts: k.supervised_courts,
            targets: FourNinetyTargets {
                actual_closure_with_property_rate: 0.9,
                compliant_termination_rate: 0.9,
                complaint_resolution_rate: 0.9,
                three_year_closure_rate: 0.9,
            },
        }
    }
}

// ---------- mutation inputs ----------

/// Input of `fileEnforcementCase` (立案).
#[derive(InputObject)]
pub struct FileEnforcementCaseInput {
    /// Case number (案号), unique.
    pub case_number: String,
    /// Court filing the case.
    pub court_id: ID,
    /// Filing date (立案日期), not in the future.
    pub filed_on: Date,
    /// Category (案件类别).
    pub category: CaseCategory,
    /// Subject amount (申请执行标的额), yuan, not negative.
    pub subject_amount: Money,
    /// Assigned judge team (承办团队).
    pub judge_team: Option<String>,
    /// Client-generated UUID of the new record (客户端标识), for writes made offline; the
    /// server makes one when absent; one already used is a CONFLICT.
    pub uuid: Option<String>,
}

/// Input of `addParty`.
#[derive(InputObject)]
pub struct AddPartyInput {
    /// The case.
    pub case_id: ID,
    /// Role (当事人地位).
    pub role: PartyRole,
    /// Person or organisation.
    pub kind: PartyKind,
    /// Name (姓名/名称), 1-128 characters.
    pub name: String,
    /// Identity number (18 characters with a valid check digit) or unified social credit code.
    pub id_number: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Client-generated UUID of the new record (客户端标识), for writes made offline; the
    /// server makes one when absent; one already used is a CONFLICT.
    pub uuid: Option<String>,
}

/// Input of `recordMeasure`; each kind needs its own fields (see `MeasureKind`).
#[derive(InputObject)]
pub struct RecordMeasureInput {
    /// The case.
    pub case_id: ID,
    /// The party it is taken against (required for measures against a person).
    pub party_id: Option<ID>,
    /// Kind (措施类型).
    pub kind: MeasureKind,
    /// Date taken, not before filing nor in the future.
    pub taken_on: Date,
    /// For ONLINE_INQUIRY: the channel.
    pub inquiry_channel: Option<InquiryChannel>,
    /// For ONLINE_AUCTION: the platform (e.g. 淘宝, 京东).
    pub auction_platform: Option<String>,
    /// For DETENTION: days, 1 to 15.
    pub detention_days: Option<i32>,
    /// For FINE, ONLINE_AUCTION and JUDICIAL_ASSISTANCE: the amount, yuan.
    pub amount: Option<Money>,
    /// For REFUSAL_CRIME_REFERRAL: whether it ended in a conviction.
    pub convicted: Option<bool>,
    /// Note.
    pub note: Option<String>,
    /// Client-generated UUID of the new record (客户端标识), for writes made offline; the
    /// server makes one when absent; one already used is a CONFLICT.
    pub uuid: Option<String>,
}

impl RecordMeasureInput {
    pub fn to_service(self) -> Result<service::NewMeasure, AppError> {
        let channel = match (self.kind, self.inquiry_channel, self.auction_platform) {
            (MeasureKind::OnlineInquiry, Some(c), None) => Some(c.as_str().to_owned()),
            (MeasureKind::OnlineAuction, None, p) => p,
            (_, None, None) => None,
            (_, Some(_), _) => {
                return Err(AppError::bad_input(
                    "inquiryChannel",
                    "only an online inquiry has a channel",
                ));
            }
            (_, _, Some(_)) => {
                return Err(AppError::bad_input(
                    "auctionPlatform",
                    "only an online auction has a platform",
                ));
            }
        };
        Ok(service::NewMeasure {
            case_id: parse_id("caseId", &self.case_id)?,
            party_id: self
                .party_id
                .as_ref()
                .map(|p| parse_id("partyId", p))
                .transpose()?,
            kind: self.kind.into(),
            taken_on: self.taken_on.0,
            channel,
            detention_days: self.detention_days,
            amount_fen: self.amount.map(Money::fen),
            convicted: self.convicted,
            note: self.note,
            uuid: self.uuid,
        })
    }
}

/// Input of `recordFlowNode`.
#[derive(InputObject)]
pub struct RecordFlowNodeInput {
    /// The case.
    pub case_id: ID,
    /// Kind: ASSIGNED, PROPERTY_INVESTIGATION or PROPERTY_DISPOSAL.
    pub kind: FlowNodeKind,
    /// Date, not before filing nor in the future.
    pub occurred_on: Date,
    /// Note.
    pub note: Option<String>,
    /// Client-generated UUID of the new record (客户端标识), for writes made offline; the
    /// server makes one when absent; one already used is a CONFLICT.
    pub uuid: Option<String>,
}

/// Input of `issueSupervisionOrder` (发起督办).
#[derive(InputObject)]
pub struct IssueSupervisionOrderInput {
    /// The supervised case, which must be pending.
    pub case_id: ID,
    /// Batch (批次), e.g. `2025-017`.
    pub batch: String,
    /// The intermediate court issuing the order.
    pub issuing_court_id: ID,
    /// Date issued.
    pub issued_on: Date,
    /// Due date, not before the date issued.
    pub due_on: Date,
    /// Instructions (督办意见).
    pub instructions: Option<String>,
    /// Client-generated UUID of the new record (客户端标识), for writes made offline; the
    /// server makes one when absent; one already used is a CONFLICT.
    pub uuid: Option<String>,
}

/// Input of `addToDishonestList` (纳入失信被执行人名单).
#[derive(InputObject)]
pub struct AddToDishonestListInput {
    /// The case, which must be pending.
    pub case_id: ID,
    /// The respondent to list.
    pub party_id: ID,
    /// Date listed.
    pub listed_on: Date,
    /// Reason (失信情形), e.g. 有履行能力而拒不履行.
    pub reason: String,
    /// Client-generated UUID of the new record (客户端标识), for writes made offline; the
    /// server makes one when absent; one already used is a CONFLICT.
    pub uuid: Option<String>,
}

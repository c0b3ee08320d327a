//! Enforcement cases (执行案件) as GraphQL objects, with their filter, ordering and input.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::enforcement::{enforcement_case, flow_node, measure, party, supervision_order};
use sea_orm::DatabaseConnection;

use crate::domains::enforcement::service::{self, CaseFilter, CaseOrderField, SMALL_CLAIM_LIMIT_FEN};
use crate::error::AppError;
use crate::pagination::PageArgs;
use crate::region::loaders::subtree;
use crate::region::types::Region;
use crate::scalars::{Date, Money};

use super::*;

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
    pub fn into_service(order: Option<Self>) -> (CaseOrderField, sea_orm::Order) {
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

impl EnforcementCaseFilter {
    /// The service's filter, the region resolved to its subtree from memory.
    pub async fn into_service(self, ctx: &Context<'_>) -> Result<CaseFilter, AppError> {
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
    let page = service::list_cases(db, &filter, EnforcementCaseOrderBy::into_service(order), &args).await?;
    let db = db.clone();
    Ok(EnforcementCaseConnection {
        page: page.map(EnforcementCase),
        count: crate::pagination::Count::keyed(format!("enforcementCases {filter:?}"), move || {
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
    /// Synthetic (合成数据): whether a seed generated this record around the reports' figures
    /// (true) or it was written through the API (false); administrators only, null for
    /// other callers.
    async fn synthetic(&self, ctx: &Context<'_>) -> Option<bool> {
        crate::synthetic::visible(ctx, self.0.synthetic)
    }
}

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

//! Enforcement cases (执行案件): lists, look-ups, filing, closing and reopening.

use chrono::{Months, NaiveDate};
use entity::enforcement::court::{self};
use entity::enforcement::enforcement_case::{self as case, CaseCategory, CaseStatus, ClosureMode};
use entity::enforcement::flow_node::{self, FlowNodeKind};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};

use super::super::daily;
use super::courts::find_court;
use super::flow::insert_flow_node;
use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::pagination::{self, NestedPages, Page, PageArgs, PageRequest};
use crate::region::service::{self as regions, Subtree};
use crate::validate;
use crate::write::{Who, check_version, record_uuid, unique_to_conflict, uuid_free};
use std::collections::HashMap;

/// Subject amounts under this many fen (100,000 yuan) are small claims (小标的).
pub const SMALL_CLAIM_LIMIT_FEN: i64 = 10_000_000;
/// Closure modes that count as actually closed (实际执结).
pub const ACTUAL_CLOSURE_MODES: [ClosureMode; 2] =
    [ClosureMode::ExecutedInFull, ClosureMode::SettlementPerformed];

/// Filter of case lists; every field narrows the result.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct CaseFilter {
    /// Cases of this region and below.
    pub region: Option<Subtree>,
    pub court_id: Option<i64>,
    pub status: Option<CaseStatus>,
    pub closure_mode: Option<ClosureMode>,
    pub category: Option<CaseCategory>,
    pub small_claim: Option<bool>,
    pub filed_from: Option<NaiveDate>,
    pub filed_to: Option<NaiveDate>,
    pub closed_from: Option<NaiveDate>,
    pub closed_to: Option<NaiveDate>,
    pub subject_min_fen: Option<i64>,
    pub subject_max_fen: Option<i64>,
    pub case_number_prefix: Option<String>,
    /// Terminated-this-round cases whose last property investigation is more than
    /// six months before this date (终本回头看).
    pub review_due_as_of: Option<NaiveDate>,
    /// The caller's reach.
    pub scope: Scope,
}

/// Orderings of case lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseOrderField {
    FiledOn,
    ClosedOn,
    SubjectAmount,
    CaseNumber,
}

impl CaseOrderField {
    fn name(self) -> &'static str {
        match self {
            Self::FiledOn => "filedOn",
            Self::ClosedOn => "closedOn",
            Self::SubjectAmount => "subjectAmount",
            Self::CaseNumber => "caseNumber",
        }
    }
}

/// Pending cases sort as if closed on this date when ordering by closed date.
const OPEN_END: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid date");

fn col(c: case::Column) -> Expr {
    Expr::col((case::Entity, c))
}

fn sort_key(field: CaseOrderField) -> Expr {
    match field {
        CaseOrderField::FiledOn => col(case::Column::FiledOn),
        CaseOrderField::ClosedOn => Func::coalesce([col(case::Column::ClosedOn), Expr::val(OPEN_END)]).into(),
        CaseOrderField::SubjectAmount => col(case::Column::SubjectAmountFen),
        CaseOrderField::CaseNumber => col(case::Column::CaseNumber),
    }
}

fn key_text(field: CaseOrderField, m: &case::Model) -> String {
    match field {
        CaseOrderField::FiledOn => m.filed_on.to_string(),
        CaseOrderField::ClosedOn => m.closed_on.unwrap_or(OPEN_END).to_string(),
        CaseOrderField::SubjectAmount => m.subject_amount_fen.to_string(),
        CaseOrderField::CaseNumber => m.case_number.clone(),
    }
}

/// Two cases in an ordering, ties broken by id (as `sort_key` then id order them in SQL).
fn compare(field: CaseOrderField, a: &case::Model, b: &case::Model) -> std::cmp::Ordering {
    let by_key = match field {
        CaseOrderField::FiledOn => a.filed_on.cmp(&b.filed_on),
        CaseOrderField::ClosedOn => a
            .closed_on
            .unwrap_or(OPEN_END)
            .cmp(&b.closed_on.unwrap_or(OPEN_END)),
        CaseOrderField::SubjectAmount => a.subject_amount_fen.cmp(&b.subject_amount_fen),
        CaseOrderField::CaseNumber => a.case_number.cmp(&b.case_number),
    };
    by_key.then(a.id.cmp(&b.id))
}

fn key_value(field: CaseOrderField, text: &str) -> AppResult<Expr> {
    let bad = || AppError::bad_input("after", "after is not a cursor of this list");
    Ok(match field {
        CaseOrderField::FiledOn | CaseOrderField::ClosedOn => {
            Expr::val(text.parse::<NaiveDate>().map_err(|_| bad())?)
        }
        CaseOrderField::SubjectAmount => Expr::val(text.parse::<i64>().map_err(|_| bad())?),
        CaseOrderField::CaseNumber => Expr::val(text.to_owned()),
    })
}

/// The filter as a condition on `enforcement_cases` columns (qualified, so usable in joins).
pub fn case_condition(f: &CaseFilter) -> AppResult<Condition> {
    let mut cond = scope_condition(&f.scope, f.region.as_ref(), f.court_id);
    if let Some(s) = f.status {
        cond = cond.add(col(case::Column::Status).eq(s));
    }
    if let Some(m) = f.closure_mode {
        cond = cond.add(col(case::Column::ClosureMode).eq(m));
    }
    if let Some(c) = f.category {
        cond = cond.add(col(case::Column::Category).eq(c));
    }
    match f.small_claim {
        Some(true) => cond = cond.add(col(case::Column::SubjectAmountFen).lt(SMALL_CLAIM_LIMIT_FEN)),
        Some(false) => cond = cond.add(col(case::Column::SubjectAmountFen).gte(SMALL_CLAIM_LIMIT_FEN)),
        None => {}
    }
    if let Some(d) = f.filed_from {
        cond = cond.add(col(case::Column::FiledOn).gte(d));
    }
    if let Some(d) = f.filed_to {
        cond = cond.add(col(case::Column::FiledOn).lte(d));
    }
    if let Some(d) = f.closed_from {
        cond = cond.add(col(case::Column::ClosedOn).gte(d));
    }
    if let Some(d) = f.closed_to {
        cond = cond.add(col(case::Column::ClosedOn).lte(d));
    }
    if let Some(v) = f.subject_min_fen {
        cond = cond.add(col(case::Column::SubjectAmountFen).gte(v));
    }
    if let Some(v) = f.subject_max_fen {
        cond = cond.add(col(case::Column::SubjectAmountFen).lte(v));
    }
    if let Some(prefix) = &f.case_number_prefix {
        cond = cond.add(
            col(case::Column::CaseNumber)
                .like(LikeExpr::new(format!("{}%", regions::like_escape(prefix))).escape('\\')),
        );
    }
    if let Some(as_of) = f.review_due_as_of {
        let cutoff = as_of
            .checked_sub_months(Months::new(6))
            .ok_or_else(|| AppError::bad_input("asOf", "asOf is out of range"))?;
        let last_investigation = Query::select()
            .expr(Expr::col((flow_node::Entity, flow_node::Column::OccurredOn)).max())
            .from(flow_node::Entity)
            .and_where(
                Expr::col((flow_node::Entity, flow_node::Column::CaseId))
                    .equals((case::Entity, case::Column::Id)),
            )
            .and_where(
                Expr::col((flow_node::Entity, flow_node::Column::Kind))
                    .eq(FlowNodeKind::PropertyInvestigation),
            )
            .to_owned();
        cond = cond
            .add(col(case::Column::Status).eq(CaseStatus::Closed))
            .add(col(case::Column::ClosureMode).eq(ClosureMode::TerminatedThisRound))
            .add(
                Expr::expr(Func::coalesce([
                    Expr::SubQuery(None, Box::new(last_investigation.into())),
                    col(case::Column::ClosedOn),
                ]))
                .lt(cutoff),
            );
    }
    Ok(cond)
}

/// Region-subtree and court condition of case lists.
pub fn scope_condition(scope: &Scope, region: Option<&Subtree>, court_id: Option<i64>) -> Condition {
    let mut cond = regions::in_scope(Condition::all(), col(case::Column::RegionCode), scope);
    if let Some(region) = region {
        cond = cond.add(region.condition(col(case::Column::RegionCode)));
    }
    if let Some(id) = court_id {
        cond = cond.add(col(case::Column::CourtId).eq(id));
    }
    cond
}

/// Name of a case ordering, as cursors carry it.
fn case_ordering(field: CaseOrderField, ascending: bool) -> String {
    format!("{}:{}", field.name(), if ascending { "asc" } else { "desc" })
}

/// One page of cases, forward or backward.
pub async fn list_cases(
    db: &DatabaseConnection,
    filter: &CaseFilter,
    order: (CaseOrderField, Order),
    args: &PageArgs,
) -> AppResult<Page<case::Model>> {
    let (field, dir) = order;
    let ascending = dir == Order::Asc;
    let req = PageRequest::new(args, &case_ordering(field, ascending))?;
    let mut cond = case_condition(filter)?;
    if let Some(seek) = req.seek(
        sort_key(field),
        |k| key_value(field, k),
        col(case::Column::Id),
        ascending,
    )? {
        cond = cond.add(seek);
    }
    let scan = req.scan_order(ascending);
    let rows = case::Entity::find()
        .filter(cond)
        .order_by(sort_key(field), scan.clone())
        .order_by(case::Column::Id, scan)
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |m| (key_text(field, m), m.id)))
}

/// What a page of a court's cases depends on besides the court.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CourtCasesArgs {
    pub filter: CaseFilter,
    pub field: CaseOrderField,
    pub ascending: bool,
    pub page: PageArgs,
}

/// `Court.cases` as a nested relation: the pages of a batch of courts in one statement.
pub struct CourtCases(pub DatabaseConnection);

impl NestedPages for CourtCases {
    type Args = CourtCasesArgs;
    type Row = case::Model;

    async fn pages(&self, courts: &[i64], a: &CourtCasesArgs) -> AppResult<HashMap<i64, Page<case::Model>>> {
        let req = PageRequest::new(&a.page, &case_ordering(a.field, a.ascending))?;
        let mut cond = case_condition(&a.filter)?;
        if let Some(seek) = req.seek(
            sort_key(a.field),
            |k| key_value(a.field, k),
            col(case::Column::Id),
            a.ascending,
        )? {
            cond = cond.add(seek);
        }
        let scan = req.scan_order(a.ascending);
        let statement = pagination::per_parent(
            self.0.get_database_backend(),
            courts,
            court::Entity,
            court::Column::Id,
            col(case::Column::CourtId),
            case::Entity::find().filter(cond).into_query(),
            vec![(sort_key(a.field), scan.clone()), (col(case::Column::Id), scan)],
            req.fetch(),
        );
        let backend = self.0.get_database_backend();
        let rows = case::Model::find_by_statement(backend.build(&statement))
            .all(&self.0)
            .await?;
        let mut grouped: HashMap<i64, Vec<case::Model>> = HashMap::new();
        for row in rows {
            grouped.entry(row.court_id).or_default().push(row);
        }
        let scan_ascending = req.scans_ascending(a.ascending);
        Ok(grouped
            .into_iter()
            .map(|(court, mut rows)| {
                // Each group in the scan's order, as the page expects it.
                rows.sort_by(|x, y| {
                    let o = compare(a.field, x, y);
                    if scan_ascending { o } else { o.reverse() }
                });
                (court, req.page(rows, |m| (key_text(a.field, m), m.id)))
            })
            .collect())
    }

    async fn counts(&self, courts: &[i64], a: &CourtCasesArgs) -> AppResult<HashMap<i64, u64>> {
        let cond = case_condition(&a.filter)?.add(col(case::Column::CourtId).is_in(courts.iter().copied()));
        let rows: Vec<(i64, i64)> = case::Entity::find()
            .select_only()
            .column(case::Column::CourtId)
            .column_as(col(case::Column::Id).count(), "n")
            .filter(cond)
            .group_by(case::Column::CourtId)
            .into_tuple()
            .all(&self.0)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(court, n)| (court, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

pub async fn count_cases(db: &DatabaseConnection, filter: &CaseFilter) -> AppResult<u64> {
    let cond = case_condition(filter)?;
    Ok(case::Entity::find().filter(cond).count(db).await?)
}

/// The case with `id` if it exists in the scope (a case out of scope reads as missing).
pub async fn find_case(db: &impl ConnectionTrait, id: i64, scope: &Scope) -> AppResult<Option<case::Model>> {
    let cond = regions::in_scope(Condition::all(), col(case::Column::RegionCode), scope);
    Ok(case::Entity::find_by_id(id).filter(cond).one(db).await?)
}

pub async fn require_case(db: &impl ConnectionTrait, id: i64, scope: &Scope) -> AppResult<case::Model> {
    find_case(db, id, scope)
        .await?
        .ok_or_else(|| AppError::not_found("enforcement case", id))
}

pub async fn find_case_by_number(
    db: &DatabaseConnection,
    number: &str,
    scope: &Scope,
) -> AppResult<Option<case::Model>> {
    let cond = regions::in_scope(Condition::all(), col(case::Column::RegionCode), scope);
    Ok(case::Entity::find()
        .filter(case::Column::CaseNumber.eq(number))
        .filter(cond)
        .one(db)
        .await?)
}

/// Input of `fileEnforcementCase`.
#[derive(Debug)]
pub struct NewCase {
    /// Client-generated UUID of the new record; one is made when absent.
    pub uuid: Option<String>,
    pub case_number: String,
    pub court_id: i64,
    pub filed_on: NaiveDate,
    pub category: CaseCategory,
    pub subject_amount_fen: i64,
    pub judge_team: Option<String>,
}

pub async fn file_case(db: &DatabaseConnection, who: &Who<'_>, input: NewCase) -> AppResult<case::Model> {
    let uuid = record_uuid("uuid", input.uuid.as_deref())?;
    let case_number = validate::text("caseNumber", &input.case_number, 3, 64)?;
    validate::past_date("filedOn", input.filed_on)?;
    validate::money_range("subjectAmount", input.subject_amount_fen)?;
    let judge_team = validate::opt_text("judgeTeam", input.judge_team.as_deref(), 64)?;
    // Not `Who::create`: the FILED flow node the case implies is logged after the case's own
    // change-log row, so that the log never has a node before its case.
    let txn = crate::store::begin_write(db).await?;
    let fingerprint = format!("{input:?}");
    if let Some(existing) = who
        .replayed::<case::Entity>(&txn, "fileEnforcementCase", &fingerprint)
        .await?
    {
        txn.commit().await?;
        return Ok(existing);
    }
    let court = find_court(&txn, input.court_id, who.scope)
        .await?
        .ok_or_else(|| AppError::bad_input("courtId", format!("no court with id {}", input.court_id)))?;
    // Case numbers carry the court's code (案号代字), e.g. (2024)赣1126执1号: a court files only
    // under its own code, so a duplicate can only be one of its own cases.
    if !case_number.contains(&format!("{}执", court.abbreviation)) {
        return Err(AppError::bad_input(
            "caseNumber",
            format!(
                "the case number must carry the court's code, e.g. (2025){}执1号",
                court.abbreviation
            ),
        ));
    }
    let exists = case::Entity::find()
        .filter(case::Column::CaseNumber.eq(case_number.clone()))
        .count(&txn)
        .await?;
    if exists > 0 {
        return Err(AppError::Conflict(format!(
            "case number {case_number} already exists"
        )));
    }
    let due = input
        .filed_on
        .checked_add_months(Months::new(6))
        .ok_or_else(|| AppError::bad_input("filedOn", "filedOn is out of range"))?;
    uuid_free::<case::Entity>(&txn, case::Column::Uuid, &uuid).await?;
    let model = case::ActiveModel {
        uuid: Set(uuid),
        case_number: Set(case_number),
        court_id: Set(court.id),
        region_code: Set(court.region_code),
        filed_on: Set(input.filed_on),
        statutory_due_on: Set(due),
        category: Set(input.category),
        subject_amount_fen: Set(input.subject_amount_fen),
        judge_team: Set(judge_team),
        status: Set(CaseStatus::Pending),
        closure_mode: Set(None),
        closed_on: Set(None),
        recovered_amount_fen: Set(0),
        version: Set(1),
        created_at: Set(who.at),
        updated_at: Set(who.at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(unique_to_conflict("case number already exists"))?;
    daily::case_changed(&txn, None, Some(&model)).await?;
    who.remember(&txn, "fileEnforcementCase", &fingerprint, model.id)
        .await?;
    who.created(&txn, "fileEnforcementCase", &model, &model.region_code)
        .await?;
    insert_flow_node(&txn, who, &model, FlowNodeKind::Filed, model.filed_on, None).await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn close_case(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    mode: ClosureMode,
    closed_on: NaiveDate,
    recovered_fen: i64,
    expected_version: i32,
) -> AppResult<case::Model> {
    validate::past_date("closedOn", closed_on)?;
    let txn = crate::store::begin_write(db).await?;
    let case = require_case(&txn, id, who.scope).await?;
    check_version("the case", &case, expected_version)?;
    if case.status != CaseStatus::Pending {
        return Err(AppError::Conflict(format!(
            "case {} is already closed; only a pending case closes",
            case.case_number
        )));
    }
    if closed_on < case.filed_on {
        return Err(AppError::bad_input(
            "closedOn",
            "closedOn is before the case was filed",
        ));
    }
    if recovered_fen < 0 || recovered_fen > Ord::max(case.subject_amount_fen, case.recovered_amount_fen) {
        return Err(AppError::bad_input(
            "recoveredAmount",
            "recoveredAmount must be between 0 and the subject amount",
        ));
    }
    let mut active: case::ActiveModel = case.clone().into();
    active.status = Set(CaseStatus::Closed);
    active.closure_mode = Set(Some(mode));
    active.closed_on = Set(Some(closed_on));
    active.recovered_amount_fen = Set(recovered_fen);
    let updated = who
        .update::<case::Entity>(&txn, active, &case, "the case")
        .await?;
    daily::case_changed(&txn, Some(&case), Some(&updated)).await?;
    who.updated(&txn, "closeEnforcementCase", &case, &updated, &case.region_code)
        .await?;
    insert_flow_node(&txn, who, &updated, FlowNodeKind::Closed, closed_on, None).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn reopen_case(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    reopened_on: NaiveDate,
    reason: Option<String>,
    expected_version: i32,
) -> AppResult<case::Model> {
    validate::past_date("reopenedOn", reopened_on)?;
    let reason = validate::opt_text("reason", reason.as_deref(), 1000)?;
    let txn = crate::store::begin_write(db).await?;
    let case = require_case(&txn, id, who.scope).await?;
    check_version("the case", &case, expected_version)?;
    if case.closure_mode != Some(ClosureMode::TerminatedThisRound) {
        return Err(AppError::Conflict(format!(
            "case {} is not terminated this round (终本); only such cases reopen",
            case.case_number
        )));
    }
    if case.closed_on.is_some_and(|c| reopened_on < c) {
        return Err(AppError::bad_input(
            "reopenedOn",
            "reopenedOn is before the case was closed",
        ));
    }
    let mut active: case::ActiveModel = case.clone().into();
    active.status = Set(CaseStatus::Pending);
    active.closure_mode = Set(None);
    active.closed_on = Set(None);
    let updated = who
        .update::<case::Entity>(&txn, active, &case, "the case")
        .await?;
    daily::case_changed(&txn, Some(&case), Some(&updated)).await?;
    who.updated(&txn, "reopenEnforcementCase", &case, &updated, &case.region_code)
        .await?;
    insert_flow_node(&txn, who, &updated, FlowNodeKind::Reopened, reopened_on, reason).await?;
    txn.commit().await?;
    Ok(updated)
}

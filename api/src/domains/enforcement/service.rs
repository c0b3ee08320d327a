//! Database logic of the enforcement domain; no GraphQL here.

use chrono::{Months, NaiveDate};
use entity::enforcement::court::{self, CourtLevel};
use entity::enforcement::dishonest_entry::{self, RemovalReason};
use entity::enforcement::enforcement_case::{self as case, CaseCategory, CaseStatus, ClosureMode};
use entity::enforcement::flow_node::{self, FlowNodeKind};
use entity::enforcement::measure::{self, MeasureKind};
use entity::enforcement::party::{self, PartyKind, PartyRole};
use entity::enforcement::supervision_order::{self, SupervisionStatus};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};

use super::daily;
use crate::access::Actor;
use crate::access::Scope;
use crate::audit::service::{self as audit, Entry};
use crate::domains::region::service::{self as regions, Subtree};
use crate::error::{AppError, AppResult};
use crate::pagination::{self, NestedPages, Page, PageArgs, PageRequest};
use crate::validate;
use crate::write::{Operation, Who, check_version, record_uuid, stale, unique_to_conflict, uuid_free};
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

// ---------- courts ----------

/// Filter of `courts`.
#[derive(Debug, Default, Clone)]
pub struct CourtFilter {
    /// Courts of this region and below.
    pub region: Option<Subtree>,
    pub level: Option<CourtLevel>,
    /// The caller's reach.
    pub scope: Scope,
}

fn court_condition(f: &CourtFilter) -> Condition {
    let mut cond = regions::in_scope(
        Condition::all(),
        Expr::col((court::Entity, court::Column::RegionCode)),
        &f.scope,
    );
    if let Some(region) = &f.region {
        cond = cond.add(region.condition(Expr::col((court::Entity, court::Column::RegionCode))));
    }
    if let Some(level) = f.level {
        cond = cond.add(court::Column::Level.eq(level));
    }
    cond
}

pub async fn list_courts(
    db: &DatabaseConnection,
    filter: &CourtFilter,
    args: &PageArgs,
) -> AppResult<Page<court::Model>> {
    let req = PageRequest::new(args, "id")?;
    let mut cond = court_condition(filter);
    if let Some(seek) = req.seek_unique(
        Expr::col((court::Entity, court::Column::Id)),
        |c| Expr::val(c.i),
        true,
    ) {
        cond = cond.add(seek);
    }
    let rows = court::Entity::find()
        .filter(cond)
        .order_by(court::Column::Id, req.scan_order(true))
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |m| (String::new(), m.id)))
}

pub async fn count_courts(db: &DatabaseConnection, filter: &CourtFilter) -> AppResult<u64> {
    let cond = court_condition(filter);
    Ok(court::Entity::find().filter(cond).count(db).await?)
}

/// The court with `id` if it is in the scope.
pub async fn find_court(
    db: &impl ConnectionTrait,
    id: i64,
    scope: &Scope,
) -> AppResult<Option<court::Model>> {
    let cond = regions::in_scope(
        Condition::all(),
        Expr::col((court::Entity, court::Column::RegionCode)),
        scope,
    );
    Ok(court::Entity::find_by_id(id).filter(cond).one(db).await?)
}

// ---------- children of cases (for the loaders) ----------

pub async fn parties_of(db: &DatabaseConnection, case_ids: &[i64]) -> AppResult<Vec<party::Model>> {
    Ok(party::Entity::find()
        .filter(party::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(party::Column::Id)
        .all(db)
        .await?)
}

pub async fn measures_of(db: &DatabaseConnection, case_ids: &[i64]) -> AppResult<Vec<measure::Model>> {
    Ok(measure::Entity::find()
        .filter(measure::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(measure::Column::TakenOn)
        .order_by_asc(measure::Column::Id)
        .all(db)
        .await?)
}

pub async fn flow_nodes_of(db: &DatabaseConnection, case_ids: &[i64]) -> AppResult<Vec<flow_node::Model>> {
    Ok(flow_node::Entity::find()
        .filter(flow_node::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(flow_node::Column::OccurredOn)
        .order_by_asc(flow_node::Column::Id)
        .all(db)
        .await?)
}

pub async fn supervision_orders_of(
    db: &DatabaseConnection,
    case_ids: &[i64],
) -> AppResult<Vec<supervision_order::Model>> {
    Ok(supervision_order::Entity::find()
        .filter(supervision_order::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(supervision_order::Column::IssuedOn)
        .order_by_asc(supervision_order::Column::Id)
        .all(db)
        .await?)
}

// ---------- dishonest-debtor list ----------

/// Filter of the public dishonest-debtor list.
#[derive(Debug, Default, Clone)]
pub struct DishonestFilter {
    pub name_contains: Option<String>,
    /// Entries of cases in this region and below.
    pub region: Option<Subtree>,
    pub court_id: Option<i64>,
    pub listed_from: Option<NaiveDate>,
    pub listed_to: Option<NaiveDate>,
    /// Include entries that were removed (default: only those standing).
    pub include_removed: bool,
}

fn dishonest_condition(f: &DishonestFilter) -> Condition {
    let mut cond = Condition::all();
    if !f.include_removed {
        cond = cond.add(dishonest_entry::Column::RemovedOn.is_null());
    }
    if let Some(name) = &f.name_contains {
        cond = cond.add(
            Expr::col(dishonest_entry::Column::Name)
                .like(LikeExpr::new(format!("%{}%", regions::like_escape(name))).escape('\\')),
        );
    }
    if let Some(region) = &f.region {
        let column = Expr::col((dishonest_entry::Entity, dishonest_entry::Column::RegionCode));
        cond = cond.add(region.condition(column));
    }
    if let Some(id) = f.court_id {
        cond = cond.add(dishonest_entry::Column::CourtId.eq(id));
    }
    if let Some(d) = f.listed_from {
        cond = cond.add(dishonest_entry::Column::ListedOn.gte(d));
    }
    if let Some(d) = f.listed_to {
        cond = cond.add(dishonest_entry::Column::ListedOn.lte(d));
    }
    cond
}

/// The list newest first.
pub async fn list_dishonest(
    db: &DatabaseConnection,
    filter: &DishonestFilter,
    args: &PageArgs,
) -> AppResult<Page<dishonest_entry::Model>> {
    let req = PageRequest::new(args, "listedOn:desc")?;
    let mut cond = dishonest_condition(filter);
    let listed_on = Expr::col((dishonest_entry::Entity, dishonest_entry::Column::ListedOn));
    let value = |k: &str| -> AppResult<Expr> {
        let bad = || AppError::bad_input("after", "after is not a cursor of this list");
        Ok(Expr::val(k.parse::<NaiveDate>().map_err(|_| bad())?))
    };
    let id = Expr::col((dishonest_entry::Entity, dishonest_entry::Column::Id));
    if let Some(seek) = req.seek(listed_on, value, id, false)? {
        cond = cond.add(seek);
    }
    let scan = req.scan_order(false);
    let rows = dishonest_entry::Entity::find()
        .filter(cond)
        .order_by(dishonest_entry::Column::ListedOn, scan.clone())
        .order_by(dishonest_entry::Column::Id, scan)
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |m| (m.listed_on.to_string(), m.id)))
}

pub async fn count_dishonest(db: &DatabaseConnection, filter: &DishonestFilter) -> AppResult<u64> {
    let cond = dishonest_condition(filter);
    Ok(dishonest_entry::Entity::find().filter(cond).count(db).await?)
}

/// Whether a person or organisation stands on the list now (exact name and identity number).
/// Every check is audited: who asked about whom, and the answer.
pub async fn is_dishonest(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    id_number: &str,
) -> AppResult<bool> {
    let name = validate::text("name", name, 1, 128)?;
    let id_number = validate::text("idNumber", id_number, 1, 32)?.to_uppercase();
    let txn = crate::store::begin_write(db).await?;
    let n = dishonest_entry::Entity::find()
        .filter(dishonest_entry::Column::Name.eq(name.clone()))
        .filter(dishonest_entry::Column::IdNumber.eq(id_number.clone()))
        .filter(dishonest_entry::Column::RemovedOn.is_null())
        .count(&txn)
        .await?;
    let listed = n > 0;
    let after = serde_json::json!({"name": name, "id_number": validate::mask(&id_number), "listed": listed});
    audit::record(
        &txn,
        actor,
        Entry {
            operation: "isDishonestDebtor",
            entity: "dishonest_entry",
            entity_id: None,
            region_code: None,
            before: None,
            after: Some(after.to_string()),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(listed)
}

// ---------- mutations ----------

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

/// A flow node the case's own change implies (filed, closed, reopened), logged with it.
async fn insert_flow_node(
    db: &impl ConnectionTrait,
    who: &Who<'_>,
    case: &case::Model,
    kind: FlowNodeKind,
    on: NaiveDate,
    note: Option<String>,
) -> AppResult<flow_node::Model> {
    let node = new_flow_node(db, who, case.id, kind, on, note, record_uuid("uuid", None)?).await?;
    who.logged(db, Operation::Create, &node, &case.region_code)
        .await?;
    Ok(node)
}

async fn new_flow_node(
    db: &impl ConnectionTrait,
    who: &Who<'_>,
    case_id: i64,
    kind: FlowNodeKind,
    on: NaiveDate,
    note: Option<String>,
    uuid: String,
) -> AppResult<flow_node::Model> {
    Ok(flow_node::ActiveModel {
        uuid: Set(uuid),
        case_id: Set(case_id),
        kind: Set(kind),
        occurred_on: Set(on),
        note: Set(note),
        parties_notified: Set(true),
        created_at: Set(who.at),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn file_case(db: &DatabaseConnection, who: &Who<'_>, input: NewCase) -> AppResult<case::Model> {
    let uuid = record_uuid("uuid", input.uuid.as_deref())?;
    let case_number = validate::text("caseNumber", &input.case_number, 3, 64)?;
    validate::past_date("filedOn", input.filed_on)?;
    validate::money_range("subjectAmount", input.subject_amount_fen)?;
    let judge_team = validate::opt_text("judgeTeam", input.judge_team.as_deref(), 64)?;
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

/// Input of `addParty`.
#[derive(Debug)]
pub struct NewParty {
    /// Client-generated UUID of the new record; one is made when absent.
    pub uuid: Option<String>,
    pub case_id: i64,
    pub role: PartyRole,
    pub kind: PartyKind,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

pub async fn add_party(db: &DatabaseConnection, who: &Who<'_>, input: NewParty) -> AppResult<party::Model> {
    let uuid = record_uuid("uuid", input.uuid.as_deref())?;
    let name = validate::text("name", &input.name, 1, 128)?;
    let id_number = match input.id_number.as_deref() {
        Some(raw) => Some(validate::id_number(
            "idNumber",
            raw,
            input.kind == PartyKind::Person,
        )?),
        None => None,
    };
    let phone = match input.phone.as_deref() {
        Some(raw) => Some(validate::phone("phone", raw)?),
        None => None,
    };
    let address = validate::opt_text("address", input.address.as_deref(), 256)?;
    let txn = crate::store::begin_write(db).await?;
    let fingerprint = format!("{input:?}");
    if let Some(existing) = who
        .replayed::<party::Entity>(&txn, "addParty", &fingerprint)
        .await?
    {
        txn.commit().await?;
        return Ok(existing);
    }
    let case = require_case(&txn, input.case_id, who.scope).await?;
    uuid_free::<party::Entity>(&txn, party::Column::Uuid, &uuid).await?;
    let model = party::ActiveModel {
        uuid: Set(uuid),
        case_id: Set(input.case_id),
        role: Set(input.role),
        kind: Set(input.kind),
        name: Set(name),
        id_number: Set(id_number),
        phone: Set(phone),
        address: Set(address),
        created_at: Set(who.at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    who.remember(&txn, "addParty", &fingerprint, model.id).await?;
    who.created(&txn, "addParty", &model, &case.region_code).await?;
    txn.commit().await?;
    Ok(model)
}

/// Input of `recordMeasure`.
#[derive(Debug)]
pub struct NewMeasure {
    /// Client-generated UUID of the new record; one is made when absent.
    pub uuid: Option<String>,
    pub case_id: i64,
    pub party_id: Option<i64>,
    pub kind: MeasureKind,
    pub taken_on: NaiveDate,
    pub channel: Option<String>,
    pub detention_days: Option<i32>,
    pub amount_fen: Option<i64>,
    pub convicted: Option<bool>,
    pub note: Option<String>,
}

/// Largest fine on one party (民事诉讼法: up to 1,000,000 yuan for an organisation).
const MAX_FINE_FEN: i64 = 100_000_000;

pub async fn record_measure(
    db: &DatabaseConnection,
    who: &Who<'_>,
    input: NewMeasure,
) -> AppResult<measure::Model> {
    let uuid = record_uuid("uuid", input.uuid.as_deref())?;
    validate::past_date("takenOn", input.taken_on)?;
    let note = validate::opt_text("note", input.note.as_deref(), 1000)?;
    let channel = validate::opt_text("channel", input.channel.as_deref(), 64)?;
    let needs_party = matches!(
        input.kind,
        MeasureKind::Detention
            | MeasureKind::Summons
            | MeasureKind::Fine
            | MeasureKind::ConsumptionRestriction
            | MeasureKind::ExitRestriction
            | MeasureKind::RefusalCrimeReferral
    );
    if needs_party && input.party_id.is_none() {
        return Err(AppError::bad_input(
            "partyId",
            "this measure is taken against a party: give partyId",
        ));
    }
    match input.kind {
        MeasureKind::Detention => match input.detention_days {
            Some(d) if (1..=15).contains(&d) => {}
            _ => {
                return Err(AppError::bad_input(
                    "detentionDays",
                    "detention lasts 1 to 15 days",
                ));
            }
        },
        _ if input.detention_days.is_some() => {
            return Err(AppError::bad_input(
                "detentionDays",
                "only a detention has detention days",
            ));
        }
        _ => {}
    }
    let amount_required = matches!(
        input.kind,
        MeasureKind::Fine | MeasureKind::OnlineAuction | MeasureKind::JudicialAssistance
    );
    match (amount_required, input.amount_fen) {
        (true, Some(a)) if a > 0 => {
            if input.kind == MeasureKind::Fine && a > MAX_FINE_FEN {
                return Err(AppError::bad_input("amount", "a fine is at most 1000000.00 yuan"));
            }
            validate::money_range("amount", a)?;
        }
        (true, _) => {
            return Err(AppError::bad_input(
                "amount",
                "this measure needs a positive amount",
            ));
        }
        (false, Some(_)) => {
            return Err(AppError::bad_input("amount", "this measure has no amount"));
        }
        (false, None) => {}
    }
    match input.kind {
        MeasureKind::OnlineInquiry => match channel.as_deref() {
            Some("point_to_point") | Some("general_to_general") => {}
            _ => {
                return Err(AppError::bad_input(
                    "inquiryChannel",
                    "an online inquiry needs its channel (POINT_TO_POINT or GENERAL_TO_GENERAL)",
                ));
            }
        },
        MeasureKind::OnlineAuction if channel.is_none() => {
            return Err(AppError::bad_input(
                "auctionPlatform",
                "an online auction needs its platform",
            ));
        }
        _ => {}
    }
    if input.convicted.is_some() && input.kind != MeasureKind::RefusalCrimeReferral {
        return Err(AppError::bad_input(
            "convicted",
            "only a refusal-to-execute referral has a verdict",
        ));
    }
    let txn = crate::store::begin_write(db).await?;
    let fingerprint = format!("{input:?}");
    if let Some(existing) = who
        .replayed::<measure::Entity>(&txn, "recordMeasure", &fingerprint)
        .await?
    {
        txn.commit().await?;
        return Ok(existing);
    }
    let case = require_case(&txn, input.case_id, who.scope).await?;
    if input.taken_on < case.filed_on {
        return Err(AppError::bad_input(
            "takenOn",
            "takenOn is before the case was filed",
        ));
    }
    if let Some(pid) = input.party_id {
        require_party_of(&txn, pid, case.id, "partyId").await?;
    }
    uuid_free::<measure::Entity>(&txn, measure::Column::Uuid, &uuid).await?;
    let model = measure::ActiveModel {
        uuid: Set(uuid),
        case_id: Set(case.id),
        party_id: Set(input.party_id),
        kind: Set(input.kind),
        taken_on: Set(input.taken_on),
        channel: Set(channel),
        detention_days: Set(input.detention_days),
        amount_fen: Set(input.amount_fen),
        convicted: Set(input.convicted),
        note: Set(note),
        created_at: Set(who.at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    daily::measure_added(&txn, &model, &case).await?;
    who.remember(&txn, "recordMeasure", &fingerprint, model.id)
        .await?;
    who.created(&txn, "recordMeasure", &model, &case.region_code)
        .await?;
    txn.commit().await?;
    Ok(model)
}

async fn require_party_of(
    db: &impl ConnectionTrait,
    party_id: i64,
    case_id: i64,
    field: &str,
) -> AppResult<party::Model> {
    party::Entity::find_by_id(party_id)
        .one(db)
        .await?
        .filter(|p| p.case_id == case_id)
        .ok_or_else(|| {
            AppError::bad_input(
                field,
                format!("party {party_id} is not a party to case {case_id}"),
            )
        })
}

pub async fn record_flow_node(
    db: &DatabaseConnection,
    who: &Who<'_>,
    case_id: i64,
    kind: FlowNodeKind,
    occurred_on: NaiveDate,
    note: Option<String>,
    uuid: Option<String>,
) -> AppResult<flow_node::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    if matches!(
        kind,
        FlowNodeKind::Filed | FlowNodeKind::Closed | FlowNodeKind::Reopened
    ) {
        return Err(AppError::bad_input(
            "kind",
            "FILED, CLOSED and REOPENED are recorded by fileEnforcementCase, closeEnforcementCase and reopenEnforcementCase",
        ));
    }
    validate::past_date("occurredOn", occurred_on)?;
    let note = validate::opt_text("note", note.as_deref(), 1000)?;
    let txn = crate::store::begin_write(db).await?;
    let fingerprint = format!("{case_id}|{kind:?}|{occurred_on}|{note:?}");
    if let Some(existing) = who
        .replayed::<flow_node::Entity>(&txn, "recordFlowNode", &fingerprint)
        .await?
    {
        txn.commit().await?;
        return Ok(existing);
    }
    let case = require_case(&txn, case_id, who.scope).await?;
    if occurred_on < case.filed_on {
        return Err(AppError::bad_input(
            "occurredOn",
            "occurredOn is before the case was filed",
        ));
    }
    uuid_free::<flow_node::Entity>(&txn, flow_node::Column::Uuid, &uuid).await?;
    let node = new_flow_node(&txn, who, case.id, kind, occurred_on, note, uuid).await?;
    who.remember(&txn, "recordFlowNode", &fingerprint, node.id)
        .await?;
    who.created(&txn, "recordFlowNode", &node, &case.region_code)
        .await?;
    txn.commit().await?;
    Ok(node)
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
    check_version("the case", case.version, expected_version)?;
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
    active.version = Set(case.version + 1);
    active.updated_at = Set(who.at);
    let updated = case::Entity::update(active)
        .validate()?
        .filter(case::Column::Version.eq(expected_version))
        .exec(&txn)
        .await
        .map_err(stale("the case"))?;
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
    check_version("the case", case.version, expected_version)?;
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
    active.version = Set(case.version + 1);
    active.updated_at = Set(who.at);
    let updated = case::Entity::update(active)
        .validate()?
        .filter(case::Column::Version.eq(expected_version))
        .exec(&txn)
        .await
        .map_err(stale("the case"))?;
    daily::case_changed(&txn, Some(&case), Some(&updated)).await?;
    who.updated(&txn, "reopenEnforcementCase", &case, &updated, &case.region_code)
        .await?;
    insert_flow_node(&txn, who, &updated, FlowNodeKind::Reopened, reopened_on, reason).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Input of `issueSupervisionOrder`.
#[derive(Debug)]
pub struct NewSupervisionOrder {
    /// Client-generated UUID of the new record; one is made when absent.
    pub uuid: Option<String>,
    pub case_id: i64,
    pub batch: String,
    pub issuing_court_id: i64,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub instructions: Option<String>,
}

pub async fn issue_supervision_order(
    db: &DatabaseConnection,
    who: &Who<'_>,
    input: NewSupervisionOrder,
) -> AppResult<supervision_order::Model> {
    let uuid = record_uuid("uuid", input.uuid.as_deref())?;
    let batch = validate::text("batch", &input.batch, 1, 32)?;
    validate::past_date("issuedOn", input.issued_on)?;
    if input.due_on < input.issued_on {
        return Err(AppError::bad_input("dueOn", "dueOn is before issuedOn"));
    }
    let instructions = validate::opt_text("instructions", input.instructions.as_deref(), 2000)?;
    let txn = crate::store::begin_write(db).await?;
    let fingerprint = format!("{input:?}");
    if let Some(existing) = who
        .replayed::<supervision_order::Entity>(&txn, "issueSupervisionOrder", &fingerprint)
        .await?
    {
        txn.commit().await?;
        return Ok(existing);
    }
    let case = require_case(&txn, input.case_id, who.scope).await?;
    if case.status != CaseStatus::Pending {
        return Err(AppError::Conflict(format!(
            "case {} is closed; only a pending case is supervised",
            case.case_number
        )));
    }
    let issuer = find_court(&txn, input.issuing_court_id, who.scope)
        .await?
        .ok_or_else(|| {
            AppError::bad_input(
                "issuingCourtId",
                format!("no court with id {}", input.issuing_court_id),
            )
        })?;
    let case_region = regions::require_in(&txn, &case.region_code, "caseId").await?;
    if issuer.level != CourtLevel::Intermediate
        || issuer.id == case.court_id
        || !case_region.path.contains(&format!("/{}/", issuer.region_code))
    {
        return Err(AppError::bad_input(
            "issuingCourtId",
            "the issuing court must be the intermediate court above the case's court",
        ));
    }
    uuid_free::<supervision_order::Entity>(&txn, supervision_order::Column::Uuid, &uuid).await?;
    let model = supervision_order::ActiveModel {
        uuid: Set(uuid),
        case_id: Set(case.id),
        batch: Set(batch),
        issuing_court_id: Set(issuer.id),
        issued_on: Set(input.issued_on),
        due_on: Set(input.due_on),
        status: Set(SupervisionStatus::Open),
        instructions: Set(instructions),
        created_at: Set(who.at),
        region_code: Set(case.region_code.clone()),
        court_id: Set(case.court_id),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    who.remember(&txn, "issueSupervisionOrder", &fingerprint, model.id)
        .await?;
    who.created(&txn, "issueSupervisionOrder", &model, &case.region_code)
        .await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn add_to_dishonest_list(
    db: &DatabaseConnection,
    who: &Who<'_>,
    case_id: i64,
    party_id: i64,
    listed_on: NaiveDate,
    reason: String,
    uuid: Option<String>,
) -> AppResult<dishonest_entry::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    validate::past_date("listedOn", listed_on)?;
    let reason = validate::text("reason", &reason, 1, 1000)?;
    let txn = crate::store::begin_write(db).await?;
    let fingerprint = format!("{case_id}|{party_id}|{listed_on}|{reason}");
    if let Some(existing) = who
        .replayed::<dishonest_entry::Entity>(&txn, "addToDishonestList", &fingerprint)
        .await?
    {
        txn.commit().await?;
        return Ok(existing);
    }
    let case = require_case(&txn, case_id, who.scope).await?;
    if case.status != CaseStatus::Pending {
        return Err(AppError::Conflict(format!(
            "case {} is closed; only debtors of a pending case are listed",
            case.case_number
        )));
    }
    if listed_on < case.filed_on {
        return Err(AppError::bad_input(
            "listedOn",
            "listedOn is before the case was filed",
        ));
    }
    let party = require_party_of(&txn, party_id, case.id, "partyId").await?;
    if party.role != PartyRole::Respondent {
        return Err(AppError::bad_input(
            "partyId",
            "only a respondent (被执行人) can be listed",
        ));
    }
    let standing = dishonest_entry::Entity::find()
        .filter(dishonest_entry::Column::PartyId.eq(party.id))
        .filter(dishonest_entry::Column::RemovedOn.is_null())
        .count(&txn)
        .await?;
    if standing > 0 {
        return Err(AppError::Conflict(format!(
            "{} is already on the list for this case",
            party.name
        )));
    }
    uuid_free::<dishonest_entry::Entity>(&txn, dishonest_entry::Column::Uuid, &uuid).await?;
    let model = dishonest_entry::ActiveModel {
        case_id: Set(case.id),
        party_id: Set(party.id),
        name: Set(party.name.clone()),
        id_number: Set(party.id_number.clone()),
        court_id: Set(case.court_id),
        region_code: Set(case.region_code.clone()),
        listed_on: Set(listed_on),
        reason: Set(reason),
        removed_on: Set(None),
        removal_reason: Set(None),
        version: Set(1),
        created_at: Set(who.at),
        updated_at: Set(who.at),
        uuid: Set(uuid),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(unique_to_conflict("this party already stands on the list"))?;
    daily::listing_changed(&txn, None, Some(&model)).await?;
    who.remember(&txn, "addToDishonestList", &fingerprint, model.id)
        .await?;
    who.created(&txn, "addToDishonestList", &model, &model.region_code)
        .await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn remove_from_dishonest_list(
    db: &DatabaseConnection,
    who: &Who<'_>,
    entry_id: i64,
    removed_on: NaiveDate,
    reason: RemovalReason,
    expected_version: i32,
) -> AppResult<dishonest_entry::Model> {
    validate::past_date("removedOn", removed_on)?;
    let txn = crate::store::begin_write(db).await?;
    let entry = dishonest_entry::Entity::find_by_id(entry_id)
        .filter(regions::in_scope(
            Condition::all(),
            Expr::col((dishonest_entry::Entity, dishonest_entry::Column::RegionCode)),
            who.scope,
        ))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("dishonest-list entry", entry_id))?;
    if entry.removed_on.is_some() {
        return Err(AppError::Conflict(format!(
            "entry {entry_id} was already removed"
        )));
    }
    if removed_on < entry.listed_on {
        return Err(AppError::bad_input("removedOn", "removedOn is before listedOn"));
    }
    check_version("the entry", entry.version, expected_version)?;
    let mut active: dishonest_entry::ActiveModel = entry.clone().into();
    active.removed_on = Set(Some(removed_on));
    active.removal_reason = Set(Some(reason));
    active.version = Set(entry.version + 1);
    active.updated_at = Set(who.at);
    let updated = dishonest_entry::Entity::update(active)
        .validate()?
        .filter(dishonest_entry::Column::Version.eq(expected_version))
        .exec(&txn)
        .await
        .map_err(stale("the entry"))?;
    daily::listing_changed(&txn, Some(&entry), Some(&updated)).await?;
    who.updated(
        &txn,
        "removeFromDishonestList",
        &entry,
        &updated,
        &entry.region_code,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

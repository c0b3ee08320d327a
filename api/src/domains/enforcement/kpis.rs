//! Enforcement KPIs (执行质效指标), computed by aggregate SQL in the database.
//!
//! The window applies to each event's own date: cases by filing date (the cohort whose
//! closure is measured, as the reports do), measures by the date taken, list entries by
//! the date listed, supervision orders by the date issued.

use chrono::{Months, NaiveDate};
use entity::enforcement::dishonest_entry::{self, RemovalReason};
use entity::enforcement::enforcement_case::{self as case, CaseStatus, ClosureMode};
use entity::enforcement::measure::{self, MeasureKind};
use entity::enforcement::supervision_order;
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{Condition, ConnectionTrait, QueryResult, Value};

use super::daily;
use super::service::ACTUAL_CLOSURE_MODES;
use crate::error::{AppError, AppResult};
use crate::figures::{MetricDef, MetricValue};
use crate::region::service::{self as regions, Subtree};

/// Which records the KPIs cover.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct KpiFilter {
    /// The caller's reach.
    pub scope: crate::access::Scope,
    /// KPIs of this region and below.
    pub region: Option<Subtree>,
    pub court_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Counts and sums over the cases filed in a window.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CaseTotals {
    pub accepted: i64,
    pub closed: i64,
    pub actual_closed: i64,
    pub terminated_this_round: i64,
    pub closed_within_limit: i64,
    pub subject_fen: i64,
    pub recovered_fen: i64,
    pub closed_subject_fen: i64,
    pub transferred_to_bankruptcy: i64,
    pub closed_priority_categories: i64,
}

/// Every KPI of one filter.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Kpis {
    pub cases: CaseTotals,
    /// The same window a year earlier, when the window has both ends.
    pub previous_year: Option<CaseTotals>,
    pub detentions: i64,
    pub summonses: i64,
    pub fines: i64,
    pub fine_fen: i64,
    pub refusal_crime_referrals: i64,
    pub refusal_crime_convictions: i64,
    pub refusal_crime_cases: i64,
    pub dishonest_listings: i64,
    pub dishonest_removals_after_performance: i64,
    pub dishonest_voluntary_performances: i64,
    pub supervision_orders: i64,
    pub supervision_batches: i64,
    pub supervised_courts: i64,
}

pub use crate::figures::ratio;

/// `current / previous - 1`, `None` when there is nothing to compare with.
pub fn growth(current: i64, previous: i64) -> Option<f64> {
    ratio(current, previous).map(|r| r - 1.0)
}

fn in_list<T: Into<Value> + Copy>(values: &[T]) -> Vec<Value> {
    values.iter().map(|v| (*v).into()).collect()
}

/// `CAST(COALESCE(e, 0) AS BIGINT)`: PostgreSQL sums BIGINT into NUMERIC; read back as i64.
fn bigint(e: impl Into<Expr>) -> Expr {
    Func::cast_as(Func::coalesce([e.into(), Expr::val(0i64)]), Alias::new("BIGINT")).into()
}

fn sum(e: Expr) -> Expr {
    bigint(Func::sum(e))
}

fn count_distinct(e: Expr) -> Expr {
    bigint(Func::count_distinct(e))
}

fn sum_if(cond: impl Into<Condition>, then: Expr) -> Expr {
    sum(Expr::case(cond.into(), then).finally(Expr::val(0i64)).into())
}

fn count_if(cond: impl Into<Condition>) -> Expr {
    sum_if(cond, Expr::val(1i64))
}

fn c(col: case::Column) -> Expr {
    Expr::col((case::Entity, col))
}

fn get(row: &QueryResult, name: &str) -> AppResult<i64> {
    row.try_get::<i64>("", name)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("reading {name}: {e}")))
}

async fn one_row(db: &impl ConnectionTrait, q: &SelectStatement) -> AppResult<QueryResult> {
    db.query_one(q)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("aggregate returned no row")))
}

fn date_window(
    mut cond: Condition,
    column: Expr,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Condition {
    if let Some(d) = from {
        cond = cond.add(column.clone().gte(d));
    }
    if let Some(d) = to {
        cond = cond.add(column.lte(d));
    }
    cond
}

/// The figures of `daily::CASE_FIGURES` as SQL over `enforcement_cases`, in that order.
fn case_figure_exprs() -> Vec<Expr> {
    let closed = || Condition::all().add(c(case::Column::Status).eq(CaseStatus::Closed));
    let mode = |m: ClosureMode| Condition::all().add(c(case::Column::ClosureMode).eq(m));
    vec![
        Expr::cust("CAST(COUNT(*) AS BIGINT)"),
        count_if(closed()),
        count_if(Condition::all().add(c(case::Column::ClosureMode).is_in(in_list(&ACTUAL_CLOSURE_MODES)))),
        count_if(mode(ClosureMode::TerminatedThisRound)),
        count_if(closed().add(c(case::Column::ClosedOn).lte(c(case::Column::StatutoryDueOn)))),
        sum(c(case::Column::SubjectAmountFen)),
        sum(c(case::Column::RecoveredAmountFen)),
        sum_if(closed(), c(case::Column::SubjectAmountFen)),
        count_if(mode(ClosureMode::TransferredToBankruptcy)),
        count_if(closed().add(c(case::Column::Category).is_in(in_list(&daily::PRIORITY_CATEGORIES)))),
    ]
}

/// The figures of `daily::MEASURE_FIGURES` as SQL over `measures`, in that order.
fn measure_figure_exprs() -> Vec<Expr> {
    let m = |col: measure::Column| Expr::col((measure::Entity, col));
    let kind = |k: MeasureKind| Condition::all().add(m(measure::Column::Kind).eq(k));
    vec![
        count_if(kind(MeasureKind::Detention)),
        count_if(kind(MeasureKind::Summons)),
        count_if(kind(MeasureKind::Fine)),
        sum_if(
            kind(MeasureKind::Fine),
            Func::coalesce([m(measure::Column::AmountFen), Expr::val(0i64)]).into(),
        ),
        count_if(kind(MeasureKind::RefusalCrimeReferral)),
        count_if(kind(MeasureKind::RefusalCrimeReferral).add(m(measure::Column::Convicted).eq(true))),
    ]
}

/// The figures of `daily::LISTING_FIGURES` as SQL over `dishonest_entries`, in that order.
fn listing_figure_exprs() -> Vec<Expr> {
    let d = |col: dishonest_entry::Column| Expr::col((dishonest_entry::Entity, col));
    vec![
        Expr::cust("CAST(COUNT(*) AS BIGINT)"),
        count_if(
            Condition::all().add(d(dishonest_entry::Column::RemovalReason).eq(RemovalReason::Performed)),
        ),
        count_if(Condition::all().add(d(dishonest_entry::Column::PerformedOn).is_not_null())),
    ]
}

/// For each daily table: its name, figure columns, and the grouped SELECT over the records
/// that yields its rows (region code, court id, day, figures), as the seed rebuilds them.
fn daily_sources() -> Vec<(&'static str, &'static [&'static str], SelectStatement)> {
    let grouped = |names: &[&str], day: Expr, exprs: Vec<Expr>, join: Option<(Alias, Expr)>| {
        let mut q = Query::select();
        q.expr_as(c(case::Column::RegionCode), Alias::new("region_code"))
            .expr_as(c(case::Column::CourtId), Alias::new("court_id"))
            .expr_as(day.clone(), Alias::new("day"));
        for (name, e) in names.iter().zip(exprs) {
            q.expr_as(e, Alias::new(*name));
        }
        q.from(case::Entity);
        if let Some((table, on)) = join {
            q.inner_join(table, on);
        }
        q.group_by_col((case::Entity, case::Column::RegionCode))
            .group_by_col((case::Entity, case::Column::CourtId))
            .add_group_by([day]);
        q
    };
    let case_id = || Expr::col((case::Entity, case::Column::Id));
    vec![
        (
            daily::CASE_DAILY,
            &daily::CASE_FIGURES[..],
            grouped(
                &daily::CASE_FIGURES,
                c(case::Column::FiledOn),
                case_figure_exprs(),
                None,
            ),
        ),
        (
            daily::MEASURE_DAILY,
            &daily::MEASURE_FIGURES[..],
            grouped(
                &daily::MEASURE_FIGURES,
                Expr::col((measure::Entity, measure::Column::TakenOn)),
                measure_figure_exprs(),
                Some((
                    Alias::new("measures"),
                    case_id().equals((measure::Entity, measure::Column::CaseId)),
                )),
            ),
        ),
        (daily::LISTING_DAILY, &daily::LISTING_FIGURES[..], {
            // List entries carry their case's region and court.
            let d = |col: dishonest_entry::Column| Expr::col((dishonest_entry::Entity, col));
            let mut q = Query::select();
            q.expr_as(d(dishonest_entry::Column::RegionCode), Alias::new("region_code"))
                .expr_as(d(dishonest_entry::Column::CourtId), Alias::new("court_id"))
                .expr_as(d(dishonest_entry::Column::ListedOn), Alias::new("day"));
            for (name, e) in daily::LISTING_FIGURES.iter().zip(listing_figure_exprs()) {
                q.expr_as(e, Alias::new(*name));
            }
            q.from(dishonest_entry::Entity)
                .group_by_col((dishonest_entry::Entity, dishonest_entry::Column::RegionCode))
                .group_by_col((dishonest_entry::Entity, dishonest_entry::Column::CourtId))
                .group_by_col((dishonest_entry::Entity, dishonest_entry::Column::ListedOn));
            q
        }),
    ]
}

/// Rebuilds the daily aggregates from the records (after a bulk load such as the seed).
pub async fn rebuild_daily(db: &impl ConnectionTrait) -> AppResult<()> {
    for (table, figures, select) in daily_sources() {
        db.execute(&Query::delete().from_table(Alias::new(table)).to_owned())
            .await?;
        let mut insert = Query::insert();
        insert.into_table(Alias::new(table)).columns(
            ["region_code", "court_id", "day"]
                .iter()
                .chain(figures)
                .map(|c| Alias::new(*c)),
        );
        insert
            .select_from(select)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("rebuilding {table}: {e}")))?;
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Every difference between the daily aggregates and the records they sum (rows of zeros
/// count as absent): empty when the aggregates are right.
pub async fn daily_drift(db: &impl ConnectionTrait) -> AppResult<Vec<String>> {
    let mut drift = Vec::new();
    for (table, figures, select) in daily_sources() {
        let row_text = |row: &QueryResult| -> AppResult<Option<String>> {
            let mut values = Vec::new();
            for f in figures.iter() {
                values.push(get(row, f)?);
            }
            if values.iter().all(|v| *v == 0) {
                return Ok(None);
            }
            let region: String = row
                .try_get("", "region_code")
                .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
            let court: i64 = row
                .try_get("", "court_id")
                .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
            let day: NaiveDate = row
                .try_get("", "day")
                .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
            Ok(Some(format!("{table} {region} {court} {day} {values:?}")))
        };
        let mut stored_q = Query::select();
        stored_q.columns(
            ["region_code", "court_id", "day"]
                .iter()
                .chain(figures)
                .map(|c| Alias::new(*c)),
        );
        stored_q.from(Alias::new(table));
        let mut stored = Vec::new();
        for row in db.query_all(&stored_q).await? {
            stored.extend(row_text(&row)?);
        }
        let mut named = Query::select();
        named.column(Asterisk).from_subquery(select, Alias::new("fresh"));
        let mut expected = Vec::new();
        for row in db.query_all(&named).await? {
            expected.extend(row_text(&row)?);
        }
        stored.sort();
        expected.sort();
        for s in &stored {
            if !expected.contains(s) {
                drift.push(format!("stored but not in the records: {s}"));
            }
        }
        for e in &expected {
            if !stored.contains(e) {
                drift.push(format!("in the records but not stored: {e}"));
            }
        }
    }
    Ok(drift)
}

/// Sums of a daily table's figure columns under `cond`, named as the columns.
async fn daily_sums(
    db: &impl ConnectionTrait,
    table: &str,
    figures: &[&str],
    cond: Condition,
) -> AppResult<QueryResult> {
    let mut q = Query::select();
    for f in figures {
        q.expr_as(
            sum(Expr::col((Alias::new(table), Alias::new(*f)))),
            Alias::new(*f),
        );
    }
    q.from(Alias::new(table)).cond_where(cond);
    one_row(db, &q).await
}

async fn case_totals(
    db: &impl ConnectionTrait,
    scope: &Condition,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> AppResult<CaseTotals> {
    let day = Expr::col((Alias::new(daily::CASE_DAILY), Alias::new("day")));
    let row = daily_sums(
        db,
        daily::CASE_DAILY,
        &daily::CASE_FIGURES,
        date_window(scope.clone(), day, from, to),
    )
    .await?;
    Ok(CaseTotals {
        accepted: get(&row, "accepted")?,
        closed: get(&row, "closed")?,
        actual_closed: get(&row, "actual_closed")?,
        terminated_this_round: get(&row, "terminated_this_round")?,
        closed_within_limit: get(&row, "closed_within_limit")?,
        subject_fen: get(&row, "subject_fen")?,
        recovered_fen: get(&row, "recovered_fen")?,
        closed_subject_fen: get(&row, "closed_subject_fen")?,
        transferred_to_bankruptcy: get(&row, "transferred_to_bankruptcy")?,
        closed_priority_categories: get(&row, "closed_priority_categories")?,
    })
}

/// Computes every KPI of `filter`: the additive figures are sums over the daily aggregates
/// (`daily.rs`), a few thousand small rows whatever the number of records; the distinct
/// counts (cases with a conviction, supervision batches and courts) come from the records,
/// whose filtered sets are small. Four statements, five with a previous year. Folding them into two measured
/// slower (CASE per figure over the union of both periods), so they stay apart.
pub async fn compute(db: &impl ConnectionTrait, filter: &KpiFilter) -> AppResult<Kpis> {
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(AppError::bad_input("filedTo", "filedTo is before filedFrom"));
    }
    // The scope and filter on any table with `region_code` and `court_id` columns.
    let scope_on = |table: &str| {
        let col = |c: &str| Expr::col((Alias::new(table), Alias::new(c)));
        let mut cond = regions::in_scope(Condition::all(), col("region_code"), &filter.scope);
        if let Some(region) = &filter.region {
            cond = cond.add(region.condition(col("region_code")));
        }
        if let Some(id) = filter.court_id {
            cond = cond.add(col("court_id").eq(id));
        }
        cond
    };
    let day = |table: &str| Expr::col((Alias::new(table), Alias::new("day")));
    let case_scope = scope_on(daily::CASE_DAILY);
    let cases = case_totals(db, &case_scope, filter.from, filter.to).await?;
    let previous_year = match (filter.from, filter.to) {
        (Some(from), Some(to)) => {
            let shift = |d: NaiveDate| d.checked_sub_months(Months::new(12));
            match (shift(from), shift(to)) {
                (Some(f), Some(t)) => Some(case_totals(db, &case_scope, Some(f), Some(t)).await?),
                _ => None,
            }
        }
        _ => None,
    };
    let measures = daily_sums(
        db,
        daily::MEASURE_DAILY,
        &daily::MEASURE_FIGURES,
        date_window(
            scope_on(daily::MEASURE_DAILY),
            day(daily::MEASURE_DAILY),
            filter.from,
            filter.to,
        ),
    )
    .await?;
    let listings = daily_sums(
        db,
        daily::LISTING_DAILY,
        &daily::LISTING_FIGURES,
        date_window(
            scope_on(daily::LISTING_DAILY),
            day(daily::LISTING_DAILY),
            filter.from,
            filter.to,
        ),
    )
    .await?;

    // Distinct counts, from the records: cases with a conviction for refusal, and the
    // supervision orders' batches and courts, in one statement of two scalar subqueries.
    let records = scope_on("enforcement_cases");
    let m = |col: measure::Column| Expr::col((measure::Entity, col));
    let convicted_cases = Query::select()
        .expr(count_distinct(m(measure::Column::CaseId)))
        .from(measure::Entity)
        .inner_join(
            case::Entity,
            Expr::col((case::Entity, case::Column::Id)).equals((measure::Entity, measure::Column::CaseId)),
        )
        .cond_where(date_window(
            records
                .clone()
                .add(m(measure::Column::Kind).eq(MeasureKind::RefusalCrimeReferral))
                .add(m(measure::Column::Convicted).eq(true)),
            m(measure::Column::TakenOn),
            filter.from,
            filter.to,
        ))
        .to_owned();
    // Orders carry their case's region and court: no join.
    let s = |col: supervision_order::Column| Expr::col((supervision_order::Entity, col));
    let supervision = |what: Expr| {
        Query::select()
            .expr(what)
            .from(supervision_order::Entity)
            .cond_where(date_window(
                scope_on("supervision_orders"),
                s(supervision_order::Column::IssuedOn),
                filter.from,
                filter.to,
            ))
            .to_owned()
    };
    let sub = |q: SelectStatement| Expr::SubQuery(None, Box::new(q.into()));
    let q = Query::select()
        .expr_as(bigint(sub(convicted_cases)), Alias::new("conviction_cases"))
        .expr_as(
            bigint(sub(supervision(Expr::cust("COUNT(*)")))),
            Alias::new("orders"),
        )
        .expr_as(
            bigint(sub(supervision(
                Func::count_distinct(s(supervision_order::Column::Batch)).into(),
            ))),
            Alias::new("batches"),
        )
        .expr_as(
            bigint(sub(supervision(
                Func::count_distinct(s(supervision_order::Column::CourtId)).into(),
            ))),
            Alias::new("courts"),
        )
        .to_owned();
    let distinct = one_row(db, &q).await?;

    Ok(Kpis {
        cases,
        previous_year,
        detentions: get(&measures, "detentions")?,
        summonses: get(&measures, "summonses")?,
        fines: get(&measures, "fines")?,
        fine_fen: get(&measures, "fine_fen")?,
        refusal_crime_referrals: get(&measures, "referrals")?,
        refusal_crime_convictions: get(&measures, "convictions")?,
        refusal_crime_cases: get(&distinct, "conviction_cases")?,
        dishonest_listings: get(&listings, "listings")?,
        dishonest_removals_after_performance: get(&listings, "removed_after_performance")?,
        dishonest_voluntary_performances: get(&listings, "performed_voluntarily")?,
        supervision_orders: get(&distinct, "orders")?,
        supervision_batches: get(&distinct, "batches")?,
        supervised_courts: get(&distinct, "courts")?,
    })
}

/// The metrics enforcement computes for reported figures, by GraphQL field name.
pub const METRICS: &[MetricDef] = &[
    def("accepted", "case", "cases filed (新收)"),
    def("closed", "case", "cases of the cohort closed (已结)"),
    def("closureRate", "ratio", "closed / accepted (结案率)"),
    def(
        "actualClosed",
        "case",
        "executed in full or settlement performed (实际执结)",
    ),
    def(
        "actualClosureRate",
        "ratio",
        "actually closed / accepted (实际执结率)",
    ),
    def(
        "subjectAmount",
        "yuan",
        "subject amount of the cases filed (标的额)",
    ),
    def("recoveredAmount", "yuan", "amount recovered (执行到位金额)"),
    def("recoveryRate", "ratio", "recovered / subject amount (执行到位率)"),
    def("terminatedThisRound", "case", "terminated this round (终本)"),
    def(
        "terminatedThisRoundRate",
        "ratio",
        "terminated this round / closed (终本率)",
    ),
    def(
        "closedWithinLimit",
        "case",
        "closed within the statutory limit (法定审限内结案)",
    ),
    def(
        "closedWithinLimitRate",
        "ratio",
        "closed within the limit / closed",
    ),
    def(
        "acceptedGrowth",
        "ratio",
        "cases filed against the year before (同比)",
    ),
    def(
        "actualClosedGrowth",
        "ratio",
        "actually closed against the year before (同比)",
    ),
    def(
        "closedSubjectAmount",
        "yuan",
        "subject amount of the closed cases (执结标的额)",
    ),
    def(
        "transferredToBankruptcy",
        "case",
        "transferred to bankruptcy (执转破)",
    ),
    def(
        "closedPriorityCategories",
        "case",
        "livelihood, financial and government cases closed",
    ),
    def("detentions", "person", "judicial detentions (司法拘留)"),
    def("summonses", "person", "summonses (拘传)"),
    def("detentionsAndSummons", "person_time", "detentions and summonses"),
    def("fines", "case", "fines (罚款)"),
    def("fineAmount", "yuan", "amount fined"),
    def(
        "refusalCrimeReferrals",
        "person",
        "referrals for refusing to execute (拒执罪移送)",
    ),
    def(
        "refusalCrimeConvictions",
        "person",
        "convictions for refusing to execute",
    ),
    def("refusalCrimeCases", "case", "cases with a referral"),
    def(
        "dishonestListings",
        "person",
        "dishonest-list entries made (纳入失信名单)",
    ),
    def(
        "dishonestRemovalsAfterPerformance",
        "person",
        "removed after performing (履行后屏蔽)",
    ),
    def(
        "dishonestVoluntaryPerformances",
        "person",
        "listed debtors who performed of their own accord (主动履行)",
    ),
    def("supervisionOrders", "record", "supervision orders issued (督办)"),
    def("supervisionBatches", "batch", "supervision batches"),
    def("supervisedCourts", "organisation", "courts supervised"),
];

const fn def(name: &'static str, unit: &'static str, description: &'static str) -> MetricDef {
    MetricDef {
        name,
        unit,
        description,
    }
}

/// Exact value of a metric, by its GraphQL field name, for comparison with the figures
/// the reports state.
pub fn metric_value(k: &Kpis, metric: &str) -> Option<MetricValue> {
    use MetricValue::{Count, Money, Rate};
    let t = &k.cases;
    let prev = k.previous_year.as_ref();
    Some(match metric {
        "accepted" => Count(t.accepted),
        "closed" => Count(t.closed),
        "closureRate" => Rate(ratio(t.closed, t.accepted)),
        "actualClosed" => Count(t.actual_closed),
        "actualClosureRate" => Rate(ratio(t.actual_closed, t.accepted)),
        "subjectAmount" => Money(t.subject_fen),
        "recoveredAmount" => Money(t.recovered_fen),
        "recoveryRate" => Rate(ratio(t.recovered_fen, t.subject_fen)),
        "terminatedThisRound" => Count(t.terminated_this_round),
        "terminatedThisRoundRate" => Rate(ratio(t.terminated_this_round, t.closed)),
        "closedWithinLimit" => Count(t.closed_within_limit),
        "closedWithinLimitRate" => Rate(ratio(t.closed_within_limit, t.closed)),
        "acceptedGrowth" => Rate(prev.and_then(|p| growth(t.accepted, p.accepted))),
        "actualClosedGrowth" => Rate(prev.and_then(|p| growth(t.actual_closed, p.actual_closed))),
        "closedSubjectAmount" => Money(t.closed_subject_fen),
        "transferredToBankruptcy" => Count(t.transferred_to_bankruptcy),
        "closedPriorityCategories" => Count(t.closed_priority_categories),
        "detentions" => Count(k.detentions),
        "summonses" => Count(k.summonses),
        "detentionsAndSummons" => Count(k.detentions + k.summonses),
        "fines" => Count(k.fines),
        "fineAmount" => Money(k.fine_fen),
        "refusalCrimeReferrals" => Count(k.refusal_crime_referrals),
        "refusalCrimeConvictions" => Count(k.refusal_crime_convictions),
        "refusalCrimeCases" => Count(k.refusal_crime_cases),
        "dishonestListings" => Count(k.dishonest_listings),
        "dishonestRemovalsAfterPerformance" => Count(k.dishonest_removals_after_performance),
        "dishonestVoluntaryPerformances" => Count(k.dishonest_voluntary_performances),
        "supervisionOrders" => Count(k.supervision_orders),
        "supervisionBatches" => Count(k.supervision_batches),
        "supervisedCourts" => Count(k.supervised_courts),
        _ => return None,
    })
}

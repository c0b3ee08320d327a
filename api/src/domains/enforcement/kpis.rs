//! Enforcement KPIs (执行质效指标), computed by aggregate SQL in the database.
//!
//! The window applies to each event's own date: cases by filing date (the cohort whose
//! closure is measured, as the reports do), measures by the date taken, list entries by
//! the date listed, supervision orders by the date issued.

use chrono::{Months, NaiveDate};
use entity::enforcement::dishonest_entry::{self, RemovalReason};
use entity::enforcement::enforcement_case::{self as case, CaseCategory, CaseStatus, ClosureMode};
use entity::enforcement::measure::{self, MeasureKind};
use entity::enforcement::supervision_order;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{Condition, ConnectionTrait, QueryResult, Value};

use super::service::{ACTUAL_CLOSURE_MODES, scope_condition};
use crate::error::{AppError, AppResult};

/// Which records the KPIs cover.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct KpiFilter {
    /// The caller's reach.
    pub scope: crate::access::Scope,
    pub region_code: Option<String>,
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
    pub supervision_orders: i64,
    pub supervision_batches: i64,
    pub supervised_courts: i64,
}

/// `numerator / denominator`, `None` when the denominator is 0.
pub fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator != 0).then(|| numerator as f64 / denominator as f64)
}

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

async fn case_totals(
    db: &impl ConnectionTrait,
    scope: &Condition,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> AppResult<CaseTotals> {
    let closed = || Condition::all().add(c(case::Column::Status).eq(CaseStatus::Closed));
    let mode = |m: ClosureMode| Condition::all().add(c(case::Column::ClosureMode).eq(m));
    let priority = [
        CaseCategory::Livelihood,
        CaseCategory::Financial,
        CaseCategory::Government,
    ];
    let q = Query::select()
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("accepted"))
        .expr_as(count_if(closed()), Alias::new("closed"))
        .expr_as(
            count_if(
                Condition::all().add(c(case::Column::ClosureMode).is_in(in_list(&ACTUAL_CLOSURE_MODES))),
            ),
            Alias::new("actual_closed"),
        )
        .expr_as(
            count_if(mode(ClosureMode::TerminatedThisRound)),
            Alias::new("terminated_this_round"),
        )
        .expr_as(
            count_if(closed().add(c(case::Column::ClosedOn).lte(c(case::Column::StatutoryDueOn)))),
            Alias::new("closed_within_limit"),
        )
        .expr_as(sum(c(case::Column::SubjectAmountFen)), Alias::new("subject_fen"))
        .expr_as(
            sum(c(case::Column::RecoveredAmountFen)),
            Alias::new("recovered_fen"),
        )
        .expr_as(
            sum_if(closed(), c(case::Column::SubjectAmountFen)),
            Alias::new("closed_subject_fen"),
        )
        .expr_as(
            count_if(mode(ClosureMode::TransferredToBankruptcy)),
            Alias::new("transferred_to_bankruptcy"),
        )
        .expr_as(
            count_if(closed().add(c(case::Column::Category).is_in(in_list(&priority)))),
            Alias::new("closed_priority_categories"),
        )
        .from(case::Entity)
        .cond_where(date_window(scope.clone(), c(case::Column::FiledOn), from, to))
        .to_owned();
    let row = one_row(db, &q).await?;
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

/// Computes every KPI of `filter` in five aggregate statements (six with a previous year).
pub async fn compute(db: &impl ConnectionTrait, filter: &KpiFilter) -> AppResult<Kpis> {
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(AppError::bad_input("filedTo", "filedTo is before filedFrom"));
    }
    let scope = scope_condition(db, &filter.scope, filter.region_code.as_deref(), filter.court_id).await?;
    let cases = case_totals(db, &scope, filter.from, filter.to).await?;
    let previous_year = match (filter.from, filter.to) {
        (Some(from), Some(to)) => {
            let shift = |d: NaiveDate| d.checked_sub_months(Months::new(12));
            match (shift(from), shift(to)) {
                (Some(f), Some(t)) => Some(case_totals(db, &scope, Some(f), Some(t)).await?),
                _ => None,
            }
        }
        _ => None,
    };

    // Measures, by the date taken, on cases in scope.
    let m = |col: measure::Column| Expr::col((measure::Entity, col));
    let kind = |k: MeasureKind| Condition::all().add(m(measure::Column::Kind).eq(k));
    let convicted = || kind(MeasureKind::RefusalCrimeReferral).add(m(measure::Column::Convicted).eq(true));
    let q = Query::select()
        .expr_as(count_if(kind(MeasureKind::Detention)), Alias::new("detentions"))
        .expr_as(count_if(kind(MeasureKind::Summons)), Alias::new("summonses"))
        .expr_as(count_if(kind(MeasureKind::Fine)), Alias::new("fines"))
        .expr_as(
            sum_if(kind(MeasureKind::Fine), m(measure::Column::AmountFen)),
            Alias::new("fine_fen"),
        )
        .expr_as(
            count_if(kind(MeasureKind::RefusalCrimeReferral)),
            Alias::new("referrals"),
        )
        .expr_as(count_if(convicted()), Alias::new("convictions"))
        .expr_as(
            count_distinct(
                Expr::case(convicted(), m(measure::Column::CaseId))
                    .finally(Expr::cust("NULL"))
                    .into(),
            ),
            Alias::new("conviction_cases"),
        )
        .from(measure::Entity)
        .inner_join(
            case::Entity,
            Expr::col((case::Entity, case::Column::Id)).equals((measure::Entity, measure::Column::CaseId)),
        )
        .cond_where(date_window(
            scope.clone(),
            m(measure::Column::TakenOn),
            filter.from,
            filter.to,
        ))
        .to_owned();
    let measures = one_row(db, &q).await?;

    // List entries, by the date listed.
    let d = |col: dishonest_entry::Column| Expr::col((dishonest_entry::Entity, col));
    let q = Query::select()
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("listings"))
        .expr_as(
            count_if(
                Condition::all().add(d(dishonest_entry::Column::RemovalReason).eq(RemovalReason::Performed)),
            ),
            Alias::new("removed_after_performance"),
        )
        .from(dishonest_entry::Entity)
        .inner_join(
            case::Entity,
            Expr::col((case::Entity, case::Column::Id))
                .equals((dishonest_entry::Entity, dishonest_entry::Column::CaseId)),
        )
        .cond_where(date_window(
            scope.clone(),
            d(dishonest_entry::Column::ListedOn),
            filter.from,
            filter.to,
        ))
        .to_owned();
    let listings = one_row(db, &q).await?;

    // Supervision orders, by the date issued.
    let s = |col: supervision_order::Column| Expr::col((supervision_order::Entity, col));
    let q = Query::select()
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("orders"))
        .expr_as(
            count_distinct(s(supervision_order::Column::Batch)),
            Alias::new("batches"),
        )
        .expr_as(count_distinct(c(case::Column::CourtId)), Alias::new("courts"))
        .from(supervision_order::Entity)
        .inner_join(
            case::Entity,
            Expr::col((case::Entity, case::Column::Id))
                .equals((supervision_order::Entity, supervision_order::Column::CaseId)),
        )
        .cond_where(date_window(
            scope,
            s(supervision_order::Column::IssuedOn),
            filter.from,
            filter.to,
        ))
        .to_owned();
    let supervision = one_row(db, &q).await?;

    Ok(Kpis {
        cases,
        previous_year,
        detentions: get(&measures, "detentions")?,
        summonses: get(&measures, "summonses")?,
        fines: get(&measures, "fines")?,
        fine_fen: get(&measures, "fine_fen")?,
        refusal_crime_referrals: get(&measures, "referrals")?,
        refusal_crime_convictions: get(&measures, "convictions")?,
        refusal_crime_cases: get(&measures, "conviction_cases")?,
        dishonest_listings: get(&listings, "listings")?,
        dishonest_removals_after_performance: get(&listings, "removed_after_performance")?,
        supervision_orders: get(&supervision, "orders")?,
        supervision_batches: get(&supervision, "batches")?,
        supervised_courts: get(&supervision, "courts")?,
    })
}

/// Exact decimal text of a metric, by its GraphQL field name, for comparison with the
/// figures the reports state (rates to 4 places are compared after rounding).
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
        "supervisionOrders" => Count(k.supervision_orders),
        "supervisionBatches" => Count(k.supervision_batches),
        "supervisedCourts" => Count(k.supervised_courts),
        _ => return None,
    })
}

/// A computed metric, typed so it can be compared with a stated decimal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricValue {
    Count(i64),
    Money(i64),
    Rate(Option<f64>),
}

impl MetricValue {
    /// The value as exact decimal text (rates with six places), `None` for an undefined rate.
    pub fn to_decimal_text(self) -> Option<String> {
        match self {
            MetricValue::Count(n) => Some(n.to_string()),
            MetricValue::Money(fen) => Some(crate::scalars::Money(fen).to_string()),
            MetricValue::Rate(r) => r.map(|r| format!("{r:.6}")),
        }
    }

    /// Whether the value, rounded to the places `stated` has, equals `stated`.
    pub fn matches(self, stated: &str) -> Option<bool> {
        let places = stated.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
        let stated: f64 = stated.parse().ok()?;
        let value = match self {
            MetricValue::Count(n) => n as f64,
            MetricValue::Money(fen) => fen as f64 / 100.0,
            MetricValue::Rate(r) => r?,
        };
        let scale = 10f64.powi(places);
        Some(((value * scale).round() - (stated * scale).round()).abs() < 0.5)
    }
}

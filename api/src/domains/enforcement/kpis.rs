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
use crate::aggregate::cellkey::{CellKeyMethod, salt};
use crate::aggregate::disclosure::Part;
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
    /// The cell of each figure, by column name: its record keys' sum and squares.
    pub cells: Cells,
}

/// What the cell key method needs of each figure, by column name.
pub type Cells = std::collections::BTreeMap<&'static str, Part>;

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
    /// The cells of the measure, listing and record figures, by column name.
    pub cells: Cells,
    /// Money figures the dominance rule withholds from this caller, by column name (of
    /// this period's case figures, and of the measures).
    pub withheld: std::collections::BTreeSet<&'static str>,
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

/// One figure of a daily table as SQL over its records: the records it counts (None: all)
/// and, for a money figure, the amount it sums of them.
struct FigureSql {
    counted: Option<Condition>,
    amount: Option<Expr>,
}

impl FigureSql {
    fn count(counted: Condition) -> Self {
        FigureSql {
            counted: Some(counted),
            amount: None,
        }
    }

    fn all() -> Self {
        FigureSql {
            counted: None,
            amount: None,
        }
    }

    fn amount(counted: Option<Condition>, amount: Expr) -> Self {
        FigureSql {
            counted,
            amount: Some(amount),
        }
    }

    fn when(&self, then: Expr, zero: Expr) -> Expr {
        match &self.counted {
            Some(cond) => Expr::case(cond.clone(), then).finally(zero).into(),
            None => then,
        }
    }

    /// The figure, its key sum and (money) its sum of squares, as the daily table's columns.
    fn exprs(&self, key: Expr) -> (Expr, Expr, Option<Expr>) {
        let value = match &self.amount {
            Some(a) => sum(self.when(a.clone(), Expr::val(0i64))),
            None => match &self.counted {
                Some(cond) => count_if(cond.clone()),
                None => Expr::cust("CAST(COUNT(*) AS BIGINT)"),
            },
        };
        let squares = self
            .amount
            .as_ref()
            .map(|a| crate::aggregate::tally::squares(self.when(a.clone(), Expr::val(0i64))));
        // Record keys are INTEGER: an INTEGER zero keeps PostgreSQL's sum on its fast path.
        (value, sum(self.when(key, Expr::val(0i32))), squares)
    }
}

fn record_key(table: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new("record_key")))
}

/// The figures of `daily::CASE_FIGURES` over `enforcement_cases`, in that order.
fn case_figure_sql() -> Vec<FigureSql> {
    let closed = || Condition::all().add(c(case::Column::Status).eq(CaseStatus::Closed));
    let mode = |m: ClosureMode| Condition::all().add(c(case::Column::ClosureMode).eq(m));
    vec![
        FigureSql::all(),
        FigureSql::count(closed()),
        FigureSql::count(Condition::all().add(c(case::Column::ClosureMode).is_in(in_list(&ACTUAL_CLOSURE_MODES)))),
        FigureSql::count(mode(ClosureMode::TerminatedThisRound)),
        FigureSql::count(closed().add(c(case::Column::ClosedOn).lte(c(case::Column::StatutoryDueOn)))),
        FigureSql::amount(None, c(case::Column::SubjectAmountFen)),
        FigureSql::amount(None, c(case::Column::RecoveredAmountFen)),
        FigureSql::amount(Some(closed()), c(case::Column::SubjectAmountFen)),
        FigureSql::count(mode(ClosureMode::TransferredToBankruptcy)),
        FigureSql::count(closed().add(c(case::Column::Category).is_in(in_list(&daily::PRIORITY_CATEGORIES)))),
    ]
}

/// The figures of `daily::MEASURE_FIGURES` over `measures`, in that order.
fn measure_figure_sql() -> Vec<FigureSql> {
    let m = |col: measure::Column| Expr::col((measure::Entity, col));
    let kind = |k: MeasureKind| Condition::all().add(m(measure::Column::Kind).eq(k));
    vec![
        FigureSql::count(kind(MeasureKind::Detention)),
        FigureSql::count(kind(MeasureKind::Summons)),
        FigureSql::count(kind(MeasureKind::Fine)),
        FigureSql::amount(
            Some(kind(MeasureKind::Fine)),
            Func::coalesce([m(measure::Column::AmountFen), Expr::val(0i64)]).into(),
        ),
        FigureSql::count(kind(MeasureKind::RefusalCrimeReferral)),
        FigureSql::count(kind(MeasureKind::RefusalCrimeReferral).add(m(measure::Column::Convicted).eq(true))),
    ]
}

/// The figures of `daily::LISTING_FIGURES` over `dishonest_entries`, in that order.
fn listing_figure_sql() -> Vec<FigureSql> {
    let d = |col: dishonest_entry::Column| Expr::col((dishonest_entry::Entity, col));
    vec![
        FigureSql::all(),
        FigureSql::count(
            Condition::all().add(d(dishonest_entry::Column::RemovalReason).eq(RemovalReason::Performed)),
        ),
        FigureSql::count(Condition::all().add(d(dishonest_entry::Column::PerformedOn).is_not_null())),
    ]
}

/// Every stored column of a daily table as SQL, in `daily::stored_columns` order.
fn stored_exprs(figures: Vec<FigureSql>, key: Expr) -> Vec<Expr> {
    let (mut values, mut keys, mut squares) = (Vec::new(), Vec::new(), Vec::new());
    for f in figures {
        let (v, k, s) = f.exprs(key.clone());
        values.push(v);
        keys.push(k);
        squares.extend(s);
    }
    values.extend(keys);
    values.extend(squares);
    values
}

/// For each daily table: its name, figure columns, and the grouped SELECT over the records
/// that yields its rows (region code, court id, day, figures), as the seed rebuilds them.
fn daily_sources() -> Vec<(&'static str, &'static [&'static str], SelectStatement)> {
    let grouped = |names: &[&str], day: Expr, exprs: Vec<Expr>, join: Option<(Alias, Expr)>| {
        let mut q = Query::select();
        q.expr_as(c(case::Column::RegionCode), Alias::new("region_code"))
            .expr_as(c(case::Column::CourtId), Alias::new("court_id"))
            .expr_as(day.clone(), Alias::new("day"));
        for (name, e) in daily::stored_columns(names).iter().zip(exprs) {
            q.expr_as(e, Alias::new(name.as_str()));
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
                stored_exprs(case_figure_sql(), record_key("enforcement_cases")),
                None,
            ),
        ),
        (
            daily::MEASURE_DAILY,
            &daily::MEASURE_FIGURES[..],
            grouped(
                &daily::MEASURE_FIGURES,
                Expr::col((measure::Entity, measure::Column::TakenOn)),
                stored_exprs(measure_figure_sql(), record_key("measures")),
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
            let exprs = stored_exprs(listing_figure_sql(), record_key("dishonest_entries"));
            for (name, e) in daily::stored_columns(&daily::LISTING_FIGURES).iter().zip(exprs) {
                q.expr_as(e, Alias::new(name.as_str()));
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
                .map(|c| Alias::new(*c))
                .chain(daily::stored_columns(figures).iter().map(|c| Alias::new(c.as_str()))),
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
                values.push(get(row, &daily::key_column(f))?);
            }
            if values.iter().all(|v| *v == 0) {
                return Ok(None);
            }
            // Sums of squares in floating point: equal to nine significant digits.
            let mut squares = Vec::new();
            for f in figures.iter().filter(|f| daily::is_money(f)) {
                let sq: f64 = row
                    .try_get("", &daily::squares_column(f))
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("reading {f}: {e}")))?;
                squares.push(format!("{sq:.8e}"));
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
            Ok(Some(format!("{table} {region} {court} {day} {values:?} {squares:?}")))
        };
        let mut stored_q = Query::select();
        stored_q.columns(
            ["region_code", "court_id", "day"]
                .iter()
                .map(|c| Alias::new(*c))
                .chain(daily::stored_columns(figures).iter().map(|c| Alias::new(c.as_str()))),
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
/// The figures' key sums and squares as the cell key method needs them.
async fn daily_sums(
    db: &impl ConnectionTrait,
    table: &str,
    figures: &[&str],
    cond: Condition,
) -> AppResult<QueryResult> {
    let col = |c: &str| Expr::col((Alias::new(table), Alias::new(c)));
    let mut q = Query::select();
    for f in figures {
        q.expr_as(sum(col(f)), Alias::new(*f));
        let key = daily::key_column(f);
        q.expr_as(sum(col(&key)), Alias::new(key.as_str()));
        if daily::is_money(f) {
            let sq = daily::squares_column(f);
            q.expr_as(
                Func::coalesce([Func::sum(col(&sq)).into(), Expr::val(0.0f64)]),
                Alias::new(sq.as_str()),
            );
        }
    }
    q.from(Alias::new(table)).cond_where(cond);
    one_row(db, &q).await
}

/// The cells of `figures` in a row of `daily_sums`.
fn read_cells(row: &QueryResult, figures: &[&'static str], cells: &mut Cells) -> AppResult<()> {
    for f in figures {
        let squares = match daily::is_money(f) {
            true => row
                .try_get::<f64>("", &daily::squares_column(f))
                .map_err(|e| AppError::Internal(anyhow::anyhow!("reading {f}: {e}")))?,
            false => 0.0,
        };
        cells.insert(
            f,
            Part {
                key: get(row, &daily::key_column(f))?,
                squares,
            },
        );
    }
    Ok(())
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
        cells: {
            let mut cells = Cells::new();
            read_cells(&row, &daily::CASE_FIGURES, &mut cells)?;
            cells
        },
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
    let convicted = Query::select()
        .column((measure::Entity, measure::Column::CaseId))
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
    let convicted_cases = Query::select()
        .expr(count_distinct(Expr::col((Alias::new("convicted"), measure::Column::CaseId))))
        .from_subquery(convicted.clone(), Alias::new("convicted"))
        .to_owned();
    // The cell key of the cases with a conviction: their own record keys, once each.
    let convicted_key = Query::select()
        .expr(sum(Expr::col((Alias::new("kc"), Alias::new("record_key")))))
        .from_as(case::Entity, Alias::new("kc"))
        .and_where(Expr::col((Alias::new("kc"), case::Column::Id)).in_subquery(convicted))
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
        .expr_as(bigint(sub(convicted_key)), Alias::new("conviction_cases_key"))
        .expr_as(
            bigint(sub(supervision(sum(record_key("supervision_orders"))))),
            Alias::new("orders_key"),
        )
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

    let mut cells = Cells::new();
    read_cells(&measures, &daily::MEASURE_FIGURES, &mut cells)?;
    read_cells(&listings, &daily::LISTING_FIGURES, &mut cells)?;
    for (figure, key) in [("conviction_cases", "conviction_cases_key"), ("orders", "orders_key")] {
        cells.insert(
            figure,
            Part {
                key: get(&distinct, key)?,
                squares: 0.0,
            },
        );
    }
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
        cells,
        withheld: Default::default(),
    })
}

/// The name the cell key method salts a money figure's noise with: the aggregate dataset's
/// measure of the same sum, so that the same cell gets the same value from either.
fn money_salt(figure: &str) -> u64 {
    salt(match figure {
        "subject_fen" | "closed_subject_fen" => "subjectAmount",
        "recovered_fen" => "recoveredAmount",
        other => other,
    })
}

fn protect_count(method: &CellKeyMethod, cells: &Cells, figure: &str, value: &mut i64) {
    let key = cells.get(figure).map_or(0, |p| p.key);
    *value = method.count(*value, key);
}

/// Protects a money figure in place; false when the dominance rule withholds it.
fn protect_money(method: &CellKeyMethod, cells: &Cells, figure: &str, value: &mut i64) -> bool {
    let part = cells.get(figure).copied().unwrap_or_default();
    match method.magnitude(*value, part.squares, part.key, money_salt(figure)) {
        Some(v) => {
            *value = v;
            true
        }
        None => false,
    }
}

fn protect_cases(method: &CellKeyMethod, t: &mut CaseTotals) -> Vec<&'static str> {
    let cells = &t.cells;
    for (figure, value) in [
        ("accepted", &mut t.accepted),
        ("closed", &mut t.closed),
        ("actual_closed", &mut t.actual_closed),
        ("terminated_this_round", &mut t.terminated_this_round),
        ("closed_within_limit", &mut t.closed_within_limit),
        ("transferred_to_bankruptcy", &mut t.transferred_to_bankruptcy),
        ("closed_priority_categories", &mut t.closed_priority_categories),
    ] {
        protect_count(method, cells, figure, value);
    }
    let mut withheld = Vec::new();
    for (figure, value) in [
        ("subject_fen", &mut t.subject_fen),
        ("recovered_fen", &mut t.recovered_fen),
        ("closed_subject_fen", &mut t.closed_subject_fen),
    ] {
        if !protect_money(method, cells, figure, value) {
            *value = 0;
            withheld.push(figure);
        }
    }
    withheld
}

/// The KPIs as a caller who may not read records gets them (`crate::aggregate::disclosure`):
/// every count perturbed by its cell's key, as the grouped aggregate perturbs the same
/// cell, and every sum of money perturbed or withheld (listed in `withheld`, its value 0).
/// Rates follow from the protected parts. The distinct counts of supervision batches and
/// of courts supervised count orders' batches and courts, not people or cases, and stay
/// exact.
pub fn protect(mut k: Kpis, method: &CellKeyMethod) -> Kpis {
    k.withheld.extend(protect_cases(method, &mut k.cases));
    if let Some(p) = k.previous_year.as_mut() {
        // Only the counts of the year before are published.
        protect_cases(method, p);
    }
    let cells = &k.cells;
    for (figure, value) in [
        ("detentions", &mut k.detentions),
        ("summonses", &mut k.summonses),
        ("fines", &mut k.fines),
        ("referrals", &mut k.refusal_crime_referrals),
        ("convictions", &mut k.refusal_crime_convictions),
        ("conviction_cases", &mut k.refusal_crime_cases),
        ("listings", &mut k.dishonest_listings),
        ("removed_after_performance", &mut k.dishonest_removals_after_performance),
        ("performed_voluntarily", &mut k.dishonest_voluntary_performances),
        ("orders", &mut k.supervision_orders),
    ] {
        protect_count(method, cells, figure, value);
    }
    if !protect_money(method, cells, "fine_fen", &mut k.fine_fen) {
        k.fine_fen = 0;
        k.withheld.insert("fine_fen");
    }
    k
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

/// Value of a metric, by its GraphQL field name, for comparison with the figures the
/// reports state: exact, or protected when `k` is (`protect`); None for a metric not known
/// or withheld.
pub fn metric_value(k: &Kpis, metric: &str) -> Option<MetricValue> {
    use MetricValue::{Count, Money, Rate};
    let t = &k.cases;
    let prev = k.previous_year.as_ref();
    let money = |figure: &str, fen: i64| (!k.withheld.contains(figure)).then_some(Money(fen));
    let rate = |n: &str, d: &str, r: Option<f64>| {
        (!k.withheld.contains(n) && !k.withheld.contains(d)).then_some(Rate(r))
    };
    Some(match metric {
        "accepted" => Count(t.accepted),
        "closed" => Count(t.closed),
        "closureRate" => Rate(ratio(t.closed, t.accepted)),
        "actualClosed" => Count(t.actual_closed),
        "actualClosureRate" => Rate(ratio(t.actual_closed, t.accepted)),
        "subjectAmount" => money("subject_fen", t.subject_fen)?,
        "recoveredAmount" => money("recovered_fen", t.recovered_fen)?,
        "recoveryRate" => rate(
            "recovered_fen",
            "subject_fen",
            ratio(t.recovered_fen, t.subject_fen),
        )?,
        "terminatedThisRound" => Count(t.terminated_this_round),
        "terminatedThisRoundRate" => Rate(ratio(t.terminated_this_round, t.closed)),
        "closedWithinLimit" => Count(t.closed_within_limit),
        "closedWithinLimitRate" => Rate(ratio(t.closed_within_limit, t.closed)),
        "acceptedGrowth" => Rate(prev.and_then(|p| growth(t.accepted, p.accepted))),
        "actualClosedGrowth" => Rate(prev.and_then(|p| growth(t.actual_closed, p.actual_closed))),
        "closedSubjectAmount" => money("closed_subject_fen", t.closed_subject_fen)?,
        "transferredToBankruptcy" => Count(t.transferred_to_bankruptcy),
        "closedPriorityCategories" => Count(t.closed_priority_categories),
        "detentions" => Count(k.detentions),
        "summonses" => Count(k.summonses),
        "detentionsAndSummons" => Count(k.detentions + k.summonses),
        "fines" => Count(k.fines),
        "fineAmount" => money("fine_fen", k.fine_fen)?,
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

//! Pre-aggregated KPIs: the additive figures of the cases filed, the measures taken and the
//! listings made per region, court and day (`case_daily`, `measure_daily`, `listing_daily`).
//! Every write to a case, a measure or a list entry adds its change to these rows in its own
//! transaction (an upsert of the difference, so concurrent writers add up correctly); the seed
//! rebuilds them from the records. `kpis.rs` sums them; `drift` compares them with the records,
//! which the tests check after every kind of write. No GraphQL here.
//!
//! Beside each figure a row keeps the sum of the record keys of the records it counts
//! (`<figure>_key`), and beside each money figure the sum of the squares of their
//! contributions (`<figure>_sq`): the cell key method (`crate::aggregate::cellkey`) needs
//! them to protect a KPI summed from these rows exactly as it protects the same cell grouped
//! from the records. A write adds its record's key through a subquery in the same upsert, so
//! the statement count of a write does not change.

use chrono::NaiveDate;
use entity::enforcement::dishonest_entry::{self, RemovalReason};
use entity::enforcement::enforcement_case::{self as case, CaseCategory, CaseStatus, ClosureMode};
use entity::enforcement::measure::{self, MeasureKind};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};

use super::service::ACTUAL_CLOSURE_MODES;
use crate::error::AppResult;

/// Rows of `case_daily`: figures of the cases filed that day, in their present state.
pub const CASE_DAILY: &str = "case_daily";
/// Rows of `measure_daily`: measures taken that day.
pub const MEASURE_DAILY: &str = "measure_daily";
/// Rows of `listing_daily`: dishonest-list entries made that day.
pub const LISTING_DAILY: &str = "listing_daily";

/// The columns of each table's figures, in order.
pub const CASE_FIGURES: [&str; 10] = [
    "accepted",
    "closed",
    "actual_closed",
    "terminated_this_round",
    "closed_within_limit",
    "subject_fen",
    "recovered_fen",
    "closed_subject_fen",
    "transferred_to_bankruptcy",
    "closed_priority_categories",
];
pub const MEASURE_FIGURES: [&str; 6] = [
    "detentions",
    "summonses",
    "fines",
    "fine_fen",
    "referrals",
    "convictions",
];
pub const LISTING_FIGURES: [&str; 3] = ["listings", "removed_after_performance", "performed_voluntarily"];

/// The key column of a figure: the sum of the record keys of the records it counts.
pub fn key_column(figure: &str) -> String {
    format!("{figure}_key")
}

/// The squares column of a money figure.
pub fn squares_column(figure: &str) -> String {
    format!("{figure}_sq")
}

/// Whether a figure is money (fen), whose cell also keeps the sum of squares.
pub fn is_money(figure: &str) -> bool {
    figure.ends_with("_fen")
}

/// Every column a table keeps beside its key: the figures, their key sums, and the squares
/// of the money figures, in that order.
pub fn stored_columns(figures: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = figures.iter().map(|f| (*f).to_owned()).collect();
    out.extend(figures.iter().map(|f| key_column(f)));
    out.extend(figures.iter().filter(|f| is_money(f)).map(|f| squares_column(f)));
    out
}

/// Categories whose closed cases the reports count apart (民生, 金融, 涉政府).
pub const PRIORITY_CATEGORIES: [CaseCategory; 3] = [
    CaseCategory::Livelihood,
    CaseCategory::Financial,
    CaseCategory::Government,
];

/// Where a record's figures are added up.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    region_code: String,
    court_id: i64,
    day: NaiveDate,
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

fn case_figures(m: &case::Model) -> [i64; 10] {
    let closed = m.status == CaseStatus::Closed;
    let mode = m.closure_mode;
    [
        1,
        flag(closed),
        flag(mode.is_some_and(|x| ACTUAL_CLOSURE_MODES.contains(&x))),
        flag(mode == Some(ClosureMode::TerminatedThisRound)),
        flag(closed && m.closed_on.is_some_and(|d| d <= m.statutory_due_on)),
        m.subject_amount_fen,
        m.recovered_amount_fen,
        if closed { m.subject_amount_fen } else { 0 },
        flag(mode == Some(ClosureMode::TransferredToBankruptcy)),
        flag(closed && PRIORITY_CATEGORIES.contains(&m.category)),
    ]
}

/// How many times each figure of a case counts its record key: a count figure counts it
/// when it counts the case, a money figure for every case whose amount it sums.
fn case_weights(m: &case::Model) -> [i64; 10] {
    let mut w = case_figures(m);
    w[5] = 1;
    w[6] = 1;
    w[7] = flag(m.status == CaseStatus::Closed);
    w
}

fn measure_weights(m: &measure::Model) -> [i64; 6] {
    let mut w = measure_figures(m);
    w[3] = flag(m.kind == MeasureKind::Fine);
    w
}

/// The squares of a record's money figures (0 for count figures).
fn squares<const N: usize>(figures: &[&str; N], values: &[i64; N]) -> [f64; N] {
    let mut out = [0f64; N];
    for (i, f) in figures.iter().enumerate() {
        if is_money(f) {
            out[i] = (values[i] as f64) * (values[i] as f64);
        }
    }
    out
}

fn measure_figures(m: &measure::Model) -> [i64; 6] {
    let referral = m.kind == MeasureKind::RefusalCrimeReferral;
    [
        flag(m.kind == MeasureKind::Detention),
        flag(m.kind == MeasureKind::Summons),
        flag(m.kind == MeasureKind::Fine),
        if m.kind == MeasureKind::Fine {
            m.amount_fen.unwrap_or(0)
        } else {
            0
        },
        flag(referral),
        flag(referral && m.convicted == Some(true)),
    ]
}

fn listing_figures(e: &dishonest_entry::Model) -> [i64; 3] {
    [
        1,
        flag(e.removal_reason == Some(RemovalReason::Performed)),
        flag(e.performed_on.is_some()),
    ]
}

/// One record's contribution to a row: its figures, how many times each counts the
/// record's key, and the squares of its money figures.
#[derive(Debug, Clone)]
struct Entry<const N: usize> {
    key: Key,
    figures: [i64; N],
    weights: [i64; N],
    squares: [f64; N],
}

impl<const N: usize> Entry<N> {
    fn new(key: Key, names: &[&str; N], figures: [i64; N], weights: [i64; N]) -> Self {
        Entry {
            key,
            squares: squares(names, &figures),
            figures,
            weights,
        }
    }

    fn negated(&self) -> Self {
        Entry {
            key: self.key.clone(),
            figures: self.figures.map(|x| -x),
            weights: self.weights.map(|x| -x),
            squares: self.squares.map(|x| -x),
        }
    }

    fn minus(&self, before: &Self) -> Self {
        let mut out = self.clone();
        for i in 0..N {
            out.figures[i] -= before.figures[i];
            out.weights[i] -= before.weights[i];
            out.squares[i] -= before.squares[i];
        }
        out
    }

    fn is_zero(&self) -> bool {
        self.figures.iter().all(|f| *f == 0)
            && self.weights.iter().all(|w| *w == 0)
            && self.squares.iter().all(|s| *s == 0.0)
    }
}

/// The record whose key a change adds: its table and id.
#[derive(Debug, Clone, Copy)]
struct Record<'a> {
    table: &'a str,
    id: i64,
}

/// Adds `entry` (differences, may be negative) to its row, creating it if needed. The
/// record's key is read by a subquery inside the upsert.
async fn add<const N: usize>(
    db: &impl ConnectionTrait,
    table: &str,
    columns: &[&str; N],
    record: Record<'_>,
    entry: &Entry<N>,
) -> AppResult<()> {
    if entry.is_zero() {
        return Ok(());
    }
    let t = Alias::new(table);
    let stored = stored_columns(columns);
    let mut insert = Query::insert();
    insert.into_table(t.clone()).columns(
        ["region_code", "court_id", "day"]
            .iter()
            .map(|c| Alias::new(*c))
            .chain(stored.iter().map(|c| Alias::new(c.as_str()))),
    );
    let record_key = || -> Expr {
        Expr::SubQuery(
            None,
            Box::new(
                Query::select()
                    .column(Alias::new("record_key"))
                    .from(Alias::new(record.table))
                    .and_where(Expr::col(Alias::new("id")).eq(record.id))
                    .to_owned()
                    .into(),
            ),
        )
    };
    let mut values: Vec<Expr> = vec![
        Expr::val(entry.key.region_code.clone()),
        Expr::val(entry.key.court_id),
        Expr::val(entry.key.day),
    ];
    values.extend(entry.figures.iter().map(|f| Expr::val(*f)));
    values.extend(entry.weights.iter().map(|w| match *w {
        0 => Expr::val(0i64),
        1 => record_key(),
        w => record_key().mul(w),
    }));
    values.extend(
        columns
            .iter()
            .zip(entry.squares)
            .filter(|(f, _)| is_money(f))
            .map(|(_, s)| Expr::val(s)),
    );
    insert.values_panic(values);
    let mut on_conflict = OnConflict::columns([
        Alias::new("region_code"),
        Alias::new("day"),
        Alias::new("court_id"),
    ]);
    on_conflict.values(stored.iter().map(|c| {
        (
            Alias::new(c.as_str()),
            Expr::col((t.clone(), Alias::new(c.as_str())))
                .add(Expr::col((Alias::new("excluded"), Alias::new(c.as_str())))),
        )
    }));
    insert.on_conflict(on_conflict);
    db.execute(&insert).await?;
    Ok(())
}

/// Applies a change of one record from `before` to `after` (either absent for an insert or
/// a delete).
async fn change<const N: usize>(
    db: &impl ConnectionTrait,
    table: &str,
    columns: &[&str; N],
    record: Record<'_>,
    before: Option<Entry<N>>,
    after: Option<Entry<N>>,
) -> AppResult<()> {
    match (before, after) {
        (Some(b), Some(a)) if b.key == a.key => add(db, table, columns, record, &a.minus(&b)).await,
        (before, after) => {
            if let Some(b) = before {
                add(db, table, columns, record, &b.negated()).await?;
            }
            if let Some(a) = after {
                add(db, table, columns, record, &a).await?;
            }
            Ok(())
        }
    }
}

fn case_key(m: &case::Model) -> Key {
    Key {
        region_code: m.region_code.clone(),
        court_id: m.court_id,
        day: m.filed_on,
    }
}

/// A case was filed (`before` None) or changed, in the same transaction.
pub async fn case_changed(
    db: &impl ConnectionTrait,
    before: Option<&case::Model>,
    after: Option<&case::Model>,
) -> AppResult<()> {
    let entry = |m: &case::Model| Entry::new(case_key(m), &CASE_FIGURES, case_figures(m), case_weights(m));
    let Some(id) = after.or(before).map(|m| m.id) else {
        return Ok(());
    };
    let record = Record {
        table: "enforcement_cases",
        id,
    };
    change(
        db,
        CASE_DAILY,
        &CASE_FIGURES,
        record,
        before.map(entry),
        after.map(entry),
    )
    .await
}

/// A measure was taken on a case, in the same transaction.
pub async fn measure_added(db: &impl ConnectionTrait, m: &measure::Model, of: &case::Model) -> AppResult<()> {
    let key = Key {
        day: m.taken_on,
        ..case_key(of)
    };
    let record = Record {
        table: "measures",
        id: m.id,
    };
    let entry = Entry::new(key, &MEASURE_FIGURES, measure_figures(m), measure_weights(m));
    change(db, MEASURE_DAILY, &MEASURE_FIGURES, record, None, Some(entry)).await
}

/// A list entry was made (`before` None) or changed, in the same transaction. An entry
/// carries its case's region and court.
pub async fn listing_changed(
    db: &impl ConnectionTrait,
    before: Option<&dishonest_entry::Model>,
    after: Option<&dishonest_entry::Model>,
) -> AppResult<()> {
    let entry = |e: &dishonest_entry::Model| {
        let figures = listing_figures(e);
        let key = Key {
            region_code: e.region_code.clone(),
            court_id: e.court_id,
            day: e.listed_on,
        };
        Entry::new(key, &LISTING_FIGURES, figures, figures)
    };
    let Some(id) = after.or(before).map(|e| e.id) else {
        return Ok(());
    };
    let record = Record {
        table: "dishonest_entries",
        id,
    };
    change(
        db,
        LISTING_DAILY,
        &LISTING_FIGURES,
        record,
        before.map(entry),
        after.map(entry),
    )
    .await
}

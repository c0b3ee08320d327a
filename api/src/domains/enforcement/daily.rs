//! Pre-aggregated KPIs: the additive figures of the cases filed, the measures taken and the
//! listings made per region, court and day (`case_daily`, `measure_daily`, `listing_daily`).
//! Every write to a case, a measure or a list entry adds its change to these rows in its own
//! transaction (an upsert of the difference, so concurrent writers add up correctly); the seed
//! rebuilds them from the records. `kpis.rs` sums them; `drift` compares them with the records,
//! which the tests check after every kind of write. No GraphQL here.

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

/// Adds `figures` (differences, may be negative) to the row of `key`, creating it if needed.
async fn add(
    db: &impl ConnectionTrait,
    table: &str,
    columns: &[&str],
    key: &Key,
    figures: &[i64],
) -> AppResult<()> {
    if figures.iter().all(|f| *f == 0) {
        return Ok(());
    }
    let t = Alias::new(table);
    let mut insert = Query::insert();
    insert.into_table(t.clone()).columns(
        ["region_code", "court_id", "day"]
            .iter()
            .chain(columns)
            .map(|c| Alias::new(*c)),
    );
    let mut values: Vec<Expr> = vec![
        Expr::val(key.region_code.clone()),
        Expr::val(key.court_id),
        Expr::val(key.day),
    ];
    values.extend(figures.iter().map(|f| Expr::val(*f)));
    insert.values_panic(values);
    let mut on_conflict = OnConflict::columns([
        Alias::new("region_code"),
        Alias::new("day"),
        Alias::new("court_id"),
    ]);
    on_conflict.values(columns.iter().map(|c| {
        (
            Alias::new(*c),
            Expr::col((t.clone(), Alias::new(*c))).add(Expr::col((Alias::new("excluded"), Alias::new(*c)))),
        )
    }));
    insert.on_conflict(on_conflict);
    db.execute(&insert).await?;
    Ok(())
}

/// Applies a change from `before` to `after` (either absent for an insert or a delete).
async fn change<const N: usize>(
    db: &impl ConnectionTrait,
    table: &str,
    columns: &[&str; N],
    before: Option<(Key, [i64; N])>,
    after: Option<(Key, [i64; N])>,
) -> AppResult<()> {
    match (before, after) {
        (Some((kb, fb)), Some((ka, fa))) if kb == ka => {
            let diff: Vec<i64> = fa.iter().zip(fb).map(|(a, b)| a - b).collect();
            add(db, table, columns, &ka, &diff).await
        }
        (before, after) => {
            if let Some((k, f)) = before {
                add(db, table, columns, &k, &f.map(|x| -x)).await?;
            }
            if let Some((k, f)) = after {
                add(db, table, columns, &k, &f).await?;
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
    let entry = |m: &case::Model| (case_key(m), case_figures(m));
    change(db, CASE_DAILY, &CASE_FIGURES, before.map(entry), after.map(entry)).await
}

/// A measure was taken on a case, in the same transaction.
pub async fn measure_added(db: &impl ConnectionTrait, m: &measure::Model, of: &case::Model) -> AppResult<()> {
    let key = Key {
        day: m.taken_on,
        ..case_key(of)
    };
    change(
        db,
        MEASURE_DAILY,
        &MEASURE_FIGURES,
        None,
        Some((key, measure_figures(m))),
    )
    .await
}

/// A list entry was made (`before` None) or changed, in the same transaction. An entry
/// carries its case's region and court.
pub async fn listing_changed(
    db: &impl ConnectionTrait,
    before: Option<&dishonest_entry::Model>,
    after: Option<&dishonest_entry::Model>,
) -> AppResult<()> {
    let entry = |e: &dishonest_entry::Model| {
        (
            Key {
                region_code: e.region_code.clone(),
                court_id: e.court_id,
                day: e.listed_on,
            },
            listing_figures(e),
        )
    };
    change(
        db,
        LISTING_DAILY,
        &LISTING_FIGURES,
        before.map(entry),
        after.map(entry),
    )
    .await
}

//! Grouped aggregates for BI (分组汇总): a domain describes a dataset once (its table, the
//! keys it can be grouped by, its time columns, its measures and rates) and this engine
//! answers any grouping of it with one GROUP BY statement, whatever the number of groups:
//!
//! - the database groups by the records' own region code, the requested keys and the time
//!   bucket (`period.rs`); regions are then rolled up to the requested level of the hierarchy
//!   from the in-memory directory, so a case in a county counts for its city and province;
//! - additive parts (counts, sums, minima, maxima, sums and counts behind averages) fold
//!   exactly, and rates are computed from the folded parts with the domain's own formulas;
//! - time series are zero-filled over the requested range;
//! - disclosure control (`disclosure.rs`, `cellkey.rs`) protects every count and magnitude
//!   for callers who may not read records: the statement then also sums the records' keys
//!   (and the squares of magnitudes) of each measure's cell, in the same pass.
//!
//! No GraphQL here: each domain's `types` map the rows to typed objects.

pub mod cellkey;
pub mod disclosure;
pub mod graphql;
pub mod period;
pub mod tally;

use chrono::NaiveDate;
use entity::region::RegionLevel;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{Condition, ConnectionTrait, QueryResult};
use std::collections::BTreeMap;

use crate::error::{AppError, AppResult};
use crate::region::directory::RegionDirectory;
pub use period::{Granularity, TimeKind, Zone};

/// How a measure is computed per group.
pub enum Agg {
    /// Records in the group.
    Count,
    /// Records meeting a condition.
    CountWhere(Condition),
    Sum(SimpleExpr),
    Min(SimpleExpr),
    Max(SimpleExpr),
    /// The mean of the non-null values (kept as their sum and count, so that groups fold).
    Avg(SimpleExpr),
}

/// What a measure's number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    /// Money in fen.
    Fen,
    /// A plain number (years, people, households).
    Number,
    /// Millionths of a decimal value (observations stored as decimal text, summed exactly).
    Micro,
}

/// The SQL of a decimal-text column in millionths, exact on PostgreSQL (NUMERIC) and for
/// values within 2^53 millionths on SQLite (REAL).
pub fn micro(column: &str) -> SimpleExpr {
    Expr::cust(format!(
        "CAST(ROUND(CAST({column} AS NUMERIC) * 1000000) AS BIGINT)"
    ))
}

/// A measure of a dataset.
pub struct Measure {
    pub name: &'static str,
    pub zh: &'static str,
    pub unit: Unit,
    pub agg: Agg,
}

/// A rate of a dataset: `numerator / denominator` over the folded measures, as the KPIs compute it.
pub struct Rate {
    pub name: &'static str,
    pub zh: &'static str,
    pub numerator: &'static str,
    pub denominator: &'static str,
}

/// A key a dataset can be grouped by (besides region and time).
pub struct Dimension {
    pub name: &'static str,
    pub zh: &'static str,
    /// The key's SQL (read back as text).
    pub expr: SimpleExpr,
}

/// A time column a dataset can be bucketed and windowed by.
pub struct TimeField {
    pub name: &'static str,
    pub zh: &'static str,
    /// The column's SQL (`table.column`), trusted text.
    pub column: &'static str,
    pub kind: TimeKind,
}

/// A dataset: what one domain table can be aggregated by. The first measure counts records.
pub struct Dataset {
    pub name: &'static str,
    pub zh: &'static str,
    pub table: &'static str,
    /// The region-code column, qualified.
    pub region_column: &'static str,
    pub dimensions: Vec<Dimension>,
    pub times: Vec<TimeField>,
    pub measures: Vec<Measure>,
    pub rates: Vec<Rate>,
}

impl Dataset {
    fn measure_index(&self, name: &str) -> Option<usize> {
        self.measures.iter().position(|m| m.name == name)
    }
}

/// A key of a request's grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// The region at a level of the hierarchy.
    Region(RegionLevel),
    /// The dimension at this index of `Dataset::dimensions`.
    Dimension(usize),
    /// The time bucket of the request's period.
    Period,
}

/// The time window and bucketing of a request.
#[derive(Debug, Clone)]
pub struct PeriodSpec {
    /// Index into `Dataset::times`.
    pub field: usize,
    pub granularity: Granularity,
    pub zone: Zone,
    /// Local dates, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// A comparison in `having`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Ne,
}

/// A condition on a group's measure or rate.
#[derive(Debug, Clone)]
pub struct Having {
    pub measure: &'static str,
    pub comparison: Comparison,
    pub value: f64,
}

/// One request for a grouped aggregate.
#[derive(Debug)]
pub struct Request {
    /// The caller's scope and every filter that only restricts regions.
    pub base: Condition,
    /// The other filters (categories, statuses, ...).
    pub narrowing: Option<Condition>,
    pub group_by: Vec<Key>,
    pub period: Option<PeriodSpec>,
    pub having: Vec<Having>,
    /// A measure or rate to sort by (descending when the flag is set); by keys otherwise.
    pub order_by: Option<(&'static str, bool)>,
    pub first: Option<usize>,
    /// Protect every value by the cell key method (callers who may not read records).
    pub protect: Option<std::sync::Arc<cellkey::CellKeyMethod>>,
}

/// A measure's folded parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Acc {
    Sum(i64),
    Min(Option<i64>),
    Max(Option<i64>),
    Avg { sum: i64, n: i64 },
}

impl Acc {
    fn fold(&mut self, other: Acc) {
        match (self, other) {
            (Acc::Sum(a), Acc::Sum(b)) => *a += b,
            (Acc::Min(a), Acc::Min(b)) => *a = min_opt(*a, b),
            (Acc::Max(a), Acc::Max(b)) => *a = Ord::max(*a, b),
            (Acc::Avg { sum, n }, Acc::Avg { sum: s, n: m }) => {
                *sum += s;
                *n += m;
            }
            _ => {}
        }
    }

    fn zero(agg: &Agg) -> Acc {
        match agg {
            Agg::Count | Agg::CountWhere(_) | Agg::Sum(_) => Acc::Sum(0),
            Agg::Min(_) => Acc::Min(None),
            Agg::Max(_) => Acc::Max(None),
            Agg::Avg(_) => Acc::Avg { sum: 0, n: 0 },
        }
    }

    /// The measure's value: integers exact, an average as a float.
    pub fn value(self) -> Option<f64> {
        match self {
            Acc::Sum(v) => Some(v as f64),
            Acc::Min(v) | Acc::Max(v) => v.map(|v| v as f64),
            Acc::Avg { sum, n } => crate::figures::ratio(sum, n),
        }
    }

    /// An integer measure (count, sum, minimum, maximum).
    pub fn integer(self) -> Option<i64> {
        match self {
            Acc::Sum(v) => Some(v),
            Acc::Min(v) | Acc::Max(v) => v,
            Acc::Avg { .. } => None,
        }
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Ord::min(a, b)),
        (a, b) => a.or(b),
    }
}

/// One group: its keys (in the order of the request's `group_by`; a period key is its
/// bucket's first day), its measures (in the dataset's order, protected when the request
/// asked for it), which of them are withheld, and whether the dominance rule withheld any.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub keys: Vec<Option<String>>,
    pub values: Vec<Acc>,
    pub withheld: Vec<bool>,
    pub suppressed: bool,
}

/// The answer to a request.
pub struct Table<'d> {
    pub dataset: &'d Dataset,
    pub group_by: Vec<Key>,
    pub granularity: Option<Granularity>,
    pub rows: Vec<Row>,
    /// Rows before `first` cut the list.
    pub total_rows: usize,
}

impl Table<'_> {
    /// A measure of a row, None when withheld or undefined.
    pub fn measure(&self, row: &Row, name: &str) -> Option<Acc> {
        let i = self.dataset.measure_index(name)?;
        if row.withheld.get(i).copied().unwrap_or(false) {
            return None;
        }
        Some(row.values[i])
    }

    /// A measure or rate as a number, None when withheld or undefined.
    pub fn number(&self, row: &Row, name: &str) -> Option<f64> {
        if let Some(rate) = self.dataset.rates.iter().find(|r| r.name == name) {
            let n = self.measure(row, rate.numerator)?.integer()?;
            let d = self.measure(row, rate.denominator)?.integer()?;
            return crate::figures::ratio(n, d);
        }
        self.measure(row, name)?.value()
    }

    /// The key `key` of a row.
    pub fn key(&self, row: &Row, key: Key) -> Option<String> {
        let i = self.group_by.iter().position(|k| *k == key)?;
        row.keys[i].clone()
    }

    /// The key of the dimension named `name`.
    pub fn dimension(&self, row: &Row, name: &str) -> Option<String> {
        let i = self.dataset.dimensions.iter().position(|d| d.name == name)?;
        self.key(row, Key::Dimension(i))
    }

    /// The region key, whatever its level.
    pub fn region(&self, row: &Row) -> Option<String> {
        let i = self.group_by.iter().position(|k| matches!(k, Key::Region(_)))?;
        row.keys[i].clone()
    }

    /// The period bucket's first day.
    pub fn period(&self, row: &Row) -> Option<NaiveDate> {
        self.key(row, Key::Period)?.parse().ok()
    }
}

/// The names a measure or rate of `dataset` may be given by.
pub fn check_measure(dataset: &Dataset, name: &str, field: &str) -> AppResult<()> {
    if dataset.measure_index(name).is_some() || dataset.rates.iter().any(|r| r.name == name) {
        Ok(())
    } else {
        Err(AppError::bad_input(
            field,
            format!("{name} is not a measure of {}", dataset.name),
        ))
    }
}

use tally::bigint;

fn measure_exprs(m: &Measure) -> Vec<SimpleExpr> {
    let zero = || Expr::val(0i64);
    let coalesce = |e: SimpleExpr| -> SimpleExpr { Func::coalesce([e, zero()]).into() };
    match &m.agg {
        Agg::Count => vec![Expr::cust("CAST(COUNT(*) AS BIGINT)")],
        // INTEGER ones and zeros: PostgreSQL sums them into a BIGINT on its fast path (a
        // BIGINT sum accumulates in 128 bits).
        Agg::CountWhere(cond) => vec![bigint(coalesce(
            Func::sum(Expr::case(cond.clone(), Expr::val(1i32)).finally(Expr::val(0i32))).into(),
        ))],
        Agg::Sum(e) => vec![bigint(coalesce(Func::sum(e.clone()).into()))],
        Agg::Min(e) => vec![bigint(Func::min(e.clone()))],
        Agg::Max(e) => vec![bigint(Func::max(e.clone()))],
        Agg::Avg(e) => vec![
            bigint(coalesce(Func::sum(e.clone()).into())),
            bigint(Func::count(e.clone())),
        ],
    }
}

/// The SQL of a measure's cell key and sum of squares (`None` for a minimum or maximum,
/// which protection withholds).
fn part_exprs(dataset: &Dataset, m: &Measure) -> Option<(SimpleExpr, Option<SimpleExpr>)> {
    match &m.agg {
        Agg::Count => Some((tally::key_sum(dataset.table), None)),
        Agg::CountWhere(cond) => Some((tally::key_sum_where(dataset.table, cond.clone()), None)),
        Agg::Sum(e) | Agg::Avg(e) => Some((
            tally::key_sum_where(dataset.table, Condition::all().add(e.clone().is_not_null())),
            Some(tally::squares(e.clone())),
        )),
        Agg::Min(_) | Agg::Max(_) => None,
    }
}

fn read_part(row: &QueryResult, dataset: &Dataset, i: usize) -> AppResult<disclosure::Part> {
    let err = |e: sea_orm::DbErr| {
        AppError::Internal(anyhow::anyhow!(
            "reading the cell of {}: {e}",
            dataset.measures[i].name
        ))
    };
    let Some((_, squares)) = part_exprs(dataset, &dataset.measures[i]) else {
        return Ok(disclosure::Part::default());
    };
    Ok(disclosure::Part {
        key: row.try_get("", &format!("c{i}")).map_err(err)?,
        squares: match squares {
            Some(_) => row.try_get("", &format!("s{i}")).map_err(err)?,
            None => 0.0,
        },
    })
}

fn read_acc(row: &QueryResult, m: &Measure, i: usize) -> AppResult<Acc> {
    let col = |j: usize| format!("m{i}_{j}");
    let err = |e: sea_orm::DbErr| AppError::Internal(anyhow::anyhow!("reading measure {}: {e}", m.name));
    Ok(match &m.agg {
        Agg::Count | Agg::CountWhere(_) | Agg::Sum(_) => Acc::Sum(row.try_get("", &col(0)).map_err(err)?),
        Agg::Min(_) => Acc::Min(row.try_get("", &col(0)).map_err(err)?),
        Agg::Max(_) => Acc::Max(row.try_get("", &col(0)).map_err(err)?),
        Agg::Avg(_) => Acc::Avg {
            sum: row.try_get("", &col(0)).map_err(err)?,
            n: row.try_get("", &col(1)).map_err(err)?,
        },
    })
}

/// A group's folded measures and, when protected, their cells' parts.
struct Group {
    values: Vec<Acc>,
    parts: Vec<disclosure::Part>,
}

/// Runs one grouped statement: rows keyed by the records' own region (when grouped by region),
/// the dimensions and the bucket, already folded to the request's keys.
async fn grouped(
    db: &impl ConnectionTrait,
    dataset: &Dataset,
    request: &Request,
    cond: Condition,
    regions: &RegionDirectory,
) -> AppResult<BTreeMap<Vec<Option<String>>, Group>> {
    let protect = request.protect.is_some();
    let mut q = Query::select();
    let mut columns = 0;
    for key in &request.group_by {
        let e: SimpleExpr = match key {
            Key::Region(_) => Expr::cust(dataset.region_column),
            // Read back as text, integer or date (`read_key`): casting every row to text in
            // the database cost a third of the statement's time over a million rows.
            Key::Dimension(i) => dataset.dimensions[*i].expr.clone(),
            Key::Period => {
                let p = request
                    .period
                    .as_ref()
                    .ok_or_else(|| AppError::bad_input("groupBy", "grouping by PERIOD needs a period"))?;
                let t = &dataset.times[p.field];
                period::bucket_sql(db.get_database_backend(), t.column, t.kind, p.granularity, p.zone)?
            }
        };
        q.expr_as(e, Alias::new(format!("k{columns}")));
        columns += 1;
    }
    for (i, m) in dataset.measures.iter().enumerate() {
        for (j, e) in measure_exprs(m).into_iter().enumerate() {
            q.expr_as(e, Alias::new(format!("m{i}_{j}")));
        }
        if protect && let Some((key, squares)) = part_exprs(dataset, m) {
            q.expr_as(key, Alias::new(format!("c{i}")));
            if let Some(s) = squares {
                q.expr_as(s, Alias::new(format!("s{i}")));
            }
        }
    }
    q.from(Alias::new(dataset.table)).cond_where(cond);
    for i in 1..=columns {
        // By position: the bucket expression is long, and both databases group by ordinals.
        q.add_group_by([Expr::cust(i.to_string())]);
    }
    let mut folded: BTreeMap<Vec<Option<String>>, Group> = BTreeMap::new();
    let names: Vec<String> = (0..columns).map(|i| format!("k{i}")).collect();
    let mut types: Vec<Option<KeyType>> = vec![None; columns];
    for row in db.query_all(&q).await? {
        let mut keys = Vec::with_capacity(columns);
        for (i, key) in request.group_by.iter().enumerate() {
            let v = read_key(&row, &names[i], &mut types[i])?;
            keys.push(match (key, v) {
                (Key::Region(level), Some(code)) => Some(ancestor_at(regions, &code, *level)),
                (_, v) => v,
            });
        }
        let mut values = Vec::with_capacity(dataset.measures.len());
        let mut parts = Vec::new();
        for (i, m) in dataset.measures.iter().enumerate() {
            values.push(read_acc(&row, m, i)?);
            if protect {
                parts.push(read_part(&row, dataset, i)?);
            }
        }
        match folded.get_mut(&keys) {
            Some(g) => {
                g.values.iter_mut().zip(values).for_each(|(a, v)| a.fold(v));
                g.parts.iter_mut().zip(parts).for_each(|(a, p)| a.fold(p));
            }
            None => {
                folded.insert(keys, Group { values, parts });
            }
        }
    }
    Ok(folded)
}

/// The SQL type a key column comes back as.
#[derive(Clone, Copy)]
enum KeyType {
    Text,
    BigInt,
    Int,
    Date,
}

/// A key column as text, whatever its SQL type (text, integer, date): the type is found on
/// the first row and kept in `known` for the others.
fn read_key(row: &QueryResult, column: &str, known: &mut Option<KeyType>) -> AppResult<Option<String>> {
    let read = |t: KeyType| -> Result<Option<String>, sea_orm::DbErr> {
        Ok(match t {
            KeyType::Text => row.try_get::<Option<String>>("", column)?,
            KeyType::BigInt => row.try_get::<Option<i64>>("", column)?.map(|v| v.to_string()),
            KeyType::Int => row.try_get::<Option<i32>>("", column)?.map(|v| v.to_string()),
            KeyType::Date => row
                .try_get::<Option<NaiveDate>>("", column)?
                .map(|d| d.to_string()),
        })
    };
    if let Some(t) = *known {
        return read(t).map_err(|e| AppError::Internal(anyhow::anyhow!("reading key {column}: {e}")));
    }
    let mut last = None;
    for t in [KeyType::Text, KeyType::BigInt, KeyType::Int, KeyType::Date] {
        match read(t) {
            Ok(v) => {
                // A null decodes as any type: only a value tells the column's type.
                if v.is_some() {
                    *known = Some(t);
                }
                return Ok(v);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "reading key {column}: {last:?}"
    )))
}

/// The region at `level` that `code` lies in; `code` itself when it is at or above `level`
/// (a city court's case counts under the city when grouping by county) or unknown.
pub fn ancestor_at(regions: &RegionDirectory, code: &str, level: RegionLevel) -> String {
    let rank = |l: RegionLevel| match l {
        RegionLevel::Province => 0,
        RegionLevel::City => 1,
        RegionLevel::County => 2,
        RegionLevel::Town => 3,
        RegionLevel::Village => 4,
    };
    let mut current = regions.get(code);
    while let Some(r) = current {
        if rank(r.level) <= rank(level) {
            return r.code.clone();
        }
        current = r.parent_code.as_deref().and_then(|p| regions.get(p));
    }
    code.to_owned()
}

/// The time window of a request as a condition on its time column.
fn window(db: &impl ConnectionTrait, dataset: &Dataset, p: &PeriodSpec) -> AppResult<Condition> {
    let t = &dataset.times[p.field];
    let mut cond = Condition::all();
    if p.from.is_none() && p.to.is_none() {
        return Ok(cond);
    }
    // The local date of each record, as the day bucket computes it.
    let day = period::bucket_sql(
        db.get_database_backend(),
        t.column,
        t.kind,
        Granularity::Day,
        p.zone,
    )?;
    if let Some(from) = p.from {
        cond = cond.add(Expr::expr(day.clone()).gte(from));
    }
    if let Some(to) = p.to {
        cond = cond.add(Expr::expr(day).lte(to));
    }
    Ok(cond)
}

/// Answers `request` over `dataset`.
pub async fn aggregate<'d>(
    db: &impl ConnectionTrait,
    dataset: &'d Dataset,
    regions: &RegionDirectory,
    request: Request,
) -> AppResult<Table<'d>> {
    if let Some(p) = &request.period
        && let (Some(from), Some(to)) = (p.from, p.to)
        && from > to
    {
        return Err(AppError::bad_input(
            "period.to",
            "the period ends before it starts",
        ));
    }
    for h in &request.having {
        check_measure(dataset, h.measure, "having.measure")?;
    }
    if let Some((m, _)) = request.order_by {
        check_measure(dataset, m, "orderBy.measure")?;
    }
    let key_name = |k: &Key| match k {
        Key::Region(_) => "region",
        Key::Dimension(i) => dataset.dimensions[*i].name,
        Key::Period => "period",
    };
    for (i, k) in request.group_by.iter().enumerate() {
        // Two region keys are one key, whatever their levels.
        if request.group_by[..i].iter().any(|e| key_name(e) == key_name(k)) {
            return Err(AppError::bad_input(
                "groupBy",
                format!("{} is grouped by twice", key_name(k)),
            ));
        }
    }
    let mut base = request.base.clone();
    if let Some(p) = &request.period {
        base = base.add(window(db, dataset, p)?);
    }
    let narrowed = match &request.narrowing {
        Some(n) => base.add(n.clone()),
        None => base,
    };
    let mut folded = grouped(db, dataset, &request, narrowed, regions).await?;
    let granularity = request.period.as_ref().map(|p| p.granularity);
    if let Some(p) = &request.period
        && let Some(at) = request.group_by.iter().position(|k| *k == Key::Period)
    {
        zero_fill(dataset, p, at, request.group_by.len(), &mut folded)?;
    }
    let mut rows: Vec<Row> = folded
        .into_iter()
        .map(|(keys, mut g)| {
            let (withheld, suppressed) = match &request.protect {
                Some(method) => disclosure::protect(method, dataset, &mut g.values, &g.parts),
                None => (vec![false; g.values.len()], false),
            };
            Row {
                keys,
                values: g.values,
                withheld,
                suppressed,
            }
        })
        .collect();
    let table = Table {
        dataset,
        group_by: request.group_by.clone(),
        granularity,
        rows: Vec::new(),
        total_rows: 0,
    };
    if !request.having.is_empty() {
        // Withheld groups cannot be tested: they are left out whatever their values.
        rows.retain(|r| {
            request.having.iter().all(|h| {
                table.number(r, h.measure).is_some_and(|v| match h.comparison {
                    Comparison::Gt => v > h.value,
                    Comparison::Gte => v >= h.value,
                    Comparison::Lt => v < h.value,
                    Comparison::Lte => v <= h.value,
                    Comparison::Eq => v == h.value,
                    Comparison::Ne => v != h.value,
                })
            })
        });
    }
    if let Some((m, descending)) = request.order_by {
        // Withheld and undefined values last, then by keys (stable).
        rows.sort_by(|a, b| {
            let (x, y) = (table.number(a, m), table.number(b, m));
            match (x, y) {
                (Some(x), Some(y)) => {
                    let o = x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal);
                    if descending { o.reverse() } else { o }
                }
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
        });
    }
    let total_rows = rows.len();
    if let Some(n) = request.first {
        rows.truncate(n);
    }
    Ok(Table {
        rows,
        total_rows,
        ..table
    })
}

/// Adds a zero row for every bucket of the range missing from each series (the rows that
/// agree on every other key).
fn zero_fill(
    dataset: &Dataset,
    p: &PeriodSpec,
    at: usize,
    keys: usize,
    folded: &mut BTreeMap<Vec<Option<String>>, Group>,
) -> AppResult<()> {
    let starts: Vec<NaiveDate> = folded
        .keys()
        .filter_map(|k| k[at].as_deref()?.parse().ok())
        .collect();
    let from = p.from.or_else(|| starts.iter().min().copied());
    let to = p.to.or_else(|| starts.iter().max().copied());
    let (Some(from), Some(to)) = (from, to) else {
        return Ok(());
    };
    let buckets = p.granularity.buckets(from, to)?;
    let mut series: std::collections::BTreeSet<Vec<Option<String>>> = folded
        .keys()
        .map(|k| {
            let mut s = k.clone();
            s[at] = None;
            s
        })
        .collect();
    if series.is_empty() && keys == 1 {
        // No records at all: a series of zeros when the period is the only key.
        series.insert(vec![None]);
    }
    let zero: Vec<Acc> = dataset.measures.iter().map(|m| Acc::zero(&m.agg)).collect();
    let parts = folded.values().next().map_or(0, |g| g.parts.len());
    for s in series {
        for b in &buckets {
            let mut k = s.clone();
            k[at] = Some(b.to_string());
            folded.entry(k).or_insert_with(|| Group {
                values: zero.clone(),
                parts: vec![disclosure::Part::default(); parts],
            });
        }
    }
    Ok(())
}

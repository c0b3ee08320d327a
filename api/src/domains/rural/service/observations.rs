//! Observations (观测值): one value per indicator, region and period, stored in the
//! indicator's canonical unit; writes one at a time (`upsert`, versioned) or a whole file at
//! once (`import`: every row checked before any is written, then written in batches).

use chrono::NaiveDate;
use entity::rural::indicator;
use entity::rural::observation;
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;

use super::Period;
use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::region::service::{self as regions, Subtree, in_region};
use crate::stated::{Interval, Qualifier, stored_end};
use crate::units::{self, Unit};
use crate::validate;
use crate::write::{Change, Who, check_version, record_uuid, unique_to_conflict};

/// Places a value converted into the canonical unit is kept to when the conversion does not
/// terminate.
pub const STORED_PLACES: u32 = 6;

/// One observation as written by a client or a file row.
#[derive(Debug, Clone)]
pub struct ObservationInput {
    pub indicator: String,
    pub region_code: String,
    pub period: String,
    pub value: String,
    /// The unit `value` is in; the indicator's canonical unit when absent.
    pub unit: Option<String>,
    /// How the value is stated (不足, 以上, 多/余, 约, 近); exact by default.
    pub qualifier: Qualifier,
    pub source: String,
}

/// An input checked and resolved: the indicator, region, period and the canonical value.
struct Resolved {
    indicator: indicator::Model,
    region_code: String,
    period: Period,
    value: Decimal,
    qualifier: Qualifier,
    /// What the value admits, in the canonical unit.
    interval: Interval,
    source: String,
}

impl Resolved {
    /// The stored form of the qualifier and interval.
    fn stated(&self) -> Stated {
        let (lower, lower_closed) = stored_end(self.interval.lower);
        let (upper, upper_closed) = stored_end(self.interval.upper);
        Stated {
            qualifier: self.qualifier.as_str().to_owned(),
            lower,
            lower_closed,
            upper,
            upper_closed,
        }
    }
}

/// An observation's qualifier and interval as its columns hold them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stated {
    pub qualifier: String,
    pub lower: Option<String>,
    pub lower_closed: bool,
    pub upper: Option<String>,
    pub upper_closed: bool,
}

impl Stated {
    fn of(m: &observation::Model) -> Self {
        Stated {
            qualifier: m.qualifier.clone(),
            lower: m.lower.clone(),
            lower_closed: m.lower_closed,
            upper: m.upper.clone(),
            upper_closed: m.upper_closed,
        }
    }
}

/// The interval an observation admits: an exact one its value alone, a bound or an
/// approximation what its qualifier allows (`stated`); `None` when a stored number does not
/// parse.
pub fn interval_of(m: &observation::Model) -> Option<Interval> {
    if m.qualifier == Qualifier::Exact.as_str() {
        return Some(Interval::point(m.value.parse().ok()?));
    }
    crate::stated::of_stored(
        &m.qualifier,
        &m.value,
        (m.lower.as_deref(), m.lower_closed),
        (m.upper.as_deref(), m.upper_closed),
    )
}

/// The interval `value` stated with `qualifier` in `given` admits, in `canonical`: each end
/// converted, the lower rounded down and the upper up where the conversion does not
/// terminate.
pub fn interval_in(
    qualifier: Qualifier,
    value: Decimal,
    given: Unit,
    canonical: Unit,
) -> AppResult<Interval> {
    use rust_decimal::RoundingStrategy::{ToNegativeInfinity, ToPositiveInfinity};
    let stated = match qualifier {
        Qualifier::Exact => Interval::point(value),
        q => Interval::stated(q, value),
    };
    let end = |v, strategy| {
        units::convert_rounding("value", v, given, canonical, STORED_PLACES, strategy)
            .ok()
            .map(|c| c.value)
    };
    let converted = stated.map_ends(|v| end(v, ToNegativeInfinity), |v| end(v, ToPositiveInfinity));
    // An end the conversion could not give (an overflow) would silently widen the interval.
    if converted.lower.is_some() != stated.lower.is_some() || converted.upper.is_some() != stated.upper.is_some() {
        return Err(AppError::bad_input("value", "the value is too large to convert"));
    }
    Ok(converted)
}

/// The indicators and regions rows name, each looked up once however many rows name it
/// (an import of a large file repeats the same few codes).
#[derive(Default)]
struct Lookup {
    indicators: HashMap<String, indicator::Model>,
    regions: HashMap<String, String>,
}

async fn resolve(
    db: &impl ConnectionTrait,
    scope: &Scope,
    i: &ObservationInput,
    seen: &mut Lookup,
) -> AppResult<Resolved> {
    let indicator = match seen.indicators.get(i.indicator.trim()) {
        Some(ind) => ind.clone(),
        None => {
            let ind = super::indicators::require(db, &i.indicator, "indicator").await?;
            seen.indicators.insert(ind.code.clone(), ind.clone());
            ind
        }
    };
    let region_code = match seen.regions.get(i.region_code.trim()) {
        Some(code) => code.clone(),
        None => {
            let code = regions::require_in_reach(db, &i.region_code, scope, "regionCode")
                .await?
                .code;
            seen.regions.insert(code.clone(), code.clone());
            code
        }
    };
    let period = Period::parse("period", &i.period)?;
    let value = units::decimal("value", &i.value)?;
    let canonical = units::unit("unit", &indicator.unit)?;
    let given: Unit = match &i.unit {
        Some(u) if !u.trim().is_empty() => units::unit("unit", u)?,
        _ => canonical,
    };
    let converted = units::convert("unit", value, given, canonical, STORED_PLACES)?.value;
    let interval = interval_in(i.qualifier, value, given, canonical)?;
    let value = converted;
    let source = validate::text("source", &i.source, 1, 256)?;
    Ok(Resolved {
        indicator,
        region_code,
        period,
        value,
        qualifier: i.qualifier,
        interval,
        source,
    })
}

async fn existing(db: &impl ConnectionTrait, r: &Resolved) -> AppResult<Option<observation::Model>> {
    Ok(observation::Entity::find()
        .filter(observation::Column::IndicatorId.eq(r.indicator.id))
        .filter(observation::Column::RegionCode.eq(r.region_code.clone()))
        .filter(observation::Column::Period.eq(r.period.key.clone()))
        .one(db)
        .await?)
}

async fn insert(
    db: &impl ConnectionTrait,
    who: &Who<'_>,
    operation: &str,
    r: Resolved,
    uuid: String,
) -> AppResult<observation::Model> {
    let stated = r.stated();
    let model = observation::ActiveModel {
        uuid: Set(uuid),
        qualifier: Set(stated.qualifier),
        lower: Set(stated.lower),
        lower_closed: Set(stated.lower_closed),
        upper: Set(stated.upper),
        upper_closed: Set(stated.upper_closed),
        indicator_id: Set(r.indicator.id),
        region_code: Set(r.region_code),
        period: Set(r.period.key),
        period_start: Set(r.period.start),
        period_end: Set(r.period.end),
        value: Set(r.value.normalize().to_string()),
        source: Set(r.source),
        version: Set(1),
        created_at: Set(who.at),
        updated_at: Set(who.at),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(unique_to_conflict(
        "this indicator, region and period has a value already; update it with expectedVersion",
    ))?;
    who.created(db, operation, &model, &model.region_code).await?;
    Ok(model)
}

async fn update(
    db: &impl ConnectionTrait,
    who: &Who<'_>,
    operation: &str,
    current: observation::Model,
    r: Resolved,
) -> AppResult<observation::Model> {
    let mut active: observation::ActiveModel = current.clone().into();
    let stated = r.stated();
    active.value = Set(r.value.normalize().to_string());
    active.qualifier = Set(stated.qualifier);
    active.lower = Set(stated.lower);
    active.lower_closed = Set(stated.lower_closed);
    active.upper = Set(stated.upper);
    active.upper_closed = Set(stated.upper_closed);
    active.source = Set(r.source);
    let updated = who
        .update::<observation::Entity>(db, active, &current, "the observation")
        .await?;
    who.updated(db, operation, &current, &updated, &updated.region_code)
        .await?;
    Ok(updated)
}

/// Writes one observation: creates it, or, when the key has a value already, updates it if
/// `expected_version` is its version (CONFLICT otherwise, and without one).
pub async fn upsert(
    db: &DatabaseConnection,
    who: &Who<'_>,
    input: ObservationInput,
    expected_version: Option<i32>,
    uuid: Option<String>,
) -> AppResult<observation::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let txn = crate::store::begin_write(db).await?;
    let r = resolve(&txn, who.scope, &input, &mut Lookup::default()).await?;
    let model = match (existing(&txn, &r).await?, expected_version) {
        (Some(current), Some(v)) => {
            check_version("the observation", &current, v)?;
            update(&txn, who, "upsertObservation", current, r).await?
        }
        (Some(current), None) => {
            return Err(AppError::Conflict(format!(
                "{} of {} for {} is recorded already (version {}); pass expectedVersion to replace it",
                r.indicator.code, r.region_code, r.period.key, current.version
            )));
        }
        (None, Some(_)) => {
            return Err(AppError::Conflict(
                "there is no such observation to update; create it without expectedVersion".into(),
            ));
        }
        (None, None) => insert(&txn, who, "upsertObservation", r, uuid).await?,
    };
    txn.commit().await?;
    Ok(model)
}

pub use crate::file_import::{ImportFailure, Imported, RowError};

/// Rows written per transaction. Other writers wait at most for about one batch (on
/// SQLite they queue in order with the import's next batch, `store::begin_write`): its
/// statements do not grow with its rows (one read of the keys, one upsert, one audit insert,
/// the change log's two and the outbox's), and `docs/benchmarks.md` has how long one takes.
pub const IMPORT_BATCH_ROWS: usize = 500;

/// A checked row and what it will write.
struct Row {
    line: usize,
    r: Resolved,
}

/// Imports rows (line number, input). Every row is checked first, with reads only, and any
/// bad row refuses the whole file with every bad row reported (a key twice in the file is
/// a bad row). The rows are then written `IMPORT_BATCH_ROWS` to a transaction: a key with
/// a value is replaced (versioned and audited), a key already holding the row's value and
/// source is left alone. A batch that fails leaves the batches before it written.
pub async fn import(
    db: &DatabaseConnection,
    who: &Who<'_>,
    rows: Vec<(usize, ObservationInput)>,
) -> Result<Imported, ImportFailure> {
    let interrupted = |error| ImportFailure::Interrupted {
        done: Imported::default(),
        error,
    };
    let started = std::time::Instant::now();
    let checked = check_rows(db, who.scope, &rows).await.map_err(interrupted)?;
    let checked = checked.map_err(ImportFailure::Rows)?;
    tracing::debug!(
        rows = rows.len(),
        ms = started.elapsed().as_millis() as u64,
        "import rows checked"
    );
    let mut done = Imported::default();
    let mut batches = checked.into_iter().peekable();
    let mut index = 0usize;
    while batches.peek().is_some() {
        let batch: Vec<Row> = batches.by_ref().take(IMPORT_BATCH_ROWS).collect();
        let started = std::time::Instant::now();
        let written = write_batch(db, who, batch).await;
        tracing::debug!(
            batch = index,
            ms = started.elapsed().as_millis() as u64,
            "import batch written"
        );
        index += 1;
        match written {
            Ok(d) => {
                done.created += d.created;
                done.updated += d.updated;
                done.unchanged += d.unchanged;
            }
            Err(error) => return Err(ImportFailure::Interrupted { done, error }),
        }
    }
    Ok(done)
}

/// Checks and resolves every row, each indicator and region code looked up once, found or
/// not (a file of 100,000 rows naming a missing code does not query it 100,000 times).
async fn check_rows(
    db: &DatabaseConnection,
    scope: &Scope,
    rows: &[(usize, ObservationInput)],
) -> AppResult<Result<Vec<Row>, Vec<RowError>>> {
    let mut errors = Vec::new();
    let mut checked = Vec::with_capacity(rows.len());
    let mut seen: HashMap<(i64, String, String), usize> = HashMap::new();
    let mut lookup = Lookup::default();
    let mut missing: HashMap<(&'static str, String), (String, String)> = HashMap::new();
    for (line, input) in rows {
        let known_bad = [
            ("indicator", input.indicator.trim()),
            ("regionCode", input.region_code.trim()),
        ]
        .into_iter()
        .find_map(|(kind, code)| missing.get(&(kind, code.to_owned())));
        if let Some((field, message)) = known_bad {
            errors.push(RowError {
                line: *line,
                field: field.clone(),
                message: message.clone(),
            });
            continue;
        }
        match resolve(db, scope, input, &mut lookup).await {
            Ok(r) => {
                let key = (r.indicator.id, r.region_code.clone(), r.period.key.clone());
                if let Some(first) = seen.insert(key, *line) {
                    errors.push(RowError {
                        line: *line,
                        field: "period".into(),
                        message: format!("the same indicator, region and period as line {first}"),
                    });
                } else {
                    checked.push(Row { line: *line, r });
                }
            }
            Err(AppError::BadUserInput { field, message }) => {
                let field = field.unwrap_or_default();
                // A code that was not found (or is out of reach) is remembered as such.
                let code = match field.as_str() {
                    "indicator" => Some(("indicator", input.indicator.trim())),
                    "regionCode" => Some(("regionCode", input.region_code.trim())),
                    _ => None,
                };
                if let Some((kind, code)) = code {
                    missing.insert((kind, code.to_owned()), (field.clone(), message.clone()));
                }
                errors.push(RowError {
                    line: *line,
                    field,
                    message,
                });
            }
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(checked))
}

/// The observations already recorded for the keys of `rows`: one statement that looks each
/// key up in the key's unique index, so that a batch costs the same however many
/// observations there are. The keys are a `VALUES` list: SQLite joins it to the index (an
/// `OR` of the keys made it scan the whole table); PostgreSQL, given the same join, hashes
/// the list and scans the whole table while it is small enough to look cheaper than 500
/// probes (tens of thousands of rows, which a large import passes through: its batches
/// grew slower as it went), so there each key is a `LATERAL` lookup with `LIMIT 1` (the
/// key is unique), which the planner cannot turn into a scan.
async fn existing_keys(
    db: &impl ConnectionTrait,
    rows: &[Row],
) -> AppResult<HashMap<(i64, String, String), observation::Model>> {
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let mut values = Vec::with_capacity(rows.len());
    let mut params: Vec<sea_orm::Value> = Vec::with_capacity(rows.len() * 3);
    for row in rows {
        let n = params.len();
        values.push(match backend {
            sea_orm::DbBackend::Postgres => format!("(${}, ${}, ${})", n + 1, n + 2, n + 3),
            _ => "(?, ?, ?)".to_owned(),
        });
        params.push(row.r.indicator.id.into());
        params.push(row.r.region_code.clone().into());
        params.push(row.r.period.key.clone().into());
    }
    let values = values.join(", ");
    let sql = match backend {
        sea_orm::DbBackend::Postgres => format!(
            "SELECT o.* FROM (VALUES {values}) AS k(i, r, p) CROSS JOIN LATERAL \
             (SELECT * FROM rural_observations x WHERE x.indicator_id = k.i \
             AND x.region_code = k.r AND x.period = k.p LIMIT 1) o"
        ),
        _ => format!(
            "WITH k(i, r, p) AS (VALUES {values}) SELECT o.* FROM k JOIN rural_observations o \
             ON o.indicator_id = k.i AND o.region_code = k.r AND o.period = k.p"
        ),
    };
    let statement = sea_orm::Statement::from_sql_and_values(backend, sql, params);
    let mut found = HashMap::with_capacity(rows.len());
    for row in db.query_all_raw(statement).await? {
        let m = observation::Model::from_query_result(&row, "")?;
        found.insert((m.indicator_id, m.region_code.clone(), m.period.clone()), m);
    }
    Ok(found)
}

/// Writes one batch in its own transaction: one read of its keys, one statement that
/// inserts the new keys and replaces the changed ones (each only if the version read is
/// still the version stored, so that a concurrent write is a CONFLICT, not lost), then the
/// audit entries, change-log rows and outbox of all of them together.
async fn write_batch(db: &DatabaseConnection, who: &Who<'_>, batch: Vec<Row>) -> AppResult<Imported> {
    use sea_orm::sea_query::{Alias, ExprTrait, OnConflict, Query};
    let txn = crate::store::begin_write(db).await?;
    let current = existing_keys(&txn, &batch).await?;
    let mut done = Imported::default();
    let mut insert = Query::insert();
    insert.into_table(observation::Entity).columns([
        observation::Column::Uuid,
        observation::Column::IndicatorId,
        observation::Column::RegionCode,
        observation::Column::Period,
        observation::Column::PeriodStart,
        observation::Column::PeriodEnd,
        observation::Column::Value,
        observation::Column::Qualifier,
        observation::Column::Lower,
        observation::Column::LowerClosed,
        observation::Column::Upper,
        observation::Column::UpperClosed,
        observation::Column::Source,
        observation::Column::Version,
        observation::Column::CreatedAt,
        observation::Column::UpdatedAt,
    ]);
    let mut written: Vec<(usize, (i64, String, String))> = Vec::new();
    for Row { line, r } in &batch {
        let key = (r.indicator.id, r.region_code.clone(), r.period.key.clone());
        let value = r.value.normalize().to_string();
        let stated = r.stated();
        let version = match current.get(&key) {
            Some(old) if old.value == value && old.source == r.source && Stated::of(old) == stated => {
                done.unchanged += 1;
                continue;
            }
            Some(old) => old.version + 1,
            None => 1,
        };
        insert.values_panic([
            record_uuid("uuid", None)?.into(),
            r.indicator.id.into(),
            r.region_code.clone().into(),
            r.period.key.clone().into(),
            r.period.start.into(),
            r.period.end.into(),
            value.into(),
            stated.qualifier.into(),
            stated.lower.into(),
            stated.lower_closed.into(),
            stated.upper.into(),
            stated.upper_closed.into(),
            r.source.clone().into(),
            version.into(),
            who.at.into(),
            who.at.into(),
        ]);
        written.push((*line, key));
    }
    if written.is_empty() {
        txn.commit().await?;
        return Ok(done);
    }
    // A key recorded since it was read (or changed since) keeps its row: the update's
    // condition fails and RETURNING leaves it out.
    let excluded = Alias::new("excluded");
    insert
        .on_conflict(
            OnConflict::columns([
                observation::Column::IndicatorId,
                observation::Column::RegionCode,
                observation::Column::Period,
            ])
            .update_columns([
                observation::Column::Value,
                observation::Column::Qualifier,
                observation::Column::Lower,
                observation::Column::LowerClosed,
                observation::Column::Upper,
                observation::Column::UpperClosed,
                observation::Column::Source,
                observation::Column::Version,
                observation::Column::UpdatedAt,
            ])
            .action_and_where(
                Expr::col((observation::Entity, observation::Column::Version)).eq(Expr::col((
                    excluded,
                    observation::Column::Version,
                ))
                .sub(1)),
            )
            .to_owned(),
        )
        .returning_all();
    let statement = txn.get_database_backend().build(&insert);
    let mut stored: HashMap<(i64, String, String), observation::Model> = HashMap::new();
    for row in txn.query_all_raw(statement).await? {
        let m = observation::Model::from_query_result(&row, "")?;
        stored.insert((m.indicator_id, m.region_code.clone(), m.period.clone()), m);
    }
    let mut changes = Vec::with_capacity(written.len());
    for (line, key) in &written {
        let Some(after) = stored.get(key) else {
            return Err(AppError::Conflict(format!(
                "line {line}: {} of {} for {} was written by someone else while the file was \
                 imported; nothing of this batch was written",
                batch
                    .iter()
                    .find(|row| row.line == *line)
                    .map_or("", |row| row.r.indicator.code.as_str()),
                key.1,
                key.2
            )));
        };
        let before = current.get(key);
        if before.is_some() {
            done.updated += 1;
        } else {
            done.created += 1;
        }
        changes.push(Change {
            before,
            after: Some(after),
            region_code: &after.region_code,
        });
    }
    who.changed_many(&txn, "importObservations", &changes).await?;
    txn.commit().await?;
    Ok(done)
}

/// The observations of an indicator for one region, by period start, from `from` to `to`
/// (period starts), one year before `from` included so that the first has its change.
pub async fn series(
    db: &DatabaseConnection,
    scope: &Scope,
    indicator_id: i64,
    region: &Subtree,
    region_code: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> AppResult<Vec<observation::Model>> {
    let mut q = observation::Entity::find()
        .filter(in_region(observation::Entity, scope, Some(region)))
        .filter(observation::Column::IndicatorId.eq(indicator_id))
        .filter(observation::Column::RegionCode.eq(region_code));
    if let Some(f) = from {
        let before = f.checked_sub_months(chrono::Months::new(12)).unwrap_or(f);
        q = q.filter(observation::Column::PeriodStart.gte(before));
    }
    if let Some(t) = to {
        q = q.filter(observation::Column::PeriodStart.lte(t));
    }
    Ok(q.order_by_asc(observation::Column::PeriodStart)
        .order_by_asc(observation::Column::Period)
        .all(db)
        .await?)
}

/// Every observation of a region for one period, with its indicator, by indicator code.
pub async fn snapshot(
    db: &DatabaseConnection,
    scope: &Scope,
    region: &Subtree,
    region_code: &str,
    period: &Period,
) -> AppResult<Vec<(observation::Model, indicator::Model)>> {
    let rows = observation::Entity::find()
        .filter(in_region(observation::Entity, scope, Some(region)))
        .filter(observation::Column::RegionCode.eq(region_code))
        .filter(observation::Column::Period.eq(period.key.clone()))
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|o| o.indicator_id).collect();
    let indicators: HashMap<i64, indicator::Model> = indicator::Entity::find()
        .filter(indicator::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut out: Vec<_> = rows
        .into_iter()
        .filter_map(|o| indicators.get(&o.indicator_id).cloned().map(|i| (o, i)))
        .collect();
    out.sort_by(|a, b| a.1.code.cmp(&b.1.code));
    Ok(out)
}

//! Observations (观测值): one value per indicator, region and period, stored in the
//! indicator's canonical unit; writes one at a time (`upsert`, versioned) or a whole file at
//! once (`import`, all rows or none).

use chrono::NaiveDate;
use entity::rural::indicator;
use entity::rural::observation;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use std::collections::HashMap;

use super::Period;
use crate::access::Scope;
use crate::domains::region::service::{self as regions, Subtree, in_region};
use crate::error::{AppError, AppResult};
use crate::units::{self, Unit};
use crate::validate;
use crate::write::{Who, check_version, record_uuid, unique_to_conflict};

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
    pub source: String,
}

/// An input checked and resolved: the indicator, region, period and the canonical value.
struct Resolved {
    indicator: indicator::Model,
    region_code: String,
    period: Period,
    value: Decimal,
    source: String,
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
    let value = units::convert("unit", value, given, canonical, STORED_PLACES)?.value;
    let source = validate::text("source", &i.source, 1, 256)?;
    Ok(Resolved {
        indicator,
        region_code,
        period,
        value,
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
    let model = observation::ActiveModel {
        uuid: Set(uuid),
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
    active.value = Set(r.value.normalize().to_string());
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

/// A bad row of an import: its line in the file, the column and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Imported {
    pub created: usize,
    pub updated: usize,
}

/// Imports rows (line number, input): every row is checked first, and any bad row aborts
/// the whole import with every bad row reported; otherwise all rows are written in one
/// transaction, a row whose key has a value replacing it (versioned and audited). A key
/// twice in the file is a bad row.
pub async fn import(
    db: &DatabaseConnection,
    who: &Who<'_>,
    rows: Vec<(usize, ObservationInput)>,
) -> AppResult<Result<Imported, Vec<RowError>>> {
    let txn = crate::store::begin_write(db).await?;
    let mut errors = Vec::new();
    let mut resolved = Vec::with_capacity(rows.len());
    let mut seen: HashMap<(i64, String, String), usize> = HashMap::new();
    let mut lookup = Lookup::default();
    for (line, input) in &rows {
        match resolve(&txn, who.scope, input, &mut lookup).await {
            Ok(r) => {
                let key = (r.indicator.id, r.region_code.clone(), r.period.key.clone());
                if let Some(first) = seen.insert(key, *line) {
                    errors.push(RowError {
                        line: *line,
                        field: "period".into(),
                        message: format!("the same indicator, region and period as line {first}"),
                    });
                } else {
                    resolved.push(r);
                }
            }
            Err(AppError::BadUserInput { field, message }) => errors.push(RowError {
                line: *line,
                field: field.unwrap_or_default(),
                message,
            }),
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut done = Imported::default();
    for r in resolved {
        match existing(&txn, &r).await? {
            Some(current) => {
                update(&txn, who, "importObservations", current, r).await?;
                done.updated += 1;
            }
            None => {
                insert(&txn, who, "importObservations", r, record_uuid("uuid", None)?).await?;
                done.created += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(Ok(done))
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

//! Reports 6 and 9 as data: the indicator catalogue (`seed/indicators.json`), every figure of
//! report 6 and the numeric figures of report 9 as observations (`seed/observations.json`)
//! and as reported figures (`seed/figures.json`), and report 6's 196 villages. The readings
//! are in the table of readings in `docs/domains.md`.

use entity::rural::indicator::{self, Pillar};
use entity::rural::income_threshold::{self, Consequence};
use entity::rural::{observation, village};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set, TransactionTrait,
};
use serde::Deserialize;
use std::collections::HashMap;

use super::service::Period;
use crate::error::{AppError, AppResult};
use crate::seeding;
use crate::write::derived_uuid;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedIndicator {
    code: String,
    name_zh: String,
    name_en: String,
    pillar: String,
    unit: String,
    description: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedThreshold {
    report_no: Option<i32>,
    region_code: String,
    from_year: i32,
    to_year: Option<i32>,
    amount: String,
    consequence: String,
    source_text: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedObservation {
    indicator: String,
    region_code: String,
    period: String,
    value: String,
    /// How the report states it (不足, 以上, 多/余, 约, 近); exact when absent.
    #[serde(default)]
    qualifier: crate::stated::Qualifier,
    source: String,
}

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("rural seed: {e}"))
}

fn at() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_703_980_800, 0).unwrap_or_default() // 2023-12-31
}

/// The catalogue and figures always; with `records`, the observations and villages. Skips
/// what is there already; returns the rows written.
/// The seed as the registration runs it (`registry::Seed`): the rows written.
pub fn registered(
    db: &DatabaseConnection,
    records: bool,
    scale: u32,
) -> futures_util::future::BoxFuture<'_, AppResult<u64>> {
    Box::pin(async move { Ok(seed(db, records, scale).await? as u64) })
}

pub async fn seed(db: &DatabaseConnection, records: bool, scale: u32) -> AppResult<usize> {
    seeding::figures(
        db,
        "rural",
        seeding::parse_figures(include_str!("seed/figures.json"))?,
    )
    .await?;
    let catalogue: Vec<SeedIndicator> =
        serde_json::from_str(include_str!("seed/indicators.json")).map_err(bad)?;
    let models = catalogue
        .into_iter()
        .map(|i| {
            let pillar = match i.pillar.as_str() {
                "industry" => Pillar::Industry,
                "talent" => Pillar::Talent,
                "culture" => Pillar::Culture,
                "ecology" => Pillar::Ecology,
                "organisation" => Pillar::Organisation,
                "income" => Pillar::Income,
                p => return Err(bad(format!("pillar {p}"))),
            };
            crate::units::unit("unit", &i.unit).map_err(|_| bad(format!("unit {}", i.unit)))?;
            Ok(indicator::ActiveModel {
                code: Set(i.code),
                name_zh: Set(i.name_zh),
                name_en: Set(i.name_en),
                pillar: Set(pillar),
                unit: Set(i.unit),
                description: Set(i.description),
                source: Set(i.source),
                version: Set(1),
                created_at: Set(at()),
                updated_at: Set(at()),
                ..Default::default()
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    indicator::Entity::insert_many(models)
        .on_conflict(
            OnConflict::column(indicator::Column::Code)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    thresholds(db).await?;
    if !records || observation::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let catalogue = indicator::Entity::find().all(db).await?;
    let units: HashMap<i64, String> = catalogue.iter().map(|i| (i.id, i.unit.clone())).collect();
    let ids: HashMap<String, i64> = catalogue.into_iter().map(|i| (i.code, i.id)).collect();
    let rows: Vec<SeedObservation> =
        serde_json::from_str(include_str!("seed/observations.json")).map_err(bad)?;
    let txn = db.begin().await?;
    let mut written = 0;
    for (n, o) in rows.into_iter().enumerate() {
        let period = Period::parse("period", &o.period).map_err(|_| bad(format!("period {}", o.period)))?;
        let indicator_id = *ids
            .get(&o.indicator)
            .ok_or_else(|| bad(format!("indicator {}", o.indicator)))?;
        let value =
            crate::units::decimal("value", &o.value).map_err(|_| bad(format!("value {}", o.value)))?;
        let unit = crate::units::unit("unit", &units[&indicator_id])?;
        let interval =
            super::service::observations::interval_in(o.qualifier, value, unit, unit)?;
        let (lower, lower_closed) = crate::stated::stored_end(interval.lower);
        let (upper, upper_closed) = crate::stated::stored_end(interval.upper);
        observation::ActiveModel {
            qualifier: Set(o.qualifier.as_str().to_owned()),
            lower: Set(lower),
            lower_closed: Set(lower_closed),
            upper: Set(upper),
            upper_closed: Set(upper_closed),
            uuid: Set(derived_uuid("Observation", n as i64 + 1)),
            indicator_id: Set(indicator_id),
            region_code: Set(o.region_code),
            period: Set(period.key),
            period_start: Set(period.start),
            period_end: Set(period.end),
            value: Set(value.normalize().to_string()),
            source: Set(o.source),
            version: Set(1),
            created_at: Set(at()),
            updated_at: Set(at()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        written += 1;
    }
    written += villages(&txn).await?;
    if scale > 1 {
        // The villages copied for benchmarks (observations are one per indicator, region and
        // period, so they are not copied).
        let mut copies = seeding::Copies::new(
            &txn,
            i64::from(scale) * VILLAGE_COPIES_PER_SCALE - 1,
            &["rural_villages"],
        )
        .await?;
        copies.table::<village::Entity>(&txn, &[]).await?;
        written += copies.rows as usize;
    }
    // Cached results computed before the seed are not served after it.
    crate::cache::bump_data_version(&txn).await?;
    txn.commit().await?;
    Ok(written)
}

/// The collective-income thresholds the reports set (`seed/thresholds.json`), each with its
/// region and years; reference data like the figures, so seeded with or without records.
async fn thresholds(db: &impl ConnectionTrait) -> AppResult<()> {
    let rows: Vec<SeedThreshold> =
        serde_json::from_str(include_str!("seed/thresholds.json")).map_err(bad)?;
    let models = rows
        .into_iter()
        .map(|t| {
            let consequence = match t.consequence.as_str() {
                "floor" => Consequence::Floor,
                "veto" => Consequence::Veto,
                c => return Err(bad(format!("consequence {c}"))),
            };
            let amount = crate::scalars::Money::parse_yuan(&t.amount).map_err(bad)?.fen();
            Ok(income_threshold::ActiveModel {
                region_code: Set(t.region_code),
                from_year: Set(t.from_year),
                to_year: Set(t.to_year),
                amount_fen: Set(amount),
                consequence: Set(consequence),
                report_no: Set(t.report_no),
                source_text: Set(t.source_text),
                ..Default::default()
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    income_threshold::Entity::insert_many(models)
        .on_conflict(
            OnConflict::columns([
                income_threshold::Column::RegionCode,
                income_threshold::Column::FromYear,
                income_threshold::Column::AmountFen,
                income_threshold::Column::Consequence,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Copies of report 6's 196 villages per unit of `--scale` beyond 1: about a million villages
/// at `--scale 20`, for benchmarks; at scale 1 the villages are the report's alone.
pub const VILLAGE_COPIES_PER_SCALE: i64 = 255;

/// Report 6's 196 嘎查村 ("196个嘎查村活动场所"): names, not their incomes or party
/// organisations, which the report does not give.
async fn villages(db: &impl ConnectionTrait) -> AppResult<usize> {
    let models: Vec<village::ActiveModel> = (1..=196)
        .map(|n| village::ActiveModel {
            uuid: Set(derived_uuid("Village", n)),
            region_code: Set("152222".into()),
            name: Set(format!("嘎查村{n:03}")),
            party_members_under_35: Set(None),
            party_members_35_to_60: Set(None),
            party_members_over_60: Set(None),
            reserve_cadres: Set(None),
            under_rectification: Set(false),
            version: Set(1),
            created_at: Set(at()),
            updated_at: Set(at()),
            synthetic: Set(true),
            ..Default::default()
        })
        .collect();
    let n = models.len();
    village::Entity::insert_many(models)
        .exec_without_returning(db)
        .await?;
    Ok(n)
}

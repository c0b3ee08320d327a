//! Reported figures: listing and seeding; no GraphQL here.

use chrono::NaiveDate;
use entity::survey::reported_figure;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Deserialize;

use crate::domains::region::service::Subtree;
use crate::error::{AppError, AppResult};

/// Filter of `reportedFigures`.
#[derive(Debug, Default, Clone)]
pub struct FigureFilter {
    pub report_no: Option<i32>,
    pub domain: Option<String>,
    /// Figures about this region and below.
    pub region: Option<Subtree>,
    pub metric: Option<String>,
}

pub async fn list(db: &DatabaseConnection, f: &FigureFilter) -> AppResult<Vec<reported_figure::Model>> {
    let mut cond = Condition::all();
    if let Some(n) = f.report_no {
        cond = cond.add(reported_figure::Column::ReportNo.eq(n));
    }
    if let Some(d) = &f.domain {
        cond = cond.add(reported_figure::Column::Domain.eq(d.clone()));
    }
    if let Some(region) = &f.region {
        cond = cond.add(region.condition(Expr::col((
            reported_figure::Entity,
            reported_figure::Column::RegionCode,
        ))));
    }
    if let Some(m) = &f.metric {
        cond = cond.add(reported_figure::Column::Metric.eq(m.clone()));
    }
    Ok(reported_figure::Entity::find()
        .filter(cond)
        .order_by_asc(reported_figure::Column::ReportNo)
        .order_by_asc(reported_figure::Column::Id)
        .all(db)
        .await?)
}

/// A figure as shipped in a domain's `figures.json`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedFigure {
    pub report_no: i32,
    pub metric: String,
    pub region_code: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: String,
    pub unit: String,
    pub source_text: String,
    pub note: Option<String>,
}

/// Parses a domain's shipped figures.
pub fn parse_figures(json: &str) -> AppResult<Vec<SeedFigure>> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(anyhow::anyhow!("figures.json: {e}")))
}

/// Inserts the figures that are not there yet.
pub async fn seed(db: &impl ConnectionTrait, domain: &str, figures: Vec<SeedFigure>) -> AppResult<()> {
    let models: Vec<_> = figures
        .into_iter()
        .map(|f| reported_figure::ActiveModel {
            report_no: Set(f.report_no),
            domain: Set(domain.to_owned()),
            metric: Set(f.metric),
            region_code: Set(f.region_code),
            period_start: Set(f.period_start),
            period_end: Set(f.period_end),
            value: Set(f.value),
            unit: Set(f.unit),
            source_text: Set(f.source_text),
            note: Set(f.note),
            ..Default::default()
        })
        .collect();
    if models.is_empty() {
        return Ok(());
    }
    reported_figure::Entity::insert_many(models)
        .on_conflict(
            OnConflict::columns([
                reported_figure::Column::ReportNo,
                reported_figure::Column::Metric,
                reported_figure::Column::RegionCode,
                reported_figure::Column::PeriodStart,
                reported_figure::Column::PeriodEnd,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

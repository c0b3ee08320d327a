//! Reported figures: listing and seeding; no GraphQL here.

use entity::survey::reported_figure;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::error::AppResult;
use crate::region::service::Subtree;

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

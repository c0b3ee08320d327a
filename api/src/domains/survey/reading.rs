//! The reports' figures and their data-quality issues as GraphQL answers, for the survey
//! queries and for a report's own fields (`report_types.rs`) alike.

use async_graphql::{Context, Result};
use sea_orm::DatabaseConnection;

use super::policy::POLICY;
use super::service::{self, FigureFilter};
use super::types::{
    DataQualityIssue, DataQualityKind, DataQualitySeverity, ReportedFigure, ReportedFigureFilter,
};
use crate::access::{Action, viewer};

/// Figures the survey reports state (报告数据), by report and order of appearance.
pub async fn reported_figures(
    ctx: &Context<'_>,
    filter: Option<ReportedFigureFilter>,
) -> Result<Vec<ReportedFigure>> {
    viewer(ctx).require(&POLICY, Action::Aggregate)?;
    let f = filter.unwrap_or_default();
    let filter = FigureFilter {
        report_no: f.report_no,
        domain: f.domain,
        region: crate::region::loaders::subtree(ctx, f.region_code.as_deref(), "regionCode").await?,
        metric: f.metric,
    };
    let db = ctx.data_unchecked::<DatabaseConnection>();
    Ok(service::list(db, &filter)
        .await?
        .into_iter()
        .map(ReportedFigure)
        .collect())
}

/// Every breakdown that does not add up to its total, every part larger than its whole,
/// every share that does not match its count and base, every quantity a report states twice
/// with values that cannot both hold, and every stated figure the records contradict,
/// Errors first.
pub async fn data_quality_issues(
    ctx: &Context<'_>,
    filter: Option<ReportedFigureFilter>,
) -> Result<Vec<DataQualityIssue>> {
    use super::quality::{self, Kind, Severity};
    let figures: Vec<ReportedFigure> = reported_figures(ctx, filter).await?;
    let models: Vec<_> = figures.iter().map(|f| f.0.clone()).collect();
    let by_id: std::collections::HashMap<i64, ReportedFigure> =
        figures.iter().map(|f| (f.0.id, f.clone())).collect();
    let mut issues = quality::internal_issues(&models);
    let computed = ReportedFigure::computed_all(ctx, &figures).await?;
    for (f, value) in figures.iter().zip(computed) {
        // Protected values are perturbed: not compared (see `ReportedFigure::protected`).
        if let Some(value) = value
            && !f.protected(ctx)
            && quality::agrees(value, &f.0) == Some(false)
        {
            issues.push(quality::Issue {
                kind: Kind::RecordsContradict,
                severity: Severity::Error,
                report_no: f.0.report_no,
                region_code: f.0.region_code.clone(),
                figure_ids: vec![f.0.id],
                arithmetic: format!(
                    "{} stated {}; the records give {}",
                    f.0.metric,
                    f.0.value,
                    value.to_decimal_text().unwrap_or_default()
                ),
            });
        }
    }
    issues.sort_by(|a, b| {
        (std::cmp::Reverse(a.severity), a.report_no, a.kind, &a.region_code).cmp(&(
            std::cmp::Reverse(b.severity),
            b.report_no,
            b.kind,
            &b.region_code,
        ))
    });
    Ok(issues
        .into_iter()
        .map(|i| DataQualityIssue {
            kind: match i.kind {
                Kind::PartsDoNotAddUp => DataQualityKind::PartsDoNotAddUp,
                Kind::ShareMismatch => DataQualityKind::ShareMismatch,
                Kind::RecordsContradict => DataQualityKind::RecordsContradict,
                Kind::PartExceedsWhole => DataQualityKind::PartExceedsWhole,
                Kind::StatedTwiceApart => DataQualityKind::StatedTwiceApart,
            },
            severity: match i.severity {
                Severity::Warning => DataQualitySeverity::Warning,
                Severity::Error => DataQualitySeverity::Error,
            },
            report_no: i.report_no,
            region_code: i.region_code,
            figures: i
                .figure_ids
                .iter()
                .filter_map(|id| by_id.get(id).cloned())
                .collect(),
            arithmetic: i.arithmetic,
        })
        .collect())
}

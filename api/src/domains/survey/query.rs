//! Survey-report queries.

use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use super::policy::POLICY;
use super::service::{self, FigureFilter};
use super::types::{
    DataQualityIssue, DataQualityKind, DataQualitySeverity, ReportedFigure, ReportedFigureFilter,
};
use crate::access::{Action, viewer};

#[derive(Default)]
pub struct SurveyQuery;

#[Object]
impl SurveyQuery {
    /// The survey reports as records (调研报告), by number: of a domain, about a region and below.
    pub async fn survey_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Reports covering this domain (`enforcement`, `community`, `rural`, `funeral`).")]
        domain: Option<String>,
        #[graphql(desc = "Reports about this region or a region below it.")] region_code: Option<String>,
    ) -> Result<Vec<super::report_types::SurveyReport>> {
        viewer(ctx).require(&POLICY, Action::Aggregate)?;
        let region =
            crate::domains::region::loaders::subtree(ctx, region_code.as_deref(), "regionCode").await?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(super::reports::list(db, domain.as_deref(), region.as_ref())
            .await?
            .into_iter()
            .map(super::report_types::SurveyReport)
            .collect())
    }

    /// One report by number (报告序号).
    async fn survey_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Report number, 1 to 9.")] report_no: i32,
    ) -> Result<Option<super::report_types::SurveyReport>> {
        viewer(ctx).require(&POLICY, Action::Aggregate)?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(super::reports::find(db, report_no)
            .await?
            .map(super::report_types::SurveyReport))
    }

    /// Data-quality issues of the reports (数据质量问题): every breakdown that does not add up
    /// to its total and every share that does not match its count and base (rules over the
    /// stated figures), and every stated figure the records contradict (through the metric
    /// registry), Errors first.
    pub async fn data_quality_issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which reports' figures to check.")] filter: Option<ReportedFigureFilter>,
    ) -> Result<Vec<DataQualityIssue>> {
        use super::quality::{self, Kind, Severity};
        let figures: Vec<ReportedFigure> = self.reported_figures(ctx, filter).await?;
        let models: Vec<_> = figures.iter().map(|f| f.0.clone()).collect();
        let by_id: std::collections::HashMap<i64, ReportedFigure> =
            figures.iter().map(|f| (f.0.id, f.clone())).collect();
        let mut issues = quality::internal_issues(&models);
        let computed = ReportedFigure::computed_all(ctx, &figures).await?;
        for (f, value) in figures.iter().zip(computed) {
            if let Some(value) = value
                && value.matches(&f.0.value) == Some(false)
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

    /// Figures the survey reports state (报告数据), by report and order of appearance.
    pub async fn reported_figures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which figures to list.")] filter: Option<ReportedFigureFilter>,
    ) -> Result<Vec<ReportedFigure>> {
        viewer(ctx).require(&POLICY, Action::Aggregate)?;
        let f = filter.unwrap_or_default();
        let filter = FigureFilter {
            report_no: f.report_no,
            domain: f.domain,
            region: crate::domains::region::loaders::subtree(ctx, f.region_code.as_deref(), "regionCode")
                .await?,
            metric: f.metric,
        };
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(service::list(db, &filter)
            .await?
            .into_iter()
            .map(ReportedFigure)
            .collect())
    }
}

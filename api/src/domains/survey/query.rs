//! Survey-report queries.

use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use super::policy::POLICY;
use super::types::{DataQualityIssue, ReportedFigure, ReportedFigureFilter};
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
        let region = crate::region::loaders::subtree(ctx, region_code.as_deref(), "regionCode").await?;
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
    /// registry; not judged for a caller whose computed values are protected by disclosure
    /// control), Errors first.
    pub async fn data_quality_issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which reports' figures to check.")] filter: Option<ReportedFigureFilter>,
    ) -> Result<Vec<DataQualityIssue>> {
        super::reading::data_quality_issues(ctx, filter).await
    }

    /// Figures the survey reports state (报告数据), by report and order of appearance.
    pub async fn reported_figures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which figures to list.")] filter: Option<ReportedFigureFilter>,
    ) -> Result<Vec<ReportedFigure>> {
        super::reading::reported_figures(ctx, filter).await
    }
}

//! Survey's section of a region's dashboard (`RegionDashboard`, 区域总览): its fields,
//! each through the domain's own query resolvers, so that each keeps the domain's access
//! policy, scope and statement budget.

use async_graphql::{Context, Object, Result};

use super::query::SurveyQuery;
use super::report_types::SurveyReport;
use super::types::{DataQualityIssue, ReportedFigure, ReportedFigureFilter};

/// Survey's fields of a region's dashboard, for the region code it holds.
pub struct Dashboard(pub String);

#[Object(name = "SurveyDashboard")]
impl Dashboard {
    /// The figures the reports state about the region and below (报告数据), with what the
    /// records give.
    async fn reported_figures(&self, ctx: &Context<'_>) -> Result<Vec<ReportedFigure>> {
        let filter = ReportedFigureFilter {
            region_code: Some(self.0.clone()),
            ..Default::default()
        };
        SurveyQuery.reported_figures(ctx, Some(filter)).await
    }

    /// The reports about the region and below (调研报告), with their problems and recommendations.
    async fn survey_reports(&self, ctx: &Context<'_>) -> Result<Vec<SurveyReport>> {
        SurveyQuery.survey_reports(ctx, None, Some(self.0.clone())).await
    }

    /// The data-quality issues of the figures about the region and below (数据质量问题).
    async fn data_quality_issues(&self, ctx: &Context<'_>) -> Result<Vec<DataQualityIssue>> {
        let filter = ReportedFigureFilter {
            region_code: Some(self.0.clone()),
            ..Default::default()
        };
        SurveyQuery.data_quality_issues(ctx, Some(filter)).await
    }
}

//! The region hub: one region's view across every domain (`Region.dashboard`,
//! `regionDashboard(code)`). It is the one place that sees all domains, beside the schema's
//! composition; it reaches each domain only through that domain's own query resolvers, so
//! every field keeps its domain's access policy, scope and statement budget, and a dashboard
//! costs a fixed number of statements whatever the number of records.

use async_graphql::{Context, Object, Result};

use crate::domains::community::query::CommunityQuery;
use crate::domains::community::types::{
    CommunityStats, CommunityStatsFilter, CommunityUnitConnection, CommunityUnitFilter,
};
use crate::domains::enforcement::query::EnforcementQuery;
use crate::domains::enforcement::types::{
    CourtConnection, CourtFilter, EnforcementKpiFilter, EnforcementKpis,
};
use crate::domains::funeral::query::FuneralQuery;
use crate::domains::funeral::types::{
    FuneralFacilityConnection, FuneralFacilityFilter, FuneralProjectConnection, FuneralProjectFilter,
    FuneralStats, FuneralStatsFilter,
};
use crate::domains::region::loaders::subtree;
use crate::domains::region::types::RegionDashboard;
use crate::domains::rural::query::{RuralQuery, RuralStatsFilter};
use crate::domains::rural::types::{Observation, RuralStats};
use crate::domains::survey::query::SurveyQuery;
use crate::domains::survey::report_types::SurveyReport;
use crate::domains::survey::types::{DataQualityIssue, ReportedFigure, ReportedFigureFilter};
use crate::scalars::Date;

#[derive(Default)]
pub struct HubQuery;

#[Object]
impl HubQuery {
    /// A region's dashboard across every domain (区域总览); BAD_USER_INPUT for an unknown code.
    async fn region_dashboard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Region code.")] code: String,
    ) -> Result<RegionDashboard> {
        subtree(ctx, Some(code.trim()), "code").await?;
        Ok(RegionDashboard {
            code: code.trim().to_owned(),
        })
    }
}

/// A region's dashboard (区域总览): every domain's figures for the region and its subtree,
/// each under the caller's scope and that domain's access policy.
#[Object]
impl RegionDashboard {
    /// The region's code.
    async fn region_code(&self) -> &str {
        &self.code
    }

    /// Enforcement KPIs of the region's courts (执行质效指标) over a period (by filing date).
    async fn enforcement_kpis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start of the period (inclusive).")] filed_from: Option<Date>,
        #[graphql(desc = "End of the period (inclusive).")] filed_to: Option<Date>,
    ) -> Result<EnforcementKpis> {
        let filter = EnforcementKpiFilter {
            region_code: Some(self.code.clone()),
            court_id: None,
            filed_from,
            filed_to,
        };
        EnforcementQuery.enforcement_kpis(ctx, Some(filter)).await
    }

    /// The region's courts (法院), by id.
    #[graphql(complexity = "crate::pagination::list_cost(first, child_complexity)")]
    async fn courts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
    ) -> Result<CourtConnection> {
        let filter = CourtFilter {
            region_code: Some(self.code.clone()),
            level: None,
        };
        EnforcementQuery
            .courts(ctx, Some(filter), first, None, None, None)
            .await
    }

    /// Community statistics of the region (社区统计).
    async fn community_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Year ages are counted in; this year by default.")] as_of_year: Option<i32>,
    ) -> Result<CommunityStats> {
        let filter = CommunityStatsFilter {
            region_code: Some(self.code.clone()),
            as_of_year,
        };
        CommunityQuery.community_stats(ctx, Some(filter)).await
    }

    /// The region's community units (社区居委会), by name.
    #[graphql(complexity = "crate::pagination::list_cost(first, child_complexity)")]
    async fn community_units(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
    ) -> Result<CommunityUnitConnection> {
        let filter = CommunityUnitFilter {
            region_code: Some(self.code.clone()),
            ..Default::default()
        };
        CommunityQuery
            .community_units(ctx, Some(filter), None, first, None, None, None)
            .await
    }

    /// Funeral statistics of the region (殡葬统计) on a date.
    async fn funeral_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date schedules are judged on; today by default.")] as_of: Option<Date>,
    ) -> Result<FuneralStats> {
        let filter = FuneralStatsFilter {
            region_code: Some(self.code.clone()),
            as_of,
        };
        FuneralQuery.funeral_stats(ctx, Some(filter)).await
    }

    /// The region's funeral facilities (殡葬设施), by id.
    #[graphql(complexity = "crate::pagination::list_cost(first, child_complexity)")]
    async fn funeral_facilities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
    ) -> Result<FuneralFacilityConnection> {
        let filter = FuneralFacilityFilter {
            region_code: Some(self.code.clone()),
            ..Default::default()
        };
        FuneralQuery
            .funeral_facilities(ctx, Some(filter), None, first, None, None, None)
            .await
    }

    /// The region's funeral construction projects (建设项目), by id.
    #[graphql(complexity = "crate::pagination::list_cost(first, child_complexity)")]
    async fn funeral_projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
    ) -> Result<FuneralProjectConnection> {
        let filter = FuneralProjectFilter {
            region_code: Some(self.code.clone()),
            ..Default::default()
        };
        FuneralQuery
            .funeral_projects(ctx, Some(filter), first, None, None, None)
            .await
    }

    /// Rural statistics of the region (乡村振兴统计) in a year.
    async fn rural_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year.")] year: i32,
    ) -> Result<RuralStats> {
        let filter = RuralStatsFilter {
            region_code: Some(self.code.clone()),
            year,
        };
        RuralQuery.rural_stats(ctx, filter).await
    }

    /// Every rural indicator's value for the region in a period (截面).
    async fn indicator_snapshot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Period: `2023`, `2023H1`, `2023Q2` or `2023-05`.")] period: String,
    ) -> Result<Vec<Observation>> {
        RuralQuery
            .indicator_snapshot(ctx, self.code.clone(), period)
            .await
    }

    /// The figures the reports state about the region and below (报告数据), with what the
    /// records give.
    async fn reported_figures(&self, ctx: &Context<'_>) -> Result<Vec<ReportedFigure>> {
        let filter = ReportedFigureFilter {
            region_code: Some(self.code.clone()),
            ..Default::default()
        };
        SurveyQuery.reported_figures(ctx, Some(filter)).await
    }

    /// The reports about the region and below (调研报告), with their problems and recommendations.
    async fn survey_reports(&self, ctx: &Context<'_>) -> Result<Vec<SurveyReport>> {
        SurveyQuery
            .survey_reports(ctx, None, Some(self.code.clone()))
            .await
    }

    /// The data-quality issues of the figures about the region and below (数据质量问题).
    async fn data_quality_issues(&self, ctx: &Context<'_>) -> Result<Vec<DataQualityIssue>> {
        let filter = ReportedFigureFilter {
            region_code: Some(self.code.clone()),
            ..Default::default()
        };
        SurveyQuery.data_quality_issues(ctx, Some(filter)).await
    }
}

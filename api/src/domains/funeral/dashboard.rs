//! Funeral's section of a region's dashboard (`RegionDashboard`, 区域总览): its fields,
//! each through the domain's own query resolvers, so that each keeps the domain's access
//! policy, scope and statement budget.

use async_graphql::{Context, Object, Result};

use super::query::FuneralQuery;
use super::types::{
    FuneralFacilityConnection, FuneralFacilityFilter, FuneralProjectConnection, FuneralProjectFilter,
    FuneralStats, FuneralStatsFilter,
};
use crate::scalars::Date;

/// Funeral's fields of a region's dashboard, for the region code it holds.
pub struct Dashboard(pub String);

#[Object(name = "FuneralDashboard")]
impl Dashboard {
    /// Funeral statistics of the region (殡葬统计) on a date.
    async fn funeral_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date schedules are judged on; today by default.")] as_of: Option<Date>,
    ) -> Result<FuneralStats> {
        let filter = FuneralStatsFilter {
            region_code: Some(self.0.clone()),
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
            region_code: Some(self.0.clone()),
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
            region_code: Some(self.0.clone()),
            ..Default::default()
        };
        FuneralQuery
            .funeral_projects(ctx, Some(filter), first, None, None, None)
            .await
    }
}

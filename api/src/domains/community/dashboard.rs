//! Community's section of a region's dashboard (`RegionDashboard`, 区域总览): its fields,
//! each through the domain's own query resolvers, so that each keeps the domain's access
//! policy, scope and statement budget.

use async_graphql::{Context, Object, Result};

use super::query::CommunityQuery;
use super::types::{CommunityStats, CommunityStatsFilter, CommunityUnitConnection, CommunityUnitFilter};

/// Community's fields of a region's dashboard, for the region code it holds.
pub struct Dashboard(pub String);

#[Object(name = "CommunityDashboard")]
impl Dashboard {
    /// Community statistics of the region (社区统计).
    async fn community_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Year ages are counted in; this year by default.")] as_of_year: Option<i32>,
    ) -> Result<CommunityStats> {
        let filter = CommunityStatsFilter {
            region_code: Some(self.0.clone()),
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
            region_code: Some(self.0.clone()),
            ..Default::default()
        };
        CommunityQuery
            .community_units(ctx, Some(filter), None, first, None, None, None)
            .await
    }
}

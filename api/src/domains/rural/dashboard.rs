//! Rural's section of a region's dashboard (`RegionDashboard`, 区域总览): its fields,
//! each through the domain's own query resolvers, so that each keeps the domain's access
//! policy, scope and statement budget.

use async_graphql::{Context, Object, Result};

use super::query::{RuralQuery, RuralStatsFilter};
use super::types::{Observation, RuralStats};

/// Rural's fields of a region's dashboard, for the region code it holds.
pub struct Dashboard(pub String);

#[Object(name = "RuralDashboard")]
impl Dashboard {
    /// Rural statistics of the region (乡村振兴统计) in a year.
    async fn rural_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year.")] year: i32,
    ) -> Result<RuralStats> {
        let filter = RuralStatsFilter {
            region_code: Some(self.0.clone()),
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
        RuralQuery.indicator_snapshot(ctx, self.0.clone(), period).await
    }
}

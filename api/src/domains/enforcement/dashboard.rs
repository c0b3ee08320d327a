//! Enforcement's section of a region's dashboard (`RegionDashboard`, 区域总览): its fields,
//! each through the domain's own query resolvers, so that each keeps the domain's access
//! policy, scope and statement budget.

use async_graphql::{Context, Object, Result};

use super::query::EnforcementQuery;
use super::types::{CourtConnection, CourtFilter, EnforcementKpiFilter, EnforcementKpis};
use crate::scalars::Date;

/// Enforcement's fields of a region's dashboard, for the region code it holds.
pub struct Dashboard(pub String);

#[Object(name = "EnforcementDashboard")]
impl Dashboard {
    /// Enforcement KPIs of the region's courts (执行质效指标) over a period (by filing date).
    async fn enforcement_kpis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start of the period (inclusive).")] filed_from: Option<Date>,
        #[graphql(desc = "End of the period (inclusive).")] filed_to: Option<Date>,
    ) -> Result<EnforcementKpis> {
        let filter = EnforcementKpiFilter {
            region_code: Some(self.0.clone()),
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
            region_code: Some(self.0.clone()),
            level: None,
        };
        EnforcementQuery
            .courts(ctx, Some(filter), first, None, None, None)
            .await
    }
}

//! The region hub: one region's view across every domain (`Region.dashboard`,
//! `regionDashboard(code)`). Each domain contributes its section (its `dashboard.rs`, merged
//! in the registry as `domains::Dashboards`); each section reaches its domain only through the
//! domain's own query resolvers, so every field keeps its domain's access policy, scope and
//! statement budget, and a dashboard costs a fixed number of statements whatever the number
//! of records.

use async_graphql::{Context, Object, Result};

use crate::domains::Dashboards;
use crate::region::loaders::subtree;
use crate::region::types::RegionDashboard;

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

    /// Every domain's fields, each domain's own section (`domains::Dashboards`).
    #[graphql(flatten)]
    async fn sections(&self) -> Dashboards {
        Dashboards::of(&self.code)
    }
}

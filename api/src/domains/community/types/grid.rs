//! Grids (网格) as GraphQL objects.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::community::grid;

use super::{CommunityStaff, CommunityUnit, facility::unit_of};
use crate::domains::community::loaders::GridWorker;
use crate::loaders::children;

/// Grid (网格) of a community unit: the households it covers and its grid workers.
#[derive(Clone)]
pub struct CommunityGrid(pub grid::Model);

/// Grid (网格) of a community unit: the households it covers and its grid workers.
#[Object]
impl CommunityGrid {
    /// Grid id.
    pub async fn id(&self) -> ID {
        crate::ids::global("CommunityGrid", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// The unit (所属社区).
    async fn unit(&self, ctx: &Context<'_>) -> Result<Option<CommunityUnit>> {
        unit_of(ctx, self.0.unit_id).await
    }
    /// Name (网格名称).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Households covered (覆盖户数).
    async fn households(&self) -> i32 {
        self.0.households
    }
    /// Its grid workers (网格员), by id.
    async fn workers(&self, ctx: &Context<'_>) -> Result<Vec<CommunityStaff>> {
        Ok(children::<GridWorker>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(|w| CommunityStaff(w.0))
            .collect())
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the grid was last changed (更新时间).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

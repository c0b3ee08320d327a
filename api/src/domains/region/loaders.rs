//! Regions for resolvers: every region comes from the in-memory directory, so a region on
//! each of a hundred rows costs no statement and needs no DataLoader.

use async_graphql::Context;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use super::directory::{RegionCache, RegionDirectory};
use crate::error::AppResult;

/// The regions' snapshot, loaded on first use.
pub async fn directory(db: &DatabaseConnection, cache: &RegionCache) -> AppResult<Arc<RegionDirectory>> {
    cache.get(|| RegionDirectory::load(db)).await
}

/// The regions' snapshot of the request's process.
pub async fn regions(ctx: &Context<'_>) -> AppResult<Arc<RegionDirectory>> {
    directory(
        ctx.data_unchecked::<DatabaseConnection>(),
        ctx.data_unchecked::<Arc<RegionCache>>(),
    )
    .await
}

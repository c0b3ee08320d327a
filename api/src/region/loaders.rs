//! Regions for resolvers: every region comes from the in-memory directory, so a region on
//! each of a hundred rows costs no statement and needs no DataLoader.

use async_graphql::Context;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use super::directory::{RegionCache, RegionDirectory};
use super::service::Subtree;
use crate::error::{AppError, AppResult};

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

/// The subtree of an optional region-code argument, from memory; BAD_USER_INPUT naming
/// `field` when the code is unknown. Resolvers hand it to services, so that a region filter
/// costs no statement.
pub async fn subtree(ctx: &Context<'_>, code: Option<&str>, field: &str) -> AppResult<Option<Subtree>> {
    let Some(code) = code else { return Ok(None) };
    regions(ctx)
        .await?
        .subtree(code)
        .map(Some)
        .ok_or_else(|| AppError::bad_input(field, format!("unknown region code {code:?}")))
}

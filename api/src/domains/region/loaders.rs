//! Regions for resolvers: every region comes from the in-memory directory, so a region on
//! each of a hundred rows costs no statement and needs no DataLoader.

use async_graphql::Context;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use super::directory::{RegionCache, RegionDirectory};
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

/// The codes of region `code`'s subtree, from memory; BAD_USER_INPUT naming `field` when the
/// code is unknown. Resolvers hand them to services so that a region filter costs no statement.
pub async fn subtree_codes(ctx: &Context<'_>, code: &str, field: &str) -> AppResult<Vec<String>> {
    regions(ctx)
        .await?
        .subtree_codes(code)
        .ok_or_else(|| AppError::bad_input(field, format!("unknown region code {code:?}")))
}

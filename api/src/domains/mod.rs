//! The domains of the platform, one folder each. Adding a domain means a folder here, a
//! line in `schema.rs` (query and mutation roots), a line in `request_data` below for its
//! loaders, and a line in `seed.rs`.

pub mod enforcement;
pub mod region;
pub mod survey;

use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tracing::Instrument as _;

use crate::telemetry::sql::RequestStats;

fn loader<T: Send + Sync + 'static>(l: T, stats: &Arc<RequestStats>) -> DataLoader<T> {
    let stats = stats.clone();
    DataLoader::new(l, move |batch| {
        tokio::spawn(stats.scope(batch).instrument(tracing::Span::current()))
    })
    .delay(std::time::Duration::from_millis(2))
}

/// Adds each domain's DataLoaders to one request (loaders are per request). Each collects
/// keys for 2 ms before it queries, so that a level of a large page resolves in one batch;
/// its batches run as tasks that count their SQL against the request and trace under the
/// resolver that asked.
pub fn request_data(
    request: async_graphql::Request,
    db: &DatabaseConnection,
    stats: &Arc<RequestStats>,
) -> async_graphql::Request {
    use crate::pagination::{NestedCountsLoader, NestedPagesLoader};
    use enforcement::loaders::{ByCaseLoader, CourtLoader};
    use enforcement::service::CourtCases;
    use entity::enforcement::{flow_node, measure, party, supervision_order};
    request
        .data(loader(region::loaders::RegionLoader(db.clone()), stats))
        .data(loader(region::loaders::RegionChildrenLoader(db.clone()), stats))
        .data(loader(CourtLoader(db.clone()), stats))
        .data(loader(ByCaseLoader::<party::Model>::new(db.clone()), stats))
        .data(loader(ByCaseLoader::<measure::Model>::new(db.clone()), stats))
        .data(loader(ByCaseLoader::<flow_node::Model>::new(db.clone()), stats))
        .data(loader(
            ByCaseLoader::<supervision_order::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(survey::loaders::MetricLoader(db.clone()), stats))
        .data(loader(NestedPagesLoader(CourtCases(db.clone())), stats))
        // Shared with the deferred `totalCount`, which outlives the resolver's context.
        .data(Arc::new(loader(
            NestedCountsLoader(CourtCases(db.clone())),
            stats,
        )))
}

//! The domains of the platform, one folder each. Adding a domain means a folder here, a
//! line in `schema.rs` (query and mutation roots), a line in `request_data` below for its
//! loaders, and a line in `seed.rs`.

pub mod enforcement;
pub mod region;
pub mod survey;

use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;

/// A DataLoader that collects keys for 2 ms before it queries, so that a level of a
/// large page resolves in one batch.
fn loader<T: Send + Sync + 'static>(l: T) -> DataLoader<T> {
    DataLoader::new(l, tokio::spawn).delay(std::time::Duration::from_millis(2))
}

/// Adds each domain's DataLoaders to one request (loaders are per request).
pub fn request_data(request: async_graphql::Request, db: &DatabaseConnection) -> async_graphql::Request {
    use enforcement::loaders::{ByCaseLoader, CourtLoader};
    use entity::enforcement::{flow_node, measure, party, supervision_order};
    request
        .data(loader(region::loaders::RegionLoader(db.clone())))
        .data(loader(region::loaders::RegionChildrenLoader(db.clone())))
        .data(loader(CourtLoader(db.clone())))
        .data(loader(ByCaseLoader::<party::Model>::new(db.clone())))
        .data(loader(ByCaseLoader::<measure::Model>::new(db.clone())))
        .data(loader(ByCaseLoader::<flow_node::Model>::new(db.clone())))
        .data(loader(ByCaseLoader::<supervision_order::Model>::new(db.clone())))
        .data(loader(survey::loaders::MetricLoader(db.clone())))
}

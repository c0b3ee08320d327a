//! The domains of the platform, one folder each. Adding a domain means a folder here, a
//! line in `schema.rs` (query and mutation roots), a line in `request_data` below for its
//! loaders, and a line in `seed.rs`.

pub mod enforcement;
pub mod region;
pub mod survey;

use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;

/// Adds each domain's DataLoaders to one request (loaders are per request).
pub fn request_data(request: async_graphql::Request, db: &DatabaseConnection) -> async_graphql::Request {
    use enforcement::loaders::{ByCaseLoader, CourtLoader};
    use entity::enforcement::{flow_node, measure, party, supervision_order};
    request
        .data(DataLoader::new(
            region::loaders::RegionLoader(db.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            region::loaders::RegionChildrenLoader(db.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(CourtLoader(db.clone()), tokio::spawn))
        .data(DataLoader::new(
            ByCaseLoader::<party::Model>::new(db.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            ByCaseLoader::<measure::Model>::new(db.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            ByCaseLoader::<flow_node::Model>::new(db.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            ByCaseLoader::<supervision_order::Model>::new(db.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            survey::loaders::MetricLoader(db.clone()),
            tokio::spawn,
        ))
}

//! The community domain's rows for the shared loaders (`crate::loaders`): one statement per
//! relation per batch of parents.

use entity::community::{facility, grid, staff, unit};
use sea_orm::DatabaseConnection;
use std::future::Future;

use super::service::{facilities, grids, staff as staff_service, units};
use crate::error::AppResult;
use crate::loaders::{Child, Record};

/// Community's loaders for one request (its registration's `loaders`).
pub fn add(request: async_graphql::Request, l: &crate::loading::Loading<'_>) -> async_graphql::Request {
    use crate::loaders::{ByIdLoader, ChildrenLoader};
    request
        .data(l.loader(ChildrenLoader::<staff::Model>::new(l.db.clone())))
        .data(l.loader(ChildrenLoader::<facility::Model>::new(l.db.clone())))
        .data(l.loader(ChildrenLoader::<grid::Model>::new(l.db.clone())))
        .data(l.loader(ChildrenLoader::<GridWorker>::new(l.db.clone())))
        .data(l.loader(ByIdLoader::<unit::Model>::new(l.db.clone())))
}

impl Child for staff::Model {
    fn parent(&self) -> Option<i64> {
        Some(self.unit_id)
    }
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        staff_service::staff_of(db, parents)
    }
}

impl Child for facility::Model {
    fn parent(&self) -> Option<i64> {
        Some(self.unit_id)
    }
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        facilities::facilities_of(db, parents)
    }
}

impl Child for grid::Model {
    fn parent(&self) -> Option<i64> {
        Some(self.unit_id)
    }
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        grids::grids_of(db, parents)
    }
}

/// The workers of a grid: staff keyed by their grid.
#[derive(Clone)]
pub struct GridWorker(pub staff::Model);

impl Child for GridWorker {
    fn parent(&self) -> Option<i64> {
        self.0.grid_id
    }
    async fn fetch(db: &DatabaseConnection, parents: &[i64]) -> AppResult<Vec<Self>> {
        Ok(staff_service::workers_of(db, parents)
            .await?
            .into_iter()
            .map(GridWorker)
            .collect())
    }
}

impl Record for unit::Model {
    fn id(&self) -> i64 {
        self.id
    }
    fn fetch(db: &DatabaseConnection, ids: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        units::units_by_ids(db, ids)
    }
}

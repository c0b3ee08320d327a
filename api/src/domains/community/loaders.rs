//! The community domain's rows for the shared loaders (`crate::loaders`): one statement per
//! relation per batch of parents.

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::community::{facility, grid, staff, standard, unit};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::future::Future;

use super::service::{facilities, grids, staff as staff_service, standards, units};
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
        .data(l.cached_loader(StandardsLoader(l.db.clone())))
}

/// The facility standards in force in a year (`community_standards`), for the units' own
/// verdicts: one statement per year a request asks about, kept for the rest of the request.
pub struct StandardsLoader(pub DatabaseConnection);

impl Loader<i32> for StandardsLoader {
    type Value = Vec<standard::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, years: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for year in years {
            out.insert(*year, standards::in_force_in(&self.0, *year).await?);
        }
        Ok(out)
    }
}

/// The standards in force in `year`, through the request's loader.
pub async fn standards_in_force(
    ctx: &async_graphql::Context<'_>,
    year: i32,
) -> async_graphql::Result<Vec<standard::Model>> {
    Ok(ctx
        .data_unchecked::<DataLoader<StandardsLoader, HashMapCache>>()
        .load_one(year)
        .await?
        .unwrap_or_default())
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

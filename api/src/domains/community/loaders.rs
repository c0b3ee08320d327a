//! DataLoaders of the community domain: one statement per relation per batch of parents.

use async_graphql::dataloader::Loader;
use entity::community::{facility, grid, staff, unit};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;

use super::service::{facilities, grids, staff as staff_service, units};
use crate::error::AppResult;

/// Rows that belong to a parent record (a unit, a grid).
pub trait Child: Clone + Send + Sync + 'static {
    fn parent(&self) -> Option<i64>;
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send;
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

/// The rows of type `T` under each parent, in the service's order.
pub struct ChildrenLoader<T>(pub DatabaseConnection, PhantomData<fn() -> T>);

impl<T> ChildrenLoader<T> {
    pub fn new(db: DatabaseConnection) -> Self {
        Self(db, PhantomData)
    }
}

impl<T: Child> Loader<i64> for ChildrenLoader<T> {
    type Value = Vec<T>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let mut map: HashMap<i64, Vec<T>> = HashMap::new();
        for row in T::fetch(&self.0, keys).await? {
            if let Some(parent) = row.parent() {
                map.entry(parent).or_default().push(row);
            }
        }
        Ok(map)
    }
}

/// Units by id (the unit of a staff member, facility or grid).
pub struct UnitLoader(pub DatabaseConnection);

impl Loader<i64> for UnitLoader {
    type Value = unit::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(units::units_by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect())
    }
}

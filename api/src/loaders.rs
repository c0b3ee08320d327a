//! DataLoaders every domain uses: the rows under each parent (`ChildrenLoader`) and records
//! by id (`ByIdLoader`), one statement per batch. A domain implements `Child` or `Record`
//! for its rows and adds a loader in its registration's `loaders` (`loading.rs`).

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;

use crate::error::AppResult;

/// Rows that belong to a parent record (a unit's staff, a centre's halls).
pub trait Child: Clone + Send + Sync + 'static {
    fn parent(&self) -> Option<i64>;
    /// The rows of these parents, in the order each parent lists them.
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send;
}

/// The rows of type `T` under each parent.
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

/// A record loaded by id (the unit of a staff member, the facility of a project).
pub trait Record: Clone + Send + Sync + 'static {
    fn id(&self) -> i64;
    fn fetch(db: &DatabaseConnection, ids: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send;
}

/// Records of type `T` by id.
pub struct ByIdLoader<T>(pub DatabaseConnection, PhantomData<fn() -> T>);

impl<T> ByIdLoader<T> {
    pub fn new(db: DatabaseConnection) -> Self {
        Self(db, PhantomData)
    }
}

impl<T: Record> Loader<i64> for ByIdLoader<T> {
    type Value = T;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(T::fetch(&self.0, keys)
            .await?
            .into_iter()
            .map(|r| (r.id(), r))
            .collect())
    }
}

/// The children of `parent` through the request's loader.
pub async fn children<T: Child>(
    ctx: &async_graphql::Context<'_>,
    parent: i64,
) -> async_graphql::Result<Vec<T>> {
    Ok(ctx
        .data_unchecked::<async_graphql::dataloader::DataLoader<ChildrenLoader<T>>>()
        .load_one(parent)
        .await?
        .unwrap_or_default())
}

/// The record `id` through the request's loader.
pub async fn by_id<T: Record>(ctx: &async_graphql::Context<'_>, id: i64) -> async_graphql::Result<Option<T>> {
    ctx.data_unchecked::<async_graphql::dataloader::DataLoader<ByIdLoader<T>>>()
        .load_one(id)
        .await
}

//! DataLoaders of the enforcement domain: one SQL statement per relation per request
//! batch, whatever the number of rows.

use async_graphql::dataloader::Loader;
use entity::enforcement::{flow_node, measure, party, supervision_order};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;

use super::service;
use crate::error::AppResult;

/// Enforcement's loaders for one request (its registration's `loaders`).
pub fn add(request: async_graphql::Request, l: &crate::loading::Loading<'_>) -> async_graphql::Request {
    use crate::pagination::{NestedCountsLoader, NestedPagesLoader};
    use service::CourtCases;
    request
        .data(l.loader(ByCaseLoader::<party::Model>::new(l.db.clone())))
        .data(l.loader(ByCaseLoader::<measure::Model>::new(l.db.clone())))
        .data(l.loader(ByCaseLoader::<flow_node::Model>::new(l.db.clone())))
        .data(l.loader(ByCaseLoader::<supervision_order::Model>::new(l.db.clone())))
        .data(l.loader(NestedPagesLoader(CourtCases(l.db.clone()))))
        // Shared with the deferred `totalCount`, which outlives the resolver's context.
        .data(std::sync::Arc::new(
            l.loader(NestedCountsLoader(CourtCases(l.db.clone()))),
        ))
}

/// A row that belongs to one enforcement case.
pub trait CaseChild: Clone + Send + Sync + 'static {
    fn case_id(&self) -> i64;
    fn fetch(db: &DatabaseConnection, case_ids: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send;
}

macro_rules! case_child {
    ($model:ty, $fetch:path) => {
        impl CaseChild for $model {
            fn case_id(&self) -> i64 {
                self.case_id
            }
            fn fetch(
                db: &DatabaseConnection,
                case_ids: &[i64],
            ) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
                $fetch(db, case_ids)
            }
        }
    };
}

case_child!(party::Model, service::parties_of);
case_child!(measure::Model, service::measures_of);
case_child!(flow_node::Model, service::flow_nodes_of);
case_child!(supervision_order::Model, service::supervision_orders_of);

/// The rows of type `T` of each case, in the service's order.
pub struct ByCaseLoader<T>(pub DatabaseConnection, PhantomData<fn() -> T>);

impl<T> ByCaseLoader<T> {
    pub fn new(db: DatabaseConnection) -> Self {
        Self(db, PhantomData)
    }
}

impl<T: CaseChild> Loader<i64> for ByCaseLoader<T> {
    type Value = Vec<T>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let mut map: HashMap<i64, Vec<T>> = HashMap::new();
        for row in T::fetch(&self.0, keys).await? {
            map.entry(row.case_id()).or_default().push(row);
        }
        Ok(map)
    }
}

//! The rural domain's rows for the shared loaders (`crate::loaders`).

use entity::rural::{indicator, village_income};
use sea_orm::DatabaseConnection;
use std::future::Future;

use super::service::{indicators, villages};
use crate::error::AppResult;
use crate::loaders::{Child, Record};

/// Rural's loaders for one request (its registration's `loaders`).
pub fn add(request: async_graphql::Request, l: &crate::loading::Loading<'_>) -> async_graphql::Request {
    use crate::loaders::{ByIdLoader, ChildrenLoader};
    request
        .data(l.loader(ByIdLoader::<indicator::Model>::new(l.db.clone())))
        .data(l.loader(ChildrenLoader::<village_income::Model>::new(l.db.clone())))
}

impl Child for village_income::Model {
    fn parent(&self) -> Option<i64> {
        Some(self.village_id)
    }
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        villages::incomes_of(db, parents)
    }
}

impl Record for indicator::Model {
    fn id(&self) -> i64 {
        self.id
    }
    fn fetch(db: &DatabaseConnection, ids: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        indicators::by_ids(db, ids)
    }
}

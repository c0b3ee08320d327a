//! The rural domain's rows for the shared loaders (`crate::loaders`).

use entity::rural::village_income;
use sea_orm::DatabaseConnection;
use std::future::Future;

use super::service::villages;
use crate::error::AppResult;
use crate::loaders::Child;

impl Child for village_income::Model {
    fn parent(&self) -> Option<i64> {
        Some(self.village_id)
    }
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        villages::incomes_of(db, parents)
    }
}

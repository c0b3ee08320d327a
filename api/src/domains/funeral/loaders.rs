//! The funeral domain's rows for the shared loaders (`crate::loaders`).

use entity::funeral::{facility, hold, milestone, project};
use sea_orm::DatabaseConnection;
use std::future::Future;

use super::service::{facilities, plots, projects};
use crate::error::AppResult;
use crate::loaders::{Child, Record};

/// Funeral's loaders for one request (its registration's `loaders`).
pub fn add(request: async_graphql::Request, l: &crate::loading::Loading<'_>) -> async_graphql::Request {
    use crate::loaders::{ByIdLoader, ChildrenLoader};
    request
        .data(l.loader(ChildrenLoader::<Part>::new(l.db.clone())))
        .data(l.loader(ByIdLoader::<facility::Model>::new(l.db.clone())))
        .data(l.loader(ChildrenLoader::<project::Model>::new(l.db.clone())))
        .data(l.loader(ChildrenLoader::<milestone::Model>::new(l.db.clone())))
        .data(l.loader(ChildrenLoader::<hold::Model>::new(l.db.clone())))
}

/// The halls and office buildings of a centre.
#[derive(Clone)]
pub struct Part(pub facility::Model);

impl Child for Part {
    fn parent(&self) -> Option<i64> {
        self.0.parent_id
    }
    async fn fetch(db: &DatabaseConnection, parents: &[i64]) -> AppResult<Vec<Self>> {
        Ok(facilities::parts_of(db, parents)
            .await?
            .into_iter()
            .map(Part)
            .collect())
    }
}

impl Record for facility::Model {
    fn id(&self) -> i64 {
        self.id
    }
    fn fetch(db: &DatabaseConnection, ids: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        facilities::facilities_by_ids(db, ids)
    }
}

impl Child for project::Model {
    fn parent(&self) -> Option<i64> {
        self.facility_id
    }
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        projects::projects_of(db, parents)
    }
}

impl Child for milestone::Model {
    fn parent(&self) -> Option<i64> {
        Some(self.project_id)
    }
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        projects::milestones_of(db, parents)
    }
}

impl Child for hold::Model {
    fn parent(&self) -> Option<i64> {
        Some(self.plot_id)
    }
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        plots::live_holds_of(db, parents)
    }
}

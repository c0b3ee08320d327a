//! Every court in memory (courts are reference data: a few dozen rows that change with the
//! reference data only). No GraphQL here.

use entity::enforcement::court;
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::HashMap;

use crate::cache::TableCache;
use crate::error::AppResult;

/// A snapshot of the `courts` table.
pub struct CourtDirectory {
    by_id: HashMap<i64, court::Model>,
}

impl CourtDirectory {
    pub async fn load(db: &impl ConnectionTrait) -> AppResult<Self> {
        let rows = court::Entity::find().all(db).await?;
        Ok(CourtDirectory {
            by_id: rows.into_iter().map(|c| (c.id, c)).collect(),
        })
    }

    pub fn get(&self, id: i64) -> Option<&court::Model> {
        self.by_id.get(&id)
    }
}

/// The shared snapshot of the courts.
pub type CourtCache = TableCache<CourtDirectory>;

/// The courts' snapshot for one process (enforcement's registration's `cache`).
pub fn cache(ttl: std::time::Duration) -> std::sync::Arc<dyn crate::loading::ReferenceCache> {
    std::sync::Arc::new(CourtCache::new(ttl))
}

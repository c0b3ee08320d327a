//! DataLoaders of the region domain.

use async_graphql::dataloader::Loader;
use entity::region;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

use super::service;

/// Region by code.
pub struct RegionLoader(pub DatabaseConnection);

impl Loader<String> for RegionLoader {
    type Value = region::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let rows = service::by_codes(&self.0, keys).await?;
        Ok(rows.into_iter().map(|r| (r.code.clone(), r)).collect())
    }
}

/// Child regions by parent code.
pub struct RegionChildrenLoader(pub DatabaseConnection);

impl Loader<String> for RegionChildrenLoader {
    type Value = Vec<region::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let mut map: HashMap<String, Vec<region::Model>> = HashMap::new();
        for r in service::children_of(&self.0, keys).await? {
            if let Some(parent) = r.parent_code.clone() {
                map.entry(parent).or_default().push(r);
            }
        }
        Ok(map)
    }
}

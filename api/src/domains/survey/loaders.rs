//! Loader of computed metrics: one computation per distinct (domain, region, period), in
//! one call per domain however many figures share a batch. Domains are reached through
//! the metric registry (`figures.rs`); this module imports none of them.

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;

use crate::domains::region::directory::RegionCache;
use crate::domains::region::loaders::directory;
use crate::figures::{MetricQuery, MetricSet, Registry};

/// What a reported figure is computed over.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetricScope {
    /// The caller's reach: computed values cover it only.
    pub scope: crate::access::Scope,
    pub domain: String,
    pub region_code: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

pub struct MetricLoader {
    pub db: DatabaseConnection,
    pub regions: Arc<RegionCache>,
    pub registry: Arc<Registry>,
}

impl Loader<MetricScope> for MetricLoader {
    type Value = Arc<MetricSet>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MetricScope]) -> Result<HashMap<MetricScope, Self::Value>, Self::Error> {
        let regions = directory(&self.db, &self.regions).await?;
        let mut by_domain: HashMap<&str, Vec<(&MetricScope, MetricQuery)>> = HashMap::new();
        for key in keys {
            // A figure about a region the directory does not know has no computed value.
            let Some(region) = regions.subtree(&key.region_code) else {
                continue;
            };
            let query = MetricQuery {
                scope: key.scope.clone(),
                region,
                from: key.from,
                to: key.to,
            };
            by_domain
                .entry(key.domain.as_str())
                .or_default()
                .push((key, query));
        }
        let mut out = HashMap::new();
        for (domain, batch) in by_domain {
            let Some(source) = self.registry.source(domain) else {
                continue;
            };
            let queries: Vec<MetricQuery> = batch.iter().map(|(_, q)| q.clone()).collect();
            let sets = source.compute(&self.db, &queries).await?;
            for ((key, _), set) in batch.into_iter().zip(sets) {
                out.insert(key.clone(), Arc::new(set));
            }
        }
        Ok(out)
    }
}

//! Loader of computed metrics: one computation per distinct (domain, region, period), in
//! one call per domain however many figures share a batch. Domains are reached through
//! the metric registry (`figures.rs`); this module imports none of them.

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use futures_util::FutureExt as _;
use futures_util::future::{BoxFuture, Shared};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::figures::{MetricQuery, MetricSet, Registry};
use crate::region::directory::RegionCache;
use crate::region::loaders::directory;

/// The survey's loaders for one request (its registration's `loaders`): the metrics behind
/// reported figures, kept for the whole request, and the reports' items and follow-ups.
pub fn add(request: async_graphql::Request, l: &crate::loading::Loading<'_>) -> async_graphql::Request {
    use crate::loaders::ChildrenLoader;
    request
        .data(l.cached_loader(MetricLoader::new(
            l.db.clone(),
            l.caches.regions.clone(),
            l.caches.metrics.clone(),
            l.caches.results.clone(),
        )))
        .data(
            l.loader(ChildrenLoader::<entity::survey::report_item::Model>::new(
                l.db.clone(),
            )),
        )
        .data(l.loader(ChildrenLoader::<entity::survey::followup::Model>::new(
            l.db.clone(),
        )))
}

/// What a reported figure is computed over.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetricScope {
    /// The caller's reach: computed values cover it only.
    pub scope: crate::access::Scope,
    pub domain: String,
    pub region_code: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The caller's role: a source protects its values for a role that may not read its
    /// domain's records (`MetricSource::policy`), with `method`.
    pub role: crate::access::Role,
    pub method: crate::aggregate::cellkey::Protection,
}

/// What one batch computed, by key.
type Computed = Arc<HashMap<MetricScope, Arc<MetricSet>>>;
/// A batch, shared by every key it computes, so that a key asked for again in the same
/// request (by `reportedFigures` and again by `dataQualityIssues`, say), even while its batch
/// still runs, waits for that batch rather than computing again.
type SharedBatch = Shared<BoxFuture<'static, Result<Computed, async_graphql::Error>>>;

pub struct MetricLoader {
    pub db: DatabaseConnection,
    pub regions: Arc<RegionCache>,
    pub registry: Arc<Registry>,
    /// Metric sets computed by earlier requests, by data version.
    pub results: Arc<crate::cache::ResultCache>,
    /// The request's batches by key (loaders are per request).
    pub memo: Mutex<HashMap<MetricScope, SharedBatch>>,
}

impl MetricLoader {
    pub fn new(
        db: DatabaseConnection,
        regions: Arc<RegionCache>,
        registry: Arc<Registry>,
        results: Arc<crate::cache::ResultCache>,
    ) -> Self {
        MetricLoader {
            db,
            regions,
            registry,
            results,
            memo: Mutex::new(HashMap::new()),
        }
    }
}

/// Computes the metrics of `keys`: one call per domain, for the keys whose sets no earlier
/// request computed at the current data version.
async fn compute(
    db: DatabaseConnection,
    regions: Arc<RegionCache>,
    registry: Arc<Registry>,
    results: Arc<crate::cache::ResultCache>,
    keys: Vec<MetricScope>,
) -> Result<Computed, async_graphql::Error> {
    let mut out = HashMap::new();
    let version = match results.enabled() {
        true => Some(crate::cache::data_version(&db).await?),
        false => None,
    };
    let cache_key = |key: &MetricScope| format!("metrics {key:?}");
    let keys: Vec<MetricScope> = keys
        .into_iter()
        .filter(|key| {
            let kept = version.and_then(|v| results.peek::<Arc<MetricSet>>(&cache_key(key), v));
            match kept {
                Some(set) => {
                    out.insert(key.clone(), set);
                    false
                }
                None => true,
            }
        })
        .collect();
    if keys.is_empty() {
        return Ok(Arc::new(out));
    }
    let regions = directory(&db, &regions).await?;
    let mut by_domain: HashMap<&str, Vec<(&MetricScope, MetricQuery)>> = HashMap::new();
    for key in &keys {
        // A figure about a region the directory does not know has no computed value.
        let Some(region) = regions.subtree(&key.region_code) else {
            continue;
        };
        let query = MetricQuery {
            scope: key.scope.clone(),
            region,
            from: key.from,
            to: key.to,
            protect: None,
        };
        by_domain
            .entry(key.domain.as_str())
            .or_default()
            .push((key, query));
    }
    for (domain, batch) in by_domain {
        let Some(source) = registry.source(domain) else {
            continue;
        };
        // Protected for a role that may not read the domain's records; a source that cannot
        // protect its values computes none for such a caller.
        let batch: Vec<_> = batch
            .into_iter()
            .map(|(key, mut q)| {
                if !source.policy().allows(key.role, crate::access::Action::Read) {
                    q.protect = Some(key.method.clone());
                }
                (key, q)
            })
            .filter(|(_, q)| q.protect.is_none() || source.protects())
            .collect();
        if batch.is_empty() {
            continue;
        }
        let queries: Vec<MetricQuery> = batch.iter().map(|(_, q)| q.clone()).collect();
        let sets = source.compute(&db, &queries).await?;
        for ((key, _), set) in batch.into_iter().zip(sets) {
            let set = Arc::new(set);
            if let Some(v) = version {
                results.put(cache_key(key), v, set.clone());
            }
            out.insert(key.clone(), set);
        }
    }
    Ok(Arc::new(out))
}

impl Loader<MetricScope> for MetricLoader {
    type Value = Arc<MetricSet>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MetricScope]) -> Result<HashMap<MetricScope, Self::Value>, Self::Error> {
        let pending: Vec<(MetricScope, SharedBatch)> = {
            let mut memo = self.memo.lock().unwrap_or_else(PoisonError::into_inner);
            let fresh: Vec<MetricScope> = keys.iter().filter(|k| !memo.contains_key(*k)).cloned().collect();
            if !fresh.is_empty() {
                let batch = compute(
                    self.db.clone(),
                    self.regions.clone(),
                    self.registry.clone(),
                    self.results.clone(),
                    fresh.clone(),
                )
                .boxed()
                .shared();
                for k in fresh {
                    memo.insert(k, batch.clone());
                }
            }
            keys.iter()
                .filter_map(|k| memo.get(k).map(|b| (k.clone(), b.clone())))
                .collect()
        };
        let mut out = HashMap::new();
        for (key, batch) in pending {
            if let Some(set) = batch.await?.get(&key) {
                out.insert(key, set.clone());
            }
        }
        Ok(out)
    }
}

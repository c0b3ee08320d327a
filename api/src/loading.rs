//! What a request's resolvers read through: the process's caches (one set per process) and
//! the request's DataLoaders (one set per request). The core holds its own caches; each
//! domain adds its reference caches and its loaders through its registration
//! (`registry::Domain::caches`, `registry::Domain::loaders`).

use async_graphql::dataloader::{DataLoader, HashMapCache};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument as _;

use crate::cache::{ResultCache, TableCache};
use crate::region::directory::RegionCache;
use crate::telemetry::sql::RequestStats;

/// Reference data a domain keeps in memory for the whole process (a table snapshot), which
/// its resolvers find in their request's data.
pub trait ReferenceCache: Send + Sync {
    /// Drops the snapshot (after the reference data is written, as by the seed).
    fn invalidate(&self);
    /// Adds the cache to a request's data.
    fn provide(self: Arc<Self>, request: async_graphql::Request) -> async_graphql::Request;
}

impl<T: Send + Sync + 'static> ReferenceCache for TableCache<T> {
    fn invalidate(&self) {
        TableCache::invalidate(self);
    }

    fn provide(self: Arc<Self>, request: async_graphql::Request) -> async_graphql::Request {
        request.data(self)
    }
}

/// A domain's reference cache, made once per process with the configured time to live.
pub type MakeCache = fn(Duration) -> Arc<dyn ReferenceCache>;

/// The process's caches.
#[derive(Clone)]
pub struct Caches {
    pub regions: Arc<RegionCache>,
    /// What each domain computes for reported figures.
    pub metrics: Arc<crate::figures::Registry>,
    /// Results of expensive reads (KPIs, statistics, aggregates) by data version.
    pub results: Arc<ResultCache>,
    /// The domains' reference caches.
    pub domains: Arc<[Arc<dyn ReferenceCache>]>,
}

impl Caches {
    pub fn new(
        ttl: Duration,
        result_entries: usize,
        metrics: crate::figures::Registry,
        domains: impl IntoIterator<Item = MakeCache>,
    ) -> Self {
        Caches {
            regions: Arc::new(TableCache::new(ttl)),
            metrics: Arc::new(metrics),
            results: Arc::new(ResultCache::new(result_entries)),
            domains: domains.into_iter().map(|make| make(ttl)).collect(),
        }
    }

    /// Drops every snapshot (after the reference data is written, as by the seed).
    pub fn invalidate(&self) {
        self.regions.invalidate();
        for cache in self.domains.iter() {
            cache.invalidate();
        }
    }

    /// Adds the caches to a request's data.
    pub fn provide(&self, request: async_graphql::Request) -> async_graphql::Request {
        let request = request.data(self.regions.clone()).data(self.results.clone());
        self.domains
            .iter()
            .fold(request, |request, cache| cache.clone().provide(request))
    }
}

/// What one request's loaders are made of. Each loader collects keys for 2 ms before it
/// queries, so that a level of a large page resolves in one batch; its batches run as tasks
/// that count their SQL against the request and trace under the resolver that asked.
pub struct Loading<'a> {
    pub db: &'a DatabaseConnection,
    pub caches: &'a Caches,
    stats: &'a Arc<RequestStats>,
}

/// A domain's loaders added to one request's data (`registry::Domain::loaders`).
pub type AddLoaders = fn(async_graphql::Request, &Loading<'_>) -> async_graphql::Request;

impl<'a> Loading<'a> {
    pub fn new(db: &'a DatabaseConnection, caches: &'a Caches, stats: &'a Arc<RequestStats>) -> Self {
        Loading { db, caches, stats }
    }

    /// A loader for this request.
    pub fn loader<T: Send + Sync + 'static>(&self, l: T) -> DataLoader<T> {
        let stats = self.stats.clone();
        DataLoader::new(l, move |batch| {
            tokio::spawn(stats.scope(batch).instrument(tracing::Span::current()))
        })
        .delay(Duration::from_millis(2))
    }

    /// A loader that keeps what it loaded for the rest of the request: for computations a
    /// request may ask for again in another batch (the metrics behind reported figures, asked
    /// for by `reportedFigures` and again by `dataQualityIssues`).
    pub fn cached_loader<T: Send + Sync + 'static>(&self, l: T) -> DataLoader<T, HashMapCache> {
        let stats = self.stats.clone();
        DataLoader::with_cache(
            l,
            move |batch| tokio::spawn(stats.scope(batch).instrument(tracing::Span::current())),
            HashMapCache::default(),
        )
        .delay(Duration::from_millis(2))
    }
}

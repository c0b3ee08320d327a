//! The domains of the platform, one folder each. Adding a domain means a folder here, a
//! line in `schema.rs` (query and mutation roots), a line in `request_data` below for its
//! loaders (and one in `Caches` for each reference table it keeps in memory), and a line in
//! `seed.rs`.

pub mod community;
pub mod enforcement;
pub mod funeral;
pub mod region;
pub mod rural;
pub mod survey;

use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tracing::Instrument as _;

use crate::telemetry::sql::RequestStats;

/// The reference data of every domain, read from memory (`cache.rs`); one set per process.
#[derive(Clone)]
pub struct Caches {
    pub regions: Arc<region::directory::RegionCache>,
    pub courts: Arc<enforcement::directory::CourtCache>,
    /// What each domain computes for reported figures.
    pub metrics: Arc<crate::figures::Registry>,
    /// Results of expensive reads (KPIs, statistics, aggregates) by data version.
    pub results: Arc<crate::cache::ResultCache>,
}

impl Caches {
    pub fn new(ttl: std::time::Duration, result_entries: usize) -> Self {
        Caches {
            regions: Arc::new(crate::cache::TableCache::new(ttl)),
            courts: Arc::new(crate::cache::TableCache::new(ttl)),
            metrics: Arc::new(metric_sources()),
            results: Arc::new(crate::cache::ResultCache::new(result_entries)),
        }
    }

    /// Drops every snapshot (after the reference data is written, as by the seed).
    pub fn invalidate(&self) {
        self.regions.invalidate();
        self.courts.invalidate();
    }
}

/// Every domain's metric source (`figures.rs`): the survey module reaches domains only here.
pub fn metric_sources() -> crate::figures::Registry {
    crate::figures::Registry::new(vec![
        Arc::new(enforcement::figures::Source),
        Arc::new(community::figures::Source),
        Arc::new(funeral::figures::Source),
        Arc::new(rural::figures::Source),
    ])
}

/// Every domain's exportable aggregates (`export/aggregates.rs`).
pub fn exports() -> Vec<&'static crate::export::ExportSpec> {
    enforcement::types::aggregate::EXPORTS
        .iter()
        .chain(&community::types::aggregate::EXPORTS)
        .chain(&funeral::types::aggregate::EXPORTS)
        .chain(&rural::types::aggregate::EXPORTS)
        .collect()
}

fn loader<T: Send + Sync + 'static>(l: T, stats: &Arc<RequestStats>) -> DataLoader<T> {
    let stats = stats.clone();
    DataLoader::new(l, move |batch| {
        tokio::spawn(stats.scope(batch).instrument(tracing::Span::current()))
    })
    .delay(std::time::Duration::from_millis(2))
}

/// A loader that keeps what it loaded for the rest of the request: for computations a request
/// may ask for again in another batch (the metrics behind reported figures, asked for by
/// `reportedFigures` and again by `dataQualityIssues`).
fn cached_loader<T: Send + Sync + 'static>(
    l: T,
    stats: &Arc<RequestStats>,
) -> DataLoader<T, async_graphql::dataloader::HashMapCache> {
    let stats = stats.clone();
    DataLoader::with_cache(
        l,
        move |batch| tokio::spawn(stats.scope(batch).instrument(tracing::Span::current())),
        async_graphql::dataloader::HashMapCache::default(),
    )
    .delay(std::time::Duration::from_millis(2))
}

/// Every record type the domains write, from each domain's registration (`tracked!`).
pub fn records() -> Vec<&'static crate::record::RecordType> {
    [
        enforcement::RECORDS,
        community::RECORDS,
        rural::RECORDS,
        funeral::RECORDS,
        survey::RECORDS,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Adds each domain's DataLoaders to one request (loaders are per request). Each collects
/// keys for 2 ms before it queries, so that a level of a large page resolves in one batch;
/// its batches run as tasks that count their SQL against the request and trace under the
/// resolver that asked.
pub fn request_data(
    request: async_graphql::Request,
    db: &DatabaseConnection,
    caches: &Caches,
    stats: &Arc<RequestStats>,
) -> async_graphql::Request {
    use crate::loaders::{ByIdLoader, ChildrenLoader};
    use crate::pagination::{NestedCountsLoader, NestedPagesLoader};
    use community::loaders::GridWorker;
    use enforcement::loaders::ByCaseLoader;
    use enforcement::service::CourtCases;
    use entity::community::{
        facility as community_facility, grid as community_grid, staff as community_staff,
        unit as community_unit,
    };
    use entity::enforcement::{flow_node, measure, party, supervision_order};
    use entity::funeral::{
        facility as funeral_facility, hold as funeral_hold, milestone as funeral_milestone,
        project as funeral_project,
    };
    request
        .data(caches.regions.clone())
        .data(caches.courts.clone())
        .data(caches.results.clone())
        .data(loader(ByCaseLoader::<party::Model>::new(db.clone()), stats))
        .data(loader(ByCaseLoader::<measure::Model>::new(db.clone()), stats))
        .data(loader(ByCaseLoader::<flow_node::Model>::new(db.clone()), stats))
        .data(loader(
            ByCaseLoader::<supervision_order::Model>::new(db.clone()),
            stats,
        ))
        .data(cached_loader(
            survey::loaders::MetricLoader::new(
                db.clone(),
                caches.regions.clone(),
                caches.metrics.clone(),
                caches.results.clone(),
            ),
            stats,
        ))
        .data(loader(
            ChildrenLoader::<community_staff::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ChildrenLoader::<community_facility::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ChildrenLoader::<community_grid::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(ChildrenLoader::<GridWorker>::new(db.clone()), stats))
        .data(loader(
            ByIdLoader::<community_unit::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ByIdLoader::<entity::webhook::endpoint::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ChildrenLoader::<funeral::loaders::Part>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ByIdLoader::<funeral_facility::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ByIdLoader::<entity::rural::indicator::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ChildrenLoader::<funeral_project::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ChildrenLoader::<funeral_milestone::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ChildrenLoader::<funeral_hold::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ChildrenLoader::<entity::rural::village_income::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ChildrenLoader::<entity::survey::report_item::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(
            ChildrenLoader::<entity::survey::followup::Model>::new(db.clone()),
            stats,
        ))
        .data(loader(NestedPagesLoader(CourtCases(db.clone())), stats))
        // Shared with the deferred `totalCount`, which outlives the resolver's context.
        .data(Arc::new(loader(
            NestedCountsLoader(CourtCases(db.clone())),
            stats,
        )))
}

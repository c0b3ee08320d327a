//! The domains of the platform, one folder each, and their registry: the one file that
//! names every domain. A domain registers itself with its line in `DOMAINS` (its descriptor,
//! `registry::Domain`, which the shared parts iterate over) and its parts of the GraphQL
//! composition below, which the compiler needs by type: its query, mutation, aggregate and
//! subscription roots, its dashboard section, its `Node` types (`nodes.rs`) and its
//! loaders. `docs/architecture.md` gives the recipe; `tests/registry.rs` checks that the
//! registrations agree with the schema.

pub mod community;
pub mod enforcement;
pub mod funeral;
pub mod nodes;
pub mod rural;
pub mod survey;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Enum, MergedObject, MergedSubscription};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tracing::Instrument as _;

use crate::registry::Domain;
use crate::telemetry::sql::RequestStats;

/// Every registered domain, in the order the shared parts list them.
pub static DOMAINS: [&Domain; 5] = [
    &enforcement::DOMAIN,
    &community::DOMAIN,
    &funeral::DOMAIN,
    &rural::DOMAIN,
    &survey::DOMAIN,
];

/// The reads of the domains' records and figures.
#[derive(MergedObject, Default)]
pub struct DomainQuery(
    enforcement::query::EnforcementQuery,
    community::query::CommunityQuery,
    funeral::query::FuneralQuery,
    rural::query::RuralQuery,
    survey::query::SurveyQuery,
);

/// The grouped aggregates of the domains (BI).
#[derive(MergedObject, Default)]
pub struct AggregateQuery(
    enforcement::types::EnforcementAggregateQuery,
    community::types::CommunityStaffAggregateQuery,
    community::types::CommunityUnitAggregateQuery,
    funeral::types::GravePlotAggregateQuery,
    funeral::types::FuneralProjectAggregateQuery,
    rural::types::ObservationAggregateQuery,
);

/// The changes the domains accept.
#[derive(MergedObject, Default)]
pub struct DomainMutation(
    enforcement::mutation::EnforcementMutation,
    community::mutation::CommunityMutation,
    funeral::mutation::FuneralMutation,
    rural::mutation::RuralMutation,
    survey::mutation::SurveyMutation,
);

/// The domains' live updates.
#[derive(MergedSubscription, Default)]
pub struct DomainSubscription(enforcement::subscription::EnforcementSubscription);

/// Every domain's section of a region's dashboard (`hub.rs`), in registry order.
#[derive(MergedObject)]
pub struct Dashboards(
    enforcement::dashboard::Dashboard,
    community::dashboard::Dashboard,
    funeral::dashboard::Dashboard,
    rural::dashboard::Dashboard,
    survey::dashboard::Dashboard,
);

impl Dashboards {
    /// The sections for one region.
    pub fn of(code: &str) -> Self {
        Dashboards(
            enforcement::dashboard::Dashboard(code.to_owned()),
            community::dashboard::Dashboard(code.to_owned()),
            funeral::dashboard::Dashboard(code.to_owned()),
            rural::dashboard::Dashboard(code.to_owned()),
            survey::dashboard::Dashboard(code.to_owned()),
        )
    }
}

// Every registered domain that syncs, by its key (`ENFORCEMENT` is `enforcement`).
/// A domain whose records sync (同步的业务领域).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyncDomain {
    /// Court enforcement (执行案件): cases, parties, measures, flow nodes, supervision
    /// orders, dishonest-debtor entries.
    Enforcement,
    /// Urban community units (城市社区): units, staff, facilities, grids.
    Community,
    /// Funeral facilities (殡葬设施) and their projects, plots, fees, subsidies, violations.
    Funeral,
    /// Rural revitalisation (乡村振兴): villages, village incomes, observations.
    Rural,
}

impl SyncDomain {
    /// The registered domain's key.
    pub fn key(self) -> &'static str {
        match self {
            SyncDomain::Enforcement => enforcement::DOMAIN.key,
            SyncDomain::Community => community::DOMAIN.key,
            SyncDomain::Funeral => funeral::DOMAIN.key,
            SyncDomain::Rural => rural::DOMAIN.key,
        }
    }

    /// The value for a domain key.
    pub fn of(key: &str) -> Option<Self> {
        [
            SyncDomain::Enforcement,
            SyncDomain::Community,
            SyncDomain::Funeral,
            SyncDomain::Rural,
        ]
        .into_iter()
        .find(|d| d.key() == key)
    }
}

/// The reference data of every domain, read from memory (`cache.rs`); one set per process.
#[derive(Clone)]
pub struct Caches {
    pub regions: Arc<crate::region::directory::RegionCache>,
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
    crate::figures::Registry::new(
        DOMAINS
            .iter()
            .filter_map(|d| d.metrics)
            .map(|source| source())
            .collect(),
    )
}

/// Every domain's exportable aggregates (`export/aggregates.rs`).
pub fn exports() -> Vec<&'static crate::export::ExportSpec> {
    DOMAINS.iter().flat_map(|d| d.exports).collect()
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
    DOMAINS.iter().flat_map(|d| d.records).collect()
}

/// The GraphQL names of every record type the domains write (what webhooks may name).
pub fn record_type_names() -> Vec<&'static str> {
    records().into_iter().map(|r| r.record_type).collect()
}

/// The registered domain with this key.
pub fn domain(key: &str) -> Option<&'static Domain> {
    DOMAINS.iter().copied().find(|d| d.key == key)
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

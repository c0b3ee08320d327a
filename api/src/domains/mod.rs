//! The domains of the platform, one folder each, and the registry that composes them. A
//! domain registers itself with one line in `registered.rs`; from that list this file
//! declares the domains' modules and makes `DOMAINS` (each domain's descriptor, `registry::Domain`, which the shared parts iterate
//! over) and what the compiler needs by type: the merged query, mutation, aggregate and
//! subscription roots, the dashboard sections and `SyncDomain`. `docs/architecture.md` gives
//! the recipe; `tests/registry.rs` checks that the registrations agree with the schema.

pub mod registered;

use async_graphql::{Enum, MergedObject, MergedSubscription};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::loading::{Caches, Loading};
use crate::registry::Domain;
use crate::telemetry::sql::RequestStats;

/// The registry's parts, from the list of registered domains.
macro_rules! compose {
    ($($domain:ident [$($node:ident),*] $(sync $sync:ident $desc:literal)?;)*) => {
        $(pub mod $domain;)*

        /// Every registered domain, in the order the shared parts list them.
        pub static DOMAINS: &[&Domain] = &[$(&$domain::DOMAIN),*];

        /// The reads of the domains' records and figures.
        #[derive(MergedObject, Default)]
        pub struct DomainQuery($($domain::Query),*);

        /// The grouped aggregates of the domains (BI).
        #[derive(MergedObject, Default)]
        pub struct AggregateQuery($($domain::Aggregates),*);

        /// The changes the domains accept.
        #[derive(MergedObject, Default)]
        pub struct DomainMutation($($domain::Mutation),*);

        /// The domains' live updates.
        #[derive(MergedSubscription, Default)]
        pub struct DomainSubscription($($domain::Subscription),*);

        /// Every domain's section of a region's dashboard (`hub.rs`), in registry order.
        #[derive(MergedObject)]
        pub struct Dashboards($($domain::Dashboard),*);

        impl Dashboards {
            /// The sections for one region.
            pub fn of(code: &str) -> Self {
                Dashboards($($domain::Dashboard(code.to_owned())),*)
            }
        }

        /// A domain whose records sync (同步的业务领域).
        #[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
        pub enum SyncDomain {
            $($(#[doc = $desc] $sync,)?)*
        }

        impl SyncDomain {
            /// Every value, in registry order.
            const ALL: &[SyncDomain] = &[$($(SyncDomain::$sync,)?)*];

            /// The registered domain's key.
            pub fn key(self) -> &'static str {
                match self {
                    $($(SyncDomain::$sync => $domain::DOMAIN.key,)?)*
                }
            }
        }
    };
}

registered::registered!(compose);

impl SyncDomain {
    /// The value for a domain key.
    pub fn of(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|d| d.key() == key)
    }
}

/// The process's caches: the core's and every domain's (`loading.rs`).
pub fn caches(ttl: std::time::Duration, result_entries: usize) -> Caches {
    Caches::new(
        ttl,
        result_entries,
        metric_sources(),
        DOMAINS.iter().filter_map(|d| d.cache),
    )
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

/// Adds the caches and every domain's DataLoaders to one request (loaders are per request;
/// `loading.rs` says how they batch).
pub fn request_data(
    request: async_graphql::Request,
    db: &DatabaseConnection,
    caches: &Caches,
    stats: &Arc<RequestStats>,
) -> async_graphql::Request {
    let loading = Loading::new(db, caches, stats);
    let request = caches.provide(request).data(
        loading.loader(crate::loaders::ByIdLoader::<entity::webhook::endpoint::Model>::new(db.clone())),
    );
    DOMAINS
        .iter()
        .fold(request, |request, d| (d.loaders)(request, &loading))
}

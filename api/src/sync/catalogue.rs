//! Which record types each registered domain syncs and where each type's region comes from
//! (each domain's `Domain::sync`): the catalogue both the sync service and the sync token
//! read, beneath them both.

use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::domains::DOMAINS;
use crate::error::AppResult;
use crate::registry::Loaded;

pub use crate::registry::RegionOf;

/// A domain that syncs (业务领域): its place among the registered domains, which orders it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Domain(usize);

/// A record type that syncs: its GraphQL name (as the change log writes it), its table and
/// where its region comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncType {
    pub name: &'static str,
    pub table: &'static str,
    pub region: RegionOf,
}

/// Every syncing domain's types, in registry order; a synced type its domain does not
/// register as a record is left out (and fails `tests/registry.rs`).
fn catalogue() -> &'static [(Domain, Vec<SyncType>)] {
    static CATALOGUE: OnceLock<Vec<(Domain, Vec<SyncType>)>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        DOMAINS
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                let types: Vec<SyncType> = d
                    .synced()
                    .filter_map(|(n, sync)| {
                        Some(SyncType {
                            name: n.name,
                            table: (d.record(n.name)?.table)(),
                            region: sync.region,
                        })
                    })
                    .collect();
                d.syncs().then_some((Domain(i), types))
            })
            .collect()
    })
}

impl Domain {
    /// Every domain that syncs, in registry order.
    pub fn all() -> impl Iterator<Item = Domain> {
        catalogue().iter().map(|(d, _)| *d)
    }

    pub fn key(self) -> &'static str {
        DOMAINS[self.0].key
    }

    /// Who may read the domain's records.
    pub fn policy(self) -> &'static crate::access::Policy {
        DOMAINS[self.0].policy
    }

    pub fn parse(key: &str) -> Option<Domain> {
        Domain::all().find(|d| d.key() == key)
    }

    /// The record types the domain syncs, in snapshot order.
    pub fn types(self) -> &'static [SyncType] {
        catalogue()
            .iter()
            .find(|(d, _)| *d == self)
            .map_or(&[], |(_, types)| types.as_slice())
    }

    /// The domain's records of type `name` with these ids that still exist, by id.
    pub async fn load(
        self,
        db: &DatabaseConnection,
        name: &str,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, Loaded>> {
        match DOMAINS[self.0].node_type(name).and_then(|n| n.sync.as_ref()) {
            Some(sync) => (sync.load)(db, ids).await,
            None => Ok(HashMap::new()),
        }
    }
}

/// The domain and type of a type name.
pub fn type_named(name: &str) -> Option<(Domain, &'static SyncType)> {
    catalogue()
        .iter()
        .find_map(|(d, types)| types.iter().find(|t| t.name == name).map(|t| (*d, t)))
}

//! What a domain tells the shared parts about itself, once: its [`Domain`] descriptor, which
//! the domain declares in its `mod.rs` and `domains::DOMAINS` lists. Node resolution, sync,
//! webhooks, the data dictionary, the figures, exports and the seed iterate over the
//! registered domains; none of them names a domain.
//!
//! This module sits beneath the domains and the shared parts alike: it names no domain and
//! imports nothing that does, apart from the `Node` interface (`domains::nodes`) a domain's
//! resolver answers with.

use async_graphql::{Context, Enum};
use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;

use crate::access::Policy;
use crate::domains::nodes::Node;
use crate::error::AppResult;
use crate::export::ExportSpec;
use crate::figures::MetricSource;
use crate::record::RecordType;

/// A domain as the shared parts know it.
pub struct Domain {
    /// Its key (`enforcement`): the audit's, the dictionary's, the figures' and sync's name
    /// for it.
    pub key: &'static str,
    /// Who may do what with its data.
    pub policy: &'static Policy,
    /// The record types it writes (`tracked!`): audited, logged for sync, offered to webhooks.
    pub records: &'static [RecordType],
    /// The types `node(id)` finds through `node`, with their tables.
    pub nodes: &'static [NodeType],
    /// Resolves `node(id)` for one of `nodes`: the type name and the id's key; `None` when the
    /// record does not exist or lies outside the caller's reach.
    pub node: ResolveNode,
    /// What it syncs to mobile clients, if anything.
    pub sync: Option<Syncing>,
    /// Its datasets in the data dictionary (数据字典).
    pub datasets: &'static [Dataset],
    /// What it computes for reported figures (`figures.rs`), if anything.
    pub metrics: Option<fn() -> Arc<dyn MetricSource>>,
    /// Its exportable grouped aggregates.
    pub exports: &'static [ExportSpec],
    /// The files it imports over HTTP (`POST /import/{name}`), under its write permission.
    pub imports: &'static [crate::file_import::FileImport],
    /// The survey reports it ships, each with the domains it is about (`None`: it ships no
    /// reports); its own datasets draw on every report.
    pub reports: Option<ShippedReports>,
    /// Seeds its reference data and figures, and its records when asked (`records`), `scale`
    /// times over; returns the rows written.
    pub seed: Seed,
}

impl Domain {
    /// The registration of one of its record types.
    pub fn record(&self, record_type: &str) -> Option<&'static RecordType> {
        self.records.iter().find(|r| r.record_type == record_type)
    }
}

/// What a domain syncs.
pub struct Syncing {
    /// The record types, in snapshot order; each is one of the domain's `records`.
    pub types: &'static [Synced],
    /// Loads synced records by id, as their GraphQL types, with the region each lies in now.
    pub load: LoadSynced,
}

/// The future a domain's resolver returns.
pub type Found<'a, T> = BoxFuture<'a, async_graphql::Result<T>>;

/// `node(id)` for a domain's types.
pub type ResolveNode = for<'a> fn(&'a Context<'_>, &'a str, &'a str) -> Found<'a, Option<Node>>;

/// Synced records by id.
pub type LoadSynced =
    for<'a> fn(&'a DatabaseConnection, &'a str, &'a [i64]) -> BoxFuture<'a, AppResult<HashMap<i64, Loaded>>>;

/// The reports a domain ships: each report's number and the domains it is about.
pub type ShippedReports = fn() -> AppResult<Vec<(i32, Vec<String>)>>;

/// A domain's seed: the database, whether to write records, the scale.
pub type Seed = for<'a> fn(&'a DatabaseConnection, bool, u32) -> BoxFuture<'a, AppResult<u64>>;

/// A type `node(id)` resolves, and its table.
#[derive(Clone, Copy, Debug)]
pub struct NodeType {
    pub name: &'static str,
    pub table: fn() -> &'static str,
}

/// A loaded synced record and the region it lies in now.
pub struct Loaded {
    pub node: Node,
    pub region_code: String,
}

/// Where a synced type's region comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionOf {
    /// Its own `region_code` column.
    Column,
    /// The `region_code` of the record its `column` references, in `table` (a party's case).
    Parent {
        column: &'static str,
        table: &'static str,
    },
}

/// A record type that syncs: its GraphQL name (as the change log writes it) and where its
/// region comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    pub name: &'static str,
    pub region: RegionOf,
}

impl Synced {
    /// A type with its own `region_code` column.
    pub const fn own(name: &'static str) -> Self {
        Synced {
            name,
            region: RegionOf::Column,
        }
    }

    /// A type in the region of the record its `column` references, in `table`.
    pub const fn of_parent(name: &'static str, column: &'static str, table: &'static str) -> Self {
        Synced {
            name,
            region: RegionOf::Parent { column, table },
        }
    }
}

/// What kind of data a dataset is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DatasetKind {
    /// Records (明细记录).
    Records,
    /// Published statistics and KPIs (统计指标).
    Statistics,
    /// Grouped aggregates for BI and their exports (分组汇总).
    Aggregate,
    /// Public information (公开信息).
    Public,
}

impl DatasetKind {
    /// The policy action that reads a dataset of this kind, unless the dataset says otherwise.
    pub const fn action(self) -> crate::access::Action {
        use crate::access::Action;
        match self {
            DatasetKind::Records => Action::Read,
            DatasetKind::Statistics => Action::Aggregate,
            DatasetKind::Aggregate => Action::Statistics,
            DatasetKind::Public => Action::Public,
        }
    }
}

/// A dataset of the data dictionary: a GraphQL type, what kind of data it is and the policy
/// action that reads it. Its personal fields are its record type's (`tracked!`).
#[derive(Clone, Copy, Debug)]
pub struct Dataset {
    pub ty: &'static str,
    pub kind: DatasetKind,
    pub action: crate::access::Action,
}

impl Dataset {
    /// A dataset read by its kind's usual action.
    pub const fn of(ty: &'static str, kind: DatasetKind) -> Self {
        Dataset {
            ty,
            kind,
            action: kind.action(),
        }
    }

    /// The same dataset, read by another action.
    pub const fn read_by(self, action: crate::access::Action) -> Self {
        Dataset { action, ..self }
    }
}

/// Datasets, written `datasets![Records: "EnforcementCase", "Party"; Public: "Court"]`.
#[macro_export]
macro_rules! datasets {
    ($($kind:ident: $($ty:literal),+);* $(;)?) => {
        &[$($($crate::registry::Dataset::of($ty, $crate::registry::DatasetKind::$kind),)+)*]
    };
}

/// Node types with their entities, written `node_types![Court => entity::enforcement::court]`.
#[macro_export]
macro_rules! node_types {
    ($($name:literal => $($module:ident)::+),* $(,)?) => {
        &[$($crate::registry::NodeType {
            name: $name,
            table: || {
                use sea_orm::EntityName as _;
                $($module)::+::Entity.table_name()
            },
        },)*]
    };
}

/// Synced records of `E`, a type with its own `region_code` column, with these ids, by id,
/// each as `wrap` makes it a node: one statement.
pub async fn load_own<E>(
    db: &impl sea_orm::ConnectionTrait,
    ids: &[i64],
    wrap: impl Fn(E::Model) -> Node,
) -> AppResult<HashMap<i64, Loaded>>
where
    E: sea_orm::EntityTrait,
{
    use sea_orm::{ColumnTrait as _, ModelTrait as _, QueryFilter as _, Value};
    use std::str::FromStr as _;
    let column = |name: &str| {
        E::Column::from_str(name).map_err(|_| {
            crate::error::AppError::Internal(anyhow::anyhow!(
                "{} has no column {name}",
                E::default().table_name()
            ))
        })
    };
    let (id, region) = (column("id")?, column("region_code")?);
    let ids: std::collections::BTreeSet<i64> = ids.iter().copied().collect();
    let rows = E::find().filter(id.is_in(ids)).all(db).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let (Value::BigInt(Some(n)), Value::String(Some(code))) = (row.get(id), row.get(region)) else {
            return Err(crate::error::AppError::Internal(anyhow::anyhow!(
                "{}: id or region_code is not what a synced type has",
                E::default().table_name()
            )));
        };
        out.insert(
            n,
            Loaded {
                node: wrap(row),
                region_code: code,
            },
        );
    }
    Ok(out)
}

//! What a domain tells the shared parts about itself, once: its [`Domain`] descriptor, which
//! the domain declares in its `mod.rs` and `domains::DOMAINS` lists. Node resolution, sync,
//! webhooks, the data dictionary, the figures, exports and the seed iterate over the
//! registered domains; none of them names a domain.
//!
//! This module sits beneath the domains and the shared parts alike: it names no domain and
//! imports nothing that does, apart from the `Node` interface (`domains::registered`) a domain's
//! resolver answers with.

use async_graphql::{Context, Enum};
use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;

use crate::access::Policy;
use crate::domains::registered::Node;
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
    /// The types `node(id)` finds, each with how it is found and, when it syncs to mobile
    /// clients, how it is loaded for sync; the types that sync are in snapshot order.
    pub nodes: &'static [NodeType],
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
    /// Its reference data kept in memory for the process, if any.
    pub cache: Option<crate::loading::MakeCache>,
    /// Adds its DataLoaders to a request (loaders are per request).
    pub loaders: crate::loading::AddLoaders,
}

/// The subscription root of a domain without live updates.
#[derive(async_graphql::MergedSubscription, Default)]
pub struct NoSubscription();

/// The aggregate root of a domain without grouped aggregates.
#[derive(async_graphql::MergedObject, Default)]
pub struct NoAggregates();

impl Domain {
    /// The registration of one of its record types.
    pub fn record(&self, record_type: &str) -> Option<&'static RecordType> {
        self.records.iter().find(|r| r.record_type == record_type)
    }

    /// Its node type with this name.
    pub fn node_type(&self, name: &str) -> Option<&'static NodeType> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The types it syncs, in snapshot order.
    pub fn synced(&self) -> impl Iterator<Item = (&'static NodeType, &'static Synced)> {
        self.nodes.iter().filter_map(|n| Some((n, n.sync.as_ref()?)))
    }

    /// Whether any of its records sync.
    pub fn syncs(&self) -> bool {
        self.synced().next().is_some()
    }
}

/// The future a domain's resolver returns.
pub type Found<'a, T> = BoxFuture<'a, async_graphql::Result<T>>;

/// `node(id)` for one type: the record with this id, or `None` when it does not exist or
/// lies outside the caller's reach.
pub type FindNode = for<'a> fn(&'a Context<'_>, i64) -> Found<'a, Option<Node>>;

/// Synced records of one type that still exist, by id, with the region each lies in now.
pub type LoadNodes =
    for<'a> fn(&'a DatabaseConnection, &'a [i64]) -> BoxFuture<'a, AppResult<HashMap<i64, Loaded>>>;

/// The reports a domain ships: each report's number and the domains it is about.
pub type ShippedReports = fn() -> AppResult<Vec<(i32, Vec<String>)>>;

/// A domain's seed: the database, whether to write records, the scale.
pub type Seed = for<'a> fn(&'a DatabaseConnection, bool, u32) -> BoxFuture<'a, AppResult<u64>>;

/// A type `node(id)` resolves: its GraphQL name, its table, how one is found, and whether
/// and how it syncs.
pub struct NodeType {
    pub name: &'static str,
    pub table: fn() -> &'static str,
    pub find: FindNode,
    pub sync: Option<Synced>,
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

/// How a type syncs: where its region comes from, and how its records are loaded by id.
pub struct Synced {
    pub region: RegionOf,
    pub load: LoadNodes,
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

/// A table's name from its entity module: `table_of!(entity::funeral::plot)`.
macro_rules! table_of {
    ($($module:ident)::+) => {
        || {
            use sea_orm::EntityName as _;
            $($module)::+::Entity.table_name()
        }
    };
}
pub(crate) use table_of;

/// The node type of a record with its own `region_code` column, found when the caller may
/// read `policy`'s records in its region and synced by that region:
/// `regional_node!("GravePlot" => entity::funeral::plot as GravePlot, POLICY)`, where
/// `GravePlot(model)` is the GraphQL type.
macro_rules! regional_node {
    ($name:literal => $($module:ident)::+ as $ty:ident, $policy:path) => {
        $crate::registry::NodeType {
            name: $name,
            table: $crate::registry::table_of!($($module)::+),
            find: {
                fn find<'a>(
                    ctx: &'a async_graphql::Context<'_>,
                    id: i64,
                ) -> $crate::registry::Found<'a, Option<$crate::domains::registered::Node>> {
                    Box::pin(async move {
                        let scope = $crate::access::viewer(ctx).authorize(&$policy, $crate::access::Action::Read)?;
                        let db = ctx.data_unchecked::<sea_orm::DatabaseConnection>();
                        Ok(
                            $crate::region::service::find_in_scope::<$($module)::+::Entity>(db, id, &scope)
                                .await?
                                .map(|m| $ty(m).into()),
                        )
                    })
                }
                find
            },
            sync: Some($crate::registry::Synced {
                region: $crate::registry::RegionOf::Column,
                load: {
                    fn load<'a>(
                        db: &'a sea_orm::DatabaseConnection,
                        ids: &'a [i64],
                    ) -> futures_util::future::BoxFuture<
                        'a,
                        $crate::error::AppResult<std::collections::HashMap<i64, $crate::registry::Loaded>>,
                    > {
                        Box::pin($crate::registry::load_own::<$($module)::+::Entity>(db, ids, |m| {
                            $ty(m).into()
                        }))
                    }
                    load
                },
            }),
        }
    };
}
pub(crate) use regional_node;

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

//! Delta sync for mobile clients (增量同步): `changes(since, domains, regionCode, first,
//! after)` fills a client's store from empty, then keeps it current with small requests,
//! from the change log every write appends (`write.rs`). Like `node.rs` it sees every
//! domain's record types; the database side is `service.rs`, the token `token.rs`.
//!
//! A client applies a page's `upserts`, then its `deletions`, then its `drops`, keeps
//! `syncToken`, and asks again with `after: endCursor` while `hasNextPage`. The token
//! resumes exactly where the page ended, so a sync cut off by the network goes on from
//! its last page.

mod catalogue;
pub mod service;
pub mod token;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use sea_orm::DatabaseConnection;
use std::collections::{BTreeMap, HashMap};

use crate::access::{Action, Scope, viewer};
pub use crate::domains::SyncDomain;
use crate::error::{AppError, AppResult};
use crate::node::Node;
use crate::registry::Loaded;
use service::{Domain, EntryKind};
use token::{EVERYWHERE, State};

/// Records a page holds at most unless `first` says otherwise.
pub const DEFAULT_SYNC_PAGE: i32 = 100;
/// The most records one page may hold.
pub const MAX_SYNC_PAGE: i32 = 500;

/// The syncing domain a `SyncDomain` names.
fn synced(d: SyncDomain) -> AppResult<Domain> {
    Domain::parse(d.key())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("{} is not registered as syncing", d.key())))
}

/// The `SyncDomain` of a syncing domain.
fn named(d: Domain) -> AppResult<SyncDomain> {
    SyncDomain::of(d.key())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no SyncDomain value for {}", d.key())))
}

/// A record to store (新增或变更的记录).
#[derive(SimpleObject)]
pub struct SyncUpsert {
    /// The record as it is now (its type's fields through fragments, `... on EnforcementCase`).
    pub node: Node,
    /// Region code (行政区划代码) the record lies in: what `drops` refer to.
    pub region_code: String,
}

/// Why a record leaves the client's store (删除原因).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyncDeletionReason {
    /// The record was deleted (已删除).
    Deleted,
    /// The record moved to a region outside what the client syncs (移出范围).
    OutOfScope,
}

/// A record to remove from the store: its tombstone (删除标记).
#[derive(SimpleObject)]
pub struct SyncDeletion {
    /// Global id of the record.
    pub id: ID,
    /// GraphQL type of the record (记录类型).
    pub record_type: String,
    /// The record's UUID (记录UUID), as a client that created it offline knows it.
    pub uuid: String,
    /// Why it goes.
    pub reason: SyncDeletionReason,
}

/// Records the client must drop because what it may see, or asked for, shrank (范围收缩).
#[derive(SimpleObject)]
pub struct SyncDrop {
    /// The domain whose records go.
    pub domain: SyncDomain,
    /// Drop the domain's records in these regions (行政区划代码), as `SyncUpsert.regionCode`
    /// named them.
    pub region_codes: Vec<String>,
}

/// One page of a sync (同步页).
#[derive(SimpleObject)]
pub struct SyncPage {
    /// Records to store, new or changed; apply them first.
    pub upserts: Vec<SyncUpsert>,
    /// Records to remove; apply them after the upserts.
    pub deletions: Vec<SyncDeletion>,
    /// Whole regions of a domain to remove: the caller's scope, `regionCode` or `domains`
    /// narrowed since the token was issued.
    pub drops: Vec<SyncDrop>,
    /// Whether more pages are due before the store is current: ask again with
    /// `after: endCursor`.
    pub has_next_page: bool,
    /// Where this page ended: pass as `after` for the next page.
    pub end_cursor: String,
    /// The sync token (同步令牌) to keep and pass as `since` next time; it equals
    /// `endCursor`, so a sync cut off mid-way resumes where it stopped.
    pub sync_token: String,
}

#[derive(Default)]
pub struct SyncQuery;

#[Object]
impl SyncQuery {
    /// Changes since a sync token (增量同步), within the caller's scope, in pages. Without
    /// `since` it fills an empty store (every record in scope), then returns the changes
    /// made meanwhile. Deleted records, records that moved out of scope, and regions the
    /// caller no longer sees come back as deletions and drops. Sequence numbers from the
    /// change log, read up to a watermark below any transaction not yet committed, so no
    /// write is ever skipped.
    #[graphql(
        complexity = "crate::pagination::list_cost(Some(first.unwrap_or(DEFAULT_SYNC_PAGE)), child_complexity)"
    )]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sync token of the last sync; absent to start from empty.")] since: Option<
            String,
        >,
        #[graphql(desc = "Domains to sync; every domain the caller may read when absent.")] domains: Option<
            Vec<SyncDomain>,
        >,
        #[graphql(desc = "Sync only this region and below (行政区划代码), within your scope.")]
        region_code: Option<String>,
        #[graphql(desc = "Records per page, 1 to 500 (100 when absent).")] first: Option<i32>,
        #[graphql(desc = "`endCursor` of the previous page of this sync.")] after: Option<String>,
    ) -> async_graphql::Result<SyncPage> {
        Ok(sync_page(ctx, since, domains, region_code, first, after).await?)
    }
}

async fn sync_page(
    ctx: &Context<'_>,
    since: Option<String>,
    domains: Option<Vec<SyncDomain>>,
    region_code: Option<String>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<SyncPage> {
    let v = viewer(ctx);
    let limit = first.unwrap_or(DEFAULT_SYNC_PAGE);
    if !(1..=MAX_SYNC_PAGE).contains(&limit) {
        return Err(AppError::bad_input(
            "first",
            format!("first must be between 1 and {MAX_SYNC_PAGE}"),
        ));
    }
    // The domains and the scope of each.
    let mut scopes: Vec<(Domain, Scope)> = Vec::new();
    match &domains {
        Some(list) => {
            for d in list {
                let d = synced(*d)?;
                if !scopes.iter().any(|(s, _)| *s == d) {
                    scopes.push((d, v.authorize(d.policy(), Action::Read)?));
                }
            }
        }
        None => {
            for d in Domain::all() {
                if v.may(d.policy(), Action::Read) {
                    scopes.push((d, v.authorize(d.policy(), Action::Read)?));
                }
            }
            if let (true, Some(first)) = (scopes.is_empty(), Domain::all().next()) {
                // The error of the first domain says why (UNAUTHENTICATED or FORBIDDEN).
                v.authorize(first.policy(), Action::Read)?;
            }
        }
    }
    if scopes.is_empty() {
        return Err(AppError::bad_input("domains", "name at least one domain"));
    }
    let regions = crate::region::loaders::regions(ctx).await?;
    let asked = match region_code.as_deref().map(str::trim) {
        Some(code) => Some(
            regions
                .get(code)
                .cloned()
                .ok_or_else(|| AppError::bad_input("regionCode", format!("unknown region code {code:?}")))?,
        ),
        None => None,
    };
    let mut roots: BTreeMap<Domain, String> = BTreeMap::new();
    for (d, scope) in &scopes {
        let root = match (&asked, scope) {
            (Some(region), scope) if scope.contains_path(&region.path) => region.code.clone(),
            (Some(_), _) => {
                return Err(AppError::bad_input(
                    "regionCode",
                    "the region is outside your reach",
                ));
            }
            (None, Scope::All) => EVERYWHERE.to_owned(),
            (None, Scope::Subtree { code, .. }) => code.clone(),
        };
        roots.insert(*d, root);
    }

    let db = ctx.data_unchecked::<DatabaseConnection>();
    let watermark = crate::cache::data_version(db).await?;
    let (field, token) = match (&after, &since) {
        (Some(t), _) => ("after", Some(t)),
        (None, Some(t)) => ("since", Some(t)),
        (None, None) => ("since", None),
    };
    let mut state = match token {
        Some(t) => State::decode(field, t)?,
        None => State {
            seq: watermark,
            ..State::empty()
        },
    };
    let contains = |outer: &str, inner: &str| -> bool {
        if outer == EVERYWHERE {
            return true;
        }
        if inner == EVERYWHERE {
            return false;
        }
        match (regions.get(outer), regions.get(inner)) {
            (Some(o), Some(i)) => i.path.starts_with(&o.path),
            _ => false,
        }
    };
    let drops = state.reconcile(&roots, contains);
    let codes = |root: &str| -> AppResult<service::Codes> {
        if root == EVERYWHERE {
            return Ok(None);
        }
        Ok(Some(regions.subtree(root).map(|s| s.0).unwrap_or_default()))
    };
    let root_list: Vec<(Domain, String)> = roots.iter().map(|(d, r)| (*d, r.clone())).collect();
    // A token from a database further on (a replica behind its primary): nothing new yet.
    let page = if state.seq > watermark && state.phases.is_empty() {
        service::Page {
            entries: Vec::new(),
            more: false,
        }
    } else {
        service::next_page(db, &mut state, &root_list, codes, watermark, limit as u64).await?
    };

    // Load what the page upserts, one statement per type, and keep what is still in reach
    // (a record that moved away since the watermark gets its tombstone on a later page).
    let mut wanted: HashMap<&str, Vec<i64>> = HashMap::new();
    for e in page.entries.iter().filter(|e| e.kind == EntryKind::Upsert) {
        wanted.entry(e.type_name.as_str()).or_default().push(e.id);
    }
    let mut loaded: HashMap<String, HashMap<i64, Loaded>> = HashMap::new();
    for (name, ids) in wanted {
        if let Some((domain, _)) = service::type_named(name) {
            loaded.insert(name.to_owned(), domain.load(db, name, &ids).await?);
        }
    }
    let in_reach = |name: &str, region: &str| -> bool {
        let Some((domain, _)) = service::type_named(name) else {
            return false;
        };
        match roots.get(&domain).map(String::as_str) {
            Some(EVERYWHERE) => true,
            Some(root) => regions.get(region).is_some_and(|r| contains(root, &r.code)),
            None => false,
        }
    };
    let mut upserts = Vec::new();
    let mut deletions = Vec::new();
    for e in page.entries {
        match e.kind {
            EntryKind::Upsert => {
                if let Some(l) = loaded.get_mut(&e.type_name).and_then(|m| m.remove(&e.id))
                    && in_reach(&e.type_name, &l.region_code)
                {
                    upserts.push(SyncUpsert {
                        node: l.node,
                        region_code: l.region_code,
                    });
                }
            }
            EntryKind::Deleted | EntryKind::OutOfScope => deletions.push(SyncDeletion {
                id: crate::ids::global(&e.type_name, e.id),
                record_type: e.type_name,
                uuid: e.uuid,
                reason: if e.kind == EntryKind::Deleted {
                    SyncDeletionReason::Deleted
                } else {
                    SyncDeletionReason::OutOfScope
                },
            }),
        }
    }
    let drops = drops
        .into_iter()
        .map(|d| {
            let old = codes(&d.old_root)?.unwrap_or_else(|| regions.all_codes());
            let keep: std::collections::HashSet<String> = match &d.new_root {
                Some(root) => codes(root)?
                    .unwrap_or_else(|| regions.all_codes())
                    .into_iter()
                    .collect(),
                None => Default::default(),
            };
            Ok(SyncDrop {
                domain: named(d.domain)?,
                region_codes: old.into_iter().filter(|c| !keep.contains(c)).collect(),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let token = state.encode();
    Ok(SyncPage {
        upserts,
        deletions,
        drops,
        has_next_page: page.more,
        end_cursor: token.clone(),
        sync_token: token,
    })
}

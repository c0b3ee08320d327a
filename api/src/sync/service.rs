//! Delta sync's database side, knowing nothing of GraphQL: which record types each domain
//! syncs, the snapshot pages of a region set, and the change log's rows after a sequence
//! number up to the visibility watermark.
//!
//! The watermark is the change counter as read before the log: every writing transaction
//! takes its sequence numbers last and holds the counter's row until it commits
//! (`write.rs`), so when the counter reads `W` every row up to `W` is committed and
//! visible. Reading the log only up to `W` means a transaction that commits late can
//! never be skipped: it holds the counter, so `W` stays below its rows until it commits.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};
use std::collections::HashMap;

use crate::error::AppResult;

pub use super::catalogue::{Domain, RegionOf, SyncType, type_named};

/// A region set: the codes of a subtree, or every region (`None`).
pub type Codes = Option<Vec<String>>;

/// One record a snapshot page names.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: i64,
    pub uuid: String,
}

/// Up to `limit` records of `ty` after `after_id`, in id order, whose region is in
/// `include` and not in `exclude`.
pub async fn snapshot_page(
    db: &impl ConnectionTrait,
    ty: &SyncType,
    include: &Codes,
    exclude: &Codes,
    after_id: i64,
    limit: u64,
) -> AppResult<Vec<Listed>> {
    let backend = db.get_database_backend();
    let mut p = Params::new(backend);
    let (from, region) = match ty.region {
        RegionOf::Column => (format!("{} t", ty.table), "t.region_code"),
        RegionOf::Parent { column, table } => (
            format!("{} t JOIN {table} c ON c.id = t.{column}", ty.table),
            "c.region_code",
        ),
    };
    let mut sql = format!(
        "SELECT t.id, t.uuid FROM {from} WHERE t.id > {}",
        p.push(after_id)
    );
    if let Some(codes) = include {
        sql.push_str(&format!(" AND {region} IN ({})", p.list(codes)));
    }
    if let Some(codes) = exclude.as_ref().filter(|c| !c.is_empty()) {
        sql.push_str(&format!(" AND {region} NOT IN ({})", p.list(codes)));
    }
    sql.push_str(&format!(" ORDER BY t.id LIMIT {}", p.push(limit as i64)));
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, p.values))
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Listed {
                id: r.try_get_by_index(0)?,
                uuid: r.try_get_by_index(1)?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Into::into)
}

/// A change-log row as sync reads it.
#[derive(Debug, Clone)]
pub struct Change {
    pub seq: i64,
    pub record_type: String,
    pub record_id: i64,
    pub uuid: String,
    /// `create`, `update`, `delete`, or `exit` (the record moved to another region: its
    /// tombstone for whoever sees the old region only).
    pub operation: String,
}

/// The change log's rows after `since` up to `watermark`, of the domains' types in each
/// domain's region set, in sequence order, at most `limit`.
pub async fn changes(
    db: &impl ConnectionTrait,
    since: i64,
    watermark: i64,
    domains: &[(Domain, Codes)],
    limit: u64,
) -> AppResult<Vec<Change>> {
    if domains.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let mut p = Params::new(backend);
    let mut sql = format!(
        "SELECT seq, record_type, record_id, uuid, operation FROM change_log \
         WHERE seq > {} AND seq <= {} AND (",
        p.push(since),
        p.push(watermark)
    );
    for (i, (domain, codes)) in domains.iter().enumerate() {
        if i > 0 {
            sql.push_str(" OR ");
        }
        let names: Vec<String> = domain.types().iter().map(|t| t.name.to_owned()).collect();
        sql.push_str(&format!("(record_type IN ({})", p.list(&names)));
        if let Some(codes) = codes {
            sql.push_str(&format!(" AND region_code IN ({})", p.list(codes)));
        }
        sql.push(')');
    }
    sql.push_str(&format!(") ORDER BY seq LIMIT {}", p.push(limit as i64)));
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, p.values))
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Change {
                seq: r.try_get_by_index(0)?,
                record_type: r.try_get_by_index(1)?,
                record_id: r.try_get_by_index(2)?,
                uuid: r.try_get_by_index(3)?,
                operation: r.try_get_by_index(4)?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Into::into)
}

/// Positional parameters in the backend's syntax.
struct Params {
    backend: DatabaseBackend,
    values: Vec<Value>,
}

impl Params {
    fn new(backend: DatabaseBackend) -> Self {
        Params {
            backend,
            values: Vec::new(),
        }
    }

    fn push(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    fn list<T: Clone + Into<Value>>(&mut self, items: &[T]) -> String {
        if items.is_empty() {
            // `IN ()` is not SQL; no value matches NULL.
            return "NULL".to_owned();
        }
        items
            .iter()
            .map(|v| self.push(v.clone()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What an entry of a page tells the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// The record is new or changed: store it.
    Upsert,
    /// The record was deleted.
    Deleted,
    /// The record moved out of the synced region.
    OutOfScope,
}

/// One record of a page.
#[derive(Debug, Clone)]
pub struct Entry {
    pub type_name: String,
    pub id: i64,
    pub uuid: String,
    pub kind: EntryKind,
}

/// A page of sync: its entries, and whether more are due before the store is current.
#[derive(Debug)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub more: bool,
}

/// The next page after `state` (which it advances): snapshot phases first, then the change
/// log up to `watermark`. `codes` resolves a root region (or `*`) to its region codes;
/// `roots` are the domains synced now and their roots.
pub async fn next_page(
    db: &impl ConnectionTrait,
    state: &mut super::token::State,
    roots: &[(Domain, String)],
    codes: impl Fn(&str) -> AppResult<Codes>,
    watermark: i64,
    limit: u64,
) -> AppResult<Page> {
    let mut entries = Vec::new();
    while entries.len() < limit as usize && !state.phases.is_empty() {
        let phase = &mut state.phases[0];
        let Some(domain) = Domain::parse(&phase.d) else {
            state.phases.remove(0);
            continue;
        };
        let Some(ty) = domain.types().get(phase.t) else {
            state.phases.remove(0);
            continue;
        };
        let room = limit - entries.len() as u64;
        let include = codes(&phase.include)?;
        let exclude = match &phase.exclude {
            Some(root) => codes(root)?,
            None => None,
        };
        let mut rows = snapshot_page(db, ty, &include, &exclude, phase.id, room + 1).await?;
        let full = rows.len() as u64 > room;
        rows.truncate(room as usize);
        if full {
            phase.id = rows.last().map_or(phase.id, |r| r.id);
        } else {
            phase.t += 1;
            phase.id = 0;
        }
        entries.extend(rows.into_iter().map(|r| Entry {
            type_name: ty.name.to_owned(),
            id: r.id,
            uuid: r.uuid,
            kind: EntryKind::Upsert,
        }));
    }
    if !state.phases.is_empty() {
        return Ok(Page { entries, more: true });
    }
    let room = limit - entries.len() as u64;
    if room == 0 {
        return Ok(Page {
            entries,
            more: state.seq < watermark,
        });
    }
    let domains = roots
        .iter()
        .map(|(d, root)| Ok((*d, codes(root)?)))
        .collect::<AppResult<Vec<_>>>()?;
    let mut rows = changes(db, state.seq, watermark, &domains, room + 1).await?;
    let more = rows.len() as u64 > room;
    rows.truncate(room as usize);
    state.seq = match (more, rows.last()) {
        (true, Some(last)) => last.seq,
        _ => watermark,
    };
    // The last row of each record in the page decides what the client does with it.
    let mut last: HashMap<(String, i64), usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        last.insert((row.record_type.clone(), row.record_id), i);
    }
    let snapshot = entries.len();
    for (i, row) in rows.into_iter().enumerate() {
        if last.get(&(row.record_type.clone(), row.record_id)) != Some(&i) {
            continue;
        }
        let kind = match row.operation.as_str() {
            "delete" => EntryKind::Deleted,
            "exit" => EntryKind::OutOfScope,
            _ => EntryKind::Upsert,
        };
        // A record the snapshot part of this page already holds needs no second upsert.
        if kind == EntryKind::Upsert
            && entries[..snapshot]
                .iter()
                .any(|e| e.type_name == row.record_type && e.id == row.record_id)
        {
            continue;
        }
        entries.push(Entry {
            type_name: row.record_type,
            id: row.record_id,
            uuid: row.uuid,
            kind,
        });
    }
    Ok(Page { entries, more })
}

//! Persisted operations, as Apollo clients (Apollo Kotlin and iOS, urql, Relay with APQ) speak
//! them: `extensions: {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}` on a POST body
//! or, URL-encoded, as the `extensions` parameter of a GET.
//!
//! - Automatic persisted queries (the default): a hash alone runs the text sent with that hash
//!   before, else `PERSISTED_QUERY_NOT_FOUND` (message `PersistedQueryNotFound`, HTTP 200) and
//!   the client sends the text with the hash once; the text must hash to the hash. The texts are
//!   kept in a bounded, least-recently-used cache per process (`PERSISTED_QUERY_CACHE_ENTRIES`,
//!   each text at most `MAX_QUERY_LENGTH`); 0 entries switches APQ off
//!   (`PERSISTED_QUERY_NOT_SUPPORTED`, which tells Apollo clients to stop sending hashes).
//! - The allow-list (`PERSISTED_OPERATIONS_ONLY=true`): only the operations of the manifest
//!   (`PERSISTED_OPERATIONS_MANIFEST`, `manifest.rs`) run, by hash alone or by a text whose
//!   hash is listed; anything else is `PERSISTED_QUERY_NOT_ALLOWED`. Introspection alone
//!   stays as the other settings make it (on outside production, where the schema refuses it).
//!
//! Only the request's text is resolved here; limits, authentication and execution stay the
//! HTTP layer's (`http.rs`), so a persisted operation is checked exactly as a sent one.

pub mod manifest;

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use async_graphql::{BatchRequest, Request};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use crate::error::AppError;

/// The text of a hash sent alone is unknown (APQ): send it once with the hash.
pub const NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
/// Automatic persisted queries are off here (`PERSISTED_QUERY_CACHE_ENTRIES=0`).
pub const NOT_SUPPORTED: &str = "PERSISTED_QUERY_NOT_SUPPORTED";
/// The text sent does not hash to the hash sent with it.
pub const HASH_MISMATCH: &str = "PERSISTED_QUERY_HASH_MISMATCH";
/// The operation is not in the allow-list's manifest.
pub const NOT_ALLOWED: &str = "PERSISTED_QUERY_NOT_ALLOWED";

/// The lowercase hex SHA-256 of a text: a persisted operation's id.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a string is a SHA-256 in hex (either case).
fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// How a process treats persisted operations.
pub struct Persisted {
    mode: Mode,
}

enum Mode {
    /// Automatic persisted queries; no cache when switched off.
    Automatic(Option<Mutex<Lru>>),
    /// Only the manifest's operations, by id; `introspection`: whether introspection alone
    /// may run besides.
    AllowList {
        operations: HashMap<String, Arc<str>>,
        introspection: bool,
    },
}

/// Texts of a request to remember once its limits passed (`Persisted::register`).
#[derive(Default)]
pub struct Pending(Vec<(String, Arc<str>)>);

impl Persisted {
    /// Automatic persisted queries with a cache of at most `entries` texts (0: APQ off).
    pub fn automatic(entries: usize) -> Self {
        Persisted {
            mode: Mode::Automatic((entries > 0).then(|| Mutex::new(Lru::new(entries)))),
        }
    }

    /// The allow-list of a loaded manifest (`manifest::load`).
    pub fn allow_list(operations: HashMap<String, Arc<str>>, introspection: bool) -> Self {
        Persisted {
            mode: Mode::AllowList {
                operations,
                introspection,
            },
        }
    }

    /// What the settings ask for; with `PERSISTED_OPERATIONS_ONLY`, the manifest must load.
    pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<Self> {
        if !settings.persisted_operations_only {
            return Ok(Self::automatic(settings.persisted_query_cache_entries));
        }
        let Some(path) = &settings.persisted_operations_manifest else {
            anyhow::bail!(
                "PERSISTED_OPERATIONS_ONLY=true needs PERSISTED_OPERATIONS_MANIFEST, the path of the \
                 operation manifest (`api persisted-manifest`)"
            );
        };
        let operations = manifest::load(std::path::Path::new(path))?;
        Ok(Self::allow_list(operations, !settings.production))
    }

    /// Whether only the manifest's operations run.
    pub fn is_allow_list(&self) -> bool {
        matches!(self.mode, Mode::AllowList { .. })
    }

    /// Gives every request of a batch its text (from the cache or the manifest) and checks it
    /// against the hash sent with it; the texts to remember come back.
    pub fn resolve(&self, batch: &mut BatchRequest) -> Result<Pending, AppError> {
        let mut pending = Pending::default();
        match batch {
            BatchRequest::Single(r) => self.resolve_one(r, &mut pending)?,
            BatchRequest::Batch(rs) => {
                for r in rs {
                    self.resolve_one(r, &mut pending)?;
                }
            }
        }
        Ok(pending)
    }

    fn resolve_one(&self, request: &mut Request, pending: &mut Pending) -> Result<(), AppError> {
        let hash = persisted_hash(request)?;
        match (&self.mode, hash) {
            (Mode::Automatic(_), None) => Ok(()),
            (
                Mode::AllowList {
                    operations,
                    introspection,
                },
                None,
            ) => {
                if operations.contains_key(&sha256_hex(&request.query))
                    || (*introspection && is_introspection(request))
                {
                    Ok(())
                } else {
                    Err(not_allowed())
                }
            }
            (mode, Some(hash)) if !request.query.is_empty() => {
                let actual = sha256_hex(&request.query);
                if actual != hash {
                    return Err(AppError::Persisted {
                        code: HASH_MISMATCH,
                        message: format!(
                            "the query's SHA-256 is {actual}, not the sha256Hash sent ({hash}): send \
                             the hash of exactly the text sent"
                        ),
                    });
                }
                match mode {
                    Mode::AllowList { operations, .. } if !operations.contains_key(&hash) => {
                        Err(not_allowed())
                    }
                    Mode::Automatic(Some(_)) => {
                        pending.0.push((hash, Arc::from(request.query.as_str())));
                        Ok(())
                    }
                    _ => Ok(()),
                }
            }
            (Mode::AllowList { operations, .. }, Some(hash)) => match operations.get(&hash) {
                Some(text) => {
                    request.query = text.to_string();
                    Ok(())
                }
                None => Err(not_allowed()),
            },
            (Mode::Automatic(None), Some(_)) => Err(AppError::Persisted {
                code: NOT_SUPPORTED,
                message: "PersistedQueryNotSupported".to_owned(),
            }),
            (Mode::Automatic(Some(cache)), Some(hash)) => {
                let text = cache.lock().ok().and_then(|mut c| c.get(&hash));
                match text {
                    Some(text) => {
                        request.query = text.to_string();
                        Ok(())
                    }
                    None => Err(AppError::Persisted {
                        code: NOT_FOUND,
                        message: "PersistedQueryNotFound".to_owned(),
                    }),
                }
            }
        }
    }

    /// Remembers the texts of a request whose limits passed (a text over `MAX_QUERY_LENGTH`
    /// never gets here).
    pub fn register(&self, pending: Pending) {
        if let Mode::Automatic(Some(cache)) = &self.mode
            && !pending.0.is_empty()
            && let Ok(mut cache) = cache.lock()
        {
            for (hash, text) in pending.0 {
                cache.put(hash, text);
            }
        }
    }
}

fn not_allowed() -> AppError {
    AppError::Persisted {
        code: NOT_ALLOWED,
        message: "only the operations of this server's manifest run here (persisted operations only)"
            .to_owned(),
    }
}

/// The hash of `extensions.persistedQuery` (lowercase), if the request has one.
fn persisted_hash(request: &Request) -> Result<Option<String>, AppError> {
    use async_graphql::Value;
    let Some(pq) = request.extensions.0.get("persistedQuery") else {
        return Ok(None);
    };
    let Value::Object(pq) = pq else {
        return Err(AppError::bad_input(
            "extensions.persistedQuery",
            "extensions.persistedQuery must be an object {version: 1, sha256Hash}",
        ));
    };
    match pq.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(v) => {
            return Err(AppError::bad_input(
                "extensions.persistedQuery.version",
                format!("persisted query version {v} is not supported; version 1 is"),
            ));
        }
        None => {
            return Err(AppError::bad_input(
                "extensions.persistedQuery.version",
                "extensions.persistedQuery needs version 1",
            ));
        }
    }
    match pq.get("sha256Hash") {
        Some(Value::String(h)) if is_sha256_hex(h) => Ok(Some(h.to_ascii_lowercase())),
        _ => Err(AppError::bad_input(
            "extensions.persistedQuery.sha256Hash",
            "extensions.persistedQuery.sha256Hash must be the query's SHA-256 in hex (64 digits)",
        )),
    }
}

/// Whether a request is introspection alone: queries whose root selections are only
/// `__schema`, `__type` and `__typename`.
fn is_introspection(request: &mut Request) -> bool {
    let Ok(doc) = request.parsed_query() else {
        return false;
    };
    let ops: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(ops) => ops.values().collect(),
    };
    !ops.is_empty()
        && ops.iter().all(|op| {
            op.node.ty == OperationType::Query
                && op.node.selection_set.node.items.iter().all(|s| match &s.node {
                    Selection::Field(f) => {
                        matches!(f.node.name.node.as_str(), "__schema" | "__type" | "__typename")
                    }
                    _ => false,
                })
        })
}

/// A least-recently-used map of hashes to texts, bounded by its number of entries.
struct Lru {
    capacity: usize,
    tick: u64,
    /// Hash -> (text, last use).
    entries: HashMap<String, (Arc<str>, u64)>,
    /// Last use -> hash, oldest first.
    order: BTreeMap<u64, String>,
}

impl Lru {
    fn new(capacity: usize) -> Self {
        Lru {
            capacity: capacity.max(1),
            tick: 0,
            entries: HashMap::new(),
            order: BTreeMap::new(),
        }
    }

    fn touch(&mut self, hash: &str) -> Option<Arc<str>> {
        self.tick += 1;
        let tick = self.tick;
        let (text, used) = self.entries.get_mut(hash)?;
        let old = std::mem::replace(used, tick);
        let text = text.clone();
        if let Some(h) = self.order.remove(&old) {
            self.order.insert(tick, h);
        }
        Some(text)
    }

    fn get(&mut self, hash: &str) -> Option<Arc<str>> {
        self.touch(hash)
    }

    fn put(&mut self, hash: String, text: Arc<str>) {
        if self.touch(&hash).is_some() {
            return;
        }
        while self.entries.len() >= self.capacity {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            self.entries.remove(&oldest);
        }
        self.tick += 1;
        self.order.insert(self.tick, hash.clone());
        self.entries.insert(hash, (text, self.tick));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_forgets_the_least_recently_used() {
        let mut lru = Lru::new(2);
        lru.put("a".into(), Arc::from("A"));
        lru.put("b".into(), Arc::from("B"));
        assert_eq!(lru.get("a").as_deref(), Some("A"));
        lru.put("c".into(), Arc::from("C"));
        assert!(lru.get("b").is_none(), "b was the least recently used");
        assert_eq!(lru.get("a").as_deref(), Some("A"));
        assert_eq!(lru.get("c").as_deref(), Some("C"));
        assert_eq!(lru.entries.len(), 2);
        assert_eq!(lru.order.len(), 2);
    }

    #[test]
    fn hashes_are_lowercase_hex_sha256() {
        assert_eq!(
            sha256_hex("{ __typename }"),
            "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
        );
    }
}

//! The sync token: where a client's store stands, as opaque base64url JSON. It names the
//! region each domain was synced for, the change-log sequence number the store reflects,
//! and the snapshot work still due (a first sync, or regions a widened scope added). A token
//! grants nothing: every page is filtered by the caller's scope as it is now, so a token
//! edited by hand can only ask for less.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::catalogue::Domain;
use crate::error::{AppError, AppResult};

/// Every region: the root of a scope without a region.
pub const EVERYWHERE: &str = "*";

/// Where a client's store stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub v: u8,
    /// Domain key -> the root region the domain was synced for (`*`: every region).
    pub roots: BTreeMap<String, String>,
    /// Every change up to this sequence number is in the store (once `phases` are done).
    pub seq: i64,
    /// Snapshot work due before the change log is read past `seq`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<Phase>,
}

/// A snapshot of one domain's records in region `include` (minus `exclude`), resumed
/// after record `id` of the domain's type number `t`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    pub d: String,
    pub include: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<String>,
    pub t: usize,
    pub id: i64,
}

/// What the client must drop because a domain's region no longer covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drop {
    pub domain: Domain,
    /// The root the store held and the root it now holds (`None`: the domain is no longer
    /// synced at all).
    pub old_root: String,
    pub new_root: Option<String>,
}

impl State {
    /// The state of an empty store.
    pub fn empty() -> Self {
        State {
            v: 1,
            roots: BTreeMap::new(),
            seq: 0,
            phases: Vec::new(),
        }
    }

    pub fn encode(&self) -> String {
        // A struct of strings and numbers always serialises.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a token; BAD_USER_INPUT naming `field` when it is not one.
    pub fn decode(field: &str, token: &str) -> AppResult<Self> {
        let invalid =
            || AppError::bad_input(field, format!("{field} is not a sync token this server issued"));
        let bytes = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| invalid())?;
        let state: State = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if state.v != 1
            || state.seq < 0
            || state.roots.keys().any(|k| Domain::parse(k).is_none())
            || state
                .phases
                .iter()
                .any(|p| Domain::parse(&p.d).is_none() || p.id < 0)
            || state.phases.len() > 16
        {
            return Err(invalid());
        }
        Ok(state)
    }

    /// Brings the state to the roots the caller syncs now: a domain new to the store gets a
    /// snapshot; a root that widened gets a snapshot of what it added; one that narrowed or
    /// moved, or a domain no longer asked for, is a `Drop` (and a moved root a snapshot of
    /// the new one). `contains(a, b)`: region `b` lies in region `a`'s subtree.
    pub fn reconcile(
        &mut self,
        now: &BTreeMap<Domain, String>,
        contains: impl Fn(&str, &str) -> bool,
    ) -> Vec<Drop> {
        let mut drops = Vec::new();
        let old = std::mem::take(&mut self.roots);
        for (key, root) in &old {
            let Some(domain) = Domain::parse(key) else {
                continue;
            };
            if !now.contains_key(&domain) {
                drops.push(Drop {
                    domain,
                    old_root: root.clone(),
                    new_root: None,
                });
                self.phases.retain(|p| p.d != *key);
            }
        }
        for (domain, new) in now {
            let key = domain.key();
            match old.get(key) {
                Some(prev) if prev == new => {}
                None => self.phases.push(Phase::all(key, new, None)),
                Some(prev) => {
                    // Snapshot work for the old root is moot.
                    self.phases.retain(|p| p.d != key);
                    if contains(new, prev) {
                        self.phases.push(Phase::all(key, new, Some(prev.clone())));
                    } else {
                        drops.push(Drop {
                            domain: *domain,
                            old_root: prev.clone(),
                            new_root: Some(new.clone()),
                        });
                        if !contains(prev, new) {
                            self.phases.push(Phase::all(key, new, None));
                        }
                    }
                }
            }
            self.roots.insert(key.to_owned(), new.clone());
        }
        drops
    }
}

impl Phase {
    fn all(domain: &str, include: &str, exclude: Option<String>) -> Self {
        Phase {
            d: domain.to_owned(),
            include: include.to_owned(),
            exclude,
            t: 0,
            id: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enforcement() -> Domain {
        Domain::parse("enforcement").expect("enforcement syncs")
    }

    fn community() -> Domain {
        Domain::parse("community").expect("community syncs")
    }

    fn roots(pairs: &[(Domain, &str)]) -> BTreeMap<Domain, String> {
        pairs.iter().map(|(d, r)| (*d, (*r).to_owned())).collect()
    }

    // Regions are strings of digits; `a` contains `b` when `b` starts with `a`.
    fn contains(a: &str, b: &str) -> bool {
        a == EVERYWHERE || b.starts_with(a)
    }

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        let mut s = State::empty();
        s.reconcile(&roots(&[(enforcement(), "3301")]), contains);
        let back = State::decode("since", &s.encode()).unwrap();
        assert_eq!(back, s);
        assert!(State::decode("since", "not a token").is_err());
        assert!(State::decode("since", &URL_SAFE_NO_PAD.encode(b"{\"v\":2}")).is_err());
    }

    #[test]
    fn scope_changes_become_snapshots_and_drops() {
        let mut s = State::empty();
        assert!(
            s.reconcile(&roots(&[(enforcement(), "3301")]), contains)
                .is_empty()
        );
        assert_eq!(s.phases, vec![Phase::all("enforcement", "3301", None)]);
        s.phases.clear();
        // Same scope: nothing to do.
        assert!(
            s.reconcile(&roots(&[(enforcement(), "3301")]), contains)
                .is_empty()
        );
        assert!(s.phases.is_empty());
        // Widened: a snapshot of what was added.
        assert!(s.reconcile(&roots(&[(enforcement(), "33")]), contains).is_empty());
        assert_eq!(
            s.phases,
            vec![Phase::all("enforcement", "33", Some("3301".into()))]
        );
        s.phases.clear();
        // Narrowed: a drop and no snapshot.
        let d = s.reconcile(&roots(&[(enforcement(), "3302")]), contains);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].old_root.as_str(), d[0].new_root.as_deref()),
            ("33", Some("3302"))
        );
        assert!(s.phases.is_empty());
        // Moved: a drop and a snapshot; a domain no longer asked for is dropped whole.
        let d = s.reconcile(&roots(&[(community(), "44")]), contains);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].new_root, None);
        assert_eq!(s.phases, vec![Phase::all("community", "44", None)]);
        let d = s.reconcile(&roots(&[(community(), "45")]), contains);
        assert_eq!(d.len(), 1);
        assert_eq!(s.phases, vec![Phase::all("community", "45", None)]);
    }
}

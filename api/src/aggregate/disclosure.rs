//! Disclosure control (统计披露控制) for aggregate-only roles (`statistics_reader`,
//! `anonymous`): a group of fewer than k records is withheld (primary suppression), and
//! further groups are withheld so that no withheld group can be worked out from what is
//! shown (complementary suppression):
//!
//! - a total is always available from another request (the same grouping without one key,
//!   or the parent region), so in every set of groups that add up to such a total (the groups
//!   that agree on every key but one, and for a region key also those under one parent
//!   region) one withheld group is never left alone: the smallest other group is withheld too;
//! - a filter other than region and period is checked by its complement: when the records of
//!   a group that the filter leaves out are between 1 and k - 1, the group is withheld, since
//!   the same group without the filter would reveal them by difference.
//!
//! Roles that may read records are not suppressed: they could count the records anyway.

use std::collections::{BTreeMap, HashMap};

use super::{Acc, Key, Row};
use crate::region::directory::RegionDirectory;

/// The smallest group shown to aggregate-only roles, unless `SUPPRESSION_MIN_COUNT` says otherwise.
pub const DEFAULT_MIN_COUNT: i64 = 5;

/// The disclosure setting of the process, in the schema's data.
#[derive(Debug, Clone, Copy)]
pub struct Disclosure {
    pub min_count: i64,
}

impl Disclosure {
    /// The threshold for `role`: None for roles that may read records.
    pub fn threshold(self, role: crate::access::Role) -> Option<i64> {
        role.is_aggregate_only().then_some(self.min_count)
    }
}

/// Withholds the groups of `rows` that would disclose fewer than `k` records. `wide` holds
/// the same groups without the narrowing filters, when there were any.
pub fn suppress(
    rows: &mut [Row],
    group_by: &[Key],
    regions: &RegionDirectory,
    k: i64,
    wide: Option<&BTreeMap<Vec<Option<String>>, Vec<Acc>>>,
) {
    let small = |n: i64| n > 0 && n < k;
    for row in rows.iter_mut() {
        let complement = wide
            .and_then(|w| w.get(&row.keys))
            .map_or(0, |values| values[0].integer().unwrap_or(0) - row.count());
        if small(row.count()) || small(complement) {
            row.suppressed = true;
        }
    }
    // The sets of groups that add up to a total available elsewhere.
    let mut partitions: Vec<Vec<Vec<usize>>> = Vec::new();
    for (at, key) in group_by.iter().enumerate() {
        let mut by_rest: HashMap<Vec<Option<String>>, Vec<usize>> = HashMap::new();
        let mut by_parent: HashMap<Vec<Option<String>>, Vec<usize>> = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            let mut rest = row.keys.clone();
            let own = rest[at].take();
            by_rest.entry(rest.clone()).or_default().push(i);
            if matches!(key, Key::Region(_)) {
                let parent = own
                    .as_deref()
                    .and_then(|code| regions.get(code))
                    .and_then(|r| r.parent_code.clone());
                rest[at] = parent;
                by_parent.entry(rest).or_default().push(i);
            }
        }
        partitions.push(by_rest.into_values().collect());
        partitions.push(by_parent.into_values().collect());
    }
    loop {
        let mut changed = false;
        for set in partitions.iter().flatten() {
            if set.len() < 2 || set.iter().filter(|&&i| rows[i].suppressed).count() != 1 {
                continue;
            }
            if let Some(&partner) = set
                .iter()
                .filter(|&&i| !rows[i].suppressed)
                .min_by_key(|&&i| (rows[i].count(), i))
            {
                rows[partner].suppressed = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

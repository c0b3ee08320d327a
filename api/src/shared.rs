//! Counts that several server processes share, with a local fast path. The limits that must
//! hold across processes count here: failed logins per user and per client address, and the
//! rate limit's cost budget (which exports pay by the row). A request reads and adds to this
//! process's counts in memory and never waits for the database; a background task
//! (`LIMIT_SYNC_MS`, 250 by default) adds what the process counted to the shared table
//! (`limit_counts`, one row per key and fixed window) and reads back the totals of every key
//! in use. With N processes a limit therefore holds up to what the other processes counted
//! since their last sync: at most N − 1 sync intervals' worth of requests beyond it.
//!
//! Limits are sliding windows estimated from two fixed ones: the count of the window before
//! weighs by the share of it still within one window's length of now, so a budget refills
//! gradually rather than all at once at a window's edge.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::error::AppResult;

/// A window's length, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window(pub i64);

#[derive(Debug, Default)]
struct Count {
    /// The shared total at the last sync.
    shared: i64,
    /// Counted here and being added to the shared table now.
    in_flight: i64,
    /// Counted here since.
    pending: i64,
    /// When the key can be forgotten (unix seconds): after the window after its own.
    expires: i64,
}

impl Count {
    fn value(&self) -> i64 {
        (self.shared + self.in_flight + self.pending).max(0)
    }
}

/// This process's view of the shared counts, by name and window start.
#[derive(Default)]
pub struct SharedCounts {
    counts: Mutex<HashMap<(String, i64), Count>>,
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Seconds from now until `before·(1 − f) + current + cost ≤ limit`, where `f` is the share
/// of the current window gone; 0 when it holds now.
fn wait_secs(before: f64, current: f64, f: f64, cost: f64, limit: f64, len: f64) -> f64 {
    if before * (1.0 - f) + current + cost <= limit {
        return 0.0;
    }
    if current + cost <= limit && before > 0.0 {
        // Later in this window, as the earlier window's share shrinks.
        let g = 1.0 - (limit - current - cost) / before;
        return ((g - f) * len).max(0.0);
    }
    // In the next window, where the current count is the earlier one.
    let g = if current > 0.0 {
        (1.0 - (limit - cost) / current).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((1.0 - f) + g) * len
}

impl SharedCounts {
    fn with<R>(&self, name: &str, start: i64, window: Window, f: impl FnOnce(&mut Count) -> R) -> R {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        f(Self::entry(&mut counts, name, start, window))
    }

    fn entry<'a>(
        counts: &'a mut HashMap<(String, i64), Count>,
        name: &str,
        start: i64,
        window: Window,
    ) -> &'a mut Count {
        counts.entry((name.to_owned(), start)).or_insert_with(|| Count {
            expires: start + 2 * window.0,
            ..Count::default()
        })
    }

    /// The current window's start, the one before's, and the share of the current one gone.
    fn windows(window: Window) -> (i64, i64, f64) {
        let now = unix_now();
        let len = window.0.max(1);
        let start = (now as i64).div_euclid(len) * len;
        (
            start,
            start - len,
            ((now - start as f64) / len as f64).clamp(0.0, 1.0),
        )
    }

    /// The sliding count of `name` over the last `window`.
    pub fn estimate(&self, name: &str, window: Window) -> f64 {
        let (current, before, f) = Self::windows(window);
        let c = self.with(name, current, window, |c| c.value()) as f64;
        let b = self.with(name, before, window, |c| c.value()) as f64;
        b * (1.0 - f) + c
    }

    /// Counts `n` for `name` now (negative takes back).
    pub fn add(&self, name: &str, window: Window, n: i64) {
        let (current, _, _) = Self::windows(window);
        self.with(name, current, window, |c| c.pending += n);
    }

    /// Adds `cost` for every name when none of them would go past `limit` over the last
    /// `window`; else adds nothing: `Err(seconds until all of them would have room)`.
    pub fn try_add(&self, names: &[String], window: Window, cost: i64, limit: i64) -> Result<(), f64> {
        let (current, before, f) = Self::windows(window);
        // One lock for the check and the charge: every charged request passes here.
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = 0f64;
        for name in names {
            let c = Self::entry(&mut counts, name, current, window).value() as f64;
            let b = Self::entry(&mut counts, name, before, window).value() as f64;
            wait = wait.max(wait_secs(b, c, f, cost as f64, limit as f64, window.0 as f64));
        }
        if wait > 0.0 {
            return Err(wait);
        }
        for name in names {
            Self::entry(&mut counts, name, current, window).pending += cost;
        }
        Ok(())
    }

    /// Takes back everything counted for `name` in the last two windows (a successful login
    /// clears its user's failures).
    pub fn clear(&self, name: &str, window: Window) {
        let (current, before, _) = Self::windows(window);
        for start in [current, before] {
            self.with(name, start, window, |c| c.pending -= c.value());
        }
    }

    /// Keeps the counts shared through `db` every `every`, for the life of the process.
    pub fn sync(
        self: &Arc<Self>,
        db: sea_orm::DatabaseConnection,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let counts = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut rounds = 0u64;
            loop {
                tick.tick().await;
                if let Err(e) = counts.sync_once(&db).await {
                    // The database is away (or not migrated yet): the counts stay local.
                    tracing::debug!(error = %e.message(), "shared counts not synced");
                }
                rounds += 1;
                if rounds % 2400 == 1 {
                    // Windows older than a day are nobody's any more.
                    let old = unix_now() as i64 - 86_400;
                    let sql = format!("DELETE FROM limit_counts WHERE window_start < {old}");
                    if let Err(e) = db.execute_unprepared(&sql).await {
                        tracing::debug!(error = %e, "old shared counts not removed");
                    }
                }
            }
        })
    }

    /// One sync: adds what this process counted since the last one to the shared table and
    /// reads back the totals of every key it holds.
    pub async fn sync_once(&self, db: &impl ConnectionTrait) -> AppResult<()> {
        let now = unix_now() as i64;
        let (deltas, keys) = {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            counts.retain(|_, c| c.expires > now || c.pending != 0 || c.in_flight != 0);
            let mut deltas = Vec::new();
            for ((name, start), c) in counts.iter_mut() {
                if c.pending != 0 {
                    c.in_flight += c.pending;
                    deltas.push((name.clone(), *start, c.pending));
                    c.pending = 0;
                }
            }
            let keys: Vec<(String, i64)> = counts.keys().cloned().collect();
            (deltas, keys)
        };
        if keys.is_empty() {
            return Ok(());
        }
        if let Err(e) = add_shared(db, &deltas).await {
            // Counted again at the next sync.
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            for c in counts.values_mut() {
                c.pending += c.in_flight;
                c.in_flight = 0;
            }
            return Err(e);
        }
        let totals = read_shared(db, &keys).await?;
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        for (key, total) in totals {
            if let Some(c) = counts.get_mut(&key) {
                c.shared = total;
                c.in_flight = 0;
            }
        }
        Ok(())
    }
}

fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

async fn add_shared(db: &impl ConnectionTrait, deltas: &[(String, i64, i64)]) -> AppResult<()> {
    let backend = db.get_database_backend();
    for chunk in deltas.chunks(300) {
        let mut values: Vec<Value> = Vec::new();
        let mut rows = Vec::new();
        for (name, start, n) in chunk {
            let at = values.len();
            rows.push(format!(
                "({}, {}, {})",
                placeholder(backend, at + 1),
                placeholder(backend, at + 2),
                placeholder(backend, at + 3)
            ));
            values.extend([name.clone().into(), (*start).into(), (*n).into()]);
        }
        let sql = format!(
            "INSERT INTO limit_counts (name, window_start, count) VALUES {} \
             ON CONFLICT (name, window_start) DO UPDATE SET count = limit_counts.count + excluded.count",
            rows.join(", ")
        );
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

async fn read_shared(
    db: &impl ConnectionTrait,
    keys: &[(String, i64)],
) -> AppResult<Vec<((String, i64), i64)>> {
    let backend = db.get_database_backend();
    let mut totals = Vec::new();
    for chunk in keys.chunks(500) {
        let oldest = chunk.iter().map(|(_, s)| *s).min().unwrap_or(0);
        let mut names: Vec<&String> = chunk.iter().map(|(n, _)| n).collect();
        names.sort();
        names.dedup();
        let mut values: Vec<Value> = vec![oldest.into()];
        let mut marks = Vec::new();
        for name in names {
            values.push(name.clone().into());
            marks.push(placeholder(backend, values.len()));
        }
        let sql = format!(
            "SELECT name, window_start, count FROM limit_counts WHERE window_start >= {} AND name IN ({})",
            placeholder(backend, 1),
            marks.join(", ")
        );
        for row in db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
        {
            let name: String = row.try_get("", "name")?;
            let start: i64 = row.try_get("", "window_start")?;
            let count: i64 = row.try_get("", "count")?;
            totals.push(((name, start), count));
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_until_the_sliding_count_has_room() {
        // Room now.
        assert_eq!(wait_secs(10.0, 0.0, 0.5, 5.0, 10.0, 60.0), 0.0);
        // 10 before, half gone: 5 + 5 + 1 > 10; room once 4 of the 10 remain: at 0.6.
        let w = wait_secs(10.0, 5.0, 0.5, 1.0, 10.0, 60.0);
        assert!((w - 6.0).abs() < 1e-9, "{w}");
        // The current window alone is full: into the next one.
        let w = wait_secs(0.0, 10.0, 0.25, 1.0, 10.0, 60.0);
        assert!((w - (45.0 + 6.0)).abs() < 1e-9, "{w}");
    }

    #[test]
    fn adds_only_when_every_name_has_room_and_clears() {
        let counts = SharedCounts::default();
        let names = vec!["a".to_owned(), "b".to_owned()];
        let w = Window(3600);
        assert!(counts.try_add(&names, w, 6, 10).is_ok());
        assert!(counts.try_add(&names[1..], w, 4, 10).is_ok());
        // b is full: neither is charged.
        assert!(counts.try_add(&names, w, 1, 10).is_err());
        assert!(counts.estimate("a", w) >= 6.0 && counts.estimate("a", w) < 6.5);
        counts.clear("b", w);
        assert!(counts.try_add(&names, w, 1, 10).is_ok());
    }
}

//! Reference data read from memory: small tables that change rarely (regions, courts, later
//! the catalogues) are loaded whole into a snapshot that every request shares. A snapshot is
//! kept for `REFERENCE_CACHE_TTL_SECONDS` (60 by default; 0 reloads on every use), and a write
//! in this process drops it at once (`invalidate`), so the next read loads the table afresh.
//! With several processes, another process's seed shows here within a second: each process
//! polls the data version (`watch`) and drops its snapshots when it moves.
//!
//! Results of expensive reads (KPIs, statistics, grouped aggregates) are kept in a
//! [`ResultCache`] under the data version they were computed at: the change log's sequence
//! (`change_counter`), which every write moves in its own transaction. A read asks for the
//! version (one statement by primary key) and is served from memory when it has not moved;
//! so a cached result is never older than what the caller's database shows, in any process.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};

use crate::error::{AppError, AppResult};

/// One table's snapshot.
pub struct TableCache<T> {
    snapshot: RwLock<Option<(Instant, Arc<T>)>>,
    /// One load at a time: concurrent misses wait for it instead of all querying.
    loading: tokio::sync::Mutex<()>,
    ttl: Duration,
}

impl<T: Send + Sync> TableCache<T> {
    pub fn new(ttl: Duration) -> Self {
        TableCache {
            snapshot: RwLock::new(None),
            loading: tokio::sync::Mutex::new(()),
            ttl,
        }
    }

    fn fresh(&self) -> Option<Arc<T>> {
        let guard = self.snapshot.read().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, s)| s.clone())
    }

    /// The snapshot, loaded with `load` when there is none or it is older than the TTL.
    pub async fn get<F, Fut>(&self, load: F) -> AppResult<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        if let Some(s) = self.fresh() {
            return Ok(s);
        }
        let _loading = self.loading.lock().await;
        if let Some(s) = self.fresh() {
            return Ok(s);
        }
        let loaded = Arc::new(load().await?);
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), loaded.clone()));
        Ok(loaded)
    }

    /// Drops the snapshot; call it in the transaction's wake after writing the table.
    pub fn invalidate(&self) {
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// The data version: the change log's last sequence number. Every write moves it in its own
/// transaction (`write.rs`), and so does a seed, so an unchanged version means unchanged data.
pub async fn data_version(db: &impl ConnectionTrait) -> AppResult<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT seq FROM change_counter WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("change_counter has no row")))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// Moves the data version without a change-log entry: for writes outside the change log (a
/// seed), so that every process's caches let go of what they hold.
pub async fn bump_data_version(db: &impl ConnectionTrait) -> AppResult<()> {
    db.execute_unprepared("UPDATE change_counter SET seq = seq + 1 WHERE id = 1")
        .await?;
    Ok(())
}

/// Calls `changed` whenever the data version moves, checking every `every`; for the
/// snapshots of reference data, which are not checked per request. Ends with the process.
pub fn watch(
    db: sea_orm::DatabaseConnection,
    every: Duration,
    changed: impl Fn() + Send + Sync + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = None;
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match data_version(&db).await {
                Ok(v) => {
                    if seen.is_some_and(|s| s != v) {
                        tracing::debug!(version = v, "data version moved; dropping snapshots");
                        changed();
                    }
                    seen = Some(v);
                }
                // The database is away (or not migrated yet): try again at the next tick.
                Err(e) => tracing::debug!(error = %e.message(), "data version unreadable"),
            }
        }
    })
}

/// [`ResultCache::get`] with the request's database and the process's result cache, for a
/// resolver: `cached(ctx, format!("kpis {filter:?}"), || kpis::compute(db, &filter))`.
pub async fn cached<T, F, Fut>(ctx: &async_graphql::Context<'_>, key: String, compute: F) -> AppResult<T>
where
    T: Clone + Send + Sync + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    match ctx.data_opt::<Arc<ResultCache>>() {
        Some(cache) => {
            cache
                .get(ctx.data_unchecked::<sea_orm::DatabaseConnection>(), key, compute)
                .await
        }
        None => compute().await,
    }
}

type Entry = (i64, Instant, Arc<dyn Any + Send + Sync>);

/// Results of expensive reads by key, each under the data version it was computed at; at
/// most `capacity` of them (the oldest go first), none when `capacity` is 0
/// (`RESULT_CACHE_ENTRIES`).
pub struct ResultCache {
    capacity: usize,
    entries: Mutex<HashMap<String, Entry>>,
    /// Keys being computed: concurrent misses of one key wait for one computation rather
    /// than each running it (a dashboard's first load by many clients at once).
    computing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl ResultCache {
    pub fn new(capacity: usize) -> Self {
        ResultCache {
            capacity,
            entries: Mutex::new(HashMap::new()),
            computing: Mutex::new(HashMap::new()),
        }
    }

    /// The result for `key` at the database's current data version: from memory when it was
    /// computed at that version, else computed by `compute` and kept. `key` must name
    /// everything the result depends on besides the data (the query, its filter, the
    /// caller's scope).
    pub async fn get<T, F, Fut>(&self, db: &impl ConnectionTrait, key: String, compute: F) -> AppResult<T>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        if self.capacity == 0 {
            return compute().await;
        }
        let version = data_version(db).await?;
        if let Some(hit) = self.peek::<T>(&key, version) {
            return Ok(hit);
        }
        let lock = self
            .computing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        let result = {
            let _computing = lock.lock().await;
            // Computed by the request this one waited for.
            match self.peek::<T>(&key, version) {
                Some(hit) => Ok(hit),
                None => compute()
                    .await
                    .inspect(|value| self.put(key.clone(), version, value.clone())),
            }
        };
        let mut computing = self.computing.lock().unwrap_or_else(|p| p.into_inner());
        // The last one out removes the key's lock (the map's own reference and this one).
        if Arc::strong_count(&lock) <= 2 {
            computing.remove(&key);
        }
        result
    }

    /// Whether results are kept at all (`RESULT_CACHE_ENTRIES` above 0).
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// The result kept for `key` if it was computed at `version` (for a caller that reads
    /// the version once for many keys, as a DataLoader's batch does).
    pub fn peek<T: Clone + 'static>(&self, key: &str, version: i64) -> Option<T> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(v, _, _)| *v == version)
            .and_then(|(_, _, value)| value.downcast_ref::<T>())
            .cloned()
    }

    /// Keeps `value` for `key` as computed at `version`, unless a newer version's is kept (a
    /// lagging replica's result does not replace the primary's).
    pub fn put<T: Send + Sync + 'static>(&self, key: String, version: i64, value: T) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.get(&key).is_some_and(|(v, _, _)| *v > version) {
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, (_, at, _))| *at)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                entries.remove(&k);
            }
        }
        entries.insert(key, (version, Instant::now(), Arc::new(value)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loads_once_until_invalidated_or_stale() {
        let cache = TableCache::new(Duration::from_secs(60));
        let loads = std::sync::atomic::AtomicU32::new(0);
        let load = || async { Ok(loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1) };
        assert_eq!(*cache.get(load).await.unwrap(), 1);
        assert_eq!(*cache.get(load).await.unwrap(), 1);
        cache.invalidate();
        assert_eq!(*cache.get(load).await.unwrap(), 2);
        let always = TableCache::new(Duration::ZERO);
        assert_eq!(*always.get(load).await.unwrap(), 3);
        assert_eq!(*always.get(load).await.unwrap(), 4);
    }

    #[test]
    fn results_are_served_only_at_their_version_and_bounded() {
        let cache = ResultCache::new(2);
        cache.put("a".to_owned(), 5, 1u32);
        assert_eq!(cache.peek::<u32>("a", 5), Some(1));
        assert_eq!(cache.peek::<u32>("a", 6), None, "the data moved");
        assert_eq!(cache.peek::<String>("a", 5), None, "another type");
        // A lagging replica's older result does not replace a newer one.
        cache.put("a".to_owned(), 4, 0u32);
        assert_eq!(cache.peek::<u32>("a", 5), Some(1));
        cache.put("b".to_owned(), 5, 2u32);
        cache.put("c".to_owned(), 5, 3u32);
        assert_eq!(cache.peek::<u32>("a", 5), None, "the oldest went first");
        assert_eq!(cache.peek::<u32>("c", 5), Some(3));
        let off = ResultCache::new(0);
        off.put("a".to_owned(), 1, 1u32);
        assert_eq!(off.peek::<u32>("a", 1), None);
    }

    #[tokio::test]
    async fn concurrent_misses_compute_once() {
        let mut options = sea_orm::ConnectOptions::new("sqlite::memory:");
        options.max_connections(1);
        let db = sea_orm::Database::connect(options).await.unwrap();
        db.execute_unprepared("CREATE TABLE change_counter (id INTEGER PRIMARY KEY, seq BIGINT)")
            .await
            .unwrap();
        db.execute_unprepared("INSERT INTO change_counter VALUES (1, 7)")
            .await
            .unwrap();
        let cache = Arc::new(ResultCache::new(10));
        let runs = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (cache, runs, db) = (cache.clone(), runs.clone(), db.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get(&db, "k".to_owned(), || async {
                        runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(42u32)
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 42);
        }
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(cache.computing.lock().unwrap().is_empty(), "locks are let go");
        // The data moves: computed again.
        bump_data_version(&db).await.unwrap();
        let again = cache
            .get(&db, "k".to_owned(), || async { Ok(43u32) })
            .await
            .unwrap();
        assert_eq!(again, 43);
    }
}

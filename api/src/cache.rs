//! Reference data read from memory: small tables that change rarely (regions, courts, later
//! the catalogues) are loaded whole into a snapshot that every request shares. A snapshot is
//! kept for `REFERENCE_CACHE_TTL_SECONDS` (60 by default; 0 reloads on every use), and a write
//! in this process drops it at once (`invalidate`), so the next read loads the table afresh.
//! With several processes, another process's write shows here within the TTL.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::error::AppResult;

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
}

//! Database helpers shared by every service.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`IMMEDIATE`), so concurrent writers queue on the busy timeout instead of failing
/// when a read lock cannot be upgraded; on PostgreSQL it is a plain `BEGIN`. In a request
/// served by the read replica (a query that audits) it begins on the primary instead.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let primary = crate::replica::primary_for_write();
    let _waiting = Waiting::new();
    primary
        .as_ref()
        .unwrap_or(db)
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
}

/// Writers of this process waiting to begin (`begin_write`).
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// Counts a writer as waiting for as long as it lives.
struct Waiting;

impl Waiting {
    fn new() -> Self {
        WAITING.fetch_add(1, Ordering::SeqCst);
        Waiting
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        WAITING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Longest a long write lets waiting writers go first between two of its transactions:
/// SQLite's longest busy-handler sleep (100 ms) and a margin, so that a waiting writer has
/// retried its `BEGIN` (and, the lock being free, got it) by then.
const YIELD_AT_MOST: Duration = Duration::from_millis(120);

/// Between two transactions of a long write (the import's batches): lets the writers of
/// this process that wait to begin go first, for at most `YIELD_AT_MOST`. SQLite's busy
/// handler retries a waiting writer's `BEGIN` after sleeps of up to 100 ms, so without this
/// the next batch, beginning at once, would take the lock again and again before it: with
/// it, another writer waits at most about one batch. (PostgreSQL queues lock waiters in
/// order; there the waiting writers are mostly already past `BEGIN`.)
pub async fn let_waiting_writers_in() {
    let started = Instant::now();
    while WAITING.load(Ordering::SeqCst) > 0 && started.elapsed() < YIELD_AT_MOST {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

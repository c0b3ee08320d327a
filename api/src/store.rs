//! Database helpers shared by every service.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`IMMEDIATE`), so concurrent writers queue on the busy timeout instead of failing
/// when a read lock cannot be upgraded; on PostgreSQL it is a plain `BEGIN`. In a request
/// served by the read replica (a query that audits) it begins on the primary instead.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let primary = crate::replica::primary_for_write();
    let db = primary.as_ref().unwrap_or(db);
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    if db.get_database_backend() != DbBackend::Sqlite {
        return db.begin_with_options(options).await;
    }
    // SQLite's busy handler retries a waiting `BEGIN` after sleeps of up to 100 ms and
    // whoever retries first wins, so a writer that begins again at once (the import's next
    // batch, a client writing in a loop) could take the lock again and again before one that
    // sleeps. Writers of this process queue here in order instead, only the first of them
    // waiting on SQLite: each waits for the transactions ahead of it, no more.
    let turnstile = turnstile(db);
    let _turn = turnstile.lock().await;
    db.begin_with_options(options).await
}

/// The queue of this process's writers for `BEGIN` on one SQLite database (`begin_write`),
/// known by its pool.
fn turnstile(db: &DatabaseConnection) -> Arc<tokio::sync::Mutex<()>> {
    static TURNSTILES: OnceLock<Mutex<HashMap<usize, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let pool = std::ptr::from_ref(db.get_sqlite_connection_pool().options()) as usize;
    TURNSTILES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(pool)
        .or_default()
        .clone()
}

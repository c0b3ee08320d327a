//! Database helpers shared by every service.

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
    primary
        .as_ref()
        .unwrap_or(db)
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
}

use sea_orm_migration::prelude::*;

use crate::m20261207_000021_record_keys::TABLES;

/// Record keys as signed 32-bit integers (−2^31..2^31) rather than 0..2^32: a cell's key is
/// the sum of its records' keys modulo 2^32 either way, but PostgreSQL sums an `INTEGER`
/// into a `BIGINT` on its fast path, where a `BIGINT` sum accumulates in 128 bits and made a
/// protected aggregate over a million cases twice as slow as the exact one. Existing keys
/// move down by 2^31 (the same key modulo 2^32 for every cell of an even count, a fixed
/// offset for the others: still uniform, still fixed), and new records get keys in the new
/// range (the column default on PostgreSQL, the insert trigger on SQLite).
#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite: moves `table`'s keys by `shift` and replaces its insert trigger with one drawing
/// keys as `draw`, in one call, so one connection of the pool sees the trigger dropped before
/// it creates the new one. The column keeps its default, -1, which only ever marks a row the
/// trigger has yet to give its key.
async fn sqlite_keys(
    db: &SchemaManagerConnection<'_>,
    table: &str,
    shift: &str,
    draw: &str,
) -> Result<(), DbErr> {
    db.execute_unprepared(&format!(
        "DROP TRIGGER IF EXISTS {table}_record_key; \
         UPDATE {table} SET record_key = {shift}; \
         CREATE TRIGGER {table}_record_key AFTER INSERT ON {table} \
         FOR EACH ROW WHEN NEW.record_key = -1 BEGIN \
         UPDATE {table} SET record_key = {draw} WHERE rowid = NEW.rowid; END;"
    ))
    .await
    .map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in TABLES {
            match manager.get_database_backend() {
                sea_orm::DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {table} ALTER COLUMN record_key DROP DEFAULT, \
                         ALTER COLUMN record_key TYPE INTEGER \
                         USING (record_key - 2147483648)::integer, \
                         ALTER COLUMN record_key SET DEFAULT \
                         (floor(random() * 4294967296) - 2147483648)::integer"
                    ))
                    .await?;
                }
                _ => {
                    sqlite_keys(
                        db,
                        table,
                        "record_key - 2147483648 WHERE record_key >= 0",
                        "(random() & 4294967295) - 2147483648",
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in TABLES {
            match manager.get_database_backend() {
                sea_orm::DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {table} ALTER COLUMN record_key DROP DEFAULT, \
                         ALTER COLUMN record_key TYPE BIGINT \
                         USING record_key::bigint + 2147483648, \
                         ALTER COLUMN record_key SET DEFAULT \
                         (floor(random() * 4294967296))::bigint"
                    ))
                    .await?;
                }
                _ => {
                    sqlite_keys(db, table, "record_key + 2147483648", "random() & 4294967295").await?;
                }
            }
        }
        Ok(())
    }
}

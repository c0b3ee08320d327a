use sea_orm_migration::prelude::*;

/// Record keys (记录密钥) for the cell key method of disclosure control: every record a
/// published count or sum can cover carries a fixed random key in 0..2^32, stored with it
/// and never shown. The database sets it when the record is written (a volatile default on
/// PostgreSQL, an insert trigger on SQLite, whose `ALTER TABLE` takes constant defaults only),
/// so no writer can forget it and no entity carries it; existing records get theirs here.
/// `api/src/aggregate/cellkey.rs` explains the method.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose records published figures count or sum.
pub const TABLES: [&str; 17] = [
    "enforcement_cases",
    "measures",
    "dishonest_entries",
    "supervision_orders",
    "parties",
    "community_units",
    "community_staff",
    "community_facilities",
    "community_grids",
    "rural_villages",
    "rural_village_incomes",
    "rural_observations",
    "funeral_facilities",
    "funeral_projects",
    "grave_plots",
    "funeral_subsidies",
    "funeral_violations",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in TABLES {
            match manager.get_database_backend() {
                sea_orm::DbBackend::Postgres => {
                    // A volatile default: every existing row gets a key of its own.
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {table} ADD COLUMN record_key BIGINT NOT NULL \
                         DEFAULT (floor(random() * 4294967296))::bigint"
                    ))
                    .await?;
                }
                _ => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {table} ADD COLUMN record_key BIGINT NOT NULL DEFAULT -1"
                    ))
                    .await?;
                    db.execute_unprepared(&format!("UPDATE {table} SET record_key = random() & 4294967295"))
                        .await?;
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_record_key AFTER INSERT ON {table} \
                         FOR EACH ROW WHEN NEW.record_key = -1 BEGIN \
                         UPDATE {table} SET record_key = random() & 4294967295 \
                         WHERE rowid = NEW.rowid; END"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in TABLES {
            if manager.get_database_backend() == sea_orm::DbBackend::Sqlite {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_record_key"))
                    .await?;
            }
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN record_key"))
                .await?;
        }
        Ok(())
    }
}

//! Seeds the database with the reports' data: regions first, then each domain.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::domains;
use crate::error::AppResult;

/// Seeds everything; idempotent.
pub async fn run(db: &DatabaseConnection) -> AppResult<()> {
    seed(db, true).await
}

/// Seeds the reference data only (regions, courts, reported figures), no records.
pub async fn run_reference(db: &DatabaseConnection) -> AppResult<()> {
    seed(db, false).await
}

async fn seed(db: &DatabaseConnection, records: bool) -> AppResult<()> {
    domains::region::seed::seed(db).await?;
    let started = std::time::Instant::now();
    let summary = domains::enforcement::seed::seed(db, records).await?;
    tracing::info!(
        ?summary,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "seeded enforcement"
    );
    Ok(())
}

/// Seeds only when the database has no regions yet (a fresh database).
pub async fn run_if_empty(db: &DatabaseConnection) -> AppResult<bool> {
    if entity::region::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    run(db).await?;
    Ok(true)
}

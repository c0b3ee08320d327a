//! Seeds the database with the reports' data: regions first, then each domain.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::domains;
use crate::error::AppResult;

/// Seeds everything; idempotent.
pub async fn run(db: &DatabaseConnection) -> AppResult<()> {
    seed(db, true, 1).await
}

/// Seeds everything with the records `scale` times the reports' volume (`api seed --scale N`;
/// N = 20 is about a million cases), deterministic, ending with ANALYZE; idempotent.
pub async fn run_scaled(db: &DatabaseConnection, scale: u32) -> AppResult<()> {
    seed(db, true, scale.max(1)).await
}

/// Seeds the reference data only (regions, courts, reported figures), no records.
pub async fn run_reference(db: &DatabaseConnection) -> AppResult<()> {
    seed(db, false, 1).await
}

async fn seed(db: &DatabaseConnection, records: bool, scale: u32) -> AppResult<()> {
    domains::region::seed::seed(db).await?;
    domains::survey::reports::seed(db).await?;
    let started = std::time::Instant::now();
    let community = domains::community::seed::seed(db, records).await?;
    tracing::info!(rows = community, "seeded community");
    let funeral = domains::funeral::seed::seed(db, records).await?;
    tracing::info!(rows = funeral, "seeded funeral");
    let rural = domains::rural::seed::seed(db, records).await?;
    tracing::info!(rows = rural, "seeded rural");
    let summary = domains::enforcement::seed::seed(db, records, scale).await?;
    let elapsed = started.elapsed();
    tracing::info!(
        ?summary,
        elapsed_ms = elapsed.as_millis() as u64,
        rows_per_second = (summary.rows() as f64 / elapsed.as_secs_f64().max(1e-3)) as u64,
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

//! Seeds the database with the reports' data: regions first, then each registered domain
//! (`Domain::seed`, which writes through `seeding.rs`).

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::domains;
use crate::error::AppResult;

/// Seeds everything; idempotent.
pub async fn run(db: &DatabaseConnection) -> AppResult<()> {
    seed(db, true, 1).await
}

/// Seeds everything with the records `scale` times over (`api seed --scale N`; N = 20 is about
/// a million cases, a million community staff, a million funeral records and a million
/// villages: each domain's `COPIES_PER_SCALE`), deterministic, ending with ANALYZE; idempotent.
pub async fn run_scaled(db: &DatabaseConnection, scale: u32) -> AppResult<()> {
    seed(db, true, scale.max(1)).await
}

/// Seeds the reference data only (regions, courts, reported figures), no records.
pub async fn run_reference(db: &DatabaseConnection) -> AppResult<()> {
    seed(db, false, 1).await
}

async fn seed(db: &DatabaseConnection, records: bool, scale: u32) -> AppResult<()> {
    crate::region::seed::seed(db).await?;
    let started = std::time::Instant::now();
    let mut rows = 0u64;
    for domain in domains::DOMAINS {
        let lap = std::time::Instant::now();
        let n = (domain.seed)(db, records, scale).await?;
        rows += n;
        tracing::info!(
            domain = domain.key,
            rows = n,
            elapsed_ms = lap.elapsed().as_millis() as u64,
            "seeded"
        );
    }
    if records && rows > 0 {
        // Fresh statistics once every domain is loaded, so that the planner sees the tables
        // at their new size (statistics taken between domains would describe the later
        // domains' tables as empty, and their copies would be planned as if they were).
        db.execute_unprepared("ANALYZE").await?;
    }
    // Every process's caches let go of what they hold from before the seed.
    crate::cache::bump_data_version(db).await?;
    let elapsed = started.elapsed();
    tracing::info!(
        rows,
        elapsed_ms = elapsed.as_millis() as u64,
        rows_per_second = (rows as f64 / elapsed.as_secs_f64().max(1e-3)) as u64,
        "seed done"
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

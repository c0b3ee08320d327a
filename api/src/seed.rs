//! Seeds the database with the reports' data: regions first, then each domain.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

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
    domains::region::seed::seed(db).await?;
    domains::survey::reports::seed(db).await?;
    let started = std::time::Instant::now();
    let mut rows = 0u64;
    let mut lap = std::time::Instant::now();
    let mut done = |domain: &str, n: u64| {
        rows += n;
        tracing::info!(
            domain,
            rows = n,
            elapsed_ms = lap.elapsed().as_millis() as u64,
            "seeded"
        );
        lap = std::time::Instant::now();
    };
    done(
        "community",
        domains::community::seed::seed(db, records, scale).await? as u64,
    );
    done(
        "funeral",
        domains::funeral::seed::seed(db, records, scale).await? as u64,
    );
    done(
        "rural",
        domains::rural::seed::seed(db, records, scale).await? as u64,
    );
    let summary = domains::enforcement::seed::seed(db, records, scale).await?;
    // Every process's caches let go of what they hold from before the seed.
    crate::cache::bump_data_version(db).await?;
    tracing::debug!(?summary, "enforcement records");
    done("enforcement", summary.rows() as u64);
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

/// Scaled copies of a domain's seeded records, made by the database itself (`INSERT ...
/// SELECT` over a series of copy numbers, one statement per table), for benchmarks at a
/// million records: the records the reports' data gave, `copies` times more, in the same
/// regions. Copy `k` of a row has id `id + k * stride` (the stride is the table's largest id
/// before copying), its references shifted by their tables' strides, and a uuid of its own;
/// every other column as the original.
pub struct Copies {
    copies: i64,
    /// Each copied table's stride, by table name.
    strides: std::collections::HashMap<String, i64>,
    pub rows: u64,
}

impl Copies {
    /// Copies for tables whose originals are those now in the database.
    pub async fn new(db: &impl sea_orm::ConnectionTrait, copies: i64, tables: &[&str]) -> AppResult<Self> {
        let mut strides = std::collections::HashMap::new();
        for table in tables {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS m FROM {table}"),
                ))
                .await?;
            let max: i64 = row.map(|r| r.try_get("", "m")).transpose()?.unwrap_or(0);
            strides.insert((*table).to_owned(), max);
        }
        Ok(Copies {
            copies,
            strides,
            rows: 0,
        })
    }

    /// Copies `E`'s table; `refs` names its columns that hold ids of other copied tables.
    pub async fn table<E: EntityTrait>(
        &mut self,
        db: &impl sea_orm::ConnectionTrait,
        refs: &[(&str, &str)],
    ) -> AppResult<()> {
        self.table_with::<E>(db, refs, &[]).await
    }

    /// Copies `E`'s table as [`Copies::table`] does, with some columns given by SQL
    /// expressions of the original row `t` and the copy number `s.k` (a column that must be
    /// unique, say).
    pub async fn table_with<E: EntityTrait>(
        &mut self,
        db: &impl sea_orm::ConnectionTrait,
        refs: &[(&str, &str)],
        exprs: &[(&str, String)],
    ) -> AppResult<()> {
        use sea_orm::{IdenStatic as _, Iterable as _};
        let table = E::default().table_name().to_owned();
        let stride = self.strides.get(&table).copied().unwrap_or(0);
        if stride == 0 || self.copies < 1 {
            return Ok(());
        }
        let postgres = db.get_database_backend() == sea_orm::DbBackend::Postgres;
        let new_id = format!("(t.id + s.k * {stride})");
        let uuid = if postgres {
            format!("'00000000-0000-4000-8000-' || lpad(to_hex({new_id}), 12, '0')")
        } else {
            format!("printf('00000000-0000-4000-8000-%012x', {new_id})")
        };
        let (mut names, mut values) = (Vec::new(), Vec::new());
        for column in E::Column::iter() {
            let name = column.as_str();
            names.push(name.to_owned());
            values.push(match name {
                "id" => new_id.clone(),
                "uuid" => uuid.clone(),
                _ if exprs.iter().any(|(c, _)| *c == name) => exprs
                    .iter()
                    .find(|(c, _)| *c == name)
                    .map(|(_, e)| e.clone())
                    .unwrap_or_default(),
                _ => match refs.iter().find(|(c, _)| *c == name) {
                    Some((_, target)) => {
                        let s = self.strides.get(*target).copied().unwrap_or(0);
                        format!("t.{name} + s.k * {s}")
                    }
                    None => format!("t.{name}"),
                },
            });
        }
        // Copies in batches of about 100,000 rows, so that no statement runs into the
        // statement timeout.
        let per_batch = (100_000 / stride).clamp(1, self.copies);
        let mut first = 1;
        while first <= self.copies {
            let last = (first + per_batch - 1).min(self.copies);
            let series = if postgres {
                format!("generate_series({first}, {last}) AS s(k)")
            } else {
                format!(
                    "(WITH RECURSIVE n(k) AS (SELECT {first} UNION ALL SELECT k + 1 FROM n WHERE k < {last}) \
                     SELECT k FROM n) AS s"
                )
            };
            let sql = format!(
                "INSERT INTO {table} ({}) SELECT {} FROM {table} AS t, {series} WHERE t.id <= {stride}",
                names.join(", "),
                values.join(", ")
            );
            self.rows += db.execute_unprepared(&sql).await?.rows_affected();
            first = last + 1;
        }
        if postgres {
            // Explicit ids leave the sequence behind: move it past the copies.
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .await?;
        }
        Ok(())
    }
}

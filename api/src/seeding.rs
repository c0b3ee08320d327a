//! The seeding API every domain's seed writes through (`seed.rs` runs the seeds): the
//! figures the reports state (报告数据), from a domain's `figures.json`, and scaled copies of
//! seeded records for benchmarks.

use chrono::NaiveDate;
use entity::survey::reported_figure;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde::Deserialize;

use crate::error::{AppError, AppResult};

/// A figure as shipped in a domain's `figures.json`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedFigure {
    pub report_no: i32,
    pub metric: String,
    pub region_code: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: String,
    pub unit: String,
    pub source_text: String,
    pub note: Option<String>,
    /// How the sentence states it (不足, 以上, 多/余, 约, 近); exact when absent.
    #[serde(default)]
    pub qualifier: crate::stated::Qualifier,
}

/// Parses a domain's shipped figures.
pub fn parse_figures(json: &str) -> AppResult<Vec<SeedFigure>> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(anyhow::anyhow!("figures.json: {e}")))
}

/// Inserts the figures that are not there yet, each with the interval its qualifier admits
/// (`stated.rs`); a metric a report states twice for one region and period is kept twice, in
/// the order of the file.
pub async fn figures(db: &impl ConnectionTrait, domain: &str, figures: Vec<SeedFigure>) -> AppResult<()> {
    let mut seen: std::collections::HashMap<(i32, String, String, NaiveDate, NaiveDate), i32> =
        std::collections::HashMap::new();
    let mut models = Vec::with_capacity(figures.len());
    for f in figures {
        let value: rust_decimal::Decimal = f.value.parse().map_err(|_| {
            AppError::Internal(anyhow::anyhow!(
                "figures.json: {} of report {} is not a decimal: {}",
                f.metric,
                f.report_no,
                f.value
            ))
        })?;
        let interval = crate::stated::Interval::stated(f.qualifier, value);
        let statement_no = seen
            .entry((
                f.report_no,
                f.metric.clone(),
                f.region_code.clone(),
                f.period_start,
                f.period_end,
            ))
            .and_modify(|n| *n += 1)
            .or_insert(1);
        models.push(reported_figure::ActiveModel {
            report_no: Set(f.report_no),
            domain: Set(domain.to_owned()),
            metric: Set(f.metric),
            region_code: Set(f.region_code),
            period_start: Set(f.period_start),
            period_end: Set(f.period_end),
            value: Set(f.value),
            unit: Set(f.unit),
            source_text: Set(f.source_text),
            note: Set(f.note),
            qualifier: Set(f.qualifier.as_str().to_owned()),
            lower: Set(interval.lower.map(|e| e.value.normalize().to_string())),
            lower_closed: Set(interval.lower.is_none_or(|e| e.closed)),
            upper: Set(interval.upper.map(|e| e.value.normalize().to_string())),
            upper_closed: Set(interval.upper.is_none_or(|e| e.closed)),
            statement_no: Set(*statement_no),
            ..Default::default()
        });
    }
    if models.is_empty() {
        return Ok(());
    }
    reported_figure::Entity::insert_many(models)
        .on_conflict(
            OnConflict::columns([
                reported_figure::Column::ReportNo,
                reported_figure::Column::Metric,
                reported_figure::Column::RegionCode,
                reported_figure::Column::PeriodStart,
                reported_figure::Column::PeriodEnd,
                reported_figure::Column::StatementNo,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
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
    pub async fn new(db: &impl ConnectionTrait, copies: i64, tables: &[&str]) -> AppResult<Self> {
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
        db: &impl ConnectionTrait,
        refs: &[(&str, &str)],
    ) -> AppResult<()> {
        self.table_with::<E>(db, refs, &[]).await
    }

    /// Copies `E`'s table as [`Copies::table`] does, with some columns given by SQL
    /// expressions of the original row `t` and the copy number `s.k` (a column that must be
    /// unique, say).
    pub async fn table_with<E: EntityTrait>(
        &mut self,
        db: &impl ConnectionTrait,
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

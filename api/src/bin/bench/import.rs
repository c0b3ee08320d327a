//! `bench --import`: CSV files of 1, 5 and 10 MB (`--import-sizes 1,5,10`) sent to
//! `POST /import/observations.csv` one after the other, each of new keys, while `--clients`
//! clients poll `/healthz` and one writer upserts an observation of its own in a loop. Per
//! file: rows, time, rows per second (linear time keeps it flat), `/healthz` p50 and p99,
//! and the concurrent writer's p50, p99 and longest wait: how long a writer waits for the
//! import's batch (`IMPORT_BATCH_ROWS`) that holds the write lock.

use anyhow::Context as _;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use super::percentile;

/// The keys files are made of: every indicator whose canonical unit is not a ratio (a row
/// needs no unit), every period from 1949 to 2100, region after region.
pub struct Keys {
    indicators: Vec<String>,
    periods: Vec<String>,
    regions: Vec<String>,
    /// The next key: (region, period, indicator) indexes, in that nesting.
    next: (usize, usize, usize),
}

impl Keys {
    pub async fn load(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let column = |sql: &str| {
            let sql = sql.to_owned();
            async move {
                let rows = db
                    .query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
                    .await?;
                rows.iter()
                    .map(|r| r.try_get_by_index::<String>(0).map_err(anyhow::Error::from))
                    .collect::<anyhow::Result<Vec<String>>>()
            }
        };
        let indicators =
            column("SELECT code FROM rural_indicators WHERE unit <> 'ratio' ORDER BY code").await?;
        // Regions without observations, so that every row of a file is a new key.
        let regions = column(
            "SELECT code FROM regions WHERE code NOT IN (SELECT region_code FROM rural_observations) \
             ORDER BY code",
        )
        .await?;
        let mut periods = Vec::new();
        for year in 1949..=2100 {
            periods.push(year.to_string());
            periods.extend((1..=2).map(|h| format!("{year}H{h}")));
            periods.extend((1..=4).map(|q| format!("{year}Q{q}")));
            periods.extend((1..=12).map(|m| format!("{year}-{m:02}")));
        }
        anyhow::ensure!(
            !indicators.is_empty() && regions.len() > 1,
            "no indicators or regions"
        );
        Ok(Keys {
            indicators,
            periods,
            regions,
            next: (0, 0, 0),
        })
    }

    /// The region the concurrent writer writes: the last one, which files reach last.
    fn writer_region(&self) -> &str {
        self.regions.last().map(String::as_str).unwrap_or_default()
    }

    /// A file of at most `bytes` bytes of new keys, and its number of rows.
    fn file(&mut self, bytes: usize) -> anyhow::Result<(String, usize)> {
        let mut csv = String::from("indicator,region_code,period,value,unit,source\n");
        let mut rows = 0;
        loop {
            let (r, p, i) = self.next;
            anyhow::ensure!(r + 1 < self.regions.len(), "out of keys: fewer or smaller files");
            let line = format!(
                "{},{},{},{},,bench\n",
                self.indicators[i],
                self.regions[r],
                self.periods[p],
                1000 + rows
            );
            if csv.len() + line.len() > bytes {
                return Ok((csv, rows));
            }
            csv.push_str(&line);
            rows += 1;
            self.next = if i + 1 < self.indicators.len() {
                (r, p, i + 1)
            } else if p + 1 < self.periods.len() {
                (r, p + 1, 0)
            } else {
                (r + 1, 0, 0)
            };
        }
    }
}

/// Polls `url` until `done`, returning each answer's latency; a non-200 answer is an error.
async fn poll(client: reqwest::Client, url: String, done: Arc<AtomicBool>) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::new();
    while !done.load(Ordering::Relaxed) {
        let started = Instant::now();
        let status = client.get(&url).send().await?.status();
        anyhow::ensure!(status.is_success(), "/healthz answered {status}");
        times.push(started.elapsed());
    }
    Ok(times)
}

/// Upserts one observation of its own until `done`, each with the version the previous one
/// returned (`version`, 0 before the first), returning each write's latency.
async fn write(
    client: reqwest::Client,
    graphql: String,
    token: String,
    region: String,
    version: Arc<AtomicI64>,
    done: Arc<AtomicBool>,
) -> anyhow::Result<Vec<Duration>> {
    const UPSERT: &str = r#"mutation($i: ObservationInputGql!, $v: Int) {
        upsertObservation(input: $i, expectedVersion: $v) { version } }"#;
    let mut times = Vec::new();
    while !done.load(Ordering::Relaxed) {
        let current = version.load(Ordering::Relaxed);
        let n = current + 1;
        let input = json!({"indicator": "population", "regionCode": region, "period": "2099",
                           "value": n.to_string(), "source": "bench writer"});
        let started = Instant::now();
        let body: Value = client
            .post(&graphql)
            .bearer_auth(&token)
            .json(&json!({"query": UPSERT, "variables": {"i": input, "v": (current > 0).then_some(current)}}))
            .send()
            .await?
            .json()
            .await?;
        times.push(started.elapsed());
        version.store(
            body["data"]["upsertObservation"]["version"]
                .as_i64()
                .with_context(|| format!("the writer's upsert answered {body}"))?,
            Ordering::Relaxed,
        );
    }
    Ok(times)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Imports each size in turn and prints a Markdown table.
pub async fn run(
    base: &str,
    client: &reqwest::Client,
    keys: &mut Keys,
    token: &str,
    sizes_mb: &[usize],
    clients: usize,
) -> anyhow::Result<()> {
    println!(
        "{clients} clients polling /healthz and one writer upserting its own observation while each \
         file imports ({} rows per batch)\n",
        api::testing::IMPORT_BATCH_ROWS
    );
    println!(
        "| file | rows | seconds | rows/s | /healthz p50 ms | /healthz p99 ms | write p50 ms | write p99 ms | longest write ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let writer_region = keys.writer_region().to_owned();
    let version = Arc::new(AtomicI64::new(0));
    for &mb in sizes_mb {
        let (file, rows) = keys.file(mb * 1_000_000)?;
        let done = Arc::new(AtomicBool::new(false));
        let pollers: Vec<_> = (0..clients)
            .map(|_| tokio::spawn(poll(client.clone(), format!("{base}/healthz"), done.clone())))
            .collect();
        let writer = tokio::spawn(write(
            client.clone(),
            format!("{base}/graphql"),
            token.to_owned(),
            writer_region.clone(),
            version.clone(),
            done.clone(),
        ));
        let started = Instant::now();
        let answer = client
            .post(format!("{base}/import/observations.csv"))
            .header("content-type", "text/csv")
            .bearer_auth(token)
            .body(file)
            .send()
            .await?;
        let status = answer.status();
        let body: Value = answer.json().await?;
        let elapsed = started.elapsed();
        done.store(true, Ordering::Relaxed);
        anyhow::ensure!(
            status.is_success() && body["data"]["created"].as_u64() == Some(rows as u64),
            "the {mb} MB import answered {status}: {body}"
        );
        let mut healthz = Vec::new();
        for p in pollers {
            healthz.extend(p.await??);
        }
        let mut writes = writer.await??;
        healthz.sort();
        writes.sort();
        anyhow::ensure!(
            !healthz.is_empty() && !writes.is_empty(),
            "nothing answered during the import"
        );
        println!(
            "| {mb} MB | {rows} | {:.1} | {:.0} | {:.2} | {:.2} | {:.1} | {:.1} | {:.1} |",
            elapsed.as_secs_f64(),
            rows as f64 / elapsed.as_secs_f64(),
            ms(percentile(&healthz, 0.5)),
            ms(percentile(&healthz, 0.99)),
            ms(percentile(&writes, 0.5)),
            ms(percentile(&writes, 0.99)),
            ms(*writes.last().unwrap_or(&Duration::ZERO)),
        );
    }
    Ok(())
}

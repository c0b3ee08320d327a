//! `cargo run --release -p api --bin bench [ITERATIONS]`: seeds a fresh SQLite database with
//! the reports' data, serves it in-process on 127.0.0.1, and measures representative requests
//! over HTTP, one at a time. Prints a Markdown table for BENCHMARKS.md.

use anyhow::Context as _;
use api::config::Settings;
use api::startup::{self, Application};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let iterations: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(200);
    let dir = std::env::temp_dir().join(format!("survey-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
    let mut settings = Settings::for_tests(&url);
    settings.rate_limit_cost_per_minute = u64::MAX / 4;
    let db = startup::connect(&settings).await?;
    startup::migrate(&db).await?;
    let started = Instant::now();
    api::seed::run(&db)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let seed_time = started.elapsed();
    let app = Application::build_with_db(settings, db, None)?;
    let base = format!("http://127.0.0.1:{}/graphql", app.port());
    tokio::spawn(app.run_until_stopped());

    let keys = api::auth::jwt::KeyStore::from_settings(&Settings::for_tests(&url))?;
    let analyst = keys
        .issue("bench", None, &["analyst".to_owned()], "analyst", None, 3600)
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let client = reqwest::Client::new();

    // A cursor deep into the list, to show a deep page costs what the first does.
    let mut after = Value::Null;
    for _ in 0..50 {
        let r: Value = client
            .post(&base)
            .bearer_auth(&analyst)
            .json(&json!({"query": "query($a: String) { enforcementCases(first: 100, after: $a) { pageInfo { endCursor } } }", "variables": {"a": after}}))
            .send()
            .await?
            .json()
            .await?;
        after = r["data"]["enforcementCases"]["pageInfo"]["endCursor"].clone();
    }
    let cases = [
        (
            "KPIs of 上饶市 over report 1's period",
            json!({"query": r#"{ enforcementKpis(filter: {regionCode: "361100", filedFrom: "2023-01-01", filedTo: "2025-06-20"}) { accepted actualClosed actualClosureRate recoveredAmount acceptedGrowth detentions dishonestListings } }"#}),
        ),
        (
            "first page, 20 cases",
            json!({"query": "{ enforcementCases { nodes { id caseNumber filedOn status } } }"}),
        ),
        (
            "page of 100 cases with court, region, parties, measures",
            json!({"query": "{ enforcementCases(first: 100) { nodes { caseNumber court { name } region { name } parties { name idNumber } measures { kind } } } }"}),
        ),
        (
            "page 51 (cursor after 5,000 rows), 100 cases",
            json!({"query": "query($a: String) { enforcementCases(first: 100, after: $a) { nodes { id } } }", "variables": {"a": after}}),
        ),
        (
            "totalCount of a filtered list",
            json!({"query": r#"{ enforcementCases(filter: {regionCode: "361126", status: CLOSED}) { totalCount } }"#}),
        ),
        (
            "reported figures with computed values",
            json!({"query": "{ reportedFigures { metric value computedValue consistent } }"}),
        ),
        (
            "dishonest-debtor check",
            json!({"query": r#"{ isDishonestDebtor(name: "王伟", idNumber: "361126198001011234") }"#}),
        ),
    ];
    println!("Seeding the reports' data: {:.2} s\n", seed_time.as_secs_f64());
    println!("| request | p50 ms | p95 ms | max ms |");
    println!("|---|---|---|---|");
    for (name, body) in cases {
        let mut times = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let t = Instant::now();
            let r: Value = client
                .post(&base)
                .bearer_auth(&analyst)
                .json(&body)
                .send()
                .await?
                .json()
                .await?;
            times.push(t.elapsed());
            anyhow::ensure!(r.get("errors").is_none(), "{name}: {r}");
        }
        times.sort();
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} |",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.95).as_secs_f64() * 1e3,
            times.last().context("no samples")?.as_secs_f64() * 1e3
        );
    }
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

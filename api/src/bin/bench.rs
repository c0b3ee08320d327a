//! The benchmark: seeds a fresh database with the reports' data (times `--scale`), serves it
//! in-process on 127.0.0.1 and drives it over HTTP, one client at a time and with concurrent
//! clients, printing Markdown tables for BENCHMARKS.md: requests per second, p50 and p99
//! latency, and SQL statements per request.
//!
//! ```sh
//! cargo run --release -p api --bin bench                      # SQLite
//! cargo run --release -p api --bin bench -- --postgres        # a private PostgreSQL it starts
//! cargo run --release -p api --bin bench -- --postgres=postgres://u@127.0.0.1:5432/db
//! options: --clients 16  --seconds 5  --scale 1
//! ```
//!
//! On PostgreSQL every request runs twice: with the default plan cache and with
//! `plan_cache_mode = force_generic_plan`, so a statement that is only fast with a custom plan
//! shows. The rate limit and the in-flight bounds are raised out of the way (the benchmark
//! measures the server, not its limits); the pool keeps its default size.

use anyhow::Context as _;
use api::config::Settings;
use api::startup::{self, Application};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

struct Options {
    postgres: Option<Option<String>>,
    clients: usize,
    seconds: u64,
    scale: u32,
    /// Only the grouped aggregates against pgbench.
    aggregates: bool,
}

fn options() -> anyhow::Result<Options> {
    let mut o = Options {
        postgres: None,
        clients: 16,
        seconds: 5,
        scale: 1,
        aggregates: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--postgres" => o.postgres = Some(None),
            s if s.starts_with("--postgres=") => o.postgres = Some(Some(s["--postgres=".len()..].to_owned())),
            "--clients" => o.clients = args.next().context("--clients N")?.parse()?,
            "--seconds" => o.seconds = args.next().context("--seconds S")?.parse()?,
            "--scale" => o.scale = args.next().context("--scale N")?.parse()?,
            "--aggregates" => o.aggregates = true,
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    Ok(o)
}

/// A PostgreSQL server of the benchmark's own, stopped and removed on drop.
struct PrivatePostgres {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
}

impl PrivatePostgres {
    fn start() -> anyhow::Result<(Self, String)> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .context("PostgreSQL's server programs (Debian's postgresql package)")?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .max()
            .context("no initdb under /usr/lib/postgresql/*/bin")?;
        let dir = std::env::temp_dir().join(format!("survey-bench-pg-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let root = std::process::Command::new("id").arg("-u").output()?.stdout == b"0\n";
        let run = |program: &str, args: &[&str]| -> anyhow::Result<()> {
            let path = bin.join(program);
            let mut command = if root {
                let mut c = std::process::Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&path);
                c
            } else {
                std::process::Command::new(&path)
            };
            let status = command.args(args).stdout(std::process::Stdio::null()).status()?;
            anyhow::ensure!(status.success(), "{program} failed");
            Ok(())
        };
        if root {
            std::process::Command::new("chown")
                .arg("postgres")
                .arg(&dir)
                .status()?;
        }
        let data = dir.join("data");
        let data_s = data.to_string_lossy().to_string();
        run(
            "initdb",
            &[
                "-D",
                &data_s,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
            ],
        )?;
        let opts = format!(
            "-k {} -h 127.0.0.1 -p {port} -c shared_buffers=512MB -c max_connections=200 \
             -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all",
            dir.display()
        );
        let log = dir.join("server.log").to_string_lossy().to_string();
        run("pg_ctl", &["-D", &data_s, "-l", &log, "-w", "-o", &opts, "start"])?;
        Ok((
            PrivatePostgres { bin, dir },
            format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        ))
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let mut stop = std::process::Command::new("runuser");
        stop.args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &data.to_string_lossy(), "-m", "fast", "-w", "stop"])
            .stdout(std::process::Stdio::null());
        let _ = stop.status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// One row of results.
struct Measured {
    requests: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
    statements: f64,
}

/// Sends `body` from `clients` concurrent clients for `seconds`.
async fn drive(
    base: &str,
    token: &str,
    body: &Value,
    clients: usize,
    seconds: u64,
    statements: &AtomicU64,
) -> anyhow::Result<Measured> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    // Warm-up: more than five executions on every pooled connection, so that PostgreSQL has
    // chosen between custom and generic plans before anything is measured.
    for _ in 0..(clients.max(10) * 2) {
        let r: Value = client
            .post(base)
            .bearer_auth(token)
            .json(body)
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(r.get("errors").is_none(), "{r}");
    }
    let before = statements.load(Ordering::Relaxed);
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, base, token, body) = (client.clone(), base.to_owned(), token.to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                let r: Value = client
                    .post(&base)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await?
                    .json()
                    .await?;
                times.push(t.elapsed());
                anyhow::ensure!(r.get("errors").is_none(), "{r}");
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await??);
    }
    let elapsed = started.elapsed();
    let ran = statements.load(Ordering::Relaxed) - before;
    times.sort();
    Ok(Measured {
        requests: times.len(),
        per_second: times.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        statements: ran as f64 / times.len().max(1) as f64,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let o = options()?;
    let mut _server = None;
    let (url, label) = match &o.postgres {
        None => {
            let dir = std::env::temp_dir().join(format!("survey-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            (
                format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
                "SQLite (WAL)".to_owned(),
            )
        }
        Some(Some(url)) => (url.clone(), "PostgreSQL (given server)".to_owned()),
        Some(None) => {
            let (server, url) = PrivatePostgres::start()?;
            _server = Some(server);
            (url, "PostgreSQL (private server)".to_owned())
        }
    };
    let mut settings = Settings::for_tests(&url);
    settings.rate_limit_cost_per_minute = u64::MAX / 4;
    settings.max_in_flight = 10_000;
    settings.max_in_flight_per_caller = 10_000;
    settings.db_max_connections = 10;
    let db = startup::connect(&settings).await?;
    startup::migrate(&db).await?;
    let started = Instant::now();
    api::seed::run_scaled(&db, o.scale)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let seed_time = started.elapsed();
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let database = if postgres {
        db.query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT current_database() AS d",
        ))
        .await?
        .context("current database")?
        .try_get::<String>("", "d")?
    } else {
        String::new()
    };
    db.close().await.ok();
    println!(
        "{label}, scale {}, seeded in {:.1} s; {} clients for {} s per row after a warm-up; release build\n",
        o.scale,
        seed_time.as_secs_f64(),
        o.clients,
        o.seconds
    );

    let keys = api::auth::jwt::KeyStore::from_settings(&settings)?;
    let analyst = keys
        .issue("bench", None, &["analyst".to_owned()], "analyst", None, 3600)
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    if o.aggregates {
        anyhow::ensure!(postgres, "--aggregates compares with pgbench: give --postgres");
        return aggregates(&settings, &url, &analyst).await;
    }
    let requests = [
        (
            "(1) enforcementCaseByNumber with court and region",
            json!({"query": r#"{ enforcementCaseByNumber(caseNumber: "(2024)赣1126执1号") { caseNumber court { name } region { name } } }"#}),
        ),
        (
            "(2) enforcementCases(first: 50, 361126) with totalCount",
            json!({"query": r#"{ enforcementCases(first: 50, filter: {regionCode: "361126"}) { totalCount nodes { caseNumber filedOn status subjectAmount } } }"#}),
        ),
        (
            "(3) courts(first: 100) with cases(first: 20)",
            json!({"query": "{ courts(first: 100) { nodes { name cases(first: 20) { nodes { caseNumber filedOn status } } } } }"}),
        ),
        (
            "(4) enforcementKpis of 361100 over report 1's period",
            json!({"query": r#"{ enforcementKpis(filter: {regionCode: "361100", filedFrom: "2023-01-01", filedTo: "2025-06-20"}) { accepted closed closureRate actualClosed actualClosureRate recoveredAmount recoveryRate acceptedGrowth actualClosedGrowth detentions dishonestListings supervisionBatches } }"#}),
        ),
    ];
    let modes: &[&str] = if postgres {
        &["auto", "force_generic_plan"]
    } else {
        &["-"]
    };
    for mode in modes {
        if postgres {
            let admin = startup::connect(&settings).await?;
            admin
                .execute_unprepared(&format!(
                    "ALTER DATABASE \"{database}\" SET plan_cache_mode = '{mode}'"
                ))
                .await?;
            admin.close().await.ok();
            println!("plan_cache_mode = {mode}\n");
        }
        let db = startup::connect(&settings).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        let hook: api::telemetry::sql::StatementHook = Arc::new(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let app = Application::build_with_db(settings.clone(), db, Some(hook))?;
        let base = format!("http://127.0.0.1:{}/graphql", app.port());
        let handle = tokio::spawn(app.run_until_stopped());
        // Where PostgreSQL spends the time of each request, from pg_stat_statements (when the
        // server has it loaded: the private one does).
        let profiler = if postgres {
            let admin = startup::connect(&settings).await?;
            let loaded = admin
                .execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                .await
                .is_ok();
            loaded.then_some(admin)
        } else {
            None
        };
        let mut profile = Vec::new();
        println!("| request | clients | requests/s | p50 ms | p99 ms | statements/request |");
        println!("|---|---|---|---|---|---|");
        for (name, body) in &requests {
            for clients in [1, o.clients] {
                let profiling = profiler.as_ref().filter(|_| clients == o.clients);
                if let Some(admin) = profiling {
                    admin
                        .execute_unprepared("SELECT pg_stat_statements_reset()")
                        .await?;
                }
                let m = drive(&base, &analyst, body, clients, o.seconds, &statements).await?;
                if let Some(admin) = profiling {
                    let served = (m.requests + clients.max(10) * 2) as f64;
                    profile.push(pg_profile(admin, name, served, m.p50).await?);
                }
                println!(
                    "| {name} | {clients} | {:.0} | {:.2} | {:.2} | {:.1} |",
                    m.per_second,
                    m.p50.as_secs_f64() * 1e3,
                    m.p99.as_secs_f64() * 1e3,
                    m.statements
                );
                let _ = m.requests;
            }
        }
        println!();
        if !profile.is_empty() {
            println!(
                "PostgreSQL's share ({} clients, from pg_stat_statements):\n",
                o.clients
            );
            println!(
                "| request | execution ms per request (p50 latency) | statements: mean execution ms × calls per request |"
            );
            println!("|---|---|---|");
            for line in &profile {
                println!("{line}");
            }
            println!();
        }
        handle.abort();
    }
    Ok(())
}

/// One line of the profile: PostgreSQL's execution time per request and its statements.
async fn pg_profile(
    admin: &sea_orm::DatabaseConnection,
    name: &str,
    served: f64,
    p50: Duration,
) -> anyhow::Result<String> {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT query, calls, total_exec_time FROM pg_stat_statements \
             WHERE query NOT ILIKE '%pg_stat_statements%' AND calls > 0 ORDER BY total_exec_time DESC",
        ))
        .await?;
    let mut total = 0.0;
    let mut parts = Vec::new();
    for row in &rows {
        let query: String = row.try_get("", "query")?;
        let calls: i64 = row.try_get("", "calls")?;
        let time: f64 = row.try_get("", "total_exec_time")?;
        total += time;
        let per_request = calls as f64 / served;
        if per_request >= 0.5 {
            let from = query
                .find(" FROM ")
                .map(|i| query[i + 6..].split_whitespace().next().unwrap_or("").to_owned())
                .unwrap_or_default();
            parts.push(format!(
                "{} {:.2} ms × {:.1}",
                from.trim_matches('"'),
                time / calls as f64,
                per_request
            ));
        }
    }
    Ok(format!(
        "| {name} | {:.2} ({:.2}) | {} |",
        total / served,
        p50.as_secs_f64() * 1e3,
        parts.join("; ")
    ))
}

/// The grouped aggregates, each as 20 API requests and as the equivalent hand-written SQL
/// run 20 times by pgbench in the same run: p50 of each and their ratio.
async fn aggregates(settings: &Settings, url: &str, token: &str) -> anyhow::Result<()> {
    let cases_sql = "SELECT region_code, CAST(date_trunc('quarter', filed_on) AS DATE) AS quarter, \
        COUNT(*), SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), \
        SUM(CASE WHEN closure_mode IN ('executed_in_full', 'settlement_performed') THEN 1 ELSE 0 END), \
        SUM(CASE WHEN closure_mode = 'terminated_this_round' THEN 1 ELSE 0 END), \
        SUM(CASE WHEN status = 'closed' AND closed_on <= statutory_due_on THEN 1 ELSE 0 END), \
        SUM(subject_amount_fen), SUM(recovered_amount_fen), SUM(subject_amount_fen), COUNT(subject_amount_fen), \
        MIN(subject_amount_fen), MAX(subject_amount_fen) \
        FROM enforcement_cases GROUP BY 1, 2;";
    let staff_sql = "SELECT region_code, role, COUNT(*), SUM(CASE WHEN party_member THEN 1 ELSE 0 END), \
        SUM(CASE WHEN gender = 'female' THEN 1 ELSE 0 END), SUM(CASE WHEN certified_social_worker THEN 1 ELSE 0 END), \
        SUM(monthly_pay_fen), COUNT(monthly_pay_fen), MIN(monthly_pay_fen), MAX(monthly_pay_fen) \
        FROM community_staff GROUP BY 1, 2;";
    let requests = [
        (
            "(5) enforcementAggregate by county and quarter",
            json!({"query": r#"{ enforcementAggregate(groupBy: [REGION, PERIOD], regionLevel: COUNTY, period: {granularity: QUARTER}) { rows { region { code } period { label } cases closed actualClosed closureRate actualClosureRate recoveryRate subjectAmount averageSubjectAmount } } }"#}),
            cases_sql,
        ),
        (
            "communityStaffAggregate by district and role",
            json!({"query": r#"{ communityStaffAggregate(groupBy: [REGION, ROLE], regionLevel: COUNTY) { rows { region { code } role staff partyMembers partyMemberShare femaleShare averageMonthlyPay } } }"#}),
            staff_sql,
        ),
    ];
    let db = startup::connect(settings).await?;
    let statements = Arc::new(AtomicU64::new(0));
    let counter = statements.clone();
    let hook: api::telemetry::sql::StatementHook = Arc::new(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let app = Application::build_with_db(settings.clone(), db, Some(hook))?;
    let base = format!("http://127.0.0.1:{}/graphql", app.port());
    let handle = tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    println!("| request | rows | API p50 ms | SQL (pgbench) p50 ms | API / SQL | statements/request |");
    println!("|---|---|---|---|---|---|");
    for (name, body, sql) in &requests {
        let mut times = Vec::new();
        let mut rows = 0;
        let before = statements.load(Ordering::Relaxed);
        // Six warm-up executions (past PostgreSQL's switch to a generic plan), then 20 measured.
        for i in 0..26 {
            let t = Instant::now();
            let r: Value = client
                .post(&base)
                .bearer_auth(token)
                .json(body)
                .send()
                .await?
                .json()
                .await?;
            let took = t.elapsed();
            anyhow::ensure!(r.get("errors").is_none(), "{r}");
            if i >= 6 {
                times.push(took);
                rows = r["data"]
                    .as_object()
                    .and_then(|d| d.values().next())
                    .map_or(0, |v| v["rows"].as_array().map_or(0, Vec::len));
            }
        }
        let per_request = (statements.load(Ordering::Relaxed) - before) as f64 / 26.0;
        times.sort();
        let api = percentile(&times, 0.5);
        let sql = pgbench_p50(url, sql)?;
        println!(
            "| {name} | {rows} | {:.1} | {:.1} | {:.2} | {:.1} |",
            api.as_secs_f64() * 1e3,
            sql.as_secs_f64() * 1e3,
            api.as_secs_f64() / sql.as_secs_f64(),
            per_request
        );
    }
    handle.abort();
    Ok(())
}

/// The p50 latency of `sql` over 6 warm-up and 20 measured runs of pgbench (one client).
fn pgbench_p50(url: &str, sql: &str) -> anyhow::Result<Duration> {
    let dir = std::env::temp_dir().join(format!("survey-pgbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let script = dir.join("query.sql");
    std::fs::write(&script, sql)?;
    let pgbench = ["/usr/lib/postgresql/15/bin/pgbench", "pgbench"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists() || *p == "pgbench")
        .unwrap_or("pgbench");
    let run = |transactions: u32, log: bool| -> anyhow::Result<()> {
        let mut cmd = std::process::Command::new(pgbench);
        cmd.current_dir(&dir)
            .args(["-n", "-c", "1", "-t", &transactions.to_string(), "-f"])
            .arg(&script)
            .arg(url);
        if log {
            cmd.args(["--log", "--log-prefix=lat"]);
        }
        let out = cmd.output()?;
        anyhow::ensure!(
            out.status.success(),
            "pgbench: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    };
    run(6, false)?;
    for f in std::fs::read_dir(&dir)? {
        let f = f?.path();
        if f.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("lat"))
        {
            std::fs::remove_file(f)?;
        }
    }
    run(20, true)?;
    let mut latencies = Vec::new();
    for f in std::fs::read_dir(&dir)? {
        let f = f?.path();
        if f.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("lat"))
        {
            for line in std::fs::read_to_string(&f)?.lines() {
                // client_id transaction_no time script_no time_epoch time_us
                if let Some(us) = line.split_whitespace().nth(2) {
                    latencies.push(Duration::from_micros(us.parse()?));
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    anyhow::ensure!(!latencies.is_empty(), "pgbench logged no transactions");
    latencies.sort();
    Ok(percentile(&latencies, 0.5))
}

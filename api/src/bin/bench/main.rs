//! The benchmark: seeds a fresh database with the reports' data (times `--scale`), serves it
//! in-process on 127.0.0.1 and drives it over HTTP, one client at a time and with concurrent
//! clients, printing Markdown tables for docs/benchmarks.md: requests per second, p50 and p99
//! latency, and SQL statements per request.
//!
//! ```sh
//! cargo run --release -p api --bin bench                      # SQLite
//! cargo run --release -p api --bin bench -- --postgres        # a private PostgreSQL it starts
//! cargo run --release -p api --bin bench -- --postgres=postgres://u@127.0.0.1:5432/db
//! options: --clients 16  --seconds 5  --scale 1  --generic  --no-wrk  --aggregates
//!          --only 1,4,7 (some scenarios)  --keep-scripts DIR (the pgbench scripts)
//!          --import (the CSV import instead, `import.rs`)  --import-sizes 1,5,10 (MB)
//! ```
//!
//! The server runs as a child process (this binary with `--serve`), so that its memory
//! (peak resident set per scenario) and its statement count (its `/metrics`) are its own.
//! Each of the seven scenarios is driven by the in-repo client and by wrk (Debian's `wrk`
//! package) at the same concurrency, and on PostgreSQL the statements each request ran,
//! captured once with their values, are run by pgbench at the same concurrency: the ceiling.
//!
//! `--generic` sets `plan_cache_mode = force_generic_plan`, so a statement that is only fast
//! with a custom plan shows. The rate limit and the in-flight bounds are raised out of the way
//! (the benchmark measures the server, not its limits).

use anyhow::Context as _;
use api::config::Settings;
use api::startup::{self, Application};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod import;

struct Options {
    postgres: Option<Option<String>>,
    clients: usize,
    seconds: u64,
    scale: u32,
    /// Only the grouped aggregates against pgbench.
    aggregates: bool,
    /// Drive with wrk too (when it is installed).
    wrk: bool,
    /// PostgreSQL: `plan_cache_mode = force_generic_plan` for the benchmark's database.
    generic: bool,
    /// Only these scenarios (1 to 7); all when empty.
    only: Vec<usize>,
    /// Keep the pgbench scripts in this folder.
    keep_scripts: Option<std::path::PathBuf>,
    /// The CSV import instead of the scenarios: files of these sizes, in MB.
    import: Option<Vec<usize>>,
}

fn options() -> anyhow::Result<Options> {
    let mut o = Options {
        postgres: None,
        clients: 16,
        seconds: 5,
        scale: 1,
        aggregates: false,
        wrk: true,
        generic: false,
        only: Vec::new(),
        keep_scripts: None,
        import: None,
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
            "--no-wrk" => o.wrk = false,
            "--generic" => o.generic = true,
            "--only" => {
                for n in args.next().context("--only 1,4,7")?.split(',') {
                    o.only.push(n.trim().parse()?);
                }
            }
            "--keep-scripts" => o.keep_scripts = Some(args.next().context("--keep-scripts DIR")?.into()),
            "--import" => {
                o.import.get_or_insert_with(|| vec![1, 5, 10]);
            }
            "--import-sizes" => {
                let sizes = args.next().context("--import-sizes 1,5,10")?;
                o.import = Some(
                    sizes
                        .split(',')
                        .map(|n| n.trim().parse())
                        .collect::<Result<_, _>>()?,
                );
            }
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
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

/// One request of a scenario: its body and the bearer token it is sent with.
#[derive(Clone)]
struct Call {
    body: Value,
    token: String,
    /// Writes: replayed by pgbench inside a transaction it rolls back.
    write: bool,
}

/// A scenario: its calls, sent in turn (a mix repeats some of them).
struct Scenario {
    name: &'static str,
    calls: Vec<Call>,
}

/// The server under test, a child process of the benchmark (the same binary, `--serve`), so
/// that its memory and statements are its own; killed on drop.
struct ChildServer {
    child: std::process::Child,
    base: String,
}

impl ChildServer {
    fn start(url: &str) -> anyhow::Result<Self> {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new(std::env::current_exe()?)
            .arg("--serve")
            .arg(url)
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().context("the server's stdout")?;
        let mut line = String::new();
        let mut stdout = std::io::BufReader::new(stdout);
        stdout.read_line(&mut line)?;
        // What the server logs after its port (RUST_LOG) goes on to the benchmark's stderr.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::stderr()));
        let port: u16 = line
            .trim()
            .strip_prefix("port ")
            .with_context(|| format!("the server said {line:?}"))?
            .parse()?;
        Ok(ChildServer {
            child,
            base: format!("http://127.0.0.1:{port}"),
        })
    }

    /// Forgets the peak so far (Linux: `clear_refs` 5), so the next reading is this load's.
    fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
    }

    /// The server's resident memory now and its peak since the last reset, in MB.
    fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let read = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        (read("VmRSS:"), read("VmHWM:"))
    }

    /// The server's count of GraphQL requests and of the SQL statements they ran.
    async fn statements(&self, client: &reqwest::Client) -> anyhow::Result<(f64, f64)> {
        let text = client
            .get(format!("{}/metrics", self.base))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await?
            .text()
            .await?;
        let read = |name: &str| {
            text.lines()
                .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
                .and_then(|l| l.split_whitespace().last())
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        Ok((
            read("graphql_request_sql_statements_count"),
            read("graphql_request_sql_statements_sum"),
        ))
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const METRICS_TOKEN: &str = "bench-metrics";

/// The benchmark's settings: the rate limit and in-flight bounds out of the way (it measures
/// the server, not its limits); the pool at the default size of a deployment.
fn bench_settings(url: &str) -> Settings {
    let mut settings = Settings::for_tests(url);
    settings.rate_limit_cost_per_minute = u64::MAX / 4;
    settings.max_in_flight = 10_000;
    settings.max_in_flight_per_caller = 10_000;
    settings.db_max_connections = 10;
    settings.metrics_token = Some(METRICS_TOKEN.to_owned());
    settings
}

/// `bench --serve URL`: the server alone, on a free port it prints.
async fn serve(url: &str) -> anyhow::Result<()> {
    // Silent unless RUST_LOG asks (e.g. `api::domains::rural::service::observations=debug`
    // for the import's time per batch); the benchmark passes them on to its stderr.
    let _telemetry = api::telemetry::init("off")?;
    let mut settings = bench_settings(url);
    settings.bind_addr = "127.0.0.1:0".to_owned();
    let db = startup::connect(&settings).await?;
    let app = Application::build_with_db(settings, db, None)?;
    println!("port {}", app.port());
    use std::io::Write as _;
    std::io::stdout().flush()?;
    app.run_until_stopped().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        return serve(args.get(2).context("--serve URL")?).await;
    }
    if args.iter().any(|a| a == "--order-cost") {
        order_cost();
        return Ok(());
    }
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
    let settings = bench_settings(&url);
    let db = startup::connect(&settings).await?;
    startup::migrate(&db).await?;
    let started = Instant::now();
    api::seed::run_scaled(&db, o.scale)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let seed_time = started.elapsed();
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let rows = seeded_rows(&db).await?;
    if postgres {
        // What autovacuum would do in the minutes after a load, done before measuring so that
        // it does not run during the measurements (and index-only scans see all-visible pages).
        let started = Instant::now();
        db.execute_unprepared("VACUUM").await?;
        println!("VACUUM after the seed: {:.1} s", started.elapsed().as_secs_f64());
    }
    let import_keys = match o.import {
        Some(_) => Some(import::Keys::load(&db).await?),
        None => None,
    };
    db.close().await.ok();
    println!(
        "{label}, scale {}: {rows} rows seeded in {:.1} s ({:.0} rows/s); release build\n",
        o.scale,
        seed_time.as_secs_f64(),
        rows as f64 / seed_time.as_secs_f64()
    );

    let keys = api::auth::jwt::KeyStore::from_settings(&settings)?;
    let issue = |sub: &str, role: &str, region: Option<&str>| {
        keys.issue(sub, None, &[role.to_owned()], role, region, 24 * 3600)
            .map_err(|e| anyhow::anyhow!("{}", e.message()))
    };
    let analyst = issue("bench-analyst", "analyst", None)?;
    if o.aggregates {
        anyhow::ensure!(postgres, "--aggregates compares with pgbench: give --postgres");
        let reader = issue("bench-reader", "statistics_reader", None)?;
        return aggregates(&settings, &url, &analyst, &reader).await;
    }
    if let (Some(sizes), Some(mut keys)) = (&o.import, import_keys) {
        let server = ChildServer::start(&url)?;
        let importer = issue("bench-importer", "admin", None)?;
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(o.clients + 2)
            .build()?;
        return import::run(&server.base, &client, &mut keys, &importer, sizes, o.clients).await;
    }
    let officer = issue("bench-officer", "court_officer", Some("361126"))?;

    // PostgreSQL's own account of each scenario's statements (pg_stat_statements, loaded by
    // the private server), for the profile.
    let admin = if postgres {
        let admin = startup::connect(&settings).await?;
        if o.generic {
            admin
                .execute_unprepared(&format!(
                    "ALTER DATABASE \"{}\" SET plan_cache_mode = 'force_generic_plan'",
                    database_name(&admin).await?
                ))
                .await?;
        }
        let loaded = admin
            .execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .await
            .is_ok();
        loaded.then_some(admin)
    } else {
        None
    };
    let server = ChildServer::start(&url)?;
    let graphql = format!("{}/graphql", server.base);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(o.clients)
        .build()?;
    let mut scenarios = scenarios(&client, &graphql, &analyst, &officer).await?;
    if !o.only.is_empty() {
        let mut n = 0;
        scenarios.retain(|_| {
            n += 1;
            o.only.contains(&n)
        });
    }
    let sql = if postgres {
        capture_sql(&settings, &scenarios).await?
    } else {
        Vec::new()
    };
    let wrk = o.wrk && which("wrk");
    let (idle, _) = server.memory();
    println!(
        "{} clients, {} s per measurement after a warm-up; server idle at {idle:.0} MB resident\n",
        o.clients, o.seconds
    );
    println!(
        "| scenario | driver | requests/s | p50 ms | p99 ms | statements/request | peak MB |\n|---|---|---|---|---|---|---|"
    );
    let mut ceilings = Vec::new();
    let mut profile = Vec::new();
    for (i, scenario) in scenarios.iter().enumerate() {
        warm_up(&client, &graphql, &scenario.calls, o.clients).await?;
        server.reset_peak();
        if let Some(admin) = &admin {
            admin
                .execute_unprepared("SELECT pg_stat_statements_reset()")
                .await?;
        }
        let (count0, sum0) = server.statements(&client).await?;
        let m = drive(&client, &graphql, &scenario.calls, o.clients, o.seconds).await?;
        let mut rows = vec![("in-repo", m)];
        if wrk {
            rows.push(("wrk", run_wrk(&graphql, &scenario.calls, o.clients, o.seconds)?));
        }
        let (count1, sum1) = server.statements(&client).await?;
        let (_, peak) = server.memory();
        let per_request = (sum1 - sum0) / (count1 - count0).max(1.0);
        if let Some(admin) = &admin {
            profile.push(pg_profile(admin, scenario.name, (count1 - count0).max(1.0), rows[0].1.p50).await?);
        }
        for (driver, m) in rows {
            println!(
                "| {} | {driver} | {:.0} | {:.2} | {:.2} | {per_request:.1} | {peak:.0} |",
                scenario.name,
                m.per_second,
                m.p50.as_secs_f64() * 1e3,
                m.p99.as_secs_f64() * 1e3,
            );
        }
        if let Some(scripts) = sql.get(i) {
            if let Some(dir) = &o.keep_scripts {
                std::fs::create_dir_all(dir)?;
                for (j, (script, _)) in scripts.iter().enumerate() {
                    std::fs::write(dir.join(format!("scenario{}-{j}.sql", i + 1)), script)?;
                }
            }
            ceilings.push((scenario.name, pgbench(&url, scripts, o.clients, o.seconds)?));
        }
    }
    if !profile.is_empty() {
        println!("\nPostgreSQL's share of each request under load (pg_stat_statements):\n");
        println!(
            "| scenario | execution ms per request (in-repo p50) | statements: mean execution ms × calls per request |"
        );
        println!("|---|---|---|");
        for line in &profile {
            println!("{line}");
        }
    }
    if !ceilings.is_empty() {
        println!(
            "\nThe same SQL run directly by pgbench ({} clients, {} s, the statements each request ran, \
             values inlined, writes rolled back):\n",
            o.clients, o.seconds
        );
        println!("| scenario | statements | transactions/s | p50 ms | p99 ms |\n|---|---|---|---|---|");
        for (name, (statements, m)) in ceilings {
            println!(
                "| {name} | {statements} | {:.0} | {:.2} | {:.2} |",
                m.per_second,
                m.p50.as_secs_f64() * 1e3,
                m.p99.as_secs_f64() * 1e3
            );
        }
    }
    Ok(())
}

fn which(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

/// Rows in the tables of every record type the domains register (`api::domains::records()`).
async fn seeded_rows(db: &sea_orm::DatabaseConnection) -> anyhow::Result<i64> {
    let mut total = 0;
    for record in api::domains::records() {
        let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {}", (record.table)());
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
            .await?
            .context("COUNT(*) answered no row")?;
        total += row.try_get::<i64>("", "n")?;
    }
    Ok(total)
}

async fn post(client: &reqwest::Client, url: &str, call: &Call) -> anyhow::Result<Value> {
    let r: Value = client
        .post(url)
        .bearer_auth(&call.token)
        .json(&call.body)
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(r.get("errors").is_none(), "{r}");
    Ok(r)
}

/// The seven scenarios of the benchmark.
async fn scenarios(
    client: &reqwest::Client,
    url: &str,
    analyst: &str,
    officer: &str,
) -> anyhow::Result<Vec<Scenario>> {
    let read = |query: &str| Call {
        body: json!({ "query": query }),
        token: analyst.to_owned(),
        write: false,
    };
    let case = read(
        r#"{ enforcementCaseByNumber(caseNumber: "(2024)赣1126执1号") { caseNumber status court { name } region { name } } }"#,
    );
    let page = read(
        r#"{ enforcementCases(first: 50, filter: {regionCode: "361126"}) { totalCount nodes { caseNumber filedOn status subjectAmount } } }"#,
    );
    // An open case of the officer's county, filed before the date its flow nodes get.
    let open = post(
        client,
        url,
        &Call {
            body: json!({"query": r#"{ enforcementCases(first: 1, filter: {regionCode: "361126", status: PENDING, filedTo: "2024-12-31"}) { nodes { id } } }"#}),
            token: officer.to_owned(),
            write: false,
        },
    )
    .await?;
    let case_id = open["data"]["enforcementCases"]["nodes"][0]["id"]
        .as_str()
        .context("an open case in 361126")?
        .to_owned();
    let write = Call {
        body: json!({
            "query": "mutation($i: RecordFlowNodeInput!) { recordFlowNode(input: $i) { kind occurredOn } }",
            "variables": {"i": {"caseId": case_id, "kind": "PROPERTY_INVESTIGATION", "occurredOn": "2025-06-01"}},
        }),
        token: officer.to_owned(),
        write: true,
    };
    let mut mix = Vec::new();
    for _ in 0..6 {
        mix.push(case.clone());
    }
    for _ in 0..3 {
        mix.push(page.clone());
    }
    mix.push(write);
    Ok(vec![
        Scenario {
            name: "(1) one case with its court and region",
            calls: vec![case],
        },
        Scenario {
            name: "(2) a filtered page of 50 with totalCount",
            calls: vec![page],
        },
        Scenario {
            name: "(3) courts(first: 100) with 20 cases each",
            calls: vec![read(
                "{ courts(first: 100) { nodes { name cases(first: 20) { nodes { caseNumber filedOn status } } } } }",
            )],
        },
        Scenario {
            name: "(4) a city's KPIs (361100)",
            calls: vec![read(
                r#"{ enforcementKpis(filter: {regionCode: "361100", filedFrom: "2023-01-01", filedTo: "2025-06-20"}) { accepted closed closureRate actualClosed actualClosureRate recoveredAmount recoveryRate acceptedGrowth actualClosedGrowth detentions dishonestListings supervisionBatches } }"#,
            )],
        },
        Scenario {
            name: "(5) grouped aggregate by county and quarter",
            calls: vec![read(
                r#"{ enforcementAggregate(groupBy: [REGION, PERIOD], regionLevel: COUNTY, period: {granularity: QUARTER}) { rows { region { code } period { label } cases closed actualClosed closureRate actualClosureRate recoveryRate subjectAmount averageSubjectAmount } } }"#,
            )],
        },
        Scenario {
            name: "(6) a region dashboard across the four domains",
            calls: vec![read(
                r#"{ regionDashboard(code: "361100") { enforcementKpis(filedFrom: "2023-01-01", filedTo: "2025-06-20") { accepted actualClosureRate recoveryRate } communityStats(asOfYear: 2023) { units staff } funeralStats(asOf: "2025-06-30") { gravePlots fundingGap } ruralStats(year: 2023) { villages villagesVetoed } reportedFigures { metric consistent } } }"#,
            )],
        },
        Scenario {
            name: "(7) reads and writes, 10% mutations",
            calls: mix,
        },
    ])
}

/// More than five executions of each call on every pooled connection, so that PostgreSQL has
/// chosen between custom and generic plans before anything is measured.
async fn warm_up(client: &reqwest::Client, url: &str, calls: &[Call], clients: usize) -> anyhow::Result<()> {
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, url, calls) = (client.clone(), url.to_owned(), calls.to_vec());
        tasks.push(tokio::spawn(async move {
            for i in 0..(8 * calls.len()) {
                post(&client, &url, &calls[(c + i) % calls.len()]).await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

/// The in-repo driver: `clients` concurrent clients send the calls in turn for `seconds`.
async fn drive(
    client: &reqwest::Client,
    url: &str,
    calls: &[Call],
    clients: usize,
    seconds: u64,
) -> anyhow::Result<Measured> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, url, calls) = (client.clone(), url.to_owned(), calls.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut i = c;
            while Instant::now() < until {
                let t = Instant::now();
                post(&client, &url, &calls[i % calls.len()]).await?;
                times.push(t.elapsed());
                i += 1;
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await??);
    }
    Ok(measured(times, started.elapsed()))
}

fn measured(mut times: Vec<Duration>, elapsed: Duration) -> Measured {
    times.sort();
    Measured {
        per_second: times.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
    }
}

/// wrk (`-t2 -c clients --latency`) with a Lua script that sends the calls in turn and counts
/// responses that are not 200 or carry GraphQL errors: any makes the run fail.
fn run_wrk(url: &str, calls: &[Call], clients: usize, seconds: u64) -> anyhow::Result<Measured> {
    let dir = std::env::temp_dir().join(format!("survey-wrk-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut lua = String::from("local calls = {\n");
    for c in calls {
        lua.push_str(&format!(
            "  {{ body = [==[{}]==], auth = [==[Bearer {}]==] }},\n",
            serde_json::to_string(&c.body)?,
            c.token
        ));
    }
    lua.push_str(
        r#"}
local threads = {}
function setup(thread) table.insert(threads, thread) end
local i = 0
errors = 0
last_error = ""
function request()
  i = i + 1
  local c = calls[(i % #calls) + 1]
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["Authorization"] = c.auth }, c.body)
end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors = errors + 1
    last_error = body
  end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do
    n = n + t:get("errors")
    if t:get("errors") > 0 then io.write("LAST_ERROR " .. t:get("last_error") .. "\n") end
  end
  io.write(string.format("ERRORS %d\n", n))
  io.write(string.format("P50_US %d\nP99_US %d\n", latency:percentile(50), latency:percentile(99)))
end
"#,
    );
    let script = dir.join("calls.lua");
    std::fs::write(&script, lua)?;
    let out = std::process::Command::new("wrk")
        .args([
            "-t2",
            "-c",
            &clients.to_string(),
            "-d",
            &format!("{seconds}s"),
            "-s",
        ])
        .arg(&script)
        .arg(url)
        .output()?;
    std::fs::remove_dir_all(&dir).ok();
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "wrk: {}{}",
        text,
        String::from_utf8_lossy(&out.stderr)
    );
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .map(str::trim)
            .and_then(|v| v.parse::<f64>().ok())
    };
    anyhow::ensure!(value("ERRORS") == Some(0.0), "wrk saw errors:\n{text}");
    Ok(Measured {
        per_second: value("Requests/sec:").context("wrk's requests/s")?,
        p50: Duration::from_micros(value("P50_US").context("wrk's p50")? as u64),
        p99: Duration::from_micros(value("P99_US").context("wrk's p99")? as u64),
    })
}

/// The SQL each call of each scenario runs, captured from one request each through an
/// in-process server with a statement hook: values inlined, so pgbench can run it as is.
async fn capture_sql(
    settings: &Settings,
    scenarios: &[Scenario],
) -> anyhow::Result<Vec<Vec<(String, bool)>>> {
    let captured = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = captured.clone();
    let hook: api::telemetry::sql::StatementHook = Arc::new(move |info| {
        log.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(info.statement.to_string());
    });
    // Without the result cache (the ceiling is the SQL that computes, not the version check
    // that serves a kept result), and with the reference data loaded before capturing (it is
    // in memory in the steady state the scenarios measure).
    let mut settings = settings.clone();
    settings.result_cache_entries = 0;
    let db = startup::connect(&settings).await?;
    let app = Application::build_with_db(settings.clone(), db.clone(), Some(hook))?;
    let url = format!("http://127.0.0.1:{}/graphql", app.port());
    let handle = tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let mut all = Vec::new();
    for scenario in scenarios {
        let mut scripts = Vec::new();
        for call in &scenario.calls {
            if !call.write {
                post(&client, &url, call).await?;
            }
            captured.lock().unwrap_or_else(|p| p.into_inner()).clear();
            post(&client, &url, call).await?;
            let statements = std::mem::take(&mut *captured.lock().unwrap_or_else(|p| p.into_inner()));
            let script = if call.write {
                let seq = api::cache::data_version(&db)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
                replayable_write(&statements, seq)
            } else {
                // pgbench ends a command at a semicolon at the end of a line.
                statements
                    .iter()
                    .map(|s| format!("{};\n", s.replace('\n', " ")))
                    .collect()
            };
            scripts.push((script, call.write));
        }
        all.push(scripts);
    }
    handle.abort();
    Ok(all)
}

/// A write's statements as a pgbench script that can run again and again: in a transaction
/// it rolls back, with a fresh UUID for what it inserts (the captured one exists: the capture
/// committed it) and the change log's sequence number taken from the counter it bumps (`seq`,
/// the number the capture was given).
fn replayable_write(statements: &[String], seq: i64) -> String {
    let mut script = String::from("BEGIN;\nSELECT '''' || gen_random_uuid()::text || '''' AS uuid \\gset\n");
    // The UUIDs the write inserts (the new record's, in its row and its change-log entry).
    let mut uuids: Vec<String> = Vec::new();
    for s in statements.iter().filter(|s| s.contains("INSERT INTO")) {
        let mut from = 0;
        while let Some(at) = find_uuid(&s[from..]) {
            let u = s[from + at..from + at + 38].to_owned();
            if !uuids.contains(&u) {
                uuids.push(u);
            }
            from += at + 38;
        }
    }
    for s in statements {
        let mut s = s.replace('\n', " ");
        for u in &uuids {
            s = s.replace(u.as_str(), ":uuid");
        }
        if s.contains("change_counter") && s.contains("RETURNING") {
            script.push_str(&s);
            script.push_str(" \\gset\n");
            continue;
        }
        if s.contains("change_log") {
            s = replace_number(&s, seq, ":seq");
        }
        script.push_str(&s);
        script.push_str(";\n");
    }
    script.push_str("ROLLBACK;\n");
    script
}

/// Where the first quoted UUID literal of `s` starts (its opening quote).
fn find_uuid(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(37)).find(|&i| {
        b[i] == b'\''
            && b[i + 37] == b'\''
            && b[i + 1..i + 37].iter().enumerate().all(|(j, c)| match j {
                8 | 13 | 18 | 23 => *c == b'-',
                _ => c.is_ascii_hexdigit(),
            })
    })
}

/// `s` with the number `n` (standing alone, not part of a longer number) replaced by `by`.
fn replace_number(s: &str, n: i64, by: &str) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find(&digits) {
        let before = rest[..at].chars().last();
        let after = rest[at + digits.len()..].chars().next();
        let alone = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '\'')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '\'');
        out.push_str(&rest[..at]);
        out.push_str(if alone { by } else { &digits });
        rest = &rest[at + digits.len()..];
    }
    out.push_str(rest);
    out
}

/// pgbench with the scripts (each one transaction; repeated scripts weigh more): transactions
/// per second, p50 and p99 from its per-transaction log; and the statements per transaction.
fn pgbench(
    url: &str,
    scripts: &[(String, bool)],
    clients: usize,
    seconds: u64,
) -> anyhow::Result<(String, Measured)> {
    let dir = std::env::temp_dir().join(format!("survey-pgbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut weights: Vec<(String, u32)> = Vec::new();
    for (script, _) in scripts {
        match weights.iter_mut().find(|(s, _)| s == script) {
            Some((_, w)) => *w += 1,
            None => weights.push((script.clone(), 1)),
        }
    }
    let mut cmd = std::process::Command::new("pgbench");
    cmd.current_dir(&dir).args([
        "-n",
        "-c",
        &clients.to_string(),
        "-j",
        "2",
        "-T",
        &seconds.to_string(),
        "--log",
        "--log-prefix=lat",
    ]);
    let mut counts = Vec::new();
    for (i, (script, weight)) in weights.iter().enumerate() {
        let file = dir.join(format!("s{i}.sql"));
        std::fs::write(&file, script)?;
        cmd.arg("-f").arg(format!("{}@{weight}", file.display()));
        counts.push(
            script
                .lines()
                .filter(|l| !matches!(*l, "BEGIN;" | "ROLLBACK;") && !l.ends_with("AS uuid \\gset"))
                .count()
                .to_string(),
        );
    }
    cmd.arg(url);
    let started = Instant::now();
    let out = cmd.output()?;
    let elapsed = started.elapsed();
    anyhow::ensure!(
        out.status.success(),
        "pgbench: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let latencies = pgbench_latencies(&dir)?;
    std::fs::remove_dir_all(&dir).ok();
    let tps = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok());
    let mut m = measured(latencies, elapsed);
    if let Some(tps) = tps {
        m.per_second = tps;
    }
    Ok((counts.join(" / "), m))
}

async fn database_name(db: &sea_orm::DatabaseConnection) -> anyhow::Result<String> {
    Ok(db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT current_database() AS d",
        ))
        .await?
        .context("current database")?
        .try_get::<String>("", "d")?)
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
/// The grouped aggregates (and the KPIs) as an analyst gets them (exact) and as a
/// `statistics_reader` gets them (protected by disclosure control), with the result cache
/// on and off, beside the same SQL run by pgbench.
async fn aggregates(settings: &Settings, url: &str, analyst: &str, reader: &str) -> anyhow::Result<()> {
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
            Some(cases_sql),
            Some(reader),
        ),
        (
            "communityStaffAggregate by district and role",
            json!({"query": r#"{ communityStaffAggregate(groupBy: [REGION, ROLE], regionLevel: COUNTY) { rows { region { code } role staff partyMembers partyMemberShare femaleShare averageMonthlyPay } } }"#}),
            Some(staff_sql),
            Some(reader),
        ),
        (
            "enforcementKpis of 上饶市 over 2023-01-01..2025-06-20",
            json!({"query": r#"{ enforcementKpis(filter: {regionCode: "361100", filedFrom: "2023-01-01", filedTo: "2025-06-20"}) { accepted closed closureRate actualClosed actualClosureRate subjectAmount recoveredAmount recoveryRate acceptedGrowth detentions fineAmount dishonestListings supervisionOrders } }"#}),
            None,
            // Not open to statistics_reader: anonymous callers get them protected.
            None,
        ),
    ];
    let mut pgbench = Vec::new();
    for (_, _, sql, _) in &requests {
        pgbench.push(match sql {
            Some(sql) => Some(pgbench_p50(url, sql)?),
            None => None,
        });
    }
    println!(
        "| request | result cache | rows | analyst p50 ms | protected p50 ms (statistics_reader; anonymous for the KPIs) | protected / exact | SQL (pgbench) p50 ms | statements/request (analyst, protected) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for cache in [false, true] {
        let mut settings = settings.clone();
        if !cache {
            settings.result_cache_entries = 0;
        }
        let db = startup::connect(&settings).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        let hook: api::telemetry::sql::StatementHook = Arc::new(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let app = Application::build_with_db(settings, db, Some(hook))?;
        let base = format!("http://127.0.0.1:{}/graphql", app.port());
        let handle = tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::new();
        for ((name, body, _, protected), sql) in requests.iter().zip(&pgbench) {
            // Alternating rounds of each role, so that both see the same machine.
            let mut times = [Vec::new(), Vec::new()];
            let mut counted = [0u64, 0u64];
            let mut rows = 0;
            for round in 0..4 {
                for (i, token) in [Some(analyst), *protected].into_iter().enumerate() {
                    let before = statements.load(Ordering::Relaxed);
                    // Six warm-up executions (past PostgreSQL's switch to a generic plan) in
                    // the first round, then 10 measured per round.
                    let warm = if round == 0 { 6 } else { 0 };
                    for j in 0..warm + 10 {
                        let t = Instant::now();
                        let mut post = client.post(&base).json(body);
                        if let Some(token) = token {
                            post = post.bearer_auth(token);
                        }
                        let r: Value = post.send().await?.json().await?;
                        let took = t.elapsed();
                        anyhow::ensure!(r.get("errors").is_none(), "{r}");
                        if j >= warm {
                            times[i].push(took);
                            rows = r["data"]
                                .as_object()
                                .and_then(|d| d.values().next())
                                .map_or(1, |v| v["rows"].as_array().map_or(1, Vec::len));
                        }
                    }
                    counted[i] += statements.load(Ordering::Relaxed) - before;
                }
            }
            let runs = (4 * 10 + 6) as f64;
            let [exact, protected] = times.map(|mut t| {
                t.sort();
                percentile(&t, 0.5)
            });
            println!(
                "| {name} | {} | {rows} | {:.2} | {:.2} | {:.2} | {} | {:.1}, {:.1} |",
                if cache { "on" } else { "off" },
                exact.as_secs_f64() * 1e3,
                protected.as_secs_f64() * 1e3,
                protected.as_secs_f64() / exact.as_secs_f64(),
                sql.map_or("—".to_owned(), |d| format!("{:.1}", d.as_secs_f64() * 1e3)),
                counted[0] as f64 / runs,
                counted[1] as f64 / runs,
            );
        }
        handle.abort();
    }
    Ok(())
}

/// Each transaction's latency from pgbench's per-transaction logs (`--log --log-prefix=lat`)
/// in `dir`, whose lines are: client_id transaction_no time_us script_no time_epoch time_us.
fn pgbench_latencies(dir: &std::path::Path) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::new();
    for f in std::fs::read_dir(dir)? {
        let f = f?.path();
        if f.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("lat"))
        {
            for line in std::fs::read_to_string(&f)?.lines() {
                if let Some(us) = line.split_whitespace().nth(2) {
                    latencies.push(Duration::from_micros(us.parse()?));
                }
            }
        }
    }
    anyhow::ensure!(!latencies.is_empty(), "pgbench logged no transactions");
    Ok(latencies)
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
    let mut latencies = pgbench_latencies(&dir)?;
    std::fs::remove_dir_all(&dir).ok();
    latencies.sort();
    Ok(percentile(&latencies, 0.5))
}

/// `--order-cost`: what putting an answer back in query order (`api::order`) costs, on the
/// answer of scenario (3), 15 courts with 20 cases each: once with every object out of order
/// (each is sorted) and once already in order (each is only checked).
fn order_cost() {
    let query = "{ courts(first: 100) { nodes { name cases(first: 20) { nodes { caseNumber filedOn \
                 subjectAmount } } } } }";
    let document = async_graphql::parser::parse_query(query).expect("the query parses");
    // Built as async-graphql values: their objects keep insertion order (serde_json's sort).
    let object = |fields: Vec<(&str, async_graphql::Value)>, reversed: bool| {
        let mut fields = fields;
        if reversed {
            fields.reverse();
        }
        async_graphql::Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (async_graphql::Name::new(k), v))
                .collect(),
        )
    };
    let text = |s: String| async_graphql::Value::String(s);
    let answer = |reversed: bool| {
        let courts = (0..15)
            .map(|c| {
                let cases = (0..20)
                    .map(|i| {
                        let fields = vec![
                            ("caseNumber", text(format!("(2024)赣1126执{}号", c * 20 + i))),
                            ("filedOn", text("2024-03-01".into())),
                            ("subjectAmount", text("12345.67".into())),
                        ];
                        object(fields, reversed)
                    })
                    .collect();
                let cases = object(vec![("nodes", async_graphql::Value::List(cases))], false);
                object(
                    vec![("name", text(format!("court {c}"))), ("cases", cases)],
                    reversed,
                )
            })
            .collect();
        let courts = object(vec![("nodes", async_graphql::Value::List(courts))], false);
        object(vec![("courts", courts)], false)
    };
    println!("| answer of scenario (3), 315 objects | ordering per answer (median of 2,000) |");
    println!("|---|---|");
    for (label, reversed) in [("every object out of order", true), ("already in order", false)] {
        let mut times = Vec::with_capacity(2000);
        for _ in 0..2000 {
            let mut response = async_graphql::Response::new(answer(reversed));
            let started = Instant::now();
            api::order::in_query_order(&document, None, &mut response);
            times.push(started.elapsed());
            std::hint::black_box(&response);
        }
        times.sort();
        println!(
            "| {label} | {:.1} µs |",
            times[times.len() / 2].as_secs_f64() * 1e6
        );
    }
}

//! Faults: the database down at start and restarted under load (PostgreSQL, through a TCP
//! proxy the test can cut), and a graceful stop on SIGTERM (the real binary).

use crate::helpers::{TestDatabase, token};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP proxy to the database. `set_up(false)` cuts every open connection and refuses new ones.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    async fn start(target: SocketAddr, up: bool) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(up));
        let (cut, _) = watch::channel(0u64);
        let (flag, cuts) = (up.clone(), cut.subscribe());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !flag.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let mut cuts = cuts.clone();
                // Only cuts after this connection opened end it.
                cuts.borrow_and_update();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Proxy { port, up, cut }
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            self.cut.send_modify(|n| *n += 1);
        }
    }
}

/// The PostgreSQL test database, if the suite runs on PostgreSQL.
async fn postgres() -> Option<TestDatabase> {
    if !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("database-fault tests run on PostgreSQL only (TEST_DATABASE_URL)");
        return None;
    }
    Some(TestDatabase::create().await)
}

/// `postgres://user@host:port/db?x` -> (host:port, URL with the proxy's port).
fn through_proxy(url: &str, port: u16) -> (SocketAddr, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (auth_host, path) = rest.split_once('/').unwrap();
    let (auth, host) = auth_host
        .rsplit_once('@')
        .map_or(("", auth_host), |(a, h)| (a, h));
    let addr: SocketAddr = host.replace("localhost", "127.0.0.1").parse().expect("host:port");
    let at = if auth.is_empty() {
        String::new()
    } else {
        format!("{auth}@")
    };
    (addr, format!("{scheme}://{at}127.0.0.1:{port}/{path}"))
}

async fn start_app(url: String) -> String {
    let mut settings = api::config::Settings::for_tests(&url);
    settings.db_acquire_timeout_ms = 1_000;
    let app = api::startup::Application::build(settings).await.expect("build");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    base
}

async fn status(client: &reqwest::Client, url: String) -> u16 {
    client
        .get(url)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

async fn query(client: &reqwest::Client, base: &str) -> (u16, Value) {
    let r = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token("admin", &["admin"], None))
        .json(&json!({"query": "{ regions { totalCount } enforcementCases { totalCount } }"}))
        .send()
        .await
        .expect("response");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Polls readiness a bounded number of times.
async fn until_ready(client: &reqwest::Client, base: &str) -> bool {
    for _ in 0..120 {
        if status(client, format!("{base}/readyz")).await == 200 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}

#[tokio::test]
async fn started_while_the_database_is_down_it_becomes_ready_when_it_is_back() {
    let Some(db) = postgres().await else { return };
    let (target, _) = through_proxy(&db.url, 0);
    let proxy = Proxy::start(target, false).await;
    let (_, url) = through_proxy(&db.url, proxy.port);
    let base = start_app(url).await;
    let client = reqwest::Client::new();
    assert_eq!(status(&client, format!("{base}/healthz")).await, 200, "alive");
    assert_eq!(status(&client, format!("{base}/readyz")).await, 503, "not ready");
    let (code, body) = query(&client, &base).await;
    assert_eq!(code, 503);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
    proxy.set_up(true);
    assert!(
        until_ready(&client, &base).await,
        "ready once the database is back"
    );
    let (code, body) = query(&client, &base).await;
    assert_eq!(code, 200, "{body}");
    assert!(
        body["data"]["regions"]["totalCount"].as_i64().unwrap() > 0,
        "migrated and seeded"
    );
}

#[tokio::test]
async fn a_database_restart_under_load_fails_fast_and_recovers() {
    let Some(db) = postgres().await else { return };
    let (target, _) = through_proxy(&db.url, 0);
    let proxy = Arc::new(Proxy::start(target, true).await);
    let (_, url) = through_proxy(&db.url, proxy.port);
    let base = start_app(url).await;
    let client = reqwest::Client::new();
    assert!(until_ready(&client, &base).await);
    let mut load = Vec::new();
    for _ in 0..4 {
        let (client, base) = (client.clone(), base.clone());
        load.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for _ in 0..25 {
                seen.push(query(&client, &base).await);
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.set_up(false);
    tokio::time::sleep(Duration::from_millis(800)).await;
    proxy.set_up(true);
    let mut failures = 0;
    for task in load {
        for (code, body) in task.await.unwrap() {
            match code {
                200 => assert!(body.get("errors").is_none(), "{body}"),
                503 | 504 => {
                    failures += 1;
                    let c = body["errors"][0]["extensions"]["code"].as_str().unwrap_or("");
                    assert!(c == "UNAVAILABLE" || c == "TIMEOUT", "{body}");
                }
                other => panic!("status {other}: {body}"),
            }
        }
    }
    eprintln!("{failures} requests failed during the outage");
    // Recovered by itself.
    let mut ok = false;
    for _ in 0..40 {
        if query(&client, &base).await.0 == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ok, "the server recovers once the database is back");
    assert_eq!(status(&client, format!("{base}/readyz")).await, 200);
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish_then_exits() {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("survey-sigterm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("platform.db");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_api"))
        .arg("serve")
        .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", db.display()))
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env("JWT_SECRET", api::config::TEST_JWT_SECRET)
        .env("REQUEST_TIMEOUT_MS", "120000")
        .env("DB_ACQUIRE_TIMEOUT_MS", "120000")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let plain: String = line
                .split('\u{1b}')
                .map(|p| p.split_once('m').map_or(p, |(_, r)| r))
                .collect();
            if let Some(i) = plain.find("port=") {
                let port: String = plain[i + 5..].chars().take_while(char::is_ascii_digit).collect();
                let _ = tx.send(port);
            }
        }
    });
    let port: u16 = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server logs its port")
        .parse()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    assert!(until_ready(&client, &base).await, "seeded and ready");

    // A heavy batch: KPIs of every region, many times over.
    let fields: Vec<String> = (0..10).map(|i| format!(r#"k{i}: enforcementKpis(filter: {{regionCode: "360000"}}) {{ accepted closed actualClosed detentions dishonestListings supervisionBatches }}"#)).collect();
    let query = format!("{{ {} }}", fields.join(" "));
    let batch: Vec<Value> = (0..4).map(|_| json!({"query": query})).collect();
    let in_flight = {
        let (client, base) = (client.clone(), base.clone());
        tokio::spawn(async move {
            let r = client
                .post(format!("{base}/graphql"))
                .bearer_auth(token("analyst", &["analyst"], None))
                .json(&batch)
                .send()
                .await
                .expect("the in-flight request is answered");
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    // New connections are refused once the stop began.
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    assert!(
        fresh.get(format!("{base}/healthz")).send().await.is_err(),
        "new requests are refused"
    );
    let (code, body) = in_flight.await.unwrap();
    assert_eq!(code, 200);
    let answers = body.as_array().expect("a batch answer");
    assert_eq!(answers.len(), 4);
    for a in answers {
        assert!(a.get("errors").is_none(), "{}", a["errors"]);
        assert_eq!(
            a["data"]["k9"]["accepted"], 36269,
            "江西省's cases are report 1's"
        );
    }
    let exit = child.wait().expect("exits");
    assert!(exit.success(), "exit status {exit}");
    let _ = std::fs::remove_dir_all(dir);
}

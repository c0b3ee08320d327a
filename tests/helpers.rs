//! `spawn_app()`: the app in-process on 127.0.0.1 with its own fresh database.

use api::config::Settings;
use api::startup::{self, Application};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A `WEBHOOK_SECRET_KEY` for tests that run as production (which refuses to start without one).
pub const WEBHOOK_KEY: &str = "URoYxkZHYC28K+yjelIGdLqPUSQN1IGNKSn38lSSpRw=";

/// A running app and what a test needs to talk to it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    /// Bearer token sent with each request (an administrator's unless changed).
    token: Mutex<Option<String>>,
    /// SQL of the statements run since the last `reset_statements`.
    statements: Arc<Mutex<Vec<String>>>,
    /// The separate metrics address's port, when the test configured one.
    pub metrics_port: Option<u16>,
    _database: TestDatabase,
}

/// What the app starts with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// Regions, courts and reported figures; no case records.
    Reference,
    /// Everything `serve` seeds: the generated records of the reports too.
    Full,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Seed::Reference).await
}

pub async fn spawn_app_with(seed: Seed) -> TestApp {
    spawn_app_configured(seed, |_| {}).await
}

/// An app whose settings the test adjusts first (keys, limits).
pub async fn spawn_app_configured(seed: Seed, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::create().await;
    let mut settings = Settings::for_tests(&database.url);
    // Migrate and seed with the default settings, whatever limits the test sets.
    {
        let db = startup::connect(&settings).await.expect("connect");
        startup::migrate(&db).await.expect("migrate");
        match seed {
            Seed::Reference => api::seed::run_reference(&db).await.expect("seed"),
            Seed::Full => api::seed::run(&db).await.expect("seed"),
        }
        db.close().await.ok();
    }
    configure(&mut settings);
    let db = startup::connect(&settings).await.expect("connect");
    let statements = Arc::new(Mutex::new(Vec::new()));
    let log = statements.clone();
    let hook: api::telemetry::sql::StatementHook = Arc::new(move |info| {
        if let Ok(mut log) = log.lock() {
            log.push(info.statement.sql.clone());
        }
    });
    // A test that sets `database_replica_url` gets the app reading from that replica.
    let replica = startup::connect_replica(&settings).await.expect("the replica");
    let app = Application::build_with_replica(settings, db.clone(), replica, Some(hook)).expect("build");
    let base = format!("http://127.0.0.1:{}", app.port());
    let metrics_port = app.metrics_port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        client: reqwest::Client::new(),
        db,
        token: Mutex::new(Some(token("admin", &["admin"], None))),
        statements,
        metrics_port,
        _database: database,
    }
}

impl TestApp {
    /// Sends a GraphQL request and returns the whole JSON response.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let token = self.token.lock().expect("lock").clone();
        self.send(token.as_deref(), &[], query, variables).await.1
    }

    /// Sends a GraphQL request with this token and headers; returns the status and body.
    pub async fn send(
        &self,
        token: Option<&str>,
        headers: &[(&str, &str)],
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("json body"))
    }

    /// Acts as a holder of a one-role token from now on (`None` region: every region).
    pub fn act_as(&self, role: &str, region: Option<&str>) {
        *self.token.lock().expect("lock") = Some(token(role, &[role], region));
    }

    /// Acts with no token (anonymous) from now on.
    pub fn act_anonymously(&self) {
        *self.token.lock().expect("lock") = None;
    }

    /// Acts with this bearer token from now on.
    pub fn act_with(&self, token: &str) {
        *self.token.lock().expect("lock") = Some(token.to_owned());
    }

    /// `data` of a response that must have no errors.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// `extensions.code` of the first error of a response that must fail.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let body = self.gql(query, variables).await;
        let err = &body["errors"][0];
        assert!(!err.is_null(), "expected an error: {body:#}");
        err["extensions"]["code"].as_str().unwrap_or("<none>").to_owned()
    }

    /// The first error of a response that must fail.
    pub async fn error(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        let err = body["errors"][0].clone();
        assert!(!err.is_null(), "expected an error: {body:#}");
        err
    }

    /// GETs `/export/<path>` with `bearer`: status, content type and the body, or why it broke
    /// off.
    #[allow(dead_code)]
    pub async fn export(
        &self,
        path: &str,
        params: &[(&str, &str)],
        bearer: Option<&str>,
    ) -> (u16, String, Result<String, String>) {
        let mut req = self
            .client
            .get(format!("{}/export/{path}", self.base))
            .query(params);
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.expect("send");
        let status = r.status().as_u16();
        let kind = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, kind, r.text().await.map_err(|e| e.to_string()))
    }

    /// The URL of the test's database, for a second process on the same data.
    #[allow(dead_code)]
    pub fn database_url(&self) -> &str {
        &self._database.url
    }

    pub fn reset_statements(&self) {
        self.statements.lock().expect("lock").clear();
    }

    /// The statements run since the last reset.
    pub fn statements(&self) -> Vec<String> {
        self.statements.lock().expect("lock").clone()
    }

    /// Runs raw SQL, for tests that arrange data the API deliberately cannot create.
    #[allow(dead_code)]
    pub async fn sql(&self, sql: &str) {
        self.db.execute_unprepared(sql).await.expect("sql");
    }
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims of a valid token; tests change what they need.
pub fn claims(role: &str, roles: &[&str], region: Option<&str>) -> Value {
    let mut c = json!({
        "sub": format!("test-{role}"),
        "roles": roles,
        "role": role,
        "iss": api::config::DEFAULT_ISSUER,
        "aud": api::config::DEFAULT_AUDIENCE,
        "exp": now() + 600,
        "iat": now(),
    });
    if let Some(r) = region {
        c["region"] = json!(r);
    }
    c
}

/// Signs claims with the tests' local HS256 secret.
pub fn sign_hs(claims: &Value, secret: &[u8], kid: Option<&str>) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &jsonwebtoken::EncodingKey::from_secret(secret)).expect("sign")
}

/// A valid local token for these roles.
pub fn token(role: &str, roles: &[&str], region: Option<&str>) -> String {
    sign_hs(
        &claims(role, roles, region),
        api::config::TEST_JWT_SECRET.as_bytes(),
        Some("local"),
    )
}

/// A database that exists for one test and is removed after it.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    pub async fn create() -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let unique = format!("{}_{}_{}", std::process::id(), n, nanos);
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            Some(admin_url) if admin_url.starts_with("postgres") => {
                let name = format!("survey_test_{unique}");
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let (prefix, _) = admin_url.rsplit_once('/').expect("URL with a database name");
                let query = admin_url
                    .split_once('?')
                    .map(|(_, q)| format!("?{q}"))
                    .unwrap_or_default();
                TestDatabase {
                    url: format!("{prefix}/{name}{query}"),
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
            Some(other) => panic!("TEST_DATABASE_URL must be a postgres:// URL, got {other}"),
            None => {
                let path = std::env::temp_dir().join(format!("survey-test-{unique}.db"));
                TestDatabase {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    cleanup: Cleanup::File(path),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
                    if let Ok(rt) = rt {
                        rt.block_on(async {
                            if let Ok(admin) = Database::connect(&admin_url).await {
                                let _ = admin
                                    .execute_unprepared(&format!(
                                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                    ))
                                    .await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

/// The id of the basic court of `region`.
pub async fn court(app: &TestApp, region: &str) -> String {
    let d = app
        .data(
            r#"query($r: String) { courts(filter: {regionCode: $r}) { nodes { id region { code } } } }"#,
            json!({"r": region}),
        )
        .await;
    d["courts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["region"]["code"] == region)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The server as its own process on a test's database, killed when dropped.
pub struct ServerProcess {
    child: std::process::Child,
    pub base: String,
}

impl ServerProcess {
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // `SURVEY_API_BIN` names another build of the binary: with a target directory that
        // several checkouts share, `target/debug/api` may be another checkout's by now.
        let binary = std::env::var("SURVEY_API_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_api").to_owned());
        let mut command = std::process::Command::new(binary);
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("JWT_SECRET", api::config::TEST_JWT_SECRET)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let server = ServerProcess {
            child: command.spawn().expect("start the server"),
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(r) = client.get(format!("{}/readyz", server.base)).send().await
                && r.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the server did not become ready");
    }

    /// Its resident memory, bytes.
    pub fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS");
        kb * 1024
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

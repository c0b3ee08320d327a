//! Connects, migrates, builds the schema once and binds the HTTP server.

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context as _;
use async_graphql::http::GraphiQLSource;
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::net::TcpListener;
use std::time::Duration;

use crate::access::Viewer;
use crate::config::{Settings, redact_url};
use crate::schema::{self, AppSchema};

/// Opens the connection pool. An SQLite file and its folder are created when absent.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let url = &settings.database_url;
    if let Some(path) = sqlite_file(url)
        && let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut opts = ConnectOptions::new(url.clone());
    opts.max_connections(settings.db_max_connections)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        // A file database shared by a pool needs WAL and a busy timeout to take writers in turn.
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    Database::connect(opts)
        .await
        .with_context(|| format!("connecting to {}", redact_url(url)))
}

/// The file path of an `sqlite://path?...` URL, if it names a file.
fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:") && !path.starts_with("file:")).then(|| path.to_owned())
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("running migrations")
}

/// State shared by the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub graphiql: bool,
}

/// A bound server, ready to run.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects, migrates, seeds an empty database and binds.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = connect(&settings).await?;
        migrate(&db).await?;
        if crate::seed::run_if_empty(&db)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
        {
            tracing::info!("seeded an empty database with the reports' data");
        }
        Self::build_with_db(settings, db)
    }

    /// Binds a server on an already prepared database.
    pub fn build_with_db(settings: Settings, db: DatabaseConnection) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind_addr)
            .with_context(|| format!("binding {}", settings.bind_addr))?;
        let port = listener.local_addr()?.port();
        let state = AppState {
            schema: schema::build(db.clone(), &settings),
            db,
            graphiql: settings.graphiql,
        };
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .app_data(web::JsonConfig::default().limit(256 * 1024))
                .route("/graphql", web::post().to(graphql))
                .route("/graphql", web::get().to(graphiql))
                .route("/healthz", web::get().to(healthz))
                .route("/readyz", web::get().to(readyz))
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|v| v == "application/json" || v == "application/graphql-response+json")
}

async fn graphql(state: web::Data<AppState>, http: HttpRequest, request: GraphQLRequest) -> HttpResponse {
    // Only JSON bodies: a cross-site form post cannot run a mutation.
    if !is_json(&http) {
        return HttpResponse::UnsupportedMediaType()
            .json(serde_json::json!({"errors": [{"message": "POST /graphql needs Content-Type: application/json", "extensions": {"code": "BAD_REQUEST"}}]}));
    }
    let request = crate::domains::request_data(request.into_inner(), &state.db).data(Viewer::default());
    let mut response = state.schema.execute(request).await;
    // Errors raised before any resolver (parse, validation, input coercion) carry no code.
    for error in &mut response.errors {
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
    }
    let response: GraphQLResponse = response.into();
    use actix_web::Responder;
    response.respond_to(&http).map_into_boxed_body()
}

async fn graphiql(state: web::Data<AppState>) -> HttpResponse {
    if !state.graphiql {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(GraphiQLSource::build().endpoint("/graphql").finish())
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "database unavailable"}))
        }
    }
}

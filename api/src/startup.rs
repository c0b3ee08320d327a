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

use crate::access::{Role, Viewer};
use crate::audit::service as audit_service;
use crate::auth::graphql::ClientAddress;
use crate::auth::jwt::KeyStore;
use crate::auth::service::{self as auth_service, LoginThrottles};
use crate::config::{Settings, redact_url};
use crate::domains::region::service as region_service;
use crate::error::AppError;
use crate::schema::Auth;
use crate::schema::{self, AppSchema};
use actix_web::http::StatusCode;
use std::sync::Arc;

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
    pub auth: Auth,
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
        let auth = Auth {
            keys: Arc::new(KeyStore::from_settings(&settings)?),
            throttles: Arc::new(LoginThrottles::default()),
        };
        let state = AppState {
            schema: schema::build(db.clone(), &settings, auth.clone()),
            db,
            auth,
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

/// A GraphQL-shaped error body with the given HTTP status.
fn error_response(status: StatusCode, err: &AppError) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "errors": [{"message": err.message(), "extensions": {"code": err.code()}}]
    }))
}

/// A request id from `X-Request-Id` when it is sane, else a new one.
fn request_id(http: &HttpRequest) -> String {
    http.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let mut bytes = [0u8; 8];
            let _ = getrandom::fill(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        })
}

/// Who is calling: anonymous without a token; an invalid token is 401, a role the token
/// does not allow is 403, never a silent fall-back to anonymous.
async fn authenticate(
    state: &AppState,
    http: &HttpRequest,
    request_id: String,
) -> Result<Viewer, HttpResponse> {
    let unauthorized = |msg: &str| {
        error_response(
            StatusCode::UNAUTHORIZED,
            &AppError::Unauthenticated(msg.to_owned()),
        )
    };
    let asked_role = match http.headers().get("x-role").map(|v| v.to_str()) {
        None => None,
        Some(Ok(r)) => Some(Role::parse(r.trim()).ok_or_else(|| {
            error_response(
                StatusCode::FORBIDDEN,
                &AppError::Forbidden(format!("unknown role {r:?}")),
            )
        })?),
        Some(Err(_)) => {
            return Err(error_response(
                StatusCode::FORBIDDEN,
                &AppError::Forbidden("unreadable X-Role".into()),
            ));
        }
    };
    let token = match http.headers().get(header::AUTHORIZATION) {
        None => None,
        Some(v) => {
            let v = v
                .to_str()
                .map_err(|_| unauthorized("unreadable Authorization header"))?;
            let (scheme, token) = v
                .trim()
                .split_once(' ')
                .ok_or_else(|| unauthorized("Authorization must be `Bearer <token>`"))?;
            if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
                return Err(unauthorized("Authorization must be `Bearer <token>`"));
            }
            Some(token.trim().to_owned())
        }
    };
    let Some(token) = token else {
        return match asked_role {
            None | Some(Role::Anonymous) => Ok(Viewer::anonymous(request_id)),
            Some(r) => Err(error_response(
                StatusCode::FORBIDDEN,
                &AppError::Forbidden(format!("role {} needs a token", r.as_str())),
            )),
        };
    };
    let claims = state
        .auth
        .keys
        .verify(&token)
        .await
        .map_err(|e| error_response(StatusCode::UNAUTHORIZED, &e))?;
    let roles: Vec<Role> = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
    let default = Role::parse(&claims.role)
        .filter(|r| roles.contains(r))
        .ok_or_else(|| unauthorized("the token's role is not among its roles"))?;
    let role = asked_role.unwrap_or(default);
    if !roles.contains(&role) {
        return Err(error_response(
            StatusCode::FORBIDDEN,
            &AppError::Forbidden(format!("the token does not allow role {}", role.as_str())),
        ));
    }
    if let Some(uid) = claims.uid {
        match auth_service::is_active(&state.db, uid).await {
            Ok(true) => {}
            Ok(false) => return Err(unauthorized("the account is disabled")),
            Err(e) => return Err(error_response(StatusCode::SERVICE_UNAVAILABLE, &log_internal(e))),
        }
    }
    let region = match &claims.region {
        Some(code) => match region_service::find(&state.db, code).await {
            Ok(Some(r)) => Some(r),
            Ok(None) => return Err(unauthorized("the token's region is unknown")),
            Err(e) => return Err(error_response(StatusCode::SERVICE_UNAVAILABLE, &log_internal(e))),
        },
        None if role.is_scoped() => return Err(unauthorized("the token's role needs a region claim")),
        None => None,
    };
    Ok(Viewer::new(
        claims.sub, role, roles, region, claims.uid, request_id,
    ))
}

fn log_internal(e: AppError) -> AppError {
    if let AppError::Internal(cause) = &e {
        tracing::error!(error = ?cause, "internal error");
    }
    AppError::Internal(anyhow::anyhow!("logged"))
}

async fn graphql(state: web::Data<AppState>, http: HttpRequest, request: GraphQLRequest) -> HttpResponse {
    // Only JSON bodies: a cross-site form post cannot run a mutation.
    if !is_json(&http) {
        return HttpResponse::UnsupportedMediaType()
            .json(serde_json::json!({"errors": [{"message": "POST /graphql needs Content-Type: application/json", "extensions": {"code": "BAD_REQUEST"}}]}));
    }
    let viewer = match authenticate(&state, &http, request_id(&http)).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let address = http.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let request = crate::domains::request_data(request.into_inner(), &state.db)
        .data(viewer.clone())
        .data(ClientAddress(address));
    let mut response = state.schema.execute(request).await;
    // Errors raised before any resolver (parse, validation, input coercion) carry no code.
    for error in &mut response.errors {
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
    }
    // Unmasked personal data leaves only once its reading is audited.
    let reads = viewer.take_personal_reads();
    if let Err(e) = audit_service::record_reads(&state.db, &viewer.actor(), reads).await {
        return error_response(StatusCode::INTERNAL_SERVER_ERROR, &log_internal(e));
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

//! The HTTP surface, as the GraphQL-over-HTTP specification describes it: `POST /graphql`
//! with a JSON body (anything else is 415), `GET /graphql` for queries only (a mutation is
//! 405), `application/graphql-response+json` when the client accepts it, with 4xx for
//! request errors; 401/403 for bad credentials, 429 with `Retry-After`, 503 while the
//! database is unreachable, 504 on timeouts. Plus `/healthz` and `/readyz`.
//!
//! Persisted operations (`persisted/`) give a request its text before the limits are checked;
//! bodies are read, and decompressed, under the body limit by `body.rs`. A GET answer is
//! `Cache-Control: public` only for an anonymous caller's error-free read of published data,
//! else `private, no-store`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, ServerError};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::access::{Role, Viewer};
use crate::admission::Refusal;
use crate::audit::service as audit_service;
use crate::auth::graphql::ClientAddress;
use crate::auth::service as auth_service;
use crate::config::Limits;
use crate::error::AppError;
use crate::ratelimit::RateKeys;
use crate::replica::{Pool, ReadScope};
use crate::schema::{AppSchema, Auth};
use crate::telemetry::metrics::Metrics;
use crate::telemetry::sql::RequestStats;
use sea_orm::DatabaseConnection;
use tracing::Instrument as _;

/// State shared by the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    /// The primary database.
    pub db: DatabaseConnection,
    /// The read replica (`DATABASE_REPLICA_URL`), which serves reads when it has replayed
    /// the caller's writes.
    pub replica: Option<Arc<crate::replica::Replica>>,
    pub auth: Auth,
    pub graphiql: bool,
    pub limits: Limits,
    pub request_timeout: Duration,
    /// Set once the database is migrated and seeded.
    pub ready: Arc<AtomicBool>,
    /// The process's metrics.
    pub metrics: Arc<Metrics>,
    /// Token `GET /metrics` accepts on the main address.
    pub metrics_token: Option<String>,
    /// Whether the main address serves `/metrics` (not when it has its own address).
    pub metrics_on_main: bool,
    /// Reference data in memory.
    pub caches: crate::domains::Caches,
    /// Requests in flight, per caller and in all.
    pub admission: Arc<crate::admission::Admission>,
    /// The rate limit's budgets (the schema charges queries; exports charge rows).
    pub limiter: Arc<crate::ratelimit::CostLimiter>,
    /// The record lists `GET /export/<list>.csv` serves.
    pub exports: Arc<crate::export::Catalog>,
    /// How long an export may wait for a page, the client or its budget.
    pub export_idle: Duration,
    /// Subscriptions: the change feed and the live connections.
    pub live: Arc<crate::live::Live>,
    /// Automatic persisted queries or the allow-list (`persisted.rs`).
    pub persisted: Arc<crate::persisted::Persisted>,
    /// `max-age` of a GET answer that caches may share (anonymous, published, no errors);
    /// 0: every GET answer is `private, no-store`.
    pub public_max_age: u64,
}

/// The routes of the server.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql_post))
        .route(
            "/graphql",
            web::get()
                .guard(actix_web::guard::Header("upgrade", "websocket"))
                .to(crate::live::graphql_ws),
        )
        .route("/graphql", web::get().to(graphql_get))
        .route("/graphql", web::route().to(method_not_allowed))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics_main))
        .route("/graphiql/{name}", web::get().to(crate::console::asset))
        .route("/import/observations.csv", web::post().to(import_observations))
        .route("/export/{name}", web::get().to(export));
}

/// The routes of the separate metrics address (`METRICS_BIND_ADDR`).
pub fn metrics_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics_open));
}

fn metrics_body(state: &AppState) -> HttpResponse {
    let pool = pool_state(&state.db);
    HttpResponse::Ok()
        .content_type(crate::telemetry::metrics::CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(state.metrics.render(pool))
}

fn pool_state(db: &DatabaseConnection) -> crate::telemetry::metrics::PoolState {
    fn of<D: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<D>) -> crate::telemetry::metrics::PoolState {
        crate::telemetry::metrics::PoolState {
            size: pool.size(),
            idle: pool.num_idle(),
            max: pool.options().get_max_connections(),
        }
    }
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => of(db.get_postgres_connection_pool()),
        _ => of(db.get_sqlite_connection_pool()),
    }
}

/// `GET /metrics` on the separate metrics address: open, as that address is private.
async fn metrics_open(state: web::Data<AppState>) -> HttpResponse {
    metrics_body(&state)
}

/// `GET /metrics` on the main address: `METRICS_TOKEN` as a Bearer token, or an
/// administrator's token; anonymous callers get 401. Not served when metrics have their own
/// address.
async fn metrics_main(state: web::Data<AppState>, http: HttpRequest) -> HttpResponse {
    if !state.metrics_on_main {
        return HttpResponse::NotFound().finish();
    }
    let bearer = http
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    let Some(token) = bearer else {
        return error_response(
            StatusCode::UNAUTHORIZED,
            &AppError::Unauthenticated("metrics need METRICS_TOKEN or an administrator's token".into()),
        );
    };
    if let Some(expected) = &state.metrics_token
        && constant_time_eq(expected.as_bytes(), token.as_bytes())
    {
        return metrics_body(&state);
    }
    match authenticate(&state, &http, request_id(&http)).await {
        Ok(v) if v.role == Role::Admin => metrics_body(&state),
        Ok(_) => error_response(
            StatusCode::FORBIDDEN,
            &AppError::Forbidden("metrics are for administrators and the metrics token".into()),
        ),
        Err(response) => response,
    }
}

/// Compares two secrets in time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// A GraphQL-shaped error body with the given HTTP status.
fn error_response(status: StatusCode, err: &AppError) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    if let AppError::RateLimited { retry_after, .. } = err {
        builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
    }
    builder.json(serde_json::json!({
        "errors": [{"message": err.message(), "extensions": err.extensions()}]
    }))
}

fn bad_request(message: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(serde_json::json!({
        "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]
    }))
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .json(serde_json::json!({"errors": [{"message": "use GET for queries or POST", "extensions": {"code": "BAD_REQUEST"}}]}))
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
        .is_some_and(|v| v == "application/json")
}

/// Whether the client accepts the GraphQL response media type (and so gets 4xx for request errors).
fn wants_graphql_response(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|m| m.split(';').next().unwrap_or_default().trim() == GRAPHQL_RESPONSE)
        })
}

/// A request id from `X-Request-Id` when it is sane, else a new one.
pub(crate) fn request_id(http: &HttpRequest) -> String {
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
    viewer_for_token(state, &token, asked_role, request_id)
        .await
        .map(|(viewer, _)| viewer)
        .map_err(|(status, e)| error_response(status, &e))
}

/// The caller a bearer token names, acting in `asked_role` (its default role when None),
/// and the token's expiry (Unix seconds); the HTTP status and error otherwise. HTTP requests
/// and WebSocket `connection_init` both come here.
pub(crate) async fn viewer_for_token(
    state: &AppState,
    token: &str,
    asked_role: Option<Role>,
    request_id: String,
) -> Result<(Viewer, u64), (StatusCode, AppError)> {
    let unauthorized = |msg: &str| {
        (
            StatusCode::UNAUTHORIZED,
            AppError::Unauthenticated(msg.to_owned()),
        )
    };
    let claims = state
        .auth
        .keys
        .verify(token)
        .await
        .map_err(|e| (StatusCode::UNAUTHORIZED, e))?;
    let roles: Vec<Role> = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
    let default = Role::parse(&claims.role)
        .filter(|r| roles.contains(r))
        .ok_or_else(|| unauthorized("the token's role is not among its roles"))?;
    let role = asked_role.unwrap_or(default);
    if !roles.contains(&role) {
        return Err((
            StatusCode::FORBIDDEN,
            AppError::Forbidden(format!("the token does not allow role {}", role.as_str())),
        ));
    }
    if let Some(uid) = claims.uid {
        match auth_service::is_current(&state.db, uid, claims.uver).await {
            Ok(true) => {}
            Ok(false) => {
                return Err(unauthorized(
                    "the account is disabled or has changed; sign in again",
                ));
            }
            Err(e) => return Err((StatusCode::SERVICE_UNAVAILABLE, log_internal(e))),
        }
    }
    let region = match &claims.region {
        Some(code) => {
            match crate::domains::region::loaders::directory(&state.db, &state.caches.regions).await {
                Ok(dir) => match (dir.get(code), dir.subtree(code)) {
                    (Some(r), Some(subtree)) => Some((r.clone(), subtree.0)),
                    _ => return Err(unauthorized("the token's region is unknown")),
                },
                Err(e) => return Err((StatusCode::SERVICE_UNAVAILABLE, log_internal(e))),
            }
        }
        None if role.is_scoped() => return Err(unauthorized("the token's role needs a region claim")),
        None => None,
    };
    Ok((
        Viewer::new(claims.sub, role, roles, region, claims.uid, request_id),
        claims.exp,
    ))
}

/// The caller's address and rate keys: its address, and its user when signed in.
fn caller_keys(http: &HttpRequest, viewer: &Viewer) -> (String, Vec<String>) {
    let address = http.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let mut keys = vec![format!("addr:{address}")];
    if viewer.role != Role::Anonymous {
        keys.push(format!("user:{}", viewer.subject));
    }
    (address, keys)
}

/// Admits a request under the in-flight bounds; the caller is its user when signed in, else
/// its address. A refusal is immediate: the response and its code.
fn admit(
    state: &AppState,
    keys: &[String],
) -> Result<crate::admission::Ticket, Box<(HttpResponse, &'static str)>> {
    let caller = keys.last().cloned().unwrap_or_default();
    state.admission.admit(&caller).map_err(|refusal| {
        let (status, e, limit) = match refusal {
            Refusal::Caller => (
                StatusCode::TOO_MANY_REQUESTS,
                AppError::RateLimited {
                    message: "too many of your requests are in flight; retry shortly".into(),
                    retry_after: 1,
                },
                "in_flight",
            ),
            Refusal::Saturated => (
                StatusCode::SERVICE_UNAVAILABLE,
                AppError::Unavailable("the server is saturated; retry shortly".into()),
                "saturated",
            ),
        };
        state.metrics.rate_limited(limit);
        let mut response = error_response(status, &e);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        Box::new((response, e.code()))
    })
}

fn log_internal(e: AppError) -> AppError {
    if let AppError::Internal(cause) = &e {
        tracing::error!(error = ?cause, "internal error");
    }
    e
}

/// An error response for one request, as the executor would give it.
fn gql_error(err: &AppError) -> async_graphql::Response {
    let mut e = ServerError::new(err.message(), None);
    e.extensions = Some(err.extensions());
    async_graphql::Response::from_errors(vec![e])
}

/// What the limits learnt of each request of a batch, or the limit it broke.
type CheckedBatch = Result<Vec<crate::limits::Checked>, AppError>;

/// Checks the limits of every request of a batch, once per request; the parsed documents
/// stay in the requests for the executor.
fn check_limits(state: &AppState, batch: &mut BatchRequest) -> CheckedBatch {
    let requests: Vec<&mut async_graphql::Request> = match batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs.iter_mut().collect(),
    };
    if requests.is_empty() {
        return Err(AppError::bad_input("query", "the batch is empty"));
    }
    if requests.len() > state.limits.max_batch {
        return Err(AppError::LimitExceeded(format!(
            "a batch may hold at most {} requests",
            state.limits.max_batch
        )));
    }
    requests
        .into_iter()
        .map(|r| crate::limits::check(&state.limits, r))
        .collect()
}

/// Persisted operations first (a hash gets its text, or the request its refusal), then the
/// limits; a text sent with its hash is remembered only once its limits passed.
fn check_request(state: &AppState, batch: &mut BatchRequest) -> CheckedBatch {
    let pending = state.persisted.resolve(batch)?;
    let checked = check_limits(state, batch)?;
    state.persisted.register(pending);
    Ok(checked)
}

/// Whether a JSON body is a GraphQL request (or a batch of them) as GraphQL over HTTP
/// defines it: `query` a string, `operationName` a string or null, `variables` and
/// `extensions` objects or null. Anything else is 400 for every client.
fn check_shape(body: &serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    let one = |r: &Value, at: &str| -> Result<(), String> {
        let Value::Object(map) = r else {
            return Err(format!("{at}must be a JSON object with a `query`"));
        };
        // A persisted operation may come as its hash alone (`persisted.rs`).
        let persisted = map
            .get("extensions")
            .and_then(|e| e.get("persistedQuery"))
            .is_some_and(|p| !p.is_null());
        match map.get("query") {
            Some(Value::String(_)) => {}
            None | Some(Value::Null) if persisted => {}
            None | Some(Value::Null) => return Err(format!("{at}has no `query`")),
            Some(_) => return Err(format!("{at}`query` must be a string")),
        }
        if !matches!(
            map.get("operationName"),
            None | Some(Value::Null | Value::String(_))
        ) {
            return Err(format!("{at}`operationName` must be a string or null"));
        }
        for key in ["variables", "extensions"] {
            if !matches!(map.get(key), None | Some(Value::Null | Value::Object(_))) {
                return Err(format!("{at}`{key}` must be a JSON object or null"));
            }
        }
        Ok(())
    };
    match body {
        Value::Array(items) if items.is_empty() => Err("the batch is empty".to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, r)| one(r, &format!("request {i} of the batch "))),
        other => one(other, "the request "),
    }
}

/// `POST /import/observations.csv`: a CSV file of observations (`text/csv`, UTF-8, at most
/// `IMPORT_MAX_BYTES`), written all rows or none with the caller's token and permissions.
/// 200 with what was created and updated; 422 with every bad row and its line number; 413,
/// 415, 401 and 403 as their names say.
async fn import_observations(
    state: web::Data<AppState>,
    http: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let csv = http
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("text/csv")
        });
    if !csv {
        return HttpResponse::UnsupportedMediaType().json(serde_json::json!({"errors": [{
            "message": "the import needs Content-Type: text/csv",
            "extensions": {"code": "BAD_REQUEST"}}]}));
    }
    let viewer = match authenticate(&state, &http, request_id(&http)).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let scope = match viewer.authorize(
        &crate::domains::rural::policy::POLICY,
        crate::access::Action::Write,
    ) {
        Ok(s) => s,
        Err(e) => {
            let status = if matches!(e, AppError::Unauthenticated(_)) {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::FORBIDDEN
            };
            return error_response(status, &e);
        }
    };
    // An import takes the same in-flight bounds as every GraphQL request, for as long as it
    // runs.
    let (_, keys) = caller_keys(&http, &viewer);
    let _ticket = match admit(&state, &keys) {
        Ok(ticket) => ticket,
        Err(refused) => return refused.0,
    };
    let limit = state.limits.max_import_bytes;
    let body = match crate::body::read(&http, payload, limit).await {
        Ok(body) => body,
        Err(crate::body::BodyError::TooLarge(_)) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                &AppError::LimitExceeded(format!("the file is larger than {limit} bytes")),
            );
        }
        Err(e) => return body_error(&e),
    };
    let row_errors = |errors: Vec<crate::domains::rural::service::observations::RowError>| {
        HttpResponse::UnprocessableEntity().json(
            serde_json::json!({"errors": errors.iter().map(|e| serde_json::json!({
            "message": format!("line {}: {}", e.line, e.message),
            "extensions": {"code": "BAD_USER_INPUT", "line": e.line, "field": e.field},
        })).collect::<Vec<_>>()}),
        )
    };
    // Parsing a file of megabytes is CPU work: on a blocking thread, not an async worker,
    // so that the worker goes on serving (`/healthz` among the rest).
    let parsed = tokio::task::spawn_blocking(move || crate::domains::rural::import::parse(&body)).await;
    let rows = match parsed {
        Ok(Ok(rows)) => rows,
        Ok(Err(errors)) => return row_errors(errors),
        Err(e) => {
            let e = AppError::Internal(anyhow::anyhow!("parsing the import: {e}"));
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, &log_internal(e));
        }
    };
    let actor = viewer.actor();
    let who = crate::write::Who::new(&actor, &scope, None);
    match crate::domains::rural::service::observations::import(&state.db, &who, rows).await {
        Ok(Ok(done)) => {
            note_write(&state, &viewer).await;
            HttpResponse::Ok().json(serde_json::json!({"data": {
                "created": done.created, "updated": done.updated}}))
        }
        Ok(Err(errors)) => row_errors(errors),
        Err(e) => {
            let status = match e {
                AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
                AppError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            error_response(status, &log_internal(e))
        }
    }
}

/// `GET /export/<dataset>.csv` or `.xlsx`: a record list or a grouped aggregate as a file
/// (`export/`), run through the schema under the caller's token, streamed, audited when it
/// starts and when it ends.
async fn export(
    state: web::Data<AppState>,
    http: HttpRequest,
    name: web::Path<String>,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    use crate::export::{Execute, FileWriter, Producer, XLSX_ROWS_PER_SHEET};
    let status_of = |e: &AppError| match e {
        AppError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if !state.ready.load(Ordering::SeqCst) {
        let e = AppError::Unavailable("the server is starting: the database is not ready yet".into());
        return error_response(StatusCode::SERVICE_UNAVAILABLE, &e);
    }
    // The caller first: a bad token learns nothing of the datasets, and only a signed-in caller
    // is told which datasets there are.
    let viewer = match authenticate(&state, &http, request_id(&http)).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let prepared = match crate::export::prepare(&crate::domains::exports(), &state.exports, &name, &query) {
        Ok(p) => p,
        Err(AppError::NotFound(_)) if viewer.role == Role::Anonymous => {
            let e = AppError::NotFound(format!("no export {:?}", name.as_str()));
            return error_response(StatusCode::NOT_FOUND, &e);
        }
        Err(e) => return error_response(status_of(&e), &e),
    };
    let (address, keys) = caller_keys(&http, &viewer);
    // Exports take the same in-flight bounds as every GraphQL request, for as long as they run.
    let ticket = match admit(&state, &keys) {
        Ok(ticket) => ticket,
        Err(refused) => return refused.0,
    };
    // An export costs one unit of the rate limit, and one more per row as the row is written
    // (its pages are not charged their complexity besides).
    if let Err(wait) = state.limiter.spend(&keys, 1) {
        let e = AppError::RateLimited {
            message: "too many expensive requests; retry later".into(),
            retry_after: wait,
        };
        return error_response(StatusCode::TOO_MANY_REQUESTS, &e);
    }
    // Every page of an export reads from the database chosen at its start.
    let (db, pool) = route(&state, &viewer, false).await;
    state.metrics.served_by(pool.as_str());
    let execute: Execute = {
        let state = state.get_ref().clone();
        let viewer = viewer.clone();
        Arc::new(move |request| {
            let stats = Arc::new(RequestStats::default());
            let request = prepare(&state, request, &viewer, &address, None, &stats, &db, pool);
            let schema = state.schema.clone();
            let scope = (pool == Pool::Replica).then(|| ReadScope::new(state.db.clone()));
            let (audit_db, viewer) = (state.db.clone(), viewer.clone());
            Box::pin(async move {
                let page = stats.scope(schema.execute(request));
                let response = match scope {
                    Some(scope) => scope.scope(page).await,
                    None => page.await,
                };
                // As on GraphQL, a page's unmasked personal data leaves only once its reading is
                // audited; a page that cannot be audited ends the export.
                let reads = viewer.take_personal_reads();
                if let Err(e) = audit_service::record_reads(&audit_db, &viewer.actor(), reads).await {
                    return gql_error(&log_internal(e));
                }
                response
            })
        })
    };
    let crate::export::Prepared {
        dataset,
        format,
        mut pager,
        columns,
        parameters,
    } = prepared;
    // The first page answers within the request timeout, and its errors are the response's.
    let response = match tokio::time::timeout(state.request_timeout, execute(pager.request())).await {
        Ok(r) => r,
        Err(_) => {
            return error_response(
                StatusCode::GATEWAY_TIMEOUT,
                &AppError::Timeout("the export took too long to start".into()),
            );
        }
    };
    if let Some(code) = crate::export::error_code(&response) {
        let status = match code.as_str() {
            "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
            "FORBIDDEN" => StatusCode::FORBIDDEN,
            "RATE_LIMITED" => StatusCode::TOO_MANY_REQUESTS,
            "TIMEOUT" => StatusCode::GATEWAY_TIMEOUT,
            "UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
            "INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        return HttpResponse::build(status).json(serde_json::json!({"errors": response.errors}));
    }
    let first = match response.data.into_json() {
        Ok(data) => pager.rows(data),
        Err(e) => {
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &log_internal(AppError::Internal(anyhow::anyhow!("export data: {e}"))),
            );
        }
    };
    let writer = match FileWriter::new(format, columns, &dataset, XLSX_ROWS_PER_SHEET) {
        Ok(w) => w,
        Err(e) => return error_response(StatusCode::INTERNAL_SERVER_ERROR, &log_internal(e)),
    };
    let actor = viewer.actor();
    let region_code = viewer.region.as_ref().map(|r| r.code.clone());
    let export_id = uuid::Uuid::new_v4().to_string();
    let entry = audit_service::Entry {
        operation: "export",
        entity: &dataset,
        entity_id: Some(export_id.clone()),
        region_code: region_code.clone(),
        before: None,
        after: Some(serde_json::json!({"format": format.extension(), "parameters": parameters}).to_string()),
    };
    // An export that cannot be audited is not served.
    if let Err(e) = audit_service::record(&state.db, &actor, entry).await {
        return error_response(StatusCode::SERVICE_UNAVAILABLE, &log_internal(e));
    }
    let limiter = state.limiter.clone();
    let producer = Producer {
        pager,
        writer,
        execute,
        charge: Arc::new(move |rows| limiter.spend(&keys, rows)),
        idle: state.export_idle,
    };
    let (tx, body) = crate::export::body_channel();
    let db = state.db.clone();
    let entity = dataset.clone();
    tokio::spawn(
        async move {
            let _ticket = ticket;
            let (rows, outcome) = producer.run(first, &tx).await;
            tracing::info!(export = %export_id, rows, outcome = %outcome.as_str(), "export ended");
            let entry = audit_service::Entry {
                operation: "export_end",
                entity: &entity,
                entity_id: Some(export_id),
                region_code,
                before: None,
                after: Some(serde_json::json!({"rows": rows, "outcome": outcome.as_str()}).to_string()),
            };
            if let Err(e) = audit_service::record(&db, &actor, entry).await {
                log_internal(e);
            }
            // The response ends here, after its log entry.
            drop(tx);
        }
        .instrument(tracing::Span::current()),
    );
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{dataset}.{}\"", format.extension()),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(body)
}

/// A body that could not be read (`body.rs`), with its status and code.
fn body_error(e: &crate::body::BodyError) -> HttpResponse {
    HttpResponse::build(e.status()).json(serde_json::json!({
        "errors": [{"message": e.message(), "extensions": {"code": e.code()}}]
    }))
}

async fn graphql_post(state: web::Data<AppState>, http: HttpRequest, payload: web::Payload) -> HttpResponse {
    // Only JSON bodies: a cross-site form post cannot run a mutation.
    if !is_json(&http) {
        return HttpResponse::UnsupportedMediaType().json(serde_json::json!({"errors": [{
            "message": "POST /graphql needs Content-Type: application/json",
            "extensions": {"code": "BAD_REQUEST"}}]}));
    }
    // The body limit holds after a Content-Encoding is undone, too.
    let body = match crate::body::read(&http, payload, state.limits.max_body_bytes).await {
        Ok(body) => body,
        Err(e) => return body_error(&e),
    };
    let body: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad_request(&format!("the body is not JSON: {e}")),
    };
    if let Err(message) = check_shape(&body) {
        return bad_request(&message);
    }
    let mut batch: BatchRequest = match serde_json::from_value(body) {
        Ok(b) => b,
        Err(e) => return bad_request(&format!("the body is not a GraphQL request: {e}")),
    };
    let checked = check_request(&state, &mut batch);
    execute(&state, &http, batch, checked).await
}

async fn graphql_get(state: web::Data<AppState>, http: HttpRequest) -> HttpResponse {
    let params: HashMap<String, String> = match web::Query::from_query(http.query_string()) {
        Ok(web::Query(p)) => p,
        Err(_) => return bad_request("unreadable query string"),
    };
    // Apollo clients send a persisted query's hash alone, in `extensions`.
    let extensions = match params
        .get("extensions")
        .map(|e| serde_json::from_str::<serde_json::Value>(e))
    {
        None | Some(Ok(serde_json::Value::Null)) => None,
        Some(Ok(serde_json::Value::Object(map))) => Some(map),
        _ => return bad_request("`extensions` is not a JSON object"),
    };
    let persisted = extensions
        .as_ref()
        .is_some_and(|e| e.contains_key("persistedQuery"));
    let query = match params.get("query") {
        Some(query) => query.clone(),
        None if persisted => String::new(),
        None if !state.graphiql => return bad_request("GET /graphql needs a `query` parameter"),
        None => return crate::console::page(),
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(extensions) = extensions {
        for (key, value) in extensions {
            match async_graphql::Value::from_json(value) {
                Ok(v) => {
                    request.extensions.0.insert(key, v);
                }
                Err(_) => return bad_request("`extensions` is not a JSON object"),
            }
        }
    }
    if let Some(name) = params.get("operationName") {
        request = request.operation_name(name.clone());
    }
    if let Some(vars) = params.get("variables") {
        match serde_json::from_str::<serde_json::Value>(vars) {
            Ok(serde_json::Value::Null) => {}
            Ok(v @ serde_json::Value::Object(_)) => {
                request = request.variables(async_graphql::Variables::from_json(v));
            }
            _ => return bad_request("`variables` is not a JSON object"),
        }
    }
    let mut batch = BatchRequest::Single(request);
    let checked = check_request(&state, &mut batch);
    let mutation = checked.as_ref().is_ok_and(|checked| {
        checked.iter().any(|c| {
            matches!(
                c.operation,
                Some(OperationType::Mutation | OperationType::Subscription)
            )
        })
    });
    if mutation {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .json(serde_json::json!({"errors": [{"message": "mutations need POST", "extensions": {"code": "BAD_REQUEST"}}]}));
    }
    execute(&state, &http, batch, checked).await
}

/// Limits, authentication, execution with a timeout, audit of personal reads, response;
/// counted in the metrics and logged as one line, with the statements it ran.
async fn execute(
    state: &AppState,
    http: &HttpRequest,
    batch: BatchRequest,
    checked: CheckedBatch,
) -> HttpResponse {
    let started = std::time::Instant::now();
    let stats = Arc::new(RequestStats::default());
    let request_id = request_id(http);
    state.metrics.in_flight(1);
    let (response, summary) = stats
        .scope(execute_counted(
            state,
            http,
            batch,
            checked,
            request_id.clone(),
            &stats,
        ))
        .await;
    state.metrics.in_flight(-1);
    let mut response = response;
    // A GET answer is stored by no cache unless it was found shareable (`execute_counted`).
    if http.method() == actix_web::http::Method::GET
        && !response.headers().contains_key(header::CACHE_CONTROL)
    {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-store"),
        );
    }
    let elapsed = started.elapsed();
    let statements = stats.statements();
    let operation = state.metrics.operation_label(summary.operation.as_deref());
    state
        .metrics
        .record_request(&operation, summary.outcome, elapsed, &summary.codes, statements);
    if let Some(pool) = summary.pool {
        state.metrics.served_by(pool.as_str());
    }
    tracing::info!(
        target: "request",
        request_id = %request_id,
        operation = %operation,
        role = summary.role,
        status = response.status().as_u16(),
        outcome = summary.outcome,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        statements,
        pool = summary.pool.map_or("none", Pool::as_str),
        "graphql request"
    );
    response
}

/// How a request ended, for the metrics and the request log.
struct Summary {
    /// The operation's name (`batch` for a batch), once the text is parsed.
    operation: Option<String>,
    outcome: &'static str,
    role: &'static str,
    codes: Vec<String>,
    /// The database pool the request ran on, once it was chosen.
    pool: Option<Pool>,
}

impl Summary {
    fn rejected(operation: Option<String>, role: &'static str, code: &str) -> Self {
        Summary {
            operation,
            outcome: "rejected",
            role,
            codes: vec![code.to_owned()],
            pool: None,
        }
    }
}

/// The code of a request error raised before any resolver, which the executor leaves
/// uncoded: parse failure, validation failure, or a limit.
fn request_error_code(message: &str, parsed: bool, during_execution: bool) -> &'static str {
    if during_execution || message.starts_with("Failed to parse") {
        // A scalar or input object refused a value the client sent, while a field resolved.
        "BAD_USER_INPUT"
    } else if !parsed {
        "GRAPHQL_PARSE_FAILED"
    } else if message.contains("too complex")
        || message.contains("too deep")
        || message.contains("directives")
    {
        "QUERY_LIMIT_EXCEEDED"
    } else if message.starts_with("Invalid value for argument") {
        // A value the client sent (a literal or a variable) that the input type refuses.
        "BAD_USER_INPUT"
    } else {
        "GRAPHQL_VALIDATION_FAILED"
    }
}

async fn execute_counted(
    state: &AppState,
    http: &HttpRequest,
    batch: BatchRequest,
    checked: CheckedBatch,
    request_id: String,
    stats: &Arc<RequestStats>,
) -> (HttpResponse, Summary) {
    let graphql_response = wants_graphql_response(http);
    let batched = matches!(batch, BatchRequest::Batch(_));
    let checked = match checked {
        Ok(checked) => checked,
        Err(e) => {
            // Apollo clients expect a persisted query's miss with 200, and then send the text.
            let miss = matches!(
                &e,
                AppError::Persisted { code, .. }
                    if *code == crate::persisted::NOT_FOUND || *code == crate::persisted::NOT_SUPPORTED
            );
            let status = if graphql_response && !miss {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            let response = respond(
                status,
                BatchResponse::Single(gql_error(&e)),
                &[true],
                graphql_response,
            );
            return (response, Summary::rejected(None, "none", e.code()));
        }
    };
    let operation = if batched {
        Some("batch".to_owned())
    } else {
        checked.first().and_then(|c| c.operation_name.clone())
    };
    if !state.ready.load(Ordering::SeqCst) {
        let e = AppError::Unavailable("the server is starting: the database is not ready yet".into());
        return (
            error_response(StatusCode::SERVICE_UNAVAILABLE, &e),
            Summary::rejected(operation, "none", e.code()),
        );
    }
    let viewer = match authenticate(state, http, request_id).await {
        Ok(v) => v,
        Err(response) => {
            let code = match response.status() {
                StatusCode::UNAUTHORIZED => "UNAUTHENTICATED",
                StatusCode::FORBIDDEN => "FORBIDDEN",
                _ => "UNAVAILABLE",
            };
            return (response, Summary::rejected(operation, "none", code));
        }
    };
    let role = viewer.role.as_str();
    let (address, keys) = caller_keys(http, &viewer);
    let _ticket = match admit(state, &keys) {
        Ok(ticket) => ticket,
        Err(refused) => {
            let (response, code) = *refused;
            return (response, Summary::rejected(operation, role, code));
        }
    };
    // A request with a mutation runs on the primary whole, so that its reads follow its writes.
    let writes = checked.iter().any(|c| {
        matches!(
            c.operation,
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    });
    let (db, pool) = route(state, &viewer, writes).await;
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(
            state,
            r,
            &viewer,
            &address,
            Some(&keys),
            stats,
            &db,
            pool,
        )),
        BatchRequest::Batch(rs) => BatchRequest::Batch(
            rs.into_iter()
                .map(|r| prepare(state, r, &viewer, &address, Some(&keys), stats, &db, pool))
                .collect(),
        ),
    };
    let span = tracing::info_span!("graphql_request", request_id = %viewer.request_id, role);
    let execution = state.schema.execute_batch(batch).instrument(span);
    let (executed, wrote) = match pool {
        Pool::Primary => (
            tokio::time::timeout(state.request_timeout, execution).await,
            writes,
        ),
        Pool::Replica => {
            let scope = ReadScope::new(state.db.clone());
            let executed = tokio::time::timeout(state.request_timeout, scope.scope(execution)).await;
            (executed, scope.wrote())
        }
    };
    // Whatever the outcome (a timed-out write may have committed), the caller's next reads
    // wait for what it wrote.
    if wrote {
        note_write(state, &viewer).await;
    }
    let mut response = match executed {
        Ok(r) => r,
        Err(_) => {
            tracing::warn!(request_id = %viewer.request_id, "request timed out");
            let e = AppError::Timeout("the request took too long".into());
            return (
                error_response(StatusCode::GATEWAY_TIMEOUT, &e),
                Summary {
                    pool: Some(pool),
                    ..Summary::rejected(operation, role, e.code())
                },
            );
        }
    };
    let mut request_errors = Vec::new();
    let mut codes = Vec::new();
    let mut worst: Option<AppError> = None;
    let mut each = |i: usize, r: &mut async_graphql::Response| {
        let parsed = checked.get(i).is_none_or(|c| c.parsed);
        let pre_execution = r.data == async_graphql::Value::Null
            && !r.errors.is_empty()
            && r.errors.iter().all(|e| e.path.is_empty());
        let mut all_uncoded = true;
        for error in &mut r.errors {
            let ext = error.extensions.get_or_insert_with(Default::default);
            let code = match ext.get("code") {
                Some(async_graphql::Value::String(c)) => {
                    if c != "RATE_LIMITED" {
                        all_uncoded = false;
                    }
                    c.clone()
                }
                _ => {
                    // Raised before any resolver: parse, validation, input coercion, limits.
                    let code = request_error_code(&error.message, parsed, !error.path.is_empty());
                    ext.set("code", code);
                    code.to_owned()
                }
            };
            let retry = match ext.get("retryAfter") {
                Some(async_graphql::Value::Number(n)) => n.as_u64().unwrap_or(1),
                _ => 1,
            };
            let candidate = match code.as_str() {
                "RATE_LIMITED" => Some(AppError::RateLimited {
                    message: error.message.clone(),
                    retry_after: retry,
                }),
                "UNAVAILABLE" => Some(AppError::Unavailable(error.message.clone())),
                "TIMEOUT" => Some(AppError::Timeout(error.message.clone())),
                _ => None,
            };
            if worst.is_none() {
                worst = candidate;
            }
            if code == "RATE_LIMITED" {
                // The cost limit refuses a whole request; the login throttle, a resolver.
                state
                    .metrics
                    .rate_limited(if error.path.is_empty() { "cost" } else { "login" });
            }
            codes.push(code);
        }
        request_errors.push(pre_execution && all_uncoded);
    };
    match &mut response {
        BatchResponse::Single(r) => each(0, r),
        BatchResponse::Batch(rs) => rs.iter_mut().enumerate().for_each(|(i, r)| each(i, r)),
    }
    let request_error = request_errors.iter().all(|e| *e);
    // Caches may share an answer only to an anonymous caller, without errors, of published
    // data (no audited check, no personal data): `Cache-Control: public` on a GET.
    let shareable = viewer.role == Role::Anonymous && codes.is_empty() && viewer.is_shareable();
    // Unmasked personal data leaves only once its reading is audited.
    let reads = viewer.take_personal_reads();
    if let Err(e) = audit_service::record_reads(&state.db, &viewer.actor(), reads).await {
        let e = log_internal(e);
        return (
            error_response(StatusCode::INTERNAL_SERVER_ERROR, &e),
            Summary {
                pool: Some(pool),
                ..Summary::rejected(operation, role, e.code())
            },
        );
    }
    let (status, retry_after) = match &worst {
        Some(AppError::RateLimited { retry_after, .. }) => {
            (StatusCode::TOO_MANY_REQUESTS, Some(*retry_after))
        }
        Some(AppError::Unavailable(_)) => (StatusCode::SERVICE_UNAVAILABLE, None),
        Some(AppError::Timeout(_)) => (StatusCode::GATEWAY_TIMEOUT, None),
        _ if graphql_response && request_error => (StatusCode::BAD_REQUEST, None),
        _ => (StatusCode::OK, None),
    };
    let mut resp = respond(status, response, &request_errors, graphql_response);
    if http.method() == actix_web::http::Method::GET
        && shareable
        && status == StatusCode::OK
        && state.public_max_age > 0
        && let Ok(v) = header::HeaderValue::from_str(&format!("public, max-age={}", state.public_max_age))
    {
        resp.headers_mut().insert(header::CACHE_CONTROL, v);
        // The same URL with a token (or another media type) is another answer.
        resp.headers_mut().insert(
            header::VARY,
            header::HeaderValue::from_static("Authorization, X-Role, Accept"),
        );
    }
    if let Some(seconds) = retry_after
        && let Ok(v) = header::HeaderValue::from_str(&seconds.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    let outcome = if worst.is_some() {
        "rejected"
    } else if request_error {
        "request_error"
    } else if codes.is_empty() {
        "ok"
    } else {
        "error"
    };
    (
        resp,
        Summary {
            operation,
            outcome,
            role,
            codes,
            pool: Some(pool),
        },
    )
}

/// The database a request runs on: the primary for a request that writes or when there is
/// no replica; else the replica, when it has replayed every write of the caller (anonymous
/// callers write nothing). Authentication and the audit of reads stay on the primary.
async fn route(state: &AppState, viewer: &Viewer, writes: bool) -> (DatabaseConnection, Pool) {
    if let Some(replica) = &state.replica
        && !writes
    {
        let subject = (viewer.role != Role::Anonymous).then_some(viewer.subject.as_str());
        if replica.serves(subject).await {
            return (replica.db().clone(), Pool::Replica);
        }
    }
    (state.db.clone(), Pool::Primary)
}

/// After a signed-in caller wrote: its reads wait for the replica to replay the write.
async fn note_write(state: &AppState, viewer: &Viewer) {
    if let Some(replica) = &state.replica
        && viewer.role != Role::Anonymous
    {
        replica.wrote(&state.db, &viewer.subject).await;
    }
}

/// A request with what its resolvers need; `keys` are what its complexity is charged to
/// (none for an export's pages, which pay by the row). `db` is the database it runs on: on
/// the replica, that pool replaces the schema's (the primary) for its resolvers and loaders.
fn prepare(
    state: &AppState,
    request: async_graphql::Request,
    viewer: &Viewer,
    address: &str,
    keys: Option<&[String]>,
    stats: &Arc<RequestStats>,
    db: &DatabaseConnection,
    pool: Pool,
) -> async_graphql::Request {
    let mut request = crate::domains::request_data(request, db, &state.caches, stats)
        .data(viewer.clone())
        .data(ClientAddress(address.to_owned()));
    if pool == Pool::Replica {
        request = request.data(db.clone());
    }
    match keys {
        Some(keys) => request.data(RateKeys(keys.to_vec())),
        None => request,
    }
}

/// The response body. A request that failed before execution (parse, validation, limits)
/// has no `data` entry at all, as GraphQL over HTTP requires; `request_errors` says which.
fn respond(
    status: StatusCode,
    response: BatchResponse,
    request_errors: &[bool],
    graphql_response: bool,
) -> HttpResponse {
    let content_type = if graphql_response {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    let strip = |i: usize, mut v: serde_json::Value| {
        if request_errors.get(i).copied().unwrap_or(false)
            && let Some(map) = v.as_object_mut()
        {
            map.remove("data");
        }
        v
    };
    // Only a request that failed before execution needs its body edited; the rest is written
    // straight from the response.
    let body = if !request_errors.iter().any(|e| *e) {
        serde_json::to_vec(&response)
    } else {
        match response {
            BatchResponse::Single(r) => serde_json::to_value(r).map(|v| strip(0, v)),
            BatchResponse::Batch(rs) => rs
                .into_iter()
                .enumerate()
                .map(|(i, r)| serde_json::to_value(r).map(|v| strip(i, v)))
                .collect::<Result<Vec<_>, _>>()
                .map(serde_json::Value::Array),
        }
        .and_then(|b| serde_json::to_vec(&b))
    };
    match body {
        Ok(body) => HttpResponse::build(status)
            .content_type(format!("{content_type}; charset=utf-8"))
            .body(body),
        Err(e) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &log_internal(AppError::Internal(e.into())),
        ),
    }
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if !state.ready.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "starting"}));
    }
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "database unavailable"}))
        }
    }
}

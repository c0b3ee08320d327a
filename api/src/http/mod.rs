//! The HTTP surface, one file per job: the GraphQL transport (`graphql.rs`), the WebSocket
//! (`socket.rs`), exports (`export.rs`), the CSV import (`import.rs`) and metrics
//! (`metrics.rs`); here, the routes and what they share: reading the caller from the headers,
//! and error bodies. Every GraphQL operation, whatever carries it, passes `gate.rs`.
//!
//! Persisted operations (`persisted/`) give a request its text before the limits are checked;
//! bodies are read, and decompressed, under the body limit by `body.rs`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::atomic::Ordering;

use crate::access::{Role, Viewer};
use crate::error::AppError;
use crate::gate::{self, Caller};
use crate::state::AppState;

mod export;
mod graphql;
mod import;
mod metrics;
pub mod socket;

/// The routes of the server.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql::graphql_post))
        .route(
            "/graphql",
            web::get()
                .guard(actix_web::guard::Header("upgrade", "websocket"))
                .to(socket::graphql_ws),
        )
        .route("/graphql", web::get().to(graphql::graphql_get))
        .route("/graphql", web::route().to(graphql::method_not_allowed))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics::metrics_main))
        .route("/graphiql/{name}", web::get().to(crate::console::asset))
        .route(
            "/import/observations.csv",
            web::post().to(import::import_observations),
        )
        .route("/export/{name}", web::get().to(export::export));
}

/// The routes of the separate metrics address (`METRICS_BIND_ADDR`).
pub fn metrics_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics::metrics_open));
}

/// The HTTP status of an error that refused a whole request.
pub(crate) fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::BadUserInput { .. } | AppError::LimitExceeded(_) | AppError::Persisted { .. } => {
            StatusCode::BAD_REQUEST
        }
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict(_) | AppError::Stale { .. } => StatusCode::CONFLICT,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A GraphQL-shaped error body with the given HTTP status; a refusal the caller may retry
/// says when (`Retry-After`).
fn error_response(status: StatusCode, err: &AppError) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    match err {
        AppError::RateLimited { retry_after, .. } => {
            builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        AppError::Unavailable(_) => {
            builder.insert_header((header::RETRY_AFTER, "1"));
        }
        _ => {}
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

/// A body that could not be read (`body.rs`), with its status and code.
fn body_error(e: &crate::body::BodyError) -> HttpResponse {
    HttpResponse::build(e.status()).json(serde_json::json!({
        "errors": [{"message": e.message(), "extensions": {"code": e.code()}}]
    }))
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

/// The client's address as the connection gives it.
fn address(http: &HttpRequest) -> String {
    http.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()
}

/// The caller an HTTP request names: `Authorization: Bearer <token>` and `X-Role`. Headers
/// that cannot be read are kept as the refusal the gate's authentication gives.
pub(crate) fn caller(http: &HttpRequest) -> Caller {
    let mut caller = Caller {
        token: None,
        asked_role: None,
        address: address(http),
        request_id: request_id(http),
        unreadable: None,
    };
    match credentials(http) {
        Ok((token, role)) => {
            caller.token = token;
            caller.asked_role = role;
        }
        Err(e) => caller.unreadable = Some(e),
    }
    caller
}

fn credentials(http: &HttpRequest) -> Result<(Option<String>, Option<Role>), AppError> {
    let unauthorized = |msg: &str| AppError::Unauthenticated(msg.to_owned());
    let role = match http.headers().get("x-role").map(|v| v.to_str()) {
        None => None,
        Some(Ok(r)) => {
            Some(Role::parse(r.trim()).ok_or_else(|| AppError::Forbidden(format!("unknown role {r:?}")))?)
        }
        Some(Err(_)) => return Err(AppError::Forbidden("unreadable X-Role".into())),
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
    Ok((token, role))
}

/// The gate's authentication for the handlers that are not GraphQL (exports, the import,
/// metrics): the viewer, or the error response.
async fn authenticate(state: &AppState, http: &HttpRequest) -> Result<(Viewer, Caller), HttpResponse> {
    let caller = caller(http);
    match gate::authenticate(state, &caller).await {
        Ok((viewer, _)) => Ok((viewer, caller)),
        Err(e) => Err(error_response(status_of(&e), &e)),
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

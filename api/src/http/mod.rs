//! The HTTP surface, one file per job: the GraphQL transport (`graphql.rs`), the WebSocket
//! (`socket.rs`), exports (`export.rs`), the CSV import (`import.rs`) and metrics
//! (`metrics.rs`); reading the caller from the headers (`auth.rs`); here, the routes and the
//! error bodies they share. Every GraphQL operation, whatever carries it, passes `gate.rs`.
//!
//! Persisted operations (`persisted/`) give a request its text before the limits are checked;
//! bodies are read, and decompressed, under the body limit by `body.rs`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use std::sync::atomic::Ordering;

use crate::error::AppError;
use crate::state::AppState;

mod auth;
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
        .route("/import/{name}", web::post().to(import::import_file))
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

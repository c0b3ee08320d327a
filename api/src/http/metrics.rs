//! `GET /metrics`: Prometheus text, on the main address behind a token or on an address of
//! its own.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::DatabaseConnection;

use super::auth::authenticate;
use super::error_response;
use crate::access::Role;
use crate::error::AppError;
use crate::state::AppState;

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
pub(super) async fn metrics_open(state: web::Data<AppState>) -> HttpResponse {
    metrics_body(&state)
}

/// `GET /metrics` on the main address: `METRICS_TOKEN` as a Bearer token, or an
/// administrator's token; anonymous callers get 401. Not served when metrics have their own
/// address.
pub(super) async fn metrics_main(state: web::Data<AppState>, http: HttpRequest) -> HttpResponse {
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
    match authenticate(&state, &http).await {
        Ok((v, _)) if v.role == Role::Admin => metrics_body(&state),
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

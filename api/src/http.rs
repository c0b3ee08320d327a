//! The HTTP surface, as the GraphQL-over-HTTP specification describes it: `POST /graphql`
//! with a JSON body (anything else is 415), `GET /graphql` for queries only (a mutation is
//! 405), `application/graphql-response+json` when the client accepts it, with 4xx for
//! request errors; 401/403 for bad credentials, 429 with `Retry-After`, 503 while the
//! database is unreachable, 504 on timeouts. Plus `/healthz` and `/readyz`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, ErrorExtensionValues, ServerError};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::access::{Role, Viewer};
use crate::audit::service as audit_service;
use crate::auth::graphql::ClientAddress;
use crate::auth::service as auth_service;
use crate::config::Limits;
use crate::domains::region::service as region_service;
use crate::error::AppError;
use crate::ratelimit::RateKeys;
use crate::schema::{AppSchema, Auth};
use sea_orm::DatabaseConnection;

/// State shared by the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub auth: Auth,
    pub graphiql: bool,
    pub limits: Limits,
    pub request_timeout: Duration,
    /// Set once the database is migrated and seeded.
    pub ready: Arc<AtomicBool>,
}

/// The routes of the server.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql_post))
        .route("/graphql", web::get().to(graphql_get))
        .route("/graphql", web::route().to(method_not_allowed))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// A GraphQL-shaped error body with the given HTTP status.
fn error_response(status: StatusCode, err: &AppError) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    if let AppError::RateLimited { retry_after, .. } = err {
        builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
    }
    builder.json(serde_json::json!({
        "errors": [{"message": err.message(), "extensions": {"code": err.code()}}]
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
        match auth_service::is_current(&state.db, uid, claims.uver).await {
            Ok(true) => {}
            Ok(false) => {
                return Err(unauthorized(
                    "the account is disabled or has changed; sign in again",
                ));
            }
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
    e
}

/// An error response for one request, as the executor would give it.
fn gql_error(err: &AppError) -> async_graphql::Response {
    let mut e = ServerError::new(err.message(), None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", err.code());
    e.extensions = Some(ext);
    async_graphql::Response::from_errors(vec![e])
}

/// Checks the limits of every request of a batch; returns the operation types.
fn check_limits(state: &AppState, batch: &BatchRequest) -> Result<Vec<Option<OperationType>>, AppError> {
    let requests = batch.iter().collect::<Vec<_>>();
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
        .iter()
        .map(|r| {
            crate::limits::check(&state.limits, &r.query, r.operation_name.as_deref()).map(|c| c.operation)
        })
        .collect()
}

async fn graphql_post(state: web::Data<AppState>, http: HttpRequest, body: web::Bytes) -> HttpResponse {
    // Only JSON bodies: a cross-site form post cannot run a mutation.
    if !is_json(&http) {
        return HttpResponse::UnsupportedMediaType().json(serde_json::json!({"errors": [{
            "message": "POST /graphql needs Content-Type: application/json",
            "extensions": {"code": "BAD_REQUEST"}}]}));
    }
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad_request(&format!("the body is not a GraphQL request: {e}")),
    };
    execute(&state, &http, batch).await
}

async fn graphql_get(state: web::Data<AppState>, http: HttpRequest) -> HttpResponse {
    let params: HashMap<String, String> = match web::Query::from_query(http.query_string()) {
        Ok(web::Query(p)) => p,
        Err(_) => return bad_request("unreadable query string"),
    };
    let Some(query) = params.get("query") else {
        if !state.graphiql {
            return bad_request("GET /graphql needs a `query` parameter");
        }
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(GraphiQLSource::build().endpoint("/graphql").finish());
    };
    let mut request = async_graphql::Request::new(query.clone());
    if let Some(name) = params.get("operationName") {
        request = request.operation_name(name.clone());
    }
    if let Some(vars) = params.get("variables") {
        match serde_json::from_str::<async_graphql::Variables>(vars) {
            Ok(v) => request = request.variables(v),
            Err(_) => return bad_request("`variables` is not a JSON object"),
        }
    }
    let batch = BatchRequest::Single(request);
    match check_limits(&state, &batch) {
        Ok(ops) if ops.iter().any(|o| matches!(o, Some(OperationType::Mutation | OperationType::Subscription))) => {
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, "POST"))
                .json(serde_json::json!({"errors": [{"message": "mutations need POST", "extensions": {"code": "BAD_REQUEST"}}]}))
        }
        _ => execute(&state, &http, batch).await,
    }
}

/// Limits, authentication, execution with a timeout, audit of personal reads, response.
async fn execute(state: &AppState, http: &HttpRequest, batch: BatchRequest) -> HttpResponse {
    let graphql_response = wants_graphql_response(http);
    if let Err(e) = check_limits(state, &batch) {
        let status = if graphql_response {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        return respond(
            http,
            status,
            BatchResponse::Single(gql_error(&e)),
            graphql_response,
        );
    }
    if !state.ready.load(Ordering::SeqCst) {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &AppError::Unavailable("the server is starting: the database is not ready yet".into()),
        );
    }
    let viewer = match authenticate(state, http, request_id(http)).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let address = http.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let mut keys = vec![format!("addr:{address}")];
    if viewer.role != Role::Anonymous {
        keys.push(format!("user:{}", viewer.subject));
    }
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(state, r, &viewer, &address, &keys)),
        BatchRequest::Batch(rs) => BatchRequest::Batch(
            rs.into_iter()
                .map(|r| prepare(state, r, &viewer, &address, &keys))
                .collect(),
        ),
    };
    let mut response =
        match tokio::time::timeout(state.request_timeout, state.schema.execute_batch(batch)).await {
            Ok(r) => r,
            Err(_) => {
                tracing::warn!(request_id = %viewer.request_id, "request timed out");
                return error_response(
                    StatusCode::GATEWAY_TIMEOUT,
                    &AppError::Timeout("the request took too long".into()),
                );
            }
        };
    let mut request_error = true;
    let mut worst: Option<AppError> = None;
    let mut each = |r: &mut async_graphql::Response| {
        let pre_execution = r.data == async_graphql::Value::Null && !r.errors.is_empty();
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
                    let code = if error.message.contains("too complex")
                        || error.message.contains("too deep")
                        || error.message.contains("directives")
                    {
                        "QUERY_LIMIT_EXCEEDED"
                    } else {
                        "BAD_USER_INPUT"
                    };
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
        }
        if !(pre_execution && all_uncoded) {
            request_error = false;
        }
    };
    match &mut response {
        BatchResponse::Single(r) => each(r),
        BatchResponse::Batch(rs) => rs.iter_mut().for_each(&mut each),
    }
    // Unmasked personal data leaves only once its reading is audited.
    let reads = viewer.take_personal_reads();
    if let Err(e) = audit_service::record_reads(&state.db, &viewer.actor(), reads).await {
        return error_response(StatusCode::INTERNAL_SERVER_ERROR, &log_internal(e));
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
    let mut resp = respond(http, status, response, graphql_response);
    if let Some(seconds) = retry_after
        && let Ok(v) = header::HeaderValue::from_str(&seconds.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

fn prepare(
    state: &AppState,
    request: async_graphql::Request,
    viewer: &Viewer,
    address: &str,
    keys: &[String],
) -> async_graphql::Request {
    crate::domains::request_data(request, &state.db)
        .data(viewer.clone())
        .data(ClientAddress(address.to_owned()))
        .data(RateKeys(keys.to_vec()))
}

fn respond(
    _http: &HttpRequest,
    status: StatusCode,
    response: BatchResponse,
    graphql_response: bool,
) -> HttpResponse {
    let content_type = if graphql_response {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    match serde_json::to_vec(&response) {
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

//! The GraphQL transport over HTTP, as the GraphQL-over-HTTP specification describes it:
//! `POST /graphql` with a JSON body (anything else is 415), `GET /graphql` for queries only (a
//! mutation is 405), `application/graphql-response+json` when the client accepts it, with 4xx
//! for request errors; 401/403 for bad credentials, 429 with `Retry-After`, 503 while the
//! database is unreachable, 504 on timeouts. What runs between reading the request and writing
//! the answer is the gate's (`gate.rs`), as for every transport.
//!
//! A GET answer is `Cache-Control: public` only for an anonymous caller's error-free read of
//! published data, else `private, no-store`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::{BatchRequest, BatchResponse};
use std::collections::HashMap;

use super::auth::caller;
use super::{bad_request, body_error, error_response, status_of};
use crate::access::Role;
use crate::error::AppError;
use crate::gate::{self, Refused, Stage, Transport};
use crate::state::AppState;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

pub(super) async fn method_not_allowed() -> HttpResponse {
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

pub(super) async fn graphql_post(
    state: web::Data<AppState>,
    http: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
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
    let batch: BatchRequest = match serde_json::from_value(body) {
        Ok(b) => b,
        Err(e) => return bad_request(&format!("the body is not a GraphQL request: {e}")),
    };
    let checked = gate::check(&state, batch);
    answer(&state, &http, Transport::Post, checked).await
}

pub(super) async fn graphql_get(state: web::Data<AppState>, http: HttpRequest) -> HttpResponse {
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
    let checked = gate::check(&state, BatchRequest::Single(request));
    if checked.as_ref().is_ok_and(gate::Checked::writes) {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .json(serde_json::json!({"errors": [{"message": "mutations need POST", "extensions": {"code": "BAD_REQUEST"}}]}));
    }
    answer(&state, &http, Transport::Get, checked).await
}

/// Runs a checked request through the gate and answers it: the status from where it was
/// refused or from its worst error, the media type the client accepts, and the cache headers
/// of a GET.
async fn answer(
    state: &AppState,
    http: &HttpRequest,
    transport: Transport,
    checked: Result<gate::Checked, AppError>,
) -> HttpResponse {
    let graphql_response = wants_graphql_response(http);
    let get = http.method() == actix_web::http::Method::GET;
    let caller = caller(http);
    let mut response = match gate::execute(state, &caller, transport, checked).await {
        Err(Refused {
            stage: Stage::Check,
            error,
        }) => {
            // Apollo clients expect a persisted query's miss with 200, and then send the text.
            let miss = matches!(
                &error,
                AppError::Persisted { code, .. }
                    if *code == crate::persisted::NOT_FOUND || *code == crate::persisted::NOT_SUPPORTED
            );
            let status = if graphql_response && !miss {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            respond(
                status,
                BatchResponse::Single(gate::error_response(&error)),
                &[true],
                graphql_response,
            )
        }
        Err(refused) => error_response(status_of(&refused.error), &refused.error),
        Ok(executed) => {
            let request_error = executed.request_errors.iter().all(|e| *e);
            let (status, retry_after) = match &executed.worst {
                Some(AppError::RateLimited { retry_after, .. }) => {
                    (StatusCode::TOO_MANY_REQUESTS, Some(*retry_after))
                }
                Some(AppError::Unavailable(_)) => (StatusCode::SERVICE_UNAVAILABLE, None),
                Some(AppError::Timeout(_)) => (StatusCode::GATEWAY_TIMEOUT, None),
                _ if graphql_response && request_error => (StatusCode::BAD_REQUEST, None),
                _ => (StatusCode::OK, None),
            };
            // Caches may share an answer only to an anonymous caller, without errors, of
            // published data (no audited check, no personal data): `Cache-Control: public`.
            let shareable = executed.viewer.role == Role::Anonymous
                && executed.codes.is_empty()
                && executed.viewer.is_shareable();
            let mut resp = respond(
                status,
                executed.response,
                &executed.request_errors,
                graphql_response,
            );
            if get
                && shareable
                && status == StatusCode::OK
                && state.public_max_age > 0
                && let Ok(v) =
                    header::HeaderValue::from_str(&format!("public, max-age={}", state.public_max_age))
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
            resp
        }
    };
    // A GET answer is stored by no cache unless it was found shareable.
    if get && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-store"),
        );
    }
    response
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
            &gate::log_internal(AppError::Internal(e.into())),
        ),
    }
}

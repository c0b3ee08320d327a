//! `POST /import/observations.csv`: rural observations from a CSV file, through the same
//! authentication and admission as a GraphQL request.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

use super::{authenticate, body_error, error_response, status_of};
use crate::error::AppError;
use crate::gate;
use crate::state::AppState;

/// `POST /import/observations.csv`: a CSV file of observations (`text/csv`, UTF-8, at most
/// `IMPORT_MAX_BYTES`) with the caller's token and permissions: every row checked before
/// any is written, then written in batches (`IMPORT_BATCH_ROWS`). 200 with what was
/// created, updated and left unchanged; 422 with every bad row and its line number
/// (nothing written); a failed batch answers its error with what was written before it;
/// 413, 415, 401 and 403 as their names say.
pub(super) async fn import_observations(
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
    let (viewer, caller) = match authenticate(&state, &http).await {
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
    let keys = gate::rate_keys(&caller.address, &viewer);
    let _ticket = match gate::admit(&state, &state.admission, &keys) {
        Ok(ticket) => ticket,
        Err(e) => return error_response(status_of(&e), &e),
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
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, &gate::log_internal(e));
        }
    };
    let actor = viewer.actor();
    let who = crate::write::Who::new(&actor, &scope, None);
    use crate::domains::rural::service::observations::{ImportFailure, import};
    match import(&state.db, &who, rows).await {
        Ok(done) => {
            gate::note_write(&state, &viewer).await;
            HttpResponse::Ok().json(serde_json::json!({"data": {
                "created": done.created, "updated": done.updated, "unchanged": done.unchanged}}))
        }
        Err(ImportFailure::Rows(errors)) => row_errors(errors),
        Err(ImportFailure::Interrupted { done, error }) => {
            if done.created + done.updated > 0 {
                gate::note_write(&state, &viewer).await;
            }
            let error = gate::log_internal(error);
            let mut extensions = error.extensions();
            extensions.set("created", done.created);
            extensions.set("updated", done.updated);
            extensions.set("unchanged", done.unchanged);
            let written = done.created + done.updated + done.unchanged;
            let message = if written == 0 {
                format!("{} (nothing was written)", error.message())
            } else {
                format!(
                    "{} ({written} rows were imported before it stopped: {} created, {} updated, \
                     {} unchanged; send the same file again to finish, rows that already hold \
                     its values are left as they are)",
                    error.message(),
                    done.created,
                    done.updated,
                    done.unchanged
                )
            };
            HttpResponse::build(status_of(&error)).json(serde_json::json!({
                "errors": [{"message": message, "extensions": extensions}]
            }))
        }
    }
}

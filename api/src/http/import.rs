//! `POST /import/{name}`: a file a domain registers (`Domain::imports`, as rural's
//! `observations.csv`), through the same authentication and admission as a GraphQL request.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

use super::auth::authenticate;
use super::{body_error, error_response, status_of};
use crate::error::AppError;
use crate::gate;
use crate::state::AppState;

/// `POST /import/{name}`: a CSV file (`text/csv`, UTF-8, at most `IMPORT_MAX_BYTES`) with
/// the caller's token and the registering domain's write permission: every row checked
/// before any is written, then written in batches. 200 with what was created, updated and
/// left unchanged; 422 with every bad row and its line number (nothing written); a failed
/// batch answers its error with what was written before it; 404 for a file no domain
/// imports; 413, 415, 401 and 403 as their names say.
pub(super) async fn import_file(
    state: web::Data<AppState>,
    http: HttpRequest,
    name: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let Some((domain, file)) = crate::domains::DOMAINS.iter().find_map(|d| {
        d.imports
            .iter()
            .find(|i| i.name == name.as_str())
            .map(|i| (*d, i))
    }) else {
        return error_response(
            StatusCode::NOT_FOUND,
            &AppError::NotFound(format!("no import named {:?}", name.as_str())),
        );
    };
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
    let scope = match viewer.authorize(domain.policy, crate::access::Action::Write) {
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
    let row_errors = |errors: Vec<crate::file_import::RowError>| {
        HttpResponse::UnprocessableEntity().json(
            serde_json::json!({"errors": errors.iter().map(|e| serde_json::json!({
            "message": format!("line {}: {}", e.line, e.message),
            "extensions": {"code": "BAD_USER_INPUT", "line": e.line, "field": e.field},
        })).collect::<Vec<_>>()}),
        )
    };
    let actor = viewer.actor();
    let who = crate::write::Who::new(&actor, &scope, None);
    use crate::file_import::ImportFailure;
    match (file.run)(&state.db, &who, body.into()).await {
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

//! `GET /export/<dataset>.csv` or `.xlsx`: a record list or a grouped aggregate as a file,
//! its pages run through the gate's steps under the caller's token.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tracing::Instrument as _;

use super::auth::authenticate;
use super::{error_response, status_of};
use crate::access::Role;
use crate::audit::service as audit_service;
use crate::error::AppError;
use crate::gate::{self, log_internal};
use crate::replica::{Pool, ReadScope};
use crate::state::AppState;
use crate::telemetry::sql::RequestStats;

/// `GET /export/<dataset>.csv` or `.xlsx`: a record list or a grouped aggregate as a file
/// (`export/`), run through the schema under the caller's token, streamed, audited when it
/// starts and when it ends.
pub(super) async fn export(
    state: web::Data<AppState>,
    http: HttpRequest,
    name: web::Path<String>,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    use crate::export::{Execute, FileWriter, Producer, XLSX_ROWS_PER_SHEET};
    if !state.ready.load(Ordering::SeqCst) {
        let e = AppError::Unavailable("the server is starting: the database is not ready yet".into());
        return error_response(StatusCode::SERVICE_UNAVAILABLE, &e);
    }
    // The caller first: a bad token learns nothing of the datasets, and only a signed-in caller
    // is told which datasets there are.
    let (viewer, caller) = match authenticate(&state, &http).await {
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
    let (address, keys) = (caller.address.clone(), gate::rate_keys(&caller.address, &viewer));
    // Exports take the same in-flight bounds as every GraphQL request, for as long as they run.
    let ticket = match gate::admit(&state, &state.admission, &keys) {
        Ok(ticket) => ticket,
        Err(e) => return error_response(status_of(&e), &e),
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
    let (db, pool) = gate::route(&state, &viewer, false).await;
    state.metrics.served_by(pool.as_str());
    let execute: Execute = {
        let state = state.get_ref().clone();
        let viewer = viewer.clone();
        Arc::new(move |request| {
            let stats = Arc::new(RequestStats::default());
            let request = gate::prepare(&state, request, &viewer, &address, None, &stats, &db, pool);
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
                    return gate::error_response(&log_internal(e));
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

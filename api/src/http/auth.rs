//! Who an HTTP request comes from: its `Authorization` and `X-Role` headers, its address and
//! request id, as the gate's `Caller`; and the gate's authentication for the handlers that
//! are not GraphQL.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::{error_response, status_of};
use crate::access::{Role, Viewer};
use crate::error::AppError;
use crate::gate::{self, Caller};
use crate::state::AppState;

/// A request id from `X-Request-Id` when it is sane, else a new one.
pub(super) fn request_id(http: &HttpRequest) -> String {
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
pub(super) fn address(http: &HttpRequest) -> String {
    http.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()
}

/// The caller an HTTP request names: `Authorization: Bearer <token>` and `X-Role`. Headers
/// that cannot be read are kept as the refusal the gate's authentication gives.
pub(super) fn caller(http: &HttpRequest) -> Caller {
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
pub(super) async fn authenticate(
    state: &AppState,
    http: &HttpRequest,
) -> Result<(Viewer, Caller), HttpResponse> {
    let caller = caller(http);
    match gate::authenticate(state, &caller).await {
        Ok((viewer, _)) => Ok((viewer, caller)),
        Err(e) => Err(error_response(status_of(&e), &e)),
    }
}

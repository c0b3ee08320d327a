//! GraphQL subscriptions over WebSocket (`GET /graphql` with `Upgrade: websocket`), in the
//! graphql-transport-ws protocol that Apollo Kotlin and iOS, urql and graphql-ws speak.
//!
//! - `connection_init` carries the same JWT as HTTP requests (`{"Authorization": "Bearer
//!   …"}`, or `authToken` / `token`); without a valid one the server closes with 4403.
//! - Each event is re-checked against the subscriber's scope (`feed.rs`, the domains'
//!   subscriptions); the connection closes with 4401 when the token expires.
//! - A connection holds at most `WS_MAX_SUBSCRIPTIONS` subscriptions (one more is refused
//!   with an `error` message, code QUERY_LIMIT_EXCEEDED), and a user at most
//!   `WS_MAX_CONNECTIONS_PER_USER` connections in a process (one more is closed with 4429).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::{WebSocketProtocols, WsMessage};
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::access::Role;
use crate::error::AppError;
use crate::http::AppState;

/// The process's live connections: the feed they listen to and who holds how many.
pub struct Live {
    pub feed: Arc<crate::feed::Feed>,
    pub max_subscriptions: usize,
    pub max_connections_per_user: usize,
    connections: Mutex<HashMap<String, usize>>,
}

impl Live {
    pub fn new(
        feed: Arc<crate::feed::Feed>,
        max_subscriptions: usize,
        max_connections_per_user: usize,
    ) -> Self {
        Live {
            feed,
            max_subscriptions,
            max_connections_per_user,
            connections: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a connection of `subject`, or None when they hold the most already.
    fn admit(self: &Arc<Self>, subject: &str) -> Option<Held> {
        let mut map = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(subject.to_owned()).or_default();
        if *n >= self.max_connections_per_user {
            return None;
        }
        *n += 1;
        Some(Held {
            live: self.clone(),
            subject: subject.to_owned(),
        })
    }
}

/// A counted connection; uncounted when dropped.
struct Held {
    live: Arc<Live>,
    subject: String,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut map = self.live.connections.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.subject) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.subject);
            }
        }
    }
}

/// What `connection_init` settles for the rest of the connection.
#[derive(Default)]
struct Session {
    /// When the token expires (Unix seconds).
    expires: Option<u64>,
    held: Option<Held>,
    refused: Option<(u16, String)>,
}

/// `GET /graphql` asking for a WebSocket in graphql-transport-ws.
pub async fn graphql_ws(
    http: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
    let speaks = http
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim() == "graphql-transport-ws"));
    if !speaks {
        return Ok(HttpResponse::BadRequest().json(serde_json::json!({
            "errors": [{
                "message": "subscriptions speak graphql-transport-ws: send Sec-WebSocket-Protocol: graphql-transport-ws",
                "extensions": {"code": "BAD_USER_INPUT"}
            }]
        })));
    }
    let (mut response, session, messages) = actix_ws::handle(&http, body)?;
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let messages = messages.max_frame_size(state.limits.max_body_bytes);
    let request_id = crate::http::request_id(&http);
    actix_web::rt::spawn(run(state.into_inner(), session, messages, request_id));
    Ok(response)
}

async fn run(
    state: Arc<AppState>,
    session: actix_ws::Session,
    messages: actix_ws::MessageStream,
    request_id: String,
) {
    let live = state.live.clone();
    let active: Arc<Mutex<HashSet<String>>> = Arc::default();
    let settled: Arc<Mutex<Session>> = Arc::default();

    // The client's text frames, minus subscriptions past the bound (refused here).
    let incoming = {
        let session = session.clone();
        let active = active.clone();
        let max = live.max_subscriptions;
        messages
            .take_while(|m| std::future::ready(!matches!(m, Ok(actix_ws::Message::Close(_)) | Err(_))))
            .filter_map(move |m| {
                let mut session = session.clone();
                let active = active.clone();
                async move {
                    let text = match m {
                        Ok(actix_ws::Message::Text(t)) => t.to_string(),
                        Ok(actix_ws::Message::Ping(p)) => {
                            let _ = session.pong(&p).await;
                            return None;
                        }
                        _ => return None,
                    };
                    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                    let id = parsed.get("id").and_then(|v| v.as_str()).map(str::to_owned);
                    match (parsed.get("type").and_then(|v| v.as_str()), id) {
                        (Some("subscribe"), Some(id)) => {
                            let full = {
                                let mut set = active.lock().unwrap_or_else(|e| e.into_inner());
                                let full = !set.contains(&id) && set.len() >= max;
                                if !full {
                                    set.insert(id.clone());
                                }
                                full
                            };
                            if full {
                                let refusal = serde_json::json!({
                                    "id": id,
                                    "type": "error",
                                    "payload": [{
                                        "message": format!("a connection holds at most {max} subscriptions"),
                                        "extensions": {"code": "QUERY_LIMIT_EXCEEDED"}
                                    }]
                                });
                                let _ = session.text(refusal.to_string()).await;
                                return None;
                            }
                        }
                        (Some("complete"), Some(id)) => {
                            active.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                        }
                        _ => {}
                    }
                    Some(text)
                }
            })
    };

    let data = {
        let state = state.clone();
        let settled = settled.clone();
        move |payload: serde_json::Value| async move {
            let token = ["Authorization", "authorization", "authToken", "token"]
                .iter()
                .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
                .map(|t| {
                    t.trim()
                        .strip_prefix("Bearer ")
                        .unwrap_or(t.trim())
                        .trim()
                        .to_owned()
                });
            let role = payload.get("role").and_then(|v| v.as_str()).and_then(Role::parse);
            let refuse = |settled: &Mutex<Session>, code: u16, e: AppError| {
                let message = e.message();
                settled.lock().unwrap_or_else(|e| e.into_inner()).refused = Some((code, message.clone()));
                async_graphql::Error::new(message)
            };
            let Some(token) = token.filter(|t| !t.is_empty()) else {
                return Err(refuse(
                    &settled,
                    4403,
                    AppError::Unauthenticated(
                        "connection_init needs the token: {\"Authorization\": \"Bearer …\"}".into(),
                    ),
                ));
            };
            let (viewer, expires) = crate::http::viewer_for_token(&state, &token, role, request_id)
                .await
                .map_err(|(_, e)| refuse(&settled, 4403, e))?;
            let Some(held) = state.live.admit(&viewer.subject) else {
                return Err(refuse(
                    &settled,
                    4429,
                    AppError::LimitExceeded(format!(
                        "a user holds at most {} live connections",
                        state.live.max_connections_per_user
                    )),
                ));
            };
            {
                let mut s = settled.lock().unwrap_or_else(|e| e.into_inner());
                s.expires = Some(expires);
                s.held = Some(held);
            }
            let stats = Arc::new(crate::telemetry::sql::RequestStats::default());
            let mut data = crate::domains::request_data(
                async_graphql::Request::new(""),
                &state.db,
                &state.caches,
                &stats,
            )
            .data;
            data.insert(viewer);
            data.insert(state.live.feed.clone());
            data.insert(state.db.clone());
            Ok(data)
        }
    };

    let mut outgoing = std::pin::pin!(
        async_graphql::http::WebSocket::new(state.schema.clone(), incoming, WebSocketProtocols::GraphQLWS)
            .on_connection_init(data)
    );
    let mut session = session;
    loop {
        let expires = settled.lock().unwrap_or_else(|e| e.into_inner()).expires;
        let left = expires.map_or(Duration::from_secs(3600), |exp| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            Duration::from_secs(exp.saturating_sub(now))
        });
        tokio::select! {
            message = outgoing.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
                        && matches!(v.get("type").and_then(|t| t.as_str()), Some("complete" | "error"))
                        && let Some(id) = v.get("id").and_then(|i| i.as_str())
                    {
                        active.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
                    }
                    if session.text(text).await.is_err() {
                        break;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let refused = settled.lock().unwrap_or_else(|e| e.into_inner()).refused.take();
                    let (code, reason) = refused.unwrap_or((code, reason));
                    let _ = session
                        .close(Some(actix_ws::CloseReason {
                            code: actix_ws::CloseCode::Other(code),
                            description: Some(reason),
                        }))
                        .await;
                    return;
                }
                None => break,
            },
            _ = tokio::time::sleep(left), if expires.is_some() => {
                let _ = session
                    .close(Some(actix_ws::CloseReason {
                        code: actix_ws::CloseCode::Other(4401),
                        description: Some("the token expired; connect again with a new one".into()),
                    }))
                    .await;
                return;
            }
        }
    }
    let _ = session.close(None).await;
}

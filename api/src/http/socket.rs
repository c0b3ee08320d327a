//! GraphQL over WebSocket (`GET /graphql` with `Upgrade: websocket`), in the
//! graphql-transport-ws protocol that Apollo Kotlin and iOS, urql and graphql-ws speak.
//!
//! Every `subscribe`, a query, a mutation or a subscription, passes the gate (`gate.rs`) as an
//! HTTP request does: allow-list, limits, authentication with the account still active,
//! admission, rate limit, timeout (queries and mutations), execution with its own request
//! data, audit of personal-data reads. A refusal is an `error` message with the same code
//! HTTP gives.
//!
//! The socket itself is bounded:
//! - `connection_init` carries the same JWT as HTTP requests (`{"Authorization": "Bearer
//!   …"}`, or `authToken` / `token`); without a valid one the server closes with 4403. It must
//!   come within `WS_INIT_TIMEOUT_MS` (close 4408); at most `WS_MAX_UNAUTHENTICATED` sockets
//!   wait for it at once (one more is refused with 503 before the upgrade); a second one
//!   closes with 4429.
//! - A user holds at most `WS_MAX_CONNECTIONS_PER_USER` sockets in a process (one more is
//!   closed with 4429); a socket at most `WS_MAX_SUBSCRIPTIONS` operations at once, of any
//!   type (one more gets an `error` message, QUERY_LIMIT_EXCEEDED).
//! - The token and account are checked again every `WS_ACCOUNT_CHECK_MS` and before every
//!   operation: a disabled account or a changed password ends the socket (4403) within that
//!   time, and nothing it sends after the change runs; the socket closes with 4401 when the
//!   token expires.
//! - Messages that are not graphql-transport-ws (the older protocol's `start`, `stop`,
//!   `connection_terminate`, binary frames, anything unreadable) close it with 4400.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::BatchRequest;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::access::Role;
use crate::error::AppError;
use crate::gate::{self, Caller, Refused, Stage, Transport};
use crate::sockets::{Held, Waiting};
use crate::state::AppState;

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
        return Ok(HttpResponse::BadRequest().json(json!({
            "errors": [{
                "message": "subscriptions speak graphql-transport-ws: send Sec-WebSocket-Protocol: graphql-transport-ws",
                "extensions": {"code": "BAD_USER_INPUT"}
            }]
        })));
    }
    let Some(waiting) = state.live.wait() else {
        let e = AppError::Unavailable("too many connections are waiting to initialise; retry shortly".into());
        return Ok(super::error_response(super::status_of(&e), &e));
    };
    let (mut response, session, messages) = actix_ws::handle(&http, body)?;
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let messages = messages.max_frame_size(state.limits.max_body_bytes);
    let socket = Socket {
        state: state.into_inner(),
        session,
        address: super::auth::address(&http),
        request_id: super::auth::request_id(&http),
        token: None,
        role: None,
        expires: None,
        held: None,
        waiting: Some(waiting),
        operations: Arc::default(),
        sent: 0,
    };
    actix_web::rt::spawn(socket.run(messages));
    Ok(response)
}

/// Why the server closes a socket: the close code and its reason.
type Close = (u16, String);

/// One socket's state.
struct Socket {
    state: Arc<AppState>,
    session: actix_ws::Session,
    address: String,
    request_id: String,
    /// Set by `connection_init`.
    token: Option<String>,
    role: Option<Role>,
    /// When the token expires (Unix seconds).
    expires: Option<u64>,
    held: Option<Held>,
    waiting: Option<Waiting>,
    /// The operations running, by their client-chosen id.
    operations: Arc<Mutex<HashMap<String, tokio::task::AbortHandle>>>,
    /// Operations started, for their request ids.
    sent: u64,
}

impl Socket {
    async fn run(mut self, mut messages: actix_ws::MessageStream) {
        let init_deadline = tokio::time::Instant::now() + self.state.live.init_timeout;
        let every = self.state.live.account_check;
        let mut check = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let close = loop {
            let acked = self.held.is_some();
            let left = self.expires.map_or(Duration::from_secs(3600), |exp| {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs();
                Duration::from_secs(exp.saturating_sub(now))
            });
            tokio::select! {
                message = messages.next() => match message {
                    Some(Ok(actix_ws::Message::Text(text))) => {
                        if let Err(close) = self.on_text(&text).await {
                            break Some(close);
                        }
                    }
                    Some(Ok(actix_ws::Message::Binary(_))) => {
                        break Some((4400, "graphql-transport-ws sends text frames only".into()));
                    }
                    Some(Ok(actix_ws::Message::Ping(p))) => {
                        let _ = self.session.pong(&p).await;
                    }
                    Some(Ok(actix_ws::Message::Close(_))) | Some(Err(_)) | None => break None,
                    Some(Ok(_)) => {}
                },
                _ = tokio::time::sleep_until(init_deadline), if !acked => {
                    break Some((4408, "Connection initialisation timeout".into()));
                }
                _ = tokio::time::sleep(left), if self.expires.is_some() => {
                    break Some((4401, "the token expired; connect again with a new one".into()));
                }
                _ = check.tick(), if acked => {
                    if let Err(close) = self.check_account().await {
                        break Some(close);
                    }
                }
            }
        };
        // Nothing of this socket runs on after it.
        for (_, op) in self.operations.lock().unwrap_or_else(|e| e.into_inner()).drain() {
            op.abort();
        }
        let reason = close.map(|(code, description)| actix_ws::CloseReason {
            code: actix_ws::CloseCode::Other(code),
            description: Some(description),
        });
        let _ = self.session.close(reason).await;
    }

    /// The caller of the socket's next operation, as `connection_init` named it.
    fn caller(&mut self) -> Caller {
        self.sent += 1;
        Caller {
            token: self.token.clone(),
            asked_role: self.role,
            address: self.address.clone(),
            request_id: format!("{}-{}", self.request_id, self.sent),
            unreadable: None,
        }
    }

    /// The periodic check: the token still valid and the account still active and unchanged.
    /// A database that cannot answer keeps the socket (the next operation is checked anyway).
    async fn check_account(&mut self) -> Result<(), Close> {
        let caller = self.caller();
        match gate::authenticate(&self.state, &caller).await {
            Ok(_) | Err(AppError::Unavailable(_)) => Ok(()),
            Err(e) => Err((4403, e.message())),
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<(), Close> {
        let message: Value = serde_json::from_str(text)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| (4400, "a message is a JSON object".to_owned()))?;
        let kind = message
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| (4400, "a message needs a string `type`".to_owned()))?;
        match kind {
            "connection_init" => self.init(message.get("payload")).await,
            "ping" => {
                let _ = self.session.text(json!({"type": "pong"}).to_string()).await;
                Ok(())
            }
            "pong" => Ok(()),
            "subscribe" => self.subscribe(&message).await,
            "complete" => {
                if let Some(id) = message.get("id").and_then(Value::as_str)
                    && let Some(op) = self
                        .operations
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(id)
                {
                    op.abort();
                }
                Ok(())
            }
            other => Err((
                4400,
                format!("unexpected message type {other:?}: this socket speaks graphql-transport-ws"),
            )),
        }
    }

    async fn init(&mut self, payload: Option<&Value>) -> Result<(), Close> {
        if self.held.is_some() || self.waiting.is_none() {
            return Err((4429, "Too many initialisation requests".into()));
        }
        let payload = payload.cloned().unwrap_or(Value::Null);
        let token = ["Authorization", "authorization", "authToken", "token"]
            .iter()
            .find_map(|k| payload.get(*k).and_then(Value::as_str))
            .map(|t| {
                t.trim()
                    .strip_prefix("Bearer ")
                    .unwrap_or(t.trim())
                    .trim()
                    .to_owned()
            })
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                (
                    4403,
                    "connection_init needs the token: {\"Authorization\": \"Bearer …\"}".to_owned(),
                )
            })?;
        self.token = Some(token);
        self.role = payload.get("role").and_then(Value::as_str).and_then(Role::parse);
        let caller = self.caller();
        let (viewer, expires) = gate::authenticate(&self.state, &caller)
            .await
            .map_err(|e| (4403, e.message()))?;
        let held = self.state.live.admit(&viewer.subject).ok_or_else(|| {
            (
                4429,
                format!(
                    "a user holds at most {} live connections",
                    self.state.live.max_connections_per_user
                ),
            )
        })?;
        self.held = Some(held);
        self.waiting = None;
        self.expires = expires;
        let _ = self
            .session
            .text(json!({"type": "connection_ack"}).to_string())
            .await;
        Ok(())
    }

    async fn subscribe(&mut self, message: &Value) -> Result<(), Close> {
        if self.held.is_none() {
            return Err((4401, "Unauthorized".into()));
        }
        let id = message
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| (4400, "`subscribe` needs a string `id`".to_owned()))?
            .to_owned();
        let request: async_graphql::Request = message
            .get("payload")
            .filter(|p| p.is_object())
            .and_then(|p| serde_json::from_value(p.clone()).ok())
            .ok_or_else(|| {
                (
                    4400,
                    "`subscribe` needs a GraphQL request as its `payload`".to_owned(),
                )
            })?;
        let (running, held) = {
            let operations = self.operations.lock().unwrap_or_else(|e| e.into_inner());
            (operations.contains_key(&id), operations.len())
        };
        if running {
            return Err((4409, format!("Subscriber for {id} already exists")));
        }
        if held >= self.state.live.max_subscriptions {
            let e = AppError::LimitExceeded(format!(
                "a connection holds at most {} operations at once",
                self.state.live.max_subscriptions
            ));
            let _ = self.session.text(refusal(&id, &e)).await;
            return Ok(());
        }
        let caller = self.caller();
        // Steps 1 and 2 here, cheaply; the rest in the operation's task.
        let checked = gate::check(&self.state, BatchRequest::Single(request));
        let (state, session, operations) =
            (self.state.clone(), self.session.clone(), self.operations.clone());
        let task_id = id.clone();
        // Registered before it can finish, so that its own removal finds it.
        let mut registry = self.operations.lock().unwrap_or_else(|e| e.into_inner());
        let task = tokio::spawn(async move {
            operate(&state, session, &caller, &task_id, checked).await;
            operations
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&task_id);
        });
        registry.insert(id, task.abort_handle());
        Ok(())
    }
}

/// An `error` message: the refusal of one operation, with the code HTTP would give.
fn refusal(id: &str, e: &AppError) -> String {
    json!({
        "id": id,
        "type": "error",
        "payload": [{"message": e.message(), "extensions": e.extensions()}]
    })
    .to_string()
}

/// A message with a payload, written straight from it: a `serde_json::Value` would sort the
/// answer's fields, which keep the order the query asked for.
fn message(id: &str, kind: &str, payload: &impl serde::Serialize) -> String {
    let quoted = serde_json::to_string(id).unwrap_or_default();
    match serde_json::to_string(payload) {
        Ok(payload) => format!(r#"{{"id":{quoted},"type":"{kind}","payload":{payload}}}"#),
        Err(e) => {
            let e = gate::log_internal(AppError::Internal(e.into()));
            refusal(id, &e)
        }
    }
}

/// Runs one operation of a socket through the gate and sends what it answers.
async fn operate(
    state: &AppState,
    mut session: actix_ws::Session,
    caller: &Caller,
    id: &str,
    checked: Result<gate::Checked, AppError>,
) {
    let refused = |session: actix_ws::Session, refused: Refused| async move {
        let mut sender = session.clone();
        let _ = sender.text(refusal(id, &refused.error)).await;
        // An account that is no longer allowed in loses the socket too.
        if refused.stage == Stage::Authentication {
            let _ = session
                .close(Some(actix_ws::CloseReason {
                    code: actix_ws::CloseCode::Other(4403),
                    description: Some(refused.error.message()),
                }))
                .await;
        }
    };
    match checked {
        Ok(checked) if checked.is_subscription() => {
            let stream = match gate::subscribe(state, caller, checked).await {
                Ok(stream) => stream,
                Err(r) => return refused(session, r).await,
            };
            let mut stream = std::pin::pin!(stream);
            let mut first = true;
            while let Some(response) = stream.next().await {
                // Refused before it started (validation, complexity, the rate limit): `error`.
                let refused = first
                    && response.data == async_graphql::Value::Null
                    && !response.errors.is_empty()
                    && response.errors.iter().all(|e| e.path.is_empty());
                first = false;
                if refused {
                    let _ = session.text(message(id, "error", &response.errors)).await;
                    return;
                }
                if session.text(message(id, "next", &response)).await.is_err() {
                    return;
                }
            }
            let _ = session
                .text(json!({"id": id, "type": "complete"}).to_string())
                .await;
        }
        checked => match gate::execute(state, caller, Transport::Socket, checked).await {
            Err(r) => refused(session, r).await,
            Ok(executed) => {
                let request_error = executed.request_errors.first().copied().unwrap_or(false);
                let async_graphql::BatchResponse::Single(response) = executed.response else {
                    return;
                };
                let message = if request_error {
                    message(id, "error", &response.errors)
                } else {
                    message(id, "next", &response)
                };
                if session.text(message).await.is_ok() && !request_error {
                    let _ = session
                        .text(json!({"id": id, "type": "complete"}).to_string())
                        .await;
                }
            }
        },
    }
}

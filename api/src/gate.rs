//! The one gate every GraphQL operation passes, whatever carries it: `POST /graphql`,
//! `GET /graphql`, an automatic persisted query, a WebSocket `subscribe` of any operation
//! type, and the pages of an export. The transports only read their bytes and write their
//! answers; the steps between are here, in this order, and a transport cannot leave one out:
//! it can only call [`check`], then [`execute`] or [`subscribe`] with what `check` returned.
//!
//! 1. **Allow-list and persisted operations**: a hash gets its text, or the request its refusal
//!    (`persisted/`).
//! 2. **Parse and validation limits** on the text: length, aliases, root fields, directives,
//!    depth (`limits.rs`); complexity is the schema's, at validation.
//! 3. **Authentication**: the token verified, and the account still active and unchanged
//!    (every operation, so a socket's account disabled a moment ago runs nothing more).
//! 4. **Admission**: in-flight bounds per caller and in all (`admission.rs`); a live
//!    subscription holds a ticket of the live bounds for as long as it runs.
//! 5. **Rate limit**: the validated document's complexity charged to the caller's keys
//!    (`ratelimit.rs`, the schema extension reading the keys set here).
//! 6. **Timeout**: a query or mutation ends within `REQUEST_TIMEOUT_MS`.
//! 7. **Execution** with request data built for this operation (loaders, caches, read list).
//! 8. **Audit** of the unmasked personal data it read, before the answer leaves; an answer
//!    that cannot be audited does not leave.
//!
//! Steps 1 and 2 are cheap refusals and come before authentication on every transport.

use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, ServerError};
use futures_util::{Stream, StreamExt};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tracing::Instrument as _;

use crate::access::{Role, Viewer};
use crate::admission::{Refusal, Ticket};
use crate::audit::service as audit_service;
use crate::auth::graphql::ClientAddress;
use crate::auth::service as auth_service;
use crate::error::AppError;
use crate::ratelimit::RateKeys;
use crate::replica::{Pool, ReadScope};
use crate::state::AppState;
use crate::telemetry::sql::RequestStats;
use sea_orm::DatabaseConnection;

/// Who sends an operation, as its transport read it: the bearer token (None: anonymous),
/// the role asked for, the client's address and the request id.
#[derive(Debug)]
pub struct Caller {
    pub token: Option<String>,
    pub asked_role: Option<Role>,
    pub address: String,
    pub request_id: String,
    /// Credentials the transport could not read: authentication refuses with this.
    pub unreadable: Option<AppError>,
}

/// The transport an operation came by, for the request log and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Post,
    Get,
    Socket,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Post => "post",
            Transport::Get => "get",
            Transport::Socket => "websocket",
        }
    }
}

/// A request (or batch) whose persisted operations are resolved and whose limits passed.
/// Only [`check`] makes one, so nothing runs unchecked.
pub struct Checked {
    batch: BatchRequest,
    checked: Vec<crate::limits::Checked>,
}

impl Checked {
    /// The type of each request's operation.
    pub fn operations(&self) -> impl Iterator<Item = Option<OperationType>> + '_ {
        self.checked.iter().map(|c| c.operation)
    }

    /// Whether any request of it writes (a mutation, or a subscription's setup).
    pub fn writes(&self) -> bool {
        self.operations()
            .any(|o| matches!(o, Some(OperationType::Mutation | OperationType::Subscription)))
    }

    /// Whether it is one subscription.
    pub fn is_subscription(&self) -> bool {
        matches!(self.batch, BatchRequest::Single(_))
            && self.checked.first().and_then(|c| c.operation) == Some(OperationType::Subscription)
    }

    /// The operation's name for logs and metrics (`batch` for a batch).
    pub fn name(&self) -> Option<String> {
        match self.batch {
            BatchRequest::Batch(_) => Some("batch".to_owned()),
            BatchRequest::Single(_) => self.checked.first().and_then(|c| c.operation_name.clone()),
        }
    }
}

/// Steps 1 and 2: persisted operations first (a hash gets its text, or the request its
/// refusal), then the limits; a text sent with its hash is remembered only once its limits
/// passed.
pub fn check(state: &AppState, mut batch: BatchRequest) -> Result<Checked, AppError> {
    let pending = state.persisted.resolve(&mut batch)?;
    let requests: Vec<&mut async_graphql::Request> = match &mut batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs.iter_mut().collect(),
    };
    if requests.is_empty() {
        return Err(AppError::bad_input("query", "the batch is empty"));
    }
    if requests.len() > state.limits.max_batch {
        return Err(AppError::LimitExceeded(format!(
            "a batch may hold at most {} requests",
            state.limits.max_batch
        )));
    }
    let checked = requests
        .into_iter()
        .map(|r| crate::limits::check(&state.limits, r))
        .collect::<Result<Vec<_>, _>>()?;
    state.persisted.register(pending);
    Ok(Checked { batch, checked })
}

/// Where an operation was refused before it ran, which says its HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Steps 1 and 2 (persisted operations, limits).
    Check,
    /// The server has not finished starting.
    NotReady,
    /// Step 3.
    Authentication,
    /// Step 4.
    Admission,
    /// Step 6.
    Timeout,
    /// Step 8: the reads could not be audited.
    Audit,
}

/// An operation refused before its answer could leave.
#[derive(Debug)]
pub struct Refused {
    pub stage: Stage,
    pub error: AppError,
}

impl Refused {
    fn at(stage: Stage, error: AppError) -> Self {
        Refused { stage, error }
    }
}

/// An operation that ran: its answer with every error coded, and what the transport needs to
/// choose its status.
pub struct Executed {
    pub response: BatchResponse,
    pub viewer: Viewer,
    pub pool: Pool,
    /// Per request: whether it failed before execution (parse, validation, limits).
    pub request_errors: Vec<bool>,
    /// Every error code of the answer.
    pub codes: Vec<String>,
    /// The error that decides the status (rate limit, unavailability, timeout), if any.
    pub worst: Option<AppError>,
}

/// Step 3: the caller a token names, acting in the role asked for (its default role when
/// none), and the token's expiry (Unix seconds; None for anonymous callers). The account
/// must still be active and unchanged.
pub async fn authenticate(state: &AppState, caller: &Caller) -> Result<(Viewer, Option<u64>), AppError> {
    match &caller.unreadable {
        Some(AppError::Forbidden(m)) => return Err(AppError::Forbidden(m.clone())),
        Some(e) => return Err(AppError::Unauthenticated(e.message())),
        None => {}
    }
    let Some(token) = caller.token.as_deref() else {
        return match caller.asked_role {
            None | Some(Role::Anonymous) => Ok((Viewer::anonymous(caller.request_id.clone()), None)),
            Some(r) => Err(AppError::Forbidden(format!("role {} needs a token", r.as_str()))),
        };
    };
    let unauthorized = |msg: &str| AppError::Unauthenticated(msg.to_owned());
    let claims = state.auth.keys.verify(token).await?;
    let roles: Vec<Role> = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
    let default = Role::parse(&claims.role)
        .filter(|r| roles.contains(r))
        .ok_or_else(|| unauthorized("the token's role is not among its roles"))?;
    let role = caller.asked_role.unwrap_or(default);
    if !roles.contains(&role) {
        return Err(AppError::Forbidden(format!(
            "the token does not allow role {}",
            role.as_str()
        )));
    }
    if let Some(uid) = claims.uid
        && !auth_service::is_current(&state.db, uid, claims.uver)
            .await
            .map_err(unavailable)?
    {
        return Err(unauthorized(
            "the account is disabled or has changed; sign in again",
        ));
    }
    let region = match &claims.region {
        Some(code) => {
            let dir = crate::region::loaders::directory(&state.db, &state.caches.regions)
                .await
                .map_err(unavailable)?;
            match (dir.get(code), dir.subtree(code)) {
                (Some(r), Some(subtree)) => Some((r.clone(), subtree.0)),
                _ => return Err(unauthorized("the token's region is unknown")),
            }
        }
        None if role.is_scoped() => return Err(unauthorized("the token's role needs a region claim")),
        None => None,
    };
    Ok((
        Viewer::new(
            claims.sub,
            role,
            roles,
            region,
            claims.uid,
            caller.request_id.clone(),
        ),
        Some(claims.exp),
    ))
}

/// A database failure while authenticating: the caller may retry, whatever the cause.
fn unavailable(e: AppError) -> AppError {
    match log_internal(e) {
        AppError::Internal(_) => AppError::Unavailable("the database is unavailable; retry shortly".into()),
        e => e,
    }
}

/// The rate keys of a caller: its address, and its user when signed in.
pub fn rate_keys(address: &str, viewer: &Viewer) -> Vec<String> {
    let mut keys = vec![format!("addr:{address}")];
    if viewer.role != Role::Anonymous {
        keys.push(format!("user:{}", viewer.subject));
    }
    keys
}

/// Step 4: a place under the in-flight bounds of `admission`; the caller is its user when
/// signed in, else its address. A refusal is immediate.
pub fn admit(
    state: &AppState,
    admission: &Arc<crate::admission::Admission>,
    keys: &[String],
) -> Result<Ticket, AppError> {
    let caller = keys.last().cloned().unwrap_or_default();
    admission.admit(&caller).map_err(|refusal| {
        let (e, limit) = match refusal {
            Refusal::Caller => (
                AppError::RateLimited {
                    message: "too many of your requests are in flight; retry shortly".into(),
                    retry_after: 1,
                },
                "in_flight",
            ),
            Refusal::Saturated => (
                AppError::Unavailable("the server is saturated; retry shortly".into()),
                "saturated",
            ),
        };
        state.metrics.rate_limited(limit);
        e
    })
}

/// An internal error's cause goes to the log, never to the client.
pub fn log_internal(e: AppError) -> AppError {
    if let AppError::Internal(cause) = &e {
        tracing::error!(error = ?cause, "internal error");
    }
    e
}

/// An error answer for one request, as the executor would give it.
pub fn error_response(err: &AppError) -> async_graphql::Response {
    let mut e = ServerError::new(err.message(), None);
    e.extensions = Some(err.extensions());
    async_graphql::Response::from_errors(vec![e])
}

/// Steps 3 to 8 for a query, a mutation or a batch of them, counted in the metrics and
/// logged as one line with the statements it ran.
pub async fn execute(
    state: &AppState,
    caller: &Caller,
    transport: Transport,
    checked: Result<Checked, AppError>,
) -> Result<Executed, Refused> {
    let started = std::time::Instant::now();
    let stats = Arc::new(RequestStats::default());
    let operation = checked.as_ref().ok().and_then(Checked::name);
    state.metrics.in_flight(1);
    let mut role = "none";
    let outcome = stats
        .scope(execute_counted(state, caller, checked, &stats, &mut role))
        .await;
    state.metrics.in_flight(-1);
    let elapsed = started.elapsed();
    let statements = stats.statements();
    let operation = state.metrics.operation_label(operation.as_deref());
    let (result, codes, pool): (&str, Vec<String>, Option<Pool>) = match &outcome {
        Ok(done) => {
            let result = if done.worst.is_some() {
                "rejected"
            } else if done.request_errors.iter().all(|e| *e) {
                "request_error"
            } else if done.codes.is_empty() {
                "ok"
            } else {
                "error"
            };
            (result, done.codes.clone(), Some(done.pool))
        }
        Err(refused) => ("rejected", vec![refused.error.code().to_owned()], None),
    };
    state
        .metrics
        .record_request(&operation, result, elapsed, &codes, statements);
    if let Some(pool) = pool {
        state.metrics.served_by(pool.as_str());
    }
    tracing::info!(
        target: "request",
        request_id = %caller.request_id,
        transport = transport.as_str(),
        operation = %operation,
        role,
        outcome = result,
        code = codes.first().map_or("", String::as_str),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        statements,
        pool = pool.map_or("none", Pool::as_str),
        "graphql request"
    );
    outcome
}

async fn execute_counted(
    state: &AppState,
    caller: &Caller,
    checked: Result<Checked, AppError>,
    stats: &Arc<RequestStats>,
    role: &mut &'static str,
) -> Result<Executed, Refused> {
    let Checked { batch, checked } = checked.map_err(|e| Refused::at(Stage::Check, e))?;
    if !state.ready.load(Ordering::SeqCst) {
        let e = AppError::Unavailable("the server is starting: the database is not ready yet".into());
        return Err(Refused::at(Stage::NotReady, e));
    }
    let (viewer, _) = authenticate(state, caller)
        .await
        .map_err(|e| Refused::at(Stage::Authentication, e))?;
    *role = viewer.role.as_str();
    let keys = rate_keys(&caller.address, &viewer);
    let _ticket = admit(state, &state.admission, &keys).map_err(|e| Refused::at(Stage::Admission, e))?;
    // A request with a mutation runs on the primary whole, so that its reads follow its writes.
    let writes = checked.iter().any(|c| {
        matches!(
            c.operation,
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    });
    let (db, pool) = route(state, &viewer, writes).await;
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(
            state,
            r,
            &viewer,
            &caller.address,
            Some(&keys),
            stats,
            &db,
            pool,
        )),
        BatchRequest::Batch(rs) => BatchRequest::Batch(
            rs.into_iter()
                .map(|r| prepare(state, r, &viewer, &caller.address, Some(&keys), stats, &db, pool))
                .collect(),
        ),
    };
    let span = tracing::info_span!("graphql_request", request_id = %viewer.request_id, role = *role);
    let execution = state.schema.execute_batch(batch).instrument(span);
    let (executed, wrote) = match pool {
        Pool::Primary => (
            tokio::time::timeout(state.request_timeout, execution).await,
            writes,
        ),
        Pool::Replica => {
            let scope = ReadScope::new(state.db.clone());
            let executed = tokio::time::timeout(state.request_timeout, scope.scope(execution)).await;
            (executed, scope.wrote())
        }
    };
    // Whatever the outcome (a timed-out write may have committed), the caller's next reads
    // wait for what it wrote.
    if wrote {
        note_write(state, &viewer).await;
    }
    let mut response = match executed {
        Ok(r) => r,
        Err(_) => {
            tracing::warn!(request_id = %viewer.request_id, "request timed out");
            // The reads of a request cut short are audited all the same.
            let reads = viewer.take_personal_reads();
            if let Err(e) = audit_service::record_reads(&state.db, &viewer.actor(), reads).await {
                log_internal(e);
            }
            return Err(Refused::at(
                Stage::Timeout,
                AppError::Timeout("the request took too long".into()),
            ));
        }
    };
    let mut request_errors = Vec::new();
    let mut codes = Vec::new();
    let mut worst: Option<AppError> = None;
    let mut each = |i: usize, r: &mut async_graphql::Response| {
        let parsed = checked.get(i).is_none_or(|c| c.parsed);
        let (errored, all_uncoded) = code_errors(state, r, parsed, &mut codes, &mut worst);
        request_errors.push(errored && all_uncoded);
    };
    match &mut response {
        BatchResponse::Single(r) => each(0, r),
        BatchResponse::Batch(rs) => rs.iter_mut().enumerate().for_each(|(i, r)| each(i, r)),
    }
    // Unmasked personal data leaves only once its reading is audited.
    let reads = viewer.take_personal_reads();
    if let Err(e) = audit_service::record_reads(&state.db, &viewer.actor(), reads).await {
        return Err(Refused::at(Stage::Audit, log_internal(e)));
    }
    Ok(Executed {
        response,
        viewer,
        pool,
        request_errors,
        codes,
        worst,
    })
}

/// Gives every error of an answer its code (those raised before any resolver come uncoded:
/// parse, validation, input coercion, limits), collects the codes and the error that decides
/// the status. Returns whether the answer failed before execution, and whether all its errors
/// came uncoded.
fn code_errors(
    state: &AppState,
    r: &mut async_graphql::Response,
    parsed: bool,
    codes: &mut Vec<String>,
    worst: &mut Option<AppError>,
) -> (bool, bool) {
    let pre_execution = r.data == async_graphql::Value::Null
        && !r.errors.is_empty()
        && r.errors.iter().all(|e| e.path.is_empty());
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
                let code = request_error_code(&error.message, parsed, !error.path.is_empty());
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
            *worst = candidate;
        }
        if code == "RATE_LIMITED" {
            // The cost limit refuses a whole request; the login throttle, a resolver.
            state
                .metrics
                .rate_limited(if error.path.is_empty() { "cost" } else { "login" });
        }
        codes.push(code);
    }
    (pre_execution, all_uncoded)
}

/// The code of a request error raised before any resolver, which the executor leaves
/// uncoded: parse failure, validation failure, or a limit.
fn request_error_code(message: &str, parsed: bool, during_execution: bool) -> &'static str {
    if during_execution || message.starts_with("Failed to parse") {
        // A scalar or input object refused a value the client sent, while a field resolved.
        "BAD_USER_INPUT"
    } else if !parsed {
        "GRAPHQL_PARSE_FAILED"
    } else if message.contains("too complex")
        || message.contains("too deep")
        || message.contains("directives")
    {
        "QUERY_LIMIT_EXCEEDED"
    } else if message.starts_with("Invalid value for argument") {
        // A value the client sent (a literal or a variable) that the input type refuses.
        "BAD_USER_INPUT"
    } else {
        "GRAPHQL_VALIDATION_FAILED"
    }
}

/// Steps 3 to 8 for a subscription: authenticated and admitted once, it holds a ticket of
/// the live bounds for as long as it runs; each event is an answer of its own, its errors
/// coded and its personal-data reads audited before it leaves. An event whose reads cannot
/// be audited ends the subscription with that error.
pub async fn subscribe(
    state: &AppState,
    caller: &Caller,
    checked: Checked,
) -> Result<impl Stream<Item = async_graphql::Response> + Send + 'static, Refused> {
    let Checked { batch, checked } = checked;
    let BatchRequest::Single(request) = batch else {
        return Err(Refused::at(
            Stage::Check,
            AppError::bad_input("query", "a subscription is one operation, not a batch"),
        ));
    };
    if !state.ready.load(Ordering::SeqCst) {
        let e = AppError::Unavailable("the server is starting: the database is not ready yet".into());
        return Err(Refused::at(Stage::NotReady, e));
    }
    let (viewer, _) = authenticate(state, caller)
        .await
        .map_err(|e| Refused::at(Stage::Authentication, e))?;
    let keys = rate_keys(&caller.address, &viewer);
    let ticket = admit(state, &state.live_admission, &keys).map_err(|e| Refused::at(Stage::Admission, e))?;
    let stats = Arc::new(RequestStats::default());
    let request = prepare(
        state,
        request,
        &viewer,
        &caller.address,
        Some(&keys),
        &stats,
        &state.db,
        Pool::Primary,
    )
    .data(state.live.feed.clone());
    let parsed = checked.first().is_none_or(|c| c.parsed);
    let stream = state.schema.execute_stream(request);
    let (state, actor) = (state.clone(), viewer.actor());
    let audited = stream
        .then(move |mut response| {
            let (state, viewer, actor) = (state.clone(), viewer.clone(), actor.clone());
            async move {
                let (mut codes, mut worst) = (Vec::new(), None);
                code_errors(&state, &mut response, parsed, &mut codes, &mut worst);
                let reads = viewer.take_personal_reads();
                match audit_service::record_reads(&state.db, &actor, reads).await {
                    Ok(()) => (response, false),
                    Err(e) => (error_response(&log_internal(e)), true),
                }
            }
        })
        // An unaudited event is the last one.
        .scan(false, |ended, (response, failed)| {
            let out = (!*ended).then_some(response);
            *ended |= failed;
            std::future::ready(out)
        })
        .map(move |response| {
            let _held = &ticket;
            response
        });
    Ok(audited)
}

/// The database a request runs on: the primary for a request that writes or when there is
/// no replica; else the replica, when it has replayed every write of the caller (anonymous
/// callers write nothing). Authentication and the audit of reads stay on the primary.
pub async fn route(state: &AppState, viewer: &Viewer, writes: bool) -> (DatabaseConnection, Pool) {
    if let Some(replica) = &state.replica
        && !writes
    {
        let subject = (viewer.role != Role::Anonymous).then_some(viewer.subject.as_str());
        if replica.serves(subject).await {
            return (replica.db().clone(), Pool::Replica);
        }
    }
    (state.db.clone(), Pool::Primary)
}

/// After a signed-in caller wrote: its reads wait for the replica to replay the write.
pub async fn note_write(state: &AppState, viewer: &Viewer) {
    if let Some(replica) = &state.replica
        && viewer.role != Role::Anonymous
    {
        replica.wrote(&state.db, &viewer.subject).await;
    }
}

/// Step 7's request data: what its resolvers need, built for this one operation; `keys` are
/// what its complexity is charged to (none for an export's pages, which pay by the row). `db`
/// is the database it runs on: on the replica, that pool replaces the schema's (the primary)
/// for its resolvers and loaders.
#[allow(clippy::too_many_arguments)]
pub fn prepare(
    state: &AppState,
    request: async_graphql::Request,
    viewer: &Viewer,
    address: &str,
    keys: Option<&[String]>,
    stats: &Arc<RequestStats>,
    db: &DatabaseConnection,
    pool: Pool,
) -> async_graphql::Request {
    let mut request = crate::domains::request_data(request, db, &state.caches, stats)
        .data(viewer.clone())
        .data(ClientAddress(address.to_owned()));
    if pool == Pool::Replica {
        request = request.data(db.clone());
    }
    match keys {
        Some(keys) => request.data(RateKeys(keys.to_vec())),
        None => request,
    }
}

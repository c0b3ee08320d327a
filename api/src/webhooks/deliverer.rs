//! The deliverer: a background task of each server process that sends the outbox.
//!
//! Every `WEBHOOK_POLL_MS` it looks for pending deliveries that are due (one read; nothing
//! more when there are none), then claims a batch in one statement: their `next_attempt_at`
//! moves a lease ahead (twice `WEBHOOK_TIMEOUT_MS`) and their `attempts` up by one. On
//! PostgreSQL the claim skips rows another process holds (`FOR UPDATE SKIP LOCKED`); SQLite
//! has one writer at a time. Each claimed delivery is POSTed, signed, and its outcome
//! written only if the row is still at the attempt this process claimed. A process that
//! dies mid-delivery leaves its rows pending until their lease runs out, when any process
//! sends them again with the same `webhook-id`: delivery is at least once, and never lost.
//!
//! Each attempt resolves the endpoint's host once and refuses it if any address is one no
//! endpoint may have (`egress.rs`); the request then goes only to the addresses checked (a
//! client of its own with them pinned: no second lookup, so DNS rebinding fails), through no
//! proxy, following no redirect. The secret is decrypted for the signature only.
//!
//! A 2xx answer delivers; anything else (another status, a redirect, a refused destination,
//! a timeout, no connection) waits `WEBHOOK_RETRY_BASE_MS` doubled per attempt (at most
//! `WEBHOOK_RETRY_MAX_MS`) and, after `WEBHOOK_MAX_ATTEMPTS` attempts, fails. The error kept
//! is the class of the failure only (`http status 500`, `refused: address not allowed`),
//! never an address, a port or a body.

use chrono::{DateTime, Utc};
use entity::webhook::delivery::{self, DeliveryStatus};
use entity::webhook::endpoint;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveEnum, ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, Order, QueryFilter,
    QuerySelect,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::config::WebhookSettings;
use crate::error::{AppError, AppResult};
use crate::webhooks::Safety;
use crate::webhooks::egress::Target;
use crate::webhooks::signing;

/// Deliveries one poll claims at most (and sends at once).
const BATCH: u64 = 32;
/// Longest `last_error` kept.
const MAX_ERROR: usize = 200;

/// Starts the deliverer; it polls once `ready` is set (migrations done).
pub fn spawn(
    db: DatabaseConnection,
    ready: Arc<AtomicBool>,
    settings: WebhookSettings,
    safety: Arc<Safety>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(settings.poll_ms));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            if !ready.load(Ordering::SeqCst) {
                continue;
            }
            match poll(&db, &safety, &settings).await {
                Ok(_) => failing = false,
                // Said once per outage, not once per poll.
                Err(e) if !failing => {
                    failing = true;
                    tracing::warn!(error = %e.message(), "webhook deliverer: the outbox cannot be read; retrying");
                }
                Err(_) => {}
            }
        }
    })
}

/// The client of one attempt: it connects only to `target`'s checked addresses (the name
/// is never looked up again), through no proxy, following no redirect.
pub fn client(target: &Target, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("survey-platform-webhooks/", env!("CARGO_PKG_VERSION")));
    if let Some(domain) = &target.domain {
        builder = builder.resolve_to_addrs(domain, &target.addrs);
    }
    builder.build()
}

/// One poll: claims the due deliveries and sends them. Returns how many were claimed.
pub async fn poll(db: &DatabaseConnection, safety: &Safety, settings: &WebhookSettings) -> AppResult<usize> {
    let now = Utc::now();
    let due = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Id)
        .filter(delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(delivery::Column::NextAttemptAt.lte(now))
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?;
    if due.is_none() {
        return Ok(0);
    }
    let lease = Duration::from_millis(settings.timeout_ms.saturating_mul(2));
    let claimed = claim(db, now, now + lease).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = claimed.iter().map(|d| d.endpoint_id).collect();
    let endpoints: HashMap<i64, endpoint::Model> = endpoint::Entity::find()
        .filter(endpoint::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let n = claimed.len();
    let attempts = claimed.into_iter().map(|d| {
        let endpoint = endpoints.get(&d.endpoint_id);
        async move {
            let outcome = send(safety, endpoint, &d, settings).await;
            if let Err(e) = record(db, &d, outcome, settings).await {
                tracing::warn!(message_id = %d.message_id, error = %e.message(), "webhook deliverer: an outcome was not saved; the delivery will be retried");
            }
        }
    });
    futures_util::future::join_all(attempts).await;
    Ok(n)
}

/// Takes the due pending deliveries (oldest first, at most `BATCH`) for this process until
/// `lease_until`, counting the attempt: one statement.
async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> AppResult<Vec<delivery::Model>> {
    use sea_orm::ConnectionTrait;
    let backend = db.get_database_backend();
    let mut due = Query::select();
    due.column(delivery::Column::Id)
        .from(delivery::Entity)
        .and_where(Expr::col(delivery::Column::Status).eq(DeliveryStatus::Pending.to_value()))
        .and_where(Expr::col(delivery::Column::NextAttemptAt).lte(now))
        .order_by(delivery::Column::NextAttemptAt, Order::Asc)
        .order_by(delivery::Column::Id, Order::Asc)
        .limit(BATCH);
    if backend == DbBackend::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut claim = Query::update();
    claim
        .table(delivery::Entity)
        .value(delivery::Column::NextAttemptAt, lease_until)
        .value(
            delivery::Column::Attempts,
            Expr::col(delivery::Column::Attempts).add(1),
        )
        .and_where(Expr::col(delivery::Column::Id).in_subquery(due))
        .returning_all();
    let rows = db.query_all_raw(backend.build(&claim)).await?;
    rows.iter()
        .map(|r| delivery::Model::from_query_result(r, "").map_err(AppError::from))
        .collect()
}

/// What one attempt came to.
enum Outcome {
    Delivered(u16),
    /// An answer other than 2xx, or none (`None`), and why, short and without secrets.
    Failed(Option<u16>, String),
    /// Nothing more to try: the endpoint is gone or deactivated.
    GiveUp(String),
}

async fn send(
    safety: &Safety,
    endpoint: Option<&endpoint::Model>,
    d: &delivery::Model,
    settings: &WebhookSettings,
) -> Outcome {
    let Some(endpoint) = endpoint.filter(|e| e.active) else {
        return Outcome::GiveUp("endpoint deactivated".to_owned());
    };
    let failed = |error: &str| Outcome::Failed(None, error.to_owned());
    let Ok(secret) = safety.keys.open(&endpoint.secret, &endpoint.uuid) else {
        return failed("secret not readable with the configured keys");
    };
    let timestamp = Utc::now().timestamp();
    let Ok(signature) = signing::signature(&secret, &d.message_id, timestamp, &d.payload) else {
        return failed("secret not usable for signing");
    };
    let Ok(url) = reqwest::Url::parse(&endpoint.url) else {
        return failed("refused: not a url");
    };
    let timeout = Duration::from_millis(settings.timeout_ms);
    let target = match safety.egress.resolve(&url, timeout).await {
        Ok(target) => target,
        Err(refusal) => return failed(&refusal.to_string()),
    };
    let Ok(client) = client(&target, timeout) else {
        return failed("request failed");
    };
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.payload.clone())
        .send()
        .await;
    // Classes only: an error's text may name the address, the port or the URL's query.
    match sent {
        Ok(r) if r.status().is_success() => Outcome::Delivered(r.status().as_u16()),
        Ok(r) if r.status().is_redirection() => {
            Outcome::Failed(Some(r.status().as_u16()), "redirect not followed".to_owned())
        }
        Ok(r) => Outcome::Failed(
            Some(r.status().as_u16()),
            format!("http status {}", r.status().as_u16()),
        ),
        Err(e) if e.is_timeout() => failed("timeout"),
        Err(e) if e.is_connect() => failed("connect failed"),
        Err(_) => failed("request failed"),
    }
}

/// The wait after `attempts` failed attempts: the base doubled per attempt after the first, capped.
pub fn backoff(settings: &WebhookSettings, attempts: i32) -> Duration {
    let doublings = Ord::min(Ord::max(attempts, 1) - 1, 32) as u32;
    let ms = Ord::min(
        settings.retry_base_ms.saturating_mul(1u64 << doublings),
        settings.retry_max_ms,
    );
    Duration::from_millis(ms)
}

/// Writes an attempt's outcome, if the row is still at the attempt this process claimed.
async fn record(
    db: &DatabaseConnection,
    d: &delivery::Model,
    outcome: Outcome,
    settings: &WebhookSettings,
) -> AppResult<()> {
    let now = Utc::now();
    let update = delivery::Entity::update_many()
        .filter(delivery::Column::Id.eq(d.id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(delivery::Column::Attempts.eq(d.attempts));
    let update = match outcome {
        Outcome::Delivered(code) => update
            .col_expr(delivery::Column::Status, Expr::value(DeliveryStatus::Delivered))
            .col_expr(delivery::Column::DeliveredAt, Expr::value(now))
            .col_expr(delivery::Column::LastStatusCode, Expr::value(code as i32))
            .col_expr(delivery::Column::LastError, Expr::value(Option::<String>::None)),
        Outcome::Failed(code, error) => {
            let error: String = error.chars().take(MAX_ERROR).collect();
            let last = d.attempts >= settings.max_attempts;
            if last {
                tracing::warn!(message_id = %d.message_id, endpoint_id = d.endpoint_id, attempts = d.attempts, error = %error, "webhook delivery failed for good");
            } else {
                tracing::warn!(message_id = %d.message_id, endpoint_id = d.endpoint_id, attempts = d.attempts, error = %error, "webhook delivery failed; will retry");
            }
            let update = update
                .col_expr(delivery::Column::LastStatusCode, Expr::value(code.map(i32::from)))
                .col_expr(delivery::Column::LastError, Expr::value(error));
            if last {
                update.col_expr(delivery::Column::Status, Expr::value(DeliveryStatus::Failed))
            } else {
                update.col_expr(
                    delivery::Column::NextAttemptAt,
                    Expr::value(now + backoff(settings, d.attempts)),
                )
            }
        }
        Outcome::GiveUp(error) => {
            tracing::warn!(message_id = %d.message_id, endpoint_id = d.endpoint_id, error = %error, "webhook delivery given up");
            update
                .col_expr(delivery::Column::Status, Expr::value(DeliveryStatus::Failed))
                .col_expr(
                    delivery::Column::LastError,
                    Expr::value(error.chars().take(MAX_ERROR).collect::<String>()),
                )
        }
    };
    update.exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let s = WebhookSettings {
            retry_base_ms: 100,
            retry_max_ms: 1000,
            ..Default::default()
        };
        let waits: Vec<u64> = (1..=6).map(|n| backoff(&s, n).as_millis() as u64).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff(&s, 1000).as_millis(), 1000);
    }

    #[tokio::test]
    async fn the_client_connects_to_the_checked_address_without_a_lookup() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut chunk = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the request ended early");
                head.extend_from_slice(&chunk[..n]);
            }
            let _ = stream
                .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
            String::from_utf8_lossy(&head).to_string()
        });
        // `.invalid` never resolves (RFC 6761): the request arrives only through the pin.
        let target = Target {
            domain: Some("receiver.invalid".to_owned()),
            addrs: vec![addr],
        };
        let url = format!("http://receiver.invalid:{}/hook", addr.port());
        let answer = client(&target, Duration::from_secs(5))
            .unwrap()
            .post(url)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 204);
        let head = server.await.unwrap().to_ascii_lowercase();
        assert!(head.starts_with("post /hook "), "{head}");
        assert!(
            head.contains(&format!("host: receiver.invalid:{}", addr.port())),
            "{head}"
        );
    }
}

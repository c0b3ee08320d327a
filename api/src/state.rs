//! The application's state: what every transport, handler and the gate share.

use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::config::Limits;
use crate::schema::{AppSchema, Auth};
use crate::telemetry::metrics::Metrics;

/// The application's state, shared by every transport and handler.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    /// The primary database.
    pub db: DatabaseConnection,
    /// The read replica (`DATABASE_REPLICA_URL`), which serves reads when it has replayed
    /// the caller's writes.
    pub replica: Option<Arc<crate::replica::Replica>>,
    pub auth: Auth,
    pub graphiql: bool,
    pub limits: Limits,
    pub request_timeout: Duration,
    /// Set once the database is migrated and seeded.
    pub ready: Arc<AtomicBool>,
    /// The process's metrics.
    pub metrics: Arc<Metrics>,
    /// Token `GET /metrics` accepts on the main address.
    pub metrics_token: Option<String>,
    /// Whether the main address serves `/metrics` (not when it has its own address).
    pub metrics_on_main: bool,
    /// Reference data in memory.
    pub caches: crate::loading::Caches,
    /// Requests in flight, per caller and in all.
    pub admission: Arc<crate::admission::Admission>,
    /// The rate limit's budgets (the schema charges queries; exports charge rows).
    pub limiter: Arc<crate::ratelimit::CostLimiter>,
    /// The record lists `GET /export/<list>.csv` serves.
    pub exports: Arc<crate::export::Catalog>,
    /// How long an export may wait for a page, the client or its budget.
    pub export_idle: Duration,
    /// Subscriptions: the change feed and the live connections.
    pub live: Arc<crate::sockets::Live>,
    /// Live subscriptions in all and per caller: each holds a ticket for as long as it runs.
    pub live_admission: Arc<crate::admission::Admission>,
    /// Automatic persisted queries or the allow-list (`persisted.rs`).
    pub persisted: Arc<crate::persisted::Persisted>,
    /// `max-age` of a GET answer that caches may share (anonymous, published, no errors);
    /// 0: every GET answer is `private, no-store`.
    pub public_max_age: u64,
}

//! Prometheus metrics of one server process, served at `GET /metrics` in the text format:
//! requests by operation and outcome, their latency, errors by code, rate-limit refusals,
//! SQL statements per request, statement latency and slow statements, the database pool, and
//! which pool (primary or read replica) served each request.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Distinct operation names kept as label values; later names count as `other`, so a client
/// cannot grow the metrics without bound.
const MAX_OPERATION_LABELS: usize = 200;

/// The metrics of the process (one per server; tests run several side by side).
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    errors: IntCounterVec,
    rate_limited: IntCounterVec,
    pools: IntCounterVec,
    in_flight: IntGauge,
    statements_per_request: Histogram,
    statement_duration: Histogram,
    slow_statements: IntCounter,
    pool_size: IntGauge,
    pool_idle: IntGauge,
    pool_in_use: IntGauge,
    pool_waiting: IntGauge,
    pool_max: IntGauge,
    operations: Mutex<HashSet<String>>,
    /// Statements longer than this are counted and logged as slow.
    pub slow_statement: Duration,
}

/// Calls into the database pool in progress (acquiring a connection or running a statement),
/// counted by `SqlCallLayer`; process-wide, as the pool's own waiters are not exposed.
pub static POOL_CALLS_IN_PROGRESS: AtomicI64 = AtomicI64::new(0);

fn register<C: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    c: C,
) -> prometheus::Result<C> {
    registry.register(Box::new(c.clone()))?;
    Ok(c)
}

impl Metrics {
    /// The metrics, registered; fails only if two of them share a name.
    pub fn new(slow_statement: Duration) -> prometheus::Result<Self> {
        let registry = Registry::new();
        let latency = vec![
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        let requests = register(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "graphql_requests_total",
                    "GraphQL requests by operation name and outcome (ok, error, request_error, rejected).",
                ),
                &["operation", "outcome"],
            )?,
        )?;
        let duration = register(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "graphql_request_duration_seconds",
                    "Time from receiving a GraphQL request to its response, by operation name.",
                )
                .buckets(latency.clone()),
                &["operation"],
            )?,
        )?;
        let errors = register(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "graphql_errors_total",
                    "Errors returned to clients, by extensions.code.",
                ),
                &["code"],
            )?,
        )?;
        let rate_limited = register(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "rate_limit_refusals_total",
                    "Requests refused by a rate limit (cost: expensive queries; login: failed sign-ins).",
                ),
                &["limit"],
            )?,
        )?;
        let pools = register(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "graphql_requests_by_pool_total",
                    "GraphQL requests and exports by the database pool they ran on (primary, replica).",
                ),
                &["pool"],
            )?,
        )?;
        let in_flight = register(
            &registry,
            IntGauge::new(
                "graphql_requests_in_flight",
                "GraphQL requests being executed now.",
            )?,
        )?;
        let statements_per_request = register(
            &registry,
            Histogram::with_opts(
                HistogramOpts::new(
                    "graphql_request_sql_statements",
                    "SQL statements one GraphQL request ran (authentication and audit included).",
                )
                .buckets(vec![0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0, 50.0, 100.0]),
            )?,
        )?;
        let statement_duration = register(
            &registry,
            Histogram::with_opts(
                HistogramOpts::new(
                    "sql_statement_duration_seconds",
                    "Execution time of SQL statements.",
                )
                .buckets(latency),
            )?,
        )?;
        let slow_statements = register(
            &registry,
            IntCounter::new(
                "sql_slow_statements_total",
                "SQL statements that took at least SLOW_STATEMENT_MS (each is logged at warn).",
            )?,
        )?;
        let gauge = |name: &str, help: &str| register(&registry, IntGauge::new(name, help)?);
        Ok(Metrics {
            pool_size: gauge(
                "db_pool_connections",
                "Connections the database pool holds (idle and in use).",
            )?,
            pool_idle: gauge(
                "db_pool_connections_idle",
                "Idle connections in the database pool.",
            )?,
            pool_in_use: gauge(
                "db_pool_connections_in_use",
                "Connections checked out of the pool.",
            )?,
            pool_waiting: gauge(
                "db_pool_waiting",
                "Database calls waiting for a connection: calls in progress beyond the connections in use \
                 (an estimate; a transaction holding a connection between statements hides a waiter).",
            )?,
            pool_max: gauge(
                "db_pool_connections_max",
                "The pool's maximum size (DB_MAX_CONNECTIONS).",
            )?,
            registry,
            requests,
            duration,
            errors,
            rate_limited,
            pools,
            in_flight,
            statements_per_request,
            statement_duration,
            slow_statements,
            operations: Mutex::new(HashSet::new()),
            slow_statement,
        })
    }

    /// The label value for a client-chosen operation name: the name when it is a plain
    /// GraphQL name among the first few hundred seen, `anonymous` without one, else `other`.
    pub fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return "anonymous".to_owned();
        };
        let plain = name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !plain {
            return "other".to_owned();
        }
        let mut seen = self.operations.lock().unwrap_or_else(|p| p.into_inner());
        if seen.contains(name) || (seen.len() < MAX_OPERATION_LABELS && seen.insert(name.to_owned())) {
            name.to_owned()
        } else {
            "other".to_owned()
        }
    }

    /// One request done: its operation label, outcome, error codes and statement count.
    pub fn record_request(
        &self,
        operation: &str,
        outcome: &str,
        elapsed: Duration,
        codes: &[String],
        statements: u64,
    ) {
        self.requests.with_label_values(&[operation, outcome]).inc();
        self.duration
            .with_label_values(&[operation])
            .observe(elapsed.as_secs_f64());
        for code in codes {
            self.errors.with_label_values(&[code.as_str()]).inc();
        }
        self.statements_per_request.observe(statements as f64);
    }

    /// A request refused by a rate limit (`cost` or `login`).
    pub fn rate_limited(&self, limit: &str) {
        self.rate_limited.with_label_values(&[limit]).inc();
    }

    /// A request ran on this database pool (`primary` or `replica`).
    pub fn served_by(&self, pool: &str) {
        self.pools.with_label_values(&[pool]).inc();
    }

    /// A request entered (+1) or left (-1) execution.
    pub fn in_flight(&self, delta: i64) {
        self.in_flight.add(delta);
    }

    /// One SQL statement ran; true when it was slow.
    pub fn statement(&self, elapsed: Duration) -> bool {
        self.statement_duration.observe(elapsed.as_secs_f64());
        let slow = elapsed >= self.slow_statement;
        if slow {
            self.slow_statements.inc();
        }
        slow
    }

    /// The text exposition, with the pool's current state.
    pub fn render(&self, pool: PoolState) -> String {
        self.pool_size.set(i64::from(pool.size));
        self.pool_idle.set(pool.idle as i64);
        let in_use = i64::from(pool.size) - pool.idle as i64;
        self.pool_in_use.set(in_use);
        self.pool_max.set(i64::from(pool.max));
        let calls = POOL_CALLS_IN_PROGRESS.load(Ordering::Relaxed);
        self.pool_waiting.set((calls - in_use).max(0));
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %e, "encoding metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// The database pool's state when metrics are read.
#[derive(Debug, Clone, Copy)]
pub struct PoolState {
    pub size: u32,
    pub idle: usize,
    pub max: u32,
}

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

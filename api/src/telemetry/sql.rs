//! What SQL a request runs: every statement is counted against the request that ran it (a
//! task-local set around the request and carried into the DataLoaders' spawned batches),
//! timed into the metrics, logged when slow, and recorded as an event on the current span so
//! that traces show the SQL under the resolver that caused it.

use sea_orm::DatabaseConnection;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tracing::span;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

use super::metrics::{Metrics, POOL_CALLS_IN_PROGRESS};

/// What one request has run so far.
#[derive(Debug, Default)]
pub struct RequestStats {
    statements: AtomicU64,
}

impl RequestStats {
    /// SQL statements run so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Runs `fut` with its statements counted against this request.
    pub fn scope<F: Future>(self: &Arc<Self>, fut: F) -> impl Future<Output = F::Output> + use<F> {
        REQUEST.scope(self.clone(), fut)
    }
}

tokio::task_local! {
    static REQUEST: Arc<RequestStats>;
}

/// A hook that sees every statement too (the tests' statement log).
pub type StatementHook = Arc<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync>;

/// Observes every statement run through `db` (and its clones made afterwards).
pub fn observe(db: &mut DatabaseConnection, metrics: Arc<Metrics>, also: Option<StatementHook>) {
    db.set_metric_callback(move |info| {
        let _ = REQUEST.try_with(|r| r.statements.fetch_add(1, Ordering::Relaxed));
        let elapsed_ms = info.elapsed.as_secs_f64() * 1000.0;
        if metrics.statement(info.elapsed) {
            tracing::warn!(
                target: "sql",
                elapsed_ms,
                failed = info.failed,
                statement = %shorten(&info.statement.sql),
                "slow SQL statement"
            );
        }
        tracing::debug!(
            target: "sql",
            elapsed_ms,
            failed = info.failed,
            statement = %shorten(&info.statement.sql),
            "SQL statement"
        );
        if let Some(hook) = &also {
            hook(info);
        }
    });
}

/// SQL text for a log line: parameters are placeholders, so no values (and no personal data)
/// appear; very long statements are cut.
fn shorten(sql: &str) -> &str {
    match sql.char_indices().nth(2000) {
        Some((i, _)) => &sql[..i],
        None => sql,
    }
}

/// Counts sea-orm's pool calls in progress (its driver spans: acquiring a connection and
/// running a statement), for the `db_pool_waiting` estimate.
pub struct SqlCallLayer;

const POOL_CALLS: [&str; 5] = ["execute", "execute_unprepared", "query_one", "query_all", "begin"];

fn is_pool_call(meta: &tracing::Metadata<'_>) -> bool {
    meta.target().starts_with("sea_orm::driver::sqlx") && POOL_CALLS.contains(&meta.name())
}

impl<S> Layer<S> for SqlCallLayer
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, _id: &span::Id, _ctx: Context<'_, S>) {
        if is_pool_call(attrs.metadata()) {
            POOL_CALLS_IN_PROGRESS.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        if ctx.metadata(&id).is_some_and(is_pool_call) {
            POOL_CALLS_IN_PROGRESS.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

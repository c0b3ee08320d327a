//! The live change feed: what subscriptions listen to. Each process polls the change log
//! (the outbox every write appends in its own transaction, `write.rs`) every `FEED_POLL_MS`
//! and broadcasts the new rows to its subscribers, so a write made by any process, on any
//! database, reaches subscribers on every process. Rows are read up to the change counter
//! (the visibility watermark, see `sync/service.rs`), so a transaction committing late is
//! delivered late, never skipped.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Rows a poll reads at most; the next poll goes on after them.
const BATCH: u64 = 1000;

/// One change, as subscribers filter it.
#[derive(Debug, Clone)]
pub struct Change {
    pub record_type: String,
    pub record_id: i64,
    pub region_code: Option<String>,
    /// `create`, `update`, `delete` or `exit`.
    pub operation: String,
}

/// The process's feed: subscribe to get every change committed from now on.
pub struct Feed {
    tx: broadcast::Sender<Arc<Change>>,
}

impl Feed {
    /// Changes from now on. A subscriber that falls more than the channel's capacity behind
    /// loses the oldest (and is told so by `RecvError::Lagged`).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.tx.subscribe()
    }
}

/// Starts the process's feed: a task polling the change log every `every`.
pub fn start(db: DatabaseConnection, every: Duration) -> (Arc<Feed>, tokio::task::JoinHandle<()>) {
    let (tx, _) = broadcast::channel(4096);
    let feed = Arc::new(Feed { tx: tx.clone() });
    let task = tokio::spawn(async move {
        let mut seen: Option<i64> = None;
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match poll(&db, &tx, seen).await {
                Ok(next) => seen = Some(next),
                // The database is away (or not migrated yet): try again at the next tick.
                Err(e) => tracing::debug!(error = %e, "change feed unreadable"),
            }
        }
    });
    (feed, task)
}

/// Sends the rows after `seen` up to the watermark; returns where the next poll starts.
async fn poll(
    db: &DatabaseConnection,
    tx: &broadcast::Sender<Arc<Change>>,
    seen: Option<i64>,
) -> Result<i64, sea_orm::DbErr> {
    use entity::change_log;
    let watermark = crate::cache::data_version(db)
        .await
        .map_err(|e| sea_orm::DbErr::Custom(e.message()))?;
    let Some(from) = seen else {
        // Subscribers hear of changes made after the feed started.
        return Ok(watermark);
    };
    if watermark <= from || tx.receiver_count() == 0 {
        return Ok(watermark.max(from));
    }
    let rows = change_log::Entity::find()
        .filter(change_log::Column::Seq.gt(from))
        .filter(change_log::Column::Seq.lte(watermark))
        .order_by_asc(change_log::Column::Seq)
        .limit(BATCH)
        .all(db)
        .await?;
    let next = if rows.len() as u64 == BATCH {
        rows.last().map_or(watermark, |r| r.seq)
    } else {
        watermark
    };
    for r in rows {
        // No subscriber left is not an error: the next poll starts after these rows.
        let _ = tx.send(Arc::new(Change {
            record_type: r.record_type,
            record_id: r.record_id,
            region_code: r.region_code,
            operation: r.operation,
        }));
    }
    Ok(next)
}

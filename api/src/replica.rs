//! Read replicas (`DATABASE_REPLICA_URL`): a streaming replica of the PostgreSQL primary serves
//! the read-only requests (queries over POST and GET, exports); mutations, and every read of a
//! request that holds one, run on the primary.
//!
//! Read-your-writes: a caller never reads older data from the replica than it has written.
//! After a request of a signed-in caller writes, the primary's WAL position is read and kept
//! under the token's subject; a later read by that subject runs on the replica only once the
//! replica has replayed that position (`pg_last_wal_replay_lsn()`), else on the primary.
//! Anonymous callers write nothing and always read from the replica. The replay position is
//! asked for only when a read needs a newer one than the last answer, at most once every
//! `RECHECK`: an earlier answer is a lower bound of where the replica is now, so every
//! shortcut errs towards the primary.
//!
//! The positions live in this process's memory: with several processes, the guarantee holds
//! for the requests of one subject that reach the same process (route by token subject, or
//! accept it per process). A subject's position is forgotten once the replica has replayed
//! it; when `MAX_SUBJECTS` subjects are waiting, their positions fold into one floor that
//! every read waits for, so the map stays bounded and no caller loses the guarantee.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::AppResult;

/// The longest a replay position is trusted before a read that needs a newer one asks again.
pub const RECHECK: Duration = Duration::from_millis(5);

/// Subjects whose writes the replica has not replayed yet, kept one by one; past this many
/// they share one floor.
pub const MAX_SUBJECTS: usize = 10_000;

/// How long a subject whose write position could not be read reads from the primary.
pub const UNKNOWN_FOR: Duration = Duration::from_secs(60);

/// The primary's WAL position that covers every transaction committed so far: where WAL is
/// written, since a commit returns only once its WAL is written and flushed; with
/// `synchronous_commit = off` a commit returns earlier, so where WAL is inserted.
const WAL_POSITION: &str = "SELECT (CASE WHEN current_setting('synchronous_commit') = 'off' \
     THEN pg_current_wal_insert_lsn() ELSE pg_current_wal_lsn() END)::text";

/// How far the replica has replayed (null when the server is not in recovery).
const REPLAY_POSITION: &str = "SELECT pg_last_wal_replay_lsn()::text";

/// The database pool a request ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    Primary,
    Replica,
}

impl Pool {
    /// The label of the pool in metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Pool::Primary => "primary",
            Pool::Replica => "replica",
        }
    }
}

/// A position in the write-ahead log (`pg_lsn`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lsn(u64);

impl Lsn {
    /// PostgreSQL's text form, `16/B374D848`.
    pub fn parse(text: &str) -> Option<Lsn> {
        let (high, low) = text.trim().split_once('/')?;
        let high = u32::from_str_radix(high, 16).ok()?;
        let low = u32::from_str_radix(low, 16).ok()?;
        Some(Lsn((u64::from(high) << 32) | u64::from(low)))
    }
}

/// A subject's last write.
#[derive(Debug, Clone, Copy)]
enum Written {
    /// The primary's WAL position read after it.
    At(Lsn),
    /// The position could not be read: the subject reads from the primary for `UNKNOWN_FOR`.
    Unknown(Instant),
}

/// What a read has to wait for.
#[derive(Debug, PartialEq, Eq)]
enum Need {
    /// Nothing: the replica serves it.
    Nothing,
    /// The replica must have replayed this position.
    Replayed(Lsn),
    /// The primary serves it, whatever the replica.
    Primary,
}

/// The bookkeeping of writes and of the replica's progress, without the database.
#[derive(Debug, Default)]
struct Ledger {
    written: HashMap<String, Written>,
    /// Every read waits for this position: what the primary held at start (migrations, the
    /// seed), and the writes of subjects folded together when the map was full.
    floor: Lsn,
    /// Every read runs on the primary until then (the map was full of unknown positions).
    primary_until: Option<Instant>,
    /// The replica's replay position last read (a lower bound of its position now), and when
    /// it was last asked for.
    replayed: Option<(Lsn, Instant)>,
}

impl Ledger {
    fn replayed_lsn(&self) -> Lsn {
        self.replayed.map(|(lsn, _)| lsn).unwrap_or_default()
    }

    /// What a read by `subject` (None: anonymous) waits for, by what is known now.
    fn need(&mut self, subject: Option<&str>, now: Instant) -> Need {
        if self.primary_until.is_some_and(|until| now < until) {
            return Need::Primary;
        }
        let replayed = self.replayed_lsn();
        let mut target = self.floor;
        if let Some(subject) = subject {
            match self.written.get(subject).copied() {
                Some(Written::Unknown(at)) if now.duration_since(at) < UNKNOWN_FOR => return Need::Primary,
                Some(Written::At(lsn)) if lsn > replayed => target = target.max(lsn),
                // Replayed already, or unknown for long enough: forgotten.
                Some(_) => {
                    self.written.remove(subject);
                }
                None => {}
            }
        }
        if target <= replayed {
            Need::Nothing
        } else {
            Need::Replayed(target)
        }
    }

    /// Whether the replay position is old enough to ask for again.
    fn stale(&self, now: Instant) -> bool {
        self.replayed
            .is_none_or(|(_, at)| now.duration_since(at) >= RECHECK)
    }

    /// The replica's replay position was asked for: `lsn` when it answered.
    fn asked(&mut self, lsn: Option<Lsn>, now: Instant) {
        let lsn = lsn.unwrap_or_else(|| self.replayed_lsn());
        self.replayed = Some((lsn, now));
    }

    /// `subject` wrote.
    fn wrote(&mut self, subject: &str, written: Written, now: Instant) {
        let full = |l: &Self| l.written.len() >= MAX_SUBJECTS && !l.written.contains_key(subject);
        if full(self) {
            let replayed = self.replayed_lsn();
            self.written.retain(|_, w| match w {
                Written::At(lsn) => *lsn > replayed,
                Written::Unknown(at) => now.duration_since(*at) < UNKNOWN_FOR,
            });
        }
        if full(self) {
            // One floor covers every waiting subject: reads go to the primary until the
            // replica passes the newest of their writes.
            let mut unknown = false;
            for w in self.written.values().chain(std::iter::once(&written)) {
                match w {
                    Written::At(lsn) => self.floor = self.floor.max(*lsn),
                    Written::Unknown(_) => unknown = true,
                }
            }
            if unknown {
                self.primary_until = Some(now + UNKNOWN_FOR);
            }
            self.written.clear();
            return;
        }
        let entry = self.written.entry(subject.to_owned()).or_insert(written);
        *entry = match (*entry, written) {
            (Written::At(a), Written::At(b)) => Written::At(a.max(b)),
            // A write whose position is unknown may be newer than a position read since.
            (Written::Unknown(at), Written::At(_)) if now.duration_since(at) < UNKNOWN_FOR => {
                Written::Unknown(at)
            }
            (_, newer) => newer,
        };
    }
}

/// The replica, and what this process knows of the writes it must have replayed.
pub struct Replica {
    db: DatabaseConnection,
    ledger: Mutex<Ledger>,
    /// One question for the replay position at a time; reads that would wait for it use the
    /// primary instead.
    asking: tokio::sync::Mutex<()>,
}

impl Replica {
    pub fn new(db: DatabaseConnection) -> Self {
        Replica {
            db,
            ledger: Mutex::new(Ledger::default()),
            asking: tokio::sync::Mutex::new(()),
        }
    }

    /// The replica's pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a read by `subject` (None: anonymous) may run on the replica: it has replayed
    /// the subject's writes and the floor. Asks the replica only when the last answer is short
    /// and older than `RECHECK`; a failed question sends the read to the primary.
    pub async fn serves(&self, subject: Option<&str>) -> bool {
        let now = Instant::now();
        let need = self.ledger().need(subject, now);
        let target = match need {
            Need::Nothing => return true,
            Need::Primary => return false,
            Need::Replayed(target) => target,
        };
        if !self.ledger().stale(now) {
            return false;
        }
        let Ok(_asking) = self.asking.try_lock() else {
            return false;
        };
        let replayed = match position(&self.db, REPLAY_POSITION).await {
            Ok(Some(lsn)) => Some(lsn),
            Ok(None) => {
                tracing::warn!(
                    "DATABASE_REPLICA_URL is not in recovery (not a replica); reading from the primary"
                );
                None
            }
            Err(e) => {
                tracing::warn!(error = %e.message(), "the replica's replay position is unreadable; reading from the primary");
                None
            }
        };
        self.ledger().asked(replayed, Instant::now());
        replayed.is_some_and(|lsn| lsn >= target)
    }

    /// Notes that `subject` wrote on `primary`: its reads wait for the primary's WAL position
    /// now. When the position cannot be read, the subject reads from the primary for a while.
    pub async fn wrote(&self, primary: &DatabaseConnection, subject: &str) {
        let written = match position(primary, WAL_POSITION).await {
            Ok(Some(lsn)) => Written::At(lsn),
            Ok(None) => Written::Unknown(Instant::now()),
            Err(e) => {
                tracing::warn!(error = %e.message(), "the primary's WAL position is unreadable after a write");
                Written::Unknown(Instant::now())
            }
        };
        self.ledger().wrote(subject, written, Instant::now());
    }

    /// Makes every read wait until the replica has replayed what `primary` holds now (after
    /// migrating and seeding at start).
    pub async fn wait_for_primary(&self, primary: &DatabaseConnection) -> AppResult<()> {
        let Some(lsn) = position(primary, WAL_POSITION).await? else {
            return Ok(());
        };
        let mut ledger = self.ledger();
        ledger.floor = ledger.floor.max(lsn);
        Ok(())
    }
}

/// A WAL position read with `sql` (one `pg_lsn` as text, or null).
async fn position(db: &DatabaseConnection, sql: &str) -> AppResult<Option<Lsn>> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    let text = match row {
        Some(row) => row.try_get_by_index::<Option<String>>(0)?,
        None => None,
    };
    Ok(text.as_deref().and_then(Lsn::parse))
}

tokio::task_local! {
    static READ: Arc<ReadScope>;
}

/// A request served by the replica. A write it begins (`store::begin_write`: the audit of a
/// check) runs on the primary, since a replica is read-only, and is noted so that the
/// caller's later reads see it.
pub struct ReadScope {
    primary: DatabaseConnection,
    wrote: AtomicBool,
}

impl ReadScope {
    pub fn new(primary: DatabaseConnection) -> Arc<Self> {
        Arc::new(ReadScope {
            primary,
            wrote: AtomicBool::new(false),
        })
    }

    /// Runs `fut` (the request's execution) in this scope.
    pub fn scope<F: Future>(self: &Arc<Self>, fut: F) -> impl Future<Output = F::Output> + use<F> {
        READ.scope(self.clone(), fut)
    }

    /// Whether the request began a write.
    pub fn wrote(&self) -> bool {
        self.wrote.load(Ordering::Relaxed)
    }
}

/// The primary, when the running request reads from the replica: where its writes go.
pub fn primary_for_write() -> Option<DatabaseConnection> {
    READ.try_with(|r| {
        r.wrote.store(true, Ordering::Relaxed);
        r.primary.clone()
    })
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lsn(text: &str) -> Lsn {
        Lsn::parse(text).expect("an LSN")
    }

    #[test]
    fn lsns_parse_and_order() {
        assert_eq!(lsn("0/0"), Lsn(0));
        assert_eq!(lsn("16/B374D848"), Lsn(0x16_B374_D848));
        assert!(lsn("1/0") > lsn("0/FFFFFFFF"));
        assert_eq!(Lsn::parse("nonsense"), None);
        assert_eq!(Lsn::parse("1/G"), None);
    }

    #[test]
    fn a_subject_waits_for_its_own_writes_only() {
        let now = Instant::now();
        let mut l = Ledger::default();
        assert_eq!(l.need(None, now), Need::Nothing);
        assert_eq!(l.need(Some("a"), now), Need::Nothing);
        l.wrote("a", Written::At(lsn("0/200")), now);
        assert_eq!(l.need(Some("a"), now), Need::Replayed(lsn("0/200")));
        assert_eq!(l.need(Some("b"), now), Need::Nothing);
        assert_eq!(l.need(None, now), Need::Nothing);
        // An older position read later does not lower it.
        l.wrote("a", Written::At(lsn("0/100")), now);
        assert_eq!(l.need(Some("a"), now), Need::Replayed(lsn("0/200")));
        l.asked(Some(lsn("0/1FF")), now);
        assert_eq!(l.need(Some("a"), now), Need::Replayed(lsn("0/200")));
        l.asked(Some(lsn("0/200")), now);
        assert_eq!(l.need(Some("a"), now), Need::Nothing);
        assert!(l.written.is_empty(), "forgotten once replayed");
        // A failed question keeps the last answer.
        l.asked(None, now);
        assert_eq!(l.replayed_lsn(), lsn("0/200"));
    }

    #[test]
    fn an_unknown_position_reads_from_the_primary_for_a_while() {
        let now = Instant::now();
        let mut l = Ledger::default();
        l.wrote("a", Written::Unknown(now), now);
        l.wrote("a", Written::At(lsn("0/10")), now);
        assert_eq!(l.need(Some("a"), now), Need::Primary);
        assert_eq!(l.need(Some("b"), now), Need::Nothing);
        assert_eq!(l.need(Some("a"), now + UNKNOWN_FOR), Need::Nothing);
    }

    #[test]
    fn the_floor_holds_every_read_back() {
        let now = Instant::now();
        let mut l = Ledger {
            floor: lsn("0/50"),
            ..Ledger::default()
        };
        assert_eq!(l.need(None, now), Need::Replayed(lsn("0/50")));
        l.asked(Some(lsn("0/50")), now);
        assert_eq!(l.need(None, now), Need::Nothing);
        assert!(!l.stale(now));
        assert!(l.stale(now + RECHECK));
    }

    #[test]
    fn a_full_map_folds_into_the_floor() {
        let now = Instant::now();
        let mut l = Ledger::default();
        for i in 0..MAX_SUBJECTS {
            l.wrote(&format!("s{i}"), Written::At(Lsn(100 + i as u64)), now);
        }
        assert_eq!(l.written.len(), MAX_SUBJECTS);
        l.wrote("late", Written::At(Lsn(5)), now);
        assert!(l.written.is_empty());
        let newest = Lsn(100 + MAX_SUBJECTS as u64 - 1);
        assert_eq!(l.floor, newest);
        assert_eq!(l.need(Some("s0"), now), Need::Replayed(newest));
        assert_eq!(l.need(None, now), Need::Replayed(newest));
        // Positions the replica has replayed make room first.
        let mut l = Ledger::default();
        for i in 0..MAX_SUBJECTS {
            l.wrote(&format!("s{i}"), Written::At(Lsn(1)), now);
        }
        l.asked(Some(Lsn(1)), now);
        l.wrote("late", Written::At(Lsn(7)), now);
        assert_eq!(l.written.len(), 1);
        assert_eq!(l.floor, Lsn(0));
    }
}

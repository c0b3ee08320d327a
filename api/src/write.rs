//! The write path of every domain: who writes (actor, reach, idempotency key, the one
//! timestamp of the write), version checks, record ids, and what each write leaves behind
//! in its own transaction: an audit entry and a change-log row.
//!
//! The rules a service follows, so that every domain writes alike:
//! - a create takes the client's UUID (`uuid`) or makes one (`record_uuid`); a UUID
//!   already taken is a CONFLICT;
//! - a create goes through `Who::create`, which owns its transaction: the replay of an
//!   earlier request with the same idempotency key (returned without validating again),
//!   remembering the new record under the key, `Who::created` and the commit; the domain
//!   gives it only its validation (`uuid_free` included) and its insert. A write that
//!   creates or updates in one (recording a year's income, tracking a recommendation, an
//!   observation, selling a plot) or that logs a record it implies after the created one
//!   (filing a case and its FILED flow node) calls `replayed`/`remember`/`created` itself;
//! - an update checks `expectedVersion` (`check_version`, and `stale` when a concurrent
//!   write won between read and update), bumps the version and sets `updated_at` to
//!   `Who::at`;
//! - every create, update and delete ends with `Who::created` / `updated` / `deleted`,
//!   which audit it and append it to the change log (a delete's row is its tombstone);
//!   they come last before the commit, because the change log's sequence is taken there
//!   and held until the transaction ends, so sequence numbers grow in commit order;
//! - each change-log row also puts the change in the webhook outbox for the endpoints that
//!   want it (`webhooks::outbox`), in the same transaction.

use async_graphql::Context;
use chrono::{DateTime, Utc};
use entity::change_log;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PrimaryKeyTrait,
    Set, Statement,
};
use sha2::{Digest, Sha256};

use crate::access::{Action, Actor, Policy, Scope, viewer};
use crate::audit::service::{self as audit, Entry};
use crate::error::{AppError, AppResult};
use crate::idempotency;
use crate::record::{Tracked, Versioned};

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// Who changes something: the actor for the audit log, their reach, the idempotency key
/// of a create, and the time every row of the write carries.
pub struct Who<'a> {
    pub actor: &'a Actor,
    pub scope: &'a Scope,
    /// Idempotency key of a create mutation, if the client sent one.
    pub idempotency_key: Option<&'a str>,
    /// When the write happens: `created_at`/`updated_at` of what it writes.
    pub at: DateTime<Utc>,
}

impl<'a> Who<'a> {
    pub fn new(actor: &'a Actor, scope: &'a Scope, idempotency_key: Option<&'a str>) -> Self {
        Who {
            actor,
            scope,
            idempotency_key,
            at: Utc::now(),
        }
    }

    /// The record an earlier request with this idempotency key created, if any.
    pub async fn replayed<E>(
        &self,
        db: &impl ConnectionTrait,
        operation: &str,
        fingerprint: &str,
    ) -> AppResult<Option<E::Model>>
    where
        E: EntityTrait,
        i64: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    {
        idempotency::replayed::<E>(db, self.actor, self.idempotency_key, operation, fingerprint).await
    }

    /// Remembers what this request created under its idempotency key.
    pub async fn remember(
        &self,
        db: &impl ConnectionTrait,
        operation: &str,
        fingerprint: &str,
        id: i64,
    ) -> AppResult<()> {
        idempotency::remember(db, self.actor, self.idempotency_key, operation, fingerprint, id).await
    }

    /// Audits and logs a created record.
    pub async fn created<T: Tracked>(
        &self,
        db: &impl ConnectionTrait,
        operation: &str,
        record: &T,
        region_code: &str,
    ) -> AppResult<()> {
        self.changed(db, operation, None, Some(record), region_code).await
    }

    /// Audits and logs a changed record.
    pub async fn updated<T: Tracked>(
        &self,
        db: &impl ConnectionTrait,
        operation: &str,
        before: &T,
        after: &T,
        region_code: &str,
    ) -> AppResult<()> {
        self.changed(db, operation, Some(before), Some(after), region_code)
            .await
    }

    /// Audits and logs a deleted record; its change-log row is the tombstone.
    pub async fn deleted<T: Tracked>(
        &self,
        db: &impl ConnectionTrait,
        operation: &str,
        before: &T,
        region_code: &str,
    ) -> AppResult<()> {
        self.changed(db, operation, Some(before), None, region_code).await
    }

    /// Creates a record, in one transaction of its own: a request whose idempotency key
    /// already created one gets that record back (`replayed`, nothing validated again);
    /// otherwise `insert` — the domain's validation and insert, returning the new record and
    /// its region — runs in the transaction, and the record is remembered under the key and
    /// audited and logged (`created`) last before the commit. An error leaves nothing behind.
    pub async fn create<E>(
        &self,
        db: &DatabaseConnection,
        operation: &str,
        fingerprint: &str,
        insert: impl AsyncFnOnce(&DatabaseTransaction) -> AppResult<(E::Model, String)>,
    ) -> AppResult<E::Model>
    where
        E: EntityTrait,
        E::Model: Tracked,
        i64: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    {
        let txn = crate::store::begin_write(db).await?;
        if let Some(existing) = self.replayed::<E>(&txn, operation, fingerprint).await? {
            txn.commit().await?;
            return Ok(existing);
        }
        let (model, region_code) = insert(&txn).await?;
        self.remember(&txn, operation, fingerprint, model.id()).await?;
        self.created(&txn, operation, &model, &region_code).await?;
        txn.commit().await?;
        Ok(model)
    }

    /// Deletes `record` if it is still at `expected_version` (CONFLICT when the caller read an
    /// older version or a concurrent write won), then audits and logs the deletion: the
    /// change-log row is the record's tombstone. `what` names the record in messages.
    pub async fn delete<E>(
        &self,
        db: &impl ConnectionTrait,
        operation: &str,
        what: &str,
        record: &E::Model,
        region_code: &str,
        expected_version: i32,
    ) -> AppResult<()>
    where
        E: EntityTrait,
        E::Model: Versioned,
        E::Column: std::str::FromStr,
        i64: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    {
        use sea_orm::{ColumnTrait, QueryFilter};
        check_version(what, record, expected_version)?;
        let column = |name: &str| {
            name.parse::<E::Column>().map_err(|_| {
                AppError::Internal(anyhow::anyhow!(
                    "{} has no column {name}",
                    <E::Model as Tracked>::ENTITY
                ))
            })
        };
        let deleted = E::delete_many()
            .filter(column("id")?.eq(record.id()))
            .filter(column("version")?.eq(expected_version))
            .exec(db)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(lost_race::<E>(db, what, record.id()).await);
        }
        self.deleted(db, operation, record, region_code).await
    }

    /// Writes the changes in `active` to `current` if it is still at the version read: bumps
    /// the version, sets `updated_at` to `Who::at`, and is a CONFLICT when a concurrent write
    /// won since `current` was read (`check_version` against the caller's version comes first).
    pub async fn update<E>(
        &self,
        db: &impl ConnectionTrait,
        mut active: E::ActiveModel,
        current: &E::Model,
        what: &str,
    ) -> AppResult<E::Model>
    where
        E: EntityTrait,
        E::Model: Versioned + sea_orm::IntoActiveModel<E::ActiveModel>,
        E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
        E::Column: std::str::FromStr,
        i64: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    {
        use sea_orm::{ColumnTrait, QueryFilter};
        let column = |name: &str| {
            name.parse::<E::Column>().map_err(|_| {
                AppError::Internal(anyhow::anyhow!(
                    "{} has no column {name}",
                    <E::Model as Tracked>::ENTITY
                ))
            })
        };
        active.set(column("version")?, (current.version() + 1).into());
        active.set(column("updated_at")?, self.at.into());
        match E::update(active)
            .validate()?
            .filter(column("version")?.eq(current.version()))
            .exec(db)
            .await
        {
            Ok(updated) => Ok(updated),
            Err(sea_orm::DbErr::RecordNotUpdated) => Err(lost_race::<E>(db, what, current.id()).await),
            Err(e) => Err(e.into()),
        }
    }

    /// Logs a record the write implies without auditing it separately (a flow node a
    /// closure adds): its audit entry is the one of the change that implied it. Every
    /// change-log row goes to the webhook outbox too.
    pub async fn logged<T: Tracked>(
        &self,
        db: &impl ConnectionTrait,
        op: Operation,
        record: &T,
        region_code: &str,
    ) -> AppResult<()> {
        self.log_many(db, &[(op.as_str(), record, region_code.to_owned())])
            .await
    }

    /// Appends change-log rows (operation: create, update, delete or exit; record; region),
    /// numbered in this order, and puts them in the webhook outbox for the endpoints that
    /// want them, from rows committed (or rolled back) with the change itself: one
    /// reservation of sequence numbers, one insert, the outbox's one read (and its inserts
    /// when an endpoint matches), however many rows.
    async fn log_many<T: Tracked>(
        &self,
        db: &impl ConnectionTrait,
        rows: &[(&str, &T, String)],
    ) -> AppResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let last = reserve_seqs(db, rows.len() as i64).await?;
        let first = last - rows.len() as i64 + 1;
        let actor: String = self.actor.subject.chars().take(128).collect();
        let models = rows
            .iter()
            .enumerate()
            .map(|(i, (op, record, region))| change_log::ActiveModel {
                seq: Set(first + i as i64),
                record_type: Set(T::TYPE.to_owned()),
                record_id: Set(record.id()),
                uuid: Set(record.uuid().to_owned()),
                region_code: Set(Some(region.clone())),
                operation: Set((*op).to_owned()),
                actor: Set(actor.clone()),
                changed_at: Set(self.at),
            });
        change_log::Entity::insert_many(models)
            .exec_without_returning(db)
            .await?;
        let events: Vec<_> = rows
            .iter()
            .map(|(op, record, region)| {
                (
                    crate::webhooks::outbox::Event {
                        record_type: T::TYPE,
                        operation: op,
                        record_id: record.id(),
                        record_uuid: record.uuid(),
                        region_code: region,
                        at: self.at,
                    },
                    *record,
                )
            })
            .collect();
        crate::webhooks::outbox::enqueue_many(db, &events).await
    }

    async fn changed<T: Tracked>(
        &self,
        db: &impl ConnectionTrait,
        operation: &str,
        before: Option<&T>,
        after: Option<&T>,
        region_code: &str,
    ) -> AppResult<()> {
        self.changed_many(
            db,
            operation,
            &[Change {
                before,
                after,
                region_code,
            }],
        )
        .await
    }
}

/// One record a write created (`before` is `None`), changed or deleted (`after` is
/// `None`), and its region.
pub struct Change<'r, T> {
    pub before: Option<&'r T>,
    pub after: Option<&'r T>,
    pub region_code: &'r str,
}

impl Who<'_> {
    /// Audits and logs created, changed and deleted records, in a fixed number of statements
    /// however many there are: one audit insert and the change log's (`log_many`). A record
    /// that moved to another region leaves a tombstone in the old one, the change log's
    /// `exit`, for whoever syncs the old region only. Each record is serialised once for
    /// its audit entry and its old region. Comes last before the commit, since the change
    /// log's sequence is taken there and held until the transaction ends.
    pub async fn changed_many<T: Tracked>(
        &self,
        db: &impl ConnectionTrait,
        operation: &str,
        changes: &[Change<'_, T>],
    ) -> AppResult<()> {
        let mut entries = Vec::with_capacity(changes.len());
        let mut logged: Vec<(&str, &T, String)> = Vec::with_capacity(changes.len());
        for change in changes {
            let Some(record) = change.after.or(change.before) else {
                continue;
            };
            let before_json = change.before.and_then(crate::personal::masked);
            let old_region = before_json
                .as_ref()
                .and_then(|j| j.get("region_code"))
                .and_then(|r| r.as_str())
                .map(str::to_owned);
            if let (Some(old), Some(_)) = (old_region, change.after)
                && old != change.region_code
            {
                logged.push(("exit", record, old));
            }
            let op = match (change.before, change.after) {
                (_, None) => Operation::Delete,
                (Some(_), Some(_)) => Operation::Update,
                (None, Some(_)) => Operation::Create,
            };
            logged.push((op.as_str(), record, change.region_code.to_owned()));
            entries.push(Entry {
                operation,
                entity: T::ENTITY,
                entity_id: Some(record.id().to_string()),
                region_code: Some(change.region_code.to_owned()),
                before: before_json.map(|j| j.to_string()),
                after: change
                    .after
                    .and_then(crate::personal::masked)
                    .map(|j| j.to_string()),
            });
        }
        audit::record_many(db, self.actor, entries).await?;
        self.log_many(db, &logged).await
    }
}

/// CONFLICT when a record of `E` already has this UUID (a client's retry that should have
/// sent its idempotency key, or a clash).
pub async fn uuid_free<E>(db: &impl ConnectionTrait, column: E::Column, uuid: &str) -> AppResult<()>
where
    E: EntityTrait,
    E::Model: Sync,
{
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    if E::find().filter(column.eq(uuid)).count(db).await? > 0 {
        return Err(AppError::Conflict(format!(
            "a record with uuid {uuid} already exists"
        )));
    }
    Ok(())
}

/// Reserves `n` change-log sequence numbers and returns the last of them. The counter row
/// stays locked until the transaction ends, so a later number is never committed before an
/// earlier one.
async fn reserve_seqs(db: &impl ConnectionTrait, n: i64) -> AppResult<i64> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => {
                    "UPDATE change_counter SET seq = seq + $1 WHERE id = 1 RETURNING seq"
                }
                _ => "UPDATE change_counter SET seq = seq + ? WHERE id = 1 RETURNING seq",
            },
            [n.into()],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("change_counter has no row")))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// The UUID of a new record: the client's (`field`), checked and in canonical form, or a
/// fresh random one.
pub fn record_uuid(field: &str, given: Option<&str>) -> AppResult<String> {
    match given {
        None => Ok(uuid::Uuid::new_v4().to_string()),
        Some(raw) => uuid::Uuid::try_parse(raw.trim())
            .ok()
            .filter(|u| !u.is_nil() && !u.is_max())
            .map(|u| u.hyphenated().to_string())
            .ok_or_else(|| {
                AppError::bad_input(
                    field,
                    format!("{field} must be a UUID such as 6f1c2a4e-8b0d-4c3e-9a57-2d1e0f3b4c5d"),
                )
            }),
    }
}

/// A UUID derived from a record's kind and seed number: generated data gets the same
/// UUIDs on every machine.
pub fn derived_uuid(kind: &str, n: i64) -> String {
    let digest = Sha256::digest(format!("{kind}:{n}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::new_v8(bytes).hyphenated().to_string()
}

/// The record is at another version than the caller read: CONFLICT, with the server's
/// current record (see `stale_record`).
pub fn check_version<T: Versioned>(what: &str, current: &T, expected: i32) -> AppResult<()> {
    if current.version() != expected {
        return Err(stale_record(
            format!(
                "{what} is at version {}, not {expected}: it was changed since you read it; reload and retry",
                current.version()
            ),
            current,
        ));
    }
    Ok(())
}

/// CONFLICT carrying the server's current record in `extensions.current`: its global id,
/// version and fields (camelCase, personal fields masked as in the audit log), so that a
/// client replaying offline writes can show or merge what won.
pub fn stale_record<T: Versioned>(message: String, current: &T) -> AppError {
    let record = crate::personal::masked(current)
        .map(camel_case_keys)
        .unwrap_or(serde_json::Value::Null);
    AppError::Stale {
        message,
        current: Box::new(serde_json::json!({
            "id": crate::ids::global(T::TYPE, current.id()).0,
            "type": T::TYPE,
            "version": current.version(),
            "record": record,
        })),
    }
}

/// `region_code` → `regionCode`, at the top level of a record's JSON.
fn camel_case_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(k, v)| (crate::record::camel_case(&k), v))
                .collect(),
        ),
        other => other,
    }
}

/// The CONFLICT of a write that lost to a concurrent one between read and write: the
/// winner's record, read again, goes with it.
async fn lost_race<E>(db: &impl ConnectionTrait, what: &str, id: i64) -> AppError
where
    E: EntityTrait,
    E::Model: Versioned,
    i64: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    let message = format!("{what} was changed by someone else; reload it and retry");
    match E::find_by_id(id).one(db).await {
        Ok(Some(current)) => stale_record(message, &current),
        Ok(None) => AppError::NotFound(format!("{what} was deleted by someone else")),
        Err(e) => e.into(),
    }
}

/// A concurrent change won between read and update: the caller's version is stale.
pub fn stale(what: &'static str) -> impl Fn(sea_orm::DbErr) -> AppError {
    move |e| match e {
        sea_orm::DbErr::RecordNotUpdated => {
            AppError::Conflict(format!("{what} was changed by someone else; reload it and retry"))
        }
        e => e.into(),
    }
}

/// A unique-key violation raced past the check: report it as CONFLICT.
pub fn unique_to_conflict(message: &'static str) -> impl Fn(sea_orm::DbErr) -> AppError {
    move |e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(message.to_owned()),
        _ => e.into(),
    }
}

/// The caller's actor, write scope and idempotency key, once a domain's policy lets them
/// write; resolvers build one and hand its `who()` to the service.
pub struct Writer {
    actor: Actor,
    scope: Scope,
    idempotency_key: Option<String>,
}

impl Writer {
    /// The caller as a writer in the domain of `policy`; FORBIDDEN / UNAUTHENTICATED otherwise.
    pub fn authorize(ctx: &Context<'_>, policy: &Policy, idempotency_key: Option<String>) -> AppResult<Self> {
        let v = viewer(ctx);
        let scope = v.authorize(policy, Action::Write)?;
        Ok(Writer {
            actor: v.actor(),
            scope,
            idempotency_key,
        })
    }

    pub fn who(&self) -> Who<'_> {
        Who::new(&self.actor, &self.scope, self.idempotency_key.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_uuids_are_checked_and_made_canonical() {
        let u = record_uuid("uuid", Some(" 6F1C2A4E-8B0D-4C3E-9A57-2D1E0F3B4C5D ")).unwrap();
        assert_eq!(u, "6f1c2a4e-8b0d-4c3e-9a57-2d1e0f3b4c5d");
        assert!(record_uuid("uuid", Some("not-a-uuid")).is_err());
        assert!(record_uuid("uuid", Some("00000000-0000-0000-0000-000000000000")).is_err());
        assert_ne!(
            record_uuid("uuid", None).unwrap(),
            record_uuid("uuid", None).unwrap()
        );
        assert_eq!(derived_uuid("unit", 1), derived_uuid("unit", 1));
        assert_ne!(derived_uuid("unit", 1), derived_uuid("unit", 2));
    }
}

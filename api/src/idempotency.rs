//! Idempotency keys for create mutations: a retry with the same key (by the same caller)
//! returns the record the first request created and creates nothing more; the same key
//! with a different input is BAD_USER_INPUT. Both steps run on the mutation's transaction.

use chrono::Utc;
use entity::idempotency_key as key;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::validate;

/// The caller as stored (the column holds 128 characters).
fn subject(actor: &Actor) -> String {
    actor.subject.chars().take(128).collect()
}

fn hash(fingerprint: &str) -> String {
    Sha256::digest(fingerprint.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The id created by an earlier request with this key, if there was one.
pub async fn replay(
    db: &impl ConnectionTrait,
    actor: &Actor,
    idempotency_key: Option<&str>,
    operation: &str,
    fingerprint: &str,
) -> AppResult<Option<String>> {
    let Some(k) = idempotency_key else { return Ok(None) };
    let k = validate::text("idempotencyKey", k, 1, 128)?;
    let found = key::Entity::find()
        .filter(key::Column::Actor.eq(subject(actor)))
        .filter(key::Column::IdemKey.eq(k))
        .one(db)
        .await?;
    match found {
        None => Ok(None),
        Some(row) if row.operation == operation && row.request_hash == hash(fingerprint) => {
            Ok(Some(row.entity_id))
        }
        Some(_) => Err(AppError::bad_input(
            "idempotencyKey",
            "this idempotency key was used with a different input; use a new key",
        )),
    }
}

/// The record an earlier request with this key created, if there was one.
pub async fn replayed<E>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    idempotency_key: Option<&str>,
    operation: &str,
    fingerprint: &str,
) -> AppResult<Option<E::Model>>
where
    E: EntityTrait,
    i64: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    let Some(id) = replay(db, actor, idempotency_key, operation, fingerprint).await? else {
        return Ok(None);
    };
    let id: i64 = id
        .parse()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("idempotency entity id {id:?}: {e}")))?;
    let record = E::find_by_id(id).one(db).await?.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "{operation}: record {id} of an idempotency key vanished"
        ))
    })?;
    Ok(Some(record))
}

/// Remembers what a request with this key created.
pub async fn remember(
    db: &impl ConnectionTrait,
    actor: &Actor,
    idempotency_key: Option<&str>,
    operation: &str,
    fingerprint: &str,
    entity_id: impl ToString,
) -> AppResult<()> {
    let Some(k) = idempotency_key else { return Ok(()) };
    key::ActiveModel {
        actor: Set(subject(actor)),
        idem_key: Set(k.trim().to_owned()),
        operation: Set(operation.to_owned()),
        request_hash: Set(hash(fingerprint)),
        entity_id: Set(entity_id.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match e.sql_err() {
        // A concurrent request with the same key won the race: its result is the answer.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict("a request with this idempotency key is in progress; retry it".to_owned())
        }
        _ => e.into(),
    })?;
    Ok(())
}

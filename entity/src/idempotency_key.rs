//! An idempotency key of a create mutation: a retry with the same key returns the first
//! result instead of creating again.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Subject of the caller: keys are per caller.
    pub actor: String,
    pub idem_key: String,
    pub operation: String,
    /// SHA-256 of the request's input, to refuse the same key with another input.
    pub request_hash: String,
    /// Id of the record the first request created.
    pub entity_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

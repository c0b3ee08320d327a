//! A webhook endpoint (回调端点): where a partner's notification system receives the events
//! of the types it names about records in a region's subtree.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uuid: String,
    /// The partner the endpoint belongs to (SMS gateway, WeChat service account, ...).
    pub partner: String,
    /// Root of the region subtree whose records' events the endpoint receives.
    pub region_code: String,
    /// `https://` (or, where allowed, `http://`) URL the deliveries are POSTed to.
    pub url: String,
    /// Signing secret, `whsec_` + base64 of 32 random bytes (Standard Webhooks), stored
    /// encrypted (`v1:<key id>:<nonce>:<ciphertext>`, `api/src/webhooks/secrets.rs`; a value
    /// without `v1:` is a secret from before encryption, re-encrypted at the next start);
    /// never returned after registration, never logged.
    pub secret: String,
    /// Event types it receives (`FlowNode.create`), comma-separated with a comma at each end
    /// (`,FlowNode.create,Party.create,`) so that one `LIKE` finds a type.
    pub event_types: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl Model {
    /// The event types, in the order they were registered.
    pub fn event_type_list(&self) -> Vec<String> {
        self.event_types
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

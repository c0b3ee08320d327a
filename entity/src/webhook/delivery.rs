//! A webhook delivery (投递记录): one event for one endpoint, in the outbox until delivered
//! or given up.

use sea_orm::entity::prelude::*;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeliveryStatus {
    /// Not yet delivered: due at `next_attempt_at` (a lease while an attempt is under way).
    #[sea_orm(string_value = "pending")]
    Pending,
    /// The endpoint answered 2xx.
    #[sea_orm(string_value = "delivered")]
    Delivered,
    /// Given up after the last attempt, or the endpoint was deactivated.
    #[sea_orm(string_value = "failed")]
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `msg_` + UUID: the `webhook-id` header, the same on every attempt.
    #[sea_orm(unique)]
    pub message_id: String,
    pub endpoint_id: i64,
    /// `FlowNode.create`.
    pub event_type: String,
    /// GraphQL type of the record (`FlowNode`).
    pub record_type: String,
    pub record_id: i64,
    pub record_uuid: String,
    pub region_code: String,
    /// The body sent, JSON: `{"type", "timestamp", "data"}`.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub status: DeliveryStatus,
    /// Attempts started (counted when an attempt claims the row).
    pub attempts: i32,
    /// When a pending delivery is next due.
    pub next_attempt_at: DateTimeUtc,
    /// Why the last attempt failed, short, without secrets.
    pub last_error: Option<String>,
    /// HTTP status of the last answer, if there was one.
    pub last_status_code: Option<i32>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

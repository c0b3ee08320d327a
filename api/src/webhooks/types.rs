//! The webhook outbox's GraphQL types (回调推送): endpoints and deliveries, as `node(id)` and
//! the administrators' queries show them.

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::webhook::delivery::{self, DeliveryStatus};
use entity::webhook::endpoint;

use crate::region::types::Region;

/// Where a webhook delivery stands (投递状态).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum WebhookDeliveryStatus {
    /// Pending (待投递): not delivered yet; due at `nextAttemptAt`.
    Pending,
    /// Delivered (已投递): the endpoint answered 2xx.
    Delivered,
    /// Failed (投递失败): given up after the last attempt, or the endpoint was deactivated.
    Failed,
}

impl From<DeliveryStatus> for WebhookDeliveryStatus {
    fn from(s: DeliveryStatus) -> Self {
        match s {
            DeliveryStatus::Pending => Self::Pending,
            DeliveryStatus::Delivered => Self::Delivered,
            DeliveryStatus::Failed => Self::Failed,
        }
    }
}

impl From<WebhookDeliveryStatus> for DeliveryStatus {
    fn from(s: WebhookDeliveryStatus) -> Self {
        match s {
            WebhookDeliveryStatus::Pending => Self::Pending,
            WebhookDeliveryStatus::Delivered => Self::Delivered,
            WebhookDeliveryStatus::Failed => Self::Failed,
        }
    }
}

/// A webhook endpoint (回调端点).
#[derive(Clone)]
pub struct WebhookEndpoint(pub endpoint::Model);

/// A webhook endpoint (回调端点): where a partner's notification system (SMS gateway,
/// WeChat service account) receives, signed, the events it names about records in a
/// region's subtree. Its secret is shown once, when it is registered.
#[Object]
impl WebhookEndpoint {
    /// Global id of the endpoint.
    pub async fn id(&self) -> ID {
        crate::ids::global("WebhookEndpoint", self.0.id)
    }
    /// The partner the endpoint belongs to (合作单位).
    async fn partner(&self) -> &str {
        &self.0.partner
    }
    /// Code of the region (行政区划) whose subtree's records the endpoint is told of.
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// The region (行政区划) whose subtree's records the endpoint is told of.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(crate::region::types::region(ctx, &self.0.region_code).await?)
    }
    /// The URL deliveries are POSTed to (回调地址).
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// Event types the endpoint receives (事件类型), `RecordType.operation`, e.g. `FlowNode.create`.
    async fn event_types(&self) -> Vec<String> {
        self.0.event_type_list()
    }
    /// Whether the endpoint receives new events (启用); a deactivated one never again.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// When it was registered (登记时间).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed (更新时间).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Version of the record, raised by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

crate::connection!(
    WebhookEndpointConnection,
    WebhookEndpointEdge,
    WebhookEndpoint,
    "webhook endpoints (回调端点)"
);

/// A webhook delivery (投递记录).
#[derive(Clone)]
pub struct WebhookDelivery(pub delivery::Model);

/// A webhook delivery (投递记录): one event for one endpoint, from the outbox row its write
/// left, sent until the endpoint answers 2xx or the attempts run out.
#[Object]
impl WebhookDelivery {
    /// Global id of the delivery.
    pub async fn id(&self) -> ID {
        crate::ids::global("WebhookDelivery", self.0.id)
    }
    /// Message id (消息编号), `msg_` + UUID: the `webhook-id` header, the same on every
    /// attempt, for the receiver to drop repeats.
    async fn message_id(&self) -> &str {
        &self.0.message_id
    }
    /// The endpoint it goes to (回调端点).
    async fn endpoint(&self, ctx: &Context<'_>) -> Result<Option<WebhookEndpoint>> {
        Ok(crate::loaders::by_id::<endpoint::Model>(ctx, self.0.endpoint_id)
            .await?
            .map(WebhookEndpoint))
    }
    /// Event type (事件类型), e.g. `FlowNode.create`.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// GraphQL type of the record the event is about (对象类型).
    async fn record_type(&self) -> &str {
        &self.0.record_type
    }
    /// Global id of the record the event is about (对象编号), usable with `node(id)`.
    async fn record_id(&self) -> ID {
        crate::ids::global(&self.0.record_type, self.0.record_id)
    }
    /// UUID of the record (对象UUID).
    async fn record_uuid(&self) -> &str {
        &self.0.record_uuid
    }
    /// Code of the record's region (所属行政区划).
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// The body sent (消息内容), JSON: `type`, `timestamp` and `data` (the record, personal
    /// data masked).
    async fn payload(&self) -> &str {
        &self.0.payload
    }
    /// Where it stands (投递状态).
    async fn status(&self) -> WebhookDeliveryStatus {
        self.0.status.into()
    }
    /// Attempts started (投递次数).
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When a pending delivery is next due (下次投递时间); while an attempt is under way, the
    /// end of its lease.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == DeliveryStatus::Pending).then_some(self.0.next_attempt_at)
    }
    /// Why the last attempt failed (失败原因), e.g. `HTTP 500`; null after success.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// HTTP status of the endpoint's last answer (响应状态码), if it answered.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }
    /// When the event was put in the outbox (入队时间).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the endpoint accepted it (投递时间); null until then.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
}

crate::connection!(
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookDelivery,
    "webhook deliveries (投递记录)"
);

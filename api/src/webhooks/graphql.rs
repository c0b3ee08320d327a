//! GraphQL of the webhook outbox (回调推送), administrators only: register and deactivate
//! endpoints, read the deliveries and their counts by status.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::webhook::delivery::{self, DeliveryStatus};
use entity::webhook::endpoint;
use sea_orm::DatabaseConnection;

use super::POLICY;
use super::service::{self, DeliveryFilter, NewEndpoint};
use crate::access::{Action, viewer};
use crate::domains::region::types::Region;
use crate::pagination::PageArgs;

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
        Ok(crate::domains::region::types::region(ctx, &self.0.region_code).await?)
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

/// Deliveries counted by status (投递统计).
#[derive(SimpleObject)]
pub struct WebhookDeliveryStats {
    /// Pending deliveries (待投递).
    pub pending: i64,
    /// Delivered deliveries (已投递).
    pub delivered: i64,
    /// Failed deliveries (投递失败).
    pub failed: i64,
}

/// Input of `registerWebhookEndpoint`.
#[derive(InputObject)]
pub struct RegisterWebhookEndpointInput {
    /// The partner (合作单位), 1 to 128 characters.
    pub partner: String,
    /// Code of the region (行政区划) whose subtree's records the endpoint is told of.
    pub region_code: String,
    /// The `https://` URL deliveries are POSTed to (回调地址); `http://` only where the
    /// operator allows it. Its host may not be on the server's own networks (loopback,
    /// private, link-local, ...) unless the operator admits the address.
    pub url: String,
    /// Event types to receive (事件类型), `RecordType.create`, `.update` or `.delete`, e.g.
    /// `FlowNode.create` for every new flow node (流程节点).
    pub event_types: Vec<String>,
}

/// A registered endpoint with its signing secret (签名密钥), shown this once.
#[derive(SimpleObject)]
pub struct RegisteredWebhookEndpoint {
    /// The endpoint (回调端点).
    pub endpoint: WebhookEndpoint,
    /// Signing secret (签名密钥), `whsec_` + base64 of 32 random bytes: the HMAC-SHA256 key
    /// of `webhook-signature` is the base64-decoded part after `whsec_`. Shown only now:
    /// keep it in the partner's system.
    pub secret: String,
}

fn endpoint_id(field: &str, id: &ID) -> Result<i64, crate::error::AppError> {
    crate::ids::parse(field, "WebhookEndpoint", id)
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Webhook endpoints (回调端点), in registration order; administrators only.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<WebhookEndpointConnection> {
        viewer(ctx).require(&POLICY, Action::Read)?;
        let db = ctx.data_unchecked::<DatabaseConnection>().clone();
        let page = service::endpoints(&db, &PageArgs::new(first, after, last, before)).await?;
        Ok(WebhookEndpointConnection {
            page: page.map(WebhookEndpoint),
            count: crate::pagination::Count::uncached(move || {
                let db = db.clone();
                Box::pin(async move { service::count_endpoints(&db).await })
            }),
        })
    }

    /// Webhook deliveries (投递记录), newest first; administrators only.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only deliveries with this status (投递状态).")] status: Option<
            WebhookDeliveryStatus,
        >,
        #[graphql(desc = "Only deliveries to this endpoint (回调端点).")] endpoint_id: Option<ID>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<WebhookDeliveryConnection> {
        viewer(ctx).require(&POLICY, Action::Read)?;
        let filter = DeliveryFilter {
            status: status.map(Into::into),
            endpoint_id: endpoint_id.as_ref().map(endpoint_id_of).transpose()?,
        };
        let db = ctx.data_unchecked::<DatabaseConnection>().clone();
        let page = service::deliveries(&db, &filter, &PageArgs::new(first, after, last, before)).await?;
        Ok(WebhookDeliveryConnection {
            page: page.map(WebhookDelivery),
            count: crate::pagination::Count::uncached(move || {
                let (db, f) = (db.clone(), filter.clone());
                Box::pin(async move { service::count_deliveries(&db, &f).await })
            }),
        })
    }

    /// Webhook deliveries counted by status (投递统计): pending, delivered, failed; of one
    /// endpoint or of all. Administrators only.
    async fn webhook_delivery_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only deliveries to this endpoint (回调端点); all when absent.")]
        endpoint_id: Option<ID>,
    ) -> Result<WebhookDeliveryStats> {
        viewer(ctx).require(&POLICY, Action::Read)?;
        let endpoint = endpoint_id.as_ref().map(endpoint_id_of).transpose()?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let counts = service::counts_by_status(db, endpoint).await?;
        let n = |s| counts.get(&s).copied().unwrap_or(0);
        Ok(WebhookDeliveryStats {
            pending: n(DeliveryStatus::Pending),
            delivered: n(DeliveryStatus::Delivered),
            failed: n(DeliveryStatus::Failed),
        })
    }
}

fn endpoint_id_of(id: &ID) -> Result<i64, crate::error::AppError> {
    endpoint_id("endpointId", id)
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers a webhook endpoint (登记回调端点) for a partner and a region: from now on
    /// every event of its types about a record in the region's subtree is delivered to it,
    /// signed (Standard Webhooks). Returns the signing secret, this once. Administrators only.
    async fn register_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] input: RegisterWebhookEndpointInput,
    ) -> Result<RegisteredWebhookEndpoint> {
        let v = viewer(ctx);
        v.require(&POLICY, Action::Write)?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let safety = ctx.data_unchecked::<std::sync::Arc<crate::webhooks::Safety>>();
        let (model, secret) = service::register(
            db,
            safety,
            &v.actor(),
            NewEndpoint {
                partner: input.partner,
                region_code: input.region_code,
                url: input.url,
                event_types: input.event_types,
            },
        )
        .await?;
        Ok(RegisteredWebhookEndpoint {
            endpoint: WebhookEndpoint(model),
            secret,
        })
    }

    /// Deactivates a webhook endpoint (停用回调端点): it receives no new events, and its
    /// pending deliveries are given up (FAILED). Administrators only.
    async fn deactivate_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] id: ID,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<WebhookEndpoint> {
        let v = viewer(ctx);
        v.require(&POLICY, Action::Write)?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(WebhookEndpoint(
            service::deactivate(db, &v.actor(), endpoint_id("id", &id)?, expected_version).await?,
        ))
    }
}

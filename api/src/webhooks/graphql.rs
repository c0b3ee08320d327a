//! GraphQL of the webhook outbox (回调推送), administrators only: register and deactivate
//! endpoints, read the deliveries and their counts by status.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::webhook::delivery::DeliveryStatus;
use sea_orm::DatabaseConnection;

use super::POLICY;
use super::service::{self, DeliveryFilter, NewEndpoint};
pub use super::types::{
    WebhookDelivery, WebhookDeliveryConnection, WebhookDeliveryStatus, WebhookEndpoint,
    WebhookEndpointConnection,
};
use crate::access::{Action, viewer};
use crate::pagination::PageArgs;

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
            &crate::domains::record_type_names(),
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

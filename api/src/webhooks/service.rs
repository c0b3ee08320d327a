//! Registering and deactivating endpoints, reading the outbox; no GraphQL here.

use chrono::Utc;
use entity::webhook::delivery::{self, DeliveryStatus};
use entity::webhook::endpoint;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

use crate::access::Actor;
use crate::audit::service::{self as audit, Entry};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageArgs, PageRequest};
use crate::region::service as regions;
use crate::webhooks::Safety;
use crate::webhooks::egress::{Egress, Refusal};

/// Most event types one endpoint may name.
const MAX_EVENT_TYPES: usize = 32;
/// Longest URL.
const MAX_URL: usize = 2048;

/// Input of `registerWebhookEndpoint`.
#[derive(Debug)]
pub struct NewEndpoint {
    pub partner: String,
    pub region_code: String,
    pub url: String,
    pub event_types: Vec<String>,
}

/// An `https://` URL with a host (`http://` too when `WEBHOOK_ALLOW_HTTP`), as given
/// (trimmed), whose host, if an IP literal or `localhost`, is an address endpoints may have
/// (`egress.rs`); a name is checked at every delivery, when it is resolved.
pub fn check_url(field: &str, raw: &str, egress: &Egress) -> AppResult<String> {
    let schemes = if egress.allow_http {
        "an https:// or http:// URL"
    } else {
        "an https:// URL"
    };
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_URL {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be {schemes} of at most {MAX_URL} characters"),
        ));
    }
    let url = reqwest::Url::parse(raw)
        .map_err(|_| AppError::bad_input(field, format!("{field} is not a URL; give {schemes}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be {schemes} with a host"),
        ));
    }
    match egress.check_registration(&url) {
        Ok(()) => Ok(raw.to_owned()),
        Err((Refusal::Scheme, _)) => Err(AppError::bad_input(
            field,
            format!("{field} must be {schemes}: plain http is not allowed (WEBHOOK_ALLOW_HTTP)"),
        )),
        Err((Refusal::Address, kind)) => Err(AppError::bad_input(
            field,
            format!(
                "{field} is on a {} address: endpoints may not be on the server's own networks \
                 (loopback, private, shared, link-local, unique-local, multicast, broadcast, \
                 unspecified) unless the operator's WEBHOOK_ALLOW_CIDRS admits the address",
                kind.unwrap_or("refused")
            ),
        )),
        Err(_) => Err(AppError::bad_input(
            field,
            format!("{field} must be {schemes} with a host"),
        )),
    }
}

/// Event types as `RecordType.operation`, without repeats; `RecordType` is one of
/// `record_types`, the types written through `write::Who` (their change-log name, every
/// registered domain's `records`).
pub fn check_event_types(field: &str, given: &[String], record_types: &[&str]) -> AppResult<Vec<String>> {
    if given.is_empty() || given.len() > MAX_EVENT_TYPES {
        return Err(AppError::bad_input(
            field,
            format!("{field} must name 1 to {MAX_EVENT_TYPES} event types, such as FlowNode.create"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for raw in given {
        let t = raw.trim();
        let known = t.split_once('.').is_some_and(|(ty, op)| {
            record_types.contains(&ty) && matches!(op, "create" | "update" | "delete")
        });
        if !known {
            return Err(AppError::bad_input(
                field,
                format!(
                    "{t:?} is not an event type: give RecordType.create, .update or .delete, where \
                     RecordType is one of {}",
                    record_types.join(", ")
                ),
            ));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_owned());
        }
    }
    Ok(out)
}

/// What the audit log keeps of an endpoint: everything but its secret.
fn snapshot(m: &endpoint::Model) -> Option<String> {
    Some(
        serde_json::json!({
            "id": m.id,
            "uuid": m.uuid,
            "partner": m.partner,
            "region_code": m.region_code,
            "url": m.url,
            "event_types": m.event_type_list(),
            "active": m.active,
            "version": m.version,
        })
        .to_string(),
    )
}

/// Registers an endpoint with a new secret, stored encrypted: the endpoint as stored, and
/// the secret in clear (to show once). Its event types name `record_types`.
pub async fn register(
    db: &DatabaseConnection,
    safety: &Safety,
    actor: &Actor,
    input: NewEndpoint,
    record_types: &[&str],
) -> AppResult<(endpoint::Model, String)> {
    let partner = crate::validate::text("partner", &input.partner, 1, 128)?;
    let url = check_url("url", &input.url, &safety.egress)?;
    let event_types = check_event_types("eventTypes", &input.event_types, record_types)?;
    let secret = crate::webhooks::signing::new_secret().map_err(AppError::Internal)?;
    let uuid = uuid::Uuid::new_v4().to_string();
    let sealed = safety.keys.seal(&secret, &uuid).map_err(AppError::Internal)?;
    let txn = crate::store::begin_write(db).await?;
    let region = regions::require_in(&txn, input.region_code.trim(), "regionCode").await?;
    let now = Utc::now();
    let model = endpoint::ActiveModel {
        uuid: Set(uuid),
        partner: Set(partner),
        region_code: Set(region.code),
        url: Set(url),
        secret: Set(sealed),
        event_types: Set(format!(",{},", event_types.join(","))),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Entry {
            operation: "registerWebhookEndpoint",
            entity: "webhook_endpoint",
            entity_id: Some(model.id.to_string()),
            region_code: Some(model.region_code.clone()),
            before: None,
            after: snapshot(&model),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((model, secret))
}

/// Deactivates an endpoint at `expected_version`: it receives nothing more, and its
/// pending deliveries are given up (`failed`, "endpoint deactivated").
pub async fn deactivate(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
) -> AppResult<endpoint::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = endpoint::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("webhook endpoint", id))?;
    // Not `write::check_version`: its CONFLICT carries the record, and this one holds a secret.
    if current.version != expected_version {
        return Err(AppError::Conflict(format!(
            "the webhook endpoint is at version {}, not {expected_version}: reload and retry",
            current.version
        )));
    }
    let now = Utc::now();
    let updated = endpoint::Entity::update_many()
        .col_expr(endpoint::Column::Active, Expr::value(false))
        .col_expr(endpoint::Column::Version, Expr::value(current.version + 1))
        .col_expr(endpoint::Column::UpdatedAt, Expr::value(now))
        .filter(endpoint::Column::Id.eq(id))
        .filter(endpoint::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::Conflict(
            "the webhook endpoint was changed by someone else; reload it and retry".to_owned(),
        ));
    }
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(DeliveryStatus::Failed))
        .col_expr(delivery::Column::LastError, Expr::value("endpoint deactivated"))
        .filter(delivery::Column::EndpointId.eq(id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Pending))
        .exec(&txn)
        .await?;
    let after = endpoint::Model {
        active: false,
        version: current.version + 1,
        updated_at: now,
        ..current.clone()
    };
    audit::record(
        &txn,
        actor,
        Entry {
            operation: "deactivateWebhookEndpoint",
            entity: "webhook_endpoint",
            entity_id: Some(id.to_string()),
            region_code: Some(current.region_code.clone()),
            before: snapshot(&current),
            after: snapshot(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn find_endpoint(db: &DatabaseConnection, id: i64) -> AppResult<Option<endpoint::Model>> {
    Ok(endpoint::Entity::find_by_id(id).one(db).await?)
}

pub async fn find_delivery(db: &DatabaseConnection, id: i64) -> AppResult<Option<delivery::Model>> {
    Ok(delivery::Entity::find_by_id(id).one(db).await?)
}

/// Endpoints in registration order.
pub async fn endpoints(db: &DatabaseConnection, args: &PageArgs) -> AppResult<Page<endpoint::Model>> {
    let req = PageRequest::new(args, "id")?;
    let mut q = endpoint::Entity::find();
    if let Some(seek) = req.seek_unique(
        Expr::col((endpoint::Entity, endpoint::Column::Id)),
        |c| Expr::val(c.i),
        true,
    ) {
        q = q.filter(seek);
    }
    let rows = q
        .order_by(endpoint::Column::Id, req.scan_order(true))
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |m| (String::new(), m.id)))
}

pub async fn count_endpoints(db: &DatabaseConnection) -> AppResult<u64> {
    Ok(endpoint::Entity::find().count(db).await?)
}

/// Filter of the deliveries.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub endpoint_id: Option<i64>,
}

fn condition(f: &DeliveryFilter) -> Condition {
    let mut cond = Condition::all();
    if let Some(s) = f.status {
        cond = cond.add(delivery::Column::Status.eq(s));
    }
    if let Some(e) = f.endpoint_id {
        cond = cond.add(delivery::Column::EndpointId.eq(e));
    }
    cond
}

/// Deliveries, newest first.
pub async fn deliveries(
    db: &DatabaseConnection,
    filter: &DeliveryFilter,
    args: &PageArgs,
) -> AppResult<Page<delivery::Model>> {
    let req = PageRequest::new(args, "id:desc")?;
    let mut cond = condition(filter);
    if let Some(seek) = req.seek_unique(
        Expr::col((delivery::Entity, delivery::Column::Id)),
        |c| Expr::val(c.i),
        false,
    ) {
        cond = cond.add(seek);
    }
    let rows = delivery::Entity::find()
        .filter(cond)
        .order_by(delivery::Column::Id, req.scan_order(false))
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |m| (String::new(), m.id)))
}

pub async fn count_deliveries(db: &DatabaseConnection, filter: &DeliveryFilter) -> AppResult<u64> {
    Ok(delivery::Entity::find()
        .filter(condition(filter))
        .count(db)
        .await?)
}

/// Deliveries by status (of one endpoint, or of all), one grouped statement.
pub async fn counts_by_status(
    db: &DatabaseConnection,
    endpoint_id: Option<i64>,
) -> AppResult<HashMap<DeliveryStatus, i64>> {
    let filter = DeliveryFilter {
        status: None,
        endpoint_id,
    };
    let rows: Vec<(DeliveryStatus, i64)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Status)
        .column_as(delivery::Column::Id.count(), "n")
        .filter(condition(&filter))
        .group_by(delivery::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

impl crate::loaders::Record for endpoint::Model {
    fn id(&self) -> i64 {
        self.id
    }
    async fn fetch(db: &DatabaseConnection, ids: &[i64]) -> AppResult<Vec<Self>> {
        Ok(endpoint::Entity::find()
            .filter(endpoint::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?)
    }
}

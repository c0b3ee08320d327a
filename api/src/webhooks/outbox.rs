//! Enqueuing events: one delivery row per matching endpoint, in the writing transaction.
//!
//! Called by `write.rs` for every change-log row (created, changed, deleted and moved
//! records), so it knows nothing of the domains: a record is its GraphQL type, id, UUID,
//! region and its serialised form. An endpoint matches when it is active, names the event
//! type (`FlowNode.create`) and its region's subtree holds the record's region. Finding the
//! matching endpoints of a write's records is one statement (none match: nothing else
//! runs); their rows are one more per `DELIVERIES_PER_INSERT`.

use chrono::{DateTime, SecondsFormat, Utc};
use entity::webhook::delivery::{self, DeliveryStatus};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Set, Statement};

use crate::error::AppResult;
use crate::record::Tracked;

/// What happened to which record.
pub struct Event<'a> {
    /// GraphQL type of the record (`FlowNode`).
    pub record_type: &'a str,
    /// `create`, `update` or `delete`.
    pub operation: &'a str,
    pub record_id: i64,
    pub record_uuid: &'a str,
    /// The record's region, whose ancestors' endpoints receive the event.
    pub region_code: &'a str,
    /// When the write happened: the payload's `timestamp`.
    pub at: DateTime<Utc>,
}

impl Event<'_> {
    /// `FlowNode.create`.
    pub fn event_type(&self) -> String {
        format!("{}.{}", self.record_type, self.operation)
    }
}

/// The body every endpoint receives for this event (Standard Webhooks): `type`,
/// `timestamp` (RFC 3339) and `data`, the record as JSON with its personal fields masked as
/// its domain declares them, and its id and references as global ids (`personal.rs`).
pub fn payload<T: Tracked>(event: &Event<'_>, record: &T) -> String {
    serde_json::json!({
        "type": event.event_type(),
        "timestamp": event.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": crate::personal::outward(record),
    })
    .to_string()
}

/// The pending delivery of one event to one endpoint.
fn delivery_row(endpoint_id: i64, event: &Event<'_>, event_type: &str, body: &str) -> delivery::ActiveModel {
    delivery::ActiveModel {
        message_id: Set(format!("msg_{}", uuid::Uuid::new_v4())),
        endpoint_id: Set(endpoint_id),
        event_type: Set(event_type.to_owned()),
        record_type: Set(event.record_type.to_owned()),
        record_id: Set(event.record_id),
        record_uuid: Set(event.record_uuid.to_owned()),
        region_code: Set(event.region_code.to_owned()),
        payload: Set(body.to_owned()),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(event.at),
        last_error: Set(None),
        last_status_code: Set(None),
        created_at: Set(event.at),
        delivered_at: Set(None),
        ..Default::default()
    }
}

/// Deliveries written per statement: 15 columns each keeps a statement under PostgreSQL's
/// 65,535 bind parameters (and SQLite's 32,766).
const DELIVERIES_PER_INSERT: usize = 1_000;

/// Adds a delivery for each endpoint that matches each event, on `db` (the write's
/// transaction): one statement finds the active endpoints of every region the events are
/// in (those whose region is on the region's materialised path, `/360000/361100/361126/`),
/// and the deliveries are written `DELIVERIES_PER_INSERT` to a statement; none match,
/// nothing more runs. An endpoint matches an event whose type (`FlowNode.create`) it names.
pub async fn enqueue_many<T: Tracked>(
    db: &impl ConnectionTrait,
    events: &[(Event<'_>, &T)],
) -> AppResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut regions: Vec<&str> = events.iter().map(|(e, _)| e.region_code).collect();
    regions.sort_unstable();
    regions.dedup();
    let backend = db.get_database_backend();
    let on_path = match backend {
        DbBackend::Postgres => "strpos(r.path, '/' || e.region_code || '/') > 0",
        _ => "instr(r.path, '/' || e.region_code || '/') > 0",
    };
    let placeholders: Vec<String> = (1..=regions.len())
        .map(|i| match backend {
            DbBackend::Postgres => format!("${i}"),
            _ => "?".to_owned(),
        })
        .collect();
    let statement = Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT e.id, e.event_types, r.code FROM webhook_endpoints e JOIN regions r \
             ON r.code IN ({}) AND {on_path} WHERE e.active = TRUE",
            placeholders.join(", ")
        ),
        regions.iter().map(|r| (*r).to_owned().into()),
    );
    let mut endpoints: Vec<(i64, String, String)> = Vec::new();
    for row in db.query_all_raw(statement).await? {
        endpoints.push((
            row.try_get_by_index::<i64>(0)?,
            row.try_get_by_index::<String>(1)?,
            row.try_get_by_index::<String>(2)?,
        ));
    }
    if endpoints.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::new();
    for (event, record) in events {
        let event_type = event.event_type();
        let wanted = format!(",{event_type},");
        let mut body = None;
        for (id, types, region) in &endpoints {
            if region == event.region_code && types.contains(&wanted) {
                let body = body.get_or_insert_with(|| payload(event, *record));
                rows.push(delivery_row(*id, event, &event_type, body));
            }
        }
    }
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(DELIVERIES_PER_INSERT));
        delivery::Entity::insert_many(std::mem::replace(&mut rows, rest))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

//! Writing and reading audit entries; no GraphQL here.

use chrono::{DateTime, Utc};
use entity::audit;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::access::{Actor, Scope};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageArgs, PageRequest};
use crate::region::service as regions;

/// What was done to which record.
pub struct Entry<'a> {
    pub operation: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub region_code: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Writes one entry; call it on the mutation's transaction so both commit or neither.
pub async fn record(db: &impl ConnectionTrait, actor: &Actor, entry: Entry<'_>) -> AppResult<()> {
    record_many(db, actor, vec![entry]).await
}

/// Writes entries in one statement, on the write's transaction.
pub async fn record_many(db: &impl ConnectionTrait, actor: &Actor, entries: Vec<Entry<'_>>) -> AppResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let at = Utc::now();
    let subject: String = actor.subject.chars().take(128).collect();
    let rows = entries.into_iter().map(|entry| audit::ActiveModel {
        at: Set(at),
        actor: Set(subject.clone()),
        role: Set(actor.role.as_str().to_owned()),
        operation: Set(entry.operation.to_owned()),
        entity: Set(entry.entity.to_owned()),
        entity_id: Set(entry.entity_id),
        region_code: Set(entry.region_code),
        before: Set(entry.before),
        after: Set(entry.after),
        request_id: Set(actor.request_id.clone()),
        ..Default::default()
    });
    audit::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Filter of the audit log.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub operation: Option<String>,
    pub actor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn condition(f: &AuditFilter, scope: &Scope) -> Condition {
    let mut cond = Condition::all();
    if let Some(v) = &f.entity {
        cond = cond.add(audit::Column::Entity.eq(v.clone()));
    }
    if let Some(v) = &f.entity_id {
        cond = cond.add(audit::Column::EntityId.eq(v.clone()));
    }
    if let Some(v) = &f.operation {
        cond = cond.add(audit::Column::Operation.eq(v.clone()));
    }
    if let Some(v) = &f.actor {
        cond = cond.add(audit::Column::Actor.eq(v.clone()));
    }
    if let Some(v) = f.from {
        cond = cond.add(audit::Column::At.gte(v));
    }
    if let Some(v) = f.to {
        cond = cond.add(audit::Column::At.lte(v));
    }
    regions::in_scope(cond, Expr::col((audit::Entity, audit::Column::RegionCode)), scope)
}

/// One entry, if it is in the scope.
pub async fn find(db: &DatabaseConnection, id: i64, scope: &Scope) -> AppResult<Option<audit::Model>> {
    Ok(audit::Entity::find_by_id(id)
        .filter(condition(&AuditFilter::default(), scope))
        .one(db)
        .await?)
}

/// The log, newest first.
pub async fn list(
    db: &DatabaseConnection,
    filter: &AuditFilter,
    scope: &Scope,
    args: &PageArgs,
) -> AppResult<Page<audit::Model>> {
    let req = PageRequest::new(args, "id:desc")?;
    let mut cond = condition(filter, scope);
    if let Some(seek) = req.seek_unique(
        Expr::col((audit::Entity, audit::Column::Id)),
        |c| Expr::val(c.i),
        false,
    ) {
        cond = cond.add(seek);
    }
    let rows = audit::Entity::find()
        .filter(cond)
        .order_by(audit::Column::Id, req.scan_order(false))
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |m| (String::new(), m.id)))
}

pub async fn count(db: &DatabaseConnection, filter: &AuditFilter, scope: &Scope) -> AppResult<u64> {
    Ok(audit::Entity::find()
        .filter(condition(filter, scope))
        .count(db)
        .await?)
}

/// Audits reads of unmasked personal data after a request, one entry per record.
pub async fn record_reads(
    db: &DatabaseConnection,
    actor: &Actor,
    reads: Vec<crate::access::PersonalRead>,
) -> AppResult<()> {
    if reads.is_empty() {
        return Ok(());
    }
    let models: Vec<audit::ActiveModel> = reads
        .into_iter()
        .map(|r| audit::ActiveModel {
            at: Set(Utc::now()),
            actor: Set(actor.subject.chars().take(128).collect()),
            role: Set(actor.role.as_str().to_owned()),
            operation: Set("readPersonalData".to_owned()),
            entity: Set(r.entity.to_owned()),
            entity_id: Set(Some(r.id)),
            region_code: Set(r.region_code),
            before: Set(None),
            after: Set(None),
            request_id: Set(actor.request_id.clone()),
            ..Default::default()
        })
        .collect();
    audit::Entity::insert_many(models)
        .exec_without_returning(db)
        .await
        .map_err(AppError::from)?;
    Ok(())
}

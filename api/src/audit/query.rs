//! The `auditLog` query: administrators see everything, supervisors their subtree.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::audit;
use sea_orm::DatabaseConnection;

use super::service::{self, AuditFilter};
use crate::access::{Action, Policy, Role, viewer};
use crate::pagination::PageArgs;

/// Who may read the audit log.
pub const POLICY: Policy = Policy {
    domain: "audit",
    rules: &[(Action::Read, &[Role::Admin, Role::Supervisor])],
};

/// An audit entry (审计记录).
#[derive(Clone)]
pub struct AuditEntry(pub audit::Model);

/// An audit entry (审计记录): who did what to which record, when.
#[Object]
impl AuditEntry {
    /// Entry id.
    pub async fn id(&self) -> ID {
        crate::ids::global("AuditEntry", self.0.id)
    }
    /// When (时间).
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who: the token subject, or `anonymous` (操作人).
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The role acted in (角色).
    async fn role(&self) -> &str {
        &self.0.role
    }
    /// The operation: a mutation name, `readPersonalData` or `isDishonestDebtor` (操作).
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// The kind of record (对象类型).
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// The record's global id (对象编号), usable with `node(id)`.
    async fn entity_id(&self) -> Option<ID> {
        let raw = self.0.entity_id.as_deref()?;
        Some(match kind_of(&self.0.entity) {
            Some(kind) => crate::ids::global(kind, raw),
            None => ID(raw.to_owned()),
        })
    }
    /// The record's region (所属行政区划).
    async fn region_code(&self) -> Option<&str> {
        self.0.region_code.as_deref()
    }
    /// JSON snapshot before the change, personal data masked (变更前).
    async fn before(&self) -> Option<&str> {
        self.0.before.as_deref()
    }
    /// JSON snapshot after the change, personal data masked (变更后).
    async fn after(&self) -> Option<&str> {
        self.0.after.as_deref()
    }
    /// Request id (请求编号), as in the server log.
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
}

/// The GraphQL type of an audited entity.
fn kind_of(entity: &str) -> Option<&'static str> {
    Some(match entity {
        "enforcement_case" => "EnforcementCase",
        "party" => "Party",
        "measure" => "Measure",
        "flow_node" => "FlowNode",
        "supervision_order" => "SupervisionOrder",
        "dishonest_entry" => "DishonestDebtor",
        "user" => "User",
        "webhook_endpoint" => "WebhookEndpoint",
        _ => return None,
    })
}

crate::connection!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntry,
    "audit entries (审计记录)"
);

/// Filter of `auditLog`.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Entries about this kind of record (e.g. `enforcement_case`).
    pub entity: Option<String>,
    /// Entries about this record (its global id).
    pub entity_id: Option<ID>,
    /// Entries of this operation (e.g. `closeEnforcementCase`).
    pub operation: Option<String>,
    /// Entries by this actor.
    pub actor: Option<String>,
    /// Entries at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Entries at or before this instant.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log (审计日志), newest first: administrators see all of it, supervisors the
    /// entries about records in their region subtree.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which entries to list.")] filter: Option<AuditLogFilter>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<AuditEntryConnection> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let f = filter.unwrap_or_default();
        let filter = AuditFilter {
            entity: f.entity,
            entity_id: f
                .entity_id
                .map(|id| crate::ids::decode(&id).map_or(id.0, |(_, key)| key)),
            operation: f.operation,
            actor: f.actor,
            from: f.from,
            to: f.to,
        };
        let db = ctx.data_unchecked::<DatabaseConnection>().clone();
        let page = service::list(&db, &filter, &scope, &PageArgs::new(first, after, last, before)).await?;
        Ok(AuditEntryConnection {
            page: page.map(AuditEntry),
            count: crate::pagination::Count::uncached(move || {
                let (db, f, s) = (db.clone(), filter.clone(), scope.clone());
                Box::pin(async move { service::count(&db, &f, &s).await })
            }),
        })
    }
}

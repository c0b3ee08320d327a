//! Live updates of enforcement (实时推送): new flow nodes of the cases a caller may see, and
//! changes to a case, from the process's change feed (`feed.rs`). Each event is checked
//! against the subscriber's scope and the record read again under it, so a subscription
//! never shows what a query would not.

use async_graphql::{Context, ID, SimpleObject, Subscription};
use futures_util::Stream;
use sea_orm::{DatabaseConnection, EntityTrait};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

use super::policy::POLICY;
use super::service::find_case;
use super::types::{EnforcementCase, FlowNode};
use crate::access::{Action, Scope, viewer};
use crate::error::AppError;
use crate::feed::{Change, Feed};
use crate::ids;

/// What happened to a case (案件变更).
#[derive(SimpleObject)]
pub struct EnforcementCaseChange {
    /// Global id of the case.
    pub id: ID,
    /// `CREATE`, `UPDATE` or `DELETE` (变更类型).
    pub operation: String,
    /// The case as it is now; null once deleted.
    pub case: Option<EnforcementCase>,
}

#[derive(Default)]
pub struct EnforcementSubscription;

#[Subscription]
impl EnforcementSubscription {
    /// New flow nodes (流程节点) of the cases you may see, or of one case, as they are
    /// recorded by any server process.
    async fn flow_node_added(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this case's flow nodes.")] case_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = FlowNode>> {
        let (case, feed, scope, db) = setup(ctx, case_id)?;
        Ok(events(feed, scope.clone(), move |change| {
            let (db, scope) = (db.clone(), scope.clone());
            async move {
                if change.record_type != "FlowNode" || change.operation != "create" {
                    return None;
                }
                let node = entity::enforcement::flow_node::Entity::find_by_id(change.record_id)
                    .one(&db)
                    .await
                    .ok()??;
                if case.is_some_and(|c| c != node.case_id) {
                    return None;
                }
                find_case(&db, node.case_id, &scope).await.ok()??;
                Some(FlowNode(node))
            }
        }))
    }

    /// Changes to the cases you may see (a new case, an edit, a closure, a deletion), or to
    /// one case.
    async fn enforcement_case_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this case.")] case_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = EnforcementCaseChange>> {
        let (case, feed, scope, db) = setup(ctx, case_id)?;
        Ok(events(feed, scope.clone(), move |change| {
            let (db, scope) = (db.clone(), scope.clone());
            async move {
                if change.record_type != "EnforcementCase" || case.is_some_and(|c| c != change.record_id) {
                    return None;
                }
                let found = find_case(&db, change.record_id, &scope).await.ok()?;
                let operation = match change.operation.as_str() {
                    "create" => "CREATE",
                    "delete" | "exit" => "DELETE",
                    _ => "UPDATE",
                };
                if found.is_none() && operation != "DELETE" {
                    return None;
                }
                Some(EnforcementCaseChange {
                    id: ids::global("EnforcementCase", change.record_id),
                    operation: operation.to_owned(),
                    case: found.map(EnforcementCase),
                })
            }
        }))
    }
}

/// The case a subscription is narrowed to (if any), the feed, the subscriber's read scope
/// and the database.
fn setup(
    ctx: &Context<'_>,
    case_id: Option<ID>,
) -> Result<(Option<i64>, Arc<Feed>, Scope, DatabaseConnection), AppError> {
    let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
    let case = case_id
        .map(|id| ids::parse("caseId", "EnforcementCase", &id))
        .transpose()?;
    let feed = ctx
        .data_opt::<Arc<Feed>>()
        .cloned()
        .ok_or_else(|| AppError::bad_input("subscription", "subscriptions are served over WebSocket only"))?;
    Ok((
        case,
        feed,
        scope,
        ctx.data_unchecked::<DatabaseConnection>().clone(),
    ))
}

/// The feed's changes in the scope's regions, turned into items by `map` (None skips one).
fn events<T, F, Fut>(feed: Arc<Feed>, scope: Scope, map: F) -> impl Stream<Item = T>
where
    F: Fn(Arc<Change>) -> Fut + Send + 'static,
    Fut: Future<Output = Option<T>> + Send,
    T: Send + 'static,
{
    let rx = feed.subscribe();
    futures_util::stream::unfold((rx, map, scope), |(mut rx, map, scope)| async move {
        loop {
            let change = match rx.recv().await {
                Ok(change) => change,
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "a subscriber fell behind the change feed");
                    continue;
                }
                Err(RecvError::Closed) => return None,
            };
            let in_scope = match &scope {
                Scope::All => true,
                Scope::Subtree { codes, .. } => change
                    .region_code
                    .as_ref()
                    .is_some_and(|r| codes.iter().any(|c| c == r)),
            };
            if !in_scope {
                continue;
            }
            if let Some(item) = map(change).await {
                return Some((item, (rx, map, scope)));
            }
        }
    })
}

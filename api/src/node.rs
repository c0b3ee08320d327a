//! Relay object identification: every record's `id` is a global id (`ids.rs`), and
//! `node(id)` resolves any of them under the same access checks as every other path. The
//! core's types are resolved here; a domain's through its registration (`Domain::nodes`, each
//! type with how it is found).

use async_graphql::{Context, ID, Object, Result};
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::access::{Action, viewer};
use crate::audit::query::AuditEntry;
use crate::auth::graphql::User;
use crate::domains::DOMAINS;
use crate::error::AppError;
use crate::ids::decode;
use crate::webhooks::types::{WebhookDelivery, WebhookEndpoint};

pub use crate::domains::registered::Node;

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any record by its global id (Relay object identification), under the same access
    /// checks as every other path: a record the caller may not see is null, like a missing one.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the record.")] id: ID,
    ) -> Result<Option<Node>> {
        let Some((kind, key)) = decode(&id) else {
            return Ok(None);
        };
        if let Some(node_type) = DOMAINS.iter().find_map(|d| d.node_type(&kind)) {
            return match key.parse::<i64>() {
                Ok(id) => (node_type.find)(ctx, id).await,
                Err(_) => Ok(None),
            };
        }
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let v = viewer(ctx);
        let num = key.parse::<i64>().ok();
        Ok(match kind.as_str() {
            "Region" => {
                v.require(&crate::region::policy::POLICY, Action::Read)?;
                crate::region::service::find(db, &key)
                    .await?
                    .map(|r| Node::Region(r.into()))
            }
            "User" => {
                v.require(&crate::auth::graphql::POLICY, Action::Read)?;
                match num {
                    Some(n) => entity::auth::user::Entity::find_by_id(n)
                        .one(db)
                        .await
                        .map_err(AppError::from)?
                        .map(|u| Node::User(User(u))),
                    None => None,
                }
            }
            "AuditEntry" => {
                let scope = v.authorize(&crate::audit::query::POLICY, Action::Read)?;
                match num {
                    Some(n) => crate::audit::service::find(db, n, &scope)
                        .await?
                        .map(|e| Node::AuditEntry(AuditEntry(e))),
                    None => None,
                }
            }
            "WebhookEndpoint" | "WebhookDelivery" => {
                use crate::webhooks::service as webhooks;
                v.require(&crate::webhooks::POLICY, Action::Read)?;
                let Some(n) = num else { return Ok(None) };
                if kind == "WebhookEndpoint" {
                    webhooks::find_endpoint(db, n)
                        .await?
                        .map(|e| Node::WebhookEndpoint(WebhookEndpoint(e)))
                } else {
                    webhooks::find_delivery(db, n)
                        .await?
                        .map(|d| Node::WebhookDelivery(WebhookDelivery(d)))
                }
            }
            _ => None,
        })
    }
}

//! Survey's records by global id (`node(id)`): the resolver its registration (`DOMAIN`)
//! gives the shared parts. Survey's records do not sync.

use async_graphql::Context;
use sea_orm::{DatabaseConnection, EntityTrait};

use super::policy::POLICY;
use super::types::ReportedFigure;
use crate::access::{Action, viewer};
use crate::domains::nodes::Node;
use crate::error::AppError;
use crate::registry::Found;

/// `node(id)` for survey's types: reported figures are published statistics (`Aggregate`).
pub fn resolve<'a>(ctx: &'a Context<'_>, kind: &'a str, key: &'a str) -> Found<'a, Option<Node>> {
    Box::pin(async move {
        let db = ctx.data_unchecked::<DatabaseConnection>();
        if kind != "ReportedFigure" {
            return Ok(None);
        }
        viewer(ctx).require(&POLICY, Action::Aggregate)?;
        let Ok(n) = key.parse::<i64>() else {
            return Ok(None);
        };
        Ok(entity::survey::reported_figure::Entity::find_by_id(n)
            .one(db)
            .await
            .map_err(AppError::from)?
            .map(|f| Node::ReportedFigure(ReportedFigure(f))))
    })
}

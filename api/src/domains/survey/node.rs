//! Survey's node types (`node(id)`): its registration's `nodes`. Reported figures are
//! published statistics (`Aggregate`); survey's records do not sync.

use sea_orm::{DatabaseConnection, EntityTrait};

use super::policy::POLICY;
use super::types::ReportedFigure;
use crate::access::{Action, viewer};
use crate::error::AppError;
use crate::registry::{NodeType, table_of};

/// Survey's types.
pub static NODES: &[NodeType] = &[NodeType {
    name: "ReportedFigure",
    table: table_of!(entity::survey::reported_figure),
    find: |ctx, id| {
        Box::pin(async move {
            viewer(ctx).require(&POLICY, Action::Aggregate)?;
            let db = ctx.data_unchecked::<DatabaseConnection>();
            Ok(entity::survey::reported_figure::Entity::find_by_id(id)
                .one(db)
                .await
                .map_err(AppError::from)?
                .map(|f| ReportedFigure(f).into()))
        })
    },
    sync: None,
}];

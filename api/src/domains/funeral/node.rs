//! Funeral's records by global id (`node(id)`) and by id for sync: the resolvers its
//! registration (`DOMAIN`) gives the shared parts.

use async_graphql::Context;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

use super::policy::POLICY;
use super::service::find_in_scope;
use super::types::{
    FuneralFacility, FuneralFeeStandard, FuneralMilestone, FuneralProject, FuneralSubsidy, FuneralViolation,
    GravePlot, GravePlotHold,
};
use crate::access::{Action, viewer};
use crate::domains::nodes::Node;
use crate::error::AppResult;
use crate::registry::{Found, Loaded, load_own};

/// `node(id)` for funeral's types.
pub fn resolve<'a>(ctx: &'a Context<'_>, kind: &'a str, key: &'a str) -> Found<'a, Option<Node>> {
    use entity::funeral as f;
    Box::pin(async move {
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let Ok(n) = key.parse::<i64>() else {
            return Ok(None);
        };
        Ok(match kind {
            "FuneralFacility" => find_in_scope::<f::facility::Entity>(db, n, &scope)
                .await?
                .map(|r| Node::FuneralFacility(FuneralFacility(r))),
            "FuneralProject" => find_in_scope::<f::project::Entity>(db, n, &scope)
                .await?
                .map(|r| Node::FuneralProject(FuneralProject(r))),
            "FuneralMilestone" => find_in_scope::<f::milestone::Entity>(db, n, &scope)
                .await?
                .map(|r| Node::FuneralMilestone(FuneralMilestone(r))),
            "GravePlot" => find_in_scope::<f::plot::Entity>(db, n, &scope)
                .await?
                .map(|r| Node::GravePlot(GravePlot(r))),
            "GravePlotHold" => find_in_scope::<f::hold::Entity>(db, n, &scope)
                .await?
                .map(|r| Node::GravePlotHold(GravePlotHold(r))),
            "FuneralFeeStandard" => find_in_scope::<f::fee_standard::Entity>(db, n, &scope)
                .await?
                .map(|r| Node::FuneralFeeStandard(FuneralFeeStandard(r))),
            "FuneralSubsidy" => find_in_scope::<f::subsidy::Entity>(db, n, &scope)
                .await?
                .map(|r| Node::FuneralSubsidy(FuneralSubsidy(r))),
            "FuneralViolation" => find_in_scope::<f::violation::Entity>(db, n, &scope)
                .await?
                .map(|r| Node::FuneralViolation(FuneralViolation(r))),
            _ => None,
        })
    })
}

/// Synced records of type `name` with these ids that still exist, by id: one statement.
pub fn load<'a>(
    db: &'a DatabaseConnection,
    name: &'a str,
    ids: &'a [i64],
) -> futures_util::future::BoxFuture<'a, AppResult<HashMap<i64, Loaded>>> {
    use entity::funeral as f;
    Box::pin(async move {
        match name {
            "FuneralFacility" => {
                load_own::<f::facility::Entity>(db, ids, |m| Node::FuneralFacility(FuneralFacility(m))).await
            }
            "FuneralProject" => {
                load_own::<f::project::Entity>(db, ids, |m| Node::FuneralProject(FuneralProject(m))).await
            }
            "FuneralMilestone" => {
                load_own::<f::milestone::Entity>(db, ids, |m| Node::FuneralMilestone(FuneralMilestone(m)))
                    .await
            }
            "GravePlot" => load_own::<f::plot::Entity>(db, ids, |m| Node::GravePlot(GravePlot(m))).await,
            "GravePlotHold" => {
                load_own::<f::hold::Entity>(db, ids, |m| Node::GravePlotHold(GravePlotHold(m))).await
            }
            "FuneralFeeStandard" => {
                load_own::<f::fee_standard::Entity>(db, ids, |m| {
                    Node::FuneralFeeStandard(FuneralFeeStandard(m))
                })
                .await
            }
            "FuneralSubsidy" => {
                load_own::<f::subsidy::Entity>(db, ids, |m| Node::FuneralSubsidy(FuneralSubsidy(m))).await
            }
            "FuneralViolation" => {
                load_own::<f::violation::Entity>(db, ids, |m| Node::FuneralViolation(FuneralViolation(m)))
                    .await
            }
            _ => Ok(HashMap::new()),
        }
    })
}

//! Community's records by global id (`node(id)`) and by id for sync: the resolvers its
//! registration (`DOMAIN`) gives the shared parts.

use async_graphql::Context;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

use super::policy::POLICY;
use super::service as community;
use super::types::{CommunityFacility, CommunityGrid, CommunityStaff, CommunityUnit};
use crate::access::{Action, viewer};
use crate::domains::nodes::Node;
use crate::error::AppResult;
use crate::registry::{Found, Loaded, load_own};

/// `node(id)` for community's types.
pub fn resolve<'a>(ctx: &'a Context<'_>, kind: &'a str, key: &'a str) -> Found<'a, Option<Node>> {
    Box::pin(async move {
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let Ok(n) = key.parse::<i64>() else {
            return Ok(None);
        };
        Ok(match kind {
            "CommunityUnit" => community::units::find_unit(db, n, &scope)
                .await?
                .map(|u| Node::CommunityUnit(CommunityUnit(u))),
            "CommunityStaff" => community::staff::find_staff(db, n, &scope)
                .await?
                .map(|s| Node::CommunityStaff(CommunityStaff(s))),
            "CommunityFacility" => community::facilities::find_facility(db, n, &scope)
                .await?
                .map(|f| Node::CommunityFacility(CommunityFacility(f))),
            "CommunityGrid" => community::grids::find_grid(db, n, &scope)
                .await?
                .map(|g| Node::CommunityGrid(CommunityGrid(g))),
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
    use entity::community as c;
    Box::pin(async move {
        match name {
            "CommunityUnit" => {
                load_own::<c::unit::Entity>(db, ids, |m| Node::CommunityUnit(CommunityUnit(m))).await
            }
            "CommunityStaff" => {
                load_own::<c::staff::Entity>(db, ids, |m| Node::CommunityStaff(CommunityStaff(m))).await
            }
            "CommunityFacility" => {
                load_own::<c::facility::Entity>(db, ids, |m| Node::CommunityFacility(CommunityFacility(m)))
                    .await
            }
            "CommunityGrid" => {
                load_own::<c::grid::Entity>(db, ids, |m| Node::CommunityGrid(CommunityGrid(m))).await
            }
            _ => Ok(HashMap::new()),
        }
    })
}

//! Community mutations: each validated and atomic (audit and change log in the same
//! transaction), returning the changed object; changes and deletions check `expectedVersion`.

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;

use super::policy::POLICY;
use super::service::{facilities, grids, staff, units};
use super::types::*;
use crate::write::Writer;

#[derive(Default)]
pub struct CommunityMutation;

fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

fn writer(ctx: &Context<'_>, idempotency_key: Option<String>) -> Result<Writer> {
    Ok(Writer::authorize(ctx, &POLICY, idempotency_key)?)
}

fn key(field: &str, kind: &str, id: &ID) -> Result<i64> {
    Ok(crate::ids::parse(field, kind, id)?)
}

#[Object]
impl CommunityMutation {
    /// Creates a community unit (新建社区居委会) in your reach.
    async fn create_community_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit.")] input: CommunityUnitInput,
        #[graphql(
            desc = "Client-generated UUID of the new unit; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<CommunityUnit> {
        let w = writer(ctx, idempotency_key)?;
        Ok(CommunityUnit(
            units::create_unit(db(ctx), &w.who(), input.into(), uuid).await?,
        ))
    }

    /// Changes a community unit; its staff, facilities and grids follow it to a new region.
    async fn update_community_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit.")] id: ID,
        #[graphql(desc = "Its new fields.")] input: CommunityUnitInput,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<CommunityUnit> {
        let w = writer(ctx, None)?;
        let id = key("id", "CommunityUnit", &id)?;
        Ok(CommunityUnit(
            units::update_unit(db(ctx), &w.who(), id, input.into(), expected_version).await?,
        ))
    }

    /// Deletes a community unit with no staff, facilities or grids left (CONFLICT otherwise);
    /// the change log keeps its tombstone.
    async fn delete_community_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit.")] id: ID,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<CommunityUnit> {
        let w = writer(ctx, None)?;
        let id = key("id", "CommunityUnit", &id)?;
        Ok(CommunityUnit(
            units::delete_unit(db(ctx), &w.who(), id, expected_version).await?,
        ))
    }

    /// Adds a staff member (社区工作者) to a unit in your reach; a second party secretary is a CONFLICT.
    async fn add_community_staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The staff member.")] input: CommunityStaffInput,
        #[graphql(
            desc = "Client-generated UUID of the new record; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<CommunityStaff> {
        let w = writer(ctx, idempotency_key)?;
        Ok(CommunityStaff(
            staff::create_staff(db(ctx), &w.who(), input.into_service()?, uuid).await?,
        ))
    }

    /// Changes a staff member (a move to another unit in your reach included).
    async fn update_community_staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The staff member.")] id: ID,
        #[graphql(desc = "The new fields.")] input: CommunityStaffInput,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<CommunityStaff> {
        let w = writer(ctx, None)?;
        let id = key("id", "CommunityStaff", &id)?;
        Ok(CommunityStaff(
            staff::update_staff(db(ctx), &w.who(), id, input.into_service()?, expected_version).await?,
        ))
    }

    /// Removes a staff member (离任); the change log keeps the tombstone.
    async fn remove_community_staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The staff member.")] id: ID,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<CommunityStaff> {
        let w = writer(ctx, None)?;
        let id = key("id", "CommunityStaff", &id)?;
        Ok(CommunityStaff(
            staff::delete_staff(db(ctx), &w.who(), id, expected_version).await?,
        ))
    }

    /// Adds a facility (服务设施) to a unit in your reach.
    async fn add_community_facility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The facility.")] input: CommunityFacilityInput,
        #[graphql(
            desc = "Client-generated UUID of the new record; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<CommunityFacility> {
        let w = writer(ctx, idempotency_key)?;
        Ok(CommunityFacility(
            facilities::create_facility(db(ctx), &w.who(), input.into_service()?, uuid).await?,
        ))
    }

    /// Changes a facility.
    async fn update_community_facility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The facility.")] id: ID,
        #[graphql(desc = "The new fields.")] input: CommunityFacilityInput,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<CommunityFacility> {
        let w = writer(ctx, None)?;
        let id = key("id", "CommunityFacility", &id)?;
        Ok(CommunityFacility(
            facilities::update_facility(db(ctx), &w.who(), id, input.into_service()?, expected_version)
                .await?,
        ))
    }

    /// Removes a facility; the change log keeps the tombstone.
    async fn remove_community_facility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The facility.")] id: ID,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<CommunityFacility> {
        let w = writer(ctx, None)?;
        let id = key("id", "CommunityFacility", &id)?;
        Ok(CommunityFacility(
            facilities::delete_facility(db(ctx), &w.who(), id, expected_version).await?,
        ))
    }

    /// Adds a grid (网格) to a unit in your reach; the unit's grids cover no more than its households.
    async fn add_community_grid(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit.")] unit_id: ID,
        #[graphql(desc = "Grid name, 1-64 characters.")] name: String,
        #[graphql(desc = "Households covered, not negative.")] households: i32,
        #[graphql(
            desc = "Client-generated UUID of the new record; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<CommunityGrid> {
        let w = writer(ctx, idempotency_key)?;
        let unit_id = key("unitId", "CommunityUnit", &unit_id)?;
        Ok(CommunityGrid(
            grids::create_grid(db(ctx), &w.who(), unit_id, name, households, uuid).await?,
        ))
    }

    /// Renames a grid or changes the households it covers.
    async fn update_community_grid(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The grid.")] id: ID,
        #[graphql(desc = "Grid name, 1-64 characters.")] name: String,
        #[graphql(desc = "Households covered, not negative.")] households: i32,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<CommunityGrid> {
        let w = writer(ctx, None)?;
        let id = key("id", "CommunityGrid", &id)?;
        Ok(CommunityGrid(
            grids::update_grid(db(ctx), &w.who(), id, name, households, expected_version).await?,
        ))
    }

    /// Removes a grid; its workers stay with the unit on no grid.
    async fn remove_community_grid(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The grid.")] id: ID,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<CommunityGrid> {
        let w = writer(ctx, None)?;
        let id = key("id", "CommunityGrid", &id)?;
        Ok(CommunityGrid(
            grids::delete_grid(db(ctx), &w.who(), id, expected_version).await?,
        ))
    }
}

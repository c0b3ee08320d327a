//! Funeral mutations: each validated and atomic (audit and change log in the same
//! transaction), returning the changed object; changes check `expectedVersion`.

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;

use super::policy::POLICY;
use super::service::{facilities, plots, projects, services};
use super::types::*;
use crate::scalars::{Date, Money};
use crate::write::Writer;

#[derive(Default)]
pub struct FuneralMutation;

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
impl FuneralMutation {
    /// Creates a funeral facility (新建殡葬设施) in your reach.
    async fn create_funeral_facility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The facility.")] input: FuneralFacilityInput,
        #[graphql(
            desc = "Client-generated UUID; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<FuneralFacility> {
        let w = writer(ctx, idempotency_key)?;
        Ok(FuneralFacility(
            facilities::create_facility(db(ctx), &w.who(), input.into_service()?, uuid).await?,
        ))
    }

    /// Changes a facility: its name, stage (建设进度), capacity or parent centre; not its kind.
    async fn update_funeral_facility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The facility.")] id: ID,
        #[graphql(desc = "Its new fields.")] input: FuneralFacilityInput,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<FuneralFacility> {
        let w = writer(ctx, None)?;
        let id = key("id", "FuneralFacility", &id)?;
        Ok(FuneralFacility(
            facilities::update_facility(db(ctx), &w.who(), id, input.into_service()?, expected_version)
                .await?,
        ))
    }

    /// Creates a construction project (建设项目) with its funding.
    async fn create_funeral_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] input: FuneralProjectInput,
        #[graphql(
            desc = "Client-generated UUID; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<FuneralProject> {
        let w = writer(ctx, idempotency_key)?;
        Ok(FuneralProject(
            projects::create_project(db(ctx), &w.who(), input.into_service()?, uuid).await?,
        ))
    }

    /// Changes a project: its facility, name or funding; not its region.
    async fn update_funeral_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] id: ID,
        #[graphql(desc = "Its new fields.")] input: FuneralProjectInput,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<FuneralProject> {
        let w = writer(ctx, None)?;
        let id = key("id", "FuneralProject", &id)?;
        Ok(FuneralProject(
            projects::update_project(db(ctx), &w.who(), id, input.into_service()?, expected_version).await?,
        ))
    }

    /// Adds a milestone (节点) to a project.
    async fn add_funeral_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] project_id: ID,
        #[graphql(desc = "The milestone.")] input: FuneralMilestoneInput,
        #[graphql(
            desc = "Client-generated UUID; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<FuneralMilestone> {
        let w = writer(ctx, idempotency_key)?;
        let project_id = key("projectId", "FuneralProject", &project_id)?;
        Ok(FuneralMilestone(
            projects::add_milestone(db(ctx), &w.who(), project_id, input.into(), uuid).await?,
        ))
    }

    /// Changes a milestone, e.g. records the date it was achieved (实际完成).
    async fn update_funeral_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The milestone.")] id: ID,
        #[graphql(desc = "Its new fields.")] input: FuneralMilestoneInput,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<FuneralMilestone> {
        let w = writer(ctx, None)?;
        let id = key("id", "FuneralMilestone", &id)?;
        Ok(FuneralMilestone(
            projects::update_milestone(db(ctx), &w.who(), id, input.into(), expected_version).await?,
        ))
    }

    /// Lays out a grave plot (墓穴) in a cemetery; a taken position is a CONFLICT.
    #[allow(clippy::too_many_arguments)]
    async fn add_grave_plot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The cemetery.")] cemetery_id: ID,
        #[graphql(desc = "Section (区).")] section: String,
        #[graphql(desc = "Row (排), from 1.")] row: i32,
        #[graphql(desc = "Number in the row (号), from 1.")] number: i32,
        #[graphql(desc = "Type; UNKNOWN by default.", default_with = "GravePlotType::Unknown")]
        plot_type: GravePlotType,
        #[graphql(desc = "Price, yuan.")] price: Option<Money>,
        #[graphql(
            desc = "Client-generated UUID; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<GravePlot> {
        let w = writer(ctx, idempotency_key)?;
        let cemetery_id = key("cemeteryId", "FuneralFacility", &cemetery_id)?;
        Ok(GravePlot(
            plots::add_plot(
                db(ctx),
                &w.who(),
                cemetery_id,
                section,
                row,
                number,
                plot_type.into(),
                price.map(Money::fen),
                uuid,
            )
            .await?,
        ))
    }

    /// Registers an available plot for pre-sale to a household (预售登记); a plot registered or
    /// sold already is a CONFLICT, also when registrations race.
    async fn register_grave_plot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plot.")] plot_id: ID,
        #[graphql(desc = "The household.")] holder: GravePlotHolderInput,
        #[graphql(desc = "Date registered, not in the future.")] registered_on: Date,
        #[graphql(
            desc = "Client-generated UUID; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<GravePlotHold> {
        let w = writer(ctx, idempotency_key)?;
        let plot_id = key("plotId", "GravePlot", &plot_id)?;
        Ok(GravePlotHold(
            plots::register(db(ctx), &w.who(), plot_id, holder.into(), registered_on.0, uuid).await?,
        ))
    }

    /// Cancels a registration and frees its plot; a sale is not cancelled (CONFLICT).
    async fn cancel_grave_plot_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration.")] id: ID,
        #[graphql(desc = "Date cancelled, not before the registration nor in the future.")]
        cancelled_on: Date,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<GravePlotHold> {
        let w = writer(ctx, None)?;
        let id = key("id", "GravePlotHold", &id)?;
        Ok(GravePlotHold(
            plots::cancel(db(ctx), &w.who(), id, cancelled_on.0, expected_version).await?,
        ))
    }

    /// Sells a plot (售出): to the household that registered it, or an available plot directly;
    /// a sold plot, or one registered to another household, is a CONFLICT.
    async fn sell_grave_plot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plot.")] plot_id: ID,
        #[graphql(desc = "The household.")] holder: GravePlotHolderInput,
        #[graphql(desc = "Date sold, not in the future.")] sold_on: Date,
        #[graphql(desc = "Price paid, yuan.")] price: Money,
        #[graphql(desc = "Client-generated UUID of a direct sale; made by the server when absent.")]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and changes nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<GravePlotHold> {
        let w = writer(ctx, idempotency_key)?;
        let plot_id = key("plotId", "GravePlot", &plot_id)?;
        Ok(GravePlotHold(
            plots::sell(
                db(ctx),
                &w.who(),
                plot_id,
                holder.into(),
                sold_on.0,
                price.fen(),
                uuid,
            )
            .await?,
        ))
    }

    /// Sets a fee standard (核定收费标准) for a service.
    async fn set_funeral_fee_standard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fee standard.")] input: FuneralFeeStandardInput,
        #[graphql(
            desc = "Client-generated UUID; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<FuneralFeeStandard> {
        let w = writer(ctx, idempotency_key)?;
        Ok(FuneralFeeStandard(
            services::create_fee_standard(db(ctx), &w.who(), input.into(), uuid).await?,
        ))
    }

    /// Changes a fee standard.
    async fn update_funeral_fee_standard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fee standard.")] id: ID,
        #[graphql(desc = "Its new fields.")] input: FuneralFeeStandardInput,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<FuneralFeeStandard> {
        let w = writer(ctx, None)?;
        let id = key("id", "FuneralFeeStandard", &id)?;
        Ok(FuneralFeeStandard(
            services::update_fee_standard(db(ctx), &w.who(), id, input.into(), expected_version).await?,
        ))
    }

    /// Grants a funeral subsidy (丧葬补助) to a household in hardship.
    async fn grant_funeral_subsidy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subsidy.")] input: GrantFuneralSubsidyInput,
        #[graphql(
            desc = "Client-generated UUID; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<FuneralSubsidy> {
        let w = writer(ctx, idempotency_key)?;
        Ok(FuneralSubsidy(
            services::grant_subsidy(db(ctx), &w.who(), input.into(), uuid).await?,
        ))
    }

    /// Records a burial violation (私葬乱葬).
    async fn record_funeral_violation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The violation.")] input: FuneralViolationInput,
        #[graphql(
            desc = "Client-generated UUID; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<FuneralViolation> {
        let w = writer(ctx, idempotency_key)?;
        Ok(FuneralViolation(
            services::record_violation(db(ctx), &w.who(), input.into(), uuid).await?,
        ))
    }

    /// Records how a violation was handled (persuasion, relocation, penalty), or corrects it.
    async fn update_funeral_violation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The violation.")] id: ID,
        #[graphql(desc = "Its new fields.")] input: FuneralViolationInput,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<FuneralViolation> {
        let w = writer(ctx, None)?;
        let id = key("id", "FuneralViolation", &id)?;
        Ok(FuneralViolation(
            services::update_violation(db(ctx), &w.who(), id, input.into(), expected_version).await?,
        ))
    }
}

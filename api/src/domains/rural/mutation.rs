//! Rural mutations: each validated and atomic (audit and change log in the same transaction).

use async_graphql::{Context, ID, Object, Result};
use sea_orm::{DatabaseConnection, EntityTrait};

use super::policy::POLICY;
use super::service::{indicators, observations, villages};
use super::types::*;
use crate::access::Scope;
use crate::error::AppError;
use crate::scalars::Money;
use crate::units;
use crate::write::Writer;

#[derive(Default)]
pub struct RuralMutation;

fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

fn writer(ctx: &Context<'_>, idempotency_key: Option<String>) -> Result<Writer> {
    Ok(Writer::authorize(ctx, &POLICY, idempotency_key)?)
}

#[Object]
impl RuralMutation {
    /// Adds an indicator to the catalogue (新增指标); callers whose reach is every region only.
    #[allow(clippy::too_many_arguments)]
    async fn define_indicator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Code: letters, digits, '_' and '.'.")] code: String,
        #[graphql(desc = "Chinese name.")] name_zh: String,
        #[graphql(desc = "English name.")] name_en: String,
        #[graphql(desc = "Pillar.")] pillar: Pillar,
        #[graphql(desc = "Canonical unit, e.g. `斤`, `亩`, `元`, `ratio`.")] unit: String,
        #[graphql(desc = "What it measures.", default)] description: String,
        #[graphql(desc = "Where the definition comes from.", default)] source: String,
    ) -> Result<Indicator> {
        let w = writer(ctx, None)?;
        let who = w.who();
        if *who.scope != Scope::All {
            return Err(AppError::Forbidden(
                "the catalogue is shared by every region; ask an administrator".into(),
            )
            .into());
        }
        let f = indicators::IndicatorFields {
            code,
            name_zh,
            name_en,
            pillar: pillar.into(),
            unit,
            description,
            source,
        };
        Ok(Indicator(indicators::define(db(ctx), &who, f).await?))
    }

    /// Records an indicator's value for a region and period (录入观测值). A value for the same
    /// indicator, region and period replaces the recorded one only with its `expectedVersion`
    /// (CONFLICT otherwise).
    async fn upsert_observation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The observation.")] input: ObservationInputGql,
        #[graphql(desc = "The version you read, to replace a recorded value.")] expected_version: Option<i32>,
        #[graphql(desc = "Client-generated UUID of a new observation.")] uuid: Option<String>,
    ) -> Result<Observation> {
        let w = writer(ctx, None)?;
        let model = observations::upsert(db(ctx), &w.who(), input.into(), expected_version, uuid).await?;
        let ind = entity::rural::indicator::Entity::find_by_id(model.indicator_id)
            .one(db(ctx))
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("indicator of observation {} vanished", model.id))
            })?;
        let unit = units::unit("unit", &ind.unit)?;
        let value = units::decimal("value", &model.value)?;
        Ok(Observation {
            shown: UnitValue::of(units::convert("unit", value, unit, unit, 4)?, unit),
            year_over_year: None,
            indicator: ind,
            model: Box::new(model),
        })
    }

    /// Creates a village (新建行政村) in your reach.
    async fn create_village(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The village.")] input: VillageInput,
        #[graphql(
            desc = "Client-generated UUID; made by the server when absent; one already used is a CONFLICT."
        )]
        uuid: Option<String>,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Village> {
        let w = writer(ctx, idempotency_key)?;
        Ok(Village(
            villages::create(db(ctx), &w.who(), input.into(), uuid).await?,
        ))
    }

    /// Changes a village and its party organisation.
    async fn update_village(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The village.")] id: ID,
        #[graphql(desc = "Its new fields.")] input: VillageInput,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<Village> {
        let w = writer(ctx, None)?;
        let id = crate::ids::parse("id", "Village", &id)?;
        Ok(Village(
            villages::update(db(ctx), &w.who(), id, input.into(), expected_version).await?,
        ))
    }

    /// Records a village's collective-economy income for a year (村集体经济收入); a year recorded
    /// already is replaced only with its `expectedVersion`.
    async fn record_village_income(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The village.")] village_id: ID,
        #[graphql(desc = "The year.")] year: i32,
        #[graphql(desc = "Income, yuan, not negative.")] income: Money,
        #[graphql(desc = "The version you read, to replace a recorded year.")] expected_version: Option<i32>,
    ) -> Result<VillageIncome> {
        let w = writer(ctx, None)?;
        let village_id = crate::ids::parse("villageId", "Village", &village_id)?;
        Ok(VillageIncome(
            villages::record_income(
                db(ctx),
                &w.who(),
                village_id,
                year,
                income.fen(),
                expected_version,
            )
            .await?,
        ))
    }
}

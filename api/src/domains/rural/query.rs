//! Rural queries: thin resolvers over the services.

use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

use super::policy::POLICY;
use super::service::{Period, indicators, observations, villages};
use super::types::*;
use crate::access::{Action, viewer};
use crate::error::AppError;
use crate::pagination::PageArgs;
use crate::region::loaders::{regions, subtree};
use crate::scalars::Money;
use crate::units;

#[derive(Default)]
pub struct RuralQuery;

fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

/// Filter of `indicators`.
#[derive(InputObject, Default)]
pub struct IndicatorFilter {
    /// Indicators of this pillar.
    pub pillar: Option<Pillar>,
    /// Code or name (Chinese or English) contains this text.
    pub search: Option<String>,
}

/// Collective income below an amount in a year.
#[derive(InputObject)]
pub struct IncomeBelow {
    /// The year.
    pub year: i32,
    /// The amount, yuan (e.g. `"50000"`, report 9's veto line).
    pub amount: Money,
}

/// Filter of `villages`.
#[derive(InputObject, Default)]
pub struct VillageFilter {
    /// Villages of this region or below.
    pub region_code: Option<String>,
    /// Villages whose recorded collective income in a year is below an amount; villages with
    /// no income that year are unknown and not listed (see `incomeUnknownIn`).
    pub income_below: Option<IncomeBelow>,
    /// Villages with no collective income recorded for this year (收入未知).
    pub income_unknown_in: Option<i32>,
    /// Villages under rectification (or not).
    pub under_rectification: Option<bool>,
}

/// Filter of `ruralStats`.
#[derive(InputObject)]
pub struct RuralStatsFilter {
    /// Statistics of this region and below; every region in your reach when absent.
    pub region_code: Option<String>,
    /// The year incomes are counted in.
    pub year: i32,
}

#[Object]
impl RuralQuery {
    /// The indicator catalogue (指标目录), by code.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which indicators to list.")] filter: Option<IndicatorFilter>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<IndicatorConnection> {
        viewer(ctx).require(&POLICY, Action::Aggregate)?;
        let f = filter.unwrap_or_default();
        let filter = indicators::IndicatorFilter {
            pillar: f.pillar.map(Into::into),
            search: f.search,
        };
        let db = db(ctx).clone();
        let page = indicators::list(&db, &filter, &PageArgs::new(first, after, last, before)).await?;
        Ok(IndicatorConnection {
            page: page.map(Indicator),
            count: crate::pagination::Count::uncached(move || {
                let (db, f) = (db.clone(), filter.clone());
                Box::pin(async move { indicators::count(&db, &f).await })
            }),
        })
    }

    /// One indicator by code.
    async fn indicator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Indicator code.")] code: String,
    ) -> Result<Option<Indicator>> {
        viewer(ctx).require(&POLICY, Action::Aggregate)?;
        Ok(indicators::by_code(db(ctx), &code).await?.map(Indicator))
    }

    /// An indicator's values for one region over time (时间序列), by period, each with its
    /// year-over-year change, in `unit` (the canonical unit by default): exact where the
    /// conversion allows, else rounded half-even to `places`.
    #[allow(clippy::too_many_arguments)]
    async fn indicator_series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Indicator code.")] indicator: String,
        #[graphql(desc = "Region code (that region's own values).")] region_code: String,
        #[graphql(desc = "First period, e.g. `2020`.")] from: Option<String>,
        #[graphql(desc = "Last period, e.g. `2023`.")] to: Option<String>,
        #[graphql(
            desc = "Unit to show the values in, of the indicator's dimension (e.g. `吨`, `万亩`, `%`)."
        )]
        unit: Option<String>,
        #[graphql(
            desc = "Places to round to where a conversion does not terminate: 0 to 12, 4 by default.",
            default = 4
        )]
        places: u32,
    ) -> Result<Vec<Observation>> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Aggregate)?;
        if places > 12 {
            return Err(AppError::bad_input("places", "places must be between 0 and 12").into());
        }
        let ind = indicators::require(db(ctx), &indicator, "indicator").await?;
        let region = subtree(ctx, Some(&region_code), "regionCode")
            .await?
            .ok_or_else(|| AppError::bad_input("regionCode", "a region is needed"))?;
        let from = from.map(|p| Period::parse("from", &p)).transpose()?;
        let to = to.map(|p| Period::parse("to", &p)).transpose()?;
        let canonical = units::unit("unit", &ind.unit)?;
        let shown = match unit {
            Some(u) => units::unit("unit", &u)?,
            None => canonical,
        };
        if shown.dimension != canonical.dimension {
            return Err(AppError::bad_input(
                "unit",
                format!(
                    "{} ({}) cannot show {} ({})",
                    shown.symbol, shown.dimension, ind.unit, canonical.dimension
                ),
            )
            .into());
        }
        let rows = observations::series(
            db(ctx),
            &scope,
            ind.id,
            &region,
            region_code.trim(),
            from.as_ref().map(|p| p.start),
            to.as_ref().map(|p| p.start),
        )
        .await?;
        let by_period: HashMap<String, String> =
            rows.iter().map(|o| (o.period.clone(), o.value.clone())).collect();
        let mut out = Vec::new();
        for o in rows {
            if from.as_ref().is_some_and(|f| o.period_start < f.start) {
                continue;
            }
            let previous = Period::parse("period", &o.period)?
                .year_before()
                .and_then(|p| by_period.get(&p.key).cloned());
            let value = units::decimal("value", &o.value)?;
            let converted = units::convert("unit", value, canonical, shown, places)?;
            out.push(Observation {
                year_over_year: previous.and_then(|p| change(&o.value, &p)),
                shown: UnitValue::of(converted, shown),
                indicator: ind.clone(),
                model: Box::new(o),
            });
        }
        Ok(out)
    }

    /// Every indicator's value for one region and period (截面), by indicator code, in each
    /// indicator's canonical unit.
    pub async fn indicator_snapshot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Region code.")] region_code: String,
        #[graphql(desc = "Period: `2023`, `2023H1`, `2023Q2` or `2023-05`.")] period: String,
    ) -> Result<Vec<Observation>> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Aggregate)?;
        let region = subtree(ctx, Some(&region_code), "regionCode")
            .await?
            .ok_or_else(|| AppError::bad_input("regionCode", "a region is needed"))?;
        let period = Period::parse("period", &period)?;
        let mut out = Vec::new();
        for (o, ind) in observations::snapshot(db(ctx), &scope, &region, region_code.trim(), &period).await? {
            let unit = units::unit("unit", &ind.unit)?;
            let value = units::decimal("value", &o.value)?;
            out.push(Observation {
                shown: UnitValue::of(units::convert("unit", value, unit, unit, 4)?, unit),
                year_over_year: None,
                indicator: ind,
                model: Box::new(o),
            });
        }
        Ok(out)
    }

    /// Villages (行政村/嘎查村), by name.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn villages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which villages to list.")] filter: Option<VillageFilter>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<VillageConnection> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let f = filter.unwrap_or_default();
        let filter = villages::VillageFilter {
            region: subtree(ctx, f.region_code.as_deref(), "regionCode").await?,
            income_below: f.income_below.map(|i| (i.year, i.amount.fen())),
            income_unknown_in: f.income_unknown_in,
            under_rectification: f.under_rectification,
            scope,
        };
        let db = db(ctx).clone();
        let page = villages::list(&db, &filter, &PageArgs::new(first, after, last, before)).await?;
        Ok(VillageConnection {
            page: page.map(Village),
            count: crate::pagination::Count::keyed(format!("ruralVillages {filter:?}"), move || {
                let (db, f) = (db.clone(), filter.clone());
                Box::pin(async move { villages::count(&db, &f).await })
            }),
        })
    }

    /// One village by id.
    async fn village(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Village id.")] id: ID,
    ) -> Result<Option<Village>> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let Some(id) = crate::ids::key_of("Village", &id) else {
            return Ok(None);
        };
        Ok(villages::find(db(ctx), id, &scope).await?.map(Village))
    }

    /// Rural statistics (乡村振兴统计) of a region in a year: collective incomes against the
    /// thresholds in force for the region (each from the report that sets it), and the party
    /// organisation's age structure, reserve cadres and rectifications, as report 9 measures
    /// them; unknown figures are counted apart.
    #[graphql(complexity = 20)]
    pub async fn rural_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Region and year.")] filter: RuralStatsFilter,
    ) -> Result<RuralStats> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Aggregate)?;
        let region = subtree(ctx, filter.region_code.as_deref(), "regionCode").await?;
        let key = format!("rural.totals {scope:?} {region:?} {}", filter.year);
        let totals = crate::cache::cached(ctx, key, || {
            villages::totals(db(ctx), &scope, region.as_ref(), filter.year)
        })
        .await?;
        let directory = regions(ctx).await?;
        let key = format!("rural.thresholds {scope:?} {region:?} {}", filter.year);
        let thresholds = crate::cache::cached(ctx, key, || {
            villages::threshold_counts(db(ctx), &scope, region.as_ref(), filter.year, &directory)
        })
        .await?;
        let protection = crate::aggregate::graphql::protection(ctx, &POLICY);
        Ok(RuralStats::of(filter.year, totals, thresholds, protection.as_deref()))
    }
}

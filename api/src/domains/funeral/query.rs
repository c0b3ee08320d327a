//! Funeral queries: thin resolvers over the services.

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;

use super::policy::POLICY;
use super::service::{facilities, plots, projects, services};
use super::stats::{self, StatsFilter};
use super::types::*;
use crate::access::{Action, viewer};
use crate::pagination::{OrderDirection, PageArgs};
use crate::region::loaders::subtree;
use crate::scalars::Date;

#[derive(Default)]
pub struct FuneralQuery;

fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

fn id_of(kind: &str, id: &ID) -> Option<i64> {
    crate::ids::key_of(kind, id)
}

fn parse(field: &str, kind: &str, id: &Option<ID>) -> Result<Option<i64>> {
    Ok(id
        .as_ref()
        .map(|i| crate::ids::parse(field, kind, i))
        .transpose()?)
}

#[Object]
impl FuneralQuery {
    /// Funeral facilities (殡葬设施), by id unless ordered otherwise.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    pub async fn funeral_facilities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which facilities to list.")] filter: Option<FuneralFacilityFilter>,
        #[graphql(desc = "Ordering, by id ascending by default; ties broken by id.")] order_by: Option<
            FuneralFacilityOrderBy,
        >,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<FuneralFacilityConnection> {
        let mut f = filter.unwrap_or_default().into_service(ctx).await?;
        f.scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let (by_name, direction) = order_by.map_or((false, OrderDirection::Asc), |o| {
            (o.field == FuneralFacilityOrderField::Name, o.direction)
        });
        let db = db(ctx).clone();
        let args = PageArgs::new(first, after, last, before);
        let page =
            facilities::list_facilities(&db, &f, by_name, direction == OrderDirection::Asc, &args).await?;
        Ok(FuneralFacilityConnection {
            page: page.map(FuneralFacility),
            count: crate::pagination::Count::keyed(format!("funeralFacilities {f:?}"), move || {
                let (db, f) = (db.clone(), f.clone());
                Box::pin(async move { facilities::count_facilities(&db, &f).await })
            }),
        })
    }

    /// One funeral facility by id.
    async fn funeral_facility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Facility id.")] id: ID,
    ) -> Result<Option<FuneralFacility>> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let Some(id) = id_of("FuneralFacility", &id) else {
            return Ok(None);
        };
        Ok(facilities::find_facility(db(ctx), id, &scope)
            .await?
            .map(FuneralFacility))
    }

    /// Construction projects (建设项目), by id.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    pub async fn funeral_projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which projects to list.")] filter: Option<FuneralProjectFilter>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<FuneralProjectConnection> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let f = filter.unwrap_or_default();
        let filter = projects::ProjectFilter {
            region: subtree(ctx, f.region_code.as_deref(), "regionCode").await?,
            facility_id: parse("facilityId", "FuneralFacility", &f.facility_id)?,
            behind_schedule_as_of: f.behind_schedule_as_of.map(|d| d.0),
            scope,
        };
        let db = db(ctx).clone();
        let page = projects::list_projects(&db, &filter, &PageArgs::new(first, after, last, before)).await?;
        Ok(FuneralProjectConnection {
            page: page.map(FuneralProject),
            count: crate::pagination::Count::keyed(format!("funeralProjects {filter:?}"), move || {
                let (db, f) = (db.clone(), filter.clone());
                Box::pin(async move { projects::count_projects(&db, &f).await })
            }),
        })
    }

    /// One construction project by id.
    async fn funeral_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Project id.")] id: ID,
    ) -> Result<Option<FuneralProject>> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let Some(id) = id_of("FuneralProject", &id) else {
            return Ok(None);
        };
        Ok(projects::find_project(db(ctx), id, &scope)
            .await?
            .map(FuneralProject))
    }

    /// Grave plots (墓穴), in the order laid out unless ordered otherwise.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn grave_plots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which plots to list.")] filter: Option<GravePlotFilter>,
        #[graphql(desc = "Ordering, by id ascending by default; ties broken by id.")] order_by: Option<
            GravePlotOrderBy,
        >,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<GravePlotConnection> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let f = filter.unwrap_or_default();
        let filter = plots::PlotFilter {
            region: subtree(ctx, f.region_code.as_deref(), "regionCode").await?,
            cemetery_id: parse("cemeteryId", "FuneralFacility", &f.cemetery_id)?,
            status: f.status.map(Into::into),
            section: f.section,
            scope,
        };
        let (by_price, direction) = order_by.map_or((false, OrderDirection::Asc), |o| {
            (o.field == GravePlotOrderField::Price, o.direction)
        });
        let db = db(ctx).clone();
        let args = PageArgs::new(first, after, last, before);
        let page = plots::list_plots(&db, &filter, by_price, direction == OrderDirection::Asc, &args).await?;
        Ok(GravePlotConnection {
            page: page.map(GravePlot),
            count: crate::pagination::Count::keyed(format!("gravePlots {filter:?}"), move || {
                let (db, f) = (db.clone(), filter.clone());
                Box::pin(async move { plots::count_plots(&db, &f).await })
            }),
        })
    }

    /// One grave plot by id.
    async fn grave_plot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Plot id.")] id: ID,
    ) -> Result<Option<GravePlot>> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let Some(id) = id_of("GravePlot", &id) else {
            return Ok(None);
        };
        Ok(plots::find_plot(db(ctx), id, &scope).await?.map(GravePlot))
    }

    /// Fee standards (收费标准) of a region and below, by region, service and newest first.
    async fn funeral_fee_standards(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fee standards of this region or below; every region in your reach when absent.")]
        region_code: Option<String>,
    ) -> Result<Vec<FuneralFeeStandard>> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let region = subtree(ctx, region_code.as_deref(), "regionCode").await?;
        Ok(services::fee_standards(db(ctx), &scope, region.as_ref())
            .await?
            .into_iter()
            .map(FuneralFeeStandard)
            .collect())
    }

    /// Funeral subsidies (丧葬补助), latest payment first.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn funeral_subsidies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Subsidies of this region or below.")] region_code: Option<String>,
        #[graphql(desc = "Paid on or after this date.")] paid_from: Option<Date>,
        #[graphql(desc = "Paid on or before this date.")] paid_to: Option<Date>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<FuneralSubsidyConnection> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let filter = services::SubsidyFilter {
            region: subtree(ctx, region_code.as_deref(), "regionCode").await?,
            paid_from: paid_from.map(|d| d.0),
            paid_to: paid_to.map(|d| d.0),
            scope,
        };
        let db = db(ctx).clone();
        let page = services::list_subsidies(&db, &filter, &PageArgs::new(first, after, last, before)).await?;
        Ok(FuneralSubsidyConnection {
            page: page.map(FuneralSubsidy),
            count: crate::pagination::Count::keyed(format!("funeralSubsidies {filter:?}"), move || {
                let (db, f) = (db.clone(), filter.clone());
                Box::pin(async move { services::count_subsidies(&db, &f).await })
            }),
        })
    }

    /// Burial violations (私葬乱葬), latest first unless `direction` is ASC.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn funeral_violations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Violations of this region or below.")] region_code: Option<String>,
        #[graphql(desc = "Violations handled this way.")] handling: Option<ViolationHandling>,
        #[graphql(desc = "On or after this date.")] from: Option<Date>,
        #[graphql(desc = "On or before this date.")] to: Option<Date>,
        #[graphql(desc = "Order by date: DESC (latest first) by default.")] direction: Option<OrderDirection>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<FuneralViolationConnection> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let filter = services::ViolationFilter {
            region: subtree(ctx, region_code.as_deref(), "regionCode").await?,
            handling: handling.map(Into::into),
            from: from.map(|d| d.0),
            to: to.map(|d| d.0),
            scope,
        };
        let ascending = direction == Some(OrderDirection::Asc);
        let db = db(ctx).clone();
        let page = services::list_violations(
            &db,
            &filter,
            ascending,
            &PageArgs::new(first, after, last, before),
        )
        .await?;
        Ok(FuneralViolationConnection {
            page: page.map(FuneralViolation),
            count: crate::pagination::Count::keyed(format!("funeralViolations {filter:?}"), move || {
                let (db, f) = (db.clone(), filter.clone());
                Box::pin(async move { services::count_violations(&db, &f).await })
            }),
        })
    }

    /// Funeral statistics (殡葬统计) of a region: facilities and halls by stage, plots
    /// available, registered and sold, funding planned, allocated and the gap, projects and
    /// milestones behind schedule, subsidies paid, violations by how handled.
    #[graphql(complexity = 30)]
    pub async fn funeral_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Region and date.")] filter: Option<FuneralStatsFilter>,
    ) -> Result<FuneralStats> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Aggregate)?;
        let f = filter.unwrap_or_default();
        let region = subtree(ctx, f.region_code.as_deref(), "regionCode").await?;
        let (as_of, basis) = match f.as_of {
            Some(d) => (d.0, AsOfBasis::Requested),
            None => {
                let key = format!("funeral.dataDate {scope:?} {region:?}");
                let date = crate::cache::cached(ctx, key, || {
                    stats::data_date(db(ctx), &scope, region.as_ref())
                })
                .await?;
                match date {
                    Some(d) => (d, AsOfBasis::DataDate),
                    None => (crate::validate::today(), AsOfBasis::Today),
                }
            }
        };
        let filter = StatsFilter { scope, region, as_of };
        let stats = crate::cache::cached(ctx, format!("funeral.stats {filter:?}"), || {
            stats::compute(db(ctx), &filter)
        })
        .await?;
        Ok(FuneralStats {
            stats,
            as_of,
            basis,
            protection: crate::aggregate::graphql::protection(ctx, &POLICY),
        })
    }
}

//! Community queries: thin resolvers over the services.

use async_graphql::{Context, ID, Object, Result};
use chrono::Datelike;
use sea_orm::DatabaseConnection;

use super::policy::POLICY;
use super::service::units;
use super::stats::{self, StatsFilter};
use super::types::*;
use crate::access::{Action, viewer};
use crate::pagination::PageArgs;
use crate::region::loaders::{regions, subtree};

#[derive(Default)]
pub struct CommunityQuery;

fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

#[Object]
impl CommunityQuery {
    /// Community units (社区居委会), by name unless ordered otherwise.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    pub async fn community_units(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which units to list.")] filter: Option<CommunityUnitFilter>,
        #[graphql(desc = "Ordering, name ascending by default; ties broken by id.")] order_by: Option<
            CommunityUnitOrderBy,
        >,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<CommunityUnitConnection> {
        let mut f = filter.unwrap_or_default().into_service(ctx).await?;
        f.scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let order = CommunityUnitOrderBy::into_service(order_by);
        let db = db(ctx).clone();
        let page = units::list_units(&db, &f, order, &PageArgs::new(first, after, last, before)).await?;
        Ok(CommunityUnitConnection {
            page: page.map(CommunityUnit),
            count: crate::pagination::Count::keyed(format!("communityUnits {f:?}"), move || {
                let db = db.clone();
                let f = f.clone();
                Box::pin(async move { units::count_units(&db, &f).await })
            }),
        })
    }

    /// One community unit by id.
    async fn community_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Unit id.")] id: ID,
    ) -> Result<Option<CommunityUnit>> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let Some(id) = crate::ids::key_of("CommunityUnit", &id) else {
            return Ok(None);
        };
        Ok(units::find_unit(db(ctx), id, &scope).await?.map(CommunityUnit))
    }

    /// Community statistics (社区统计) of a region: units by type and child region, population,
    /// staff by role, education, age, gender and party membership, facilities, and the
    /// facility standards in force for the region in the year (`standards`, such as report
    /// 7's office 20 m² per 100 households and elderly care 0.1 m² per resident in its city).
    #[graphql(complexity = 50)]
    pub async fn community_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Region and year.")] filter: Option<CommunityStatsFilter>,
    ) -> Result<CommunityStats> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Aggregate)?;
        let f = filter.unwrap_or_default();
        let this_year = crate::validate::today().year();
        let as_of_year = f.as_of_year.unwrap_or(this_year);
        if !(1949..=this_year).contains(&as_of_year) {
            return Err(crate::error::AppError::bad_input(
                "asOfYear",
                format!("asOfYear must be between 1949 and {this_year}"),
            )
            .into());
        }
        let region = subtree(ctx, f.region_code.as_deref(), "regionCode").await?;
        let filter = StatsFilter {
            scope,
            region,
            as_of_year,
        };
        Ok(CommunityStats {
            stats: crate::cache::cached(ctx, format!("community.stats {filter:?}"), || {
                stats::compute(db(ctx), &filter)
            })
            .await?,
            as_of_year,
            region_code: f.region_code,
            regions: regions(ctx).await?,
            protection: crate::aggregate::graphql::protection(ctx, &POLICY),
        })
    }
}

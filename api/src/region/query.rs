//! Region queries.

use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use super::policy::POLICY;
use super::service;
use super::types::{Region, RegionConnection, RegionFilter};
use crate::access::{Action, viewer};
use crate::pagination::PageArgs;

#[derive(Default)]
pub struct RegionQuery;

#[Object]
impl RegionQuery {
    /// One region by its code (行政区划代码).
    async fn region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Region code (行政区划代码).")] code: String,
    ) -> Result<Option<Region>> {
        viewer(ctx).require(&POLICY, Action::Read)?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(service::find(db, &code).await?.map(Region::from))
    }

    /// Regions, ordered by code.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn regions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which regions to list.")] filter: Option<RegionFilter>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<RegionConnection> {
        viewer(ctx).require(&POLICY, Action::Read)?;
        let db = ctx.data_unchecked::<DatabaseConnection>().clone();
        let filter: service::RegionFilter = filter.unwrap_or_default().into();
        let page = service::list(&db, &filter, &PageArgs::new(first, after, last, before)).await?;
        let count_filter = filter.clone();
        Ok(RegionConnection {
            page: page.map(Region::from),
            count: crate::pagination::Count::keyed(format!("regions {count_filter:?}"), move || {
                let db = db.clone();
                let f = count_filter.clone();
                Box::pin(async move { service::count(&db, &f).await })
            }),
        })
    }
}

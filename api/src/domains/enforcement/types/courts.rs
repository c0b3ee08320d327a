//! Courts (法院) as GraphQL objects.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::enforcement::court;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::access::{Action, viewer};
use crate::domains::enforcement::kpis::{self};
use crate::domains::enforcement::policy::POLICY;
use crate::domains::enforcement::service::{CourtCases, CourtCasesArgs};
use crate::error::AppError;
use crate::pagination::{NestedCountsLoader, NestedPagesLoader, Page, PageArgs};
use crate::region::types::Region;
use crate::scalars::Date;

use super::*;

crate::connection!(CourtConnection, CourtEdge, Court, "courts (法院)");

/// Court (法院).
#[derive(Clone)]
pub struct Court(pub court::Model);

/// Court (法院).
#[Object]
impl Court {
    /// Court id.
    pub async fn id(&self) -> ID {
        crate::ids::global("Court", self.0.id)
    }
    /// Name (法院名称).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Abbreviation used in case numbers (案号代字), e.g. `赣1126`.
    async fn abbreviation(&self) -> &str {
        &self.0.abbreviation
    }
    /// Level (层级).
    async fn level(&self) -> CourtLevel {
        self.0.level.into()
    }
    /// Region the court serves (辖区).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load_region(ctx, &self.0.region_code).await
    }
    /// This court's cases (执行案件), newest filing first unless ordered otherwise.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which cases to list; `courtId` is this court's.")] filter: Option<
            EnforcementCaseFilter,
        >,
        #[graphql(desc = "Ordering, filing date descending by default.")] order_by: Option<
            EnforcementCaseOrderBy,
        >,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<EnforcementCaseConnection> {
        let mut filter = filter.unwrap_or_default().into_service(ctx).await?;
        filter.scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let (field, dir) = EnforcementCaseOrderBy::into_service(order_by);
        let args = CourtCasesArgs {
            filter,
            field,
            ascending: dir == sea_orm::Order::Asc,
            page: PageArgs::new(first, after, last, before),
        };
        // The pages and counts of every court of the request in one statement each.
        let key = (self.0.id, args);
        let pages = ctx.data_unchecked::<DataLoader<NestedPagesLoader<CourtCases>>>();
        let page = pages.load_one(key.clone()).await?.unwrap_or_else(Page::empty);
        let counts = ctx
            .data_unchecked::<Arc<DataLoader<NestedCountsLoader<CourtCases>>>>()
            .clone();
        Ok(EnforcementCaseConnection {
            page: page.map(EnforcementCase),
            count: crate::pagination::Count::uncached(move || {
                let (counts, key) = (counts.clone(), key.clone());
                Box::pin(async move {
                    counts
                        .load_one(key)
                        .await
                        .map(|n| n.unwrap_or(0))
                        .map_err(|e| AppError::Internal(anyhow::anyhow!("{}", e.message)))
                })
            }),
        })
    }
    /// KPIs of this court's cases (法院执行质效指标).
    async fn kpis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The period.")] filter: Option<CourtKpiFilter>,
    ) -> Result<EnforcementKpis> {
        let f = filter.unwrap_or_default();
        let kf = kpis::KpiFilter {
            scope: viewer(ctx).authorize(&POLICY, Action::Aggregate)?,
            region: None,
            court_id: Some(self.0.id),
            from: f.filed_from.map(|d| d.0),
            to: f.filed_to.map(|d| d.0),
        };
        let k = kpis::compute(ctx.data_unchecked::<DatabaseConnection>(), &kf).await?;
        Ok(EnforcementKpis::for_caller(ctx, k))
    }
}

/// Period of a court's KPIs.
#[derive(InputObject, Default)]
pub struct CourtKpiFilter {
    /// Cases filed on or after this date.
    pub filed_from: Option<Date>,
    /// Cases filed on or before this date.
    pub filed_to: Option<Date>,
}

/// Filter of `courts`.
#[derive(InputObject, Default)]
pub struct CourtFilter {
    /// Courts in this region and below.
    pub region_code: Option<String>,
    /// Courts of this level.
    pub level: Option<CourtLevel>,
}

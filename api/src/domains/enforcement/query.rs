//! Enforcement queries: thin resolvers over the service.

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;

use super::kpis;
use super::policy::POLICY;
use super::service::{self, CourtFilter as ServiceCourtFilter, DishonestFilter};
use super::types::*;
use crate::access::{Action, viewer};
use crate::pagination::PageArgs;
use crate::region::loaders::subtree;
use crate::scalars::Date;

#[derive(Default)]
pub struct EnforcementQuery;

fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

#[Object]
impl EnforcementQuery {
    /// Enforcement cases (执行案件), filing date descending unless ordered otherwise.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn enforcement_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which cases to list.")] filter: Option<EnforcementCaseFilter>,
        #[graphql(desc = "Ordering, filing date descending by default; ties broken by id.")] order_by: Option<
            EnforcementCaseOrderBy,
        >,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<EnforcementCaseConnection> {
        let mut f = filter.unwrap_or_default().into_service(ctx).await?;
        f.scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let args = PageArgs::new(first, after, last, before);
        case_connection(db(ctx), f, order_by, args).await
    }

    /// One enforcement case by id.
    async fn enforcement_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Case id.")] id: ID,
    ) -> Result<Option<EnforcementCase>> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let Some(id) = crate::ids::key_of("EnforcementCase", &id) else {
            return Ok(None);
        };
        Ok(service::find_case(db(ctx), id, &scope)
            .await?
            .map(EnforcementCase))
    }

    /// One enforcement case by its case number (案号).
    async fn enforcement_case_by_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Case number (案号), exactly.")] case_number: String,
    ) -> Result<Option<EnforcementCase>> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        Ok(service::find_case_by_number(db(ctx), case_number.trim(), &scope)
            .await?
            .map(EnforcementCase))
    }

    /// Courts (法院), by id.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    pub async fn courts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which courts to list.")] filter: Option<CourtFilter>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<CourtConnection> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let f = filter.unwrap_or_default();
        let filter = ServiceCourtFilter {
            region: subtree(ctx, f.region_code.as_deref(), "regionCode").await?,
            level: f.level.map(Into::into),
            scope,
        };
        let db = db(ctx).clone();
        let page = service::list_courts(&db, &filter, &PageArgs::new(first, after, last, before)).await?;
        Ok(CourtConnection {
            page: page.map(Court),
            count: crate::pagination::Count::keyed(format!("courts {filter:?}"), move || {
                let db = db.clone();
                let f = filter.clone();
                Box::pin(async move { service::count_courts(&db, &f).await })
            }),
        })
    }

    /// One court by id.
    async fn court(&self, ctx: &Context<'_>, #[graphql(desc = "Court id.")] id: ID) -> Result<Option<Court>> {
        let scope = viewer(ctx).authorize(&POLICY, Action::Read)?;
        let Some(id) = crate::ids::key_of("Court", &id) else {
            return Ok(None);
        };
        Ok(service::find_court(db(ctx), id, &scope).await?.map(Court))
    }

    /// Enforcement KPIs (执行质效指标) of a region or court over a period.
    #[graphql(complexity = "EnforcementKpiFilter::cost(filter.as_ref()) + child_complexity")]
    pub async fn enforcement_kpis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Region, court and period.")] filter: Option<EnforcementKpiFilter>,
    ) -> Result<EnforcementKpis> {
        let mut f = filter.unwrap_or_default().into_service(ctx).await?;
        f.scope = viewer(ctx).authorize(&POLICY, Action::Aggregate)?;
        let kpis = crate::cache::cached(ctx, format!("enforcement.kpis {f:?}"), || {
            kpis::compute(db(ctx), &f)
        })
        .await?;
        Ok(EnforcementKpis::for_caller(ctx, kpis))
    }

    /// The public dishonest-debtor list (失信被执行人名单), newest listing first.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn dishonest_debtors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which entries to list.")] filter: Option<DishonestDebtorFilter>,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<DishonestDebtorConnection> {
        viewer(ctx).require(&POLICY, Action::Public)?;
        let f = filter.unwrap_or_default();
        if let (Some(a), Some(b)) = (f.listed_from, f.listed_to)
            && a > b
        {
            return Err(
                crate::error::AppError::bad_input("listedTo", "listedTo is before listedFrom").into(),
            );
        }
        let filter = DishonestFilter {
            name_contains: f.name_contains,
            region: subtree(ctx, f.region_code.as_deref(), "regionCode").await?,
            court_id: f
                .court_id
                .as_ref()
                .map(|id| parse_id("courtId", id))
                .transpose()?,
            listed_from: f.listed_from.map(|d| d.0),
            listed_to: f.listed_to.map(|d| d.0),
            include_removed: f.include_removed,
        };
        let db = db(ctx).clone();
        let page = service::list_dishonest(&db, &filter, &PageArgs::new(first, after, last, before)).await?;
        Ok(DishonestDebtorConnection {
            page: page.map(DishonestDebtor),
            count: crate::pagination::Count::keyed(format!("dishonestDebtors {filter:?}"), move || {
                let db = db.clone();
                let f = filter.clone();
                Box::pin(async move { service::count_dishonest(&db, &f).await })
            }),
        })
    }

    /// Whether a person or organisation stands on the dishonest-debtor list now
    /// (失信被执行人查询), by exact name and identity number or credit code.
    async fn is_dishonest_debtor(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Exact name (姓名/名称).")] name: String,
        #[graphql(desc = "Identity number or unified social credit code.")] id_number: String,
    ) -> Result<bool> {
        let v = viewer(ctx);
        v.require(&POLICY, Action::Check)?;
        Ok(service::is_dishonest(db(ctx), &v.actor(), &name, &id_number).await?)
    }

    /// Terminated-this-round cases due for review (终本回头看): those whose last property
    /// investigation (or, without one, the termination) is more than six months before `asOf`.
    #[graphql(complexity = "crate::pagination::list_cost(first.or(last), child_complexity)")]
    async fn terminated_cases_due_for_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review date; six months before it is the cut-off.")] as_of: Date,
        #[graphql(desc = "Cases of courts in this region and below.")] region_code: Option<String>,
        #[graphql(desc = "Ordering, filing date descending by default.")] order_by: Option<
            EnforcementCaseOrderBy,
        >,
        #[graphql(desc = "Page size: 20 by default, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end, for paging backward: 20 by default, at most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends, for paging backward.")] before: Option<String>,
    ) -> Result<EnforcementCaseConnection> {
        let f = service::CaseFilter {
            region: subtree(ctx, region_code.as_deref(), "regionCode").await?,
            review_due_as_of: Some(as_of.0),
            scope: viewer(ctx).authorize(&POLICY, Action::Read)?,
            ..Default::default()
        };
        let args = PageArgs::new(first, after, last, before);
        case_connection(db(ctx), f, order_by, args).await
    }
}

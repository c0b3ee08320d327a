//! Survey-report queries.

use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use super::policy::POLICY;
use super::service::{self, FigureFilter};
use super::types::{ReportedFigure, ReportedFigureFilter};
use crate::access::{Action, viewer};

#[derive(Default)]
pub struct SurveyQuery;

#[Object]
impl SurveyQuery {
    /// Figures the survey reports state (报告数据), by report and order of appearance.
    async fn reported_figures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which figures to list.")] filter: Option<ReportedFigureFilter>,
    ) -> Result<Vec<ReportedFigure>> {
        viewer(ctx).require(&POLICY, Action::Aggregate)?;
        let f = filter.unwrap_or_default();
        let filter = FigureFilter {
            report_no: f.report_no,
            domain: f.domain,
            region: crate::domains::region::loaders::subtree(ctx, f.region_code.as_deref(), "regionCode")
                .await?,
            metric: f.metric,
        };
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(service::list(db, &filter)
            .await?
            .into_iter()
            .map(ReportedFigure)
            .collect())
    }
}

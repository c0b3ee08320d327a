//! The reports as records, as GraphQL objects.

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::survey::followup;
use entity::survey::report;
use entity::survey::report_item::{self, ItemKind};
use sea_orm::DatabaseConnection;
use std::future::Future;

use super::policy::POLICY;
use super::types::{DataQualityIssue, ReportedFigure, ReportedFigureFilter};
use crate::access::{Action, Scope, viewer};
use crate::error::AppResult;
use crate::loaders::{Child, children};
use crate::scalars::Date;

impl Child for report_item::Model {
    fn parent(&self) -> Option<i64> {
        Some(i64::from(self.report_no))
    }
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        super::reports::items_of(db, parents)
    }
}

impl Child for followup::Model {
    fn parent(&self) -> Option<i64> {
        Some(self.item_id)
    }
    fn fetch(db: &DatabaseConnection, parents: &[i64]) -> impl Future<Output = AppResult<Vec<Self>>> + Send {
        super::reports::followups_of(db, parents)
    }
}

/// Status of a recommendation's follow-up (落实情况).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "followup::FollowUpStatus")]
pub enum FollowUpStatus {
    /// Not started (未启动).
    Open,
    /// Under way (推进中).
    InProgress,
    /// Done (已落实).
    Done,
    /// Dropped (不再推进).
    Dropped,
}

/// A survey report (调研报告) as a record: who issued it, when, about which region, and its
/// problems (存在的问题) and recommendations (意见建议) in order.
pub struct SurveyReport(pub report::Model);

impl SurveyReport {
    async fn items(&self, ctx: &Context<'_>, kind: ItemKind) -> Result<Vec<ReportItem>> {
        Ok(children::<report_item::Model>(ctx, i64::from(self.0.report_no))
            .await?
            .into_iter()
            .filter(|i| i.kind == kind)
            .map(|i| ReportItem(i, self.0.region_code.clone()))
            .collect())
    }
}

/// A survey report (调研报告) as a record: who issued it, when, about which region, and its
/// problems (存在的问题) and recommendations (意见建议) in order.
#[Object]
impl SurveyReport {
    /// Number of the report (报告序号), 1 to 9.
    async fn report_no(&self) -> i32 {
        self.0.report_no
    }
    /// Title (标题).
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Issuing body (调研单位).
    async fn issuing_body(&self) -> &str {
        &self.0.issuing_body
    }
    /// Date of the report (报告日期), as read (see `note`).
    async fn issued_on(&self) -> Date {
        self.0.issued_on.into()
    }
    /// Region the report is about; null when it names no place.
    async fn region_code(&self) -> Option<&str> {
        self.0.region_code.as_deref()
    }
    /// Domains it covers (`enforcement`, `community`, `rural`, `funeral`).
    async fn domains(&self) -> Vec<String> {
        serde_json::from_value(self.0.domains.clone()).unwrap_or_default()
    }
    /// How the date and ambiguous statements were read.
    async fn note(&self) -> &str {
        &self.0.note
    }
    /// Problems (存在的问题), in the report's order.
    async fn problems(&self, ctx: &Context<'_>) -> Result<Vec<ReportItem>> {
        self.items(ctx, ItemKind::Problem).await
    }
    /// Recommendations (意见建议), in the report's order, each with its follow-up.
    async fn recommendations(&self, ctx: &Context<'_>) -> Result<Vec<ReportItem>> {
        self.items(ctx, ItemKind::Recommendation).await
    }
    /// The figures the report states (报告数据), with what the records give.
    async fn figures(&self, ctx: &Context<'_>) -> Result<Vec<ReportedFigure>> {
        let filter = ReportedFigureFilter {
            report_no: Some(self.0.report_no),
            ..Default::default()
        };
        super::reading::reported_figures(ctx, Some(filter)).await
    }
    /// The report's data-quality issues (数据质量问题).
    async fn data_quality_issues(&self, ctx: &Context<'_>) -> Result<Vec<DataQualityIssue>> {
        let filter = ReportedFigureFilter {
            report_no: Some(self.0.report_no),
            ..Default::default()
        };
        super::reading::data_quality_issues(ctx, Some(filter)).await
    }
}

/// A problem or recommendation of a report (报告条目), in its order.
#[derive(Clone)]
pub struct ReportItem(pub report_item::Model, pub Option<String>);

/// A problem or recommendation of a report (报告条目), in its order.
#[Object]
impl ReportItem {
    /// Item id (for `trackRecommendation`).
    async fn id(&self) -> ID {
        crate::ids::global("ReportItem", self.0.id)
    }
    /// Position in the report (序号), from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// The text (内容).
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// A recommendation's follow-up (落实跟踪), for roles that read follow-ups in their reach;
    /// null when not tracked, for a problem, or out of the caller's reach.
    async fn follow_up(&self, ctx: &Context<'_>) -> Result<Option<RecommendationFollowUp>> {
        let v = viewer(ctx);
        if self.0.kind != ItemKind::Recommendation || !v.may(&POLICY, Action::Read) {
            return Ok(None);
        }
        let visible = match (v.scope(Action::Read), &self.1) {
            (Scope::All, _) => true,
            (Scope::Subtree { codes, .. }, Some(code)) => codes.contains(code),
            (Scope::Subtree { .. }, None) => false,
        };
        if !visible {
            return Ok(None);
        }
        Ok(children::<followup::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .next()
            .map(RecommendationFollowUp))
    }
}

/// The follow-up of a recommendation (建议落实跟踪).
#[derive(Clone)]
pub struct RecommendationFollowUp(pub followup::Model);

/// The follow-up of a recommendation (建议落实跟踪).
#[Object]
impl RecommendationFollowUp {
    /// Status (落实情况).
    async fn status(&self) -> FollowUpStatus {
        self.0.status.into()
    }
    /// Who carries it out (责任单位/人).
    async fn owner(&self) -> Option<&str> {
        self.0.owner.as_deref()
    }
    /// Due date (完成时限).
    async fn due_on(&self) -> Option<Date> {
        self.0.due_on.map(Into::into)
    }
    /// Notes (备注).
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// Version for optimistic concurrency: pass it as `expectedVersion` to change it.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it was last changed (更新时间).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

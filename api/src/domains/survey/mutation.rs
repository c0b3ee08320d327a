//! Survey mutations: tracking a recommendation's follow-up.

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;

use super::policy::POLICY;
use super::report_types::{FollowUpStatus, RecommendationFollowUp};
use super::reports::{self, FollowUpFields};
use crate::scalars::Date;
use crate::write::Writer;

#[derive(Default)]
pub struct SurveyMutation;

#[Object]
impl SurveyMutation {
    /// Tracks a recommendation's follow-up (建议落实跟踪): status, owner, due date and notes.
    /// The first call creates it; later ones change it with `expectedVersion`. A supervisor
    /// tracks the reports about their subtree.
    async fn track_recommendation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recommendation (a `ReportItem` id).")] item_id: ID,
        #[graphql(desc = "Status.")] status: FollowUpStatus,
        #[graphql(desc = "Who carries it out, at most 64 characters.")] owner: Option<String>,
        #[graphql(desc = "Due date.")] due_on: Option<Date>,
        #[graphql(desc = "Notes, at most 2000 characters.")] notes: Option<String>,
        #[graphql(desc = "The version you read, to change a tracked follow-up.")] expected_version: Option<
            i32,
        >,
    ) -> Result<RecommendationFollowUp> {
        let w = Writer::authorize(ctx, &POLICY, None)?;
        let item_id = crate::ids::parse("itemId", "ReportItem", &item_id)?;
        let f = FollowUpFields {
            status: status.into(),
            owner,
            due_on: due_on.map(|d| d.0),
            notes,
        };
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(RecommendationFollowUp(
            reports::track(db, &w.who(), item_id, f, expected_version).await?,
        ))
    }
}

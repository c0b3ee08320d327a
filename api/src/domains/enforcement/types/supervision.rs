//! Supervision orders (督办) as GraphQL objects.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::enforcement::supervision_order;

use crate::scalars::Date;

use super::*;

/// Supervision order (督办) from an intermediate court's command centre.
#[derive(Clone)]
pub struct SupervisionOrder(pub supervision_order::Model);

/// Supervision order (督办) from an intermediate court's command centre.
#[Object]
impl SupervisionOrder {
    /// Order id.
    pub async fn id(&self) -> ID {
        crate::ids::global("SupervisionOrder", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation; stable across devices.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Id of the supervised case.
    async fn case_id(&self) -> ID {
        crate::ids::global("EnforcementCase", self.0.case_id)
    }
    /// Batch (批次).
    async fn batch(&self) -> &str {
        &self.0.batch
    }
    /// Issuing court (督办法院).
    async fn issuing_court(&self, ctx: &Context<'_>) -> Result<Option<Court>> {
        load_court(ctx, self.0.issuing_court_id).await
    }
    /// Date issued (发起日期).
    async fn issued_on(&self) -> Date {
        self.0.issued_on.into()
    }
    /// Due date (办理期限).
    async fn due_on(&self) -> Date {
        self.0.due_on.into()
    }
    /// Status (状态).
    async fn status(&self) -> SupervisionStatus {
        self.0.status.into()
    }
    /// Instructions (督办意见).
    async fn instructions(&self) -> Option<&str> {
        self.0.instructions.as_deref()
    }
    /// Synthetic (合成数据): whether a seed generated this record around the reports' figures
    /// (true) or it was written through the API (false); administrators only, null for
    /// other callers.
    async fn synthetic(&self, ctx: &Context<'_>) -> Option<bool> {
        crate::synthetic::visible(ctx, self.0.synthetic)
    }
}

/// Input of `issueSupervisionOrder` (发起督办).
#[derive(InputObject)]
pub struct IssueSupervisionOrderInput {
    /// The supervised case, which must be pending.
    pub case_id: ID,
    /// Batch (批次), e.g. `2025-017`.
    pub batch: String,
    /// The intermediate court issuing the order.
    pub issuing_court_id: ID,
    /// Date issued.
    pub issued_on: Date,
    /// Due date, not before the date issued.
    pub due_on: Date,
    /// Instructions (督办意见).
    pub instructions: Option<String>,
    /// Client-generated UUID of the new record (客户端标识), for writes made offline; the
    /// server makes one when absent; one already used is a CONFLICT.
    pub uuid: Option<String>,
}

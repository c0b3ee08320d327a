//! Enforcement mutations: each validated and atomic, returning the changed object.

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;

use super::policy::POLICY;
use super::service::{self, NewCase, NewParty, NewSupervisionOrder};
use super::types::*;
use crate::scalars::{Date, Money};
use crate::write::Writer;

#[derive(Default)]
pub struct EnforcementMutation;

fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

fn writer(ctx: &Context<'_>, idempotency_key: Option<String>) -> Result<Writer> {
    Ok(Writer::authorize(ctx, &POLICY, idempotency_key)?)
}

#[Object]
impl EnforcementMutation {
    /// Files a new enforcement case (立案); a duplicate case number is a CONFLICT.
    async fn file_enforcement_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input.")] input: FileEnforcementCaseInput,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<EnforcementCase> {
        let w = writer(ctx, idempotency_key)?;
        let new = NewCase {
            case_number: input.case_number,
            court_id: parse_id("courtId", &input.court_id)?,
            filed_on: input.filed_on.0,
            category: input.category.into(),
            subject_amount_fen: input.subject_amount.fen(),
            judge_team: input.judge_team,
            uuid: input.uuid,
        };
        Ok(EnforcementCase(service::file_case(db(ctx), &w.who(), new).await?))
    }

    /// Adds a party (当事人) to a case.
    async fn add_party(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input.")] input: AddPartyInput,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Party> {
        let w = writer(ctx, idempotency_key)?;
        let new = NewParty {
            case_id: parse_id("caseId", &input.case_id)?,
            role: input.role.into(),
            kind: input.kind.into(),
            name: input.name,
            id_number: input.id_number,
            phone: input.phone,
            address: input.address,
            uuid: input.uuid,
        };
        Ok(Party(service::add_party(db(ctx), &w.who(), new).await?, None))
    }

    /// Records an enforcement measure (执行措施) with the fields its kind needs.
    async fn record_measure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input.")] input: RecordMeasureInput,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Measure> {
        let w = writer(ctx, idempotency_key)?;
        Ok(Measure(
            service::record_measure(db(ctx), &w.who(), input.into_service()?).await?,
        ))
    }

    /// Records a flow node (流程节点); parties are notified.
    async fn record_flow_node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input.")] input: RecordFlowNodeInput,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<FlowNode> {
        let w = writer(ctx, idempotency_key)?;
        let case_id = parse_id("caseId", &input.case_id)?;
        Ok(FlowNode(
            service::record_flow_node(
                db(ctx),
                &w.who(),
                case_id,
                input.kind.into(),
                input.occurred_on.0,
                input.note,
                input.uuid,
            )
            .await?,
        ))
    }

    /// Closes a pending case (结案). `closedOn` is not before filing; `recoveredAmount` is
    /// between 0 and the subject amount. Closing a closed case is a CONFLICT.
    async fn close_enforcement_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case.")] id: ID,
        #[graphql(desc = "Closure mode (结案方式).")] mode: ClosureMode,
        #[graphql(desc = "Closing date.")] closed_on: Date,
        #[graphql(desc = "Total amount recovered (执行到位金额), yuan.")] recovered_amount: Money,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<EnforcementCase> {
        let w = writer(ctx, None)?;
        let id = crate::ids::parse("id", "EnforcementCase", &id)?;
        Ok(EnforcementCase(
            service::close_case(
                db(ctx),
                &w.who(),
                id,
                mode.into(),
                closed_on.0,
                recovered_amount.fen(),
                expected_version,
            )
            .await?,
        ))
    }

    /// Reopens a terminated-this-round case (恢复执行); any other case is a CONFLICT.
    async fn reopen_enforcement_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case.")] id: ID,
        #[graphql(desc = "Date reopened, not before the termination.")] reopened_on: Date,
        #[graphql(desc = "Why (e.g. property found).")] reason: Option<String>,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<EnforcementCase> {
        let w = writer(ctx, None)?;
        let id = crate::ids::parse("id", "EnforcementCase", &id)?;
        Ok(EnforcementCase(
            service::reopen_case(db(ctx), &w.who(), id, reopened_on.0, reason, expected_version).await?,
        ))
    }

    /// Issues a supervision order (督办) from an intermediate court on a pending case below it.
    async fn issue_supervision_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input.")] input: IssueSupervisionOrderInput,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<SupervisionOrder> {
        let w = writer(ctx, idempotency_key)?;
        let new = NewSupervisionOrder {
            case_id: parse_id("caseId", &input.case_id)?,
            batch: input.batch,
            issuing_court_id: parse_id("issuingCourtId", &input.issuing_court_id)?,
            issued_on: input.issued_on.0,
            due_on: input.due_on.0,
            instructions: input.instructions,
            uuid: input.uuid,
        };
        Ok(SupervisionOrder(
            service::issue_supervision_order(db(ctx), &w.who(), new).await?,
        ))
    }

    /// Puts a respondent of a pending case on the dishonest-debtor list; listing one who
    /// stands on it already is a CONFLICT.
    async fn add_to_dishonest_list(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input.")] input: AddToDishonestListInput,
        #[graphql(
            desc = "Idempotency key: a retry with the same key returns the first result and creates nothing more."
        )]
        idempotency_key: Option<String>,
    ) -> Result<DishonestDebtor> {
        let w = writer(ctx, idempotency_key)?;
        let case_id = parse_id("caseId", &input.case_id)?;
        let party_id = parse_id("partyId", &input.party_id)?;
        Ok(DishonestDebtor(
            service::add_to_dishonest_list(
                db(ctx),
                &w.who(),
                case_id,
                party_id,
                input.listed_on.0,
                input.reason,
                input.uuid,
            )
            .await?,
        ))
    }

    /// Removes an entry from the dishonest-debtor list; removing it twice is a CONFLICT.
    async fn remove_from_dishonest_list(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The list entry.")] id: ID,
        #[graphql(desc = "Date removed, not before it was listed.")] removed_on: Date,
        #[graphql(desc = "Why it is removed.")] reason: RemovalReason,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<DishonestDebtor> {
        let w = writer(ctx, None)?;
        let id = crate::ids::parse("id", "DishonestDebtor", &id)?;
        Ok(DishonestDebtor(
            service::remove_from_dishonest_list(
                db(ctx),
                &w.who(),
                id,
                removed_on.0,
                reason.into(),
                expected_version,
            )
            .await?,
        ))
    }

    /// Records that a listed debtor performed the obligation of their own accord (主动履行),
    /// on a day not before the listing; the entry stays listed until it is removed. Recording
    /// it twice is a CONFLICT.
    async fn record_voluntary_performance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The list entry.")] id: ID,
        #[graphql(desc = "Day the debtor performed, not before the listing nor in the future.")]
        performed_on: Date,
        #[graphql(desc = "The version you read; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<DishonestDebtor> {
        let w = writer(ctx, None)?;
        let id = crate::ids::parse("id", "DishonestDebtor", &id)?;
        Ok(DishonestDebtor(
            service::record_voluntary_performance(db(ctx), &w.who(), id, performed_on.0, expected_version)
                .await?,
        ))
    }
}

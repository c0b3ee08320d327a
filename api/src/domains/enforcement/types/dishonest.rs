//! The dishonest-debtor list (失信被执行人名单) as GraphQL objects.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::enforcement::dishonest_entry;

use crate::region::types::Region;
use crate::scalars::Date;
use crate::validate::mask;

use super::*;

crate::connection!(
    DishonestDebtorConnection,
    DishonestDebtorEdge,
    DishonestDebtor,
    "dishonest-list entries (失信被执行人名单)"
);

/// Entry of the dishonest-debtor list (失信被执行人名单), public by law. The identity
/// number is shown masked, as the public list does.
#[derive(Clone)]
pub struct DishonestDebtor(pub dishonest_entry::Model);

/// Entry of the dishonest-debtor list (失信被执行人名单), public by law. The identity
/// number is shown masked, as the public list does.
#[Object]
impl DishonestDebtor {
    /// Entry id.
    pub async fn id(&self) -> ID {
        crate::ids::global("DishonestDebtor", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation; stable across devices.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Name of the debtor (被执行人姓名/名称).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Identity number or credit code, masked (身份证号/统一社会信用代码, 部分隐去).
    async fn id_number_masked(&self) -> Option<String> {
        self.0.id_number.as_deref().map(mask)
    }
    /// Court that listed the debtor (执行法院).
    async fn court(&self, ctx: &Context<'_>) -> Result<Option<Court>> {
        load_court(ctx, self.0.court_id).await
    }
    /// Region of the court (所属行政区划).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load_region(ctx, &self.0.region_code).await
    }
    /// Date listed (纳入日期).
    async fn listed_on(&self) -> Date {
        self.0.listed_on.into()
    }
    /// Reason for listing (失信情形).
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// Date removed (移除日期), null while listed.
    async fn removed_on(&self) -> Option<Date> {
        self.0.removed_on.map(Into::into)
    }
    /// Why it was removed (移除原因).
    async fn removal_reason(&self) -> Option<RemovalReason> {
        self.0.removal_reason.map(Into::into)
    }
    /// Day the debtor performed the obligation of their own accord (主动履行日期), null until
    /// they have; independent of removal.
    async fn performed_on(&self) -> Option<Date> {
        self.0.performed_on.map(Into::into)
    }
    /// Version of the entry, raised by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Synthetic (合成数据): whether a seed generated this record around the reports' figures
    /// (true) or it was written through the API (false); administrators only, null for
    /// other callers.
    async fn synthetic(&self, ctx: &Context<'_>) -> Option<bool> {
        crate::synthetic::visible(ctx, self.0.synthetic)
    }
}

/// Filter of the dishonest-debtor list.
#[derive(InputObject, Default)]
pub struct DishonestDebtorFilter {
    /// Name contains this text.
    pub name_contains: Option<String>,
    /// Listed by courts in this region and below.
    pub region_code: Option<String>,
    /// Listed by this court.
    pub court_id: Option<ID>,
    /// Listed on or after this date.
    pub listed_from: Option<Date>,
    /// Listed on or before this date.
    pub listed_to: Option<Date>,
    /// Include entries already removed (default false: only those standing).
    #[graphql(default)]
    pub include_removed: bool,
}

/// Input of `addToDishonestList` (纳入失信被执行人名单).
#[derive(InputObject)]
pub struct AddToDishonestListInput {
    /// The case, which must be pending.
    pub case_id: ID,
    /// The respondent to list.
    pub party_id: ID,
    /// Date listed.
    pub listed_on: Date,
    /// Reason (失信情形), e.g. 有履行能力而拒不履行.
    pub reason: String,
    /// Client-generated UUID of the new record (客户端标识), for writes made offline; the
    /// server makes one when absent; one already used is a CONFLICT.
    pub uuid: Option<String>,
}

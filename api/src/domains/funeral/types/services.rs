//! Fee standards, subsidies and violations as GraphQL objects.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::funeral::{fee_standard, subsidy, violation};

use super::{ViolationHandling, personal};
use crate::domains::funeral::service::services::{FeeFields, SubsidyFields, ViolationFields};
use crate::scalars::{Date, Money};
use crate::validate::{mask, mask_name};

/// Fee standard of a funeral service (殡葬服务收费标准); basic services may be exempt (惠民殡葬).
#[derive(Clone)]
pub struct FuneralFeeStandard(pub fee_standard::Model);

/// Fee standard of a funeral service (殡葬服务收费标准); basic services may be exempt (惠民殡葬).
#[Object]
impl FuneralFeeStandard {
    /// Fee standard id.
    pub async fn id(&self) -> ID {
        crate::ids::global("FuneralFeeStandard", self.0.id)
    }
    /// UUID (通用唯一标识).
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Code of its region (区划代码).
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// Service (服务项目), e.g. 遗体接运, 火化, 悼念厅使用.
    async fn service(&self) -> &str {
        &self.0.service
    }
    /// Price (收费标准), yuan.
    async fn price(&self) -> Money {
        Money(self.0.price_fen)
    }
    /// Exempt for residents under 惠民殡葬 (basic service free).
    async fn exempt(&self) -> bool {
        self.0.exempt
    }
    /// Effective from (执行日期).
    async fn effective_from(&self) -> Date {
        self.0.effective_from.into()
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Funeral subsidy (丧葬补助) to a household in hardship (特殊困难对象). The recipient's name,
/// phone and identity number are personal data, masked without the right.
#[derive(Clone)]
pub struct FuneralSubsidy(pub subsidy::Model);

/// Funeral subsidy (丧葬补助) to a household in hardship (特殊困难对象). The recipient's name,
/// phone and identity number are personal data, masked without the right.
#[Object]
impl FuneralSubsidy {
    /// Subsidy id.
    pub async fn id(&self) -> ID {
        crate::ids::global("FuneralSubsidy", self.0.id)
    }
    /// UUID (通用唯一标识).
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Code of its region (区划代码).
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// Recipient (受助人); personal data, masked without the right.
    async fn recipient_name(&self, ctx: &Context<'_>) -> Option<String> {
        personal(
            ctx,
            "funeral_subsidy",
            self.0.id,
            &self.0.region_code,
            Some(&self.0.recipient_name),
            mask_name,
        )
    }
    /// Recipient's phone (受助人电话); personal data, masked without the right.
    async fn recipient_phone(&self, ctx: &Context<'_>) -> Option<String> {
        personal(
            ctx,
            "funeral_subsidy",
            self.0.id,
            &self.0.region_code,
            self.0.recipient_phone.as_deref(),
            mask,
        )
    }
    /// Recipient's identity number (受助人身份证号); personal data, masked without the right.
    async fn recipient_id_number(&self, ctx: &Context<'_>) -> Option<String> {
        personal(
            ctx,
            "funeral_subsidy",
            self.0.id,
            &self.0.region_code,
            self.0.recipient_id_number.as_deref(),
            mask,
        )
    }
    /// Amount (补助金额), yuan.
    async fn amount(&self) -> Money {
        Money(self.0.amount_fen)
    }
    /// Basis (依据), e.g. 低保户, 特困供养人员.
    async fn basis(&self) -> &str {
        &self.0.basis
    }
    /// Date paid (发放日期).
    async fn paid_on(&self) -> Date {
        self.0.paid_on.into()
    }
}

/// Burial violation (私葬乱葬) and how it was handled.
#[derive(Clone)]
pub struct FuneralViolation(pub violation::Model);

/// Burial violation (私葬乱葬) and how it was handled.
#[Object]
impl FuneralViolation {
    /// Violation id.
    pub async fn id(&self) -> ID {
        crate::ids::global("FuneralViolation", self.0.id)
    }
    /// UUID (通用唯一标识).
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Code of its region (区划代码), the town or village where known.
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// Place (地点).
    async fn place(&self) -> &str {
        &self.0.place
    }
    /// Date it happened (发生日期).
    async fn occurred_on(&self) -> Date {
        self.0.occurred_on.into()
    }
    /// How it was handled (处理方式).
    async fn handling(&self) -> ViolationHandling {
        self.0.handling.into()
    }
    /// Penalty (罚款), yuan, for PENALTY.
    async fn penalty(&self) -> Option<Money> {
        self.0.penalty_fen.map(Money)
    }
    /// Note (备注).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record was last changed (更新时间).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

crate::connection!(
    FuneralSubsidyConnection,
    FuneralSubsidyEdge,
    FuneralSubsidy,
    "funeral subsidies"
);
crate::connection!(
    FuneralViolationConnection,
    FuneralViolationEdge,
    FuneralViolation,
    "burial violations"
);

/// Input of `setFuneralFeeStandard` and `updateFuneralFeeStandard`.
#[derive(InputObject)]
pub struct FuneralFeeStandardInput {
    /// Region, in your reach.
    pub region_code: String,
    /// Service (服务项目), 2-64 characters.
    pub service: String,
    /// Price, yuan, not negative.
    pub price: Money,
    /// Exempt under 惠民殡葬; false by default.
    #[graphql(default)]
    pub exempt: bool,
    /// Effective from, not before 2000.
    pub effective_from: Date,
}

impl From<FuneralFeeStandardInput> for FeeFields {
    fn from(i: FuneralFeeStandardInput) -> Self {
        FeeFields {
            region_code: i.region_code,
            service: i.service,
            price_fen: i.price.fen(),
            exempt: i.exempt,
            effective_from: i.effective_from.0,
        }
    }
}

/// Input of `grantFuneralSubsidy`.
#[derive(InputObject)]
pub struct GrantFuneralSubsidyInput {
    /// Region of the household, in your reach.
    pub region_code: String,
    /// Recipient's name.
    pub recipient_name: String,
    /// Recipient's phone.
    pub recipient_phone: Option<String>,
    /// Recipient's identity number.
    pub recipient_id_number: Option<String>,
    /// Amount, yuan, positive.
    pub amount: Money,
    /// Basis (依据), 2-256 characters.
    pub basis: String,
    /// Date paid, not in the future.
    pub paid_on: Date,
}

impl From<GrantFuneralSubsidyInput> for SubsidyFields {
    fn from(i: GrantFuneralSubsidyInput) -> Self {
        SubsidyFields {
            region_code: i.region_code,
            recipient_name: i.recipient_name,
            recipient_phone: i.recipient_phone,
            recipient_id_number: i.recipient_id_number,
            amount_fen: i.amount.fen(),
            basis: i.basis,
            paid_on: i.paid_on.0,
        }
    }
}

/// Input of `recordFuneralViolation` and `updateFuneralViolation`.
#[derive(InputObject)]
pub struct FuneralViolationInput {
    /// Region (town or village where known), in your reach.
    pub region_code: String,
    /// Place, 2-128 characters.
    pub place: String,
    /// Date it happened, not in the future.
    pub occurred_on: Date,
    /// How it was handled; PENDING by default.
    #[graphql(default_with = "ViolationHandling::Pending")]
    pub handling: ViolationHandling,
    /// Penalty, yuan: with PENALTY, and only with it.
    pub penalty: Option<Money>,
    /// Note, at most 1000 characters.
    pub note: Option<String>,
}

impl From<FuneralViolationInput> for ViolationFields {
    fn from(i: FuneralViolationInput) -> Self {
        ViolationFields {
            region_code: i.region_code,
            place: i.place,
            occurred_on: i.occurred_on.0,
            handling: i.handling.into(),
            penalty_fen: i.penalty.map(Money::fen),
            note: i.note,
        }
    }
}

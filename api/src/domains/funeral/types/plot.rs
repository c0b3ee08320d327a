//! Grave plots (墓穴) and their registrations and sales as GraphQL objects.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::funeral::{facility, hold, plot};

use super::{FuneralFacility, GravePlotHoldStatus, GravePlotStatus, GravePlotType, personal};
use crate::domains::funeral::service::plots::Holder;
use crate::loaders::{by_id, children};
use crate::pagination::OrderDirection;
use crate::scalars::{Date, Money};
use crate::validate::{mask, mask_name};

/// Grave plot (墓穴) of a public cemetery.
#[derive(Clone)]
pub struct GravePlot(pub plot::Model);

/// Grave plot (墓穴) of a public cemetery.
#[Object]
impl GravePlot {
    /// Plot id.
    pub async fn id(&self) -> ID {
        crate::ids::global("GravePlot", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// The cemetery (公墓).
    async fn cemetery(&self, ctx: &Context<'_>) -> Result<Option<FuneralFacility>> {
        Ok(by_id::<facility::Model>(ctx, self.0.cemetery_id)
            .await?
            .map(FuneralFacility))
    }
    /// Section (区).
    async fn section(&self) -> &str {
        &self.0.section
    }
    /// Row (排).
    async fn row(&self) -> i32 {
        self.0.row_no
    }
    /// Number in the row (号).
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// Type (墓型).
    async fn plot_type(&self) -> GravePlotType {
        self.0.plot_type.into()
    }
    /// Price (价格), yuan; null when not set.
    async fn price(&self) -> Option<Money> {
        self.0.price_fen.map(Money)
    }
    /// Status (状态).
    async fn status(&self) -> GravePlotStatus {
        self.0.status.into()
    }
    /// The standing registration or sale, if any.
    async fn hold(&self, ctx: &Context<'_>) -> Result<Option<GravePlotHold>> {
        Ok(children::<hold::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .next()
            .map(GravePlotHold))
    }
    /// Version for optimistic concurrency.
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

/// A pre-sale registration (预售登记) or sale of a plot to a household. The holder's name,
/// phone and identity number are personal data, masked without the right.
#[derive(Clone)]
pub struct GravePlotHold(pub hold::Model);

/// A pre-sale registration (预售登记) or sale of a plot to a household. The holder's name,
/// phone and identity number are personal data, masked without the right.
#[Object]
impl GravePlotHold {
    /// Registration id.
    pub async fn id(&self) -> ID {
        crate::ids::global("GravePlotHold", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Id of the plot.
    async fn plot_id(&self) -> ID {
        crate::ids::global("GravePlot", self.0.plot_id)
    }
    /// Status (状态).
    async fn status(&self) -> GravePlotHoldStatus {
        self.0.status.into()
    }
    /// Holder's name (登记人); personal data, masked without the right.
    async fn holder_name(&self, ctx: &Context<'_>) -> Option<String> {
        personal(
            ctx,
            "grave_plot_hold",
            self.0.id,
            &self.0.region_code,
            Some(&self.0.holder_name),
            mask_name,
        )
    }
    /// Holder's phone; personal data, masked without the right.
    async fn holder_phone(&self, ctx: &Context<'_>) -> Option<String> {
        personal(
            ctx,
            "grave_plot_hold",
            self.0.id,
            &self.0.region_code,
            self.0.holder_phone.as_deref(),
            mask,
        )
    }
    /// Holder's identity number; personal data, masked without the right.
    async fn holder_id_number(&self, ctx: &Context<'_>) -> Option<String> {
        personal(
            ctx,
            "grave_plot_hold",
            self.0.id,
            &self.0.region_code,
            self.0.holder_id_number.as_deref(),
            mask,
        )
    }
    /// Date registered (登记日期).
    async fn registered_on(&self) -> Date {
        self.0.registered_on.into()
    }
    /// Date sold (售出日期).
    async fn sold_on(&self) -> Option<Date> {
        self.0.sold_on.map(Into::into)
    }
    /// Price paid (成交价), yuan.
    async fn price(&self) -> Option<Money> {
        self.0.price_fen.map(Money)
    }
    /// Date cancelled (取消日期).
    async fn cancelled_on(&self) -> Option<Date> {
        self.0.cancelled_on.map(Into::into)
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

crate::connection!(GravePlotConnection, GravePlotEdge, GravePlot, "grave plots");

/// Filter of `gravePlots`.
#[derive(InputObject, Default)]
pub struct GravePlotFilter {
    /// Plots of this region or below.
    pub region_code: Option<String>,
    /// Plots of this cemetery.
    pub cemetery_id: Option<ID>,
    /// Plots in this status.
    pub status: Option<GravePlotStatus>,
    /// Plots of this section.
    pub section: Option<String>,
}

/// Fields `gravePlots` orders by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum GravePlotOrderField {
    /// The order plots were laid out in (id).
    Id,
    /// Price; plots without a price first ascending.
    Price,
}

/// Ordering of a plot list; ties broken by id.
#[derive(InputObject)]
pub struct GravePlotOrderBy {
    /// The field to order by.
    pub field: GravePlotOrderField,
    /// The direction, ascending by default.
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// The household a plot is registered or sold to.
#[derive(InputObject)]
pub struct GravePlotHolderInput {
    /// Name (姓名), 1-64 characters.
    pub name: String,
    /// Phone: an 11-digit mobile or a landline.
    pub phone: Option<String>,
    /// Identity number: 18 characters with a valid check digit.
    pub id_number: Option<String>,
}

impl From<GravePlotHolderInput> for Holder {
    fn from(h: GravePlotHolderInput) -> Self {
        Holder {
            name: h.name,
            phone: h.phone,
            id_number: h.id_number,
        }
    }
}

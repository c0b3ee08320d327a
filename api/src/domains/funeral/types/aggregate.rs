//! `gravePlotAggregate` and `funeralProjectAggregate`: grave plots and construction projects
//! grouped for BI (殡葬分组统计).

use async_graphql::{Context, ID, InputObject, Result};
use entity::funeral::{facility, plot};
use sea_orm::Condition;
use sea_orm::sea_query::Expr;

use super::*;
use crate::aggregate::graphql::any_of;
use crate::domains::funeral::aggregate::{CEMETERY, FACILITY, PLOT_TYPE, PLOTS, PROJECTS, STATUS};
use crate::loaders::by_id;

crate::named_enum! {
    /// What grave plots can be grouped by (分组维度).
    pub enum GravePlotGroupKey {
        /// Region at the requested level (行政区划).
        Region => "region",
        /// Cemetery (公墓).
        Cemetery => "cemetery",
        /// Plot type (墓型).
        PlotType => "plotType",
        /// Status (状态).
        Status => "status",
        /// Time bucket of when the record was entered (时段).
        Period => "period",
    }
}

crate::named_enum! {
    /// The times funeral records can be windowed and bucketed by.
    pub enum FuneralTimeField {
        /// When the record was entered (录入时间), bucketed in the request's time zone.
        CreatedAt => "createdAt",
    }
}

crate::named_enum! {
    /// Measures and rates of grave plot aggregates.
    pub enum GravePlotMeasure {
        /// Plots (墓位数).
        Plots => "plots",
        /// Available (可售).
        Available => "available",
        /// Registered for pre-sale (已预售登记).
        Registered => "registered",
        /// Sold (已售).
        Sold => "sold",
        /// Plots whose price is known (价格已知墓位数): the base of the price measures.
        PriceKnown => "priceKnown",
        /// Mean price of the plots with a price (平均价格).
        AveragePrice => "averagePrice",
        /// Lowest price (最低价格).
        MinPrice => "minPrice",
        /// Highest price (最高价格).
        MaxPrice => "maxPrice",
        /// Share sold (售出率): sold / plots.
        SoldShare => "soldShare",
        /// Share registered (预售登记率): registered / plots.
        TakenShare => "takenShare",
    }
}

crate::aggregate_inputs!(
    period: GravePlotAggregatePeriod,
    having: GravePlotAggregateHaving,
    order: GravePlotAggregateOrder,
    time: FuneralTimeField,
    measure: GravePlotMeasure
);

/// Which plots a grave plot aggregate covers.
#[derive(InputObject, Default)]
pub struct GravePlotAggregateFilter {
    /// Plots in this region and below (行政区划代码).
    pub region_code: Option<String>,
    /// Plots of these types.
    pub plot_types: Option<Vec<GravePlotType>>,
    /// Plots in these statuses.
    pub statuses: Option<Vec<GravePlotStatus>>,
}

impl crate::aggregate::graphql::AggregateFilter for GravePlotAggregateFilter {
    fn region_code(&self) -> Option<&str> {
        self.region_code.as_deref()
    }

    async fn narrowing(
        &self,
        _: &Context<'_>,
        _: &[&'static str],
    ) -> crate::error::AppResult<Option<Condition>> {
        let col = |c: plot::Column| Expr::col((plot::Entity, c));
        let mut cond = None;
        any_of(
            &mut cond,
            col(plot::Column::PlotType),
            &self.plot_types,
            plot::PlotType::from,
        );
        any_of(
            &mut cond,
            col(plot::Column::Status),
            &self.statuses,
            plot::PlotStatus::from,
        );
        Ok(cond)
    }
}

crate::aggregate_query! {
    /// Grave plots grouped for BI (墓位分组统计): by region at any level, cemetery, plot type,
    /// status and time bucket, with counts, prices and shares sold and registered. One GROUP BY
    /// whatever the number of groups; counts and sums protected by the
    /// cell key method for `statistics_reader` and `anonymous` (`disclosureMethod`).
    GravePlotAggregateQuery::grave_plot_aggregate -> GravePlotAggregate,
    dataset: PLOTS, policy: POLICY,
    filter: GravePlotAggregateFilter, key: GravePlotGroupKey, period: GravePlotAggregatePeriod,
    having: GravePlotAggregateHaving, order: GravePlotAggregateOrder,
}

crate::aggregate_types! {
    /// Grave plots grouped (墓位分组统计).
    GravePlotAggregate,
    /// One group of grave plots (墓位分组): its keys (those grouped by; the others are null) and measures
    /// (null when withheld).
    GravePlotAggregateRow,
    keys {
        /// Cemetery (公墓); null unless grouped by CEMETERY.
        async fn cemetery(&self, ctx: &Context<'_>) -> Result<Option<FuneralFacility>> {
            match self.0.id_key(CEMETERY) {
                Some(id) => Ok(by_id::<facility::Model>(ctx, id).await?.map(FuneralFacility)),
                None => Ok(None),
            }
        }
        /// Plot type (墓型); null unless grouped by PLOT_TYPE.
        async fn plot_type(&self) -> Option<GravePlotType> {
            self.0.enum_key::<plot::PlotType>(PLOT_TYPE).map(Into::into)
        }
        /// Status (状态); null unless grouped by STATUS.
        async fn status(&self) -> Option<GravePlotStatus> {
            self.0.enum_key::<plot::PlotStatus>(STATUS).map(Into::into)
        }
    }
    measures {
        /// Plots (墓位数).
        plots: count("plots"),
        /// Available (可售).
        available: count("available"),
        /// Registered for pre-sale (已预售登记).
        registered: count("registered"),
        /// Sold (已售).
        sold: count("sold"),
        /// Plots whose price is known (价格已知墓位数): the base of the price measures; `plots`
        /// minus it are unknown.
        price_known: count("priceKnown"),
        /// Mean price of the plots with a price (平均价格), rounded half-even to the fen.
        average_price: money("averagePrice"),
        /// Lowest price (最低价格).
        min_price: money("minPrice"),
        /// Highest price (最高价格).
        max_price: money("maxPrice"),
        /// Share sold (售出率): sold / plots.
        sold_share: number("soldShare"),
        /// Share registered (预售登记率): registered / plots.
        taken_share: number("takenShare"),
    }
}

crate::named_enum! {
    /// What funeral projects can be grouped by (分组维度).
    pub enum FuneralProjectGroupKey {
        /// Region at the requested level (行政区划).
        Region => "region",
        /// The facility built (设施).
        Facility => "facility",
        /// Time bucket of when the record was entered (时段).
        Period => "period",
    }
}

crate::named_enum! {
    /// Measures and rates of funeral project aggregates.
    pub enum FuneralProjectMeasure {
        /// Projects (项目数).
        Projects => "projects",
        /// Tendered cost (中标价).
        TenderedCost => "tenderedCost",
        /// Planned investment (计划总投资).
        PlannedInvestment => "plannedInvestment",
        /// Fiscal allocation (财政拨款).
        FiscalAllocation => "fiscalAllocation",
        /// Funding gap (资金缺口) of the projects whose investment and allocation are both known.
        FundingGap => "fundingGap",
        /// Allocation share (到位率): fiscal allocation / planned investment.
        AllocationShare => "allocationShare",
    }
}

crate::aggregate_inputs!(
    period: FuneralProjectAggregatePeriod,
    having: FuneralProjectAggregateHaving,
    order: FuneralProjectAggregateOrder,
    time: FuneralTimeField,
    measure: FuneralProjectMeasure
);

/// Which projects a funeral project aggregate covers.
#[derive(InputObject, Default)]
pub struct FuneralProjectAggregateFilter {
    /// Projects in this region and below (行政区划代码).
    pub region_code: Option<String>,
    /// Projects building these facilities.
    pub facility_ids: Option<Vec<ID>>,
}

impl crate::aggregate::graphql::AggregateFilter for FuneralProjectAggregateFilter {
    fn region_code(&self) -> Option<&str> {
        self.region_code.as_deref()
    }

    async fn narrowing(
        &self,
        _: &Context<'_>,
        _: &[&'static str],
    ) -> crate::error::AppResult<Option<Condition>> {
        let ids = self
            .facility_ids
            .as_ref()
            .map(|ids| {
                ids.iter()
                    .map(|id| crate::ids::parse("filter.facilityIds", "FuneralFacility", id))
                    .collect::<Result<Vec<i64>, _>>()
            })
            .transpose()?;
        let mut cond = None;
        any_of(
            &mut cond,
            Expr::col((
                entity::funeral::project::Entity,
                entity::funeral::project::Column::FacilityId,
            )),
            &ids,
            |id| id,
        );
        Ok(cond)
    }
}

crate::aggregate_query! {
    /// Funeral construction projects grouped for BI (殡葬建设项目分组统计): by region at any level,
    /// facility and time bucket, with investment, allocation and the funding gap as
    /// `funeralStats` computes them. Counts and sums protected
    /// by the cell key method for `statistics_reader` and `anonymous` (`disclosureMethod`).
    FuneralProjectAggregateQuery::funeral_project_aggregate -> FuneralProjectAggregate,
    dataset: PROJECTS, policy: POLICY,
    filter: FuneralProjectAggregateFilter, key: FuneralProjectGroupKey, period: FuneralProjectAggregatePeriod,
    having: FuneralProjectAggregateHaving, order: FuneralProjectAggregateOrder,
}

crate::aggregate_types! {
    /// Funeral construction projects grouped (殡葬建设项目分组统计).
    FuneralProjectAggregate,
    /// One group of funeral projects (建设项目分组): its keys (those grouped by; the others are null) and
    /// measures (null when withheld).
    FuneralProjectAggregateRow,
    keys {
        /// The facility built (设施); null unless grouped by FACILITY.
        async fn facility(&self, ctx: &Context<'_>) -> Result<Option<FuneralFacility>> {
            match self.0.id_key(FACILITY) {
                Some(id) => Ok(by_id::<facility::Model>(ctx, id).await?.map(FuneralFacility)),
                None => Ok(None),
            }
        }
    }
    measures {
        /// Projects (项目数).
        projects: count("projects"),
        /// Tendered cost (中标价).
        tendered_cost: money("tenderedCost"),
        /// Planned investment (计划总投资).
        planned_investment: money("plannedInvestment"),
        /// Fiscal allocation (财政拨款).
        fiscal_allocation: money("fiscalAllocation"),
        /// Funding gap (资金缺口) of the projects whose investment and allocation are both known.
        funding_gap: money("fundingGap"),
        /// Allocation share (到位率): fiscal allocation / planned investment.
        allocation_share: number("allocationShare"),
    }
}

/// The exports of the funeral domain.
pub static EXPORTS: [crate::export::ExportSpec; 2] = [
    crate::export::ExportSpec {
        field: "gravePlotAggregate",
        filter_type: "GravePlotAggregateFilter",
        key_type: "GravePlotGroupKey",
        period_type: "GravePlotAggregatePeriod",
        dataset: &PLOTS,
        keys: &[
            crate::export::KeyColumn {
                selection: "cemetery { name }",
                path: &["cemetery", "name"],
                en: "cemetery",
            },
            crate::export::KeyColumn {
                selection: "plotType",
                path: &["plotType"],
                en: "plotType",
            },
            crate::export::KeyColumn {
                selection: "status",
                path: &["status"],
                en: "status",
            },
        ],
    },
    crate::export::ExportSpec {
        field: "funeralProjectAggregate",
        filter_type: "FuneralProjectAggregateFilter",
        key_type: "FuneralProjectGroupKey",
        period_type: "FuneralProjectAggregatePeriod",
        dataset: &PROJECTS,
        keys: &[crate::export::KeyColumn {
            selection: "facility { name }",
            path: &["facility", "name"],
            en: "facility",
        }],
    },
];

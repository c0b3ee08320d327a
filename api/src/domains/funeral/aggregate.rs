//! Grave plots and construction projects as BI datasets (殡葬统计): what
//! `gravePlotAggregate` and `funeralProjectAggregate` group and measure, with
//! `funeralStats`' formulas (a project's funding gap is planned investment minus allocation,
//! where both are known). No GraphQL here.

use entity::funeral::plot::{self, PlotStatus};
use entity::funeral::project;
use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait};
use std::sync::LazyLock;

use crate::aggregate::{Agg, Dataset, Dimension, Measure, Rate, TimeField, TimeKind, Unit};

pub const CEMETERY: &str = "cemetery";
pub const PLOT_TYPE: &str = "plotType";
pub const STATUS: &str = "status";
pub const FACILITY: &str = "facility";

/// Grave plots (墓位).
pub static PLOTS: LazyLock<Dataset> = LazyLock::new(|| {
    let p = |c: plot::Column| Expr::col((plot::Entity, c));
    let status = |s: PlotStatus| Agg::CountWhere(Condition::all().add(p(plot::Column::Status).eq(s)));
    Dataset {
        name: "grave_plots",
        zh: "墓位",
        table: "grave_plots",
        region_column: "grave_plots.region_code",
        dimensions: vec![
            Dimension {
                name: CEMETERY,
                zh: "公墓",
                expr: p(plot::Column::CemeteryId),
            },
            Dimension {
                name: PLOT_TYPE,
                zh: "墓型",
                expr: p(plot::Column::PlotType),
            },
            Dimension {
                name: STATUS,
                zh: "状态",
                expr: p(plot::Column::Status),
            },
        ],
        times: vec![TimeField {
            name: "createdAt",
            zh: "录入时间",
            column: "grave_plots.created_at",
            kind: TimeKind::Timestamp,
        }],
        measures: vec![
            Measure {
                name: "plots",
                zh: "墓位数",
                unit: Unit::Count,
                agg: Agg::Count,
            },
            Measure {
                name: "available",
                zh: "可售",
                unit: Unit::Count,
                agg: status(PlotStatus::Available),
            },
            Measure {
                name: "registered",
                zh: "已预售登记",
                unit: Unit::Count,
                agg: status(PlotStatus::Registered),
            },
            Measure {
                name: "sold",
                zh: "已售",
                unit: Unit::Count,
                agg: status(PlotStatus::Sold),
            },
            Measure {
                name: "priceKnown",
                zh: "价格已知墓位数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(p(plot::Column::PriceFen).is_not_null())),
            },
            Measure {
                name: "averagePrice",
                zh: "平均价格",
                unit: Unit::Fen,
                agg: Agg::Avg(p(plot::Column::PriceFen)),
            },
            Measure {
                name: "minPrice",
                zh: "最低价格",
                unit: Unit::Fen,
                agg: Agg::Min(p(plot::Column::PriceFen)),
            },
            Measure {
                name: "maxPrice",
                zh: "最高价格",
                unit: Unit::Fen,
                agg: Agg::Max(p(plot::Column::PriceFen)),
            },
        ],
        rates: vec![
            Rate {
                name: "soldShare",
                zh: "售出率",
                numerator: "sold",
                denominator: "plots",
            },
            Rate {
                name: "takenShare",
                zh: "预售登记率",
                numerator: "registered",
                denominator: "plots",
            },
        ],
    }
});

/// Construction projects (建设项目).
pub static PROJECTS: LazyLock<Dataset> = LazyLock::new(|| {
    let p = |c: project::Column| Expr::col((project::Entity, c));
    Dataset {
        name: "funeral_projects",
        zh: "殡葬建设项目",
        table: "funeral_projects",
        region_column: "funeral_projects.region_code",
        dimensions: vec![Dimension {
            name: FACILITY,
            zh: "设施",
            expr: p(project::Column::FacilityId),
        }],
        times: vec![TimeField {
            name: "createdAt",
            zh: "录入时间",
            column: "funeral_projects.created_at",
            kind: TimeKind::Timestamp,
        }],
        measures: vec![
            Measure {
                name: "projects",
                zh: "项目数",
                unit: Unit::Count,
                agg: Agg::Count,
            },
            Measure {
                name: "tenderedCost",
                zh: "中标价",
                unit: Unit::Fen,
                agg: Agg::Sum(p(project::Column::TenderedCostFen)),
            },
            Measure {
                name: "plannedInvestment",
                zh: "计划总投资",
                unit: Unit::Fen,
                agg: Agg::Sum(p(project::Column::PlannedInvestmentFen)),
            },
            Measure {
                name: "fiscalAllocation",
                zh: "财政拨款",
                unit: Unit::Fen,
                agg: Agg::Sum(p(project::Column::AllocatedFen)),
            },
            Measure {
                name: "fundingGap",
                zh: "资金缺口",
                unit: Unit::Fen,
                agg: Agg::Sum(p(project::Column::PlannedInvestmentFen).sub(p(project::Column::AllocatedFen))),
            },
        ],
        rates: vec![Rate {
            name: "allocationShare",
            zh: "到位率",
            numerator: "fiscalAllocation",
            denominator: "plannedInvestment",
        }],
    }
});

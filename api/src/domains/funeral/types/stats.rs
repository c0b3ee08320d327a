//! `funeralStats` (殡葬统计) as GraphQL objects.

use async_graphql::{InputObject, Object, SimpleObject};
use entity::funeral::facility::{FacilityKind, Stage};
use entity::funeral::plot::PlotStatus;
use entity::funeral::violation::Handling;

use super::{ConstructionStage, FuneralFacilityKind, ViolationHandling};
use crate::domains::funeral::stats::Stats;
use crate::scalars::{Date, Money};

/// Filter of `funeralStats`.
#[derive(InputObject, Default)]
pub struct FuneralStatsFilter {
    /// Statistics of this region and below; every region in your reach when absent.
    pub region_code: Option<String>,
    /// The date schedules are judged on and subsidies and violations counted to; today by default.
    pub as_of: Option<Date>,
}

/// Facilities of one kind at one stage.
#[derive(SimpleObject)]
pub struct FacilityStageCount {
    /// Kind (类型).
    pub kind: FuneralFacilityKind,
    /// Stage (建设阶段).
    pub stage: ConstructionStage,
    /// Facilities.
    pub facilities: i64,
}

/// Violations handled one way.
#[derive(SimpleObject)]
pub struct ViolationHandlingCount {
    /// How handled (处理方式).
    pub handling: ViolationHandling,
    /// Violations.
    pub violations: i64,
}

/// Funeral statistics (殡葬统计) of a region: facilities and halls by stage, plots, funding
/// and its gap, schedules, subsidies and violations, from the records.
pub struct FuneralStats(pub Stats);

/// Funeral statistics (殡葬统计) of a region: facilities and halls by stage, plots, funding
/// and its gap, schedules, subsidies and violations, from the records.
#[Object]
impl FuneralStats {
    /// Facilities by kind and stage.
    async fn facilities(&self) -> Vec<FacilityStageCount> {
        self.0
            .facilities
            .iter()
            .map(|(k, s, n)| FacilityStageCount {
                kind: (*k).into(),
                stage: (*s).into(),
                facilities: *n,
            })
            .collect()
    }
    /// Memorial halls (悼念厅), every stage.
    async fn memorial_halls(&self) -> i64 {
        self.0.facilities_of(|k, _| k == FacilityKind::MemorialHall)
    }
    /// Memorial halls in use (已投用悼念厅).
    async fn memorial_halls_in_use(&self) -> i64 {
        self.0
            .facilities_of(|k, s| k == FacilityKind::MemorialHall && s == Stage::InUse)
    }
    /// Grave plots laid out (墓穴总数).
    async fn grave_plots(&self) -> i64 {
        self.0.plots_of(|_| true)
    }
    /// Plots available (可售).
    async fn plots_available(&self) -> i64 {
        self.0.plots_of(|s| s == PlotStatus::Available)
    }
    /// Plots registered for pre-sale (已预售登记).
    async fn plots_registered(&self) -> i64 {
        self.0.plots_of(|s| s == PlotStatus::Registered)
    }
    /// Plots sold (已售).
    async fn plots_sold(&self) -> i64 {
        self.0.plots_of(|s| s == PlotStatus::Sold)
    }
    /// Construction projects (建设项目).
    async fn projects(&self) -> i64 {
        self.0.projects
    }
    /// Tendered cost of the projects (招投标造价), yuan.
    async fn tendered_cost(&self) -> Money {
        Money(self.0.tendered_fen)
    }
    /// Planned total investment (计划总投资), yuan.
    async fn planned_investment(&self) -> Money {
        Money(self.0.planned_fen)
    }
    /// Fiscal allocation (财政拨款), yuan.
    async fn fiscal_allocation(&self) -> Money {
        Money(self.0.allocated_fen)
    }
    /// Funding gap (资金缺口): plannedInvestment - fiscalAllocation, yuan.
    async fn funding_gap(&self) -> Money {
        Money(self.0.planned_fen - self.0.allocated_fen)
    }
    /// Projects behind schedule on `asOf` (滞后项目).
    async fn projects_behind_schedule(&self) -> i64 {
        self.0.projects_behind
    }
    /// Milestones planned before `asOf` and not achieved by then (逾期节点).
    async fn milestones_behind_schedule(&self) -> i64 {
        self.0.milestones_behind
    }
    /// Subsidies paid by `asOf` (丧葬补助笔数).
    async fn subsidies(&self) -> i64 {
        self.0.subsidies
    }
    /// Amount of the subsidies paid (补助金额), yuan.
    async fn subsidies_amount(&self) -> Money {
        Money(self.0.subsidies_fen)
    }
    /// Violations by how handled (私葬乱葬处理).
    async fn violations_by_handling(&self) -> Vec<ViolationHandlingCount> {
        [
            Handling::Pending,
            Handling::Persuasion,
            Handling::Relocation,
            Handling::Penalty,
        ]
        .into_iter()
        .map(|h| ViolationHandlingCount {
            handling: h.into(),
            violations: self.0.violations_of(|x| x == h),
        })
        .collect()
    }
    /// Violations by `asOf` (违规总数).
    async fn violations(&self) -> i64 {
        self.0.violations_of(|_| true)
    }
}

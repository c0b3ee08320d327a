//! `funeralStats` (殡葬统计) as GraphQL objects.

use async_graphql::{Enum, InputObject, Object, SimpleObject};
use entity::funeral::facility::{FacilityKind, Stage};
use entity::funeral::plot::PlotStatus;
use entity::funeral::violation::Handling;

use super::{ConstructionStage, FuneralFacilityKind, ViolationHandling};
use std::sync::Arc;

use crate::aggregate::cellkey::CellKeyMethod;
use crate::aggregate::tally::{Amount, Tally};
use crate::domains::funeral::stats::{Stats, measure};
use crate::scalars::{Date, Money};

/// Filter of `funeralStats`.
#[derive(InputObject, Default)]
pub struct FuneralStatsFilter {
    /// Statistics of this region and below; every region in your reach when absent.
    pub region_code: Option<String>,
    /// The date schedules are judged on and subsidies and violations counted to; by default
    /// the date the region's records stand at (see `asOfBasis`).
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

/// Where the date of `funeralStats` comes from (统计日期来源).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AsOfBasis {
    /// The caller's `asOf`.
    Requested,
    /// The date the region's records stand at (数据截止日期): the day they were last written.
    DataDate,
    /// Today, because the region has no funeral records to date it by.
    Today,
}

/// Funeral statistics (殡葬统计) of a region: facilities and halls by stage, plots, funding
/// and its gap, schedules, subsidies and violations, from the records.
pub struct FuneralStats {
    pub stats: Stats,
    pub as_of: chrono::NaiveDate,
    pub basis: AsOfBasis,
    /// The caller's disclosure protection (None: exact).
    pub protection: Option<Arc<CellKeyMethod>>,
}

impl FuneralStats {
    fn count(&self, t: Tally) -> i64 {
        t.publish(self.protection.as_deref())
    }
    fn money(&self, a: Amount, measure: &str) -> Option<Money> {
        a.publish(self.protection.as_deref(), measure).map(Money)
    }
}

/// Funeral statistics (殡葬统计) of a region: facilities and halls by stage, plots, funding
/// and its gap, schedules, subsidies and violations, from the records. For a caller who may
/// not read records every count and sum is protected by disclosure control, as the grouped
/// aggregates' cells are (milestones of public works excepted).
#[Object]
impl FuneralStats {
    /// The date schedules are judged on and subsidies and violations counted to (统计日期).
    async fn as_of(&self) -> Date {
        Date(self.as_of)
    }
    /// Where `asOf` comes from: the request, the date of the data, or today for a region
    /// with no records.
    async fn as_of_basis(&self) -> AsOfBasis {
        self.basis
    }
    /// Facilities by kind and stage.
    async fn facilities(&self) -> Vec<FacilityStageCount> {
        self.stats
            .facilities
            .iter()
            .map(|(k, s, n)| FacilityStageCount {
                kind: (*k).into(),
                stage: (*s).into(),
                facilities: self.count(*n),
            })
            .collect()
    }
    /// Memorial halls (悼念厅), every stage.
    async fn memorial_halls(&self) -> i64 {
        self.count(self.stats.facilities_of(|k, _| k == FacilityKind::MemorialHall))
    }
    /// Memorial halls in use (已投用悼念厅).
    async fn memorial_halls_in_use(&self) -> i64 {
        self.count(self.stats
            .facilities_of(|k, s| k == FacilityKind::MemorialHall && s == Stage::InUse))
    }
    /// Grave plots laid out (墓穴总数).
    async fn grave_plots(&self) -> i64 {
        self.count(self.stats.plots_of(|_| true))
    }
    /// Plots available (可售).
    async fn plots_available(&self) -> i64 {
        self.count(self.stats.plots_of(|s| s == PlotStatus::Available))
    }
    /// Plots registered for pre-sale (已预售登记).
    async fn plots_registered(&self) -> i64 {
        self.count(self.stats.plots_of(|s| s == PlotStatus::Registered))
    }
    /// Plots sold (已售).
    async fn plots_sold(&self) -> i64 {
        self.count(self.stats.plots_of(|s| s == PlotStatus::Sold))
    }
    /// Construction projects (建设项目).
    async fn projects(&self) -> i64 {
        self.count(self.stats.projects)
    }
    /// Tendered cost of the projects (招投标造价), yuan. Null when disclosure
    /// control withholds it (one or two contributions dominate it) from a caller who may not
    /// read records.
    async fn tendered_cost(&self) -> Option<Money> {
        self.money(self.stats.tendered, measure::TENDERED)
    }
    /// Planned total investment (计划总投资), yuan. Null when disclosure
    /// control withholds it (one or two contributions dominate it) from a caller who may not
    /// read records.
    async fn planned_investment(&self) -> Option<Money> {
        self.money(self.stats.planned, measure::PLANNED)
    }
    /// Fiscal allocation (财政拨款), yuan. Null when disclosure
    /// control withholds it (one or two contributions dominate it) from a caller who may not
    /// read records.
    async fn fiscal_allocation(&self) -> Option<Money> {
        self.money(self.stats.allocated, measure::ALLOCATED)
    }
    /// Funding gap (资金缺口): plannedInvestment - fiscalAllocation, yuan (for a caller who may
    /// not read records, the projects' gaps summed and protected as a sum of its own, so not
    /// exactly the difference of the two protected sums). Null when disclosure control
    /// withholds it (one or two projects dominate it).
    async fn funding_gap(&self) -> Option<Money> {
        self.money(self.stats.gap, measure::GAP)
    }
    /// Projects behind schedule on `asOf` (滞后项目).
    async fn projects_behind_schedule(&self) -> i64 {
        self.count(self.stats.projects_behind)
    }
    /// Milestones planned before `asOf` and not achieved by then (逾期节点): exact for every
    /// caller, since a milestone is a public work's schedule, no person's record.
    async fn milestones_behind_schedule(&self) -> i64 {
        self.stats.milestones_behind
    }
    /// Subsidies paid by `asOf` (丧葬补助笔数).
    async fn subsidies(&self) -> i64 {
        self.count(self.stats.subsidies)
    }
    /// Amount of the subsidies paid (补助金额), yuan. Null when disclosure
    /// control withholds it (one or two contributions dominate it) from a caller who may not
    /// read records.
    async fn subsidies_amount(&self) -> Option<Money> {
        self.money(self.stats.subsidies_paid, measure::SUBSIDIES)
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
            violations: self.count(self.stats.violations_of(|x| x == h)),
        })
        .collect()
    }
    /// Violations by `asOf` (违规总数); 0 also where no violation was ever recorded.
    #[graphql(deprecation = "0 where nothing was inspected: read `violationsRecorded`")]
    async fn violations(&self) -> i64 {
        self.count(self.stats.violations_of(|_| true))
    }
    /// Violations recorded by `asOf` (已记录违规数); null where the region has no violation
    /// record at all, since no inspection data is not zero violations.
    async fn violations_recorded(&self) -> Option<i64> {
        (self.stats.violations_ever > 0).then(|| self.count(self.stats.violations_of(|_| true)))
    }
}

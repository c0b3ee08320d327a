//! Construction projects (建设项目) and milestones (节点) as GraphQL objects.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use entity::funeral::{facility, milestone, project};

use super::FuneralFacility;
use crate::domains::funeral::service::projects::{MilestoneFields, ProjectFields};
use crate::error::AppError;
use crate::loaders::{by_id, children};
use crate::scalars::{Date, Money};

/// A milestone is late on `as_of` when planned before it and not achieved by then.
pub fn late(m: &milestone::Model, as_of: NaiveDate) -> bool {
    m.planned_on.is_some_and(|p| p < as_of) && m.achieved_on.is_none_or(|a| a >= as_of)
}

fn as_of(d: Option<Date>) -> NaiveDate {
    d.map_or_else(crate::validate::today, |d| d.0)
}

/// Construction project (建设项目) with its funding and milestones.
#[derive(Clone)]
pub struct FuneralProject(pub project::Model);

/// Construction project (建设项目) with its funding and milestones.
#[Object]
impl FuneralProject {
    /// Project id.
    pub async fn id(&self) -> ID {
        crate::ids::global("FuneralProject", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Name (项目名称).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Code of its region (区划代码).
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// The facility built (建设设施).
    async fn facility(&self, ctx: &Context<'_>) -> Result<Option<FuneralFacility>> {
        let Some(f) = self.0.facility_id else {
            return Ok(None);
        };
        Ok(by_id::<facility::Model>(ctx, f).await?.map(FuneralFacility))
    }
    /// Tendered cost (招投标造价), yuan.
    async fn tendered_cost(&self) -> Option<Money> {
        self.0.tendered_cost_fen.map(Money)
    }
    /// Planned total investment (计划总投资), yuan.
    async fn planned_investment(&self) -> Option<Money> {
        self.0.planned_investment_fen.map(Money)
    }
    /// Fiscal allocation (财政拨款), yuan.
    async fn fiscal_allocation(&self) -> Option<Money> {
        self.0.allocated_fen.map(Money)
    }
    /// Funding gap (资金缺口): plannedInvestment - fiscalAllocation, yuan; null when either is unknown.
    async fn funding_gap(&self) -> Option<Money> {
        Some(Money(self.0.planned_investment_fen? - self.0.allocated_fen?))
    }
    /// Milestones (节点), by planned date.
    async fn milestones(&self, ctx: &Context<'_>) -> Result<Vec<FuneralMilestone>> {
        Ok(children::<milestone::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(FuneralMilestone)
            .collect())
    }
    /// Whether the project is behind schedule (滞后) on `asOf` (today by default): a
    /// milestone was planned before that date and not achieved by then.
    async fn behind_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date to judge on; today by default.")] as_of: Option<Date>,
    ) -> Result<bool> {
        let d = self::as_of(as_of);
        Ok(children::<milestone::Model>(ctx, self.0.id)
            .await?
            .iter()
            .any(|m| late(m, d)))
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the project was last changed (更新时间).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Milestone (节点) of a project, with planned and actual dates.
#[derive(Clone)]
pub struct FuneralMilestone(pub milestone::Model);

/// Milestone (节点) of a project, with planned and actual dates.
#[Object]
impl FuneralMilestone {
    /// Milestone id.
    pub async fn id(&self) -> ID {
        crate::ids::global("FuneralMilestone", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Id of the project.
    async fn project_id(&self) -> ID {
        crate::ids::global("FuneralProject", self.0.project_id)
    }
    /// Name (节点名称).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Planned date (计划日期).
    async fn planned_on(&self) -> Option<Date> {
        self.0.planned_on.map(Into::into)
    }
    /// Date achieved (实际完成日期); null while it is not.
    async fn achieved_on(&self) -> Option<Date> {
        self.0.achieved_on.map(Into::into)
    }
    /// Whether it is late on `asOf` (today by default): planned before and not achieved by then.
    async fn late(
        &self,
        #[graphql(desc = "The date to judge on; today by default.")] as_of: Option<Date>,
    ) -> bool {
        late(&self.0, self::as_of(as_of))
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

crate::connection!(
    FuneralProjectConnection,
    FuneralProjectEdge,
    FuneralProject,
    "funeral construction projects"
);

/// Filter of `funeralProjects`.
#[derive(InputObject, Default)]
pub struct FuneralProjectFilter {
    /// Projects of this region or below.
    pub region_code: Option<String>,
    /// Projects building this facility.
    pub facility_id: Option<ID>,
    /// Projects behind schedule on this date (a milestone planned before it, not achieved by then).
    pub behind_schedule_as_of: Option<Date>,
}

/// Input of `createFuneralProject` and `updateFuneralProject`.
#[derive(InputObject)]
pub struct FuneralProjectInput {
    /// Region, in your reach; it does not change once created.
    pub region_code: String,
    /// The facility built, in the same region.
    pub facility_id: Option<ID>,
    /// Name, 2-64 characters.
    pub name: String,
    /// Tendered cost (招投标造价), yuan, not negative.
    pub tendered_cost: Option<Money>,
    /// Planned total investment (计划总投资), yuan, not negative.
    pub planned_investment: Option<Money>,
    /// Fiscal allocation (财政拨款), yuan, not negative and not above the planned investment.
    pub fiscal_allocation: Option<Money>,
}

impl FuneralProjectInput {
    pub fn into_service(self) -> Result<ProjectFields, AppError> {
        Ok(ProjectFields {
            region_code: self.region_code,
            facility_id: self
                .facility_id
                .as_ref()
                .map(|f| crate::ids::parse("facilityId", "FuneralFacility", f))
                .transpose()?,
            name: self.name,
            tendered_cost_fen: self.tendered_cost.map(Money::fen),
            planned_investment_fen: self.planned_investment.map(Money::fen),
            allocated_fen: self.fiscal_allocation.map(Money::fen),
        })
    }
}

/// Input of `addFuneralMilestone` and `updateFuneralMilestone`.
#[derive(InputObject)]
pub struct FuneralMilestoneInput {
    /// Name, 2-64 characters.
    pub name: String,
    /// Planned date, not before 2000.
    pub planned_on: Option<Date>,
    /// Date achieved, not in the future.
    pub achieved_on: Option<Date>,
}

impl From<FuneralMilestoneInput> for MilestoneFields {
    fn from(i: FuneralMilestoneInput) -> Self {
        MilestoneFields {
            name: i.name,
            planned_on: i.planned_on.map(|d| d.0),
            achieved_on: i.achieved_on.map(|d| d.0),
        }
    }
}

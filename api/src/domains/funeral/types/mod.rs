//! GraphQL types of the funeral domain, one file per aggregate; thin wrappers over the
//! entities.

pub mod aggregate;
pub mod facility;
pub mod plot;
pub mod project;
pub mod services;
pub mod stats;

use async_graphql::{Context, Enum};

pub use aggregate::*;
pub use facility::*;
pub use plot::*;
pub use project::*;
pub use services::*;
pub use stats::*;

use crate::access::{Action, PersonalRead, viewer};
use crate::domains::funeral::policy::POLICY;

/// Kind of funeral facility (殡葬设施类型).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::funeral::facility::FacilityKind")]
pub enum FuneralFacilityKind {
    /// Funeral service centre (殡仪服务中心).
    ServiceCentre,
    /// Memorial hall (悼念厅), part of a centre.
    MemorialHall,
    /// Office building (办公楼), part of a centre.
    OfficeBuilding,
    /// Public cemetery (公墓).
    Cemetery,
    /// Crematorium (火化场).
    Crematorium,
    /// Ash hall (骨灰堂).
    AshHall,
}

/// Construction stage (建设阶段).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::funeral::facility::Stage")]
pub enum ConstructionStage {
    /// Planned (规划).
    Planned,
    /// Foundation (基础).
    Foundation,
    /// Main structure (主体).
    MainStructure,
    /// Fit-out (装饰).
    FitOut,
    /// Completed (竣工).
    Completed,
    /// In use (投入使用).
    InUse,
}

/// Status of a facility, from its stage (状态).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum FuneralFacilityStatus {
    /// Planned, not started (规划中).
    Planned,
    /// Under construction: foundation, main structure, fit-out or completed awaiting use (在建).
    UnderConstruction,
    /// In service (已投用).
    InService,
}

impl From<entity::funeral::facility::Stage> for FuneralFacilityStatus {
    fn from(s: entity::funeral::facility::Stage) -> Self {
        use entity::funeral::facility::Stage::*;
        match s {
            Planned => Self::Planned,
            Foundation | MainStructure | FitOut | Completed => Self::UnderConstruction,
            InUse => Self::InService,
        }
    }
}

/// Type of grave plot (墓型).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::funeral::plot::PlotType")]
pub enum GravePlotType {
    /// Single (单穴).
    Single,
    /// Double (双穴).
    Double,
    /// Family (家族).
    Family,
    /// Not known (不详).
    Unknown,
}

/// Status of a grave plot (状态).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::funeral::plot::PlotStatus")]
pub enum GravePlotStatus {
    /// Available (可售).
    Available,
    /// Registered for pre-sale (已预售登记).
    Registered,
    /// Sold (已售).
    Sold,
}

/// Status of a registration or sale (登记状态).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::funeral::hold::HoldStatus")]
pub enum GravePlotHoldStatus {
    /// Registered for pre-sale (预售登记).
    Registered,
    /// Sold (已售).
    Sold,
    /// Cancelled, the plot freed (已取消).
    Cancelled,
}

/// How a burial violation was handled (处理方式).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::funeral::violation::Handling")]
pub enum ViolationHandling {
    /// Not handled yet (待处理).
    Pending,
    /// Persuasion (劝导).
    Persuasion,
    /// Relocation (迁移).
    Relocation,
    /// Penalty (处罚).
    Penalty,
}

/// A personal-data field: unmasked (and the read audited) for roles with the right, masked
/// otherwise.
pub(crate) fn personal(
    ctx: &Context<'_>,
    entity: &'static str,
    id: i64,
    region_code: &str,
    value: Option<&str>,
    masked: fn(&str) -> String,
) -> Option<String> {
    let value = value?;
    let v = viewer(ctx);
    if v.may(&POLICY, Action::PersonalData) {
        v.note_personal_read(PersonalRead {
            entity,
            id: id.to_string(),
            region_code: Some(region_code.to_owned()),
        });
        Some(value.to_owned())
    } else {
        Some(masked(value))
    }
}

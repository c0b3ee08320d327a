//! Funeral facilities and services (殡葬), report 5: facilities, construction projects with
//! their funding and milestones, grave plots with registrations and sales, fee standards,
//! subsidies and violations. Services and types are split by aggregate.

pub mod aggregate;
pub mod figures;
pub mod loaders;
pub mod mutation;
pub mod policy;
pub mod query;
pub mod seed;
pub mod service;
pub mod stats;
pub mod types;

crate::tracked! {
    entity::funeral::facility::Model => "FuneralFacility", "funeral_facility";
    entity::funeral::project::Model => "FuneralProject", "funeral_project";
    entity::funeral::milestone::Model => "FuneralMilestone", "funeral_milestone";
    entity::funeral::plot::Model => "GravePlot", "grave_plot";
    entity::funeral::hold::Model => "GravePlotHold", "grave_plot_hold";
    entity::funeral::fee_standard::Model => "FuneralFeeStandard", "funeral_fee_standard";
    entity::funeral::subsidy::Model => "FuneralSubsidy", "funeral_subsidy";
    entity::funeral::violation::Model => "FuneralViolation", "funeral_violation";
}

crate::versioned!(
    entity::funeral::facility::Model,
    entity::funeral::project::Model,
    entity::funeral::milestone::Model,
    entity::funeral::plot::Model,
    entity::funeral::hold::Model,
    entity::funeral::fee_standard::Model,
    entity::funeral::violation::Model,
);

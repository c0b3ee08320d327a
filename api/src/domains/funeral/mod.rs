//! Funeral facilities and services (殡葬), report 5: facilities, construction projects with
//! their funding and milestones, grave plots with registrations and sales, fee standards,
//! subsidies and violations. Services and types are split by aggregate.

pub mod aggregate;
pub mod dashboard;
pub mod figures;
pub mod loaders;
pub mod mutation;
pub mod node;
pub mod policy;
pub mod query;
pub mod seed;
pub mod service;
pub mod stats;
pub mod types;

crate::tracked! {
    entity::funeral::facility::Model => "FuneralFacility", "funeral_facility",
        references [parent_id: "FuneralFacility"];
    entity::funeral::project::Model => "FuneralProject", "funeral_project",
        references [facility_id: "FuneralFacility"];
    entity::funeral::milestone::Model => "FuneralMilestone", "funeral_milestone",
        references [project_id: "FuneralProject"];
    entity::funeral::plot::Model => "GravePlot", "grave_plot",
        references [cemetery_id: "FuneralFacility"];
    entity::funeral::hold::Model => "GravePlotHold", "grave_plot_hold",
        personal [holder_name: Name, holder_phone: Number, holder_id_number: Number],
        references [plot_id: "GravePlot"];
    entity::funeral::fee_standard::Model => "FuneralFeeStandard", "funeral_fee_standard";
    entity::funeral::subsidy::Model => "FuneralSubsidy", "funeral_subsidy",
        personal [recipient_name: Name, recipient_phone: Number, recipient_id_number: Number];
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

/// Funeral as the shared parts know it (`domains::DOMAINS`).
pub static DOMAIN: crate::registry::Domain = crate::registry::Domain {
    key: "funeral",
    policy: &policy::POLICY,
    records: RECORDS,
    nodes: crate::node_types![
        "FuneralFacility" => entity::funeral::facility,
        "FuneralProject" => entity::funeral::project,
        "FuneralMilestone" => entity::funeral::milestone,
        "GravePlot" => entity::funeral::plot,
        "GravePlotHold" => entity::funeral::hold,
        "FuneralFeeStandard" => entity::funeral::fee_standard,
        "FuneralSubsidy" => entity::funeral::subsidy,
        "FuneralViolation" => entity::funeral::violation,
    ],
    node: node::resolve,
    sync: Some(crate::registry::Syncing {
        types: &[
            crate::registry::Synced::own("FuneralFacility"),
            crate::registry::Synced::own("FuneralProject"),
            crate::registry::Synced::own("FuneralMilestone"),
            crate::registry::Synced::own("GravePlot"),
            crate::registry::Synced::own("GravePlotHold"),
            crate::registry::Synced::own("FuneralFeeStandard"),
            crate::registry::Synced::own("FuneralSubsidy"),
            crate::registry::Synced::own("FuneralViolation"),
        ],
        load: node::load,
    }),
    datasets: crate::datasets![
        Records: "FuneralFacility", "FuneralProject", "FuneralMilestone", "GravePlot", "GravePlotHold",
            "FuneralFeeStandard", "FuneralSubsidy", "FuneralViolation";
        Statistics: "FuneralStats";
        Aggregate: "GravePlotAggregateRow", "FuneralProjectAggregateRow";
    ],
    metrics: Some(figures::source),
    exports: &types::aggregate::EXPORTS,
    imports: &[],
    reports: None,
    seed: seed::registered,
};

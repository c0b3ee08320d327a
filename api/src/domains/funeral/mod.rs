//! Funeral facilities and services (殡葬), report 5: facilities, construction projects with
//! their funding and milestones, grave plots with registrations and sales, fee standards,
//! subsidies and violations. Services and types are split by aggregate.

pub(crate) mod aggregate;
pub(crate) mod dashboard;
pub(crate) mod figures;
pub(crate) mod loaders;
pub(crate) mod mutation;
pub(crate) mod node;
pub(crate) mod policy;
pub(crate) mod query;
pub(crate) mod seed;
pub(crate) mod service;
pub(crate) mod stats;
pub(crate) mod types;

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

// The parts the registry composes by name (`domains/mod.rs`).
pub use crate::registry::NoSubscription as Subscription;
pub use dashboard::Dashboard;
pub use mutation::FuneralMutation as Mutation;
pub use query::FuneralQuery as Query;
/// Funeral's grouped aggregates (BI).
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "FuneralAggregates")]
pub struct Aggregates(
    types::GravePlotAggregateQuery,
    types::FuneralProjectAggregateQuery,
);

/// Funeral as the shared parts know it (`domains::DOMAINS`).
pub static DOMAIN: crate::registry::Domain = crate::registry::Domain {
    key: "funeral",
    policy: &policy::POLICY,
    records: RECORDS,
    nodes: node::NODES,
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
    cache: None,
    loaders: loaders::add,
};

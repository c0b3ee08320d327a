//! Court enforcement (执行), reports 1, 2 and 4: courts, cases, parties, measures,
//! flow nodes, supervision orders, the dishonest-debtor list and the KPIs.

pub(crate) mod aggregate;
pub(crate) mod daily;
pub(crate) mod dashboard;
pub(crate) mod directory;
pub(crate) mod figures;
pub(crate) mod kpis;
pub(crate) mod loaders;
pub(crate) mod mutation;
pub(crate) mod node;
pub(crate) mod policy;
pub(crate) mod query;
pub(crate) mod seed;
pub(crate) mod service;
pub(crate) mod subscription;
pub(crate) mod types;

crate::tracked! {
    entity::enforcement::enforcement_case::Model => "EnforcementCase", "enforcement_case",
        references [court_id: "Court"];
    entity::enforcement::party::Model => "Party", "party",
        personal [id_number: Number, phone: Number, address: Withhold],
        references [case_id: "EnforcementCase"];
    entity::enforcement::measure::Model => "Measure", "measure",
        references [case_id: "EnforcementCase", party_id: "Party"];
    entity::enforcement::flow_node::Model => "FlowNode", "flow_node",
        references [case_id: "EnforcementCase"];
    entity::enforcement::supervision_order::Model => "SupervisionOrder", "supervision_order",
        references [case_id: "EnforcementCase", issuing_court_id: "Court", court_id: "Court"];
    entity::enforcement::dishonest_entry::Model => "DishonestDebtor", "dishonest_entry",
        personal [id_number: Number],
        references [case_id: "EnforcementCase", party_id: "Party", court_id: "Court"];
}

crate::versioned!(
    entity::enforcement::enforcement_case::Model,
    entity::enforcement::dishonest_entry::Model,
);

// The parts the registry composes by name (`domains/mod.rs`).
pub use dashboard::Dashboard;
pub use mutation::EnforcementMutation as Mutation;
pub use query::EnforcementQuery as Query;
pub use subscription::EnforcementSubscription as Subscription;
pub use types::EnforcementAggregateQuery as Aggregates;

/// Enforcement as the shared parts know it (`domains::DOMAINS`).
pub static DOMAIN: crate::registry::Domain = crate::registry::Domain {
    key: "enforcement",
    policy: &policy::POLICY,
    records: RECORDS,
    nodes: node::NODES,
    datasets: crate::datasets![
        Records: "EnforcementCase", "Party", "Measure", "FlowNode", "SupervisionOrder";
        Public: "Court", "DishonestDebtor";
        Statistics: "EnforcementKpis";
        Aggregate: "EnforcementAggregateRow";
    ],
    metrics: Some(figures::source),
    exports: &types::aggregate::EXPORTS,
    imports: &[],
    reports: None,
    seed: seed::registered,
    cache: Some(directory::cache),
    loaders: loaders::add,
};

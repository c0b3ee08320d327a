//! Court enforcement (执行), reports 1, 2 and 4: courts, cases, parties, measures,
//! flow nodes, supervision orders, the dishonest-debtor list and the KPIs.

pub mod aggregate;
pub mod daily;
pub mod dashboard;
pub mod directory;
pub mod figures;
pub mod kpis;
pub mod loaders;
pub mod mutation;
pub mod node;
pub mod policy;
pub mod query;
pub mod seed;
pub mod service;
pub mod subscription;
pub mod types;

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

/// Enforcement as the shared parts know it (`domains::DOMAINS`).
pub static DOMAIN: crate::registry::Domain = crate::registry::Domain {
    key: "enforcement",
    policy: &policy::POLICY,
    records: RECORDS,
    nodes: crate::node_types![
        "Court" => entity::enforcement::court,
        "EnforcementCase" => entity::enforcement::enforcement_case,
        "Party" => entity::enforcement::party,
        "Measure" => entity::enforcement::measure,
        "FlowNode" => entity::enforcement::flow_node,
        "SupervisionOrder" => entity::enforcement::supervision_order,
        "DishonestDebtor" => entity::enforcement::dishonest_entry,
    ],
    node: node::resolve,
    sync: Some(crate::registry::Syncing {
        types: &[
            crate::registry::Synced::own("EnforcementCase"),
            crate::registry::Synced::of_parent("Party", "case_id", "enforcement_cases"),
            crate::registry::Synced::of_parent("Measure", "case_id", "enforcement_cases"),
            crate::registry::Synced::of_parent("FlowNode", "case_id", "enforcement_cases"),
            crate::registry::Synced::own("SupervisionOrder"),
            crate::registry::Synced::own("DishonestDebtor"),
        ],
        load: node::load,
    }),
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
};

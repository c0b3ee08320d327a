//! Court enforcement (执行), reports 1, 2 and 4: courts, cases, parties, measures,
//! flow nodes, supervision orders, the dishonest-debtor list and the KPIs.

pub mod aggregate;
pub mod daily;
pub mod directory;
pub mod figures;
pub mod kpis;
pub mod loaders;
pub mod mutation;
pub mod policy;
pub mod query;
pub mod seed;
pub mod service;
pub mod subscription;
pub mod types;

crate::tracked! {
    entity::enforcement::enforcement_case::Model => "EnforcementCase", "enforcement_case";
    entity::enforcement::party::Model => "Party", "party";
    entity::enforcement::measure::Model => "Measure", "measure";
    entity::enforcement::flow_node::Model => "FlowNode", "flow_node";
    entity::enforcement::supervision_order::Model => "SupervisionOrder", "supervision_order";
    entity::enforcement::dishonest_entry::Model => "DishonestDebtor", "dishonest_entry";
}

crate::versioned!(
    entity::enforcement::enforcement_case::Model,
    entity::enforcement::dishonest_entry::Model,
);

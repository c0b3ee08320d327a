//! Rural revitalisation (乡村振兴), reports 6 and 9: the indicator catalogue, observations per
//! region and period (stored in each indicator's canonical unit, read in any unit of its
//! dimension), the CSV import, villages with their party organisation and collective income.

pub(crate) mod aggregate;
pub(crate) mod dashboard;
pub(crate) mod figures;
pub(crate) mod import;
pub(crate) mod loaders;
pub(crate) mod mutation;
pub(crate) mod node;
pub(crate) mod policy;
pub(crate) mod query;
pub(crate) mod seed;
pub(crate) mod service;
pub(crate) mod types;

crate::tracked! {
    entity::rural::observation::Model => "Observation", "rural_observation",
        references [indicator_id: "Indicator"];
    entity::rural::village::Model => "Village", "rural_village";
    entity::rural::village_income::Model => "VillageIncome", "rural_village_income",
        references [village_id: "Village"];
}

crate::versioned!(
    entity::rural::observation::Model,
    entity::rural::village::Model,
    entity::rural::village_income::Model,
);

// The parts the registry composes by name (`domains/mod.rs`).
pub use crate::registry::NoSubscription as Subscription;
pub use dashboard::Dashboard;
pub use mutation::RuralMutation as Mutation;
pub use query::RuralQuery as Query;
pub use types::ObservationAggregateQuery as Aggregates;

/// Rural revitalisation as the shared parts know it (`domains::DOMAINS`).
pub static DOMAIN: crate::registry::Domain = crate::registry::Domain {
    key: "rural",
    policy: &policy::POLICY,
    records: RECORDS,
    nodes: node::NODES,
    datasets: crate::datasets![
        Statistics: "Indicator", "Observation";
        Records: "Village", "VillageIncome";
        Statistics: "RuralStats";
        Aggregate: "ObservationAggregateRow";
    ],
    metrics: Some(figures::source),
    exports: &types::aggregate::EXPORTS,
    imports: &[crate::file_import::FileImport {
        name: "observations.csv",
        run: import::run,
    }],
    reports: None,
    seed: seed::registered,
    cache: None,
    loaders: loaders::add,
};

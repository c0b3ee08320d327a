//! Rural revitalisation (乡村振兴), reports 6 and 9: the indicator catalogue, observations per
//! region and period (stored in each indicator's canonical unit, read in any unit of its
//! dimension), the CSV import, villages with their party organisation and collective income.

pub mod aggregate;
pub mod dashboard;
pub mod figures;
pub mod import;
pub mod loaders;
pub mod mutation;
pub mod node;
pub mod policy;
pub mod query;
pub mod seed;
pub mod service;
pub mod types;

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

/// Rural revitalisation as the shared parts know it (`domains::DOMAINS`).
pub static DOMAIN: crate::registry::Domain = crate::registry::Domain {
    key: "rural",
    policy: &policy::POLICY,
    records: RECORDS,
    nodes: crate::node_types![
        "Indicator" => entity::rural::indicator,
        "Observation" => entity::rural::observation,
        "Village" => entity::rural::village,
        "VillageIncome" => entity::rural::village_income,
    ],
    node: node::resolve,
    sync: Some(crate::registry::Syncing {
        types: &[
            crate::registry::Synced::own("Village"),
            crate::registry::Synced::own("VillageIncome"),
            crate::registry::Synced::own("Observation"),
        ],
        load: node::load,
    }),
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
};

//! Rural revitalisation (乡村振兴), reports 6 and 9: the indicator catalogue, observations per
//! region and period (stored in each indicator's canonical unit, read in any unit of its
//! dimension), the CSV import, villages with their party organisation and collective income.

pub mod aggregate;
pub mod figures;
pub mod import;
pub mod loaders;
pub mod mutation;
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

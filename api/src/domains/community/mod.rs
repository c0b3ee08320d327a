//! Urban community governance (社区治理), reports 3, 7 and 8: community units (社区居委会),
//! their staff, facilities and grids, the statistics the reports give and the standards
//! they cite. Services and types are split by aggregate (units, staff, facilities, grids).

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
    entity::community::unit::Model => "CommunityUnit", "community_unit";
    entity::community::staff::Model => "CommunityStaff", "community_staff",
        personal [name: Name, phone: Number, id_number: Number],
        references [unit_id: "CommunityUnit", grid_id: "CommunityGrid"];
    entity::community::facility::Model => "CommunityFacility", "community_facility",
        references [unit_id: "CommunityUnit"];
    entity::community::grid::Model => "CommunityGrid", "community_grid",
        references [unit_id: "CommunityUnit"];
}

crate::versioned!(
    entity::community::unit::Model,
    entity::community::staff::Model,
    entity::community::facility::Model,
    entity::community::grid::Model,
);

// The parts the registry composes by name (`domains/mod.rs`).
pub use crate::registry::NoSubscription as Subscription;
pub use dashboard::Dashboard;
pub use mutation::CommunityMutation as Mutation;
pub use query::CommunityQuery as Query;
/// Community's grouped aggregates (BI).
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "CommunityAggregates")]
pub struct Aggregates(
    types::CommunityStaffAggregateQuery,
    types::CommunityUnitAggregateQuery,
);

/// Community as the shared parts know it (`domains::DOMAINS`).
pub static DOMAIN: crate::registry::Domain = crate::registry::Domain {
    key: "community",
    policy: &policy::POLICY,
    records: RECORDS,
    nodes: node::NODES,
    datasets: crate::datasets![
        Records: "CommunityUnit", "CommunityStaff", "CommunityFacility", "CommunityGrid";
        Statistics: "CommunityStats";
        Aggregate: "CommunityStaffAggregateRow", "CommunityUnitAggregateRow";
    ],
    metrics: Some(figures::source),
    exports: &types::aggregate::EXPORTS,
    imports: &[],
    reports: None,
    seed: seed::registered,
    cache: None,
    loaders: loaders::add,
};

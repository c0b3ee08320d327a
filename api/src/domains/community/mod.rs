//! Urban community governance (社区治理), reports 3, 7 and 8: community units (社区居委会),
//! their staff, facilities and grids, the statistics the reports give and the standards
//! they cite. Services and types are split by aggregate (units, staff, facilities, grids).

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

/// Community as the shared parts know it (`domains::DOMAINS`).
pub static DOMAIN: crate::registry::Domain = crate::registry::Domain {
    key: "community",
    policy: &policy::POLICY,
    records: RECORDS,
    nodes: crate::node_types![
        "CommunityUnit" => entity::community::unit,
        "CommunityStaff" => entity::community::staff,
        "CommunityFacility" => entity::community::facility,
        "CommunityGrid" => entity::community::grid,
    ],
    node: node::resolve,
    sync: Some(crate::registry::Syncing {
        types: &[
            crate::registry::Synced::own("CommunityUnit"),
            crate::registry::Synced::own("CommunityStaff"),
            crate::registry::Synced::own("CommunityFacility"),
            crate::registry::Synced::own("CommunityGrid"),
        ],
        load: node::load,
    }),
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
};

//! Survey reports (调研报告) and the figures they state (报告数据), compared with what the
//! platform computes from its records.

pub(crate) mod dashboard;
pub(crate) mod loaders;
pub(crate) mod mutation;
pub(crate) mod node;
pub(crate) mod policy;
pub(crate) mod quality;
pub(crate) mod query;
mod reading;
pub(crate) mod report_types;
pub(crate) mod reports;
pub(crate) mod service;
pub(crate) mod types;

crate::tracked! {
    entity::survey::followup::Model => "RecommendationFollowUp", "recommendation_followup",
        references [item_id: "ReportItem"];
}

crate::versioned!(entity::survey::followup::Model,);

use crate::access::Action;
use crate::registry::{Dataset, DatasetKind};

// The parts the registry composes by name (`domains/mod.rs`).
pub use crate::registry::NoAggregates as Aggregates;
pub use crate::registry::NoSubscription as Subscription;
pub use dashboard::Dashboard;
pub use mutation::SurveyMutation as Mutation;
pub use query::SurveyQuery as Query;

/// Survey reports as the shared parts know them (`domains::DOMAINS`).
pub static DOMAIN: crate::registry::Domain = crate::registry::Domain {
    key: "survey",
    policy: &policy::POLICY,
    records: RECORDS,
    nodes: node::NODES,
    datasets: &[
        Dataset::of("SurveyReport", DatasetKind::Public).read_by(Action::Aggregate),
        Dataset::of("ReportedFigure", DatasetKind::Public).read_by(Action::Aggregate),
        Dataset::of("DataQualityIssue", DatasetKind::Public).read_by(Action::Aggregate),
    ],
    metrics: None,
    exports: &[],
    imports: &[],
    reports: Some(reports::shipped_domains),
    seed: reports::registered,
    cache: None,
    loaders: loaders::add,
};

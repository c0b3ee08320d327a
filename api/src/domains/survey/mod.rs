//! Survey reports (调研报告) and the figures they state (报告数据), compared with what the
//! platform computes from its records.

pub mod dashboard;
pub mod loaders;
pub mod mutation;
pub mod node;
pub mod policy;
pub mod quality;
pub mod query;
mod reading;
pub mod report_types;
pub mod reports;
pub mod service;
pub mod types;

crate::tracked! {
    entity::survey::followup::Model => "RecommendationFollowUp", "recommendation_followup",
        references [item_id: "ReportItem"];
}

crate::versioned!(entity::survey::followup::Model,);

use crate::access::Action;
use crate::registry::{Dataset, DatasetKind};

/// Survey reports as the shared parts know them (`domains::DOMAINS`).
pub static DOMAIN: crate::registry::Domain = crate::registry::Domain {
    key: "survey",
    policy: &policy::POLICY,
    records: RECORDS,
    nodes: crate::node_types!["ReportedFigure" => entity::survey::reported_figure],
    node: node::resolve,
    sync: None,
    // Published, and read by whoever may read statistics.
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
};

//! Survey reports (调研报告) and the figures they state (报告数据), compared with what the
//! platform computes from its records.

pub mod loaders;
pub mod mutation;
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

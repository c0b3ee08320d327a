//! Survey reports (调研报告) as records, their problems and recommendations with their
//! follow-ups, and the figures they state.

pub mod followup;
pub mod report;
pub mod report_item;
pub mod reported_figure;

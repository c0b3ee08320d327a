//! Survey reports (调研报告) and the figures they state.

pub mod reported_figure;

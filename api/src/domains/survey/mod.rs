//! Survey reports (调研报告) and the figures they state (报告数据), compared with what the
//! platform computes from its records.

pub mod loaders;
pub mod policy;
pub mod query;
pub mod service;
pub mod types;

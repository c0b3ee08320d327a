//! Administrative regions (行政区划): the hierarchy every record belongs to.

pub mod coverage;
pub mod directory;
pub mod loaders;
pub mod policy;
pub mod query;
pub mod seed;
pub mod service;
pub mod types;

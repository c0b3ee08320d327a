//! Court enforcement (执行), reports 1, 2 and 4: courts, cases, parties, measures,
//! flow nodes, supervision orders, the dishonest-debtor list and the KPIs.

pub mod daily;
pub mod directory;
pub mod kpis;
pub mod loaders;
pub mod mutation;
pub mod policy;
pub mod query;
pub mod seed;
pub mod service;
pub mod types;

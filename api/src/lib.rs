//! The survey-data platform: one GraphQL API over court enforcement, community, rural and
//! funeral data, joined by the administrative-region hierarchy.

pub mod access;
pub mod admission;
pub mod aggregate;
pub mod audit;
pub mod auth;
pub mod body;
pub mod cache;
pub mod config;
pub mod console;
pub mod dictionary;
pub mod domains;
pub mod error;
pub mod export;
pub mod figures;
pub mod http;
pub mod hub;
pub mod idempotency;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod persisted;
pub mod ratelimit;
pub mod replica;
pub mod scalars;
pub mod schema;
pub mod seed;
pub mod shared;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod units;
pub mod validate;
pub mod write;

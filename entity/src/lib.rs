//! Database entities (sea-orm models), one folder per domain.
//!
//! Entities describe tables only; the GraphQL API has its own types in `api`,
//! so the schema and the storage can change independently.

pub mod audit;
pub mod auth;
pub mod change_log;
pub mod community;
pub mod enforcement;
pub mod funeral;
pub mod idempotency_key;
pub mod region;
pub mod rural;
pub mod survey;
pub mod webhook;

//! The signed webhook outbox (回调推送): partners' notification systems (SMS gateways,
//! WeChat service accounts) are told of records as they are written, flow nodes of their
//! cases first (report 2 pushes every new flow node to the parties).
//!
//! - `outbox`: every write (`write::Who::logged`) adds one delivery row per matching active
//!   endpoint, in the write's own transaction: an event exists exactly when its record does;
//! - `deliverer`: a background task of every server process claims due rows (a lease, so
//!   a crash mid-delivery means redelivery after the lease, never a loss), POSTs them signed
//!   as Standard Webhooks prescribes, and retries with exponential backoff;
//! - `signing`: the endpoints' secrets and the `webhook-signature` header;
//! - `service` and `graphql`: the administrators' API (register, deactivate, observe).

pub mod deliverer;
pub mod graphql;
pub mod outbox;
pub mod service;
pub mod signing;

use crate::access::{Action, Policy, Role};

/// Who may register endpoints and read the outbox: administrators.
pub const POLICY: Policy = Policy {
    domain: "webhooks",
    rules: &[(Action::Read, &[Role::Admin]), (Action::Write, &[Role::Admin])],
};

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
//! - `secrets`: the secrets encrypted at rest, and their re-encryption at start;
//! - `egress`: where deliveries may go (https, no address of the server's own networks
//!   unless allowed), checked at registration and at every delivery;
//! - `service` and `graphql`: the administrators' API (register, deactivate, observe).

pub mod deliverer;
pub mod egress;
pub mod graphql;
pub mod outbox;
pub mod secrets;
pub mod service;
pub mod signing;
pub mod types;

use crate::access::{Action, Policy, Role};
use crate::config::Settings;

/// What registering and delivering need besides the database: where endpoints may be, and
/// the keys of their secrets. One per process, shared.
#[derive(Debug)]
pub struct Safety {
    pub egress: egress::Egress,
    pub keys: secrets::SecretKeys,
}

impl Safety {
    /// From the settings; refuses a bad key, and production without one.
    pub fn from_settings(s: &Settings) -> anyhow::Result<Self> {
        Ok(Safety {
            egress: egress::Egress {
                allow_http: s.webhooks.allow_http,
                allow: s.webhooks.allow_cidrs.clone(),
            },
            keys: secrets::SecretKeys::from_settings(&s.webhooks, s.production)?,
        })
    }
}

/// Who may register endpoints and read the outbox: administrators.
pub const POLICY: Policy = Policy {
    domain: "webhooks",
    rules: &[(Action::Read, &[Role::Admin]), (Action::Write, &[Role::Admin])],
};

//! The signed webhook outbox (回调推送): endpoints partners registered, and the deliveries
//! to them, one per event and endpoint.

pub mod delivery;
pub mod endpoint;

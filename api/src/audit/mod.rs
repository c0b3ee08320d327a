//! The audit log (审计日志): every mutation (in its own transaction), every read of
//! unmasked personal data and every dishonest-debtor check. Shared by every domain.

pub mod query;
pub mod service;

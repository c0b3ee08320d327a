//! Funeral facilities and services (殡葬): facilities, construction projects with funding and
//! milestones, grave plots with registrations and sales, fee standards, subsidies and
//! violations.

pub mod facility;
pub mod fee_standard;
pub mod hold;
pub mod milestone;
pub mod plot;
pub mod project;
pub mod subsidy;
pub mod violation;

//! GraphQL types of the rural domain.

pub mod indicator;
pub mod village;

pub use indicator::*;
pub use village::*;

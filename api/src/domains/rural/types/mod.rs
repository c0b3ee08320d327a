//! GraphQL types of the rural domain.

pub mod aggregate;
pub mod indicator;
pub mod village;

pub use aggregate::*;
pub use indicator::*;
pub use village::*;

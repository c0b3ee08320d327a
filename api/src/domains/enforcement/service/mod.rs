//! Database logic of the enforcement domain, one file per aggregate; no GraphQL here.

pub mod cases;
pub mod courts;
pub mod dishonest;
mod flow;
pub mod records;
pub mod supervision;

pub use cases::*;
pub use courts::*;
pub use dishonest::*;
pub use records::*;
pub use supervision::*;

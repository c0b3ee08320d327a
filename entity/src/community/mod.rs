//! Urban community governance (社区治理): community units (社区居委会), their staff,
//! facilities and grids.

pub mod facility;
pub mod grid;
pub mod staff;
pub mod standard;
pub mod unit;

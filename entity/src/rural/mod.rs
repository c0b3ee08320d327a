//! Rural revitalisation (乡村振兴): the indicator catalogue, observations, villages and their
//! collective-economy income.

pub mod income_threshold;
pub mod indicator;
pub mod observation;
pub mod village;
pub mod village_income;

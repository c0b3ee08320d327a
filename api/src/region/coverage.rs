//! Rows that hold for a region and everything below it over a run of years (a rural income
//! threshold, a community facility standard): such a row covers a region in a year when it
//! is in force that year and its region is that region or lies above it. Domains keep their
//! own tables and choices (which row wins when several cover); the rule is here, once.

use sea_orm::{ColumnTrait, Condition};

use super::directory::RegionDirectory;

/// In force in `year`: `from_year` at or before it and `to_year` (inclusive) open or at or
/// after it.
pub fn in_force(from_year: impl ColumnTrait, to_year: impl ColumnTrait, year: i32) -> Condition {
    Condition::all()
        .add(from_year.lte(year))
        .add(Condition::any().add(to_year.is_null()).add(to_year.gte(year)))
}

/// Whether a row of region `row_region` covers `region`: the same region or one above it
/// (its materialised path a prefix of `region`'s). False when either region is unknown.
pub fn covers(regions: &RegionDirectory, row_region: &str, region: &str) -> bool {
    match (regions.get(row_region), regions.get(region)) {
        (Some(row), Some(r)) => r.path.starts_with(&row.path),
        _ => false,
    }
}

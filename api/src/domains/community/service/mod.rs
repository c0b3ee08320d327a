//! Database logic of the community domain, one file per aggregate; no GraphQL here.

pub mod facilities;
pub mod grids;
pub mod staff;
pub mod standards;
pub mod units;

use sea_orm::sea_query::Expr;
use sea_orm::{Condition, ConnectionTrait};

use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::region::service as regions;

/// Earliest birth year, formation year or conversion year the domain accepts.
pub const EARLIEST_YEAR: i32 = 1900;

/// A year between `EARLIEST_YEAR` and this year.
pub fn year_in_range(field: &str, year: Option<i32>) -> AppResult<Option<i32>> {
    let this_year = chrono::Datelike::year(&crate::validate::today());
    match year {
        Some(y) if !(EARLIEST_YEAR..=this_year).contains(&y) => Err(AppError::bad_input(
            field,
            format!("{field} must be between {EARLIEST_YEAR} and {this_year}"),
        )),
        y => Ok(y),
    }
}

/// A count that cannot be negative (populations, households, groups).
pub fn not_negative(field: &str, n: Option<i32>) -> AppResult<Option<i32>> {
    match n {
        Some(n) if n < 0 => Err(AppError::bad_input(
            field,
            format!("{field} must not be negative"),
        )),
        n => Ok(n),
    }
}

/// Restricts a table's `region_code` to the caller's reach.
pub(crate) fn scoped(table: impl sea_orm::sea_query::IntoIden, scope: &Scope) -> Condition {
    regions::in_scope(
        Condition::all(),
        Expr::col((table, sea_orm::sea_query::Alias::new("region_code"))),
        scope,
    )
}

/// The unit a child record is filed under, checked to be in the caller's reach.
pub(crate) async fn unit_in_scope(
    db: &impl ConnectionTrait,
    unit_id: i64,
    scope: &Scope,
    field: &str,
) -> AppResult<entity::community::unit::Model> {
    units::find_unit(db, unit_id, scope).await?.ok_or_else(|| {
        AppError::bad_input(
            field,
            format!("no community unit with id {unit_id} in your reach"),
        )
    })
}

//! Database logic of the funeral domain, one file per aggregate; no GraphQL here.

pub mod facilities;
pub mod plots;
pub mod projects;
pub mod services;

use crate::error::{AppError, AppResult};

pub use crate::region::service::{find_in_scope, in_region};

/// A non-negative amount in fen, within the money range.
pub(crate) fn money(field: &str, fen: Option<i64>) -> AppResult<Option<i64>> {
    if let Some(f) = fen {
        crate::validate::money_range(field, f)?;
    }
    Ok(fen)
}

/// A date in a plausible range: not before 2000 and, for what happened, not in the future.
pub(crate) fn date_in_range(field: &str, d: chrono::NaiveDate, past: bool) -> AppResult<chrono::NaiveDate> {
    let earliest = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    if d < earliest {
        return Err(AppError::bad_input(field, format!("{field} is before 2000")));
    }
    if past {
        crate::validate::past_date(field, d)?;
    }
    Ok(d)
}

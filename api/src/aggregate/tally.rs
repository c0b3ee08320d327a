//! Counts and sums that carry their cell (`cellkey.rs`), for the statistics a domain computes
//! outside the aggregate engine (its stats and KPI queries): a `Tally` is a count with the
//! sum of its records' keys, an `Amount` a sum with its keys and the sum of the squares of
//! its contributions. Both add (and a tally subtracts) as sets of records do, so a figure
//! folded from finer groups, or the complement of one within another, is the cell of exactly
//! its records, with the key the engine would give it; `publish` protects it for callers who
//! may not read records. The SQL helpers give the columns that feed them. No GraphQL here.

use std::ops::{Add, Sub};

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, SimpleExpr};

use super::cellkey::{CellKeyMethod, salt};

/// A count and the sum of the record keys of what it counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Tally {
    pub n: i64,
    pub key: i64,
}

impl Tally {
    /// The value for a caller: exact without protection, perturbed by the table with it.
    pub fn publish(self, protection: Option<&CellKeyMethod>) -> i64 {
        match protection {
            Some(m) => m.count(self.n, self.key),
            None => self.n,
        }
    }
}

impl Add for Tally {
    type Output = Tally;
    fn add(self, o: Tally) -> Tally {
        Tally {
            n: self.n + o.n,
            key: self.key.wrapping_add(o.key),
        }
    }
}

/// The records of `self` that are not in `o` (which they must contain).
impl Sub for Tally {
    type Output = Tally;
    fn sub(self, o: Tally) -> Tally {
        Tally {
            n: self.n - o.n,
            key: self.key.wrapping_sub(o.key),
        }
    }
}

impl std::iter::Sum for Tally {
    fn sum<I: Iterator<Item = Tally>>(iter: I) -> Tally {
        iter.fold(Tally::default(), Add::add)
    }
}

/// A sum (money, areas, people), the sum of its records' keys and of its contributions'
/// squares.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Amount {
    pub total: i64,
    pub key: i64,
    pub squares: f64,
}

impl Amount {
    /// The value for a caller: exact without protection; with it, perturbed in proportion to
    /// its largest contributions, or None when the dominance rule withholds it. `measure`
    /// salts the noise: the aggregate dataset's measure of the same sum where there is one,
    /// so that the same cell gets the same value from either.
    pub fn publish(self, protection: Option<&CellKeyMethod>, measure: &str) -> Option<i64> {
        match protection {
            Some(m) => m.magnitude(self.total, self.squares, self.key, salt(measure)),
            None => Some(self.total),
        }
    }
}

impl Add for Amount {
    type Output = Amount;
    fn add(self, o: Amount) -> Amount {
        Amount {
            total: self.total + o.total,
            key: self.key.wrapping_add(o.key),
            squares: self.squares + o.squares,
        }
    }
}

impl std::iter::Sum for Amount {
    fn sum<I: Iterator<Item = Amount>>(iter: I) -> Amount {
        iter.fold(Amount::default(), Add::add)
    }
}

/// A sum's columns, by the suffix of their alias: the total (``), its key sum (`_k`, of the
/// rows where the column is known) and the sum of squares (`_s`); `read_amount` reads them back.
pub fn amount_columns(table: &str, column: &str) -> [(&'static str, SimpleExpr); 3] {
    let e = Expr::cust(format!("{table}.{column}"));
    [
        ("", sum_or_zero(e.clone())),
        (
            "_k",
            key_sum_where(table, sea_orm::Condition::all().add(e.clone().is_not_null())),
        ),
        ("_s", squares(e)),
    ]
}

/// The count aliased `name` and its key sum `<name>_k` of a row (none: an empty cell).
pub fn read_tally(row: Option<&sea_orm::QueryResult>, name: &str) -> Result<Tally, sea_orm::DbErr> {
    let Some(r) = row else { return Ok(Tally::default()) };
    Ok(Tally {
        n: r.try_get("", name)?,
        key: r.try_get("", &format!("{name}_k"))?,
    })
}

/// The sum aliased `name` with `<name>_k` and `<name>_s` (`amount_columns`) of a row (none:
/// an empty cell).
pub fn read_amount(row: Option<&sea_orm::QueryResult>, name: &str) -> Result<Amount, sea_orm::DbErr> {
    let Some(r) = row else {
        return Ok(Amount::default());
    };
    Ok(Amount {
        total: r.try_get("", name)?,
        key: r.try_get("", &format!("{name}_k"))?,
        squares: r.try_get("", &format!("{name}_s"))?,
    })
}

/// `CAST(e AS BIGINT)`.
pub fn bigint(e: impl Into<SimpleExpr>) -> SimpleExpr {
    Func::cast_as(e.into(), Alias::new("BIGINT")).into()
}

/// The key sum of a cell: `CAST(COALESCE(SUM(<table>.record_key), 0) AS BIGINT)`.
pub fn key_sum(table: &str) -> SimpleExpr {
    key_sum_of(Expr::cust(format!("{table}.record_key")))
}

/// The key sum of the rows where `cond` holds. Record keys are INTEGER, and so is the zero,
/// so that PostgreSQL sums them on its fast path.
pub fn key_sum_where(table: &str, cond: impl Into<sea_orm::Condition>) -> SimpleExpr {
    let key = Expr::cust(format!("{table}.record_key"));
    key_sum_of(Expr::case(cond.into(), key).finally(Expr::val(0i32)).into())
}

fn key_sum_of(e: SimpleExpr) -> SimpleExpr {
    sum_or_zero(e)
}

/// `CAST(COALESCE(SUM(e), 0) AS BIGINT)`.
pub fn sum_or_zero(e: impl Into<SimpleExpr>) -> SimpleExpr {
    let summed: SimpleExpr = Func::sum(e.into()).into();
    let zero: SimpleExpr = Expr::val(0i64);
    bigint(Func::coalesce([summed, zero]))
}

/// The sum of the squares of `e` over the cell, as a double (0 for none).
pub fn squares(e: SimpleExpr) -> SimpleExpr {
    let real = |e: SimpleExpr| -> SimpleExpr { Func::cast_as(e, Alias::new("DOUBLE PRECISION")).into() };
    let summed: SimpleExpr = Func::sum(real(e.clone()).mul(real(e))).into();
    let zero: SimpleExpr = Expr::val(0.0f64);
    Func::coalesce([summed, zero]).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_groups_are_the_cell_of_their_records() {
        let a = Tally {
            n: 3,
            key: i64::from(i32::MAX),
        };
        let b = Tally {
            n: 2,
            key: i64::from(i32::MIN),
        };
        let m = CellKeyMethod::default();
        assert_eq!((a + b).n, 5);
        assert_eq!((a + b - b), a);
        // A key sum that wraps is the same cell key modulo 2^32.
        let wrapped = Tally {
            n: 5,
            key: (a + b).key + (1i64 << 32),
        };
        assert_eq!((a + b).publish(Some(&m)), wrapped.publish(Some(&m)));
        assert_eq!((a + b).publish(None), 5);
        let x = Amount {
            total: 1000,
            key: 7,
            squares: 1_000_000.0,
        };
        // One contributor: the dominance rule withholds it; exact without protection.
        assert_eq!(x.publish(Some(&m), "amount"), None);
        assert_eq!(x.publish(None, "amount"), Some(1000));
    }
}

//! Database logic of the rural domain, one file per aggregate; no GraphQL here.

pub mod indicators;
pub mod observations;
pub mod villages;

use chrono::{Datelike, NaiveDate};

use crate::error::{AppError, AppResult};

/// A statistical period: a year (`2023`), half-year (`2023H1`), quarter (`2023Q2`) or month
/// (`2023-05`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Period {
    pub key: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    ymd(ny, nm, 1)?.pred_opt()
}

impl Period {
    /// Parses a period key; BAD_USER_INPUT naming `field` otherwise.
    pub fn parse(field: &str, text: &str) -> AppResult<Self> {
        let t = text.trim().to_ascii_uppercase();
        let bad = || {
            AppError::bad_input(
                field,
                format!("{text:?} is not a period: 2023, 2023H1, 2023Q2 or 2023-05"),
            )
        };
        let year: i32 = t.get(..4).and_then(|y| y.parse().ok()).ok_or_else(bad)?;
        if !(1949..=2100).contains(&year) {
            return Err(bad());
        }
        let rest = &t[4..];
        let (start, end) = match rest {
            "" => (ymd(year, 1, 1), ymd(year, 12, 31)),
            "H1" => (ymd(year, 1, 1), ymd(year, 6, 30)),
            "H2" => (ymd(year, 7, 1), ymd(year, 12, 31)),
            q if q.len() == 2 && q.starts_with('Q') => {
                let n: u32 = q[1..].parse().map_err(|_| bad())?;
                if !(1..=4).contains(&n) {
                    return Err(bad());
                }
                (ymd(year, 3 * n - 2, 1), month_end(year, 3 * n))
            }
            m if m.len() == 3 && m.starts_with('-') => {
                let n: u32 = m[1..].parse().map_err(|_| bad())?;
                if !(1..=12).contains(&n) {
                    return Err(bad());
                }
                (ymd(year, n, 1), month_end(year, n))
            }
            _ => return Err(bad()),
        };
        Ok(Period {
            key: t,
            start: start.ok_or_else(bad)?,
            end: end.ok_or_else(bad)?,
        })
    }

    /// The same period a year earlier.
    pub fn year_before(&self) -> Option<Period> {
        let year = self.start.year() - 1;
        Period::parse("period", &format!("{year}{}", &self.key[4..])).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::Period;

    #[test]
    fn periods_parse_and_step_back() {
        let p = Period::parse("p", "2023q1").unwrap();
        assert_eq!(
            (p.key.as_str(), p.start.to_string(), p.end.to_string()),
            ("2023Q1", "2023-01-01".into(), "2023-03-31".into())
        );
        assert_eq!(
            Period::parse("p", "2024-02").unwrap().end.to_string(),
            "2024-02-29"
        );
        assert_eq!(
            Period::parse("p", "2023H2").unwrap().year_before().unwrap().key,
            "2022H2"
        );
        for bad in ["23", "2023Q5", "2023-13", "2023H3", "abcd", "2023/05"] {
            assert!(Period::parse("p", bad).is_err(), "{bad}");
        }
    }
}

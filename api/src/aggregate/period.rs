//! Time buckets of grouped aggregates: the bucket of a date or timestamp as SQL (one
//! expression per database, so that the database groups by it), the same bucket arithmetic
//! in Rust (to enumerate every bucket of a range for zero-filling), and time zones.

use chrono::{Datelike, Duration, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;
use sea_orm::DbBackend;
use sea_orm::sea_query::{Expr, SimpleExpr};

use crate::error::{AppError, AppResult};

/// The time zone a request does not name: the reports' own.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// The most buckets one series may span (ten years of days), so that zero-filling stays bounded.
pub const MAX_BUCKETS: usize = 3_700;

/// How long a time bucket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    Day,
    /// Weeks start on Monday (ISO 8601).
    Week,
    Month,
    Quarter,
    HalfYear,
    Year,
}

/// What a time column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKind {
    /// A calendar date, already local: the time zone does not apply.
    Date,
    /// An instant (UTC), bucketed by its local date in the request's time zone.
    Timestamp,
}

impl Granularity {
    /// The first day of the bucket holding `d`.
    pub fn floor(self, d: NaiveDate) -> NaiveDate {
        // Months 1..=12 of an existing date's year always exist.
        let first_of = |month: u32| NaiveDate::from_ymd_opt(d.year(), month, 1).unwrap_or(d);
        match self {
            Granularity::Day => d,
            Granularity::Week => d - Duration::days(d.weekday().num_days_from_monday() as i64),
            Granularity::Month => first_of(d.month()),
            Granularity::Quarter => first_of((d.month() - 1) / 3 * 3 + 1),
            Granularity::HalfYear => first_of((d.month() - 1) / 6 * 6 + 1),
            Granularity::Year => first_of(1),
        }
    }

    /// The first day of the bucket after the one starting at `start`.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        let months = |n: u32| {
            start
                .checked_add_months(chrono::Months::new(n))
                .unwrap_or(NaiveDate::MAX)
        };
        match self {
            Granularity::Day => start.succ_opt().unwrap_or(NaiveDate::MAX),
            Granularity::Week => start + Duration::days(7),
            Granularity::Month => months(1),
            Granularity::Quarter => months(3),
            Granularity::HalfYear => months(6),
            Granularity::Year => months(12),
        }
    }

    /// The last day of the bucket starting at `start`.
    pub fn last_day(self, start: NaiveDate) -> NaiveDate {
        self.next(start).pred_opt().unwrap_or(start)
    }

    /// Every bucket start from the bucket of `from` to the bucket of `to`, or an error past
    /// `MAX_BUCKETS`.
    pub fn buckets(self, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<NaiveDate>> {
        let mut out = Vec::new();
        let mut b = self.floor(from);
        while b <= to {
            if out.len() == MAX_BUCKETS {
                return Err(AppError::bad_input(
                    "period",
                    format!(
                        "the period spans more than {MAX_BUCKETS} buckets: choose a coarser granularity or a shorter range"
                    ),
                ));
            }
            out.push(b);
            b = self.next(b);
        }
        Ok(out)
    }

    /// A short label of the bucket starting at `start`: `2025-03-17`, `2025-W12`, `2025-03`,
    /// `2025-Q1`, `2025-H1`, `2025`.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Granularity::Day => start.to_string(),
            Granularity::Week => {
                let w = start.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Granularity::Month => format!("{}-{:02}", start.year(), start.month()),
            Granularity::Quarter => format!("{}-Q{}", start.year(), (start.month() - 1) / 3 + 1),
            Granularity::HalfYear => format!("{}-H{}", start.year(), (start.month() - 1) / 6 + 1),
            Granularity::Year => start.year().to_string(),
        }
    }

    fn postgres_unit(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
            Granularity::Quarter => "quarter",
            Granularity::HalfYear | Granularity::Year => "year",
        }
    }
}

/// A validated IANA time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(pub Tz);

impl Zone {
    pub fn parse(name: Option<&str>) -> AppResult<Zone> {
        let name = name.unwrap_or(DEFAULT_TIME_ZONE);
        name.parse::<Tz>().map(Zone).map_err(|_| {
            AppError::bad_input(
                "timeZone",
                format!("unknown time zone {name:?}: give an IANA name such as \"Asia/Shanghai\""),
            )
        })
    }

    /// The zone's UTC offset in seconds when it has one offset all year (no daylight saving
    /// in `year`), else None.
    fn fixed_offset(self, year: i32) -> Option<i32> {
        let at = |month: u32| {
            let instant = chrono::Utc.with_ymd_and_hms(year, month, 1, 12, 0, 0).single()?;
            Some(
                self.0
                    .offset_from_utc_datetime(&instant.naive_utc())
                    .fix()
                    .local_minus_utc(),
            )
        };
        let (january, july) = (at(1)?, at(7)?);
        (january == july).then_some(january)
    }
}

/// The SQL text of the bucket start (`YYYY-MM-DD`) of `column` (a date, or an instant
/// taken in `zone`), for `backend`.
pub fn bucket_sql(
    backend: DbBackend,
    column: &str,
    kind: TimeKind,
    granularity: Granularity,
    zone: Zone,
) -> AppResult<SimpleExpr> {
    match backend {
        DbBackend::Postgres => {
            let local = match kind {
                TimeKind::Date => column.to_owned(),
                // The zone name is a validated IANA name (letters, digits, `/_+-`).
                TimeKind::Timestamp => format!("({column} AT TIME ZONE '{}')", zone.0.name()),
            };
            let unit = granularity.postgres_unit();
            let start = if granularity == Granularity::HalfYear {
                format!(
                    "date_trunc('year', {local}) + CASE WHEN EXTRACT(MONTH FROM {local}) > 6 \
                     THEN INTERVAL '6 months' ELSE INTERVAL '0 months' END"
                )
            } else {
                format!("date_trunc('{unit}', {local})")
            };
            Ok(Expr::cust(format!("CAST({start} AS DATE)")))
        }
        DbBackend::Sqlite => {
            let local = match kind {
                TimeKind::Date => format!("date({column})"),
                TimeKind::Timestamp => {
                    let offset = zone.fixed_offset(crate::validate::today().year()).ok_or_else(|| {
                        AppError::bad_input(
                            "timeZone",
                            format!(
                                "{} observes daylight saving, which grouping by timestamp supports on PostgreSQL only",
                                zone.0.name()
                            ),
                        )
                    })?;
                    format!("datetime({column}, '{offset:+} seconds')")
                }
            };
            let back = |months: u32| {
                format!(
                    "date({local}, 'start of month', '-' || ((CAST(strftime('%m', {local}) AS INTEGER) - 1) % {months}) || ' months')"
                )
            };
            Ok(Expr::cust(match granularity {
                Granularity::Day => format!("date({local})"),
                Granularity::Week => format!("date({local}, '-6 days', 'weekday 1')"),
                Granularity::Month => format!("date({local}, 'start of month')"),
                Granularity::Quarter => back(3),
                Granularity::HalfYear => back(6),
                Granularity::Year => format!("date({local}, 'start of year')"),
            }))
        }
        other => Err(AppError::Internal(anyhow::anyhow!(
            "no time buckets for {other:?}"
        ))),
    }
}

/// The local calendar date of an instant in `zone`.
#[cfg(test)]
fn local_date(zone: Zone, instant: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    instant.with_timezone(&zone.0).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn buckets_floor_step_and_label() {
        let day = d("2025-08-14");
        assert_eq!(Granularity::Week.floor(day), d("2025-08-11"));
        assert_eq!(Granularity::Quarter.floor(day), d("2025-07-01"));
        assert_eq!(Granularity::HalfYear.floor(day), d("2025-07-01"));
        assert_eq!(Granularity::HalfYear.floor(d("2025-06-30")), d("2025-01-01"));
        assert_eq!(Granularity::Quarter.label(d("2025-07-01")), "2025-Q3");
        assert_eq!(Granularity::Week.label(d("2024-12-30")), "2025-W01");
        assert_eq!(Granularity::Quarter.last_day(d("2025-01-01")), d("2025-03-31"));
        let months = Granularity::Month
            .buckets(d("2024-11-20"), d("2025-02-01"))
            .unwrap();
        assert_eq!(
            months,
            [d("2024-11-01"), d("2024-12-01"), d("2025-01-01"), d("2025-02-01")]
        );
        assert!(
            Granularity::Day
                .buckets(d("2000-01-01"), d("2025-01-01"))
                .is_err()
        );
    }

    #[test]
    fn zones() {
        assert_eq!(Zone::parse(None).unwrap().fixed_offset(2025), Some(8 * 3600));
        assert_eq!(
            Zone::parse(Some("Europe/Berlin")).unwrap().fixed_offset(2025),
            None
        );
        assert!(Zone::parse(Some("Mars/Olympus")).is_err());
        let new_year_utc = chrono::Utc.with_ymd_and_hms(2024, 12, 31, 17, 0, 0).unwrap();
        assert_eq!(
            local_date(Zone::parse(None).unwrap(), new_year_utc),
            d("2025-01-01")
        );
    }
}

//! What a figure a report states allows (报告数据的区间): its qualifier and the interval of
//! values it admits. "不足15%", "10亿元以上", "30多万亩", "近2000万元", "约5.55亿元" are
//! bounds and approximations, not values; the rules and the comparison with records compare
//! intervals. The conventions (`docs/domains.md#how-stated-figures-are-read`), for a stated
//! number X whose last nonzero digit is worth u (u = 10 for 160, 1000万 for 2000万):
//!
//! | qualifier  | said as                 | interval          |
//! |------------|-------------------------|-------------------|
//! | `Exact`    | X                       | X, to the places stated (0.55 is 0.545 to 0.555) |
//! | `LessThan` | 不足 X, 不到 X, 低于 X   | below X           |
//! | `AtLeast`  | X 以上, 不少于 X, 至少 X | X or more         |
//! | `MoreThan` | X 多, X 余              | X to X + u, X + u excluded (160余: 160 to 170) |
//! | `About`    | 约 X, X 左右            | X − u/2 to X + u/2 |
//! | `Nearly`   | 近 X                    | 0.9 X to X         |

use rust_decimal::Decimal;
use serde::Deserialize;
use std::fmt;

pub mod types;

// Also the GraphQL enum `FigureQualifier`: the doc comments below are its schema
// descriptions.
/// How a report states a figure (限定词).
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[graphql(name = "FigureQualifier")]
#[serde(rename_all = "camelCase")]
pub enum Qualifier {
    /// The number itself, to the places stated (确数).
    #[default]
    Exact,
    /// Below the number: 不足, 不到, 低于.
    LessThan,
    /// The number or more: 以上, 不少于, 至少.
    AtLeast,
    /// The number and less than one unit of its last nonzero digit more: 多, 余 (160余 is
    /// 160 to 170).
    MoreThan,
    /// Within half a unit of its last nonzero digit: 约, 左右 (700左右 is 650 to 750).
    About,
    /// The number or a little less, by at most a tenth of it: 近.
    Nearly,
}

impl Qualifier {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::Exact => "exact",
            Qualifier::LessThan => "less_than",
            Qualifier::AtLeast => "at_least",
            Qualifier::MoreThan => "more_than",
            Qualifier::About => "about",
            Qualifier::Nearly => "nearly",
        }
    }

    /// The qualifier of a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Qualifier::Exact,
            Qualifier::LessThan,
            Qualifier::AtLeast,
            Qualifier::MoreThan,
            Qualifier::About,
            Qualifier::Nearly,
        ]
        .into_iter()
        .find(|q| q.as_str() == name)
    }

    /// The qualifier of a stored name (exact when unknown).
    pub fn of_stored(stored: &str) -> Self {
        Qualifier::parse(stored).unwrap_or_default()
    }
}

/// One end of an interval: its value and whether it belongs to the interval; `None` is
/// unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct End {
    pub value: Decimal,
    pub closed: bool,
}

/// The values a stated figure admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub lower: Option<End>,
    pub upper: Option<End>,
}

/// The worth of the last nonzero digit of `x` (10 for 160, 10^7 for 1 880 000 000, 0.01 for
/// 5.55); 1 for zero.
fn last_digit_unit(x: Decimal) -> Decimal {
    let x = x.abs().normalize();
    if x.is_zero() {
        return Decimal::ONE;
    }
    let mut unit = Decimal::new(1, x.scale());
    while let Some(next) = unit.checked_mul(Decimal::TEN)
        && (x % next).is_zero()
    {
        unit = next;
    }
    unit
}

impl Interval {
    /// The interval of one value.
    pub fn point(v: Decimal) -> Self {
        Interval::closed(v, v)
    }

    /// The interval with each end mapped by `lower` and `upper` (a unit conversion: the
    /// lower end rounded down, the upper up, so that it still holds every value it held);
    /// an end the map cannot give becomes unbounded.
    pub fn map_ends(
        &self,
        lower: impl Fn(Decimal) -> Option<Decimal>,
        upper: impl Fn(Decimal) -> Option<Decimal>,
    ) -> Interval {
        Interval {
            lower: self.lower.and_then(|e| {
                Some(End {
                    value: lower(e.value)?,
                    ..e
                })
            }),
            upper: self.upper.and_then(|e| {
                Some(End {
                    value: upper(e.value)?,
                    ..e
                })
            }),
        }
    }

    fn closed(lower: Decimal, upper: Decimal) -> Self {
        Interval {
            lower: Some(End {
                value: lower,
                closed: true,
            }),
            upper: Some(End {
                value: upper,
                closed: true,
            }),
        }
    }

    /// The interval a number stated with `qualifier` admits (the conventions above). An
    /// exact figure admits what rounds to it at the places it is stated to.
    pub fn stated(qualifier: Qualifier, x: Decimal) -> Self {
        let open = |value| Some(End { value, closed: false });
        let shut = |value| Some(End { value, closed: true });
        let u = last_digit_unit(x);
        // Ends beyond the decimal type's range are left unbounded.
        let closed_or_unbounded = |lower: Option<Decimal>, upper: Option<Decimal>| Interval {
            lower: lower.and_then(shut),
            upper: upper.and_then(shut),
        };
        match qualifier {
            Qualifier::Exact => match Decimal::try_new(5, x.scale() + 1) {
                Ok(half) if x.scale() > 0 => closed_or_unbounded(x.checked_sub(half), x.checked_add(half)),
                _ => Interval::closed(x, x),
            },
            Qualifier::LessThan => Interval {
                lower: None,
                upper: open(x),
            },
            Qualifier::AtLeast => Interval {
                lower: shut(x),
                upper: None,
            },
            Qualifier::MoreThan => Interval {
                lower: shut(x),
                upper: x.checked_add(u).and_then(open),
            },
            Qualifier::About => {
                let half = u / Decimal::TWO;
                closed_or_unbounded(x.checked_sub(half), x.checked_add(half))
            }
            Qualifier::Nearly => closed_or_unbounded(x.checked_mul(Decimal::new(9, 1)), Some(x)),
        }
    }

    /// Whether `v` lies in it.
    pub fn contains(&self, v: Decimal) -> bool {
        let above = self
            .lower
            .is_none_or(|l| v > l.value || (l.closed && v == l.value));
        let below = self
            .upper
            .is_none_or(|u| v < u.value || (u.closed && v == u.value));
        above && below
    }

    /// Whether every value of it is greater than every value of `other`.
    pub fn above(&self, other: &Interval) -> bool {
        match (self.lower, other.upper) {
            (Some(l), Some(u)) => l.value > u.value || (l.value == u.value && !(l.closed && u.closed)),
            _ => false,
        }
    }

    /// Whether it and `other` share no value.
    pub fn apart(&self, other: &Interval) -> bool {
        self.above(other) || other.above(self)
    }

    /// The interval of `a + b` for `a` in it and `b` in `other`.
    pub fn plus(&self, other: &Interval) -> Interval {
        let add = |a: Option<End>, b: Option<End>| {
            Some(End {
                value: a?.value.checked_add(b?.value)?,
                closed: a?.closed && b?.closed,
            })
        };
        Interval {
            lower: add(self.lower, other.lower),
            upper: add(self.upper, other.upper),
        }
    }

    /// The interval of `a / b` for `a` in it and `b` in `other`, both of non-negative values;
    /// `None` when `other` admits zero.
    pub fn over(&self, other: &Interval) -> Option<Interval> {
        let b_low = other.lower.filter(|l| l.value > Decimal::ZERO)?;
        let low = self.lower.map_or(
            Some(End {
                value: Decimal::ZERO,
                closed: true,
            }),
            Some,
        );
        let lower = match (low, other.upper) {
            (Some(a), Some(b)) if !b.value.is_zero() => Some(End {
                value: a.value.checked_div(b.value)?,
                closed: a.closed && b.closed,
            }),
            (Some(a), None) if a.value.is_zero() => Some(a),
            _ => Some(End {
                value: Decimal::ZERO,
                closed: false,
            }),
        };
        let upper = self.upper.and_then(|a| {
            Some(End {
                value: a.value.checked_div(b_low.value)?,
                closed: a.closed && b_low.closed,
            })
        });
        Some(Interval { lower, upper })
    }

    /// The same interval with both ends rounded outwards to `places` (for showing it).
    pub fn rounded(&self, places: u32) -> Interval {
        use rust_decimal::RoundingStrategy::{ToNegativeInfinity, ToPositiveInfinity};
        Interval {
            lower: self.lower.map(|e| End {
                value: e
                    .value
                    .round_dp_with_strategy(places, ToNegativeInfinity)
                    .normalize(),
                ..e
            }),
            upper: self.upper.map(|e| End {
                value: e
                    .value
                    .round_dp_with_strategy(places, ToPositiveInfinity)
                    .normalize(),
                ..e
            }),
        }
    }
}

/// The interval a stored figure admits: its stored ends, or, for an exact figure stored
/// before intervals were (both ends null), the interval its value states.
pub fn of_figure(f: &entity::survey::reported_figure::Model) -> Option<Interval> {
    of_stored(
        &f.qualifier,
        &f.value,
        (f.lower.as_deref(), f.lower_closed),
        (f.upper.as_deref(), f.upper_closed),
    )
}

/// The interval a stored value admits from its qualifier, value and stored ends (decimal
/// text and whether the end belongs to it; no text is unbounded). An exact value whose ends
/// were never written (a row from before intervals were stored) admits what its value
/// states. `None` when a stored number does not parse.
pub fn of_stored(
    qualifier: &str,
    value: &str,
    lower: (Option<&str>, bool),
    upper: (Option<&str>, bool),
) -> Option<Interval> {
    let end = |(text, closed): (Option<&str>, bool)| -> Option<Option<End>> {
        match text {
            Some(text) => Some(Some(End {
                value: text.parse().ok()?,
                closed,
            })),
            None => Some(None),
        }
    };
    let interval = Interval {
        lower: end(lower)?,
        upper: end(upper)?,
    };
    if interval.lower.is_none() && interval.upper.is_none() && qualifier == Qualifier::Exact.as_str() {
        return Some(Interval::stated(Qualifier::Exact, value.parse().ok()?));
    }
    Some(interval)
}

/// An end as stored: its decimal text (none when unbounded) and whether it belongs to the
/// interval (true for an unbounded end, as the columns default).
pub fn stored_end(end: Option<End>) -> (Option<String>, bool) {
    (
        end.map(|e| e.value.normalize().to_string()),
        end.is_none_or(|e| e.closed),
    )
}

/// Interval notation: `[0.545, 0.555]`, `(−∞, 0.5)`, `[300000, 400000)`.
impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.lower {
            Some(l) => write!(f, "{}{}", if l.closed { '[' } else { '(' }, l.value.normalize())?,
            None => write!(f, "(−∞")?,
        }
        match self.upper {
            Some(u) => write!(f, ", {}{}", u.value.normalize(), if u.closed { ']' } else { ')' }),
            None => write!(f, ", ∞)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn the_conventions_give_these_intervals() {
        let shown = |q, x: &str| Interval::stated(q, d(x)).to_string();
        assert_eq!(shown(Qualifier::Exact, "0.55"), "[0.545, 0.555]");
        assert_eq!(shown(Qualifier::Exact, "2606"), "[2606, 2606]");
        assert_eq!(shown(Qualifier::LessThan, "0.5"), "(−∞, 0.5)");
        assert_eq!(shown(Qualifier::AtLeast, "1000000000"), "[1000000000, ∞)");
        // 30多万亩, 160余人, 18.8亿余元.
        assert_eq!(shown(Qualifier::MoreThan, "300000"), "[300000, 400000)");
        assert_eq!(shown(Qualifier::MoreThan, "160"), "[160, 170)");
        assert_eq!(
            shown(Qualifier::MoreThan, "1880000000.00"),
            "[1880000000, 1890000000)"
        );
        // 约5.55亿元, 700斤左右.
        assert_eq!(shown(Qualifier::About, "555000000.00"), "[554500000, 555500000]");
        assert_eq!(shown(Qualifier::About, "700"), "[650, 750]");
        // 近2000万元.
        assert_eq!(shown(Qualifier::Nearly, "20000000"), "[18000000, 20000000]");
    }

    #[test]
    fn intervals_compare_add_and_divide() {
        let coverage = Interval::stated(Qualifier::Exact, d("0.55"));
        let under_half = Interval::stated(Qualifier::LessThan, d("0.5"));
        assert!(coverage.apart(&under_half) && under_half.apart(&coverage));
        assert!(!coverage.apart(&Interval::stated(Qualifier::LessThan, d("0.6"))));
        let (part, whole) = (
            Interval::stated(Qualifier::Exact, d("2772")),
            Interval::stated(Qualifier::Exact, d("2606")),
        );
        assert!(part.above(&whole) && !whole.above(&part));
        // 2772 / 39.39% implies 7036.4 to 7038.3 cases.
        let implied = part
            .over(&Interval::stated(Qualifier::Exact, d("0.3939")))
            .unwrap();
        assert_eq!(implied.rounded(1).to_string(), "[7036.4, 7038.3]");
        assert!(!implied.contains(d("2606")) && implied.contains(d("7037")));
        let sum = Interval::stated(Qualifier::MoreThan, d("160"))
            .plus(&Interval::stated(Qualifier::Exact, d("40")));
        assert_eq!(sum.to_string(), "[200, 210)");
        assert!(
            Interval::stated(Qualifier::LessThan, d("1"))
                .over(&Interval::stated(Qualifier::LessThan, d("2")))
                .is_none()
        );
        assert_eq!(Qualifier::parse("more_than"), Some(Qualifier::MoreThan));
        // At the edge of the decimal type's range, ends are unbounded rather than overflowing.
        let max = Interval::stated(Qualifier::MoreThan, Decimal::MAX);
        assert_eq!(max.upper, None);
        assert!(max.contains(Decimal::MAX));
    }
}

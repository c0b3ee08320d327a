//! The GraphQL form of what a stated value admits (`stated`): its qualifier and interval, as
//! reported figures, observations and computed values show them.

use super::{End, Interval, Qualifier};

/// How a report states a figure (限定词).
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum FigureQualifier {
    /// The number itself, to the places stated (确数).
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

impl FigureQualifier {
    /// The qualifier of a stored name (exact when unknown).
    pub fn of_stored(stored: &str) -> Self {
        Qualifier::parse(stored).unwrap_or_default().into()
    }
}

impl From<Qualifier> for FigureQualifier {
    fn from(q: Qualifier) -> Self {
        match q {
            Qualifier::Exact => FigureQualifier::Exact,
            Qualifier::LessThan => FigureQualifier::LessThan,
            Qualifier::AtLeast => FigureQualifier::AtLeast,
            Qualifier::MoreThan => FigureQualifier::MoreThan,
            Qualifier::About => FigureQualifier::About,
            Qualifier::Nearly => FigureQualifier::Nearly,
        }
    }
}

impl From<FigureQualifier> for Qualifier {
    fn from(q: FigureQualifier) -> Self {
        match q {
            FigureQualifier::Exact => Qualifier::Exact,
            FigureQualifier::LessThan => Qualifier::LessThan,
            FigureQualifier::AtLeast => Qualifier::AtLeast,
            FigureQualifier::MoreThan => Qualifier::MoreThan,
            FigureQualifier::About => Qualifier::About,
            FigureQualifier::Nearly => Qualifier::Nearly,
        }
    }
}

/// The values a figure admits (区间), as exact decimal text in the canonical unit.
#[derive(async_graphql::SimpleObject, Clone)]
pub struct FigureInterval {
    /// The lowest value; null when unbounded below.
    pub lower: Option<String>,
    /// Whether `lower` itself is admitted.
    pub lower_included: bool,
    /// The highest value; null when unbounded above.
    pub upper: Option<String>,
    /// Whether `upper` itself is admitted.
    pub upper_included: bool,
    /// The interval in the usual notation, e.g. `[300000, 400000)` or `(−∞, 0.5)`.
    pub notation: String,
}

impl FigureInterval {
    /// The form of `interval`; unbounded both ways when there is none.
    pub fn of(interval: Option<Interval>) -> Self {
        let end = |e: Option<End>| e.map(|e| e.value.normalize().to_string());
        FigureInterval {
            lower: interval.and_then(|i| end(i.lower)),
            lower_included: interval.and_then(|i| i.lower).is_some_and(|e| e.closed),
            upper: interval.and_then(|i| end(i.upper)),
            upper_included: interval.and_then(|i| i.upper).is_some_and(|e| e.closed),
            notation: interval.map_or_else(|| "(−∞, ∞)".to_owned(), |i| i.to_string()),
        }
    }
}

//! The GraphQL form of what a stated value admits (`stated`): its interval, as reported
//! figures, observations and computed values show it (the qualifier is `stated::Qualifier`
//! itself, named `FigureQualifier` in the schema).

use super::{End, Interval};

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

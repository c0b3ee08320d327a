//! The metric registry: what each domain can compute from its records, so that a figure a
//! report states can be set beside the platform's own value. A domain registers one
//! `MetricSource` (its metrics by name and unit, and how to compute them for a batch of
//! regions and periods) in `domains::metric_sources`; the survey module reads the registry
//! and imports no domain.

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::access::Scope;
use crate::error::AppResult;
use crate::region::service::Subtree;

/// A metric a domain computes: its name (as reported figures name it), canonical unit
/// and what it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricDef {
    pub name: &'static str,
    pub unit: &'static str,
    pub description: &'static str,
}

/// What a metric is computed over: a region subtree in a period, within the caller's reach.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetricQuery {
    pub scope: Scope,
    pub region: Subtree,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Disclosure control for a caller who may not read records: the values must be
    /// protected by it (`crate::aggregate::disclosure`). Only sources that `protect` get
    /// such queries.
    pub protect: Option<crate::aggregate::cellkey::Protection>,
}

/// The values a domain computed for one query, by metric name.
pub type MetricSet = HashMap<String, MetricValue>;

type Fut<'a, T> = Pin<Box<dyn Future<Output = AppResult<T>> + Send + 'a>>;

/// A domain's computable metrics.
pub trait MetricSource: Send + Sync {
    /// The domain, as reported figures name it (`enforcement`, `community`, ...).
    fn domain(&self) -> &'static str;
    /// Every metric it computes.
    fn metrics(&self) -> &'static [MetricDef];
    /// The domain's access policy: a caller whose role may not read its records gets
    /// protected values (or none, from a source that does not protect).
    fn policy(&self) -> &'static crate::access::Policy;
    /// Whether it protects its values when a query asks (`MetricQuery::protect`). The
    /// metrics of a source that does not are withheld from callers who may not read records.
    fn protects(&self) -> bool {
        false
    }
    /// The metrics of each query, in the order of `queries`.
    fn compute<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        queries: &'a [MetricQuery],
    ) -> Fut<'a, Vec<MetricSet>>;
}

/// Every domain's metric source.
#[derive(Clone)]
pub struct Registry(Vec<Arc<dyn MetricSource>>);

impl Registry {
    pub fn new(sources: Vec<Arc<dyn MetricSource>>) -> Self {
        Registry(sources)
    }

    /// The source of `domain`, if one is registered.
    pub fn source(&self, domain: &str) -> Option<&Arc<dyn MetricSource>> {
        self.0.iter().find(|s| s.domain() == domain)
    }

    /// Every registered source.
    pub fn sources(&self) -> &[Arc<dyn MetricSource>] {
        &self.0
    }
}

/// `numerator / denominator`, `None` when the denominator is 0.
pub fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator != 0).then(|| numerator as f64 / denominator as f64)
}

/// A computed metric, typed so it can be compared with a stated decimal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricValue {
    Count(i64),
    /// Money in fen.
    Money(i64),
    /// Hundredths of a unit (areas in 0.01 m²).
    Centi(i64),
    Rate(Option<f64>),
    /// An exact decimal (an observation's value).
    Exact(rust_decimal::Decimal),
    /// A value that stands for an interval: an observation a report states as a bound or an
    /// approximation ("30多万亩"), or a figure derived from such values, with the interval the
    /// derivation propagates (`stated::Interval::plus`, `over`).
    Bounded(rust_decimal::Decimal, crate::stated::Interval),
}

impl MetricValue {
    /// The value as exact decimal text (rates with six places), `None` for an undefined rate.
    pub fn to_decimal_text(self) -> Option<String> {
        match self {
            MetricValue::Count(n) => Some(n.to_string()),
            MetricValue::Money(fen) | MetricValue::Centi(fen) => Some(crate::scalars::Money(fen).to_string()),
            MetricValue::Rate(r) => r.map(|r| format!("{r:.6}")),
            MetricValue::Exact(d) | MetricValue::Bounded(d, _) => Some(d.normalize().to_string()),
        }
    }

    /// The value as an exact decimal (a rate as computed, to about 15 digits); `None` for
    /// an undefined rate.
    pub fn to_decimal(self) -> Option<rust_decimal::Decimal> {
        match self {
            MetricValue::Count(n) => Some(rust_decimal::Decimal::from(n)),
            MetricValue::Money(fen) | MetricValue::Centi(fen) => Some(rust_decimal::Decimal::new(fen, 2)),
            MetricValue::Rate(r) => r.and_then(rust_decimal::Decimal::from_f64_retain),
            MetricValue::Exact(d) | MetricValue::Bounded(d, _) => Some(d),
        }
    }

    /// The values it admits: a bounded value's interval, any other value alone; `None` for
    /// an undefined rate.
    pub fn interval(self) -> Option<crate::stated::Interval> {
        match self {
            MetricValue::Bounded(_, interval) => Some(interval),
            other => other.to_decimal().map(crate::stated::Interval::point),
        }
    }

    /// Whether the value, rounded to the places `stated` has, equals `stated`; for a bounded
    /// value, whether its interval admits a value that does.
    pub fn matches(self, stated: &str) -> Option<bool> {
        if let MetricValue::Bounded(_, interval) = self {
            let stated =
                crate::stated::Interval::stated(crate::stated::Qualifier::Exact, stated.parse().ok()?);
            return Some(!interval.apart(&stated));
        }
        if let MetricValue::Exact(d) = self {
            let stated: rust_decimal::Decimal = stated.parse().ok()?;
            let places = stated.scale();
            return Some(
                d.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                    == stated,
            );
        }
        let places = stated.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
        let stated: f64 = stated.parse().ok()?;
        let value = match self {
            MetricValue::Count(n) => n as f64,
            MetricValue::Money(fen) | MetricValue::Centi(fen) => fen as f64 / 100.0,
            MetricValue::Rate(r) => r?,
            MetricValue::Exact(_) | MetricValue::Bounded(..) => return None,
        };
        let scale = 10f64.powi(places);
        Some(((value * scale).round() - (stated * scale).round()).abs() < 0.5)
    }
}

#[cfg(test)]
mod tests {
    use super::MetricValue::*;

    #[test]
    fn values_compare_at_the_stated_precision() {
        assert_eq!(Rate(Some(85.0 / 112.0)).matches("0.787"), Some(false));
        assert_eq!(Rate(Some(85.0 / 112.0)).matches("0.759"), Some(true));
        assert_eq!(Count(142).matches("142"), Some(true));
        assert_eq!(Centi(2050).matches("20.5"), Some(true));
        assert_eq!(Rate(None).matches("0.5"), None);
    }
}

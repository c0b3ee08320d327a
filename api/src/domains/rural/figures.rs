//! Rural's entry in the metric registry (`figures.rs`): an indicator's recorded value for the
//! figure's region and period (by indicator code; a bound or an approximation with its
//! interval), shares derived from two recorded counts (with the interval their intervals
//! give), and counts of the village records.

use entity::rural::{indicator, observation};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

use super::service::observations::interval_of;
use super::service::villages;
use crate::figures::{MetricDef, MetricQuery, MetricSet, MetricSource, MetricValue, ratio};
use crate::stated::Qualifier;

const DEFS: &[MetricDef] = &[
    MetricDef {
        name: "<indicator code>",
        unit: "the indicator's",
        description: "the recorded value of the indicator for the region and period",
    },
    MetricDef {
        name: "ruralTalentsFarmingShare",
        unit: "ratio",
        description: "rural_talents_farming / rural_talents",
    },
    MetricDef {
        name: "villages",
        unit: "village",
        description: "village records (行政村)",
    },
    MetricDef {
        name: "villagesAtLeast30000",
        unit: "village",
        description: "villages with a collective income of at least 30,000 yuan in the year (none when no income is recorded)",
    },
];

pub struct Source;

/// An observation as a metric value: exact, or bounded by the interval its qualifier admits.
fn observed(o: &observation::Model) -> Option<MetricValue> {
    let value = o.value.parse().ok()?;
    if o.qualifier == Qualifier::Exact.as_str() {
        return Some(MetricValue::Exact(value));
    }
    Some(MetricValue::Bounded(value, interval_of(o)?))
}

/// A share of two observed counts: a rate when both are exact whole numbers, otherwise the
/// ratio of their values with the interval of the ratio of their intervals (160余 of whom
/// 150: 150/160, between 150/170 and 150/160). `None` when the base is or may be zero.
fn share(part: MetricValue, whole: MetricValue) -> Option<MetricValue> {
    let whole_number = |v: MetricValue| match v {
        MetricValue::Exact(d) if d.fract().is_zero() => i64::try_from(d).ok(),
        _ => None,
    };
    if let (Some(p), Some(w)) = (whole_number(part), whole_number(whole)) {
        return Some(MetricValue::Rate(ratio(p, w)));
    }
    let value = part.to_decimal()?.checked_div(whole.to_decimal()?)?;
    Some(MetricValue::Bounded(value, part.interval()?.over(&whole.interval()?)?))
}

/// The domain's metric source, for its registration.
pub fn source() -> std::sync::Arc<dyn MetricSource> {
    std::sync::Arc::new(Source)
}

impl MetricSource for Source {
    fn domain(&self) -> &'static str {
        "rural"
    }

    fn policy(&self) -> &'static crate::access::Policy {
        &super::policy::POLICY
    }

    fn metrics(&self) -> &'static [MetricDef] {
        DEFS
    }

    /// Counts of villages are protected; an indicator's recorded value is a published figure
    /// (the indicator catalogue and series give it to every caller) and stays as recorded.
    fn protects(&self) -> bool {
        true
    }

    fn compute<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        queries: &'a [MetricQuery],
    ) -> std::pin::Pin<Box<dyn Future<Output = crate::error::AppResult<Vec<MetricSet>>> + Send + 'a>> {
        Box::pin(async move {
            let codes: HashMap<i64, String> = indicator::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|i| (i.id, i.code))
                .collect();
            let mut out = Vec::with_capacity(queries.len());
            for q in queries {
                let Some(root) = q.region.0.first() else {
                    out.push(MetricSet::new());
                    continue;
                };
                let rows = observation::Entity::find()
                    .filter(crate::region::service::in_region(
                        observation::Entity,
                        &q.scope,
                        Some(&q.region),
                    ))
                    .filter(observation::Column::RegionCode.eq(root.clone()))
                    .filter(observation::Column::PeriodStart.eq(q.from))
                    .filter(observation::Column::PeriodEnd.eq(q.to))
                    .all(db)
                    .await?;
                let mut set = MetricSet::new();
                for o in rows {
                    if let Some(code) = codes.get(&o.indicator_id)
                        && let Some(v) = observed(&o)
                    {
                        set.insert(code.clone(), v);
                    }
                }
                if let (Some(farming), Some(all)) = (
                    set.get("rural_talents_farming").copied(),
                    set.get("rural_talents").copied(),
                ) && let Some(share) = share(farming, all)
                {
                    set.insert("ruralTalentsFarmingShare".into(), share);
                }
                let year = chrono::Datelike::year(&q.to);
                let t = villages::totals(db, &q.scope, Some(&q.region), year).await?;
                let p = q.protect.as_ref().map(|p| &*p.0);
                set.insert("villages".into(), MetricValue::Count(t.villages.publish(p)));
                if t.with_income.n > 0 {
                    set.insert(
                        "villagesAtLeast30000".into(),
                        MetricValue::Count(t.at_least_30k.publish(p)),
                    );
                }
                out.push(set);
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stated::Interval;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_share_of_a_bound_is_an_interval() {
        // Exact counts give a rate, as before.
        assert_eq!(
            share(MetricValue::Exact(d("810")), MetricValue::Exact(d("852"))),
            Some(MetricValue::Rate(Some(810.0 / 852.0)))
        );
        // 150 of "160余" people: the value 150/160, the interval [150/170, 150/160].
        let more_than_160 = MetricValue::Bounded(d("160"), Interval::stated(Qualifier::MoreThan, d("160")));
        let Some(MetricValue::Bounded(value, interval)) = share(MetricValue::Exact(d("150")), more_than_160)
        else {
            panic!("a share of a bound is bounded");
        };
        assert_eq!(value, d("0.9375"));
        assert_eq!(interval.rounded(4).to_string(), "(0.8823, 0.9375]");
        assert!(interval.contains(d("0.9")) && !interval.contains(d("0.95")));
        // A base that may be zero gives no share.
        let under_one = MetricValue::Bounded(d("1"), Interval::stated(Qualifier::LessThan, d("1")));
        assert_eq!(share(MetricValue::Exact(d("1")), under_one), None);
    }
}

//! Rural's entry in the metric registry (`figures.rs`): an indicator's recorded value for the
//! figure's region and period (by indicator code), shares derived from two recorded counts,
//! and counts of the village records.

use entity::rural::{indicator, observation};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

use super::service::villages;
use crate::figures::{MetricDef, MetricQuery, MetricSet, MetricSource, MetricValue, ratio};

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

/// The domain's metric source, for its registration.
pub fn source() -> std::sync::Arc<dyn MetricSource> {
    std::sync::Arc::new(Source)
}

impl MetricSource for Source {
    fn domain(&self) -> &'static str {
        "rural"
    }

    fn metrics(&self) -> &'static [MetricDef] {
        DEFS
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
                    if let (Some(code), Ok(v)) = (codes.get(&o.indicator_id), o.value.parse()) {
                        set.insert(code.clone(), MetricValue::Exact(v));
                    }
                }
                let count = |code: &str| match set.get(code) {
                    Some(MetricValue::Exact(d)) => d.to_string().parse::<i64>().ok(),
                    _ => None,
                };
                if let (Some(farming), Some(all)) = (count("rural_talents_farming"), count("rural_talents")) {
                    set.insert(
                        "ruralTalentsFarmingShare".into(),
                        MetricValue::Rate(ratio(farming, all)),
                    );
                }
                let year = chrono::Datelike::year(&q.to);
                let t = villages::totals(db, &q.scope, Some(&q.region), year).await?;
                set.insert("villages".into(), MetricValue::Count(t.villages));
                if t.with_income > 0 {
                    set.insert("villagesAtLeast30000".into(), MetricValue::Count(t.at_least_30k));
                }
                out.push(set);
            }
            Ok(out)
        })
    }
}

//! Enforcement's entry in the metric registry (`figures.rs`): its KPIs by field name.

use sea_orm::DatabaseConnection;

use super::kpis::{self, KpiFilter, METRICS};
use crate::figures::{MetricDef, MetricQuery, MetricSet, MetricSource};

pub struct Source;

/// The domain's metric source, for its registration.
pub fn source() -> std::sync::Arc<dyn MetricSource> {
    std::sync::Arc::new(Source)
}

impl MetricSource for Source {
    fn domain(&self) -> &'static str {
        "enforcement"
    }

    fn policy(&self) -> &'static crate::access::Policy {
        &super::policy::POLICY
    }

    fn metrics(&self) -> &'static [MetricDef] {
        METRICS
    }

    fn protects(&self) -> bool {
        true
    }

    fn compute<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        queries: &'a [MetricQuery],
    ) -> std::pin::Pin<Box<dyn Future<Output = crate::error::AppResult<Vec<MetricSet>>> + Send + 'a>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(queries.len());
            for q in queries {
                let filter = KpiFilter {
                    scope: q.scope.clone(),
                    region: Some(q.region.clone()),
                    court_id: None,
                    from: Some(q.from),
                    to: Some(q.to),
                };
                let mut k = kpis::compute(db, &filter).await?;
                if let Some(p) = &q.protect {
                    k = kpis::protect(k, &p.0);
                }
                out.push(
                    METRICS
                        .iter()
                        .filter_map(|m| kpis::metric_value(&k, m.name).map(|v| (m.name.to_owned(), v)))
                        .collect(),
                );
            }
            Ok(out)
        })
    }
}

//! Loader of computed metrics: one KPI computation per distinct (domain, region, period),
//! however many figures share it.

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

use crate::domains::enforcement::kpis;
use crate::domains::region::directory::RegionCache;
use crate::domains::region::loaders::directory;
use std::sync::Arc;

/// What a reported figure is computed over.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetricScope {
    /// The caller's reach: computed values cover it only.
    pub scope: crate::access::Scope,
    pub domain: String,
    pub region_code: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The computed KPIs of a scope, by domain.
#[derive(Debug, Clone)]
pub enum DomainKpis {
    Enforcement(Box<kpis::Kpis>),
}

impl DomainKpis {
    /// The computed value of `metric`, if the domain computes it.
    pub fn metric(&self, metric: &str) -> Option<kpis::MetricValue> {
        match self {
            DomainKpis::Enforcement(k) => kpis::metric_value(k, metric),
        }
    }
}

pub struct MetricLoader(pub DatabaseConnection, pub Arc<RegionCache>);

impl Loader<MetricScope> for MetricLoader {
    type Value = DomainKpis;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MetricScope]) -> Result<HashMap<MetricScope, Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        let regions = directory(&self.0, &self.1).await?;
        for key in keys {
            // A figure about a region the directory does not know has no computed value.
            let Some(region) = regions.subtree(&key.region_code) else {
                continue;
            };
            // Each domain registers its KPI computation here.
            let value = match key.domain.as_str() {
                "enforcement" => {
                    let filter = kpis::KpiFilter {
                        scope: key.scope.clone(),
                        region: Some(region),
                        court_id: None,
                        from: Some(key.from),
                        to: Some(key.to),
                    };
                    DomainKpis::Enforcement(Box::new(kpis::compute(&self.0, &filter).await?))
                }
                _ => continue,
            };
            out.insert(key.clone(), value);
        }
        Ok(out)
    }
}

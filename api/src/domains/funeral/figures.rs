//! Funeral's entry in the metric registry (`figures.rs`): what report 5 counts, computed from
//! the records by `stats.rs`.

use entity::funeral::facility::{FacilityKind, Stage};
use entity::funeral::plot::PlotStatus;
use sea_orm::DatabaseConnection;

use super::stats::{self, Stats, StatsFilter, measure};
use crate::aggregate::cellkey::CellKeyMethod;
use crate::aggregate::tally::{Amount, Tally};
use crate::figures::{MetricDef, MetricQuery, MetricSet, MetricSource, MetricValue};

/// A metric from the statistics, for a caller with this protection (None: exact); None when
/// disclosure control withholds it.
type Compute = fn(&Stats, Option<&CellKeyMethod>) -> Option<MetricValue>;

fn count(t: Tally, p: Option<&CellKeyMethod>) -> Option<MetricValue> {
    Some(MetricValue::Count(t.publish(p)))
}

fn money(a: Amount, p: Option<&CellKeyMethod>, measure: &str) -> Option<MetricValue> {
    a.publish(p, measure).map(MetricValue::Money)
}

const METRICS: &[(MetricDef, Compute)] = &[
    (
        def(
            "memorialHalls",
            "facility",
            "memorial halls (悼念厅), planned or built",
        ),
        |s, p| count(s.facilities_of(|k, _| k == FacilityKind::MemorialHall), p),
    ),
    (
        def("memorialHallsInUse", "facility", "memorial halls in use"),
        |s, p| count(s.facilities_of(|k, st| k == FacilityKind::MemorialHall && st == Stage::InUse), p),
    ),
    (
        def(
            "officeBuildings",
            "facility",
            "office buildings of service centres (办公楼)",
        ),
        |s, p| count(s.facilities_of(|k, _| k == FacilityKind::OfficeBuilding), p),
    ),
    (def("gravePlots", "plot", "grave plots laid out (墓地)"), |s, p| count(s.plots_of(|_| true), p)),
    (
        def("gravePlotsAvailable", "plot", "plots neither registered nor sold"),
        |s, p| count(s.plots_of(|st| st == PlotStatus::Available), p),
    ),
    (def("gravePlotsSold", "plot", "plots sold"), |s, p| count(s.plots_of(|st| st == PlotStatus::Sold), p)),
    (
        def("projects", "project", "construction projects (建设项目)"),
        |s, p| count(s.projects, p),
    ),
    (
        def(
            "tenderedCost",
            "yuan",
            "tendered cost of the projects (招投标造价)",
        ),
        |s, p| money(s.tendered, p, measure::TENDERED),
    ),
    (
        def(
            "serviceCentreTenderedCost",
            "yuan",
            "tendered cost of the service-centre projects (殡仪服务中心招投标造价)",
        ),
        |s, p| money(s.tendered_for(FacilityKind::ServiceCentre), p, measure::TENDERED),
    ),
    (
        def(
            "cemeteryTenderedCost",
            "yuan",
            "tendered cost of the cemetery projects (公墓招投标造价)",
        ),
        |s, p| money(s.tendered_for(FacilityKind::Cemetery), p, measure::TENDERED),
    ),
    (
        def(
            "plannedInvestment",
            "yuan",
            "planned total investment (计划总投资)",
        ),
        |s, p| money(s.planned, p, measure::PLANNED),
    ),
    (
        def("fiscalAllocation", "yuan", "fiscal allocation (财政拨款)"),
        |s, p| money(s.allocated, p, measure::ALLOCATED),
    ),
    (
        def(
            "fundingGap",
            "yuan",
            "plannedInvestment - fiscalAllocation (资金缺口)",
        ),
        |s, p| money(s.gap, p, measure::GAP),
    ),
];

const fn def(name: &'static str, unit: &'static str, description: &'static str) -> MetricDef {
    MetricDef {
        name,
        unit,
        description,
    }
}

static DEFS: std::sync::LazyLock<Vec<MetricDef>> =
    std::sync::LazyLock::new(|| METRICS.iter().map(|(d, _)| *d).collect());

pub struct Source;

/// The domain's metric source, for its registration.
pub fn source() -> std::sync::Arc<dyn MetricSource> {
    std::sync::Arc::new(Source)
}

impl MetricSource for Source {
    fn domain(&self) -> &'static str {
        "funeral"
    }

    fn policy(&self) -> &'static crate::access::Policy {
        &super::policy::POLICY
    }

    fn metrics(&self) -> &'static [MetricDef] {
        DEFS.as_slice()
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
                let filter = StatsFilter {
                    scope: q.scope.clone(),
                    region: Some(q.region.clone()),
                    as_of: q.to,
                };
                let s = stats::compute(db, &filter).await?;
                let p = q.protect.as_ref().map(|p| &*p.0);
                out.push(
                    METRICS
                        .iter()
                        .filter_map(|(d, f)| f(&s, p).map(|v| (d.name.to_owned(), v)))
                        .collect(),
                );
            }
            Ok(out)
        })
    }
}

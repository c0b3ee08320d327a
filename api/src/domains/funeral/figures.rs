//! Funeral's entry in the metric registry (`figures.rs`): what report 5 counts, computed from
//! the records by `stats.rs`.

use entity::funeral::facility::{FacilityKind, Stage};
use entity::funeral::plot::PlotStatus;
use sea_orm::DatabaseConnection;

use super::stats::{self, Stats, StatsFilter};
use crate::figures::{MetricDef, MetricQuery, MetricSet, MetricSource, MetricValue};

type Compute = fn(&Stats) -> MetricValue;

const METRICS: &[(MetricDef, Compute)] = &[
    (
        def(
            "memorialHalls",
            "facility",
            "memorial halls (悼念厅), planned or built",
        ),
        |s| MetricValue::Count(s.facilities_of(|k, _| k == FacilityKind::MemorialHall)),
    ),
    (
        def("memorialHallsInUse", "facility", "memorial halls in use"),
        |s| {
            MetricValue::Count(s.facilities_of(|k, st| k == FacilityKind::MemorialHall && st == Stage::InUse))
        },
    ),
    (
        def(
            "officeBuildings",
            "facility",
            "office buildings of service centres (办公楼)",
        ),
        |s| MetricValue::Count(s.facilities_of(|k, _| k == FacilityKind::OfficeBuilding)),
    ),
    (def("gravePlots", "plot", "grave plots laid out (墓地)"), |s| {
        MetricValue::Count(s.plots_of(|_| true))
    }),
    (
        def("gravePlotsAvailable", "plot", "plots neither registered nor sold"),
        |s| MetricValue::Count(s.plots_of(|p| p == PlotStatus::Available)),
    ),
    (def("gravePlotsSold", "plot", "plots sold"), |s| {
        MetricValue::Count(s.plots_of(|p| p == PlotStatus::Sold))
    }),
    (
        def("projects", "project", "construction projects (建设项目)"),
        |s| MetricValue::Count(s.projects),
    ),
    (
        def(
            "tenderedCost",
            "yuan",
            "tendered cost of the projects (招投标造价)",
        ),
        |s| MetricValue::Money(s.tendered_fen),
    ),
    (
        def(
            "serviceCentreTenderedCost",
            "yuan",
            "tendered cost of the service-centre projects (殡仪服务中心招投标造价)",
        ),
        |s| MetricValue::Money(s.tendered_for(FacilityKind::ServiceCentre)),
    ),
    (
        def(
            "cemeteryTenderedCost",
            "yuan",
            "tendered cost of the cemetery projects (公墓招投标造价)",
        ),
        |s| MetricValue::Money(s.tendered_for(FacilityKind::Cemetery)),
    ),
    (
        def(
            "plannedInvestment",
            "yuan",
            "planned total investment (计划总投资)",
        ),
        |s| MetricValue::Money(s.planned_fen),
    ),
    (
        def("fiscalAllocation", "yuan", "fiscal allocation (财政拨款)"),
        |s| MetricValue::Money(s.allocated_fen),
    ),
    (
        def(
            "fundingGap",
            "yuan",
            "plannedInvestment - fiscalAllocation (资金缺口)",
        ),
        |s| MetricValue::Money(s.planned_fen - s.allocated_fen),
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

    fn metrics(&self) -> &'static [MetricDef] {
        DEFS.as_slice()
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
                out.push(METRICS.iter().map(|(d, f)| (d.name.to_owned(), f(&s))).collect());
            }
            Ok(out)
        })
    }
}

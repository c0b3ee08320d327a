//! Community's entry in the metric registry (`figures.rs`): what reports 3 and 7 count,
//! computed from the records by `stats.rs`.
//!
//! Names: plain counts (`units`, `staff`, `partyMembers`), shares (`partyMemberShare`),
//! and a role's breakdowns as `<role>.education.<level>` and `<role>.age.<band>`
//! (`socialWorkers.education.bachelor`, `directors.age.upTo35`).

use chrono::Datelike;
use entity::community::facility::{FacilityKind, FacilityStatus};
use entity::community::staff::{Education, Gender, Hiring, StaffRole};
use entity::community::unit::{UnitStatus, UnitType};
use sea_orm::DatabaseConnection;
use std::sync::LazyLock;

use super::stats::{self, AgeBand, Stats, StatsFilter, holds, member_or_worker};
use crate::aggregate::cellkey::CellKeyMethod;
use crate::aggregate::tally::{Amount, Tally};
use crate::figures::{MetricDef, MetricQuery, MetricSet, MetricSource, MetricValue, ratio};

/// A metric of the statistics for a caller with this protection (None: exact); None when
/// disclosure control withholds it.
type Compute = Box<dyn Fn(&Stats, Option<&CellKeyMethod>) -> Option<MetricValue> + Send + Sync>;

struct Metric {
    def: MetricDef,
    compute: Compute,
}

/// The roles the reports count, with their metric names.
pub const ROLES: [(StaffRole, &str); 10] = [
    (StaffRole::PartySecretary, "partySecretaries"),
    (StaffRole::DeputySecretary, "deputySecretaries"),
    (StaffRole::Director, "directors"),
    (StaffRole::DeputyDirector, "deputyDirectors"),
    (StaffRole::CommitteeMember, "committeeMembers"),
    (StaffRole::Cadre, "cadres"),
    (StaffRole::SocialWorker, "socialWorkers"),
    (StaffRole::FullTimeWorker, "fullTimeWorkers"),
    (StaffRole::Assistant, "assistants"),
    (StaffRole::GridWorker, "gridWorkers"),
];

pub const EDUCATIONS: [(Education, &str); 6] = [
    (Education::BelowSecondary, "belowSecondary"),
    (Education::Secondary, "secondary"),
    (Education::JuniorCollege, "juniorCollege"),
    (Education::Bachelor, "bachelor"),
    (Education::Postgraduate, "postgraduate"),
    (Education::Unknown, "unknown"),
];

pub const AGE_BANDS: [(AgeBand, &str); 4] = [
    (AgeBand::UpTo35, "upTo35"),
    (AgeBand::From36To50, "36to50"),
    (AgeBand::Over50, "over50"),
    (AgeBand::Unknown, "unknown"),
];

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn metric(
    name: &'static str,
    unit: &'static str,
    description: &'static str,
    f: impl Fn(&Stats, Option<&CellKeyMethod>) -> Option<MetricValue> + Send + Sync + 'static,
) -> Metric {
    Metric {
        def: MetricDef {
            name,
            unit,
            description,
        },
        compute: Box::new(f),
    }
}

fn count(
    name: &'static str,
    unit: &'static str,
    description: &'static str,
    f: impl Fn(&Stats) -> Tally + Send + Sync + 'static,
) -> Metric {
    metric(name, unit, description, move |s, p| Some(MetricValue::Count(f(s).publish(p))))
}

/// A sum of people over the active units, salted with the unit aggregate's measure of the
/// same sum (`name`).
fn people(name: &'static str, description: &'static str, f: fn(&stats::UnitGroup) -> Amount) -> Metric {
    metric(name, "person", description, move |s, p| {
        s.active_sum(f).publish(p, name).map(MetricValue::Count)
    })
}

/// A share of two counts, of their published values.
fn share(part: impl Fn(&Stats) -> Tally, whole: impl Fn(&Stats) -> Tally) -> impl Fn(&Stats, Option<&CellKeyMethod>) -> Option<MetricValue> {
    move |s, p| Some(MetricValue::Rate(ratio(part(s).publish(p), whole(s).publish(p))))
}

fn units_of(t: UnitType) -> impl Fn(&Stats) -> Tally {
    move |s| s.active_units(|g| g.unit_type == t)
}

fn facilities(kind: FacilityKind, status: FacilityStatus) -> impl Fn(&Stats) -> Tally {
    move |s| s.facility_count(|g| g.kind == kind && g.status == status)
}

static METRICS: LazyLock<Vec<Metric>> = LazyLock::new(|| {
    let all_units = |s: &Stats| s.active_units(|_| true);
    let all_staff = |s: &Stats| s.staff_count(|_| true);
    let mut m = vec![
        count("units", "unit", "active community units (社区居委会)", all_units),
        count("unitsSettingUp", "unit", "units being set up (筹备中)", |s| {
            s.units
                .iter()
                .filter(|g| g.status == UnitStatus::SettingUp)
                .map(|g| g.units)
                .sum()
        }),
        count(
            "agricultureUnits",
            "unit",
            "agriculture-linked units (涉农)",
            units_of(UnitType::Agriculture),
        ),
        count(
            "nonAgriculturalUnits",
            "unit",
            "non-agricultural units (非农)",
            units_of(UnitType::NonAgricultural),
        ),
        count(
            "enterpriseUnits",
            "unit",
            "enterprise-run units (企业型)",
            units_of(UnitType::Enterprise),
        ),
        metric(
            "agricultureUnitShare",
            "ratio",
            "agriculture-linked / units",
            share(units_of(UnitType::Agriculture), all_units),
        ),
        metric(
            "nonAgriculturalUnitShare",
            "ratio",
            "non-agricultural / units",
            share(units_of(UnitType::NonAgricultural), all_units),
        ),
        metric(
            "enterpriseUnitShare",
            "ratio",
            "enterprise-run / units",
            share(units_of(UnitType::Enterprise), all_units),
        ),
        metric("residentGroups", "group", "resident groups (居民小组)", |s, p| {
            s.active_sum(|g| g.resident_groups)
                .publish(p, "residentGroups")
                .map(MetricValue::Count)
        }),
        people("registeredPopulation", "registered population (户籍人口)", |g| {
            g.registered_population
        }),
        people("residentPopulation", "resident population (常住人口)", |g| {
            g.resident_population
        }),
        count("staff", "person", "staff of every role (社区工作人员)", all_staff),
        count(
            "membersAndWorkers",
            "person",
            "committee members and workers (成员及专职工作者), assistants and grid workers apart",
            |s| s.staff_count(member_or_worker),
        ),
        count("partyMembers", "person", "party members (党员)", |s| {
            s.staff_count(|g| g.party_member == Some(true))
        }),
        metric(
            "partyMemberShare",
            "ratio",
            "party members / staff whose membership is known",
            |s, p| Some(MetricValue::Rate(s.party_member_share(p))),
        ),
        count("femaleStaff", "person", "women (妇女干部)", |s| {
            s.staff_count(|g| g.gender == Gender::Female)
        }),
        metric("femaleShare", "ratio", "women / staff whose gender is known", |s, p| {
            Some(MetricValue::Rate(s.female_share(p)))
        }),
        count(
            "certifiedSocialWorkers",
            "person",
            "certified social workers (持证社工)",
            |s| s.staff_count(|g| g.certified_social_worker == Some(true)),
        ),
        count(
            "secondedStaff",
            "person",
            "staff seconded from government bodies (机关选派)",
            |s| s.staff_count(|g| g.hiring == Hiring::Seconded),
        ),
        count(
            "serviceCentres",
            "facility",
            "street community service centres in use (街道社区服务中心)",
            facilities(FacilityKind::ServiceCentre, FacilityStatus::InUse),
        ),
        count(
            "serviceStations",
            "facility",
            "community service stations in use (社区服务站)",
            facilities(FacilityKind::ServiceStation, FacilityStatus::InUse),
        ),
        count(
            "healthStations",
            "facility",
            "health service centres and stations in use (社区卫生服务中心/站)",
            facilities(FacilityKind::HealthStation, FacilityStatus::InUse),
        ),
        count(
            "serviceCentresPlanned",
            "facility",
            "service centres being prepared (筹备建设)",
            facilities(FacilityKind::ServiceCentre, FacilityStatus::Planned),
        ),
        count(
            "serviceStationsPlanned",
            "facility",
            "service stations being prepared (筹备建设)",
            facilities(FacilityKind::ServiceStation, FacilityStatus::Planned),
        ),
        count(
            "unitsBelowOfficeStandard",
            "unit",
            "units below the office standard (办公用房未达标) that covers their region (report 7's 20 m² per 100 households in its city)",
            |s| s.standards.units_below_office,
        ),
        count(
            "unitsMeetingOfficeStandard",
            "unit",
            "units meeting the office standard (办公用房达标) that covers their region",
            |s| s.standards.units_meeting_office(),
        ),
        count(
            "unitsRentingOrBorrowingOffice",
            "unit",
            "units whose office rooms are rented or borrowed (租借)",
            |s| s.standards.units_renting_office,
        ),
        count(
            "unitsBelowElderlyCareStandard",
            "unit",
            "units below the elderly-care standard (养老设施未达标) that covers their region (report 7's 0.1 m² per resident in its city)",
            |s| s.standards.units_below_elderly,
        ),
    ];
    for (role, role_name) in ROLES {
        m.push(count(
            role_name,
            "person",
            "staff holding the role (一肩挑 counts among directors too)",
            move |s| s.staff_count(|g| holds(g, role)),
        ));
        for (education, level) in EDUCATIONS {
            m.push(count(
                leak(format!("{role_name}.education.{level}")),
                "person",
                "staff of the role with this education",
                move |s| s.staff_count(|g| holds(g, role) && g.education == education),
            ));
        }
        for (band, band_name) in AGE_BANDS {
            m.push(count(
                leak(format!("{role_name}.age.{band_name}")),
                "person",
                "staff of the role in this age band, in the year surveyed",
                move |s| s.staff_count(|g| holds(g, role) && g.age_band == band),
            ));
        }
    }
    m
});

static DEFS: LazyLock<Vec<MetricDef>> = LazyLock::new(|| METRICS.iter().map(|m| m.def).collect());

/// Every metric's value over one set of statistics, for a caller with this protection
/// (None: exact); a metric disclosure control withholds is left out.
pub fn values(s: &Stats, p: Option<&CellKeyMethod>) -> MetricSet {
    METRICS
        .iter()
        .filter_map(|m| (m.compute)(s, p).map(|v| (m.def.name.to_owned(), v)))
        .collect()
}

pub struct Source;

/// The domain's metric source, for its registration.
pub fn source() -> std::sync::Arc<dyn MetricSource> {
    std::sync::Arc::new(Source)
}

impl MetricSource for Source {
    fn domain(&self) -> &'static str {
        "community"
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
                    // Stock figures: ages as in the year the period ends.
                    as_of_year: q.to.year(),
                };
                let p = q.protect.as_ref().map(|p| &*p.0);
                out.push(values(&stats::compute(db, &filter).await?, p));
            }
            Ok(out)
        })
    }
}

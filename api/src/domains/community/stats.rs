//! `communityStats`: what the reports count, from the records, in a handful of grouped
//! statements whatever the number of units (no GraphQL here). Shares and ratios are
//! derived from these totals by the types.

use entity::community::facility::{self, FacilityKind, FacilityStatus, Tenure};
use entity::community::staff::{self, Education, Gender, Hiring, StaffRole};
use entity::community::unit::{self, UnitStatus, UnitType};
use entity::community::standard::{self, StandardKind};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

use super::service::standards::{self as standards_service, covering_sql};
use super::service::units::KNOWN_AREA;
use crate::access::Scope;
use crate::aggregate::cellkey::CellKeyMethod;
use crate::aggregate::tally::{Amount, Tally, amount_columns, key_sum, read_amount, read_tally};
use crate::error::AppResult;
use crate::region::service::{Subtree, in_scope};

/// Which records the statistics cover.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatsFilter {
    pub scope: Scope,
    pub region: Option<Subtree>,
    /// The year ages are counted in (the reports count them in the year surveyed).
    pub as_of_year: i32,
}

/// Age bands as report 3 counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgeBand {
    /// 35 and under (35岁及以下).
    UpTo35,
    /// 36 to 50 (36-50岁).
    From36To50,
    /// Over 50 (50岁以上).
    Over50,
    /// Birth year unknown.
    Unknown,
}

impl AgeBand {
    fn from_code(code: i64) -> Self {
        match code {
            1 => AgeBand::UpTo35,
            2 => AgeBand::From36To50,
            3 => AgeBand::Over50,
            _ => AgeBand::Unknown,
        }
    }
}

/// Active units of one region code, type and status, with their totals.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitGroup {
    pub region_code: String,
    pub unit_type: UnitType,
    pub status: UnitStatus,
    pub units: Tally,
    pub registered_population: Amount,
    pub resident_population: Amount,
    pub households: Amount,
    pub resident_groups: Amount,
}

/// Staff with the same attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffGroup {
    pub role: StaffRole,
    pub also_director: bool,
    pub education: Education,
    pub gender: Gender,
    pub party_member: Option<bool>,
    pub certified_social_worker: Option<bool>,
    pub hiring: Hiring,
    pub age_band: AgeBand,
    pub staff: Tally,
}

/// Facilities of one kind, status and tenure.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityGroup {
    pub kind: FacilityKind,
    pub status: FacilityStatus,
    pub tenure: Tenure,
    pub facilities: Tally,
    pub floor_area_centi: Amount,
    pub investment_fen: Amount,
}

/// The facility standards over the active units, and the staff ratio's base. A unit is
/// measured against the standard of each kind in force in the year that covers its region
/// (`community_standards`); a unit no standard covers is counted apart (`units_without_*`),
/// never as meeting or below one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StandardTotals {
    /// Units whose households are known.
    pub units_with_households: Tally,
    /// Units whose office area per household can be measured (households known and every
    /// in-use office room's area recorded, at least one room), whatever standard covers them,
    /// their households and office area (0.01 m²).
    pub units_office_known: Tally,
    pub households: Amount,
    pub office_area_centi: Amount,
    /// Units no office standard covers.
    pub units_without_office: Tally,
    /// Units an office standard covers whose office can be measured against it, and those
    /// below it.
    pub units_office_checked: Tally,
    pub units_below_office: Tally,
    /// Units whose office rooms are rented or borrowed (租借).
    pub units_renting_office: Tally,
    /// Units whose residents are known, and their residents.
    pub units_with_residents: Tally,
    pub residents: Amount,
    /// Units whose elderly-care area per resident can be measured (residents known and every
    /// in-use elderly-care facility's area recorded, at least one facility), their residents
    /// and elderly-care area (0.01 m²).
    pub units_elderly_known: Tally,
    pub elderly_residents: Amount,
    pub elderly_area_centi: Amount,
    /// Units no elderly-care standard covers.
    pub units_without_elderly: Tally,
    /// Units an elderly-care standard covers whose area can be measured against it, and
    /// those below it.
    pub units_elderly_checked: Tally,
    pub units_below_elderly: Tally,
    /// Staff of the units whose residents are known.
    pub staff_of_units_with_residents: Amount,
}

impl StandardTotals {
    /// Units an office standard covers but whose office cannot be measured.
    pub fn units_office_unknown(&self, active: Tally) -> Tally {
        active - self.units_without_office - self.units_office_checked
    }
    /// Units an office standard covers that meet it.
    pub fn units_meeting_office(&self) -> Tally {
        self.units_office_checked - self.units_below_office
    }
    /// Units an elderly-care standard covers but whose area cannot be measured.
    pub fn units_elderly_unknown(&self, active: Tally) -> Tally {
        active - self.units_without_elderly - self.units_elderly_checked
    }
    /// Units an elderly-care standard covers that meet it.
    pub fn units_meeting_elderly(&self) -> Tally {
        self.units_elderly_checked - self.units_below_elderly
    }
}

/// A standard in force for the counted region (its region lies in it or above it) with the
/// active units it governs there: meeting it, below it, and unknown (the base or the area not
/// on record). Where standards of one kind nest, a unit is governed by the most specific.
#[derive(Debug, Clone, PartialEq)]
pub struct StandardCount {
    pub standard: standard::Model,
    pub units: Tally,
    pub meeting: Tally,
    pub below: Tally,
    pub unknown: Tally,
}

/// Everything `communityStats` reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub units: Vec<UnitGroup>,
    pub staff: Vec<StaffGroup>,
    pub facilities: Vec<FacilityGroup>,
    pub standards: StandardTotals,
    /// The standards in force for the counted region in the year, with their units.
    pub standard_counts: Vec<StandardCount>,
}

impl Stats {
    /// Share of `yes` among the staff whose answer is known (`yes` or `no`): null when no
    /// one's is, so that staff of unknown status never count as "no".
    /// (For a caller with protection `p`, of the protected counts.)
    fn known_share(
        &self,
        p: Option<&CellKeyMethod>,
        yes: impl Fn(&StaffGroup) -> bool,
        no: impl Fn(&StaffGroup) -> bool,
    ) -> Option<f64> {
        let yes = self.staff_count(yes).publish(p);
        crate::figures::ratio(yes, yes + self.staff_count(no).publish(p))
    }

    /// Women among the staff whose gender is known.
    pub fn female_share(&self, p: Option<&CellKeyMethod>) -> Option<f64> {
        self.known_share(p, |g| g.gender == Gender::Female, |g| g.gender == Gender::Male)
    }

    /// Party members among the staff whose membership is known.
    pub fn party_member_share(&self, p: Option<&CellKeyMethod>) -> Option<f64> {
        self.known_share(p, |g| g.party_member == Some(true), |g| g.party_member == Some(false))
    }

    /// Certified social workers among the staff whose certification is known.
    pub fn certified_social_worker_share(&self, p: Option<&CellKeyMethod>) -> Option<f64> {
        self.known_share(
            p,
            |g| g.certified_social_worker == Some(true),
            |g| g.certified_social_worker == Some(false),
        )
    }

    /// Active units matching `keep`.
    pub fn active_units(&self, keep: impl Fn(&UnitGroup) -> bool) -> Tally {
        self.units
            .iter()
            .filter(|g| g.status == UnitStatus::Active && keep(g))
            .map(|g| g.units)
            .sum()
    }

    /// A sum over the active units.
    pub fn active_sum(&self, f: impl Fn(&UnitGroup) -> Amount) -> Amount {
        self.units
            .iter()
            .filter(|g| g.status == UnitStatus::Active)
            .map(f)
            .sum()
    }

    /// Staff matching `keep`.
    pub fn staff_count(&self, keep: impl Fn(&StaffGroup) -> bool) -> Tally {
        self.staff.iter().filter(|g| keep(g)).map(|g| g.staff).sum()
    }

    /// Facilities matching `keep`.
    pub fn facility_count(&self, keep: impl Fn(&FacilityGroup) -> bool) -> Tally {
        self.facilities
            .iter()
            .filter(|g| keep(g))
            .map(|g| g.facilities)
            .sum()
    }
}

/// Whether a staff member counts among a role as the reports count it: directors include
/// party secretaries who also direct the committee (一肩挑).
pub fn holds(g: &StaffGroup, role: StaffRole) -> bool {
    g.role == role || (role == StaffRole::Director && g.also_director)
}

/// Members and workers (成员及专职工作者): everyone but assistants and grid workers.
pub fn member_or_worker(g: &StaffGroup) -> bool {
    !matches!(g.role, StaffRole::Assistant | StaffRole::GridWorker)
}

fn region_condition(table: impl sea_orm::sea_query::IntoIden + Copy, f: &StatsFilter) -> Condition {
    let column = Expr::col((table, Alias::new("region_code")));
    let mut cond = in_scope(Condition::all(), column.clone(), &f.scope);
    if let Some(region) = &f.region {
        cond = cond.add(region.condition(column));
    }
    cond
}

fn bigint_sum(e: &str) -> Expr {
    Expr::cust(format!("CAST(COALESCE(SUM({e}), 0) AS BIGINT)"))
}

pub async fn compute(db: &impl ConnectionTrait, f: &StatsFilter) -> AppResult<Stats> {
    let mut units = unit::Entity::find()
        .select_only()
        .column(unit::Column::RegionCode)
        .column(unit::Column::UnitType)
        .column(unit::Column::Status)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "units")
        .column_as(key_sum(UNITS), "units_k");
    for (name, column) in [
        ("registered", "registered_population"),
        ("residents", "resident_population"),
        ("households", "households"),
        ("groups", "resident_groups"),
    ] {
        for (suffix, e) in amount_columns(UNITS, column) {
            units = units.column_as(e, format!("{name}{suffix}"));
        }
    }
    let units = units
        .filter(region_condition(unit::Entity, f))
        .group_by(unit::Column::RegionCode)
        .group_by(unit::Column::UnitType)
        .group_by(unit::Column::Status)
        .into_query();
    let mut unit_groups = Vec::new();
    for r in db.query_all(&units).await? {
        unit_groups.push(UnitGroup {
            region_code: r.try_get("", "region_code")?,
            unit_type: r.try_get("", "unit_type")?,
            status: r.try_get("", "status")?,
            units: read_tally(Some(&r), "units")?,
            registered_population: read_amount(Some(&r), "registered")?,
            resident_population: read_amount(Some(&r), "residents")?,
            households: read_amount(Some(&r), "households")?,
            resident_groups: read_amount(Some(&r), "groups")?,
        });
    }

    // Ages in `as_of_year` (an i32, written into the statement as a number), banded as
    // report 3 bands them.
    let y = f.as_of_year;
    let band = Expr::cust(format!(
        "CAST(CASE WHEN birth_year IS NULL THEN 0 WHEN {y} - birth_year <= 35 THEN 1 \
         WHEN {y} - birth_year <= 50 THEN 2 ELSE 3 END AS BIGINT)"
    ));
    type StaffRow = (
        StaffRole,
        bool,
        Education,
        Gender,
        Option<bool>,
        Option<bool>,
        Hiring,
        i64,
        i64,
        i64,
    );
    let staff_rows: Vec<StaffRow> = staff::Entity::find()
        .select_only()
        .column(staff::Column::Role)
        .column(staff::Column::AlsoDirector)
        .column(staff::Column::Education)
        .column(staff::Column::Gender)
        .column(staff::Column::PartyMember)
        .column(staff::Column::CertifiedSocialWorker)
        .column(staff::Column::Hiring)
        .column_as(band.clone(), "age_band")
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .column_as(key_sum("community_staff"), "k")
        .filter(region_condition(staff::Entity, f))
        .group_by(staff::Column::Role)
        .group_by(staff::Column::AlsoDirector)
        .group_by(staff::Column::Education)
        .group_by(staff::Column::Gender)
        .group_by(staff::Column::PartyMember)
        .group_by(staff::Column::CertifiedSocialWorker)
        .group_by(staff::Column::Hiring)
        .group_by(band)
        .into_tuple()
        .all(db)
        .await?;

    let mut facilities = facility::Entity::find()
        .select_only()
        .column(facility::Column::Kind)
        .column(facility::Column::Status)
        .column(facility::Column::Tenure)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .column_as(key_sum(FACILITIES), "n_k");
    for (name, column) in [("area", "floor_area_centi"), ("investment", "investment_fen")] {
        for (suffix, e) in amount_columns(FACILITIES, column) {
            facilities = facilities.column_as(e, format!("{name}{suffix}"));
        }
    }
    let facilities = facilities
        .filter(region_condition(facility::Entity, f))
        .group_by(facility::Column::Kind)
        .group_by(facility::Column::Status)
        .group_by(facility::Column::Tenure)
        .into_query();
    let mut facility_groups = Vec::new();
    for r in db.query_all(&facilities).await? {
        facility_groups.push(FacilityGroup {
            kind: r.try_get("", "kind")?,
            status: r.try_get("", "status")?,
            tenure: r.try_get("", "tenure")?,
            facilities: read_tally(Some(&r), "n")?,
            floor_area_centi: read_amount(Some(&r), "area")?,
            investment_fen: read_amount(Some(&r), "investment")?,
        });
    }

    // One row per active unit with its areas, staff and the standards that cover it
    // (correlated sums over the (unit_id, id) indexes, `covering_sql` for the standards),
    // grouped by those standards and folded into the totals.
    let office_std = covering_sql(StandardKind::Office, y, "id");
    let elderly_std = covering_sql(StandardKind::ElderlyCare, y, "id");
    let per_unit = unit::Entity::find()
        .select_only()
        .column_as(Expr::cust("community_units.record_key"), "rk")
        .column(unit::Column::Households)
        .column(unit::Column::ResidentPopulation)
        .column_as(
            Expr::cust(format!(
                "(SELECT {KNOWN_AREA} FROM community_facilities f \
                 WHERE f.unit_id = community_units.id AND f.kind = 'office' AND f.status = 'in_use')"
            )),
            "office",
        )
        .column_as(
            Expr::cust(
                "(SELECT COUNT(*) FROM community_facilities f WHERE f.unit_id = community_units.id \
                 AND f.kind = 'office' AND f.status = 'in_use' AND f.tenure IN ('rented', 'borrowed'))",
            ),
            "renting",
        )
        .column_as(
            Expr::cust(format!(
                "(SELECT {KNOWN_AREA} FROM community_facilities f \
                 WHERE f.unit_id = community_units.id AND f.kind = 'elderly_care' AND f.status = 'in_use')"
            )),
            "elderly",
        )
        .column_as(
            Expr::cust("(SELECT COUNT(*) FROM community_staff s WHERE s.unit_id = community_units.id)"),
            "staff",
        )
        .column_as(Expr::cust(office_std), "office_std")
        .column_as(Expr::cust(elderly_std), "elderly_std")
        .filter(region_condition(unit::Entity, f))
        .filter(unit::Column::Status.eq(UnitStatus::Active))
        .into_query();
    let known_households = "households IS NOT NULL";
    let known_residents = "resident_population IS NOT NULL";
    let office_known = "households IS NOT NULL AND office IS NOT NULL";
    let elderly_known = "resident_population IS NOT NULL AND elderly IS NOT NULL";
    let (pu, os, es) = (Alias::new("per_unit"), Alias::new("os"), Alias::new("es"));
    let totals = Query::select()
        .expr_as(Expr::col((pu.clone(), Alias::new("office_std"))), Alias::new("office_std"))
        .expr_as(Expr::col((pu.clone(), Alias::new("elderly_std"))), Alias::new("elderly_std"))
        .to_owned();
    let below_office = format!("{office_known} AND office < households * os.amount_centi");
    let below_elderly = format!("{elderly_known} AND elderly < resident_population * es.amount_centi");
    // Each count with its key sum; each sum with its key sum and squares.
    let counts: [(&str, &str); 8] = [
        ("n", "1 = 1"),
        ("a", known_households),
        ("d", &below_office),
        ("e", "renting > 0"),
        ("f", known_residents),
        ("i", &below_elderly),
        ("k", office_known),
        ("l", elderly_known),
    ];
    let sums: [(&str, &str, &str); 6] = [
        ("b", office_known, "households"),
        ("c", office_known, "office"),
        ("g", known_residents, "resident_population"),
        ("h", elderly_known, "elderly"),
        ("m", elderly_known, "resident_population"),
        ("j", known_residents, "staff"),
    ];
    let mut totals = totals;
    for (name, cond) in counts {
        totals
            .expr_as(sum_if(cond, "1"), Alias::new(name))
            .expr_as(sum_if(cond, "rk"), Alias::new(format!("{name}_k")));
    }
    for (name, cond, value) in sums {
        totals
            .expr_as(sum_if(cond, value), Alias::new(name))
            .expr_as(sum_if(cond, "rk"), Alias::new(format!("{name}_k")))
            .expr_as(
                Expr::cust(format!(
                    "COALESCE(SUM(CASE WHEN {cond} THEN CAST({value} AS DOUBLE PRECISION) * CAST({value} AS DOUBLE PRECISION) ELSE 0.0 END), 0.0)"
                )),
                Alias::new(format!("{name}_s")),
            );
    }
    let totals = totals
        .from_subquery(per_unit, pu.clone())
        .join_as(
            JoinType::LeftJoin,
            standard::Entity,
            os.clone(),
            Expr::col((os, Alias::new("id"))).equals((pu.clone(), Alias::new("office_std"))),
        )
        .join_as(
            JoinType::LeftJoin,
            standard::Entity,
            es.clone(),
            Expr::col((es, Alias::new("id"))).equals((pu.clone(), Alias::new("elderly_std"))),
        )
        .add_group_by([
            Expr::col((pu.clone(), Alias::new("office_std"))),
            Expr::col((pu, Alias::new("elderly_std"))),
        ])
        .to_owned();
    let mut groups = Vec::new();
    for r in db.query_all(&totals).await? {
        let get = |name: &str| -> AppResult<Tally> {
            Ok(Tally {
                n: r.try_get::<Option<i64>>("", name)?.unwrap_or(0),
                key: r.try_get::<Option<i64>>("", &format!("{name}_k"))?.unwrap_or(0),
            })
        };
        let amount = |name: &str| -> AppResult<Amount> {
            let Tally { n, key } = get(name)?;
            Ok(Amount {
                total: n,
                key,
                squares: r.try_get::<Option<f64>>("", &format!("{name}_s"))?.unwrap_or(0.0),
            })
        };
        groups.push(CoverGroup {
            office_std: r.try_get::<Option<i64>>("", "office_std")?,
            elderly_std: r.try_get::<Option<i64>>("", "elderly_std")?,
            units: get("n")?,
            with_households: get("a")?,
            households: amount("b")?,
            office_area: amount("c")?,
            below_office: get("d")?,
            renting: get("e")?,
            with_residents: get("f")?,
            residents: amount("g")?,
            elderly_area: amount("h")?,
            below_elderly: get("i")?,
            office_known: get("k")?,
            elderly_known: get("l")?,
            elderly_residents: amount("m")?,
            staff: amount("j")?,
        });
    }
    let sum = |v: fn(&CoverGroup) -> Tally| groups.iter().map(v).sum::<Tally>();
    let total = |v: fn(&CoverGroup) -> Amount| groups.iter().map(v).sum::<Amount>();
    let none = Tally::default();
    let standards = StandardTotals {
        units_with_households: sum(|g| g.with_households),
        units_office_known: sum(|g| g.office_known),
        households: total(|g| g.households),
        office_area_centi: total(|g| g.office_area),
        units_without_office: groups.iter().filter(|g| g.office_std.is_none()).map(|g| g.units).sum(),
        units_office_checked: groups.iter().filter(|g| g.office_std.is_some()).map(|g| g.office_known).sum(),
        units_below_office: sum(|g| g.below_office),
        units_renting_office: sum(|g| g.renting),
        units_with_residents: sum(|g| g.with_residents),
        residents: total(|g| g.residents),
        units_elderly_known: sum(|g| g.elderly_known),
        elderly_residents: total(|g| g.elderly_residents),
        elderly_area_centi: total(|g| g.elderly_area),
        units_without_elderly: groups.iter().filter(|g| g.elderly_std.is_none()).map(|g| g.units).sum(),
        units_elderly_checked: groups.iter().filter(|g| g.elderly_std.is_some()).map(|g| g.elderly_known).sum(),
        units_below_elderly: sum(|g| g.below_elderly),
        staff_of_units_with_residents: total(|g| g.staff),
    };
    let standard_counts = standards_service::for_region(db, &f.scope, f.region.as_ref(), y)
        .await?
        .into_iter()
        .map(|s| {
            let (mut units, mut known, mut below) = (none, none, none);
            for g in &groups {
                let (governs, k, b) = match s.kind {
                    StandardKind::Office => (g.office_std == Some(s.id), g.office_known, g.below_office),
                    StandardKind::ElderlyCare => (g.elderly_std == Some(s.id), g.elderly_known, g.below_elderly),
                };
                if governs {
                    units = units + g.units;
                    known = known + k;
                    below = below + b;
                }
            }
            StandardCount {
                standard: s,
                units,
                meeting: known - below,
                below,
                unknown: units - known,
            }
        })
        .collect();

    Ok(Stats {
        units: unit_groups,
        staff: staff_rows
            .into_iter()
            .map(
                |(role, also_director, education, gender, party_member, certified, hiring, band, n, key)| {
                    StaffGroup {
                        role,
                        also_director,
                        education,
                        gender,
                        party_member,
                        certified_social_worker: certified,
                        hiring,
                        age_band: AgeBand::from_code(band),
                        staff: Tally { n, key },
                    }
                },
            )
            .collect(),
        facilities: facility_groups,
        standards,
        standard_counts,
    })
}

/// The active units covered by one pair of standards (office, elderly care; None where none
/// covers them), with their totals.
struct CoverGroup {
    office_std: Option<i64>,
    elderly_std: Option<i64>,
    units: Tally,
    with_households: Tally,
    households: Amount,
    office_area: Amount,
    below_office: Tally,
    renting: Tally,
    with_residents: Tally,
    residents: Amount,
    elderly_area: Amount,
    below_elderly: Tally,
    office_known: Tally,
    elderly_known: Tally,
    elderly_residents: Amount,
    staff: Amount,
}

const UNITS: &str = "community_units";
const FACILITIES: &str = "community_facilities";

/// `CAST(COALESCE(SUM(CASE WHEN cond THEN value ELSE 0 END), 0) AS BIGINT)`.
fn sum_if(cond: &str, value: &str) -> Expr {
    bigint_sum(&format!("CASE WHEN {cond} THEN {value} ELSE 0 END"))
}

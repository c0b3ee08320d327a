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
    pub units: i64,
    pub registered_population: i64,
    pub resident_population: i64,
    pub households: i64,
    pub resident_groups: i64,
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
    pub staff: i64,
}

/// Facilities of one kind, status and tenure.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityGroup {
    pub kind: FacilityKind,
    pub status: FacilityStatus,
    pub tenure: Tenure,
    pub facilities: i64,
    pub floor_area_centi: i64,
    pub investment_fen: i64,
}

/// The facility standards over the active units, and the staff ratio's base. A unit is
/// measured against the standard of each kind in force in the year that covers its region
/// (`community_standards`); a unit no standard covers is counted apart (`units_without_*`),
/// never as meeting or below one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StandardTotals {
    /// Units whose households are known.
    pub units_with_households: i64,
    /// Units whose office area per household can be measured (households known and every
    /// in-use office room's area recorded, at least one room), whatever standard covers them,
    /// their households and office area (0.01 m²).
    pub units_office_known: i64,
    pub households: i64,
    pub office_area_centi: i64,
    /// Units no office standard covers.
    pub units_without_office: i64,
    /// Units an office standard covers whose office can be measured against it, and those
    /// below it.
    pub units_office_checked: i64,
    pub units_below_office: i64,
    /// Units whose office rooms are rented or borrowed (租借).
    pub units_renting_office: i64,
    /// Units whose residents are known, and their residents.
    pub units_with_residents: i64,
    pub residents: i64,
    /// Units whose elderly-care area per resident can be measured (residents known and every
    /// in-use elderly-care facility's area recorded, at least one facility), their residents
    /// and elderly-care area (0.01 m²).
    pub units_elderly_known: i64,
    pub elderly_residents: i64,
    pub elderly_area_centi: i64,
    /// Units no elderly-care standard covers.
    pub units_without_elderly: i64,
    /// Units an elderly-care standard covers whose area can be measured against it, and
    /// those below it.
    pub units_elderly_checked: i64,
    pub units_below_elderly: i64,
    /// Staff of the units whose residents are known.
    pub staff_of_units_with_residents: i64,
}

impl StandardTotals {
    /// Units an office standard covers but whose office cannot be measured.
    pub fn units_office_unknown(&self, active: i64) -> i64 {
        active - self.units_without_office - self.units_office_checked
    }
    /// Units an office standard covers that meet it.
    pub fn units_meeting_office(&self) -> i64 {
        self.units_office_checked - self.units_below_office
    }
    /// Units an elderly-care standard covers but whose area cannot be measured.
    pub fn units_elderly_unknown(&self, active: i64) -> i64 {
        active - self.units_without_elderly - self.units_elderly_checked
    }
    /// Units an elderly-care standard covers that meet it.
    pub fn units_meeting_elderly(&self) -> i64 {
        self.units_elderly_checked - self.units_below_elderly
    }
}

/// A standard in force for the counted region (its region lies in it or above it) with the
/// active units it governs there: meeting it, below it, and unknown (the base or the area not
/// on record). Where standards of one kind nest, a unit is governed by the most specific.
#[derive(Debug, Clone, PartialEq)]
pub struct StandardCount {
    pub standard: standard::Model,
    pub units: i64,
    pub meeting: i64,
    pub below: i64,
    pub unknown: i64,
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
    fn known_share(&self, yes: impl Fn(&StaffGroup) -> bool, no: impl Fn(&StaffGroup) -> bool) -> Option<f64> {
        let yes = self.staff_count(yes);
        crate::figures::ratio(yes, yes + self.staff_count(no))
    }

    /// Women among the staff whose gender is known.
    pub fn female_share(&self) -> Option<f64> {
        self.known_share(|g| g.gender == Gender::Female, |g| g.gender == Gender::Male)
    }

    /// Party members among the staff whose membership is known.
    pub fn party_member_share(&self) -> Option<f64> {
        self.known_share(|g| g.party_member == Some(true), |g| g.party_member == Some(false))
    }

    /// Certified social workers among the staff whose certification is known.
    pub fn certified_social_worker_share(&self) -> Option<f64> {
        self.known_share(
            |g| g.certified_social_worker == Some(true),
            |g| g.certified_social_worker == Some(false),
        )
    }

    /// Active units matching `keep`.
    pub fn active_units(&self, keep: impl Fn(&UnitGroup) -> bool) -> i64 {
        self.units
            .iter()
            .filter(|g| g.status == UnitStatus::Active && keep(g))
            .map(|g| g.units)
            .sum()
    }

    /// Staff matching `keep`.
    pub fn staff_count(&self, keep: impl Fn(&StaffGroup) -> bool) -> i64 {
        self.staff.iter().filter(|g| keep(g)).map(|g| g.staff).sum()
    }

    /// Facilities matching `keep`.
    pub fn facility_count(&self, keep: impl Fn(&FacilityGroup) -> bool) -> i64 {
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
    type UnitRow = (String, UnitType, UnitStatus, i64, i64, i64, i64, i64);
    let units: Vec<UnitRow> = unit::Entity::find()
        .select_only()
        .column(unit::Column::RegionCode)
        .column(unit::Column::UnitType)
        .column(unit::Column::Status)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "units")
        .column_as(bigint_sum("registered_population"), "registered")
        .column_as(bigint_sum("resident_population"), "residents")
        .column_as(bigint_sum("households"), "households")
        .column_as(bigint_sum("resident_groups"), "groups")
        .filter(region_condition(unit::Entity, f))
        .group_by(unit::Column::RegionCode)
        .group_by(unit::Column::UnitType)
        .group_by(unit::Column::Status)
        .into_tuple()
        .all(db)
        .await?;

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

    let facilities: Vec<(FacilityKind, FacilityStatus, Tenure, i64, i64, i64)> = facility::Entity::find()
        .select_only()
        .column(facility::Column::Kind)
        .column(facility::Column::Status)
        .column(facility::Column::Tenure)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .column_as(bigint_sum("floor_area_centi"), "area")
        .column_as(bigint_sum("investment_fen"), "investment")
        .filter(region_condition(facility::Entity, f))
        .group_by(facility::Column::Kind)
        .group_by(facility::Column::Status)
        .group_by(facility::Column::Tenure)
        .into_tuple()
        .all(db)
        .await?;

    // One row per active unit with its areas, staff and the standards that cover it
    // (correlated sums over the (unit_id, id) indexes, `covering_sql` for the standards),
    // grouped by those standards and folded into the totals.
    let office_std = covering_sql(StandardKind::Office, y, "id");
    let elderly_std = covering_sql(StandardKind::ElderlyCare, y, "id");
    let per_unit = unit::Entity::find()
        .select_only()
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
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("n"))
        .expr_as(sum_if(known_households, "1"), Alias::new("a"))
        .expr_as(sum_if(office_known, "households"), Alias::new("b"))
        .expr_as(sum_if(office_known, "office"), Alias::new("c"))
        .expr_as(
            sum_if(&format!("{office_known} AND office < households * os.amount_centi"), "1"),
            Alias::new("d"),
        )
        .expr_as(sum_if("renting > 0", "1"), Alias::new("e"))
        .expr_as(sum_if(known_residents, "1"), Alias::new("f"))
        .expr_as(bigint_sum("resident_population"), Alias::new("g"))
        .expr_as(sum_if(elderly_known, "elderly"), Alias::new("h"))
        .expr_as(
            sum_if(
                &format!("{elderly_known} AND elderly < resident_population * es.amount_centi"),
                "1",
            ),
            Alias::new("i"),
        )
        .expr_as(sum_if(office_known, "1"), Alias::new("k"))
        .expr_as(sum_if(elderly_known, "1"), Alias::new("l"))
        .expr_as(sum_if(elderly_known, "resident_population"), Alias::new("m"))
        .expr_as(sum_if(known_residents, "staff"), Alias::new("j"))
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
        let get = |name: &str| -> AppResult<i64> { Ok(r.try_get::<Option<i64>>("", name)?.unwrap_or(0)) };
        groups.push(CoverGroup {
            office_std: r.try_get::<Option<i64>>("", "office_std")?,
            elderly_std: r.try_get::<Option<i64>>("", "elderly_std")?,
            units: get("n")?,
            with_households: get("a")?,
            households: get("b")?,
            office_area: get("c")?,
            below_office: get("d")?,
            renting: get("e")?,
            with_residents: get("f")?,
            residents: get("g")?,
            elderly_area: get("h")?,
            below_elderly: get("i")?,
            office_known: get("k")?,
            elderly_known: get("l")?,
            elderly_residents: get("m")?,
            staff: get("j")?,
        });
    }
    let sum = |v: fn(&CoverGroup) -> i64| groups.iter().map(v).sum::<i64>();
    let standards = StandardTotals {
        units_with_households: sum(|g| g.with_households),
        units_office_known: sum(|g| g.office_known),
        households: sum(|g| g.households),
        office_area_centi: sum(|g| g.office_area),
        units_without_office: sum(|g| if g.office_std.is_none() { g.units } else { 0 }),
        units_office_checked: sum(|g| if g.office_std.is_some() { g.office_known } else { 0 }),
        units_below_office: sum(|g| g.below_office),
        units_renting_office: sum(|g| g.renting),
        units_with_residents: sum(|g| g.with_residents),
        residents: sum(|g| g.residents),
        units_elderly_known: sum(|g| g.elderly_known),
        elderly_residents: sum(|g| g.elderly_residents),
        elderly_area_centi: sum(|g| g.elderly_area),
        units_without_elderly: sum(|g| if g.elderly_std.is_none() { g.units } else { 0 }),
        units_elderly_checked: sum(|g| if g.elderly_std.is_some() { g.elderly_known } else { 0 }),
        units_below_elderly: sum(|g| g.below_elderly),
        staff_of_units_with_residents: sum(|g| g.staff),
    };
    let standard_counts = standards_service::for_region(db, &f.scope, f.region.as_ref(), y)
        .await?
        .into_iter()
        .map(|s| {
            let (mut units, mut known, mut below) = (0, 0, 0);
            for g in &groups {
                let (governs, k, b) = match s.kind {
                    StandardKind::Office => (g.office_std == Some(s.id), g.office_known, g.below_office),
                    StandardKind::ElderlyCare => (g.elderly_std == Some(s.id), g.elderly_known, g.below_elderly),
                };
                if governs {
                    units += g.units;
                    known += k;
                    below += b;
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
        units: units
            .into_iter()
            .map(
                |(region_code, unit_type, status, units, registered, residents, households, groups)| {
                    UnitGroup {
                        region_code,
                        unit_type,
                        status,
                        units,
                        registered_population: registered,
                        resident_population: residents,
                        households,
                        resident_groups: groups,
                    }
                },
            )
            .collect(),
        staff: staff_rows
            .into_iter()
            .map(
                |(role, also_director, education, gender, party_member, certified, hiring, band, n)| {
                    StaffGroup {
                        role,
                        also_director,
                        education,
                        gender,
                        party_member,
                        certified_social_worker: certified,
                        hiring,
                        age_band: AgeBand::from_code(band),
                        staff: n,
                    }
                },
            )
            .collect(),
        facilities: facilities
            .into_iter()
            .map(|(kind, status, tenure, n, area, investment)| FacilityGroup {
                kind,
                status,
                tenure,
                facilities: n,
                floor_area_centi: area,
                investment_fen: investment,
            })
            .collect(),
        standards,
        standard_counts,
    })
}

/// The active units covered by one pair of standards (office, elderly care; None where none
/// covers them), with their totals.
struct CoverGroup {
    office_std: Option<i64>,
    elderly_std: Option<i64>,
    units: i64,
    with_households: i64,
    households: i64,
    office_area: i64,
    below_office: i64,
    renting: i64,
    with_residents: i64,
    residents: i64,
    elderly_area: i64,
    below_elderly: i64,
    office_known: i64,
    elderly_known: i64,
    elderly_residents: i64,
    staff: i64,
}

/// `CAST(COALESCE(SUM(CASE WHEN cond THEN value ELSE 0 END), 0) AS BIGINT)`.
fn sum_if(cond: &str, value: &str) -> Expr {
    bigint_sum(&format!("CASE WHEN {cond} THEN {value} ELSE 0 END"))
}

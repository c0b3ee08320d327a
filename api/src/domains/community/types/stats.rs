//! `communityStats` (社区统计) as GraphQL objects.

use async_graphql::{Enum, InputObject, Object, SimpleObject};
use std::collections::BTreeMap;
use std::sync::Arc;

use super::{CommunityStandardCount, CommunityUnitType, Education, FacilityKind, FacilityStatus, Gender, StaffRole};
use crate::domains::community::figures::{EDUCATIONS, ROLES};
use crate::domains::community::stats::{self, AgeBand as Band, Stats, holds, member_or_worker};
use crate::aggregate::cellkey::CellKeyMethod;
use crate::aggregate::tally::{Amount, Tally};
use crate::figures::ratio;
use crate::region::directory::RegionDirectory;
use crate::region::types::Region;
use crate::scalars::Money;
use entity::community::unit::UnitStatus;

/// Filter of `communityStats`.
#[derive(InputObject, Default)]
pub struct CommunityStatsFilter {
    /// Statistics of this region and below; every region in your reach when absent.
    pub region_code: Option<String>,
    /// Year ages are counted in and whose facility standards apply (统计年度); this year by
    /// default. Reports count ages in the year they were surveyed.
    pub as_of_year: Option<i32>,
}

/// Age band as report 3 counts them (年龄段).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AgeBand {
    /// 35 and under (35岁及以下).
    #[graphql(name = "UP_TO_35")]
    UpTo35,
    /// 36 to 50 (36-50岁).
    #[graphql(name = "FROM_36_TO_50")]
    From36To50,
    /// Over 50 (50岁以上).
    #[graphql(name = "OVER_50")]
    Over50,
    /// Birth year not known (不详).
    Unknown,
}

const BANDS: [(Band, AgeBand); 4] = [
    (Band::UpTo35, AgeBand::UpTo35),
    (Band::From36To50, AgeBand::From36To50),
    (Band::Over50, AgeBand::Over50),
    (Band::Unknown, AgeBand::Unknown),
];

/// Units of one type (按性质).
#[derive(SimpleObject)]
pub struct UnitTypeCount {
    /// Type (社区性质).
    pub unit_type: CommunityUnitType,
    /// Active units of the type.
    pub units: i64,
    /// Share of the active units (占比): units / all units; null when there are none.
    pub share: Option<f64>,
}

/// Units of one child region (按区划).
#[derive(SimpleObject)]
pub struct UnitRegionCount {
    /// The child region.
    pub region: Region,
    /// Active units in it and below.
    pub units: i64,
    /// Share of the active units (占比): units / all units.
    pub share: Option<f64>,
    /// Their resident population, where known (常住人口); null when disclosure control
    /// withholds it from a caller who may not read community records.
    pub resident_population: Option<i64>,
    /// Their households, where known (户数); null when withheld.
    pub households: Option<i64>,
}

/// Staff of one education level (按学历).
#[derive(SimpleObject)]
pub struct EducationCount {
    /// Education (学历).
    pub education: Education,
    /// Staff.
    pub staff: i64,
}

/// Staff of one age band (按年龄段).
#[derive(SimpleObject)]
pub struct AgeBandCount {
    /// Age band (年龄段).
    pub age_band: AgeBand,
    /// Staff.
    pub staff: i64,
}

/// Staff of one role with their education and age (按职务).
#[derive(SimpleObject)]
pub struct RoleCount {
    /// Role (职务); directors include party secretaries who also direct (一肩挑).
    pub role: StaffRole,
    /// Staff holding it.
    pub staff: i64,
    /// By education; UNKNOWN where a report's breakdown falls short of its total.
    pub by_education: Vec<EducationCount>,
    /// By age band; UNKNOWN where a report gives no band.
    pub by_age_band: Vec<AgeBandCount>,
}

/// Facilities of one kind and status (设施).
#[derive(SimpleObject)]
pub struct FacilityCount {
    /// Kind (设施类型).
    pub kind: FacilityKind,
    /// Status (建设状态).
    pub status: FacilityStatus,
    /// Facilities.
    pub facilities: i64,
    /// Their floor area where known (建筑面积), m²; null when disclosure control withholds it
    /// from a caller who may not read community records.
    pub floor_area_m2: Option<Money>,
    /// Their investment where known (投资额), yuan; null when withheld.
    pub investment: Option<Money>,
}

/// Community statistics (社区统计) of a region: units, population, staff structure,
/// facilities and the facility standards in force for it, from the records.
pub struct CommunityStats {
    pub stats: Stats,
    pub as_of_year: i32,
    /// The region asked for (its children are the roll-up's rows), or none for every region.
    pub region_code: Option<String>,
    pub regions: Arc<RegionDirectory>,
    /// The caller's disclosure protection (None: exact).
    pub protection: Option<Arc<CellKeyMethod>>,
}

impl CommunityStats {
    fn p(&self) -> Option<&CellKeyMethod> {
        self.protection.as_deref()
    }
    /// A count as the caller may see it.
    fn n(&self, t: Tally) -> i64 {
        t.publish(self.p())
    }
    /// A sum as the caller may see it (None: withheld), salted with `measure`.
    fn sum(&self, a: Amount, measure: &str) -> Option<i64> {
        a.publish(self.p(), measure)
    }
    fn active(&self) -> Tally {
        self.stats.active_units(|_| true)
    }
    fn staff_total(&self) -> Tally {
        self.stats.staff_count(|_| true)
    }
    fn staff_of(&self, keep: impl Fn(&stats::StaffGroup) -> bool) -> i64 {
        self.n(self.stats.staff_count(keep))
    }
    fn active_sum(&self, f: impl Fn(&stats::UnitGroup) -> Amount, measure: &str) -> Option<i64> {
        self.sum(self.stats.active_sum(f), measure)
    }
    /// The child of the asked region (or the root) a region code rolls up to.
    fn roll_up(&self, code: &str) -> Option<String> {
        let mut current = self.regions.get(code)?;
        loop {
            let parent = current.parent_code.as_deref();
            if parent == self.region_code.as_deref() {
                return Some(current.code.clone());
            }
            if Some(current.code.as_str()) == self.region_code.as_deref() {
                // Units filed on the asked region itself.
                return Some(current.code.clone());
            }
            current = self.regions.get(parent?)?;
        }
    }
}

/// Community statistics (社区统计) of a region: units, population, staff structure,
/// facilities and the facility standards in force for it, from the records. A standard
/// belongs to the report or policy that sets it and covers its own region and years
/// (`standards`): a unit no standard covers is counted apart (`unitsWithout...Standard`),
/// never as meeting or below one. For a caller who may not read community records every
/// count and sum is protected by disclosure control, as the grouped aggregates' cells are, and
/// shares and ratios come from the protected parts (null when a part is withheld).
#[Object]
impl CommunityStats {
    /// Year ages are counted in and whose facility standards apply (统计年度).
    async fn as_of_year(&self) -> i32 {
        self.as_of_year
    }
    /// Active units (社区居委会数).
    async fn units(&self) -> i64 {
        self.n(self.active())
    }
    /// Units being set up (筹备中), not counted in `units`.
    async fn units_setting_up(&self) -> i64 {
        self.n(
            self.stats
                .units
                .iter()
                .filter(|g| g.status == UnitStatus::SettingUp)
                .map(|g| g.units)
                .sum(),
        )
    }
    /// Active units by type, with shares (按性质).
    async fn by_type(&self) -> Vec<UnitTypeCount> {
        use entity::community::unit::UnitType as T;
        [T::Agriculture, T::NonAgricultural, T::Enterprise]
            .into_iter()
            .map(|t| {
                let n = self.n(self.stats.active_units(|g| g.unit_type == t));
                UnitTypeCount {
                    unit_type: t.into(),
                    units: n,
                    share: ratio(n, self.n(self.active())),
                }
            })
            .collect()
    }
    /// Active units by child region (or by top-level region without a region), with shares (按区划).
    async fn by_region(&self) -> Vec<UnitRegionCount> {
        let mut rows: BTreeMap<String, (Tally, Amount, Amount)> = BTreeMap::new();
        for g in self.stats.units.iter().filter(|g| g.status == UnitStatus::Active) {
            if let Some(child) = self.roll_up(&g.region_code) {
                let row = rows.entry(child).or_default();
                row.0 = row.0 + g.units;
                row.1 = row.1 + g.resident_population;
                row.2 = row.2 + g.households;
            }
        }
        let total = self.n(self.active());
        let mut out: Vec<UnitRegionCount> = rows
            .into_iter()
            .filter_map(|(code, (units, residents, households))| {
                let units = self.n(units);
                Some(UnitRegionCount {
                    region: self.regions.get(&code)?.clone().into(),
                    units,
                    share: ratio(units, total),
                    resident_population: self.sum(residents, "residentPopulation"),
                    households: self.sum(households, "households"),
                })
            })
            .collect();
        out.sort_by_key(|r| std::cmp::Reverse(r.units));
        out
    }
    /// Registered population of the active units where known (户籍人口); null when disclosure control
    /// withholds it (one or two units dominate it) from a caller who may not read community
    /// records.
    async fn registered_population(&self) -> Option<i64> {
        self.active_sum(|g| g.registered_population, "registeredPopulation")
    }
    /// Resident population of the active units where known (常住人口); null when disclosure control
    /// withholds it (one or two units dominate it) from a caller who may not read community
    /// records.
    async fn resident_population(&self) -> Option<i64> {
        self.active_sum(|g| g.resident_population, "residentPopulation")
    }
    /// Households of the active units where known (户数); null when disclosure control
    /// withholds it (one or two units dominate it) from a caller who may not read community
    /// records.
    async fn households(&self) -> Option<i64> {
        self.active_sum(|g| g.households, "households")
    }
    /// Resident groups of the active units (居民小组); null when disclosure control
    /// withholds it (one or two units dominate it) from a caller who may not read community
    /// records.
    async fn resident_groups(&self) -> Option<i64> {
        self.active_sum(|g| g.resident_groups, "residentGroups")
    }
    /// Staff of every role (工作人员总数).
    async fn staff(&self) -> i64 {
        self.n(self.staff_total())
    }
    /// Committee members and workers (成员及专职工作者): staff but assistants and grid workers.
    async fn members_and_workers(&self) -> i64 {
        self.staff_of(member_or_worker)
    }
    /// Staff by role, each by education and age band (按职务、学历、年龄).
    async fn by_role(&self) -> Vec<RoleCount> {
        ROLES
            .iter()
            .map(|(role, _)| RoleCount {
                role: (*role).into(),
                staff: self.staff_of(|g| holds(g, *role)),
                by_education: EDUCATIONS
                    .iter()
                    .map(|(e, _)| EducationCount {
                        education: (*e).into(),
                        staff: self.staff_of(|g| holds(g, *role) && g.education == *e),
                    })
                    .collect(),
                by_age_band: BANDS
                    .iter()
                    .map(|(b, band)| AgeBandCount {
                        age_band: *band,
                        staff: self.staff_of(|g| holds(g, *role) && g.age_band == *b),
                    })
                    .collect(),
            })
            .collect()
    }
    /// Staff whose role a report does not say (角色不详).
    async fn role_unknown(&self) -> i64 {
        self.staff_of(|g| g.role == entity::community::staff::StaffRole::Unknown)
    }
    /// Women (女性).
    async fn female(&self) -> i64 {
        self.staff_of(|g| g.gender == Gender::Female.into())
    }
    /// Staff whose gender is not known (不详).
    async fn gender_unknown(&self) -> i64 {
        self.staff_of(|g| g.gender == Gender::Unknown.into())
    }
    /// Men (男性).
    async fn male(&self) -> i64 {
        self.staff_of(|g| g.gender == Gender::Male.into())
    }
    /// Share of women (女性占比) among the staff whose gender is known: female / (female +
    /// male); null when no one's is (see `genderUnknown`).
    async fn female_share(&self) -> Option<f64> {
        self.stats.female_share(self.p())
    }
    /// Staff whose party membership is not known (不详).
    async fn party_membership_unknown(&self) -> i64 {
        self.staff_of(|g| g.party_member.is_none())
    }
    /// Party members (党员).
    async fn party_members(&self) -> i64 {
        self.staff_of(|g| g.party_member == Some(true))
    }
    /// Share of party members (党员占比) among the staff whose membership is known; null when
    /// no one's is (see `partyMembershipUnknown`).
    async fn party_member_share(&self) -> Option<f64> {
        self.stats.party_member_share(self.p())
    }
    /// Certified social workers (持证社工).
    async fn certified_social_workers(&self) -> i64 {
        self.staff_of(|g| g.certified_social_worker == Some(true))
    }
    /// Staff whose certification is not known (持证情况不详).
    async fn certification_unknown(&self) -> i64 {
        self.staff_of(|g| g.certified_social_worker.is_none())
    }
    /// Share of certified social workers (持证社工占比) among the staff whose certification is
    /// known; null when no one's is (see `certificationUnknown`).
    async fn certified_social_worker_share(&self) -> Option<f64> {
        self.stats.certified_social_worker_share(self.p())
    }
    /// Staff per 1,000 residents (每千常住人口社区工作者数): staff of the units whose residents
    /// are known / their residents × 1000; null without such units, or when disclosure control
    /// withholds a part.
    async fn staff_per_1000_residents(&self) -> Option<f64> {
        let s = &self.stats.standards;
        let staff = self.sum(s.staff_of_units_with_residents, "staffOfUnitsWithResidents")?;
        ratio(staff * 1000, self.sum(s.residents, "residentPopulation")?)
    }
    /// Office floor area per 100 households (每百户办公用房), m²: in-use office area of the
    /// units whose households and office area are known / their households × 100, whatever
    /// standard covers them (compare with `standards`); null when disclosure control withholds
    /// a part.
    async fn office_area_per_100_households(&self) -> Option<f64> {
        let s = &self.stats.standards;
        ratio(
            self.sum(s.office_area_centi, "officeArea")?,
            self.sum(s.households, "households")?,
        )
    }
    /// Active units whose households are known.
    async fn units_with_households(&self) -> i64 {
        self.n(self.stats.standards.units_with_households)
    }
    /// Active units no office standard in force in the year covers (无适用办公用房标准):
    /// measured against none, counted neither as meeting nor as below one.
    async fn units_without_office_standard(&self) -> i64 {
        self.n(self.stats.standards.units_without_office)
    }
    /// Active units an office standard covers whose office cannot be checked against it
    /// (办公用房达标情况未知): households unknown, no in-use office room recorded, or one
    /// without its area. Counted neither as meeting nor as below the standard.
    async fn units_office_standard_unknown(&self) -> i64 {
        self.n(self.stats.standards.units_office_unknown(self.active()))
    }
    /// Active units below the office standard that covers their region (办公用房未达标), such as
    /// report 7's 20 m² per 100 households in its city.
    async fn units_below_office_standard(&self) -> i64 {
        self.n(self.stats.standards.units_below_office)
    }
    /// Active units meeting the office standard that covers their region (办公用房达标).
    async fn units_meeting_office_standard(&self) -> i64 {
        self.n(self.stats.standards.units_meeting_office())
    }
    /// Units whose office rooms are rented or borrowed (租借办公用房).
    async fn units_renting_or_borrowing_office(&self) -> i64 {
        self.n(self.stats.standards.units_renting_office)
    }
    /// Elderly-care floor area per resident (人均养老服务设施面积), m²: in-use elderly-care
    /// area of the units whose residents and elderly-care area are known / their residents,
    /// whatever standard covers them (compare with `standards`); null when no unit's are, or
    /// when disclosure control withholds a part.
    async fn elderly_care_area_per_resident(&self) -> Option<f64> {
        let s = &self.stats.standards;
        ratio(
            self.sum(s.elderly_area_centi, "elderlyCareArea")?,
            self.sum(s.elderly_residents, "residentPopulation")? * 100,
        )
    }
    /// Active units whose residents are known.
    async fn units_with_residents(&self) -> i64 {
        self.n(self.stats.standards.units_with_residents)
    }
    /// Active units no elderly-care standard in force in the year covers (无适用养老设施标准):
    /// measured against none, counted neither as meeting nor as below one.
    async fn units_without_elderly_care_standard(&self) -> i64 {
        self.n(self.stats.standards.units_without_elderly)
    }
    /// Active units an elderly-care standard covers whose area cannot be checked against it
    /// (养老设施达标情况未知): residents unknown, no in-use elderly-care facility recorded, or
    /// one without its area. Counted neither as meeting nor as below the standard.
    async fn units_elderly_care_standard_unknown(&self) -> i64 {
        self.n(self.stats.standards.units_elderly_unknown(self.active()))
    }
    /// Active units meeting the elderly-care standard that covers their region (养老设施达标).
    async fn units_meeting_elderly_care_standard(&self) -> i64 {
        self.n(self.stats.standards.units_meeting_elderly())
    }
    /// Active units below the elderly-care standard that covers their region (养老设施未达标),
    /// such as report 7's 0.1 m² per resident in its city.
    async fn units_below_elderly_care_standard(&self) -> i64 {
        self.n(self.stats.standards.units_below_elderly)
    }
    /// The facility standards in force in the year (`asOfYear`) whose region lies in the
    /// counted region or above it (适用的社区设施标准), each with its amount, region, years,
    /// report and sentence, and the active units it governs: meeting, below and unknown.
    async fn standards(&self) -> Vec<CommunityStandardCount> {
        self.stats
            .standard_counts
            .iter()
            .cloned()
            .map(|c| CommunityStandardCount::of(c, self.p()))
            .collect()
    }
    /// Facilities by kind and status (服务设施).
    async fn facilities(&self) -> Vec<FacilityCount> {
        type Row = (FacilityKind, FacilityStatus, Tally, Amount, Amount);
        let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
        for g in &self.stats.facilities {
            let row = rows
                .entry((format!("{:?}", g.kind), format!("{:?}", g.status)))
                .or_insert((g.kind.into(), g.status.into(), Tally::default(), Amount::default(), Amount::default()));
            row.2 = row.2 + g.facilities;
            row.3 = row.3 + g.floor_area_centi;
            row.4 = row.4 + g.investment_fen;
        }
        rows.into_values()
            .map(|(kind, status, n, area, investment)| FacilityCount {
                kind,
                status,
                facilities: self.n(n),
                floor_area_m2: self.sum(area, "floorArea").map(Money),
                investment: self.sum(investment, "investment").map(Money),
            })
            .collect()
    }
}

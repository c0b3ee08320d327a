//! The community records of reports 3 and 7, generated deterministically so that every
//! count the reports state can be computed back from the records, and the figures the
//! reports state (`seed/figures.json`). The readings behind each choice are in the table of
//! readings in `docs/domains.md`; in short:
//!
//! - report 7 (晋城市): 142 units by district (75, 29, 14, 9, 7, 5, 3) and type (95 / 35 / 12),
//!   the types placed by district as the text implies (高平: 11 涉农 meeting the office
//!   standard and 18 非农 renting or borrowing below it; the four counties and the
//!   development zone all 涉农; 城区 the rest); 1,146 cadres, 88 full-time workers, 68 members
//!   or workers of unknown role (1,302 − 1,146 − 88) and 693 assistants, 21 of the cadres
//!   seconded; 9 service centres, 137 service stations (54 of them renovated, at least
//!   300 m²), 36 health stations, 5 centres and 37 stations planned (杨河's 550,000 yuan among
//!   them). Attributes the report does not give (gender, age, education, party membership,
//!   populations outside 高平) are unknown, not invented.
//! - report 3 (an unnamed Sichuan county, `L03`): 12 active units and 半山 being set up,
//!   106 resident groups, 42,985 registered and 80,433 resident population; 112 staff with the
//!   stated structure by role, education and age band, 73 women and 85 party members; where a
//!   breakdown falls short of its total the rest carry an explicit unknown.

use entity::community::facility::{self, FacilityKind, FacilityStatus, Tenure};
use entity::community::staff::{self, Education, Gender, Hiring, StaffRole};
use entity::community::standard::{self, StandardKind};
use entity::community::unit::{self, UnitStatus, UnitType};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set, TransactionTrait,
};

use crate::error::{AppError, AppResult};
use crate::seeding;
use crate::synthetic::{self, Rng, Sex};
use crate::write::derived_uuid;

/// Copies of the reports' communities per unit of `--scale` beyond 1: their ~2,100 staff 24
/// times over make about a million staff at `--scale 20` (with 74,000 units and 150,000
/// facilities), for benchmarks; at scale 1 the records are the reports' alone.
pub const COPIES_PER_SCALE: i64 = 24;

/// Seeds the reported figures and, with `records`, the units, staff and facilities (and at
/// `scale` above 1 their copies, `COPIES_PER_SCALE` per unit of scale); skips what is there
/// already.
/// The seed as the registration runs it (`registry::Seed`): the rows written.
pub fn registered(
    db: &DatabaseConnection,
    records: bool,
    scale: u32,
) -> futures_util::future::BoxFuture<'_, AppResult<u64>> {
    Box::pin(async move { Ok(seed(db, records, scale).await? as u64) })
}

pub async fn seed(db: &DatabaseConnection, records: bool, scale: u32) -> AppResult<usize> {
    seeding::figures(
        db,
        "community",
        seeding::parse_figures(include_str!("seed/figures.json"))?,
    )
    .await?;
    standards(db).await?;
    if !records || unit::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let txn = db.begin().await?;
    let mut g = Generator::default();
    g.report7(&txn).await?;
    g.report3(&txn).await?;
    if scale > 1 {
        let tables = ["community_units", "community_staff", "community_facilities"];
        let mut copies = seeding::Copies::new(&txn, i64::from(scale) * COPIES_PER_SCALE - 1, &tables).await?;
        copies.table::<unit::Entity>(&txn, &[]).await?;
        copies
            .table::<staff::Entity>(&txn, &[("unit_id", "community_units")])
            .await?;
        copies
            .table::<facility::Entity>(&txn, &[("unit_id", "community_units")])
            .await?;
        g.rows += copies.rows as usize;
    }
    // Cached results computed before the seed are not served after it.
    crate::cache::bump_data_version(&txn).await?;
    txn.commit().await?;
    Ok(g.rows)
}

struct Generator {
    units: i64,
    staff: i64,
    facilities: i64,
    rows: usize,
    /// Draws the staff's names (`synthetic.rs`): by the stated gender, of either pool where it
    /// is unknown.
    names: Rng,
}

impl Default for Generator {
    fn default() -> Self {
        Generator {
            units: 0,
            staff: 0,
            facilities: 0,
            rows: 0,
            names: Rng(0xC0AA_2023_1201),
        }
    }
}

/// `total` split into `parts` near-equal shares, the larger ones first.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedStandard {
    report_no: Option<i32>,
    kind: String,
    region_code: String,
    from_year: i32,
    to_year: Option<i32>,
    /// The area as the source states it (m²), per `per` households or residents.
    area_m2: String,
    per: i64,
    source_text: String,
}

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("community seed: {e}"))
}

/// The facility standards the reports cite (`seed/standards.json`), each with its region,
/// years and sentence, stored in 0.01 m² per household or resident; reference data like the
/// figures, so seeded with or without records, and only once (the unique kind, region and
/// first year).
async fn standards(db: &impl ConnectionTrait) -> AppResult<()> {
    let rows: Vec<SeedStandard> = serde_json::from_str(include_str!("seed/standards.json")).map_err(bad)?;
    let models = rows
        .into_iter()
        .map(|s| {
            let kind = match s.kind.as_str() {
                "office" => StandardKind::Office,
                "elderly_care" => StandardKind::ElderlyCare,
                k => return Err(bad(format!("standard kind {k}"))),
            };
            let centi = crate::scalars::Money::parse_yuan(&s.area_m2).map_err(bad)?.fen();
            if s.per <= 0 || centi % s.per != 0 {
                return Err(bad(format!("{} m² per {} is not whole 0.01 m² per head", s.area_m2, s.per)));
            }
            Ok(standard::ActiveModel {
                kind: Set(kind),
                amount_centi: Set(centi / s.per),
                region_code: Set(s.region_code),
                from_year: Set(s.from_year),
                to_year: Set(s.to_year),
                report_no: Set(s.report_no),
                source_text: Set(s.source_text),
                ..Default::default()
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    standard::Entity::insert_many(models)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                standard::Column::Kind,
                standard::Column::RegionCode,
                standard::Column::FromYear,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

fn split(total: i64, parts: i64) -> Vec<i64> {
    (0..parts)
        .map(|i| total / parts + i64::from(i < total % parts))
        .collect()
}

struct NewUnit<'a> {
    name: String,
    region: &'a str,
    unit_type: UnitType,
    status: UnitStatus,
    converted_year: Option<i32>,
    registered: Option<i32>,
    residents: Option<i32>,
    households: Option<i32>,
    groups: Option<i32>,
    honours: &'a [&'a str],
}

struct NewStaff {
    role: StaffRole,
    gender: Gender,
    birth_year: Option<i32>,
    education: Education,
    party_member: Option<bool>,
    hiring: Hiring,
}

impl NewStaff {
    fn unknown(role: StaffRole) -> Self {
        NewStaff {
            role,
            gender: Gender::Unknown,
            birth_year: None,
            education: Education::Unknown,
            party_member: None,
            hiring: Hiring::Unknown,
        }
    }
}

impl Generator {
    fn at() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_701_388_800, 0).unwrap_or_default() // 2023-12-01
    }

    async fn unit(&mut self, db: &impl ConnectionTrait, u: NewUnit<'_>) -> AppResult<unit::Model> {
        self.units += 1;
        self.rows += 1;
        Ok(unit::ActiveModel {
            uuid: Set(derived_uuid("CommunityUnit", self.units)),
            name: Set(u.name),
            region_code: Set(u.region.to_owned()),
            unit_type: Set(u.unit_type),
            status: Set(u.status),
            formed_year: Set(None),
            converted_year: Set(u.converted_year),
            registered_population: Set(u.registered),
            resident_population: Set(u.residents),
            households: Set(u.households),
            resident_groups: Set(u.groups),
            honours: Set(serde_json::json!(u.honours)),
            version: Set(1),
            created_at: Set(Self::at()),
            updated_at: Set(Self::at()),
            synthetic: Set(true),
            ..Default::default()
        }
        .insert(db)
        .await?)
    }

    async fn staff(&mut self, db: &impl ConnectionTrait, u: &unit::Model, s: NewStaff) -> AppResult<()> {
        self.staff += 1;
        self.rows += 1;
        let sex = match s.gender {
            Gender::Male => Some(Sex::Male),
            Gender::Female => Some(Sex::Female),
            _ => None,
        };
        staff::ActiveModel {
            uuid: Set(derived_uuid("CommunityStaff", self.staff)),
            unit_id: Set(u.id),
            region_code: Set(u.region_code.clone()),
            grid_id: Set(None),
            name: Set(synthetic::person_name(&mut self.names, sex)),
            role: Set(s.role),
            also_director: Set(false),
            gender: Set(s.gender),
            birth_year: Set(s.birth_year),
            education: Set(s.education),
            party_member: Set(s.party_member),
            certified_social_worker: Set(None),
            hiring: Set(s.hiring),
            monthly_pay_fen: Set(None),
            phone: Set(None),
            id_number: Set(None),
            version: Set(1),
            created_at: Set(Self::at()),
            updated_at: Set(Self::at()),
            synthetic: Set(true),
            ..Default::default()
        }
        .insert(db)
        .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn facility(
        &mut self,
        db: &impl ConnectionTrait,
        u: &unit::Model,
        kind: FacilityKind,
        status: FacilityStatus,
        tenure: Tenure,
        area_m2: Option<i64>,
        investment_yuan: Option<i64>,
    ) -> AppResult<()> {
        self.facilities += 1;
        self.rows += 1;
        facility::ActiveModel {
            uuid: Set(derived_uuid("CommunityFacility", self.facilities)),
            unit_id: Set(u.id),
            region_code: Set(u.region_code.clone()),
            kind: Set(kind),
            name: Set(None),
            floor_area_centi: Set(area_m2.map(|a| a * 100)),
            tenure: Set(tenure),
            status: Set(status),
            investment_fen: Set(investment_yuan.map(|y| y * 100)),
            version: Set(1),
            created_at: Set(Self::at()),
            updated_at: Set(Self::at()),
            synthetic: Set(true),
            ..Default::default()
        }
        .insert(db)
        .await?;
        Ok(())
    }

    /// Report 7: 晋城市's 142 units with their staff and facilities.
    async fn report7(&mut self, db: &impl ConnectionTrait) -> AppResult<()> {
        use UnitType::{Agriculture as Ag, Enterprise as Ent, NonAgricultural as Non};
        // District, short name, (agriculture, non-agricultural, enterprise), conversion year.
        let districts: [(&str, &str, [i64; 3], Option<i32>); 7] = [
            ("140502", "城区", [46, 17, 12], None),
            ("140581", "高平", [11, 18, 0], None),
            ("L140571", "开发区", [14, 0, 0], None),
            ("140521", "沁水", [9, 0, 0], Some(2002)),
            ("140524", "陵川", [7, 0, 0], Some(2002)),
            ("140522", "阳城", [5, 0, 0], Some(2002)),
            ("140525", "泽州", [3, 0, 0], Some(2023)),
        ];
        let mut units: Vec<unit::Model> = Vec::with_capacity(142);
        for (code, short, counts, converted) in districts {
            let mut n = 0;
            for (t, count) in [(Ag, counts[0]), (Non, counts[1]), (Ent, counts[2])] {
                for _ in 0..count {
                    n += 1;
                    // The units the report names keep their names.
                    let (name, region, households, residents) = match (code, t, n) {
                        ("140502", Ag, 1) => ("金华社区".to_owned(), code, None, None),
                        ("140581", Non, 29) => ("北阳社区".to_owned(), code, Some(51), None),
                        ("140521", Ag, 1) => ("杨河社区".to_owned(), "L14052101", None, None),
                        // 高平's units need households for the office standard.
                        ("140581", _, _) => (format!("{short}{n:02}社区"), code, Some(600 + 37 * n), None),
                        _ => (format!("{short}{n:02}社区"), code, None, None),
                    };
                    let u = self
                        .unit(
                            db,
                            NewUnit {
                                name,
                                region,
                                unit_type: t,
                                status: UnitStatus::Active,
                                converted_year: if t == Ag { converted } else { None },
                                registered: None,
                                residents,
                                households,
                                groups: None,
                                honours: &[],
                            },
                        )
                        .await?;
                    units.push(u);
                }
            }
        }

        // Staff: 1,146 cadres (21 seconded), 88 full-time workers, 68 of unknown role,
        // 693 assistants, spread evenly over the units in order.
        let mut seconded = 21;
        for (role, total) in [
            (StaffRole::Cadre, 1146),
            (StaffRole::FullTimeWorker, 88),
            (StaffRole::Unknown, 1302 - 1146 - 88),
            (StaffRole::Assistant, 693),
        ] {
            for (u, n) in units.iter().zip(split(total, units.len() as i64)) {
                for _ in 0..n {
                    let mut s = NewStaff::unknown(role);
                    if role == StaffRole::Cadre && seconded > 0 && u.region_code == "140502" {
                        s.hiring = Hiring::Seconded;
                        seconded -= 1;
                    }
                    self.staff(db, u, s).await?;
                }
            }
        }

        // Offices of 高平: the 11 agriculture-linked units own rooms meeting 20 m² per 100
        // households; the 18 others rent or borrow rooms below it.
        for u in units.iter().filter(|u| u.region_code == "140581") {
            let households = i64::from(u.households.unwrap_or(0));
            let (area, tenure) = if u.unit_type == Ag {
                (households * 20 / 100 + 30, Tenure::Owned)
            } else {
                let tenure = if u.id % 2 == 0 {
                    Tenure::Rented
                } else {
                    Tenure::Borrowed
                };
                (households * 20 / 100 / 2, tenure)
            };
            self.facility(
                db,
                u,
                FacilityKind::Office,
                FacilityStatus::InUse,
                tenure,
                Some(area),
                None,
            )
            .await?;
        }
        // 137 service stations in use, one each for all but the last five units; the 54
        // renovated ones (城区 43, 高平 11) of at least 300 m².
        let (mut chengqu, mut gaoping) = (43, 11);
        for u in units.iter().take(137) {
            let renovated = match u.region_code.as_str() {
                "140502" if chengqu > 0 => {
                    chengqu -= 1;
                    true
                }
                "140581" if gaoping > 0 && u.unit_type == Ag => {
                    gaoping -= 1;
                    true
                }
                _ => false,
            };
            let area = renovated.then_some(300);
            self.facility(
                db,
                u,
                FacilityKind::ServiceStation,
                FacilityStatus::InUse,
                Tenure::Unknown,
                area,
                None,
            )
            .await?;
        }
        // 9 street service centres and 36 health stations in use; 5 centres and 37 stations
        // planned, 杨河's project (中央预算内投资 550,000 yuan) among the stations.
        let every = |step: usize| units.iter().step_by(step).cloned().collect::<Vec<_>>();
        for u in every(16).iter().take(9) {
            self.facility(
                db,
                u,
                FacilityKind::ServiceCentre,
                FacilityStatus::InUse,
                Tenure::Unknown,
                None,
                None,
            )
            .await?;
        }
        for u in every(4).iter().take(36) {
            self.facility(
                db,
                u,
                FacilityKind::HealthStation,
                FacilityStatus::InUse,
                Tenure::Unknown,
                None,
                None,
            )
            .await?;
        }
        for u in every(28).iter().take(5) {
            self.facility(
                db,
                u,
                FacilityKind::ServiceCentre,
                FacilityStatus::Planned,
                Tenure::Unknown,
                None,
                None,
            )
            .await?;
        }
        let yanghe = units.iter().find(|u| u.name == "杨河社区").cloned();
        if let Some(u) = &yanghe {
            self.facility(
                db,
                u,
                FacilityKind::ServiceStation,
                FacilityStatus::Planned,
                Tenure::Unknown,
                None,
                Some(550_000),
            )
            .await?;
        }
        for u in units.iter().rev().filter(|u| u.name != "杨河社区").take(36) {
            self.facility(
                db,
                u,
                FacilityKind::ServiceStation,
                FacilityStatus::Planned,
                Tenure::Unknown,
                None,
                None,
            )
            .await?;
        }
        Ok(())
    }

    /// Report 3: the county's 12 communities (and 半山 being set up) with their 112 staff.
    async fn report3(&mut self, db: &impl ConnectionTrait) -> AppResult<()> {
        let towns = [
            "L0301", "L0301", "L0302", "L0302", "L0303", "L0303", "L0304", "L0304", "L0305", "L0306",
            "L0307", "L0308",
        ];
        let registered = split(42_985, 12);
        let residents = split(80_433, 12);
        let groups = split(106, 12);
        let honours: [&[&str]; 3] = [
            &["高水平综合性和谐社区"],
            &["精神文明建设示范社区"],
            &["花园社区"],
        ];
        let mut units = Vec::with_capacity(12);
        for (i, town) in towns.iter().enumerate() {
            let u = self
                .unit(
                    db,
                    NewUnit {
                        name: format!("报告三第{:02}社区", i + 1),
                        region: town,
                        unit_type: UnitType::NonAgricultural,
                        status: UnitStatus::Active,
                        converted_year: None,
                        registered: Some(registered[i] as i32),
                        residents: Some(residents[i] as i32),
                        households: None,
                        groups: Some(groups[i] as i32),
                        honours: honours.get(i).copied().unwrap_or(&[]),
                    },
                )
                .await?;
            units.push(u);
        }
        self.unit(
            db,
            NewUnit {
                name: "半山社区".to_owned(),
                region: "L03",
                unit_type: UnitType::NonAgricultural,
                status: UnitStatus::SettingUp,
                converted_year: None,
                registered: None,
                residents: None,
                households: None,
                groups: None,
                honours: &[],
            },
        )
        .await?;

        use AgeBand3::*;
        use Education::{Bachelor, JuniorCollege as College, Secondary, Unknown as EduUnknown};
        // Role, count, education breakdown, age breakdown (as stated; the rest unknown).
        type Breakdown = (StaffRole, usize, Vec<(Education, usize)>, Vec<(AgeBand3, usize)>);
        let structure: [Breakdown; 5] = [
            (
                StaffRole::PartySecretary,
                12,
                vec![(Secondary, 1), (College, 7), (Bachelor, 4)],
                vec![(Young, 1), (Middle, 9), (Older, 2)],
            ),
            (
                StaffRole::DeputySecretary,
                5,
                vec![(College, 1), (Bachelor, 4)],
                vec![],
            ),
            (
                StaffRole::Director,
                12,
                vec![(College, 9), (Bachelor, 2)],
                vec![(Young, 4), (Middle, 7)],
            ),
            (
                StaffRole::Cadre,
                46,
                vec![(Secondary, 12), (College, 23), (Bachelor, 11)],
                vec![(Young, 20), (Middle, 24), (Older, 2)],
            ),
            (
                StaffRole::SocialWorker,
                37,
                vec![(Secondary, 4), (College, 13), (Bachelor, 17)],
                vec![(Young, 22), (Middle, 12)],
            ),
        ];
        // 73 women and 85 party members of the 112, spread over the roles by a fixed stride.
        let mut k = 0usize;
        for (role, count, educations, ages) in structure {
            let educations = expand(&educations, count, EduUnknown);
            let ages = expand(&ages, count, Unknown);
            for i in 0..count {
                let unit = &units[match role {
                    StaffRole::PartySecretary | StaffRole::Director | StaffRole::DeputySecretary => i % 12,
                    _ => (i * 5 + k) % 12,
                }];
                let pick = (k * 37) % 112;
                let s = NewStaff {
                    role,
                    gender: if pick < 73 { Gender::Female } else { Gender::Male },
                    birth_year: ages[i].birth_year(i),
                    education: educations[i],
                    party_member: Some((k * 53) % 112 < 85),
                    hiring: Hiring::Unknown,
                };
                self.staff(db, unit, s).await?;
                k += 1;
            }
        }
        Ok(())
    }
}

/// Report 3's age bands in its survey year, 2023.
#[derive(Clone, Copy)]
enum AgeBand3 {
    Young,
    Middle,
    Older,
    Unknown,
}

impl AgeBand3 {
    /// A birth year in the band (ages counted in 2023), varied by `i`.
    fn birth_year(self, i: usize) -> Option<i32> {
        let i = i as i32;
        match self {
            AgeBand3::Young => Some(1988 + i % 10),  // 26–35
            AgeBand3::Middle => Some(1973 + i % 15), // 36–50
            AgeBand3::Older => Some(1965 + i % 8),   // 51–58
            AgeBand3::Unknown => None,
        }
    }
}

/// The stated breakdown as one value per person, the people it leaves out `unknown`.
fn expand<T: Copy>(parts: &[(T, usize)], total: usize, unknown: T) -> Vec<T> {
    let mut out: Vec<T> = parts
        .iter()
        .flat_map(|(v, n)| std::iter::repeat_n(*v, *n))
        .collect();
    out.resize(total, unknown);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_are_exact() {
        assert_eq!(split(42_985, 12).iter().sum::<i64>(), 42_985);
        assert_eq!(split(7, 3), vec![3, 2, 2]);
        assert_eq!(expand(&[(1, 2), (2, 1)], 5, 0), vec![1, 1, 2, 0, 0]);
    }

    #[test]
    fn report3_gender_and_party_picks_are_exact() {
        assert_eq!((0..112).filter(|k| (k * 37) % 112 < 73).count(), 73);
        assert_eq!((0..112).filter(|k| (k * 53) % 112 < 85).count(), 85);
    }
}

//! Community units (社区居委会) as GraphQL objects, with their filter, ordering and inputs.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::community::facility::{FacilityKind as Kind, FacilityStatus as Status};
use entity::community::standard::{self as standard_entity, StandardKind};
use entity::community::{facility, grid, staff, unit};

use super::{
    CommunityAreaStandard, CommunityFacility, CommunityGrid, CommunityStaff, CommunityStandard,
    CommunityUnitStatus, CommunityUnitType,
};
use crate::domains::community::loaders::standards_in_force;
use crate::domains::community::service::standards;
use crate::domains::community::service::units::{UnitFields, UnitFilter as ServiceFilter, UnitOrderField};
use crate::error::AppError;
use crate::loaders::children;
use crate::pagination::OrderDirection;
use crate::region::types::Region;
use crate::scalars::Money;

/// This year in China, whose standards the units' own verdicts and the `belowStandard`
/// filter apply.
fn this_year() -> i32 {
    chrono::Datelike::year(&crate::validate::today())
}

/// Community unit (社区居委会): an urban residents' committee with its population, staff,
/// facilities and grids.
#[derive(Clone)]
pub struct CommunityUnit(pub unit::Model);

impl CommunityUnit {
    /// In-use floor area of the unit's facilities of `kind`, in 0.01 m²: None (unknown) when
    /// the unit has no such facility or one lacks its area, as `KNOWN_AREA` reads it in SQL.
    async fn known_area(&self, ctx: &Context<'_>, kind: Kind) -> Result<Option<i64>> {
        let areas: Vec<Option<i64>> = children::<facility::Model>(ctx, self.0.id)
            .await?
            .iter()
            .filter(|f| f.kind == kind && f.status == Status::InUse)
            .map(|f| f.floor_area_centi)
            .collect();
        if areas.is_empty() {
            return Ok(None);
        }
        Ok(areas.into_iter().sum())
    }

    /// The standard of `kind` in force this year that covers the unit's region (the most
    /// specific region's when several do); None when none does.
    async fn standard(&self, ctx: &Context<'_>, kind: StandardKind) -> Result<Option<standard_entity::Model>> {
        let in_force = standards_in_force(ctx, this_year()).await?;
        let regions = crate::region::loaders::regions(ctx).await?;
        Ok(standards::covering(&in_force, &regions, kind, &self.0.region_code).cloned())
    }

    /// Whether the unit meets the standard of `kind` that covers it: None when none covers
    /// it, or its base (households or residents) or area is unknown.
    async fn meets(&self, ctx: &Context<'_>, kind: StandardKind) -> Result<Option<bool>> {
        let Some(standard) = self.standard(ctx, kind).await? else {
            return Ok(None);
        };
        let (facilities, base) = match kind {
            StandardKind::Office => (Kind::Office, self.0.households),
            StandardKind::ElderlyCare => (Kind::ElderlyCare, self.0.resident_population),
        };
        let area = self.known_area(ctx, facilities).await?;
        Ok(area
            .zip(base)
            .map(|(area, base)| area >= i64::from(base) * standard.amount_centi))
    }

    /// The recorded in-use area of `kind` (0 when none is recorded), for the plain area fields.
    async fn area(&self, ctx: &Context<'_>, kind: Kind) -> Result<i64> {
        Ok(children::<facility::Model>(ctx, self.0.id)
            .await?
            .iter()
            .filter(|f| f.kind == kind && f.status == Status::InUse)
            .filter_map(|f| f.floor_area_centi)
            .sum())
    }
}

/// Community unit (社区居委会): an urban residents' committee with its population, staff,
/// facilities and grids.
#[Object]
impl CommunityUnit {
    /// Unit id.
    pub async fn id(&self) -> ID {
        crate::ids::global("CommunityUnit", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Name (社区名称).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Code of its region (区划代码): the town or street office (乡镇/街道) where known, else the
    /// county or district.
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// Its region (所属区划).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(crate::region::types::region(ctx, &self.0.region_code).await?)
    }
    /// Type (社区性质) as report 7 classes them.
    async fn unit_type(&self) -> CommunityUnitType {
        self.0.unit_type.into()
    }
    /// Status (状态).
    async fn status(&self) -> CommunityUnitStatus {
        self.0.status.into()
    }
    /// Year formed (成立年份).
    async fn formed_year(&self) -> Option<i32> {
        self.0.formed_year
    }
    /// Year converted from a village (村改居年份), for agriculture-linked units.
    async fn converted_year(&self) -> Option<i32> {
        self.0.converted_year
    }
    /// Registered population (户籍人口), persons; null when not known.
    async fn registered_population(&self) -> Option<i32> {
        self.0.registered_population
    }
    /// Resident population (常住人口), persons; null when not known.
    async fn resident_population(&self) -> Option<i32> {
        self.0.resident_population
    }
    /// Households (户数); null when not known.
    async fn households(&self) -> Option<i32> {
        self.0.households
    }
    /// Resident groups (居民小组).
    async fn resident_groups(&self) -> Option<i32> {
        self.0.resident_groups
    }
    /// Honours (荣誉称号).
    async fn honours(&self) -> Vec<String> {
        serde_json::from_value(self.0.honours.clone()).unwrap_or_default()
    }
    /// Version for optimistic concurrency: pass it as `expectedVersion` when changing the unit.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the unit was last changed (更新时间).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Staff (社区工作者), by id.
    async fn staff(&self, ctx: &Context<'_>) -> Result<Vec<CommunityStaff>> {
        Ok(children::<staff::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(CommunityStaff)
            .collect())
    }
    /// Facilities (服务设施), by id.
    async fn facilities(&self, ctx: &Context<'_>) -> Result<Vec<CommunityFacility>> {
        Ok(children::<facility::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(CommunityFacility)
            .collect())
    }
    /// Grids (网格), by id.
    async fn grids(&self, ctx: &Context<'_>) -> Result<Vec<CommunityGrid>> {
        Ok(children::<grid::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(CommunityGrid)
            .collect())
    }
    /// Office floor area in use (办公服务用房面积), m², as recorded: 0 when no office room
    /// with an area is recorded (see `officeAreaKnown`).
    async fn office_area_m2(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(Money(self.area(ctx, Kind::Office).await?))
    }
    /// Whether the office area is known (办公用房面积已知): at least one in-use office room is
    /// recorded and every one has its area. Without it the standard is not checked.
    async fn office_area_known(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.known_area(ctx, Kind::Office).await?.is_some())
    }
    /// Office floor area per 100 households (每百户办公用房面积), m²: officeAreaM2 / households × 100;
    /// null when households or the office area are unknown, or households are zero. Compare
    /// with `officeStandard`.
    async fn office_area_per_100_households(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        let area = self.known_area(ctx, Kind::Office).await?;
        Ok(area
            .zip(self.0.households.filter(|h| *h > 0))
            .map(|(area, h)| area as f64 / 100.0 / f64::from(h) * 100.0))
    }
    /// The office standard (办公用房标准) in force this year that covers the unit's region, such
    /// as report 7's 20 m² per 100 households in its city; null when none does.
    async fn office_standard(&self, ctx: &Context<'_>) -> Result<Option<CommunityAreaStandard>> {
        Ok(self.standard(ctx, StandardKind::Office).await?.map(CommunityAreaStandard))
    }
    /// Whether the office standard that covers the unit holds (办公用房达标): at least its area
    /// per 100 households (see `officeStandard`); null when no standard covers the unit
    /// (无适用标准), or households or the office area are unknown.
    async fn meets_office_standard(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        self.meets(ctx, StandardKind::Office).await
    }
    /// Elderly-care floor area in use (养老服务设施面积), m², as recorded: 0 when no facility
    /// with an area is recorded (see `elderlyCareAreaKnown`).
    async fn elderly_care_area_m2(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(Money(self.area(ctx, Kind::ElderlyCare).await?))
    }
    /// Whether the elderly-care area is known (养老设施面积已知): at least one in-use facility
    /// is recorded and every one has its area. Without it the standard is not checked.
    async fn elderly_care_area_known(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.known_area(ctx, Kind::ElderlyCare).await?.is_some())
    }
    /// Elderly-care floor area per resident (人均养老服务设施面积), m²: elderlyCareAreaM2 /
    /// residentPopulation; null when residents or the area are unknown, or residents are
    /// zero. Compare with `elderlyCareStandard`.
    async fn elderly_care_area_per_resident(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        let area = self.known_area(ctx, Kind::ElderlyCare).await?;
        Ok(area
            .zip(self.0.resident_population.filter(|r| *r > 0))
            .map(|(area, r)| area as f64 / 100.0 / f64::from(r)))
    }
    /// The elderly-care standard (养老设施标准) in force this year that covers the unit's
    /// region, such as report 7's 0.1 m² per resident in its city; null when none does.
    async fn elderly_care_standard(&self, ctx: &Context<'_>) -> Result<Option<CommunityAreaStandard>> {
        Ok(self
            .standard(ctx, StandardKind::ElderlyCare)
            .await?
            .map(CommunityAreaStandard))
    }
    /// Whether the elderly-care standard that covers the unit holds (养老设施达标): at least its
    /// area per resident (see `elderlyCareStandard`); null when no standard covers the unit
    /// (无适用标准), or residents or the area are unknown (no facility recorded is not 0 m²).
    async fn meets_elderly_care_standard(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        self.meets(ctx, StandardKind::ElderlyCare).await
    }
    /// Synthetic (合成数据): whether a seed generated this record around the reports' figures
    /// (true) or it was written through the API (false); administrators only, null for
    /// other callers.
    async fn synthetic(&self, ctx: &Context<'_>) -> Option<bool> {
        crate::synthetic::visible(ctx, self.0.synthetic)
    }
}

crate::connection!(
    CommunityUnitConnection,
    CommunityUnitEdge,
    CommunityUnit,
    "community units"
);

/// Filter of `communityUnits`; every given field narrows the result.
#[derive(InputObject, Default)]
pub struct CommunityUnitFilter {
    /// Units of this region or a region below it.
    pub region_code: Option<String>,
    /// Units of this type.
    pub unit_type: Option<CommunityUnitType>,
    /// Units in this status.
    pub status: Option<CommunityUnitStatus>,
    /// Active units whose facilities fall short of the standard of this kind in force this
    /// year that covers their region (未达标). Units no such standard covers are not measured
    /// and are left out, as are units whose households, residents or area are unknown.
    pub below_standard: Option<CommunityStandard>,
    /// Units whose name contains this text.
    pub name_contains: Option<String>,
}

impl CommunityUnitFilter {
    pub async fn into_service(self, ctx: &Context<'_>) -> Result<ServiceFilter, AppError> {
        Ok(ServiceFilter {
            region: crate::region::loaders::subtree(ctx, self.region_code.as_deref(), "regionCode").await?,
            unit_type: self.unit_type.map(Into::into),
            status: self.status.map(Into::into),
            below_standard: self.below_standard.map(|s| (s.into(), this_year())),
            name_contains: self.name_contains,
            scope: Default::default(),
        })
    }
}

/// Fields `communityUnits` orders by.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CommunityUnitOrderField {
    /// Name (名称).
    Name,
    /// Resident population; unknown populations first ascending.
    ResidentPopulation,
    /// Households; unknown households first ascending.
    Households,
}

/// Ordering of a unit list; ties are broken by id in the same direction.
#[derive(InputObject)]
pub struct CommunityUnitOrderBy {
    /// The field to order by.
    pub field: CommunityUnitOrderField,
    /// The direction, ascending by default.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl CommunityUnitOrderBy {
    pub fn into_service(order: Option<Self>) -> (UnitOrderField, sea_orm::Order) {
        let Some(o) = order else {
            return (UnitOrderField::Name, sea_orm::Order::Asc);
        };
        let field = match o.field {
            CommunityUnitOrderField::Name => UnitOrderField::Name,
            CommunityUnitOrderField::ResidentPopulation => UnitOrderField::ResidentPopulation,
            CommunityUnitOrderField::Households => UnitOrderField::Households,
        };
        (field, o.direction.order())
    }
}

/// Input of `createCommunityUnit` and `updateCommunityUnit`.
#[derive(InputObject)]
pub struct CommunityUnitInput {
    /// Name (社区名称), 2-64 characters.
    pub name: String,
    /// Region: a county or district, or a town or street office below one, in your reach.
    pub region_code: String,
    /// Type (社区性质).
    pub unit_type: CommunityUnitType,
    /// Status; ACTIVE by default.
    #[graphql(default_with = "CommunityUnitStatus::Active")]
    pub status: CommunityUnitStatus,
    /// Year formed, 1900 to this year.
    pub formed_year: Option<i32>,
    /// Year converted from a village (村改居), agriculture-linked units only, not before formedYear.
    pub converted_year: Option<i32>,
    /// Registered population (户籍人口), not negative.
    pub registered_population: Option<i32>,
    /// Resident population (常住人口), not negative.
    pub resident_population: Option<i32>,
    /// Households (户数), not negative.
    pub households: Option<i32>,
    /// Resident groups (居民小组), not negative.
    pub resident_groups: Option<i32>,
    /// Honours (荣誉称号), at most 20.
    #[graphql(default)]
    pub honours: Vec<String>,
}

impl From<CommunityUnitInput> for UnitFields {
    fn from(i: CommunityUnitInput) -> Self {
        UnitFields {
            name: i.name,
            region_code: i.region_code,
            unit_type: i.unit_type.into(),
            status: i.status.into(),
            formed_year: i.formed_year,
            converted_year: i.converted_year,
            registered_population: i.registered_population,
            resident_population: i.resident_population,
            households: i.households,
            resident_groups: i.resident_groups,
            honours: i.honours,
        }
    }
}

//! Funeral facilities (殡葬设施) as GraphQL objects, with filter, ordering and input.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::funeral::{facility, project};

use super::{ConstructionStage, FuneralFacilityKind, FuneralFacilityStatus, FuneralProject};
use crate::domains::funeral::loaders::Part;
use crate::domains::funeral::service::facilities::{FacilityFields, FacilityFilter as ServiceFilter};
use crate::error::AppError;
use crate::loaders::{by_id, children};
use crate::pagination::OrderDirection;
use crate::region::types::Region;

/// Funeral facility (殡葬设施): a service centre and its memorial halls and office building,
/// a public cemetery, a crematorium or an ash hall.
#[derive(Clone)]
pub struct FuneralFacility(pub facility::Model);

/// Funeral facility (殡葬设施): a service centre and its memorial halls and office building,
/// a public cemetery, a crematorium or an ash hall.
#[Object]
impl FuneralFacility {
    /// Facility id.
    pub async fn id(&self) -> ID {
        crate::ids::global("FuneralFacility", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Name (名称).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind (类型).
    async fn kind(&self) -> FuneralFacilityKind {
        self.0.kind.into()
    }
    /// Construction stage (建设阶段).
    async fn stage(&self) -> ConstructionStage {
        self.0.stage.into()
    }
    /// Status (状态), from the stage: planned, under construction or in service.
    async fn status(&self) -> FuneralFacilityStatus {
        self.0.stage.into()
    }
    /// Capacity (容量): plots of a cemetery, niches of an ash hall, seats of a hall; null when not known.
    async fn capacity(&self) -> Option<i32> {
        self.0.capacity
    }
    /// Code of its region (区划代码).
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// Its region (所属区划).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(crate::region::types::region(ctx, &self.0.region_code).await?)
    }
    /// The service centre a hall or office building belongs to.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<FuneralFacility>> {
        let Some(p) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(by_id::<facility::Model>(ctx, p).await?.map(FuneralFacility))
    }
    /// A centre's memorial halls and office buildings, by id.
    async fn parts(&self, ctx: &Context<'_>) -> Result<Vec<FuneralFacility>> {
        Ok(children::<Part>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(|p| FuneralFacility(p.0))
            .collect())
    }
    /// Construction projects of the facility (建设项目), by id.
    async fn projects(&self, ctx: &Context<'_>) -> Result<Vec<FuneralProject>> {
        Ok(children::<project::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(FuneralProject)
            .collect())
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the facility was last changed (更新时间).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

crate::connection!(
    FuneralFacilityConnection,
    FuneralFacilityEdge,
    FuneralFacility,
    "funeral facilities"
);

/// Filter of `funeralFacilities`.
#[derive(InputObject, Default)]
pub struct FuneralFacilityFilter {
    /// Facilities of this region or below.
    pub region_code: Option<String>,
    /// Facilities of this kind.
    pub kind: Option<FuneralFacilityKind>,
    /// Facilities at this stage.
    pub stage: Option<ConstructionStage>,
}

impl FuneralFacilityFilter {
    pub async fn into_service(self, ctx: &Context<'_>) -> Result<ServiceFilter, AppError> {
        Ok(ServiceFilter {
            region: crate::region::loaders::subtree(ctx, self.region_code.as_deref(), "regionCode").await?,
            kind: self.kind.map(Into::into),
            stage: self.stage.map(Into::into),
            scope: Default::default(),
        })
    }
}

/// Fields `funeralFacilities` orders by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum FuneralFacilityOrderField {
    /// Creation order (id).
    Id,
    /// Name (名称).
    Name,
}

/// Ordering of a facility list; ties broken by id.
#[derive(InputObject)]
pub struct FuneralFacilityOrderBy {
    /// The field to order by.
    pub field: FuneralFacilityOrderField,
    /// The direction, ascending by default.
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Input of `createFuneralFacility` and `updateFuneralFacility`.
#[derive(InputObject)]
pub struct FuneralFacilityInput {
    /// Region, in your reach.
    pub region_code: String,
    /// The service centre a memorial hall or office building belongs to (same region).
    pub parent_id: Option<ID>,
    /// Kind; it does not change once created.
    pub kind: FuneralFacilityKind,
    /// Name, 2-64 characters.
    pub name: String,
    /// Construction stage; PLANNED by default.
    #[graphql(default_with = "ConstructionStage::Planned")]
    pub stage: ConstructionStage,
    /// Capacity, not negative.
    pub capacity: Option<i32>,
}

impl FuneralFacilityInput {
    pub fn into_service(self) -> Result<FacilityFields, AppError> {
        Ok(FacilityFields {
            region_code: self.region_code,
            parent_id: self
                .parent_id
                .as_ref()
                .map(|p| crate::ids::parse("parentId", "FuneralFacility", p))
                .transpose()?,
            kind: self.kind.into(),
            name: self.name,
            stage: self.stage.into(),
            capacity: self.capacity,
        })
    }
}

//! Facilities (社区服务设施) as GraphQL objects, with their input.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::community::facility;

use super::{CommunityUnit, FacilityKind, FacilityStatus, Tenure};
use crate::domains::community::service::facilities::FacilityFields;
use crate::error::AppError;
use crate::scalars::Money;

/// The unit a record belongs to, through the unit loader.
pub(crate) async fn unit_of(ctx: &Context<'_>, unit_id: i64) -> Result<Option<CommunityUnit>> {
    Ok(
        crate::loaders::by_id::<entity::community::unit::Model>(ctx, unit_id)
            .await?
            .map(CommunityUnit),
    )
}

/// Facility of a community unit (社区服务设施).
#[derive(Clone)]
pub struct CommunityFacility(pub facility::Model);

/// Facility of a community unit (社区服务设施).
#[Object]
impl CommunityFacility {
    /// Facility id.
    pub async fn id(&self) -> ID {
        crate::ids::global("CommunityFacility", self.0.id)
    }
    /// UUID (通用唯一标识), client-generated or assigned on creation.
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// The unit (所属社区).
    async fn unit(&self, ctx: &Context<'_>) -> Result<Option<CommunityUnit>> {
        unit_of(ctx, self.0.unit_id).await
    }
    /// Kind (设施类型).
    async fn kind(&self) -> FacilityKind {
        self.0.kind.into()
    }
    /// Name (名称).
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Floor area (建筑面积), m²; null when not known.
    async fn floor_area_m2(&self) -> Option<Money> {
        self.0.floor_area_centi.map(Money)
    }
    /// Tenure (产权): owned, rented or borrowed.
    async fn tenure(&self) -> Tenure {
        self.0.tenure.into()
    }
    /// Status (建设状态).
    async fn status(&self) -> FacilityStatus {
        self.0.status.into()
    }
    /// Investment (投资额), yuan; null when not known.
    async fn investment(&self) -> Option<Money> {
        self.0.investment_fen.map(Money)
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the facility was last changed (更新时间).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Synthetic (合成数据): whether a seed generated this record around the reports' figures
    /// (true) or it was written through the API (false); administrators only, null for
    /// other callers.
    async fn synthetic(&self, ctx: &Context<'_>) -> Option<bool> {
        crate::synthetic::visible(ctx, self.0.synthetic)
    }
}

/// Input of `addCommunityFacility` and `updateCommunityFacility`.
#[derive(InputObject)]
pub struct CommunityFacilityInput {
    /// The unit, in your reach.
    pub unit_id: ID,
    /// Kind (设施类型).
    pub kind: FacilityKind,
    /// Name, at most 64 characters.
    pub name: Option<String>,
    /// Floor area, m², 0 to 100000.00.
    pub floor_area_m2: Option<Money>,
    /// Tenure; UNKNOWN by default.
    #[graphql(default_with = "Tenure::Unknown")]
    pub tenure: Tenure,
    /// Status; IN_USE by default.
    #[graphql(default_with = "FacilityStatus::InUse")]
    pub status: FacilityStatus,
    /// Investment, yuan, not negative.
    pub investment: Option<Money>,
}

impl CommunityFacilityInput {
    pub fn into_service(self) -> Result<FacilityFields, AppError> {
        Ok(FacilityFields {
            unit_id: crate::ids::parse("unitId", "CommunityUnit", &self.unit_id)?,
            kind: self.kind.into(),
            name: self.name,
            floor_area_centi: self.floor_area_m2.map(Money::fen),
            tenure: self.tenure.into(),
            status: self.status.into(),
            investment_fen: self.investment.map(Money::fen),
        })
    }
}

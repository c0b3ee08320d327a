//! GraphQL types of the region domain.

use async_graphql::{ComplexObject, Context, Enum, InputObject, Result, SimpleObject};
use entity::region;

use super::loaders::regions;
use super::service;
use crate::error::AppResult;

/// Level of an administrative region (行政区划级别).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "region::RegionLevel")]
pub enum RegionLevel {
    /// Province (省).
    Province,
    /// Prefecture-level city (地级市).
    City,
    /// County, district or county-level city (县/区/县级市).
    County,
    /// Town or street (乡镇/街道).
    Town,
    /// Village or community (村/社区).
    Village,
}

/// Administrative region (行政区划): province > city > county > town > village.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Region {
    /// Region code (行政区划代码): GB/T 2260 where official, else a local code starting with `L`.
    pub code: String,
    /// Name (名称).
    pub name: String,
    /// Level (级别).
    pub level: RegionLevel,
    /// Whether `code` is an official GB/T 2260 code (是否国标代码; false for clearly marked local
    /// codes).
    pub official: bool,
    #[graphql(skip)]
    pub parent_code: Option<String>,
    #[graphql(skip)]
    pub model: region::Model,
}

impl From<region::Model> for Region {
    fn from(m: region::Model) -> Self {
        Region {
            code: m.code.clone(),
            name: m.name.clone(),
            level: m.level.into(),
            official: m.official,
            parent_code: m.parent_code.clone(),
            model: m,
        }
    }
}

#[ComplexObject]
impl Region {
    /// The region's dashboard across every domain (区域总览): enforcement, community, funeral
    /// and rural figures and the reports' figures for the region and below, each under the
    /// caller's scope and its domain's policy (`hub.rs`).
    async fn dashboard(&self) -> RegionDashboard {
        RegionDashboard {
            code: self.code.clone(),
        }
    }
    /// Global id of the region.
    pub async fn id(&self) -> async_graphql::ID {
        crate::ids::global("Region", &self.code)
    }

    /// Parent region (上级行政区划), null for a top-level region.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        let Some(code) = &self.parent_code else {
            return Ok(None);
        };
        Ok(regions(ctx).await?.get(code).cloned().map(Region::from))
    }

    /// Direct children (下级行政区划), ordered by code.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Region>> {
        Ok(regions(ctx)
            .await?
            .children(&self.code)
            .iter()
            .cloned()
            .map(Region::from)
            .collect())
    }

    /// Ancestors from the top-level region down to the parent (root first).
    async fn ancestors(&self, ctx: &Context<'_>) -> Result<Vec<Region>> {
        let dir = regions(ctx).await?;
        Ok(service::ancestor_codes(&self.model)
            .iter()
            .filter_map(|c| dir.get(c).cloned())
            .map(Region::from)
            .collect())
    }
}

/// Filter of `regions`.
#[derive(InputObject, Default)]
pub struct RegionFilter {
    /// Only direct children of this region code.
    pub parent_code: Option<String>,
    /// Only regions of this level.
    pub level: Option<RegionLevel>,
    /// Only regions whose name contains this text.
    pub name_contains: Option<String>,
}

impl From<RegionFilter> for service::RegionFilter {
    fn from(f: RegionFilter) -> Self {
        service::RegionFilter {
            parent_code: f.parent_code,
            level: f.level.map(Into::into),
            name_contains: f.name_contains,
        }
    }
}

crate::connection!(RegionConnection, RegionEdge, Region, "regions (行政区划)");

/// One region by code, from memory (no statement), as its GraphQL type.
pub async fn region(ctx: &Context<'_>, code: &str) -> AppResult<Option<Region>> {
    Ok(regions(ctx).await?.get(code).cloned().map(Region::from))
}

/// A region's dashboard (区域总览), named by its region's code. Its fields, every domain's
/// figures for the region and its subtree, are the domains' sections, which `hub.rs` merges
/// in (its `#[Object]` impl), so that the region, core, names no domain.
pub struct RegionDashboard {
    pub code: String,
}

//! Administrative region (行政区划), shared by every domain.

use sea_orm::entity::prelude::*;

/// Level of an administrative region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RegionLevel {
    #[sea_orm(string_value = "province")]
    Province,
    #[sea_orm(string_value = "city")]
    City,
    #[sea_orm(string_value = "county")]
    County,
    #[sea_orm(string_value = "town")]
    Town,
    #[sea_orm(string_value = "village")]
    Village,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regions")]
pub struct Model {
    /// GB/T 2260 code, or a local code starting with `L` where no official code applies.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    pub parent_code: Option<String>,
    /// Materialised path of codes from the root, `/360000/361100/`, for subtree queries.
    pub path: String,
    /// Whether `code` is an official GB/T 2260 code.
    pub official: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

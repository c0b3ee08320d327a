//! Construction project (建设项目) with its funding.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "funeral_projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub uuid: String,
    pub region_code: String,
    pub facility_id: Option<i64>,
    pub name: String,
    /// Tendered cost (招投标造价), fen.
    pub tendered_cost_fen: Option<i64>,
    /// Planned total investment (计划总投资), fen.
    pub planned_investment_fen: Option<i64>,
    /// Fiscal allocation (财政拨款), fen.
    pub allocated_fen: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

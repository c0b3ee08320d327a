//! A built-in user account.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub display_name: String,
    /// Allowed roles, comma-separated snake_case names.
    pub roles: String,
    pub default_role: String,
    /// Root of the user's region scope; none means every region.
    pub region_code: Option<String>,
    pub disabled: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

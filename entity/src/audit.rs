//! Audit log (审计日志): every mutation, every read of unmasked personal data and every
//! dishonest-debtor check.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// Subject of the caller's token, or `anonymous`.
    pub actor: String,
    pub role: String,
    pub operation: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// Region of the record, for scoping the log to a supervisor's subtree.
    pub region_code: Option<String>,
    /// JSON snapshot before the change (personal data masked).
    pub before: Option<String>,
    /// JSON snapshot after the change (personal data masked).
    pub after: Option<String>,
    pub request_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! Facilities of community units (社区服务设施).

use entity::community::facility::{self, FacilityKind, FacilityStatus, Tenure};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use super::unit_in_scope;
use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::validate;
use crate::write::{Who, check_version, record_uuid, uuid_free};

/// Largest floor area accepted, in 0.01 m² (100,000 m²).
pub const MAX_AREA_CENTI: i64 = 10_000_000;

/// The facilities of these units, by unit and id.
pub async fn facilities_of(db: &DatabaseConnection, unit_ids: &[i64]) -> AppResult<Vec<facility::Model>> {
    Ok(facility::Entity::find()
        .filter(facility::Column::UnitId.is_in(unit_ids.iter().copied()))
        .order_by_asc(facility::Column::UnitId)
        .order_by_asc(facility::Column::Id)
        .all(db)
        .await?)
}

pub async fn count_of(db: &impl ConnectionTrait, unit_id: i64) -> AppResult<u64> {
    Ok(facility::Entity::find()
        .filter(facility::Column::UnitId.eq(unit_id))
        .count(db)
        .await?)
}

pub async fn find_facility(
    db: &impl ConnectionTrait,
    id: i64,
    scope: &Scope,
) -> AppResult<Option<facility::Model>> {
    Ok(facility::Entity::find_by_id(id)
        .filter(super::scoped(facility::Entity, scope))
        .one(db)
        .await?)
}

pub(crate) async fn move_region(db: &impl ConnectionTrait, unit_id: i64, region_code: &str) -> AppResult<()> {
    facility::Entity::update_many()
        .col_expr(facility::Column::RegionCode, Expr::val(region_code))
        .filter(facility::Column::UnitId.eq(unit_id))
        .exec(db)
        .await?;
    Ok(())
}

/// What a facility's create or update sets.
#[derive(Debug, Clone)]
pub struct FacilityFields {
    pub unit_id: i64,
    pub kind: FacilityKind,
    pub name: Option<String>,
    pub floor_area_centi: Option<i64>,
    pub tenure: Tenure,
    pub status: FacilityStatus,
    pub investment_fen: Option<i64>,
}

async fn checked(
    db: &impl ConnectionTrait,
    who: &Who<'_>,
    f: FacilityFields,
) -> AppResult<(FacilityFields, String)> {
    let name = validate::opt_text("name", f.name.as_deref(), 64)?;
    if let Some(a) = f.floor_area_centi
        && !(0..=MAX_AREA_CENTI).contains(&a)
    {
        return Err(AppError::bad_input(
            "floorArea",
            "floorArea must be between 0 and 100000.00 m²",
        ));
    }
    if let Some(i) = f.investment_fen {
        validate::money_range("investment", i)?;
    }
    let unit = unit_in_scope(db, f.unit_id, who.scope, "unitId").await?;
    Ok((FacilityFields { name, ..f }, unit.region_code))
}

pub async fn create_facility(
    db: &DatabaseConnection,
    who: &Who<'_>,
    fields: FacilityFields,
    uuid: Option<String>,
) -> AppResult<facility::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let fingerprint = format!("{fields:?}|{uuid}");
    who.create::<facility::Entity>(db, "addCommunityFacility", &fingerprint, async |txn| {
        let (f, region_code) = checked(txn, who, fields).await?;
        uuid_free::<facility::Entity>(txn, facility::Column::Uuid, &uuid).await?;
        let model = facility::ActiveModel {
            uuid: Set(uuid),
            unit_id: Set(f.unit_id),
            region_code: Set(region_code.clone()),
            kind: Set(f.kind),
            name: Set(f.name),
            floor_area_centi: Set(f.floor_area_centi),
            tenure: Set(f.tenure),
            status: Set(f.status),
            investment_fen: Set(f.investment_fen),
            version: Set(1),
            created_at: Set(who.at),
            updated_at: Set(who.at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        Ok((model, region_code))
    })
    .await
}

pub async fn update_facility(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    fields: FacilityFields,
    expected_version: i32,
) -> AppResult<facility::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = find_facility(&txn, id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("community facility", id))?;
    check_version("the facility", &current, expected_version)?;
    let (f, region_code) = checked(&txn, who, fields).await?;
    let mut active: facility::ActiveModel = current.clone().into();
    active.unit_id = Set(f.unit_id);
    active.region_code = Set(region_code.clone());
    active.kind = Set(f.kind);
    active.name = Set(f.name);
    active.floor_area_centi = Set(f.floor_area_centi);
    active.tenure = Set(f.tenure);
    active.status = Set(f.status);
    active.investment_fen = Set(f.investment_fen);
    let updated = who
        .update::<facility::Entity>(&txn, active, &current, "the facility")
        .await?;
    who.updated(&txn, "updateCommunityFacility", &current, &updated, &region_code)
        .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn delete_facility(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    expected_version: i32,
) -> AppResult<facility::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = find_facility(&txn, id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("community facility", id))?;
    who.delete::<facility::Entity>(
        &txn,
        "removeCommunityFacility",
        "the facility",
        &current,
        &current.region_code,
        expected_version,
    )
    .await?;
    txn.commit().await?;
    Ok(current)
}

//! Staff of community units (社区工作者, 居委会成员).

use chrono::Datelike;
use entity::community::staff::{self, Education, Gender, Hiring, StaffRole};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use super::unit_in_scope;
use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::validate;
use crate::write::{Who, check_version, record_uuid, stale, unique_to_conflict, uuid_free};

/// Youngest and oldest age a staff member can have.
pub const AGE_RANGE: (i32, i32) = (16, 100);
/// Largest monthly pay accepted, in fen (100,000 yuan).
pub const MAX_MONTHLY_PAY_FEN: i64 = 10_000_000;

/// The staff of these units, by unit and id.
pub async fn staff_of(db: &DatabaseConnection, unit_ids: &[i64]) -> AppResult<Vec<staff::Model>> {
    Ok(staff::Entity::find()
        .filter(staff::Column::UnitId.is_in(unit_ids.iter().copied()))
        .order_by_asc(staff::Column::UnitId)
        .order_by_asc(staff::Column::Id)
        .all(db)
        .await?)
}

/// The workers of these grids, by grid and id.
pub async fn workers_of(db: &DatabaseConnection, grid_ids: &[i64]) -> AppResult<Vec<staff::Model>> {
    Ok(staff::Entity::find()
        .filter(staff::Column::GridId.is_in(grid_ids.iter().copied()))
        .order_by_asc(staff::Column::GridId)
        .order_by_asc(staff::Column::Id)
        .all(db)
        .await?)
}

pub async fn count_of(db: &impl ConnectionTrait, unit_id: i64) -> AppResult<u64> {
    Ok(staff::Entity::find()
        .filter(staff::Column::UnitId.eq(unit_id))
        .count(db)
        .await?)
}

/// The staff member with `id` if in the scope.
pub async fn find_staff(
    db: &impl ConnectionTrait,
    id: i64,
    scope: &Scope,
) -> AppResult<Option<staff::Model>> {
    Ok(staff::Entity::find_by_id(id)
        .filter(super::scoped(staff::Entity, scope))
        .one(db)
        .await?)
}

/// Follows the unit to a new region.
pub(crate) async fn move_region(db: &impl ConnectionTrait, unit_id: i64, region_code: &str) -> AppResult<()> {
    staff::Entity::update_many()
        .col_expr(staff::Column::RegionCode, Expr::val(region_code))
        .filter(staff::Column::UnitId.eq(unit_id))
        .exec(db)
        .await?;
    Ok(())
}

/// What a staff member's create or update sets.
#[derive(Debug, Clone)]
pub struct StaffFields {
    pub unit_id: i64,
    pub grid_id: Option<i64>,
    pub name: String,
    pub role: StaffRole,
    pub also_director: bool,
    pub gender: Gender,
    pub birth_year: Option<i32>,
    pub education: Education,
    pub party_member: Option<bool>,
    pub certified_social_worker: Option<bool>,
    pub hiring: Hiring,
    pub monthly_pay_fen: Option<i64>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

/// The fields checked; the unit (and the grid, if any) in the caller's reach. Returns the
/// fields and the unit's region.
async fn checked(
    db: &impl ConnectionTrait,
    who: &Who<'_>,
    f: StaffFields,
) -> AppResult<(StaffFields, String)> {
    let name = validate::text("name", &f.name, 1, 64)?;
    if let Some(y) = f.birth_year {
        let this_year = validate::today().year();
        let (young, old) = AGE_RANGE;
        if y > this_year - young || y < this_year - old {
            return Err(AppError::bad_input(
                "birthYear",
                format!(
                    "birthYear must be between {} and {}",
                    this_year - old,
                    this_year - young
                ),
            ));
        }
    }
    if f.also_director && f.role != StaffRole::PartySecretary {
        return Err(AppError::bad_input(
            "alsoDirector",
            "only a party secretary can also be the director (一肩挑)",
        ));
    }
    if let Some(p) = f.monthly_pay_fen
        && !(0..=MAX_MONTHLY_PAY_FEN).contains(&p)
    {
        return Err(AppError::bad_input(
            "monthlyPay",
            "monthlyPay must be between 0 and 100000.00",
        ));
    }
    let phone = f
        .phone
        .as_deref()
        .map(|p| validate::phone("phone", p))
        .transpose()?;
    let id_number = f
        .id_number
        .as_deref()
        .map(|n| validate::id_number("idNumber", n, true))
        .transpose()?;
    let unit = unit_in_scope(db, f.unit_id, who.scope, "unitId").await?;
    if let Some(grid_id) = f.grid_id {
        let grid = super::grids::find_grid(db, grid_id, who.scope).await?;
        if grid.is_none_or(|g| g.unit_id != unit.id) {
            return Err(AppError::bad_input("gridId", "the grid is not one of the unit's"));
        }
    }
    Ok((
        StaffFields {
            name,
            phone,
            id_number,
            ..f
        },
        unit.region_code,
    ))
}

/// Another party secretary of the unit than `except`.
async fn secretary_taken(db: &impl ConnectionTrait, unit_id: i64, except: Option<i64>) -> AppResult<bool> {
    let mut q = staff::Entity::find()
        .filter(staff::Column::UnitId.eq(unit_id))
        .filter(staff::Column::Role.eq(StaffRole::PartySecretary));
    if let Some(id) = except {
        q = q.filter(staff::Column::Id.ne(id));
    }
    Ok(q.count(db).await? > 0)
}

const ONE_SECRETARY: &str = "the unit has a party secretary already; one per unit";

pub async fn create_staff(
    db: &DatabaseConnection,
    who: &Who<'_>,
    fields: StaffFields,
    uuid: Option<String>,
) -> AppResult<staff::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let fingerprint = format!("{fields:?}|{uuid}");
    who.create::<staff::Entity>(db, "addCommunityStaff", &fingerprint, async |txn| {
        let (f, region_code) = checked(txn, who, fields).await?;
        if f.role == StaffRole::PartySecretary && secretary_taken(txn, f.unit_id, None).await? {
            return Err(AppError::Conflict(ONE_SECRETARY.into()));
        }
        uuid_free::<staff::Entity>(txn, staff::Column::Uuid, &uuid).await?;
        let model = staff::ActiveModel {
            uuid: Set(uuid),
            unit_id: Set(f.unit_id),
            region_code: Set(region_code.clone()),
            grid_id: Set(f.grid_id),
            name: Set(f.name),
            role: Set(f.role),
            also_director: Set(f.also_director),
            gender: Set(f.gender),
            birth_year: Set(f.birth_year),
            education: Set(f.education),
            party_member: Set(f.party_member),
            certified_social_worker: Set(f.certified_social_worker),
            hiring: Set(f.hiring),
            monthly_pay_fen: Set(f.monthly_pay_fen),
            phone: Set(f.phone),
            id_number: Set(f.id_number),
            version: Set(1),
            created_at: Set(who.at),
            updated_at: Set(who.at),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(unique_to_conflict(ONE_SECRETARY))?;
        Ok((model, region_code))
    })
    .await
}

pub async fn update_staff(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    fields: StaffFields,
    expected_version: i32,
) -> AppResult<staff::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = find_staff(&txn, id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("community staff member", id))?;
    check_version("the staff member", &current, expected_version)?;
    let (f, region_code) = checked(&txn, who, fields).await?;
    if f.role == StaffRole::PartySecretary && secretary_taken(&txn, f.unit_id, Some(id)).await? {
        return Err(AppError::Conflict(ONE_SECRETARY.into()));
    }
    let mut active: staff::ActiveModel = current.clone().into();
    active.unit_id = Set(f.unit_id);
    active.region_code = Set(region_code.clone());
    active.grid_id = Set(f.grid_id);
    active.name = Set(f.name);
    active.role = Set(f.role);
    active.also_director = Set(f.also_director);
    active.gender = Set(f.gender);
    active.birth_year = Set(f.birth_year);
    active.education = Set(f.education);
    active.party_member = Set(f.party_member);
    active.certified_social_worker = Set(f.certified_social_worker);
    active.hiring = Set(f.hiring);
    active.monthly_pay_fen = Set(f.monthly_pay_fen);
    active.phone = Set(f.phone);
    active.id_number = Set(f.id_number);
    active.version = Set(current.version + 1);
    active.updated_at = Set(who.at);
    let updated = staff::Entity::update(active)
        .validate()?
        .filter(staff::Column::Version.eq(expected_version))
        .exec(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(ONE_SECRETARY.into()),
            _ => stale("the staff member")(e),
        })?;
    who.updated(&txn, "updateCommunityStaff", &current, &updated, &region_code)
        .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn delete_staff(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    expected_version: i32,
) -> AppResult<staff::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = find_staff(&txn, id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("community staff member", id))?;
    who.delete::<staff::Entity>(
        &txn,
        "removeCommunityStaff",
        "the staff member",
        &current,
        &current.region_code,
        expected_version,
    )
    .await?;
    txn.commit().await?;
    Ok(current)
}

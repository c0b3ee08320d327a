//! Grids (网格) of community units and the households they cover.

use entity::community::grid;
use entity::community::staff;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::unit_in_scope;
use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::validate;
use crate::write::{Who, check_version, record_uuid, uuid_free};

/// The grids of these units, by unit and id.
pub async fn grids_of(db: &DatabaseConnection, unit_ids: &[i64]) -> AppResult<Vec<grid::Model>> {
    Ok(grid::Entity::find()
        .filter(grid::Column::UnitId.is_in(unit_ids.iter().copied()))
        .order_by_asc(grid::Column::UnitId)
        .order_by_asc(grid::Column::Id)
        .all(db)
        .await?)
}

pub async fn count_of(db: &impl ConnectionTrait, unit_id: i64) -> AppResult<u64> {
    Ok(grid::Entity::find()
        .filter(grid::Column::UnitId.eq(unit_id))
        .count(db)
        .await?)
}

pub async fn find_grid(db: &impl ConnectionTrait, id: i64, scope: &Scope) -> AppResult<Option<grid::Model>> {
    Ok(grid::Entity::find_by_id(id)
        .filter(super::scoped(grid::Entity, scope))
        .one(db)
        .await?)
}

pub(crate) async fn move_region(db: &impl ConnectionTrait, unit_id: i64, region_code: &str) -> AppResult<()> {
    grid::Entity::update_many()
        .col_expr(grid::Column::RegionCode, Expr::val(region_code))
        .filter(grid::Column::UnitId.eq(unit_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The households the unit's other grids cover.
async fn households_elsewhere(
    db: &impl ConnectionTrait,
    unit_id: i64,
    except: Option<i64>,
) -> AppResult<i64> {
    let mut q = grid::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COALESCE(SUM(households), 0) AS BIGINT)"), "n")
        .filter(grid::Column::UnitId.eq(unit_id));
    if let Some(id) = except {
        q = q.filter(grid::Column::Id.ne(id));
    }
    Ok(q.into_tuple::<i64>().one(db).await?.unwrap_or(0))
}

/// The grid's fields checked: a name, households not negative and, with the unit's other
/// grids, not more than the unit's households when those are known.
async fn checked(
    db: &impl ConnectionTrait,
    who: &Who<'_>,
    unit_id: i64,
    name: &str,
    households: i32,
    except: Option<i64>,
) -> AppResult<(String, String)> {
    let name = validate::text("name", name, 1, 64)?;
    if households < 0 {
        return Err(AppError::bad_input(
            "households",
            "households must not be negative",
        ));
    }
    let unit = unit_in_scope(db, unit_id, who.scope, "unitId").await?;
    if let Some(total) = unit.households {
        let covered = households_elsewhere(db, unit_id, except).await? + i64::from(households);
        if covered > i64::from(total) {
            return Err(AppError::bad_input(
                "households",
                format!("the unit's grids would cover {covered} households; the unit has {total}"),
            ));
        }
    }
    Ok((name, unit.region_code))
}

pub async fn create_grid(
    db: &DatabaseConnection,
    who: &Who<'_>,
    unit_id: i64,
    name: String,
    households: i32,
    uuid: Option<String>,
) -> AppResult<grid::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let fingerprint = format!("{unit_id}|{name}|{households}|{uuid}");
    who.create::<grid::Entity>(db, "addCommunityGrid", &fingerprint, async |txn| {
        let (name, region_code) = checked(txn, who, unit_id, &name, households, None).await?;
        uuid_free::<grid::Entity>(txn, grid::Column::Uuid, &uuid).await?;
        let model = grid::ActiveModel {
            uuid: Set(uuid),
            unit_id: Set(unit_id),
            region_code: Set(region_code.clone()),
            name: Set(name),
            households: Set(households),
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

pub async fn update_grid(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    name: String,
    households: i32,
    expected_version: i32,
) -> AppResult<grid::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = find_grid(&txn, id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("community grid", id))?;
    check_version("the grid", &current, expected_version)?;
    let (name, region_code) = checked(&txn, who, current.unit_id, &name, households, Some(id)).await?;
    let mut active: grid::ActiveModel = current.clone().into();
    active.name = Set(name);
    active.households = Set(households);
    let updated = who
        .update::<grid::Entity>(&txn, active, &current, "the grid")
        .await?;
    who.updated(&txn, "updateCommunityGrid", &current, &updated, &region_code)
        .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a grid; its workers stay with the unit, on no grid.
pub async fn delete_grid(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    expected_version: i32,
) -> AppResult<grid::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = find_grid(&txn, id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("community grid", id))?;
    check_version("the grid", &current, expected_version)?;
    let workers = staff::Entity::find()
        .filter(staff::Column::GridId.eq(id))
        .all(&txn)
        .await?;
    for w in workers {
        let mut active: staff::ActiveModel = w.clone().into();
        active.grid_id = Set(None);
        active.version = Set(w.version + 1);
        active.updated_at = Set(who.at);
        let after = active.update(&txn).await?;
        who.updated(&txn, "removeCommunityGrid", &w, &after, &w.region_code)
            .await?;
    }
    who.delete::<grid::Entity>(
        &txn,
        "removeCommunityGrid",
        "the grid",
        &current,
        &current.region_code,
        expected_version,
    )
    .await?;
    txn.commit().await?;
    Ok(current)
}

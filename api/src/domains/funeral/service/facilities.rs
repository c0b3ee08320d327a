//! Funeral facilities (殡葬设施): lists, look-ups and writes.

use entity::funeral::facility::{self, FacilityKind, Stage};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use super::{find_in_scope, in_region};
use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::pagination::{KeyKind, Ordering, Page, PageArgs, keyset};
use crate::region::service::{self as regions, Subtree};
use crate::validate;
use crate::write::{Who, check_version, record_uuid, uuid_free};

/// Filter of facility lists.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct FacilityFilter {
    pub region: Option<Subtree>,
    pub kind: Option<FacilityKind>,
    pub stage: Option<Stage>,
    pub scope: Scope,
}

fn condition(f: &FacilityFilter) -> sea_orm::Condition {
    let mut cond = in_region(facility::Entity, &f.scope, f.region.as_ref());
    if let Some(k) = f.kind {
        cond = cond.add(facility::Column::Kind.eq(k));
    }
    if let Some(s) = f.stage {
        cond = cond.add(facility::Column::Stage.eq(s));
    }
    cond
}

/// Facilities by name (`by_name`) or id.
pub async fn list_facilities(
    db: &DatabaseConnection,
    f: &FacilityFilter,
    by_name: bool,
    ascending: bool,
    args: &PageArgs,
) -> AppResult<Page<facility::Model>> {
    let id = Expr::col((facility::Entity, facility::Column::Id));
    let order = if by_name {
        Ordering {
            name: "name",
            key: Expr::col((facility::Entity, facility::Column::Name)),
            kind: KeyKind::Text,
            text: |m: &facility::Model| m.name.clone(),
            ascending,
        }
    } else {
        Ordering {
            name: "id",
            key: id.clone(),
            kind: KeyKind::Int,
            text: |m: &facility::Model| m.id.to_string(),
            ascending,
        }
    };
    keyset(
        db,
        facility::Entity::find().filter(condition(f)),
        id,
        |m| m.id,
        order,
        args,
    )
    .await
}

pub async fn count_facilities(db: &DatabaseConnection, f: &FacilityFilter) -> AppResult<u64> {
    Ok(facility::Entity::find().filter(condition(f)).count(db).await?)
}

pub async fn find_facility(
    db: &impl ConnectionTrait,
    id: i64,
    scope: &Scope,
) -> AppResult<Option<facility::Model>> {
    find_in_scope::<facility::Entity>(db, id, scope).await
}

/// Facilities by id (for the loaders).
pub async fn facilities_by_ids(db: &DatabaseConnection, ids: &[i64]) -> AppResult<Vec<facility::Model>> {
    Ok(facility::Entity::find()
        .filter(facility::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// The parts of these centres (halls, office buildings), by centre and id.
pub async fn parts_of(db: &DatabaseConnection, centres: &[i64]) -> AppResult<Vec<facility::Model>> {
    Ok(facility::Entity::find()
        .filter(facility::Column::ParentId.is_in(centres.iter().copied()))
        .order_by_asc(facility::Column::ParentId)
        .order_by_asc(facility::Column::Id)
        .all(db)
        .await?)
}

async fn parts_of_one(db: &impl ConnectionTrait, centre: i64) -> AppResult<Vec<facility::Model>> {
    Ok(facility::Entity::find()
        .filter(facility::Column::ParentId.eq(centre))
        .all(db)
        .await?)
}

/// What a facility's create or update sets.
#[derive(Debug, Clone)]
pub struct FacilityFields {
    pub region_code: String,
    pub parent_id: Option<i64>,
    pub kind: FacilityKind,
    pub name: String,
    pub stage: Stage,
    pub capacity: Option<i32>,
}

/// Halls and office buildings belong to a service centre in the same region; nothing else
/// has a parent.
async fn checked(db: &impl ConnectionTrait, who: &Who<'_>, f: FacilityFields) -> AppResult<FacilityFields> {
    let name = validate::text("name", &f.name, 2, 64)?;
    if f.capacity.is_some_and(|c| c < 0) {
        return Err(AppError::bad_input("capacity", "capacity must not be negative"));
    }
    let region = regions::require_in_reach(db, &f.region_code, who.scope, "regionCode").await?;
    let part = matches!(f.kind, FacilityKind::MemorialHall | FacilityKind::OfficeBuilding);
    match (part, f.parent_id) {
        (true, None) => {
            return Err(AppError::bad_input(
                "parentId",
                "a memorial hall or office building belongs to a service centre",
            ));
        }
        (false, Some(_)) => {
            return Err(AppError::bad_input(
                "parentId",
                "only halls and office buildings have a parent",
            ));
        }
        (true, Some(p)) => {
            let centre = find_facility(db, p, who.scope).await?;
            if centre.is_none_or(|c| c.kind != FacilityKind::ServiceCentre || c.region_code != region.code) {
                return Err(AppError::bad_input(
                    "parentId",
                    "the parent must be a service centre of the same region",
                ));
            }
        }
        (false, None) => {}
    }
    Ok(FacilityFields {
        name,
        region_code: region.code,
        ..f
    })
}

pub async fn create_facility(
    db: &DatabaseConnection,
    who: &Who<'_>,
    fields: FacilityFields,
    uuid: Option<String>,
) -> AppResult<facility::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let fingerprint = format!("{fields:?}|{uuid}");
    who.create::<facility::Entity>(db, "createFuneralFacility", &fingerprint, async |txn| {
        let f = checked(txn, who, fields).await?;
        uuid_free::<facility::Entity>(txn, facility::Column::Uuid, &uuid).await?;
        let model = facility::ActiveModel {
            uuid: Set(uuid),
            region_code: Set(f.region_code),
            parent_id: Set(f.parent_id),
            kind: Set(f.kind),
            name: Set(f.name),
            stage: Set(f.stage),
            capacity: Set(f.capacity),
            version: Set(1),
            created_at: Set(who.at),
            updated_at: Set(who.at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let region_code = model.region_code.clone();
        Ok((model, region_code))
    })
    .await
}

/// Changes a facility (its construction stage included); its kind stays.
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
        .ok_or_else(|| AppError::not_found("funeral facility", id))?;
    check_version("the facility", &current, expected_version)?;
    if fields.kind != current.kind {
        return Err(AppError::bad_input("kind", "a facility's kind does not change"));
    }
    if fields.parent_id == Some(id) {
        return Err(AppError::bad_input(
            "parentId",
            "a facility is not its own parent",
        ));
    }
    let f = checked(&txn, who, fields).await?;
    if f.region_code != current.region_code && !parts_of_one(&txn, id).await?.is_empty() {
        return Err(AppError::bad_input(
            "regionCode",
            "a centre with halls or an office building keeps its region",
        ));
    }
    let mut active: facility::ActiveModel = current.clone().into();
    active.region_code = Set(f.region_code);
    active.parent_id = Set(f.parent_id);
    active.name = Set(f.name);
    active.stage = Set(f.stage);
    active.capacity = Set(f.capacity);
    let updated = who
        .update::<facility::Entity>(&txn, active, &current, "the facility")
        .await?;
    who.updated(
        &txn,
        "updateFuneralFacility",
        &current,
        &updated,
        &updated.region_code,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

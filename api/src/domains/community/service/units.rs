//! Community units (社区居委会): lists, look-ups and writes.

use entity::community::facility::{self, FacilityKind, FacilityStatus};
use entity::community::unit::{self, UnitStatus, UnitType};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{not_negative, standards, year_in_range};
use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageArgs, PageRequest};
use crate::region::service::{self as regions, Subtree};
use crate::validate;
use crate::write::{Who, check_version, record_uuid, uuid_free};

/// A kind of standard the reports cite (`community_standards`): office and service rooms
/// per household, or elderly-care area per resident. The amounts, regions and years are
/// data (`service::standards`), not constants.
pub use entity::community::standard::StandardKind as Standard;

/// Filter of unit lists; every field narrows the result.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct UnitFilter {
    pub region: Option<Subtree>,
    pub unit_type: Option<UnitType>,
    pub status: Option<UnitStatus>,
    /// Active units whose facilities fall short of the standard of this kind in force in
    /// this year that covers their region (units no such standard covers, and those whose
    /// households, residents or area are unknown, are left out).
    pub below_standard: Option<(Standard, i32)>,
    pub name_contains: Option<String>,
    /// The caller's reach.
    pub scope: Scope,
}

/// Orderings of unit lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitOrderField {
    Name,
    ResidentPopulation,
    Households,
}

impl UnitOrderField {
    fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::ResidentPopulation => "residentPopulation",
            Self::Households => "households",
        }
    }
}

fn col(c: unit::Column) -> Expr {
    Expr::col((unit::Entity, c))
}

/// Sort key; unknown populations sort as -1 (first ascending).
fn sort_key(field: UnitOrderField) -> Expr {
    match field {
        UnitOrderField::Name => col(unit::Column::Name),
        UnitOrderField::ResidentPopulation => {
            Func::coalesce([col(unit::Column::ResidentPopulation), Expr::val(-1)]).into()
        }
        UnitOrderField::Households => Func::coalesce([col(unit::Column::Households), Expr::val(-1)]).into(),
    }
}

fn key_text(field: UnitOrderField, m: &unit::Model) -> String {
    match field {
        UnitOrderField::Name => m.name.clone(),
        UnitOrderField::ResidentPopulation => m.resident_population.unwrap_or(-1).to_string(),
        UnitOrderField::Households => m.households.unwrap_or(-1).to_string(),
    }
}

fn key_value(field: UnitOrderField, text: &str) -> AppResult<Expr> {
    Ok(match field {
        UnitOrderField::Name => Expr::val(text.to_owned()),
        _ => Expr::val(
            text.parse::<i32>()
                .map_err(|_| AppError::bad_input("after", "after is not a cursor of this list"))?,
        ),
    })
}

/// A unit's in-use floor area of one kind of facility, over a subquery's facility rows: known
/// only when it has at least one such facility and every one has its area recorded; NULL
/// (unknown) otherwise, so that no record is never read as 0 m².
pub const KNOWN_AREA: &str =
    "CASE WHEN COUNT(*) = COUNT(floor_area_centi) THEN SUM(floor_area_centi) END";

/// Sum of the in-use floor area of a unit's facilities of `kind`, in 0.01 m² (a correlated
/// subquery over the facilities' (unit_id, id) index); NULL (unknown) when the unit has no
/// such facility or one lacks its area (`KNOWN_AREA`).
fn area_of(kind: FacilityKind) -> Expr {
    let mut q = Query::select();
    q.expr(Expr::cust(KNOWN_AREA))
    .from(facility::Entity)
    .and_where(
        Expr::col((facility::Entity, facility::Column::UnitId)).equals((unit::Entity, unit::Column::Id)),
    )
    .and_where(Expr::col((facility::Entity, facility::Column::Kind)).eq(kind))
    .and_where(Expr::col((facility::Entity, facility::Column::Status)).eq(FacilityStatus::InUse));
    Expr::SubQuery(
        None,
        Box::new(sea_orm::sea_query::SubQueryStatement::SelectStatement(
            q.to_owned(),
        )),
    )
}

/// Units that fall short of the standard of `standard`'s kind in force in `year` that covers
/// their region (active, with the base of the standard and the area known: a unit whose area
/// is unknown falls neither short nor meets it, and one no standard covers is measured
/// against none).
pub fn below(standard: Standard, year: i32) -> Condition {
    let active = col(unit::Column::Status).eq(UnitStatus::Active);
    let amount = Expr::cust(standards::covering_sql(standard, year, "amount_centi"));
    let (base, kind) = match standard {
        Standard::Office => (unit::Column::Households, FacilityKind::Office),
        Standard::ElderlyCare => (unit::Column::ResidentPopulation, FacilityKind::ElderlyCare),
    };
    Condition::all()
        .add(active)
        .add(col(base).is_not_null())
        .add(area_of(kind).lt(col(base).mul(amount)))
}

/// The filter as a condition on `community_units` columns.
pub fn unit_condition(f: &UnitFilter) -> Condition {
    let mut cond = super::scoped(unit::Entity, &f.scope);
    if let Some(region) = &f.region {
        cond = cond.add(region.condition(col(unit::Column::RegionCode)));
    }
    if let Some(t) = f.unit_type {
        cond = cond.add(col(unit::Column::UnitType).eq(t));
    }
    if let Some(s) = f.status {
        cond = cond.add(col(unit::Column::Status).eq(s));
    }
    if let Some((s, year)) = f.below_standard {
        cond = cond.add(below(s, year));
    }
    if let Some(n) = f
        .name_contains
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        cond = cond.add(
            col(unit::Column::Name)
                .like(LikeExpr::new(format!("%{}%", regions::like_escape(n))).escape('\\')),
        );
    }
    cond
}

pub async fn list_units(
    db: &DatabaseConnection,
    filter: &UnitFilter,
    order: (UnitOrderField, Order),
    args: &PageArgs,
) -> AppResult<Page<unit::Model>> {
    let (field, dir) = order;
    let ascending = dir == Order::Asc;
    let req = PageRequest::new(
        args,
        &format!("{}:{}", field.name(), if ascending { "asc" } else { "desc" }),
    )?;
    let mut cond = unit_condition(filter);
    if let Some(seek) = req.seek(
        sort_key(field),
        |k| key_value(field, k),
        col(unit::Column::Id),
        ascending,
    )? {
        cond = cond.add(seek);
    }
    let scan = req.scan_order(ascending);
    let rows = unit::Entity::find()
        .filter(cond)
        .order_by(sort_key(field), scan.clone())
        .order_by(unit::Column::Id, scan)
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |m| (key_text(field, m), m.id)))
}

pub async fn count_units(db: &DatabaseConnection, filter: &UnitFilter) -> AppResult<u64> {
    Ok(unit::Entity::find()
        .filter(unit_condition(filter))
        .count(db)
        .await?)
}

/// The unit with `id` if it is in the scope (out of scope reads as missing).
pub async fn find_unit(db: &impl ConnectionTrait, id: i64, scope: &Scope) -> AppResult<Option<unit::Model>> {
    Ok(unit::Entity::find_by_id(id)
        .filter(super::scoped(unit::Entity, scope))
        .one(db)
        .await?)
}

/// The unit with `id` in the scope; NOT_FOUND otherwise.
pub async fn require_unit(db: &impl ConnectionTrait, id: i64, scope: &Scope) -> AppResult<unit::Model> {
    find_unit(db, id, scope)
        .await?
        .ok_or_else(|| AppError::not_found("community unit", id))
}

/// The units with these ids (for the loaders), in the scope.
pub async fn units_by_ids(db: &DatabaseConnection, ids: &[i64]) -> AppResult<Vec<unit::Model>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// What a unit's create or update sets.
#[derive(Debug, Clone)]
pub struct UnitFields {
    pub name: String,
    pub region_code: String,
    pub unit_type: UnitType,
    pub status: UnitStatus,
    pub formed_year: Option<i32>,
    pub converted_year: Option<i32>,
    pub registered_population: Option<i32>,
    pub resident_population: Option<i32>,
    pub households: Option<i32>,
    pub resident_groups: Option<i32>,
    pub honours: Vec<String>,
}

/// The fields checked: texts trimmed, counts not negative, years in range, the conversion
/// not before the formation, the region known and in the caller's reach.
async fn checked(db: &impl ConnectionTrait, who: &Who<'_>, f: UnitFields) -> AppResult<UnitFields> {
    let name = validate::text("name", &f.name, 2, 64)?;
    let formed_year = year_in_range("formedYear", f.formed_year)?;
    let converted_year = year_in_range("convertedYear", f.converted_year)?;
    if let (Some(formed), Some(converted)) = (formed_year, converted_year)
        && converted < formed
    {
        return Err(AppError::bad_input(
            "convertedYear",
            "convertedYear is before formedYear",
        ));
    }
    if converted_year.is_some() && f.unit_type != UnitType::Agriculture {
        return Err(AppError::bad_input(
            "convertedYear",
            "only an agriculture-linked unit (涉农) was converted from a village (村改居)",
        ));
    }
    let mut honours = Vec::with_capacity(f.honours.len());
    for h in &f.honours {
        honours.push(validate::text("honours", h, 2, 64)?);
    }
    if honours.len() > 20 {
        return Err(AppError::bad_input("honours", "at most 20 honours"));
    }
    let region = regions::require_in(db, f.region_code.trim(), "regionCode").await?;
    if !who.scope.contains_path(&region.path) {
        return Err(AppError::bad_input(
            "regionCode",
            "the region is outside your reach",
        ));
    }
    if matches!(
        region.level,
        entity::region::RegionLevel::Province | entity::region::RegionLevel::City
    ) {
        return Err(AppError::bad_input(
            "regionCode",
            "a unit belongs to a county or district, or a town or street office below one",
        ));
    }
    Ok(UnitFields {
        name,
        region_code: region.code,
        formed_year,
        converted_year,
        registered_population: not_negative("registeredPopulation", f.registered_population)?,
        resident_population: not_negative("residentPopulation", f.resident_population)?,
        households: not_negative("households", f.households)?,
        resident_groups: not_negative("residentGroups", f.resident_groups)?,
        honours,
        ..f
    })
}

pub async fn create_unit(
    db: &DatabaseConnection,
    who: &Who<'_>,
    fields: UnitFields,
    uuid: Option<String>,
) -> AppResult<unit::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let fingerprint = format!("{fields:?}|{uuid}");
    who.create::<unit::Entity>(db, "createCommunityUnit", &fingerprint, async |txn| {
        let f = checked(txn, who, fields).await?;
        uuid_free::<unit::Entity>(txn, unit::Column::Uuid, &uuid).await?;
        let model = unit::ActiveModel {
            uuid: Set(uuid),
            name: Set(f.name),
            region_code: Set(f.region_code),
            unit_type: Set(f.unit_type),
            status: Set(f.status),
            formed_year: Set(f.formed_year),
            converted_year: Set(f.converted_year),
            registered_population: Set(f.registered_population),
            resident_population: Set(f.resident_population),
            households: Set(f.households),
            resident_groups: Set(f.resident_groups),
            honours: Set(serde_json::json!(f.honours)),
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

/// Updates a unit; its staff, facilities and grids follow it to a new region.
pub async fn update_unit(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    fields: UnitFields,
    expected_version: i32,
) -> AppResult<unit::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = require_unit(&txn, id, who.scope).await?;
    check_version("the unit", &current, expected_version)?;
    let f = checked(&txn, who, fields).await?;
    let mut active: unit::ActiveModel = current.clone().into();
    let moved = f.region_code != current.region_code;
    active.name = Set(f.name);
    active.region_code = Set(f.region_code.clone());
    active.unit_type = Set(f.unit_type);
    active.status = Set(f.status);
    active.formed_year = Set(f.formed_year);
    active.converted_year = Set(f.converted_year);
    active.registered_population = Set(f.registered_population);
    active.resident_population = Set(f.resident_population);
    active.households = Set(f.households);
    active.resident_groups = Set(f.resident_groups);
    active.honours = Set(serde_json::json!(f.honours));
    let updated = who
        .update::<unit::Entity>(&txn, active, &current, "the unit")
        .await?;
    if moved {
        super::staff::move_region(&txn, id, &updated.region_code).await?;
        super::facilities::move_region(&txn, id, &updated.region_code).await?;
        super::grids::move_region(&txn, id, &updated.region_code).await?;
    }
    who.updated(
        &txn,
        "updateCommunityUnit",
        &current,
        &updated,
        &updated.region_code,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a unit that has no staff, facilities or grids left (CONFLICT otherwise).
pub async fn delete_unit(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    expected_version: i32,
) -> AppResult<unit::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = require_unit(&txn, id, who.scope).await?;
    let staff = super::staff::count_of(&txn, id).await?;
    let facilities = super::facilities::count_of(&txn, id).await?;
    let grids = super::grids::count_of(&txn, id).await?;
    if staff + facilities + grids > 0 {
        return Err(AppError::Conflict(format!(
            "the unit still has {staff} staff, {facilities} facilities and {grids} grids; remove them first"
        )));
    }
    who.delete::<unit::Entity>(
        &txn,
        "deleteCommunityUnit",
        "the unit",
        &current,
        &current.region_code,
        expected_version,
    )
    .await?;
    txn.commit().await?;
    Ok(current)
}

//! The dishonest-debtor list (失信被执行人名单): the public list, checks, listings and removals.

use chrono::NaiveDate;
use entity::enforcement::dishonest_entry::{self, RemovalReason};
use entity::enforcement::enforcement_case::CaseStatus;
use entity::enforcement::party::PartyRole;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::super::daily;
use super::cases::require_case;
use super::records::require_party_of;
use crate::access::Actor;
use crate::audit::service::{self as audit, Entry};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageArgs, PageRequest};
use crate::region::service::{self as regions, Subtree};
use crate::validate;
use crate::write::{Who, check_version, record_uuid, unique_to_conflict, uuid_free};

/// Filter of the public dishonest-debtor list.
#[derive(Debug, Default, Clone)]
pub struct DishonestFilter {
    pub name_contains: Option<String>,
    /// Entries of cases in this region and below.
    pub region: Option<Subtree>,
    pub court_id: Option<i64>,
    pub listed_from: Option<NaiveDate>,
    pub listed_to: Option<NaiveDate>,
    /// Include entries that were removed (default: only those standing).
    pub include_removed: bool,
}

fn dishonest_condition(f: &DishonestFilter) -> Condition {
    let mut cond = Condition::all();
    if !f.include_removed {
        cond = cond.add(dishonest_entry::Column::RemovedOn.is_null());
    }
    if let Some(name) = &f.name_contains {
        cond = cond.add(
            Expr::col(dishonest_entry::Column::Name)
                .like(LikeExpr::new(format!("%{}%", regions::like_escape(name))).escape('\\')),
        );
    }
    if let Some(region) = &f.region {
        let column = Expr::col((dishonest_entry::Entity, dishonest_entry::Column::RegionCode));
        cond = cond.add(region.condition(column));
    }
    if let Some(id) = f.court_id {
        cond = cond.add(dishonest_entry::Column::CourtId.eq(id));
    }
    if let Some(d) = f.listed_from {
        cond = cond.add(dishonest_entry::Column::ListedOn.gte(d));
    }
    if let Some(d) = f.listed_to {
        cond = cond.add(dishonest_entry::Column::ListedOn.lte(d));
    }
    cond
}

/// The list newest first.
pub async fn list_dishonest(
    db: &DatabaseConnection,
    filter: &DishonestFilter,
    args: &PageArgs,
) -> AppResult<Page<dishonest_entry::Model>> {
    let req = PageRequest::new(args, "listedOn:desc")?;
    let mut cond = dishonest_condition(filter);
    let listed_on = Expr::col((dishonest_entry::Entity, dishonest_entry::Column::ListedOn));
    let value = |k: &str| -> AppResult<Expr> {
        let bad = || AppError::bad_input("after", "after is not a cursor of this list");
        Ok(Expr::val(k.parse::<NaiveDate>().map_err(|_| bad())?))
    };
    let id = Expr::col((dishonest_entry::Entity, dishonest_entry::Column::Id));
    if let Some(seek) = req.seek(listed_on, value, id, false)? {
        cond = cond.add(seek);
    }
    let scan = req.scan_order(false);
    let rows = dishonest_entry::Entity::find()
        .filter(cond)
        .order_by(dishonest_entry::Column::ListedOn, scan.clone())
        .order_by(dishonest_entry::Column::Id, scan)
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |m| (m.listed_on.to_string(), m.id)))
}

pub async fn count_dishonest(db: &DatabaseConnection, filter: &DishonestFilter) -> AppResult<u64> {
    let cond = dishonest_condition(filter);
    Ok(dishonest_entry::Entity::find().filter(cond).count(db).await?)
}

/// Whether a person or organisation stands on the list now (exact name and identity number).
/// Every check is audited: who asked about whom, and the answer.
pub async fn is_dishonest(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    id_number: &str,
) -> AppResult<bool> {
    let name = validate::text("name", name, 1, 128)?;
    let id_number = validate::text("idNumber", id_number, 1, 32)?.to_uppercase();
    let txn = crate::store::begin_write(db).await?;
    let n = dishonest_entry::Entity::find()
        .filter(dishonest_entry::Column::Name.eq(name.clone()))
        .filter(dishonest_entry::Column::IdNumber.eq(id_number.clone()))
        .filter(dishonest_entry::Column::RemovedOn.is_null())
        .count(&txn)
        .await?;
    let listed = n > 0;
    let after = serde_json::json!({"name": name, "id_number": validate::mask(&id_number), "listed": listed});
    audit::record(
        &txn,
        actor,
        Entry {
            operation: "isDishonestDebtor",
            entity: "dishonest_entry",
            entity_id: None,
            region_code: None,
            before: None,
            after: Some(after.to_string()),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(listed)
}

pub async fn add_to_dishonest_list(
    db: &DatabaseConnection,
    who: &Who<'_>,
    case_id: i64,
    party_id: i64,
    listed_on: NaiveDate,
    reason: String,
    uuid: Option<String>,
) -> AppResult<dishonest_entry::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    validate::past_date("listedOn", listed_on)?;
    let reason = validate::text("reason", &reason, 1, 1000)?;
    let fingerprint = format!("{case_id}|{party_id}|{listed_on}|{reason}");
    who.create::<dishonest_entry::Entity>(db, "addToDishonestList", &fingerprint, async |txn| {
        let case = require_case(txn, case_id, who.scope).await?;
        if case.status != CaseStatus::Pending {
            return Err(AppError::Conflict(format!(
                "case {} is closed; only debtors of a pending case are listed",
                case.case_number
            )));
        }
        if listed_on < case.filed_on {
            return Err(AppError::bad_input(
                "listedOn",
                "listedOn is before the case was filed",
            ));
        }
        let party = require_party_of(txn, party_id, case.id, "partyId").await?;
        if party.role != PartyRole::Respondent {
            return Err(AppError::bad_input(
                "partyId",
                "only a respondent (被执行人) can be listed",
            ));
        }
        let standing = dishonest_entry::Entity::find()
            .filter(dishonest_entry::Column::PartyId.eq(party.id))
            .filter(dishonest_entry::Column::RemovedOn.is_null())
            .count(txn)
            .await?;
        if standing > 0 {
            return Err(AppError::Conflict(format!(
                "{} is already on the list for this case",
                party.name
            )));
        }
        uuid_free::<dishonest_entry::Entity>(txn, dishonest_entry::Column::Uuid, &uuid).await?;
        let model = dishonest_entry::ActiveModel {
            case_id: Set(case.id),
            party_id: Set(party.id),
            name: Set(party.name.clone()),
            id_number: Set(party.id_number.clone()),
            court_id: Set(case.court_id),
            region_code: Set(case.region_code.clone()),
            listed_on: Set(listed_on),
            reason: Set(reason),
            removed_on: Set(None),
            removal_reason: Set(None),
            performed_on: Set(None),
            version: Set(1),
            created_at: Set(who.at),
            updated_at: Set(who.at),
            uuid: Set(uuid),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(unique_to_conflict("this party already stands on the list"))?;
        daily::listing_changed(txn, None, Some(&model)).await?;
        let region_code = model.region_code.clone();
        Ok((model, region_code))
    })
    .await
}

pub async fn remove_from_dishonest_list(
    db: &DatabaseConnection,
    who: &Who<'_>,
    entry_id: i64,
    removed_on: NaiveDate,
    reason: RemovalReason,
    expected_version: i32,
) -> AppResult<dishonest_entry::Model> {
    validate::past_date("removedOn", removed_on)?;
    let txn = crate::store::begin_write(db).await?;
    let entry = entry_in_scope(&txn, who, entry_id).await?;
    if entry.removed_on.is_some() {
        return Err(AppError::Conflict(format!(
            "entry {entry_id} was already removed"
        )));
    }
    if removed_on < entry.listed_on {
        return Err(AppError::bad_input("removedOn", "removedOn is before listedOn"));
    }
    change_entry(txn, who, entry, expected_version, "removeFromDishonestList", |active| {
        active.removed_on = Set(Some(removed_on));
        active.removal_reason = Set(Some(reason));
    })
    .await
}

/// Records that a listed debtor performed of their own accord (主动履行) on `performed_on`;
/// the entry stays listed until it is removed. Recording it twice is a CONFLICT.
pub async fn record_voluntary_performance(
    db: &DatabaseConnection,
    who: &Who<'_>,
    entry_id: i64,
    performed_on: NaiveDate,
    expected_version: i32,
) -> AppResult<dishonest_entry::Model> {
    validate::past_date("performedOn", performed_on)?;
    let txn = crate::store::begin_write(db).await?;
    let entry = entry_in_scope(&txn, who, entry_id).await?;
    if entry.performed_on.is_some() {
        return Err(AppError::Conflict(format!(
            "entry {entry_id} already records a voluntary performance"
        )));
    }
    if performed_on < entry.listed_on {
        return Err(AppError::bad_input(
            "performedOn",
            "performedOn is before listedOn: only a listed debtor's performance is recorded here",
        ));
    }
    change_entry(txn, who, entry, expected_version, "recordVoluntaryPerformance", |active| {
        active.performed_on = Set(Some(performed_on));
    })
    .await
}

/// The list entry with `entry_id` in the writer's reach; NOT_FOUND otherwise.
async fn entry_in_scope(
    txn: &DatabaseTransaction,
    who: &Who<'_>,
    entry_id: i64,
) -> AppResult<dishonest_entry::Model> {
    dishonest_entry::Entity::find_by_id(entry_id)
        .filter(regions::in_scope(
            Condition::all(),
            Expr::col((dishonest_entry::Entity, dishonest_entry::Column::RegionCode)),
            who.scope,
        ))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("dishonest-list entry", entry_id))
}

/// One change to a list entry, after its own checks: the version check, the update, the
/// listing's daily figures, the audit and change log under `action`, and the commit.
async fn change_entry(
    txn: DatabaseTransaction,
    who: &Who<'_>,
    entry: dishonest_entry::Model,
    expected_version: i32,
    action: &str,
    change: impl FnOnce(&mut dishonest_entry::ActiveModel),
) -> AppResult<dishonest_entry::Model> {
    check_version("the entry", &entry, expected_version)?;
    let mut active: dishonest_entry::ActiveModel = entry.clone().into();
    change(&mut active);
    let updated = who
        .update::<dishonest_entry::Entity>(&txn, active, &entry, "the entry")
        .await?;
    daily::listing_changed(&txn, Some(&entry), Some(&updated)).await?;
    who.updated(&txn, action, &entry, &updated, &entry.region_code)
        .await?;
    txn.commit().await?;
    Ok(updated)
}

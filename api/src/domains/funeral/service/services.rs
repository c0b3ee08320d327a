//! The services side of funeral reform: fee standards (收费标准), subsidies to households in
//! hardship (丧葬补助) and burial violations (私葬乱葬).

use chrono::NaiveDate;
use entity::funeral::fee_standard as fee;
use entity::funeral::subsidy;
use entity::funeral::violation::{self, Handling};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use super::{date_in_range, find_in_scope, in_region, money};
use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::pagination::{KeyKind, Ordering, Page, PageArgs, keyset};
use crate::region::service::{self as regions, Subtree};
use crate::validate;
use crate::write::{Who, check_version, record_uuid, uuid_free};

// ---------- fee standards ----------

/// The fee standards of a region subtree, by service and date.
pub async fn fee_standards(
    db: &DatabaseConnection,
    scope: &Scope,
    region: Option<&Subtree>,
) -> AppResult<Vec<fee::Model>> {
    Ok(fee::Entity::find()
        .filter(in_region(fee::Entity, scope, region))
        .order_by_asc(fee::Column::RegionCode)
        .order_by_asc(fee::Column::Service)
        .order_by_desc(fee::Column::EffectiveFrom)
        .order_by_asc(fee::Column::Id)
        .all(db)
        .await?)
}

/// What a fee standard sets.
#[derive(Debug, Clone)]
pub struct FeeFields {
    pub region_code: String,
    pub service: String,
    pub price_fen: i64,
    pub exempt: bool,
    pub effective_from: NaiveDate,
}

async fn fee_checked(db: &impl ConnectionTrait, who: &Who<'_>, f: FeeFields) -> AppResult<FeeFields> {
    let service = validate::text("service", &f.service, 2, 64)?;
    validate::money_range("price", f.price_fen)?;
    let effective_from = date_in_range("effectiveFrom", f.effective_from, false)?;
    let region = regions::require_in_reach(db, &f.region_code, who.scope, "regionCode").await?;
    Ok(FeeFields {
        service,
        region_code: region.code,
        effective_from,
        ..f
    })
}

pub async fn create_fee_standard(
    db: &DatabaseConnection,
    who: &Who<'_>,
    fields: FeeFields,
    uuid: Option<String>,
) -> AppResult<fee::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let fingerprint = format!("{fields:?}|{uuid}");
    who.create::<fee::Entity>(db, "setFuneralFeeStandard", &fingerprint, async |txn| {
        let f = fee_checked(txn, who, fields).await?;
        uuid_free::<fee::Entity>(txn, fee::Column::Uuid, &uuid).await?;
        let model = fee::ActiveModel {
            uuid: Set(uuid),
            region_code: Set(f.region_code),
            service: Set(f.service),
            price_fen: Set(f.price_fen),
            exempt: Set(f.exempt),
            effective_from: Set(f.effective_from),
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

pub async fn update_fee_standard(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    fields: FeeFields,
    expected_version: i32,
) -> AppResult<fee::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = find_in_scope::<fee::Entity>(&txn, id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("fee standard", id))?;
    check_version("the fee standard", &current, expected_version)?;
    let f = fee_checked(&txn, who, fields).await?;
    let mut active: fee::ActiveModel = current.clone().into();
    active.region_code = Set(f.region_code);
    active.service = Set(f.service);
    active.price_fen = Set(f.price_fen);
    active.exempt = Set(f.exempt);
    active.effective_from = Set(f.effective_from);
    let updated = who
        .update::<fee::Entity>(&txn, active, &current, "the fee standard")
        .await?;
    who.updated(
        &txn,
        "updateFuneralFeeStandard",
        &current,
        &updated,
        &updated.region_code,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

// ---------- subsidies ----------

/// Filter of subsidy lists.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct SubsidyFilter {
    pub region: Option<Subtree>,
    pub paid_from: Option<NaiveDate>,
    pub paid_to: Option<NaiveDate>,
    pub scope: Scope,
}

fn subsidy_condition(f: &SubsidyFilter) -> sea_orm::Condition {
    let mut cond = in_region(subsidy::Entity, &f.scope, f.region.as_ref());
    if let Some(d) = f.paid_from {
        cond = cond.add(subsidy::Column::PaidOn.gte(d));
    }
    if let Some(d) = f.paid_to {
        cond = cond.add(subsidy::Column::PaidOn.lte(d));
    }
    cond
}

/// Subsidies, latest payment first.
pub async fn list_subsidies(
    db: &DatabaseConnection,
    f: &SubsidyFilter,
    args: &PageArgs,
) -> AppResult<Page<subsidy::Model>> {
    let order = Ordering {
        name: "paidOn",
        key: Expr::col((subsidy::Entity, subsidy::Column::PaidOn)),
        kind: KeyKind::Date,
        text: |m: &subsidy::Model| m.paid_on.to_string(),
        ascending: false,
    };
    let id = Expr::col((subsidy::Entity, subsidy::Column::Id));
    keyset(
        db,
        subsidy::Entity::find().filter(subsidy_condition(f)),
        id,
        |m| m.id,
        order,
        args,
    )
    .await
}

pub async fn count_subsidies(db: &DatabaseConnection, f: &SubsidyFilter) -> AppResult<u64> {
    Ok(subsidy::Entity::find()
        .filter(subsidy_condition(f))
        .count(db)
        .await?)
}

/// What a subsidy records.
#[derive(Debug, Clone)]
pub struct SubsidyFields {
    pub region_code: String,
    pub recipient_name: String,
    pub recipient_phone: Option<String>,
    pub recipient_id_number: Option<String>,
    pub amount_fen: i64,
    pub basis: String,
    pub paid_on: NaiveDate,
}

/// Grants a subsidy to a household in hardship (特殊困难对象); the amount is positive.
pub async fn grant_subsidy(
    db: &DatabaseConnection,
    who: &Who<'_>,
    f: SubsidyFields,
    uuid: Option<String>,
) -> AppResult<subsidy::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let name = validate::text("recipientName", &f.recipient_name, 1, 64)?;
    let phone = f
        .recipient_phone
        .as_deref()
        .map(|p| validate::phone("recipientPhone", p))
        .transpose()?;
    let id_number = f
        .recipient_id_number
        .as_deref()
        .map(|n| validate::id_number("recipientIdNumber", n, true))
        .transpose()?;
    validate::money_range("amount", f.amount_fen)?;
    if f.amount_fen == 0 {
        return Err(AppError::bad_input("amount", "a subsidy has an amount"));
    }
    let basis = validate::text("basis", &f.basis, 2, 256)?;
    let paid_on = date_in_range("paidOn", f.paid_on, true)?;
    let fingerprint = format!("{f:?}|{uuid}");
    who.create::<subsidy::Entity>(db, "grantFuneralSubsidy", &fingerprint, async |txn| {
        let region = regions::require_in_reach(txn, &f.region_code, who.scope, "regionCode").await?;
        uuid_free::<subsidy::Entity>(txn, subsidy::Column::Uuid, &uuid).await?;
        let model = subsidy::ActiveModel {
            uuid: Set(uuid),
            region_code: Set(region.code),
            recipient_name: Set(name),
            recipient_phone: Set(phone),
            recipient_id_number: Set(id_number),
            amount_fen: Set(f.amount_fen),
            basis: Set(basis),
            paid_on: Set(paid_on),
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

// ---------- violations ----------

/// Filter of violation lists.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct ViolationFilter {
    pub region: Option<Subtree>,
    pub handling: Option<Handling>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub scope: Scope,
}

fn violation_condition(f: &ViolationFilter) -> sea_orm::Condition {
    let mut cond = in_region(violation::Entity, &f.scope, f.region.as_ref());
    if let Some(h) = f.handling {
        cond = cond.add(violation::Column::Handling.eq(h));
    }
    if let Some(d) = f.from {
        cond = cond.add(violation::Column::OccurredOn.gte(d));
    }
    if let Some(d) = f.to {
        cond = cond.add(violation::Column::OccurredOn.lte(d));
    }
    cond
}

/// Violations by date (latest first unless `ascending`).
pub async fn list_violations(
    db: &DatabaseConnection,
    f: &ViolationFilter,
    ascending: bool,
    args: &PageArgs,
) -> AppResult<Page<violation::Model>> {
    let order = Ordering {
        name: "occurredOn",
        key: Expr::col((violation::Entity, violation::Column::OccurredOn)),
        kind: KeyKind::Date,
        text: |m: &violation::Model| m.occurred_on.to_string(),
        ascending,
    };
    let id = Expr::col((violation::Entity, violation::Column::Id));
    keyset(
        db,
        violation::Entity::find().filter(violation_condition(f)),
        id,
        |m| m.id,
        order,
        args,
    )
    .await
}

pub async fn count_violations(db: &DatabaseConnection, f: &ViolationFilter) -> AppResult<u64> {
    Ok(violation::Entity::find()
        .filter(violation_condition(f))
        .count(db)
        .await?)
}

/// What a violation records.
#[derive(Debug, Clone)]
pub struct ViolationFields {
    pub region_code: String,
    pub place: String,
    pub occurred_on: NaiveDate,
    pub handling: Handling,
    pub penalty_fen: Option<i64>,
    pub note: Option<String>,
}

async fn violation_checked(
    db: &impl ConnectionTrait,
    who: &Who<'_>,
    f: ViolationFields,
) -> AppResult<ViolationFields> {
    let place = validate::text("place", &f.place, 2, 128)?;
    let occurred_on = date_in_range("occurredOn", f.occurred_on, true)?;
    let penalty_fen = money("penalty", f.penalty_fen)?;
    if penalty_fen.is_some() != (f.handling == Handling::Penalty) {
        return Err(AppError::bad_input(
            "penalty",
            "a penalty amount goes with handling PENALTY, and only with it",
        ));
    }
    let note = validate::opt_text("note", f.note.as_deref(), 1000)?;
    let region = regions::require_in_reach(db, &f.region_code, who.scope, "regionCode").await?;
    Ok(ViolationFields {
        region_code: region.code,
        place,
        occurred_on,
        penalty_fen,
        note,
        ..f
    })
}

pub async fn record_violation(
    db: &DatabaseConnection,
    who: &Who<'_>,
    fields: ViolationFields,
    uuid: Option<String>,
) -> AppResult<violation::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let fingerprint = format!("{fields:?}|{uuid}");
    who.create::<violation::Entity>(db, "recordFuneralViolation", &fingerprint, async |txn| {
        let f = violation_checked(txn, who, fields).await?;
        uuid_free::<violation::Entity>(txn, violation::Column::Uuid, &uuid).await?;
        let model = violation::ActiveModel {
            uuid: Set(uuid),
            region_code: Set(f.region_code),
            place: Set(f.place),
            occurred_on: Set(f.occurred_on),
            handling: Set(f.handling),
            penalty_fen: Set(f.penalty_fen),
            note: Set(f.note),
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

/// Records how a violation was handled (or corrects it).
pub async fn update_violation(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    fields: ViolationFields,
    expected_version: i32,
) -> AppResult<violation::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = find_in_scope::<violation::Entity>(&txn, id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("violation", id))?;
    check_version("the violation", &current, expected_version)?;
    let f = violation_checked(&txn, who, fields).await?;
    let mut active: violation::ActiveModel = current.clone().into();
    active.region_code = Set(f.region_code);
    active.place = Set(f.place);
    active.occurred_on = Set(f.occurred_on);
    active.handling = Set(f.handling);
    active.penalty_fen = Set(f.penalty_fen);
    active.note = Set(f.note);
    let updated = who
        .update::<violation::Entity>(&txn, active, &current, "the violation")
        .await?;
    who.updated(
        &txn,
        "updateFuneralViolation",
        &current,
        &updated,
        &updated.region_code,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

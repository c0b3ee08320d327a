//! Grave plots (墓穴), their pre-sale registrations (预售登记) and sales. A plot has at most
//! one live hold (registered or sold), enforced by a partial unique index so that racing
//! requests cannot both win; a cancelled registration frees the plot.

use chrono::NaiveDate;
use entity::funeral::facility::FacilityKind;
use entity::funeral::hold::{self, HoldStatus};
use entity::funeral::plot::{self, PlotStatus, PlotType};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use super::{date_in_range, find_in_scope, in_region, money};
use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::pagination::{KeyKind, Ordering, Page, PageArgs, keyset};
use crate::region::service::Subtree;
use crate::validate;
use crate::write::{Who, check_version, record_uuid, unique_to_conflict, uuid_free};

/// Filter of plot lists.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct PlotFilter {
    pub region: Option<Subtree>,
    pub cemetery_id: Option<i64>,
    pub status: Option<PlotStatus>,
    pub section: Option<String>,
    pub scope: Scope,
}

fn condition(f: &PlotFilter) -> sea_orm::Condition {
    let mut cond = in_region(plot::Entity, &f.scope, f.region.as_ref());
    if let Some(c) = f.cemetery_id {
        cond = cond.add(plot::Column::CemeteryId.eq(c));
    }
    if let Some(s) = f.status {
        cond = cond.add(plot::Column::Status.eq(s));
    }
    if let Some(s) = &f.section {
        cond = cond.add(plot::Column::Section.eq(s.trim()));
    }
    cond
}

/// Plots by id (the order they were laid out in) or by price (unknown prices first).
pub async fn list_plots(
    db: &DatabaseConnection,
    f: &PlotFilter,
    by_price: bool,
    ascending: bool,
    args: &PageArgs,
) -> AppResult<Page<plot::Model>> {
    let id = Expr::col((plot::Entity, plot::Column::Id));
    let order = if by_price {
        Ordering {
            name: "price",
            key: sea_orm::sea_query::Func::coalesce([
                Expr::col((plot::Entity, plot::Column::PriceFen)),
                Expr::val(-1i64),
            ])
            .into(),
            kind: KeyKind::Int,
            text: |m: &plot::Model| m.price_fen.unwrap_or(-1).to_string(),
            ascending,
        }
    } else {
        Ordering {
            name: "id",
            key: id.clone(),
            kind: KeyKind::Int,
            text: |m: &plot::Model| m.id.to_string(),
            ascending,
        }
    };
    keyset(
        db,
        plot::Entity::find().filter(condition(f)),
        id,
        |m| m.id,
        order,
        args,
    )
    .await
}

pub async fn count_plots(db: &DatabaseConnection, f: &PlotFilter) -> AppResult<u64> {
    Ok(plot::Entity::find().filter(condition(f)).count(db).await?)
}

pub async fn find_plot(db: &impl ConnectionTrait, id: i64, scope: &Scope) -> AppResult<Option<plot::Model>> {
    find_in_scope::<plot::Entity>(db, id, scope).await
}

pub async fn find_hold(db: &impl ConnectionTrait, id: i64, scope: &Scope) -> AppResult<Option<hold::Model>> {
    find_in_scope::<hold::Entity>(db, id, scope).await
}

/// The live hold (registered or sold) of each of these plots.
pub async fn live_holds_of(db: &DatabaseConnection, plots: &[i64]) -> AppResult<Vec<hold::Model>> {
    Ok(hold::Entity::find()
        .filter(hold::Column::PlotId.is_in(plots.iter().copied()))
        .filter(hold::Column::Status.ne(HoldStatus::Cancelled))
        .order_by_asc(hold::Column::PlotId)
        .all(db)
        .await?)
}

/// Lays out a plot in a cemetery; its position (section, row, number) is unique.
#[allow(clippy::too_many_arguments)]
pub async fn add_plot(
    db: &DatabaseConnection,
    who: &Who<'_>,
    cemetery_id: i64,
    section: String,
    row_no: i32,
    number: i32,
    plot_type: PlotType,
    price_fen: Option<i64>,
    uuid: Option<String>,
) -> AppResult<plot::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let section = validate::text("section", &section, 1, 16)?;
    if row_no < 1 || number < 1 {
        return Err(AppError::bad_input(
            if row_no < 1 { "row" } else { "number" },
            "rows and numbers start at 1",
        ));
    }
    let price_fen = money("price", price_fen)?;
    let fingerprint = format!("{cemetery_id}|{section}|{row_no}|{number}|{plot_type:?}|{price_fen:?}|{uuid}");
    who.create::<plot::Entity>(db, "addGravePlot", &fingerprint, async |txn| {
        let cemetery = super::facilities::find_facility(txn, cemetery_id, who.scope)
            .await?
            .filter(|c| c.kind == FacilityKind::Cemetery)
            .ok_or_else(|| {
                AppError::bad_input(
                    "cemeteryId",
                    format!("no cemetery with id {cemetery_id} in your reach"),
                )
            })?;
        uuid_free::<plot::Entity>(txn, plot::Column::Uuid, &uuid).await?;
        let model = plot::ActiveModel {
            uuid: Set(uuid),
            region_code: Set(cemetery.region_code.clone()),
            cemetery_id: Set(cemetery.id),
            section: Set(section),
            row_no: Set(row_no),
            number: Set(number),
            plot_type: Set(plot_type),
            price_fen: Set(price_fen),
            status: Set(PlotStatus::Available),
            version: Set(1),
            created_at: Set(who.at),
            updated_at: Set(who.at),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(unique_to_conflict(
            "the cemetery has a plot at this position already",
        ))?;
        let region_code = model.region_code.clone();
        Ok((model, region_code))
    })
    .await
}

/// The household a plot is registered or sold to.
#[derive(Debug, Clone)]
pub struct Holder {
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

fn holder_checked(h: Holder) -> AppResult<Holder> {
    Ok(Holder {
        name: validate::text("holderName", &h.name, 1, 64)?,
        phone: h
            .phone
            .as_deref()
            .map(|p| validate::phone("holderPhone", p))
            .transpose()?,
        id_number: h
            .id_number
            .as_deref()
            .map(|n| validate::id_number("holderIdNumber", n, true))
            .transpose()?,
    })
}

const TAKEN: &str = "the plot is registered or sold already";

/// Sets the plot's status with its version bumped, inside the hold's transaction.
async fn set_plot_status(
    db: &impl ConnectionTrait,
    who: &Who<'_>,
    p: &plot::Model,
    status: PlotStatus,
) -> AppResult<plot::Model> {
    let mut active: plot::ActiveModel = p.clone().into();
    active.status = Set(status);
    active.version = Set(p.version + 1);
    active.updated_at = Set(who.at);
    let updated = active.update(db).await?;
    who.updated(db, "holdGravePlot", p, &updated, &p.region_code)
        .await?;
    Ok(updated)
}

/// Registers an available plot for pre-sale to a household; a plot registered or sold already
/// is a CONFLICT, also when two registrations race.
pub async fn register(
    db: &DatabaseConnection,
    who: &Who<'_>,
    plot_id: i64,
    holder: Holder,
    registered_on: NaiveDate,
    uuid: Option<String>,
) -> AppResult<hold::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let holder = holder_checked(holder)?;
    let registered_on = date_in_range("registeredOn", registered_on, true)?;
    let fingerprint = format!("{plot_id}|{holder:?}|{registered_on}|{uuid}");
    who.create::<hold::Entity>(db, "registerGravePlot", &fingerprint, async |txn| {
        let p = find_plot(txn, plot_id, who.scope).await?.ok_or_else(|| {
            AppError::bad_input("plotId", format!("no plot with id {plot_id} in your reach"))
        })?;
        if p.status != PlotStatus::Available {
            return Err(AppError::Conflict(TAKEN.into()));
        }
        uuid_free::<hold::Entity>(txn, hold::Column::Uuid, &uuid).await?;
        let model = hold::ActiveModel {
            uuid: Set(uuid),
            region_code: Set(p.region_code.clone()),
            plot_id: Set(p.id),
            status: Set(HoldStatus::Registered),
            holder_name: Set(holder.name),
            holder_phone: Set(holder.phone),
            holder_id_number: Set(holder.id_number),
            registered_on: Set(registered_on),
            sold_on: Set(None),
            price_fen: Set(None),
            cancelled_on: Set(None),
            version: Set(1),
            created_at: Set(who.at),
            updated_at: Set(who.at),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(unique_to_conflict(TAKEN))?;
        set_plot_status(txn, who, &p, PlotStatus::Registered).await?;
        let region_code = model.region_code.clone();
        Ok((model, region_code))
    })
    .await
}

/// Cancels a registration and frees its plot; a sale is not cancelled (CONFLICT).
pub async fn cancel(
    db: &DatabaseConnection,
    who: &Who<'_>,
    hold_id: i64,
    cancelled_on: NaiveDate,
    expected_version: i32,
) -> AppResult<hold::Model> {
    let cancelled_on = date_in_range("cancelledOn", cancelled_on, true)?;
    let txn = crate::store::begin_write(db).await?;
    let current = find_hold(&txn, hold_id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("grave-plot registration", hold_id))?;
    check_version("the registration", &current, expected_version)?;
    if current.status != HoldStatus::Registered {
        return Err(AppError::Conflict(format!(
            "only a standing registration is cancelled; this one is {:?}",
            current.status
        )));
    }
    if cancelled_on < current.registered_on {
        return Err(AppError::bad_input(
            "cancelledOn",
            "cancelledOn is before the registration",
        ));
    }
    let mut active: hold::ActiveModel = current.clone().into();
    active.status = Set(HoldStatus::Cancelled);
    active.cancelled_on = Set(Some(cancelled_on));
    let updated = who
        .update::<hold::Entity>(&txn, active, &current, "the registration")
        .await?;
    let p = plot::Entity::find_by_id(current.plot_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "plot {} of hold {hold_id} vanished",
                current.plot_id
            ))
        })?;
    set_plot_status(&txn, who, &p, PlotStatus::Available).await?;
    who.updated(
        &txn,
        "cancelGravePlotRegistration",
        &current,
        &updated,
        &updated.region_code,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Sells a plot: its standing registration becomes the sale (the holder must be the
/// registered household), or an available plot is sold directly; a sold plot, or one
/// registered to another household, is a CONFLICT.
pub async fn sell(
    db: &DatabaseConnection,
    who: &Who<'_>,
    plot_id: i64,
    holder: Holder,
    sold_on: NaiveDate,
    price_fen: i64,
    uuid: Option<String>,
) -> AppResult<hold::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let holder = holder_checked(holder)?;
    let sold_on = date_in_range("soldOn", sold_on, true)?;
    validate::money_range("price", price_fen)?;
    // Not `Who::create`: a sale updates the plot's standing registration when it has one
    // and creates a hold only when it has none.
    let txn = crate::store::begin_write(db).await?;
    let fingerprint = format!("{plot_id}|{holder:?}|{sold_on}|{price_fen}|{uuid}");
    if let Some(existing) = who
        .replayed::<hold::Entity>(&txn, "sellGravePlot", &fingerprint)
        .await?
    {
        txn.commit().await?;
        return Ok(existing);
    }
    let p = find_plot(&txn, plot_id, who.scope)
        .await?
        .ok_or_else(|| AppError::bad_input("plotId", format!("no plot with id {plot_id} in your reach")))?;
    let live = hold::Entity::find()
        .filter(hold::Column::PlotId.eq(p.id))
        .filter(hold::Column::Status.ne(HoldStatus::Cancelled))
        .one(&txn)
        .await?;
    let sold = match live {
        Some(h) if h.status == HoldStatus::Sold => {
            return Err(AppError::Conflict("the plot is sold already".into()));
        }
        Some(h) => {
            if h.holder_name != holder.name
                || (h.holder_id_number.is_some() && h.holder_id_number != holder.id_number)
            {
                return Err(AppError::Conflict(
                    "the plot is registered to another household".into(),
                ));
            }
            if sold_on < h.registered_on {
                return Err(AppError::bad_input("soldOn", "soldOn is before the registration"));
            }
            let mut active: hold::ActiveModel = h.clone().into();
            active.status = Set(HoldStatus::Sold);
            active.sold_on = Set(Some(sold_on));
            active.price_fen = Set(Some(price_fen));
            active.holder_phone = Set(holder.phone.or(h.holder_phone.clone()));
            active.holder_id_number = Set(holder.id_number.or(h.holder_id_number.clone()));
            let updated = who
                .update::<hold::Entity>(&txn, active, &h, "the registration")
                .await?;
            who.updated(&txn, "sellGravePlot", &h, &updated, &updated.region_code)
                .await?;
            updated
        }
        None => {
            uuid_free::<hold::Entity>(&txn, hold::Column::Uuid, &uuid).await?;
            let model = hold::ActiveModel {
                uuid: Set(uuid),
                region_code: Set(p.region_code.clone()),
                plot_id: Set(p.id),
                status: Set(HoldStatus::Sold),
                holder_name: Set(holder.name),
                holder_phone: Set(holder.phone),
                holder_id_number: Set(holder.id_number),
                registered_on: Set(sold_on),
                sold_on: Set(Some(sold_on)),
                price_fen: Set(Some(price_fen)),
                cancelled_on: Set(None),
                version: Set(1),
                created_at: Set(who.at),
                updated_at: Set(who.at),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(unique_to_conflict(TAKEN))?;
            who.created(&txn, "sellGravePlot", &model, &model.region_code)
                .await?;
            model
        }
    };
    set_plot_status(&txn, who, &p, PlotStatus::Sold).await?;
    who.remember(&txn, "sellGravePlot", &fingerprint, sold.id).await?;
    txn.commit().await?;
    Ok(sold)
}

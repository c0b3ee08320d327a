//! The records of a case: parties (当事人), measures (执行措施) and flow nodes (流程节点).

use chrono::NaiveDate;
use entity::enforcement::flow_node::{self, FlowNodeKind};
use entity::enforcement::measure::{self, MeasureKind};
use entity::enforcement::party::{self, PartyKind, PartyRole};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::super::daily;
use super::cases::require_case;
use super::flow::new_flow_node;
use crate::error::{AppError, AppResult};
use crate::validate;
use crate::write::{Who, record_uuid, uuid_free};

pub async fn parties_of(db: &DatabaseConnection, case_ids: &[i64]) -> AppResult<Vec<party::Model>> {
    Ok(party::Entity::find()
        .filter(party::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(party::Column::Id)
        .all(db)
        .await?)
}

pub async fn measures_of(db: &DatabaseConnection, case_ids: &[i64]) -> AppResult<Vec<measure::Model>> {
    Ok(measure::Entity::find()
        .filter(measure::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(measure::Column::TakenOn)
        .order_by_asc(measure::Column::Id)
        .all(db)
        .await?)
}

pub async fn flow_nodes_of(db: &DatabaseConnection, case_ids: &[i64]) -> AppResult<Vec<flow_node::Model>> {
    Ok(flow_node::Entity::find()
        .filter(flow_node::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(flow_node::Column::OccurredOn)
        .order_by_asc(flow_node::Column::Id)
        .all(db)
        .await?)
}

/// Input of `addParty`.
#[derive(Debug)]
pub struct NewParty {
    /// Client-generated UUID of the new record; one is made when absent.
    pub uuid: Option<String>,
    pub case_id: i64,
    pub role: PartyRole,
    pub kind: PartyKind,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

pub async fn add_party(db: &DatabaseConnection, who: &Who<'_>, input: NewParty) -> AppResult<party::Model> {
    let uuid = record_uuid("uuid", input.uuid.as_deref())?;
    let name = validate::text("name", &input.name, 1, 128)?;
    let id_number = match input.id_number.as_deref() {
        Some(raw) => Some(validate::id_number(
            "idNumber",
            raw,
            input.kind == PartyKind::Person,
        )?),
        None => None,
    };
    let phone = match input.phone.as_deref() {
        Some(raw) => Some(validate::phone("phone", raw)?),
        None => None,
    };
    let address = validate::opt_text("address", input.address.as_deref(), 256)?;
    let fingerprint = format!("{input:?}");
    who.create::<party::Entity>(db, "addParty", &fingerprint, async |txn| {
        let case = require_case(txn, input.case_id, who.scope).await?;
        uuid_free::<party::Entity>(txn, party::Column::Uuid, &uuid).await?;
        let model = party::ActiveModel {
            uuid: Set(uuid),
            case_id: Set(input.case_id),
            role: Set(input.role),
            kind: Set(input.kind),
            name: Set(name),
            id_number: Set(id_number),
            phone: Set(phone),
            address: Set(address),
            created_at: Set(who.at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        Ok((model, case.region_code))
    })
    .await
}

/// Input of `recordMeasure`.
#[derive(Debug)]
pub struct NewMeasure {
    /// Client-generated UUID of the new record; one is made when absent.
    pub uuid: Option<String>,
    pub case_id: i64,
    pub party_id: Option<i64>,
    pub kind: MeasureKind,
    pub taken_on: NaiveDate,
    pub channel: Option<String>,
    pub detention_days: Option<i32>,
    pub amount_fen: Option<i64>,
    pub convicted: Option<bool>,
    pub note: Option<String>,
}

/// Largest fine on one party (民事诉讼法: up to 1,000,000 yuan for an organisation).
const MAX_FINE_FEN: i64 = 100_000_000;

pub async fn record_measure(
    db: &DatabaseConnection,
    who: &Who<'_>,
    input: NewMeasure,
) -> AppResult<measure::Model> {
    let uuid = record_uuid("uuid", input.uuid.as_deref())?;
    validate::past_date("takenOn", input.taken_on)?;
    let note = validate::opt_text("note", input.note.as_deref(), 1000)?;
    let channel = validate::opt_text("channel", input.channel.as_deref(), 64)?;
    let needs_party = matches!(
        input.kind,
        MeasureKind::Detention
            | MeasureKind::Summons
            | MeasureKind::Fine
            | MeasureKind::ConsumptionRestriction
            | MeasureKind::ExitRestriction
            | MeasureKind::RefusalCrimeReferral
    );
    if needs_party && input.party_id.is_none() {
        return Err(AppError::bad_input(
            "partyId",
            "this measure is taken against a party: give partyId",
        ));
    }
    match input.kind {
        MeasureKind::Detention => match input.detention_days {
            Some(d) if (1..=15).contains(&d) => {}
            _ => {
                return Err(AppError::bad_input(
                    "detentionDays",
                    "detention lasts 1 to 15 days",
                ));
            }
        },
        _ if input.detention_days.is_some() => {
            return Err(AppError::bad_input(
                "detentionDays",
                "only a detention has detention days",
            ));
        }
        _ => {}
    }
    let amount_required = matches!(
        input.kind,
        MeasureKind::Fine | MeasureKind::OnlineAuction | MeasureKind::JudicialAssistance
    );
    match (amount_required, input.amount_fen) {
        (true, Some(a)) if a > 0 => {
            if input.kind == MeasureKind::Fine && a > MAX_FINE_FEN {
                return Err(AppError::bad_input("amount", "a fine is at most 1000000.00 yuan"));
            }
            validate::money_range("amount", a)?;
        }
        (true, _) => {
            return Err(AppError::bad_input(
                "amount",
                "this measure needs a positive amount",
            ));
        }
        (false, Some(_)) => {
            return Err(AppError::bad_input("amount", "this measure has no amount"));
        }
        (false, None) => {}
    }
    match input.kind {
        MeasureKind::OnlineInquiry => match channel.as_deref() {
            Some("point_to_point") | Some("general_to_general") => {}
            _ => {
                return Err(AppError::bad_input(
                    "inquiryChannel",
                    "an online inquiry needs its channel (POINT_TO_POINT or GENERAL_TO_GENERAL)",
                ));
            }
        },
        MeasureKind::OnlineAuction if channel.is_none() => {
            return Err(AppError::bad_input(
                "auctionPlatform",
                "an online auction needs its platform",
            ));
        }
        _ => {}
    }
    if input.convicted.is_some() && input.kind != MeasureKind::RefusalCrimeReferral {
        return Err(AppError::bad_input(
            "convicted",
            "only a refusal-to-execute referral has a verdict",
        ));
    }
    let fingerprint = format!("{input:?}");
    who.create::<measure::Entity>(db, "recordMeasure", &fingerprint, async |txn| {
        let case = require_case(txn, input.case_id, who.scope).await?;
        if input.taken_on < case.filed_on {
            return Err(AppError::bad_input(
                "takenOn",
                "takenOn is before the case was filed",
            ));
        }
        if let Some(pid) = input.party_id {
            require_party_of(txn, pid, case.id, "partyId").await?;
        }
        uuid_free::<measure::Entity>(txn, measure::Column::Uuid, &uuid).await?;
        let model = measure::ActiveModel {
            uuid: Set(uuid),
            case_id: Set(case.id),
            party_id: Set(input.party_id),
            kind: Set(input.kind),
            taken_on: Set(input.taken_on),
            channel: Set(channel),
            detention_days: Set(input.detention_days),
            amount_fen: Set(input.amount_fen),
            convicted: Set(input.convicted),
            note: Set(note),
            created_at: Set(who.at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        daily::measure_added(txn, &model, &case).await?;
        Ok((model, case.region_code))
    })
    .await
}

pub(super) async fn require_party_of(
    db: &impl ConnectionTrait,
    party_id: i64,
    case_id: i64,
    field: &str,
) -> AppResult<party::Model> {
    party::Entity::find_by_id(party_id)
        .one(db)
        .await?
        .filter(|p| p.case_id == case_id)
        .ok_or_else(|| {
            AppError::bad_input(
                field,
                format!("party {party_id} is not a party to case {case_id}"),
            )
        })
}

pub async fn record_flow_node(
    db: &DatabaseConnection,
    who: &Who<'_>,
    case_id: i64,
    kind: FlowNodeKind,
    occurred_on: NaiveDate,
    note: Option<String>,
    uuid: Option<String>,
) -> AppResult<flow_node::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    if matches!(
        kind,
        FlowNodeKind::Filed | FlowNodeKind::Closed | FlowNodeKind::Reopened
    ) {
        return Err(AppError::bad_input(
            "kind",
            "FILED, CLOSED and REOPENED are recorded by fileEnforcementCase, closeEnforcementCase and reopenEnforcementCase",
        ));
    }
    validate::past_date("occurredOn", occurred_on)?;
    let note = validate::opt_text("note", note.as_deref(), 1000)?;
    let fingerprint = format!("{case_id}|{kind:?}|{occurred_on}|{note:?}");
    who.create::<flow_node::Entity>(db, "recordFlowNode", &fingerprint, async |txn| {
        let case = require_case(txn, case_id, who.scope).await?;
        if occurred_on < case.filed_on {
            return Err(AppError::bad_input(
                "occurredOn",
                "occurredOn is before the case was filed",
            ));
        }
        uuid_free::<flow_node::Entity>(txn, flow_node::Column::Uuid, &uuid).await?;
        let node = new_flow_node(txn, who, case.id, kind, occurred_on, note, uuid).await?;
        Ok((node, case.region_code))
    })
    .await
}

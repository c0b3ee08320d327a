//! Supervision orders (督办) of the intermediate court on basic courts' cases.

use chrono::NaiveDate;
use entity::enforcement::court::CourtLevel;
use entity::enforcement::enforcement_case::CaseStatus;
use entity::enforcement::supervision_order::{self, SupervisionStatus};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};

use super::cases::require_case;
use super::courts::find_court;
use crate::error::{AppError, AppResult};
use crate::region::service::{self as regions};
use crate::validate;
use crate::write::{Who, record_uuid, uuid_free};

pub async fn supervision_orders_of(
    db: &DatabaseConnection,
    case_ids: &[i64],
) -> AppResult<Vec<supervision_order::Model>> {
    Ok(supervision_order::Entity::find()
        .filter(supervision_order::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(supervision_order::Column::IssuedOn)
        .order_by_asc(supervision_order::Column::Id)
        .all(db)
        .await?)
}

/// Input of `issueSupervisionOrder`.
#[derive(Debug)]
pub struct NewSupervisionOrder {
    /// Client-generated UUID of the new record; one is made when absent.
    pub uuid: Option<String>,
    pub case_id: i64,
    pub batch: String,
    pub issuing_court_id: i64,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub instructions: Option<String>,
}

pub async fn issue_supervision_order(
    db: &DatabaseConnection,
    who: &Who<'_>,
    input: NewSupervisionOrder,
) -> AppResult<supervision_order::Model> {
    let uuid = record_uuid("uuid", input.uuid.as_deref())?;
    let batch = validate::text("batch", &input.batch, 1, 32)?;
    validate::past_date("issuedOn", input.issued_on)?;
    if input.due_on < input.issued_on {
        return Err(AppError::bad_input("dueOn", "dueOn is before issuedOn"));
    }
    let instructions = validate::opt_text("instructions", input.instructions.as_deref(), 2000)?;
    let fingerprint = format!("{input:?}");
    who.create::<supervision_order::Entity>(db, "issueSupervisionOrder", &fingerprint, async |txn| {
        let case = require_case(txn, input.case_id, who.scope).await?;
        if case.status != CaseStatus::Pending {
            return Err(AppError::Conflict(format!(
                "case {} is closed; only a pending case is supervised",
                case.case_number
            )));
        }
        let issuer = find_court(txn, input.issuing_court_id, who.scope)
            .await?
            .ok_or_else(|| {
                AppError::bad_input(
                    "issuingCourtId",
                    format!("no court with id {}", input.issuing_court_id),
                )
            })?;
        let case_region = regions::require_in(txn, &case.region_code, "caseId").await?;
        if issuer.level != CourtLevel::Intermediate
            || issuer.id == case.court_id
            || !case_region.path.contains(&format!("/{}/", issuer.region_code))
        {
            return Err(AppError::bad_input(
                "issuingCourtId",
                "the issuing court must be the intermediate court above the case's court",
            ));
        }
        uuid_free::<supervision_order::Entity>(txn, supervision_order::Column::Uuid, &uuid).await?;
        let model = supervision_order::ActiveModel {
            uuid: Set(uuid),
            case_id: Set(case.id),
            batch: Set(batch),
            issuing_court_id: Set(issuer.id),
            issued_on: Set(input.issued_on),
            due_on: Set(input.due_on),
            status: Set(SupervisionStatus::Open),
            instructions: Set(instructions),
            created_at: Set(who.at),
            region_code: Set(case.region_code.clone()),
            court_id: Set(case.court_id),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        Ok((model, case.region_code))
    })
    .await
}

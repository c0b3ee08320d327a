//! The nine reports as records (no GraphQL here): seeding them from `seed/reports.json`,
//! listing them with their items, and the follow-up a supervisor tracks on a
//! recommendation, within the supervisor's reach.

use chrono::NaiveDate;
use entity::survey::followup::{self, FollowUpStatus};
use entity::survey::report;
use entity::survey::report_item::{self, ItemKind};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::Deserialize;

use crate::access::Scope;
use crate::error::{AppError, AppResult};
use crate::region::service::Subtree;
use crate::validate;
use crate::write::{Who, check_version, record_uuid, unique_to_conflict};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedReport {
    report_no: i32,
    title: String,
    issuing_body: String,
    issued_on: NaiveDate,
    region_code: Option<String>,
    domains: Vec<String>,
    problems: Vec<String>,
    recommendations: Vec<String>,
    note: String,
}

/// The domains of each shipped report, by report number.
pub fn shipped_domains() -> AppResult<Vec<(i32, Vec<String>)>> {
    let reports: Vec<SeedReport> = serde_json::from_str(include_str!("seed/reports.json"))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("reports.json: {e}")))?;
    Ok(reports.into_iter().map(|r| (r.report_no, r.domains)).collect())
}

/// The seed as the registration runs it (`registry::Seed`): the reports (their items are
/// reference data, not records, so `records` and `scale` change nothing); no record rows.
pub fn registered(
    db: &DatabaseConnection,
    _records: bool,
    _scale: u32,
) -> futures_util::future::BoxFuture<'_, AppResult<u64>> {
    Box::pin(async move {
        seed(db).await?;
        Ok(0)
    })
}

/// Inserts the shipped reports and their items when there are none yet.
pub async fn seed(db: &impl ConnectionTrait) -> AppResult<()> {
    if report::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let reports: Vec<SeedReport> = serde_json::from_str(include_str!("seed/reports.json"))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("reports.json: {e}")))?;
    for r in reports {
        report::ActiveModel {
            report_no: Set(r.report_no),
            title: Set(r.title),
            issuing_body: Set(r.issuing_body),
            issued_on: Set(r.issued_on),
            region_code: Set(r.region_code),
            domains: Set(serde_json::json!(r.domains)),
            note: Set(r.note),
        }
        .insert(db)
        .await?;
        for (kind, items) in [
            (ItemKind::Problem, r.problems),
            (ItemKind::Recommendation, r.recommendations),
        ] {
            for (i, text) in items.into_iter().enumerate() {
                report_item::ActiveModel {
                    report_no: Set(r.report_no),
                    kind: Set(kind),
                    position: Set(i as i32 + 1),
                    text: Set(text),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
        }
    }
    Ok(())
}

/// Reports by number, optionally of a domain and about a region subtree.
pub async fn list(
    db: &DatabaseConnection,
    domain: Option<&str>,
    region: Option<&Subtree>,
) -> AppResult<Vec<report::Model>> {
    let mut q = report::Entity::find().order_by_asc(report::Column::ReportNo);
    if let Some(r) = region {
        q = q.filter(report::Column::RegionCode.is_in(r.0.iter().cloned()));
    }
    let rows = q.all(db).await?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            domain.is_none_or(|d| {
                r.domains
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(d)))
            })
        })
        .collect())
}

pub async fn find(db: &DatabaseConnection, report_no: i32) -> AppResult<Option<report::Model>> {
    Ok(report::Entity::find_by_id(report_no).one(db).await?)
}

/// The items of these reports, by report, kind and position.
pub async fn items_of(db: &DatabaseConnection, reports: &[i64]) -> AppResult<Vec<report_item::Model>> {
    Ok(report_item::Entity::find()
        .filter(report_item::Column::ReportNo.is_in(reports.iter().map(|r| *r as i32)))
        .order_by_asc(report_item::Column::ReportNo)
        .order_by_asc(report_item::Column::Kind)
        .order_by_asc(report_item::Column::Position)
        .all(db)
        .await?)
}

/// The follow-ups of these items.
pub async fn followups_of(db: &DatabaseConnection, items: &[i64]) -> AppResult<Vec<followup::Model>> {
    Ok(followup::Entity::find()
        .filter(followup::Column::ItemId.is_in(items.iter().copied()))
        .all(db)
        .await?)
}

/// What a follow-up records.
#[derive(Debug, Clone)]
pub struct FollowUpFields {
    pub status: FollowUpStatus,
    pub owner: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub notes: Option<String>,
}

/// Whether a report's region lies in the caller's reach (a report about no place is reached
/// by callers who reach every region only).
fn reaches(scope: &Scope, region: Option<&str>, db_path: Option<&str>) -> bool {
    match (scope, region) {
        (Scope::All, _) => true,
        (Scope::Subtree { .. }, None) => false,
        (Scope::Subtree { .. }, Some(_)) => db_path.is_some_and(|p| scope.contains_path(p)),
    }
}

/// Tracks a recommendation's follow-up: creates it, or changes it with `expected_version`
/// (CONFLICT when stale or missing). Only recommendations are tracked; the report must lie in
/// the caller's reach.
pub async fn track(
    db: &DatabaseConnection,
    who: &Who<'_>,
    item_id: i64,
    f: FollowUpFields,
    expected_version: Option<i32>,
) -> AppResult<followup::Model> {
    let owner = validate::opt_text("owner", f.owner.as_deref(), 64)?;
    let notes = validate::opt_text("notes", f.notes.as_deref(), 2000)?;
    let txn = crate::store::begin_write(db).await?;
    let item = report_item::Entity::find_by_id(item_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("report item", item_id))?;
    if item.kind != ItemKind::Recommendation {
        return Err(AppError::bad_input(
            "itemId",
            "only a recommendation (意见建议) has a follow-up",
        ));
    }
    let rep = report::Entity::find_by_id(item.report_no)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "report {} of item {item_id} vanished",
                item.report_no
            ))
        })?;
    let path = match &rep.region_code {
        Some(code) => crate::region::service::find(&txn, code).await?.map(|r| r.path),
        None => None,
    };
    if !reaches(who.scope, rep.region_code.as_deref(), path.as_deref()) {
        return Err(AppError::not_found("report item", item_id));
    }
    let current = followup::Entity::find()
        .filter(followup::Column::ItemId.eq(item_id))
        .one(&txn)
        .await?;
    let model = match (current, expected_version) {
        (None, None) => {
            let model = followup::ActiveModel {
                uuid: Set(record_uuid("uuid", None)?),
                item_id: Set(item_id),
                region_code: Set(rep.region_code.clone()),
                status: Set(f.status),
                owner: Set(owner),
                due_on: Set(f.due_on),
                notes: Set(notes),
                version: Set(1),
                created_at: Set(who.at),
                updated_at: Set(who.at),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(unique_to_conflict(
                "the recommendation is tracked already; pass expectedVersion",
            ))?;
            who.created(
                &txn,
                "trackRecommendation",
                &model,
                rep.region_code.as_deref().unwrap_or(""),
            )
            .await?;
            model
        }
        (Some(c), Some(v)) => {
            check_version("the follow-up", &c, v)?;
            let mut active: followup::ActiveModel = c.clone().into();
            active.status = Set(f.status);
            active.owner = Set(owner);
            active.due_on = Set(f.due_on);
            active.notes = Set(notes);
            let updated = who
                .update::<followup::Entity>(&txn, active, &c, "the follow-up")
                .await?;
            who.updated(
                &txn,
                "trackRecommendation",
                &c,
                &updated,
                rep.region_code.as_deref().unwrap_or(""),
            )
            .await?;
            updated
        }
        (Some(c), None) => {
            return Err(AppError::Conflict(format!(
                "the recommendation is tracked already (version {}); pass expectedVersion",
                c.version
            )));
        }
        (None, Some(_)) => {
            return Err(AppError::Conflict(
                "the recommendation is not tracked yet; omit expectedVersion".into(),
            ));
        }
    };
    txn.commit().await?;
    Ok(model)
}

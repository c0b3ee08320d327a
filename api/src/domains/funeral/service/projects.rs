//! Construction projects (建设项目), their funding and milestones (节点).

use chrono::NaiveDate;
use entity::funeral::milestone;
use entity::funeral::project;
use sea_orm::sea_query::{Expr, ExprTrait};
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

/// Filter of project lists.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct ProjectFilter {
    pub region: Option<Subtree>,
    pub facility_id: Option<i64>,
    /// Projects with a milestone due before this date and not achieved (behind schedule).
    pub behind_schedule_as_of: Option<NaiveDate>,
    pub scope: Scope,
}

/// Projects with a milestone planned before `as_of` and not achieved by then.
pub fn behind_schedule(as_of: NaiveDate) -> sea_orm::Condition {
    let late = sea_orm::sea_query::Query::select()
        .expr(Expr::val(1))
        .from(milestone::Entity)
        .and_where(
            Expr::col((milestone::Entity, milestone::Column::ProjectId))
                .equals((project::Entity, project::Column::Id)),
        )
        .and_where(Expr::col((milestone::Entity, milestone::Column::PlannedOn)).lt(as_of))
        .cond_where(
            sea_orm::Condition::any()
                .add(Expr::col((milestone::Entity, milestone::Column::AchievedOn)).is_null())
                .add(Expr::col((milestone::Entity, milestone::Column::AchievedOn)).gte(as_of)),
        )
        .to_owned();
    sea_orm::Condition::all().add(Expr::exists(late))
}

fn condition(f: &ProjectFilter) -> sea_orm::Condition {
    let mut cond = in_region(project::Entity, &f.scope, f.region.as_ref());
    if let Some(id) = f.facility_id {
        cond = cond.add(project::Column::FacilityId.eq(id));
    }
    if let Some(d) = f.behind_schedule_as_of {
        cond = cond.add(behind_schedule(d));
    }
    cond
}

pub async fn list_projects(
    db: &DatabaseConnection,
    f: &ProjectFilter,
    args: &PageArgs,
) -> AppResult<Page<project::Model>> {
    let id = Expr::col((project::Entity, project::Column::Id));
    let order = Ordering {
        name: "id",
        key: id.clone(),
        kind: KeyKind::Int,
        text: |m: &project::Model| m.id.to_string(),
        ascending: true,
    };
    keyset(
        db,
        project::Entity::find().filter(condition(f)),
        id,
        |m| m.id,
        order,
        args,
    )
    .await
}

pub async fn count_projects(db: &DatabaseConnection, f: &ProjectFilter) -> AppResult<u64> {
    Ok(project::Entity::find().filter(condition(f)).count(db).await?)
}

pub async fn find_project(
    db: &impl ConnectionTrait,
    id: i64,
    scope: &Scope,
) -> AppResult<Option<project::Model>> {
    find_in_scope::<project::Entity>(db, id, scope).await
}

/// The milestones of these projects, by project, planned date and id.
pub async fn milestones_of(db: &DatabaseConnection, projects: &[i64]) -> AppResult<Vec<milestone::Model>> {
    Ok(milestone::Entity::find()
        .filter(milestone::Column::ProjectId.is_in(projects.iter().copied()))
        .order_by_asc(milestone::Column::ProjectId)
        .order_by_asc(milestone::Column::PlannedOn)
        .order_by_asc(milestone::Column::Id)
        .all(db)
        .await?)
}

/// The projects of these facilities, by facility and id.
pub async fn projects_of(db: &DatabaseConnection, facilities: &[i64]) -> AppResult<Vec<project::Model>> {
    Ok(project::Entity::find()
        .filter(project::Column::FacilityId.is_in(facilities.iter().copied()))
        .order_by_asc(project::Column::FacilityId)
        .order_by_asc(project::Column::Id)
        .all(db)
        .await?)
}

/// What a project's create or update sets.
#[derive(Debug, Clone)]
pub struct ProjectFields {
    pub region_code: String,
    pub facility_id: Option<i64>,
    pub name: String,
    pub tendered_cost_fen: Option<i64>,
    pub planned_investment_fen: Option<i64>,
    pub allocated_fen: Option<i64>,
}

async fn checked(db: &impl ConnectionTrait, who: &Who<'_>, f: ProjectFields) -> AppResult<ProjectFields> {
    let name = validate::text("name", &f.name, 2, 64)?;
    money("tenderedCost", f.tendered_cost_fen)?;
    let planned = money("plannedInvestment", f.planned_investment_fen)?;
    let allocated = money("allocated", f.allocated_fen)?;
    if let (Some(p), Some(a)) = (planned, allocated)
        && a > p
    {
        return Err(AppError::bad_input(
            "allocated",
            "the allocation exceeds the planned investment",
        ));
    }
    let region = regions::require_in_reach(db, &f.region_code, who.scope, "regionCode").await?;
    if let Some(fid) = f.facility_id {
        let facility = super::facilities::find_facility(db, fid, who.scope).await?;
        if facility.is_none_or(|fac| fac.region_code != region.code) {
            return Err(AppError::bad_input(
                "facilityId",
                "no facility with this id in the project's region",
            ));
        }
    }
    Ok(ProjectFields {
        name,
        region_code: region.code,
        ..f
    })
}

pub async fn create_project(
    db: &DatabaseConnection,
    who: &Who<'_>,
    fields: ProjectFields,
    uuid: Option<String>,
) -> AppResult<project::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let fingerprint = format!("{fields:?}|{uuid}");
    who.create::<project::Entity>(db, "createFuneralProject", &fingerprint, async |txn| {
        let f = checked(txn, who, fields).await?;
        uuid_free::<project::Entity>(txn, project::Column::Uuid, &uuid).await?;
        let model = project::ActiveModel {
            uuid: Set(uuid),
            region_code: Set(f.region_code),
            facility_id: Set(f.facility_id),
            name: Set(f.name),
            tendered_cost_fen: Set(f.tendered_cost_fen),
            planned_investment_fen: Set(f.planned_investment_fen),
            allocated_fen: Set(f.allocated_fen),
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

pub async fn update_project(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    fields: ProjectFields,
    expected_version: i32,
) -> AppResult<project::Model> {
    let txn = crate::store::begin_write(db).await?;
    let current = find_project(&txn, id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("funeral project", id))?;
    check_version("the project", &current, expected_version)?;
    let f = checked(&txn, who, fields).await?;
    if f.region_code != current.region_code {
        return Err(AppError::bad_input(
            "regionCode",
            "a project's region does not change",
        ));
    }
    let mut active: project::ActiveModel = current.clone().into();
    active.facility_id = Set(f.facility_id);
    active.name = Set(f.name);
    active.tendered_cost_fen = Set(f.tendered_cost_fen);
    active.planned_investment_fen = Set(f.planned_investment_fen);
    active.allocated_fen = Set(f.allocated_fen);
    let updated = who
        .update::<project::Entity>(&txn, active, &current, "the project")
        .await?;
    who.updated(
        &txn,
        "updateFuneralProject",
        &current,
        &updated,
        &updated.region_code,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// What a milestone's create or update sets.
#[derive(Debug, Clone)]
pub struct MilestoneFields {
    pub name: String,
    pub planned_on: Option<NaiveDate>,
    pub achieved_on: Option<NaiveDate>,
}

fn milestone_checked(f: MilestoneFields) -> AppResult<MilestoneFields> {
    Ok(MilestoneFields {
        name: validate::text("name", &f.name, 2, 64)?,
        planned_on: f
            .planned_on
            .map(|d| date_in_range("plannedOn", d, false))
            .transpose()?,
        achieved_on: f
            .achieved_on
            .map(|d| date_in_range("achievedOn", d, true))
            .transpose()?,
    })
}

pub async fn add_milestone(
    db: &DatabaseConnection,
    who: &Who<'_>,
    project_id: i64,
    fields: MilestoneFields,
    uuid: Option<String>,
) -> AppResult<milestone::Model> {
    let uuid = record_uuid("uuid", uuid.as_deref())?;
    let f = milestone_checked(fields)?;
    let fingerprint = format!("{project_id}|{f:?}|{uuid}");
    who.create::<milestone::Entity>(db, "addFuneralMilestone", &fingerprint, async |txn| {
        let project = find_project(txn, project_id, who.scope).await?.ok_or_else(|| {
            AppError::bad_input(
                "projectId",
                format!("no project with id {project_id} in your reach"),
            )
        })?;
        uuid_free::<milestone::Entity>(txn, milestone::Column::Uuid, &uuid).await?;
        let model = milestone::ActiveModel {
            uuid: Set(uuid),
            region_code: Set(project.region_code.clone()),
            project_id: Set(project.id),
            name: Set(f.name),
            planned_on: Set(f.planned_on),
            achieved_on: Set(f.achieved_on),
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

/// Changes a milestone: its name, planned date, or the date it was achieved.
pub async fn update_milestone(
    db: &DatabaseConnection,
    who: &Who<'_>,
    id: i64,
    fields: MilestoneFields,
    expected_version: i32,
) -> AppResult<milestone::Model> {
    let f = milestone_checked(fields)?;
    let txn = crate::store::begin_write(db).await?;
    let current = find_in_scope::<milestone::Entity>(&txn, id, who.scope)
        .await?
        .ok_or_else(|| AppError::not_found("milestone", id))?;
    check_version("the milestone", &current, expected_version)?;
    let mut active: milestone::ActiveModel = current.clone().into();
    active.name = Set(f.name);
    active.planned_on = Set(f.planned_on);
    active.achieved_on = Set(f.achieved_on);
    let updated = who
        .update::<milestone::Entity>(&txn, active, &current, "the milestone")
        .await?;
    who.updated(
        &txn,
        "updateFuneralMilestone",
        &current,
        &updated,
        &updated.region_code,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

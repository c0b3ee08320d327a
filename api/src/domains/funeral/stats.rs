//! `funeralStats`: what report 5 counts, from the records, in a handful of grouped
//! statements (no GraphQL here).

use chrono::NaiveDate;
use entity::funeral::facility::{self, FacilityKind, Stage};
use entity::funeral::milestone;
use entity::funeral::plot::{self, PlotStatus};
use entity::funeral::project;
use entity::funeral::subsidy;
use entity::funeral::violation::{self, Handling};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use super::service::in_region;
use super::service::projects::behind_schedule;
use crate::access::Scope;
use crate::error::AppResult;
use crate::region::service::Subtree;

/// Which records the statistics cover, and the date schedules are judged on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatsFilter {
    pub scope: Scope,
    pub region: Option<Subtree>,
    pub as_of: NaiveDate,
}

/// Everything `funeralStats` reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Facilities by kind and stage.
    pub facilities: Vec<(FacilityKind, Stage, i64)>,
    /// Plots by status.
    pub plots: Vec<(PlotStatus, i64)>,
    pub projects: i64,
    pub tendered_fen: i64,
    /// Tendered cost by the kind of facility the project builds.
    pub tendered_by_kind: Vec<(FacilityKind, i64)>,
    pub planned_fen: i64,
    pub allocated_fen: i64,
    /// Projects with a milestone planned before `as_of` and not achieved by then.
    pub projects_behind: i64,
    pub milestones_behind: i64,
    pub subsidies: i64,
    pub subsidies_fen: i64,
    /// Violations that occurred by `as_of`, by how handled.
    pub violations: Vec<(Handling, i64)>,
    /// Violations recorded at all in the region, whatever their date: none means no
    /// inspection data, so that the count by `as_of` is unknown rather than 0.
    pub violations_ever: i64,
}

impl Stats {
    pub fn facilities_of(&self, keep: impl Fn(FacilityKind, Stage) -> bool) -> i64 {
        self.facilities
            .iter()
            .filter(|(k, s, _)| keep(*k, *s))
            .map(|(_, _, n)| n)
            .sum()
    }
    pub fn tendered_for(&self, kind: FacilityKind) -> i64 {
        self.tendered_by_kind
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n)
            .sum()
    }
    pub fn plots_of(&self, keep: impl Fn(PlotStatus) -> bool) -> i64 {
        self.plots.iter().filter(|(s, _)| keep(*s)).map(|(_, n)| n).sum()
    }
    pub fn violations_of(&self, keep: impl Fn(Handling) -> bool) -> i64 {
        self.violations
            .iter()
            .filter(|(h, _)| keep(*h))
            .map(|(_, n)| n)
            .sum()
    }
}

/// `CAST(COALESCE(SUM(e), 0) AS BIGINT)`.
fn bigint_sum(e: Expr) -> Expr {
    Func::cast_as(Func::coalesce([Func::sum(e).into(), Expr::val(0i64)]), Alias::new("BIGINT")).into()
}

fn count() -> Expr {
    Expr::cust("CAST(COUNT(*) AS BIGINT)")
}

fn sum(column: &str) -> Expr {
    Expr::cust(format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)"))
}

pub async fn compute(db: &impl ConnectionTrait, f: &StatsFilter) -> AppResult<Stats> {
    let region = f.region.as_ref();
    let facilities: Vec<(FacilityKind, Stage, i64)> = facility::Entity::find()
        .select_only()
        .column(facility::Column::Kind)
        .column(facility::Column::Stage)
        .column_as(count(), "n")
        .filter(in_region(facility::Entity, &f.scope, region))
        .group_by(facility::Column::Kind)
        .group_by(facility::Column::Stage)
        .into_tuple()
        .all(db)
        .await?;
    let plots: Vec<(PlotStatus, i64)> = plot::Entity::find()
        .select_only()
        .column(plot::Column::Status)
        .column_as(count(), "n")
        .filter(in_region(plot::Entity, &f.scope, region))
        .group_by(plot::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let funding: Option<(i64, i64, i64, i64)> = project::Entity::find()
        .select_only()
        .column_as(count(), "n")
        .column_as(sum("tendered_cost_fen"), "tendered")
        .column_as(sum("planned_investment_fen"), "planned")
        .column_as(sum("allocated_fen"), "allocated")
        .filter(in_region(project::Entity, &f.scope, region))
        .into_tuple()
        .one(db)
        .await?;
    let (projects, tendered_fen, planned_fen, allocated_fen) = funding.unwrap_or_default();
    let tendered_by_kind: Vec<(FacilityKind, i64)> = project::Entity::find()
        .select_only()
        .column_as(Expr::col((facility::Entity, facility::Column::Kind)), "kind")
        .column_as(sum("funeral_projects.tendered_cost_fen"), "tendered")
        .join(
            sea_orm::JoinType::InnerJoin,
            project::Entity::belongs_to(facility::Entity)
                .from(project::Column::FacilityId)
                .to(facility::Column::Id)
                .into(),
        )
        .filter(in_region(project::Entity, &f.scope, region))
        .group_by(Expr::col((facility::Entity, facility::Column::Kind)))
        .into_tuple()
        .all(db)
        .await?;
    let projects_behind = project::Entity::find()
        .filter(in_region(project::Entity, &f.scope, region))
        .filter(behind_schedule(f.as_of))
        .count(db)
        .await? as i64;
    let milestones_behind = milestone::Entity::find()
        .filter(in_region(milestone::Entity, &f.scope, region))
        .filter(milestone::Column::PlannedOn.lt(f.as_of))
        .filter(
            sea_orm::Condition::any()
                .add(milestone::Column::AchievedOn.is_null())
                .add(Expr::col((milestone::Entity, milestone::Column::AchievedOn)).gte(f.as_of)),
        )
        .count(db)
        .await? as i64;
    let paid: Option<(i64, i64)> = subsidy::Entity::find()
        .select_only()
        .column_as(count(), "n")
        .column_as(sum("amount_fen"), "amount")
        .filter(in_region(subsidy::Entity, &f.scope, region))
        .filter(subsidy::Column::PaidOn.lte(f.as_of))
        .into_tuple()
        .one(db)
        .await?;
    let (subsidies, subsidies_fen) = paid.unwrap_or_default();
    let by_handling: Vec<(Handling, i64, i64)> = violation::Entity::find()
        .select_only()
        .column(violation::Column::Handling)
        .column_as(
            bigint_sum(
                Expr::case(violation::Column::OccurredOn.lte(f.as_of), Expr::val(1i64))
                    .finally(Expr::val(0i64))
                    .into(),
            ),
            "by_as_of",
        )
        .column_as(count(), "n")
        .filter(in_region(violation::Entity, &f.scope, region))
        .group_by(violation::Column::Handling)
        .into_tuple()
        .all(db)
        .await?;
    let violations_ever = by_handling.iter().map(|(_, _, n)| n).sum();
    let violations = by_handling.into_iter().map(|(h, by, _)| (h, by)).collect();
    Ok(Stats {
        facilities,
        plots,
        projects,
        tendered_fen,
        tendered_by_kind,
        planned_fen,
        allocated_fen,
        projects_behind,
        milestones_behind,
        subsidies,
        subsidies_fen,
        violations,
        violations_ever,
    })
}

/// The date the region's funeral records stand at (数据截止日期): the day, in China Standard
/// Time, its records were last written (projects, milestones, subsidies, violations, plots,
/// facilities), or None when it has none. `funeralStats` judges schedules on it by default,
/// not on today, which may be years after the data.
pub async fn data_date(db: &impl ConnectionTrait, scope: &Scope, region: Option<&Subtree>) -> AppResult<Option<NaiveDate>> {
    fn latest<E: EntityTrait + Default + Copy>(scope: &Scope, region: Option<&Subtree>, updated_at: E::Column) -> SelectStatement {
        Query::select()
            .expr_as(Func::max(Expr::col((E::default(), updated_at))), Alias::new("d"))
            .from(E::default())
            .cond_where(in_region(E::default(), scope, region))
            .to_owned()
    }
    let mut q = latest::<project::Entity>(scope, region, project::Column::UpdatedAt);
    q.union(UnionType::All, latest::<milestone::Entity>(scope, region, milestone::Column::UpdatedAt))
        .union(UnionType::All, latest::<subsidy::Entity>(scope, region, subsidy::Column::UpdatedAt))
        .union(UnionType::All, latest::<violation::Entity>(scope, region, violation::Column::UpdatedAt))
        .union(UnionType::All, latest::<plot::Entity>(scope, region, plot::Column::UpdatedAt))
        .union(UnionType::All, latest::<facility::Entity>(scope, region, facility::Column::UpdatedAt));
    let mut last: Option<NaiveDate> = None;
    for row in db.query_all(&q).await? {
        let at: Option<chrono::DateTime<chrono::Utc>> = row.try_get("", "d")?;
        let day = at.map(crate::validate::china_date);
        last = Ord::max(last, day);
    }
    Ok(last)
}

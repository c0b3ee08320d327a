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
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, QueryTrait};

use super::service::in_region;
use super::service::projects::behind_schedule;
use crate::access::Scope;
use crate::aggregate::tally::{
    Amount, Tally, amount_columns, key_sum, key_sum_where, read_amount, read_tally, squares, sum_or_zero,
};
use crate::error::AppResult;
use crate::region::service::Subtree;

/// Which records the statistics cover, and the date schedules are judged on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatsFilter {
    pub scope: Scope,
    pub region: Option<Subtree>,
    pub as_of: NaiveDate,
}

/// Everything `funeralStats` reports, each count and sum with its cell (`Tally`, `Amount`),
/// so that a figure folded from these groups is protected as the cell of its records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Facilities by kind and stage.
    pub facilities: Vec<(FacilityKind, Stage, Tally)>,
    /// Plots by status.
    pub plots: Vec<(PlotStatus, Tally)>,
    pub projects: Tally,
    pub tendered: Amount,
    /// Tendered cost by the kind of facility the project builds.
    pub tendered_by_kind: Vec<(FacilityKind, Amount)>,
    pub planned: Amount,
    pub allocated: Amount,
    /// Planned investment less allocation, project by project (an unknown amount as 0; its
    /// squares are the gaps').
    pub gap: Amount,
    /// Projects with a milestone planned before `as_of` and not achieved by then.
    pub projects_behind: Tally,
    /// Milestones of public works (no person's record) behind schedule: exact for everyone.
    pub milestones_behind: i64,
    pub subsidies: Tally,
    pub subsidies_paid: Amount,
    /// Violations that occurred by `as_of`, by how handled.
    pub violations: Vec<(Handling, Tally)>,
    /// Violations recorded at all in the region, whatever their date: none means no
    /// inspection data, so that the count by `as_of` is unknown rather than 0.
    pub violations_ever: i64,
}

impl Stats {
    pub fn facilities_of(&self, keep: impl Fn(FacilityKind, Stage) -> bool) -> Tally {
        self.facilities
            .iter()
            .filter(|(k, s, _)| keep(*k, *s))
            .map(|(_, _, n)| *n)
            .sum()
    }
    pub fn tendered_for(&self, kind: FacilityKind) -> Amount {
        self.tendered_by_kind
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| *n)
            .sum()
    }
    pub fn plots_of(&self, keep: impl Fn(PlotStatus) -> bool) -> Tally {
        self.plots.iter().filter(|(s, _)| keep(*s)).map(|(_, n)| *n).sum()
    }
    pub fn violations_of(&self, keep: impl Fn(Handling) -> bool) -> Tally {
        self.violations
            .iter()
            .filter(|(h, _)| keep(*h))
            .map(|(_, n)| *n)
            .sum()
    }
}

/// The names of the aggregate measures of the same sums (their noise's salt), and of the sums
/// with none.
pub mod measure {
    pub const TENDERED: &str = "tenderedCost";
    pub const PLANNED: &str = "plannedInvestment";
    pub const ALLOCATED: &str = "fiscalAllocation";
    pub const GAP: &str = "fundingGap";
    pub const SUBSIDIES: &str = "subsidiesAmount";
}

fn count() -> Expr {
    Expr::cust("CAST(COUNT(*) AS BIGINT)")
}

/// `(total, key, squares)` read back as an `Amount`.
fn amount((total, key, squares): (i64, i64, f64)) -> Amount {
    Amount { total, key, squares }
}

pub async fn compute(db: &impl ConnectionTrait, f: &StatsFilter) -> AppResult<Stats> {
    let region = f.region.as_ref();
    let facilities: Vec<(FacilityKind, Stage, i64, i64)> = facility::Entity::find()
        .select_only()
        .column(facility::Column::Kind)
        .column(facility::Column::Stage)
        .column_as(count(), "n")
        .column_as(key_sum("funeral_facilities"), "k")
        .filter(in_region(facility::Entity, &f.scope, region))
        .group_by(facility::Column::Kind)
        .group_by(facility::Column::Stage)
        .into_tuple()
        .all(db)
        .await?;
    let plots: Vec<(PlotStatus, i64, i64)> = plot::Entity::find()
        .select_only()
        .column(plot::Column::Status)
        .column_as(count(), "n")
        .column_as(key_sum("grave_plots"), "k")
        .filter(in_region(plot::Entity, &f.scope, region))
        .group_by(plot::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    // Planned less allocated, project by project, an unknown amount as 0: the gaps add up to
    // the planned total less the allocated total.
    let gap = Expr::cust(
        "COALESCE(funeral_projects.planned_investment_fen, 0) - COALESCE(funeral_projects.allocated_fen, 0)",
    );
    let mut funding = project::Entity::find()
        .select_only()
        .column_as(count(), "n")
        .column_as(key_sum("funeral_projects"), "n_k");
    for (name, column) in [
        ("tendered", "tendered_cost_fen"),
        ("planned", "planned_investment_fen"),
        ("allocated", "allocated_fen"),
    ] {
        for (suffix, e) in amount_columns("funeral_projects", column) {
            funding = funding.column_as(e, format!("{name}{suffix}"));
        }
    }
    let funding = funding
        .column_as(sum_or_zero(gap.clone()), "gap")
        .column_as(key_sum("funeral_projects"), "gap_k")
        .column_as(squares(gap), "gap_s")
        .filter(in_region(project::Entity, &f.scope, region))
        .into_query();
    let funding = db.query_one(&funding).await?;
    let funding = funding.as_ref();
    let projects = read_tally(funding, "n")?;
    let (tendered, planned, allocated, gap) = (
        read_amount(funding, "tendered")?,
        read_amount(funding, "planned")?,
        read_amount(funding, "allocated")?,
        read_amount(funding, "gap")?,
    );
    let [(_, by_kind), (_, by_kind_key), (_, by_kind_sq)] = amount_columns("funeral_projects", "tendered_cost_fen");
    let tendered_by_kind: Vec<(FacilityKind, i64, i64, f64)> = project::Entity::find()
        .select_only()
        .column_as(Expr::col((facility::Entity, facility::Column::Kind)), "kind")
        .column_as(by_kind, "tendered")
        .column_as(by_kind_key, "k")
        .column_as(by_kind_sq, "s")
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
    let behind: Option<(i64, i64)> = project::Entity::find()
        .select_only()
        .column_as(count(), "n")
        .column_as(key_sum("funeral_projects"), "k")
        .filter(in_region(project::Entity, &f.scope, region))
        .filter(behind_schedule(f.as_of))
        .into_tuple()
        .one(db)
        .await?;
    let milestones_behind = milestone::Entity::find()
        .filter(in_region(milestone::Entity, &f.scope, region))
        .filter(milestone::Column::PlannedOn.lt(f.as_of))
        .filter(
            Condition::any()
                .add(milestone::Column::AchievedOn.is_null())
                .add(Expr::col((milestone::Entity, milestone::Column::AchievedOn)).gte(f.as_of)),
        )
        .count(db)
        .await? as i64;
    let [(_, paid), (_, paid_key), (_, paid_sq)] = amount_columns("funeral_subsidies", "amount_fen");
    let subsidies: Option<(i64, i64, i64, i64, f64)> = subsidy::Entity::find()
        .select_only()
        .column_as(count(), "n")
        .column_as(key_sum("funeral_subsidies"), "k")
        .column_as(paid, "amount")
        .column_as(paid_key, "amount_k")
        .column_as(paid_sq, "amount_s")
        .filter(in_region(subsidy::Entity, &f.scope, region))
        .filter(subsidy::Column::PaidOn.lte(f.as_of))
        .into_tuple()
        .one(db)
        .await?;
    let (sn, sk, st, stk, sts) = subsidies.unwrap_or_default();
    let by_as_of = Condition::all().add(violation::Column::OccurredOn.lte(f.as_of));
    let by_handling: Vec<(Handling, i64, i64, i64)> = violation::Entity::find()
        .select_only()
        .column(violation::Column::Handling)
        .column_as(
            sum_or_zero(Expr::case(by_as_of.clone(), Expr::val(1i32)).finally(Expr::val(0i32))),
            "by_as_of",
        )
        .column_as(key_sum_where("funeral_violations", by_as_of), "k")
        .column_as(count(), "n")
        .filter(in_region(violation::Entity, &f.scope, region))
        .group_by(violation::Column::Handling)
        .into_tuple()
        .all(db)
        .await?;
    let violations_ever = by_handling.iter().map(|(_, _, _, n)| n).sum();
    let violations = by_handling
        .into_iter()
        .map(|(h, n, key, _)| (h, Tally { n, key }))
        .collect();
    Ok(Stats {
        facilities: facilities
            .into_iter()
            .map(|(kind, stage, n, key)| (kind, stage, Tally { n, key }))
            .collect(),
        plots: plots
            .into_iter()
            .map(|(status, n, key)| (status, Tally { n, key }))
            .collect(),
        projects,
        tendered,
        tendered_by_kind: tendered_by_kind
            .into_iter()
            .map(|(kind, t, k, s)| (kind, amount((t, k, s))))
            .collect(),
        planned,
        allocated,
        gap,
        projects_behind: behind.map(|(n, key)| Tally { n, key }).unwrap_or_default(),
        milestones_behind,
        subsidies: Tally { n: sn, key: sk },
        subsidies_paid: amount((st, stk, sts)),
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

//! Enforcement KPIs (执行质效指标) as GraphQL objects.

use async_graphql::{Context, ID, InputObject, Result, SimpleObject};

use crate::domains::enforcement::kpis::{self, Kpis, growth, ratio};
use crate::error::AppError;
use crate::region::loaders::subtree;
use crate::scalars::{Date, Money};

use super::*;

/// Filter of `enforcementKpis`.
#[derive(InputObject, Default)]
pub struct EnforcementKpiFilter {
    /// Cases of courts in this region and below (行政区划代码).
    pub region_code: Option<String>,
    /// Cases of this court.
    pub court_id: Option<ID>,
    /// Start of the period (inclusive): cases filed, measures taken, debtors listed and orders issued from this date.
    pub filed_from: Option<Date>,
    /// End of the period (inclusive).
    pub filed_to: Option<Date>,
}

impl EnforcementKpiFilter {
    /// The cost of the KPIs of this filter, for the complexity limit and the rate budget:
    /// they sum a day's aggregate rows per court, so a KPI costs by the days its period spans
    /// (ten years when open-ended), twice when a previous year is compared.
    pub fn cost(filter: Option<&Self>) -> usize {
        let from = filter.and_then(|f| f.filed_from.as_ref()).map(|d| d.0);
        let to = filter.and_then(|f| f.filed_to.as_ref()).map(|d| d.0);
        let days = match (from, to) {
            (Some(f), Some(t)) => (t - f).num_days().clamp(0, 3650) as usize + 1,
            (Some(f), None) => (crate::validate::today() - f).num_days().clamp(0, 3650) as usize + 1,
            _ => 3650,
        };
        let previous_year = if from.is_some() && to.is_some() { 2 } else { 1 };
        10 + days * previous_year / 2
    }

    /// The service's filter, the region resolved to its subtree from memory.
    pub async fn into_service(self, ctx: &Context<'_>) -> Result<kpis::KpiFilter, AppError> {
        Ok(kpis::KpiFilter {
            scope: Default::default(),
            region: subtree(ctx, self.region_code.as_deref(), "regionCode").await?,
            court_id: self
                .court_id
                .as_ref()
                .map(|id| parse_id("courtId", id))
                .transpose()?,
            from: self.filed_from.map(|d| d.0),
            to: self.filed_to.map(|d| d.0),
        })
    }
}

/// The Supreme People's Court's "four 90%" targets (四个90%), shown beside the actuals.
#[derive(SimpleObject, Clone)]
pub struct FourNinetyTargets {
    /// Cases with property closed actually within the statutory limit (有财产可供执行案件法定期限内实际执结率): 0.9.
    pub actual_closure_with_property_rate: f64,
    /// Compliant terminations of cases without property (无财产可供执行案件终本合格率): 0.9.
    pub compliant_termination_rate: f64,
    /// Enforcement complaints resolved (执行信访案件办结率): 0.9.
    pub complaint_resolution_rate: f64,
    /// Overall closure rate of the last three years (近三年执行案件整体执结率): 0.9.
    pub three_year_closure_rate: f64,
}

/// Enforcement KPIs (执行质效指标) of a region or court over a period. Case figures count
/// the cases filed in the period; measures, listings and supervision orders count those
/// taken, listed or issued in the period. Rates are fractions, null when the denominator is 0.
#[derive(SimpleObject, Clone)]
pub struct EnforcementKpis {
    /// Accepted (受理/新收): cases filed in the period.
    pub accepted: i64,
    /// Closed (结案): accepted cases that are closed, in any mode.
    pub closed: i64,
    /// Closure rate (结案率) = closed / accepted.
    pub closure_rate: Option<f64>,
    /// Actually closed (实际执结): closed as executed in full (执行完毕) or settlement performed (和解履行完毕).
    pub actual_closed: i64,
    /// Actual closure rate (实际执结率) = actualClosed / accepted.
    pub actual_closure_rate: Option<f64>,
    /// Subject amount (申请执行标的额) of the accepted cases, yuan; null when withheld from a caller who may not read records (the
    /// dominance rule of disclosure control: one or two cases make most of it).
    pub subject_amount: Option<Money>,
    /// Amount recovered (执行到位金额) on the accepted cases, yuan; null when withheld from a caller who may not read records (the
    /// dominance rule of disclosure control: one or two cases make most of it).
    pub recovered_amount: Option<Money>,
    /// Actual recovery rate (实际到位率) = recoveredAmount / subjectAmount.
    pub recovery_rate: Option<f64>,
    /// Terminated this round (终本): closed as 终结本次执行程序.
    pub terminated_this_round: i64,
    /// Terminated-this-round rate (终本率) = terminatedThisRound / closed.
    pub terminated_this_round_rate: Option<f64>,
    /// Closed within the statutory limit (法定期限内结案): closed within six months of filing.
    pub closed_within_limit: i64,
    /// Closed-within-limit rate (法定期限内结案率) = closedWithinLimit / closed.
    pub closed_within_limit_rate: Option<f64>,
    /// Accepted in the same period a year earlier (去年同期受理), null without both period ends.
    pub accepted_previous_year: Option<i64>,
    /// Growth of accepted (受理同比) = accepted / acceptedPreviousYear - 1.
    pub accepted_growth: Option<f64>,
    /// Actually closed in the same period a year earlier (去年同期实际执结).
    pub actual_closed_previous_year: Option<i64>,
    /// Growth of actually closed (实际执结同比) = actualClosed / actualClosedPreviousYear - 1.
    pub actual_closed_growth: Option<f64>,
    /// Subject amount of the closed cases (执结标的额), yuan; null when withheld from a caller who may not read records (the
    /// dominance rule of disclosure control: one or two cases make most of it).
    pub closed_subject_amount: Option<Money>,
    /// Closed cases transferred to bankruptcy (执转破).
    pub transferred_to_bankruptcy: i64,
    /// Closed cases of the three priority categories (三类案件: 涉民生、金融、党政机关).
    pub closed_priority_categories: i64,
    /// Detentions (司法拘留), person-times.
    pub detentions: i64,
    /// Summonses by force (拘传), person-times.
    pub summonses: i64,
    /// Detentions and summonses together (拘留、拘传), person-times.
    pub detentions_and_summons: i64,
    /// Fines imposed (罚款), count.
    pub fines: i64,
    /// Fines imposed (罚款金额), yuan; null when withheld from a caller who may not read records (the
    /// dominance rule of disclosure control: one or two cases make most of it).
    pub fine_amount: Option<Money>,
    /// Referrals for the crime of refusing to execute (移送拒执罪), persons.
    pub refusal_crime_referrals: i64,
    /// Referrals that ended in conviction (被判处拒执罪), persons.
    pub refusal_crime_convictions: i64,
    /// Cases with a conviction for refusing to execute (拒执罪案件).
    pub refusal_crime_cases: i64,
    /// Dishonest-debtor listings (纳入失信被执行人名单), person-times.
    pub dishonest_listings: i64,
    /// Of those listings, removed because the debtor performed (履行后移除).
    pub dishonest_removals_after_performance: i64,
    /// Of those listings, debtors who performed of their own accord (主动履行), whether or
    /// not they have been removed from the list.
    pub dishonest_voluntary_performances: i64,
    /// Supervision orders issued (督办).
    pub supervision_orders: i64,
    /// Distinct supervision batches (督办批次).
    pub supervision_batches: i64,
    /// Distinct courts supervised (被督办法院数).
    pub supervised_courts: i64,
    /// The "four 90%" targets (四个90%) to show beside the actuals.
    pub targets: FourNinetyTargets,
}

impl EnforcementKpis {
    /// The KPIs as the caller may see them: exact for roles that may read records,
    /// protected by disclosure control for the others (`kpis::protect`).
    pub fn for_caller(ctx: &Context<'_>, k: Kpis) -> Self {
        match crate::aggregate::graphql::protection(ctx, &crate::domains::enforcement::policy::POLICY) {
            Some(method) => kpis::protect(k, &method).into(),
            None => k.into(),
        }
    }
}

impl From<Kpis> for EnforcementKpis {
    fn from(k: Kpis) -> Self {
        let t = &k.cases;
        let prev = k.previous_year.as_ref();
        let money = |figure: &str, fen: i64| (!k.withheld.contains(figure)).then_some(Money(fen));
        EnforcementKpis {
            accepted: t.accepted,
            closed: t.closed,
            closure_rate: ratio(t.closed, t.accepted),
            actual_closed: t.actual_closed,
            actual_closure_rate: ratio(t.actual_closed, t.accepted),
            subject_amount: money("subject_fen", t.subject_fen),
            recovered_amount: money("recovered_fen", t.recovered_fen),
            recovery_rate: ratio(t.recovered_fen, t.subject_fen)
                .filter(|_| !k.withheld.contains("recovered_fen") && !k.withheld.contains("subject_fen")),
            terminated_this_round: t.terminated_this_round,
            terminated_this_round_rate: ratio(t.terminated_this_round, t.closed),
            closed_within_limit: t.closed_within_limit,
            closed_within_limit_rate: ratio(t.closed_within_limit, t.closed),
            accepted_previous_year: prev.map(|p| p.accepted),
            accepted_growth: prev.and_then(|p| growth(t.accepted, p.accepted)),
            actual_closed_previous_year: prev.map(|p| p.actual_closed),
            actual_closed_growth: prev.and_then(|p| growth(t.actual_closed, p.actual_closed)),
            closed_subject_amount: money("closed_subject_fen", t.closed_subject_fen),
            transferred_to_bankruptcy: t.transferred_to_bankruptcy,
            closed_priority_categories: t.closed_priority_categories,
            detentions: k.detentions,
            summonses: k.summonses,
            detentions_and_summons: k.detentions + k.summonses,
            fines: k.fines,
            fine_amount: money("fine_fen", k.fine_fen),
            refusal_crime_referrals: k.refusal_crime_referrals,
            refusal_crime_convictions: k.refusal_crime_convictions,
            refusal_crime_cases: k.refusal_crime_cases,
            dishonest_listings: k.dishonest_listings,
            dishonest_removals_after_performance: k.dishonest_removals_after_performance,
            dishonest_voluntary_performances: k.dishonest_voluntary_performances,
            supervision_orders: k.supervision_orders,
            supervision_batches: k.supervision_batches,
            supervised_courts: k.supervised_courts,
            targets: FourNinetyTargets {
                actual_closure_with_property_rate: 0.9,
                compliant_termination_rate: 0.9,
                complaint_resolution_rate: 0.9,
                three_year_closure_rate: 0.9,
            },
        }
    }
}

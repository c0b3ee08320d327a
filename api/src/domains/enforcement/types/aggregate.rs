//! `enforcementAggregate`: enforcement cases grouped for BI (执行案件分组统计).

use async_graphql::{Context, ID, InputObject, Result};
use entity::enforcement::enforcement_case as case;
use sea_orm::Condition;
use sea_orm::sea_query::Expr;

use crate::aggregate::graphql::any_of;
use crate::domains::enforcement::aggregate::{CASES, CATEGORY, CLOSURE_MODE, COURT, STATUS};

use super::*;

crate::named_enum! {
    /// What enforcement cases can be grouped by (分组维度).
    pub enum EnforcementGroupKey {
        /// Region at the requested level (行政区划).
        Region => "region",
        /// Court (法院).
        Court => "court",
        /// Category (案件类别).
        Category => "category",
        /// Status (案件状态).
        Status => "status",
        /// Closure mode (结案方式); pending cases have none.
        ClosureMode => "closureMode",
        /// Time bucket of the period's field (时段).
        Period => "period",
    }
}

crate::named_enum! {
    /// The dates and times enforcement cases can be windowed and bucketed by.
    pub enum EnforcementTimeField {
        /// Filing date (立案日期): the cohort whose closure is measured, as the KPIs do.
        FiledOn => "filedOn",
        /// Closing date (结案日期); pending cases have none and fall outside any window.
        ClosedOn => "closedOn",
        /// When the record was entered (录入时间), bucketed in the request's time zone.
        CreatedAt => "createdAt",
    }
}

crate::named_enum! {
    /// Measures and rates of enforcement aggregates.
    pub enum EnforcementMeasure {
        /// Cases (收案数).
        Cases => "cases",
        /// Closed cases (结案数).
        Closed => "closed",
        /// Cases executed in full or by performed settlement (实际执结数).
        ActualClosed => "actualClosed",
        /// Cases terminated this round (终本数).
        TerminatedThisRound => "terminatedThisRound",
        /// Cases closed within the statutory limit (法定期限内结案数).
        ClosedWithinLimit => "closedWithinLimit",
        /// Subject amount (申请执行标的额).
        SubjectAmount => "subjectAmount",
        /// Amount recovered (执行到位金额).
        RecoveredAmount => "recoveredAmount",
        /// Mean subject amount (平均标的额).
        AverageSubjectAmount => "averageSubjectAmount",
        /// Smallest subject amount.
        MinSubjectAmount => "minSubjectAmount",
        /// Largest subject amount.
        MaxSubjectAmount => "maxSubjectAmount",
        /// Closure rate (结案率).
        ClosureRate => "closureRate",
        /// Actual closure rate (实际执结率).
        ActualClosureRate => "actualClosureRate",
        /// Actual recovery rate (实际到位率).
        RecoveryRate => "recoveryRate",
        /// Terminated-this-round rate (终本率).
        TerminatedThisRoundRate => "terminatedThisRoundRate",
        /// Closed-within-limit rate (法定期限内结案率).
        ClosedWithinLimitRate => "closedWithinLimitRate",
    }
}

crate::aggregate_inputs!(
    period: EnforcementAggregatePeriod,
    having: EnforcementAggregateHaving,
    order: EnforcementAggregateOrder,
    time: EnforcementTimeField,
    measure: EnforcementMeasure
);

/// Which cases an enforcement aggregate covers.
#[derive(InputObject, Default)]
pub struct EnforcementAggregateFilter {
    /// Cases of courts in this region and below (行政区划代码).
    pub region_code: Option<String>,
    /// Cases of these courts.
    pub court_ids: Option<Vec<ID>>,
    /// Cases of these categories.
    pub categories: Option<Vec<CaseCategory>>,
    /// Cases in these statuses.
    pub statuses: Option<Vec<CaseStatus>>,
    /// Cases closed in these modes.
    pub closure_modes: Option<Vec<ClosureMode>>,
}

impl crate::aggregate::graphql::AggregateFilter for EnforcementAggregateFilter {
    fn region_code(&self) -> Option<&str> {
        self.region_code.as_deref()
    }

    /// The filters other than region, as one condition (None when there are none).
    async fn narrowing(
        &self,
        _: &Context<'_>,
        _: &[&'static str],
    ) -> crate::error::AppResult<Option<Condition>> {
        let col = |c: case::Column| Expr::col((case::Entity, c));
        let ids = self
            .court_ids
            .as_ref()
            .map(|ids| {
                ids.iter()
                    .map(|id| parse_id("filter.courtIds", id))
                    .collect::<Result<Vec<i64>, _>>()
            })
            .transpose()?;
        let mut cond = None;
        any_of(&mut cond, col(case::Column::CourtId), &ids, |id| id);
        any_of(
            &mut cond,
            col(case::Column::Category),
            &self.categories,
            case::CaseCategory::from,
        );
        any_of(
            &mut cond,
            col(case::Column::Status),
            &self.statuses,
            case::CaseStatus::from,
        );
        any_of(
            &mut cond,
            col(case::Column::ClosureMode),
            &self.closure_modes,
            case::ClosureMode::from,
        );
        Ok(cond)
    }
}

crate::aggregate_query! {
    /// Enforcement cases grouped for BI (执行案件分组统计): by region at any level, court,
    /// category, status, closure mode and time bucket, with counts, sums, averages, extremes
    /// and the KPIs' rates per group (computed as `enforcementKpis` computes them). One GROUP BY
    /// whatever the number of groups; time series zero-filled over the period; counts and sums protected by the cell key
    /// method for `statistics_reader` and `anonymous` (`disclosureMethod`).
    EnforcementAggregateQuery::enforcement_aggregate -> EnforcementAggregate,
    dataset: CASES, policy: crate::domains::enforcement::policy::POLICY,
    filter: EnforcementAggregateFilter, key: EnforcementGroupKey, period: EnforcementAggregatePeriod,
    having: EnforcementAggregateHaving, order: EnforcementAggregateOrder,
}

crate::aggregate_types! {
    /// Enforcement cases grouped (执行案件分组统计).
    EnforcementAggregate,
    /// One group of enforcement cases (执行案件分组): its keys (those grouped by; the others are null) and
    /// measures (null when withheld).
    EnforcementAggregateRow,
    keys {
        /// Court (法院); null unless grouped by COURT.
        async fn court(&self, ctx: &Context<'_>) -> Result<Option<Court>> {
            match self.0.id_key(COURT) {
                Some(id) => load_court(ctx, id).await,
                None => Ok(None),
            }
        }
        /// Category (案件类别); null unless grouped by CATEGORY.
        async fn category(&self) -> Option<CaseCategory> {
            self.0.enum_key::<case::CaseCategory>(CATEGORY).map(Into::into)
        }
        /// Status (案件状态); null unless grouped by STATUS.
        async fn status(&self) -> Option<CaseStatus> {
            self.0.enum_key::<case::CaseStatus>(STATUS).map(Into::into)
        }
        /// Closure mode (结案方式); null unless grouped by CLOSURE_MODE, and for pending cases.
        async fn closure_mode(&self) -> Option<ClosureMode> {
            self.0.enum_key::<case::ClosureMode>(CLOSURE_MODE).map(Into::into)
        }
    }
    measures {
        /// Cases (收案数).
        cases: count("cases"),
        /// Closed cases (结案数).
        closed: count("closed"),
        /// Cases executed in full or by performed settlement (实际执结数).
        actual_closed: count("actualClosed"),
        /// Cases terminated this round (终本数).
        terminated_this_round: count("terminatedThisRound"),
        /// Cases closed within the statutory limit (法定期限内结案数).
        closed_within_limit: count("closedWithinLimit"),
        /// Subject amount (申请执行标的额).
        subject_amount: money("subjectAmount"),
        /// Amount recovered (执行到位金额).
        recovered_amount: money("recoveredAmount"),
        /// Mean subject amount (平均标的额), rounded half-even to the fen.
        average_subject_amount: money("averageSubjectAmount"),
        /// Smallest subject amount (最小标的额).
        min_subject_amount: money("minSubjectAmount"),
        /// Largest subject amount (最大标的额).
        max_subject_amount: money("maxSubjectAmount"),
        /// Closure rate (结案率): closed / cases.
        closure_rate: number("closureRate"),
        /// Actual closure rate (实际执结率): actually closed / cases.
        actual_closure_rate: number("actualClosureRate"),
        /// Actual recovery rate (实际到位率): recovered / subject amount.
        recovery_rate: number("recoveryRate"),
        /// Terminated-this-round rate (终本率): terminated this round / closed.
        terminated_this_round_rate: number("terminatedThisRoundRate"),
        /// Closed-within-limit rate (法定期限内结案率): closed within the limit / closed.
        closed_within_limit_rate: number("closedWithinLimitRate"),
    }
}

/// The exports of the enforcement domain.
pub static EXPORTS: [crate::export::ExportSpec; 1] = [crate::export::ExportSpec {
    field: "enforcementAggregate",
    filter_type: "EnforcementAggregateFilter",
    key_type: "EnforcementGroupKey",
    period_type: "EnforcementAggregatePeriod",
    dataset: &CASES,
    keys: &[
        crate::export::KeyColumn {
            selection: "court { name }",
            path: &["court", "name"],
            en: "court",
        },
        crate::export::KeyColumn {
            selection: "category",
            path: &["category"],
            en: "category",
        },
        crate::export::KeyColumn {
            selection: "status",
            path: &["status"],
            en: "status",
        },
        crate::export::KeyColumn {
            selection: "closureMode",
            path: &["closureMode"],
            en: "closureMode",
        },
    ],
}];

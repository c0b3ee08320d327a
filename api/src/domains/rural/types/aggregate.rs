//! `observationAggregate`: rural indicator observations grouped for BI (指标分组统计).

use async_graphql::{Context, InputObject, Result};
use entity::rural::{indicator, observation};
use sea_orm::sea_query::Expr;
use sea_orm::{Condition, DatabaseConnection};

use super::*;
use crate::aggregate::graphql::any_of;
use crate::domains::rural::aggregate::{INDICATOR, OBSERVATIONS};
use crate::domains::rural::service::indicators;
use crate::error::AppError;
use crate::loaders::by_id;
use crate::stated::types::FigureInterval;

crate::named_enum! {
    /// What observations can be grouped by (分组维度).
    pub enum ObservationGroupKey {
        /// Region at the requested level (行政区划).
        Region => "region",
        /// Indicator (指标).
        Indicator => "indicator",
        /// Time bucket of the period's field (时段).
        Period => "period",
    }
}

crate::named_enum! {
    /// The dates and times observations can be windowed and bucketed by.
    pub enum ObservationTimeField {
        /// First day of the observation's period (统计期起): 2023-01-01 for `2023`.
        PeriodStart => "periodStart",
        /// When the record was entered (录入时间), bucketed in the request's time zone.
        CreatedAt => "createdAt",
    }
}

crate::named_enum! {
    /// Measures of observation aggregates, in the indicator's canonical unit.
    pub enum ObservationMeasure {
        /// Observations (观测数).
        Observations => "observations",
        /// Sum of the values (合计): meaningful for flows and stocks that add up across regions
        /// (grain output, villages), not for rates or averages.
        Total => "total",
        /// Observations stated as a bound or an approximation (区间观测数).
        Bounded => "bounded",
        /// Mean value (平均值).
        Average => "average",
        /// Smallest value (最小值).
        Min => "min",
        /// Largest value (最大值).
        Max => "max",
    }
}

crate::aggregate_inputs!(
    period: ObservationAggregatePeriod,
    having: ObservationAggregateHaving,
    order: ObservationAggregateOrder,
    time: ObservationTimeField,
    measure: ObservationMeasure
);

/// Which observations an observation aggregate covers.
#[derive(InputObject, Default)]
pub struct ObservationAggregateFilter {
    /// Observations of regions in this region and below (行政区划代码).
    pub region_code: Option<String>,
    /// Observations of these indicators (codes of the catalogue).
    pub indicators: Option<Vec<String>>,
}

impl crate::aggregate::graphql::AggregateFilter for ObservationAggregateFilter {
    fn region_code(&self) -> Option<&str> {
        self.region_code.as_deref()
    }

    async fn narrowing(
        &self,
        ctx: &Context<'_>,
        group_by: &[&'static str],
    ) -> crate::error::AppResult<Option<Condition>> {
        if self.indicators.is_none() && !group_by.contains(&INDICATOR) {
            return Err(AppError::bad_input(
                "filter.indicators",
                "values of different indicators do not add up: name the indicators or group by INDICATOR",
            ));
        }
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let ids = match &self.indicators {
            Some(codes) => {
                let mut ids = Vec::with_capacity(codes.len());
                for code in codes {
                    ids.push(indicators::require(db, code, "filter.indicators").await?.id);
                }
                Some(ids)
            }
            None => None,
        };
        let mut cond = None;
        any_of(
            &mut cond,
            Expr::col((observation::Entity, observation::Column::IndicatorId)),
            &ids,
            |id| id,
        );
        Ok(cond)
    }
}

crate::aggregate_query! {
    /// Rural indicator observations grouped for BI (指标观测值分组统计): by region at any level,
    /// indicator and time bucket, with counts, exact sums, means and extremes in the
    /// indicator's canonical unit. Name the indicators or group by INDICATOR (values of
    /// different indicators do not add up). Counts and sums
    /// protected by the cell key method for `statistics_reader` and `anonymous` (`disclosureMethod`).
    ObservationAggregateQuery::observation_aggregate -> ObservationAggregate,
    dataset: OBSERVATIONS, policy: crate::domains::rural::policy::POLICY,
    filter: ObservationAggregateFilter, key: ObservationGroupKey, period: ObservationAggregatePeriod,
    having: ObservationAggregateHaving, order: ObservationAggregateOrder,
}

crate::aggregate_types! {
    /// Rural indicator observations grouped (指标观测值分组统计).
    ObservationAggregate,
    /// One group of observations (观测值分组): its keys (those grouped by; the others are null) and
    /// measures (exact decimal text in the indicator's canonical unit; null when withheld).
    ObservationAggregateRow,
    keys {
        /// Indicator (指标); null unless grouped by INDICATOR.
        async fn indicator(&self, ctx: &Context<'_>) -> Result<Option<Indicator>> {
            match self.0.id_key(INDICATOR) {
                Some(id) => Ok(by_id::<indicator::Model>(ctx, id).await?.map(Indicator)),
                None => Ok(None),
            }
        }
        /// The totals the observations admit (合计区间): from the sum of the lower ends of
        /// what each admits to the sum of the upper ends, an end unbounded when an
        /// observation's is and excluded when one is; `[total, total]` when every observation
        /// is exact. Null when withheld.
        async fn total_interval(&self) -> Option<FigureInterval> {
            total_interval(&self.0).map(|i| FigureInterval::of(Some(i)))
        }
        /// The least total the observations admit (合计下限), exact; null when one of them
        /// has no lower end (不足X) or when withheld.
        async fn total_lower(&self) -> Option<String> {
            total_interval(&self.0)?.lower.map(|e| e.value.normalize().to_string())
        }
        /// The greatest total the observations admit (合计上限), exact; null when one of them
        /// has no upper end (X以上) or when withheld.
        async fn total_upper(&self) -> Option<String> {
            total_interval(&self.0)?.upper.map(|e| e.value.normalize().to_string())
        }
    }
    measures {
        /// Observations (观测数).
        observations: count("observations"),
        /// Observations stated as a bound or an approximation (区间观测数: 不足, 以上, 多/余,
        /// 约, 近), counted in `total` at their stated number.
        bounded: count("bounded"),
        /// Observations without a lower end (无下限观测数: 不足X): `totalLower` is null when
        /// any.
        lower_unbounded: count("lowerUnbounded"),
        /// Observations whose lower end is excluded (下限不含观测数).
        lower_open: count("lowerOpen"),
        /// Observations without an upper end (无上限观测数: X以上).
        upper_unbounded: count("upperUnbounded"),
        /// Observations whose upper end is excluded (上限不含观测数: X多, X余).
        upper_open: count("upperOpen"),
        /// Sum of the values (合计), exact.
        total: decimal("total"),
        /// Mean value (平均值), rounded half-even to six places.
        average: decimal("average"),
        /// Smallest value (最小值).
        min: decimal("min"),
        /// Largest value (最大值).
        max: decimal("max"),
    }
}

/// The interval of a row's total from its end sums and the counts of unbounded and open ends.
fn total_interval(row: &crate::aggregate::graphql::RowRef) -> Option<crate::stated::Interval> {
    use crate::stated::{End, Interval};
    let end = |unbounded: &str, open: &str, sum: &str| -> Option<Option<End>> {
        if row.int(unbounded)? > 0 {
            return Some(None);
        }
        Some(Some(End {
            value: row.decimal(sum)?.parse().ok()?,
            closed: row.int(open)? == 0,
        }))
    };
    Some(Interval {
        lower: end("lowerUnbounded", "lowerOpen", "totalLower")?,
        upper: end("upperUnbounded", "upperOpen", "totalUpper")?,
    })
}

/// The exports of the rural domain.
pub static EXPORTS: [crate::export::ExportSpec; 1] = [crate::export::ExportSpec {
    field: "observationAggregate",
    filter_type: "ObservationAggregateFilter",
    key_type: "ObservationGroupKey",
    period_type: "ObservationAggregatePeriod",
    dataset: &OBSERVATIONS,
    keys: &[
        crate::export::KeyColumn {
            selection: "indicator { code }",
            path: &["indicator", "code"],
            en: "indicator",
        },
        crate::export::KeyColumn {
            selection: "indicator { nameZh }",
            path: &["indicator", "nameZh"],
            en: "indicatorName",
        },
    ],
}];

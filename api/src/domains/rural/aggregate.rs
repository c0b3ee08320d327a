//! Rural indicator observations as a BI dataset (乡村振兴指标统计): what
//! `observationAggregate` groups and measures. Values are decimal text in the indicator's
//! canonical unit, summed exactly in millionths. No GraphQL here.

use entity::rural::observation;
use sea_orm::sea_query::Expr;
use std::sync::LazyLock;

use crate::aggregate::{Agg, Dataset, Dimension, Measure, TimeField, TimeKind, Unit, micro};

pub const INDICATOR: &str = "indicator";

/// Observations (观测值).
pub static OBSERVATIONS: LazyLock<Dataset> = LazyLock::new(|| {
    let value = || micro("rural_observations.value");
    Dataset {
        name: "rural_observations",
        zh: "乡村振兴指标观测值",
        table: "rural_observations",
        region_column: "rural_observations.region_code",
        dimensions: vec![Dimension {
            name: INDICATOR,
            zh: "指标",
            expr: Expr::col((observation::Entity, observation::Column::IndicatorId)),
        }],
        times: vec![
            TimeField {
                name: "periodStart",
                zh: "统计期起",
                column: "rural_observations.period_start",
                kind: TimeKind::Date,
            },
            TimeField {
                name: "createdAt",
                zh: "录入时间",
                column: "rural_observations.created_at",
                kind: TimeKind::Timestamp,
            },
        ],
        measures: vec![
            Measure {
                name: "observations",
                zh: "观测数",
                unit: Unit::Count,
                agg: Agg::Count,
            },
            Measure {
                name: "total",
                zh: "合计",
                unit: Unit::Micro,
                agg: Agg::Sum(value()),
            },
            Measure {
                name: "average",
                zh: "平均值",
                unit: Unit::Micro,
                agg: Agg::Avg(value()),
            },
            Measure {
                name: "min",
                zh: "最小值",
                unit: Unit::Micro,
                agg: Agg::Min(value()),
            },
            Measure {
                name: "max",
                zh: "最大值",
                unit: Unit::Micro,
                agg: Agg::Max(value()),
            },
        ],
        rates: vec![],
    }
});

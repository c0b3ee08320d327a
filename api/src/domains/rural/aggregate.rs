//! Rural indicator observations as a BI dataset (乡村振兴指标统计): what
//! `observationAggregate` groups and measures. Values are decimal text in the indicator's
//! canonical unit, summed exactly in millionths. An observation stated as a bound or an
//! approximation counts in `total` at its stated number; `totalLower` and `totalUpper` sum
//! the ends of what each admits, so `[totalLower, totalUpper]` holds every total the
//! observations allow; an end is unbounded when an observation's is (an observation "不足X"
//! has no lower end: `lowerUnbounded` counts them) and open when one is (`lowerOpen`). The
//! row's `totalInterval` reads them. No GraphQL here.

use entity::rural::observation;
use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait};
use std::sync::LazyLock;

use crate::aggregate::{Agg, Dataset, Dimension, Measure, TimeField, TimeKind, Unit, micro};

pub const INDICATOR: &str = "indicator";

fn column(c: observation::Column) -> Expr {
    Expr::col((observation::Entity, c))
}

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
                name: "bounded",
                zh: "区间观测数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(column(observation::Column::Qualifier).ne("exact"))),
            },
            Measure {
                name: "lowerUnbounded",
                zh: "无下限观测数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(column(observation::Column::Lower).is_null())),
            },
            Measure {
                name: "lowerOpen",
                zh: "下限不含观测数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(column(observation::Column::LowerClosed).eq(false))),
            },
            Measure {
                name: "totalLower",
                zh: "合计下限",
                unit: Unit::Micro,
                agg: Agg::Sum(micro("rural_observations.lower")),
            },
            Measure {
                name: "upperUnbounded",
                zh: "无上限观测数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(column(observation::Column::Upper).is_null())),
            },
            Measure {
                name: "upperOpen",
                zh: "上限不含观测数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(column(observation::Column::UpperClosed).eq(false))),
            },
            Measure {
                name: "totalUpper",
                zh: "合计上限",
                unit: Unit::Micro,
                agg: Agg::Sum(micro("rural_observations.upper")),
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

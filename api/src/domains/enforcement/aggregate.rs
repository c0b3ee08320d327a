//! The enforcement cases as a BI dataset (执行案件统计): what `enforcementAggregate` groups
//! and measures, with the KPIs' own formulas (`kpis.rs`), so that a group's closure rate is
//! `enforcementKpis` of that group. No GraphQL here.

use entity::enforcement::enforcement_case::{self as case, CaseStatus, ClosureMode};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{Condition, Value};
use std::sync::LazyLock;

use super::service::ACTUAL_CLOSURE_MODES;
use crate::aggregate::{Agg, Dataset, Dimension, Measure, Rate, TimeField, TimeKind, Unit};

fn c(col: case::Column) -> SimpleExpr {
    Expr::col((case::Entity, col))
}

/// Dimension names, in `Dataset::dimensions` order.
pub const COURT: &str = "court";
pub const CATEGORY: &str = "category";
pub const STATUS: &str = "status";
pub const CLOSURE_MODE: &str = "closureMode";

/// The dataset.
pub static CASES: LazyLock<Dataset> = LazyLock::new(|| {
    let closed = || Condition::all().add(c(case::Column::Status).eq(CaseStatus::Closed));
    let mode = |m: ClosureMode| Condition::all().add(c(case::Column::ClosureMode).eq(m));
    let actual: Vec<Value> = ACTUAL_CLOSURE_MODES.iter().map(|m| (*m).into()).collect();
    let subject = || c(case::Column::SubjectAmountFen);
    Dataset {
        name: "enforcement_cases",
        zh: "执行案件",
        table: "enforcement_cases",
        region_column: "enforcement_cases.region_code",
        dimensions: vec![
            Dimension {
                name: COURT,
                zh: "法院",
                expr: c(case::Column::CourtId),
            },
            Dimension {
                name: CATEGORY,
                zh: "案件类别",
                expr: c(case::Column::Category),
            },
            Dimension {
                name: STATUS,
                zh: "案件状态",
                expr: c(case::Column::Status),
            },
            Dimension {
                name: CLOSURE_MODE,
                zh: "结案方式",
                expr: c(case::Column::ClosureMode),
            },
        ],
        times: vec![
            TimeField {
                name: "filedOn",
                zh: "立案日期",
                column: "enforcement_cases.filed_on",
                kind: TimeKind::Date,
            },
            TimeField {
                name: "closedOn",
                zh: "结案日期",
                column: "enforcement_cases.closed_on",
                kind: TimeKind::Date,
            },
            TimeField {
                name: "createdAt",
                zh: "录入时间",
                column: "enforcement_cases.created_at",
                kind: TimeKind::Timestamp,
            },
        ],
        measures: vec![
            Measure {
                name: "cases",
                zh: "收案数",
                unit: Unit::Count,
                agg: Agg::Count,
            },
            Measure {
                name: "closed",
                zh: "结案数",
                unit: Unit::Count,
                agg: Agg::CountWhere(closed()),
            },
            Measure {
                name: "actualClosed",
                zh: "实际执结数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(c(case::Column::ClosureMode).is_in(actual))),
            },
            Measure {
                name: "terminatedThisRound",
                zh: "终结本次执行程序数",
                unit: Unit::Count,
                agg: Agg::CountWhere(mode(ClosureMode::TerminatedThisRound)),
            },
            Measure {
                name: "closedWithinLimit",
                zh: "法定期限内结案数",
                unit: Unit::Count,
                agg: Agg::CountWhere(
                    closed().add(c(case::Column::ClosedOn).lte(c(case::Column::StatutoryDueOn))),
                ),
            },
            Measure {
                name: "subjectAmount",
                zh: "申请执行标的额",
                unit: Unit::Fen,
                agg: Agg::Sum(subject()),
            },
            Measure {
                name: "recoveredAmount",
                zh: "执行到位金额",
                unit: Unit::Fen,
                agg: Agg::Sum(c(case::Column::RecoveredAmountFen)),
            },
            Measure {
                name: "averageSubjectAmount",
                zh: "平均标的额",
                unit: Unit::Fen,
                agg: Agg::Avg(subject()),
            },
            Measure {
                name: "minSubjectAmount",
                zh: "最小标的额",
                unit: Unit::Fen,
                agg: Agg::Min(subject()),
            },
            Measure {
                name: "maxSubjectAmount",
                zh: "最大标的额",
                unit: Unit::Fen,
                agg: Agg::Max(subject()),
            },
        ],
        rates: vec![
            Rate {
                name: "closureRate",
                zh: "结案率",
                numerator: "closed",
                denominator: "cases",
            },
            Rate {
                name: "actualClosureRate",
                zh: "实际执结率",
                numerator: "actualClosed",
                denominator: "cases",
            },
            Rate {
                name: "recoveryRate",
                zh: "实际到位率",
                numerator: "recoveredAmount",
                denominator: "subjectAmount",
            },
            Rate {
                name: "terminatedThisRoundRate",
                zh: "终本率",
                numerator: "terminatedThisRound",
                denominator: "closed",
            },
            Rate {
                name: "closedWithinLimitRate",
                zh: "法定期限内结案率",
                numerator: "closedWithinLimit",
                denominator: "closed",
            },
        ],
    }
});

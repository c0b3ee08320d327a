//! GraphQL types of survey reports.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::survey::reported_figure;

use super::loaders::{MetricLoader, MetricScope};
use crate::scalars::Date;
use crate::stated::Qualifier;
use crate::stated::types::FigureInterval;

/// A figure a survey report states (报告数据): metric, region, period, value and the
/// sentence it comes from, beside what the platform computes from its records.
#[derive(Clone)]
pub struct ReportedFigure(pub reported_figure::Model);

impl ReportedFigure {
    /// What this figure is computed over, for the caller.
    pub fn metric_scope(&self, ctx: &Context<'_>) -> MetricScope {
        MetricScope {
            scope: crate::access::viewer(ctx).scope(crate::access::Action::Aggregate),
            domain: self.0.domain.clone(),
            region_code: self.0.region_code.clone(),
            from: self.0.period_start,
            to: self.0.period_end,
            role: crate::access::viewer(ctx).role,
            method: crate::aggregate::cellkey::Protection(
                ctx.data_unchecked::<crate::aggregate::disclosure::Disclosure>().shared(),
            ),
        }
    }

    /// What the records give for each of `figures`, in one batch of the metric loader.
    pub async fn computed_all(
        ctx: &Context<'_>,
        figures: &[ReportedFigure],
    ) -> Result<Vec<Option<crate::figures::MetricValue>>> {
        let loader =
            ctx.data_unchecked::<DataLoader<MetricLoader, async_graphql::dataloader::HashMapCache>>();
        let scopes: Vec<MetricScope> = figures.iter().map(|f| f.metric_scope(ctx)).collect();
        let sets = loader.load_many(scopes.iter().cloned()).await?;
        Ok(figures
            .iter()
            .zip(&scopes)
            .map(|(f, s)| sets.get(s).and_then(|set| set.get(&f.0.metric).copied()))
            .collect())
    }

    async fn computed(&self, ctx: &Context<'_>) -> Result<Option<crate::figures::MetricValue>> {
        let loader =
            ctx.data_unchecked::<DataLoader<MetricLoader, async_graphql::dataloader::HashMapCache>>();
        Ok(loader
            .load_one(self.metric_scope(ctx))
            .await?
            .and_then(|set| set.get(&self.0.metric).copied()))
    }

    /// Whether the caller gets this figure's computed value protected by disclosure control
    /// (its role may not read the domain's records): a perturbed value is not compared with
    /// the statement, since a difference would be the noise, and an agreement would tell
    /// the caller more than the protected value does.
    pub fn protected(&self, ctx: &Context<'_>) -> bool {
        let loader =
            ctx.data_unchecked::<DataLoader<MetricLoader, async_graphql::dataloader::HashMapCache>>();
        let role = crate::access::viewer(ctx).role;
        loader
            .loader()
            .registry
            .source(&self.0.domain)
            .is_some_and(|s| !s.policy().allows(role, crate::access::Action::Read))
    }
}

/// A figure a survey report states (报告数据), beside what the platform computes.
#[Object]
impl ReportedFigure {
    /// Figure id.
    pub async fn id(&self) -> ID {
        crate::ids::global("ReportedFigure", self.0.id)
    }
    /// Number of the report (报告序号), 1 to 9 in the shipped set.
    async fn report_no(&self) -> i32 {
        self.0.report_no
    }
    /// Domain (领域): `enforcement`, `community`, `rural` or `funeral`.
    async fn domain(&self) -> &str {
        &self.0.domain
    }
    /// Metric name; for a KPI, the name of the KPI field (e.g. `actualClosureRate`).
    async fn metric(&self) -> &str {
        &self.0.metric
    }
    /// Region code the figure is about.
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// First day of the period (统计期起).
    async fn period_start(&self) -> Date {
        self.0.period_start.into()
    }
    /// Last day of the period (统计期止).
    async fn period_end(&self) -> Date {
        self.0.period_end.into()
    }
    /// Stated value as an exact decimal in the canonical unit (rates as fractions: 44.43% is `0.4443`).
    async fn value(&self) -> &str {
        &self.0.value
    }
    /// Canonical unit: `case`, `yuan`, `ratio`, `person_time`, `person`, `batch`, `record`, ...
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    /// The report's sentence stating the figure (原文).
    async fn source_text(&self) -> &str {
        &self.0.source_text
    }
    /// How an ambiguous reading was resolved, if one was.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The value the platform computes from its records for the same metric, region and
    /// period, as exact decimal text; null when records cannot produce this figure.
    async fn computed_value(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.computed(ctx).await?.and_then(|v| v.to_decimal_text()))
    }
    /// The values the computed value stands for (区间): an interval when it comes from
    /// records stated as bounds or approximations (an observation "30多万亩", or a share of
    /// one), the value alone otherwise; null when records cannot produce this figure.
    async fn computed_interval(&self, ctx: &Context<'_>) -> Result<Option<FigureInterval>> {
        Ok(self
            .computed(ctx)
            .await?
            .and_then(|v| v.interval())
            .map(|i| FigureInterval::of(Some(i))))
    }
    /// Whether the computed value agrees with the statement: rounded to the stated
    /// precision it equals an exact figure, and it lies in the interval of a bound or an
    /// approximation; null when records cannot produce this figure, and for a caller whose
    /// computed values are protected by disclosure control (its role may not read the
    /// domain's records).
    async fn consistent(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        if self.protected(ctx) {
            return Ok(None);
        }
        Ok(self
            .computed(ctx)
            .await?
            .and_then(|v| super::quality::agrees(v, &self.0)))
    }
    /// How the report states it (限定词): exactly, or as a bound (不足, 以上) or an
    /// approximation (多/余, 约/左右, 近).
    async fn qualifier(&self) -> Qualifier {
        Qualifier::of_stored(&self.0.qualifier)
    }
    /// The values the statement admits (区间), by the conventions of `qualifier`.
    async fn interval(&self) -> FigureInterval {
        FigureInterval::of(crate::stated::of_figure(&self.0))
    }
    /// Its position among the report's statements of this metric, region and period: 2
    /// when the report states the quantity a second time.
    async fn statement_no(&self) -> i32 {
        self.0.statement_no
    }
}

/// Filter of `reportedFigures`.
#[derive(InputObject, Default)]
pub struct ReportedFigureFilter {
    /// Figures of this report.
    pub report_no: Option<i32>,
    /// Figures of this domain (`enforcement`, ...).
    pub domain: Option<String>,
    /// Figures about this region or a region below it.
    pub region_code: Option<String>,
    /// Figures of this metric.
    pub metric: Option<String>,
}

/// Which rule found a data-quality issue (数据质量规则).
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DataQualityKind {
    /// A report's breakdown does not add up to its stated total (分项之和与合计不符).
    PartsDoNotAddUp,
    /// A stated share does not match its stated count and base (占比与数量不符).
    ShareMismatch,
    /// The records give another value than the report states (与记录不符).
    RecordsContradict,
    /// A part is larger than its whole, or a share has a base the report does not state
    /// (分项大于总体).
    PartExceedsWhole,
    /// One report states the same quantity twice with values, or bounds, that cannot both
    /// hold (同一数据前后矛盾).
    StatedTwiceApart,
}

/// How serious a data-quality issue is.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DataQualitySeverity {
    /// A breakdown covers less than its total: some attribute is unknown (提示).
    Warning,
    /// The figures cannot all be true (错误).
    Error,
}

/// A data-quality issue (数据质量问题): the report, the figures involved and the arithmetic.
#[derive(async_graphql::SimpleObject, Clone)]
pub struct DataQualityIssue {
    /// The rule that found it.
    pub kind: DataQualityKind,
    /// How serious it is.
    pub severity: DataQualitySeverity,
    /// Number of the report.
    pub report_no: i32,
    /// Region the figures are about.
    pub region_code: String,
    /// The figures involved, the total or share first.
    pub figures: Vec<ReportedFigure>,
    /// The arithmetic that shows it, e.g. `4 + 13 + 17 = 34 < 37`.
    pub arithmetic: String,
}

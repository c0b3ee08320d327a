//! The GraphQL pieces every domain's grouped aggregate shares: the period input's
//! granularity, `having` comparisons, the period bucket of a row, and turning a domain's
//! arguments into an engine `Request`.

use async_graphql::{Context, Enum, SimpleObject};
use sea_orm::Condition;

use super::{Comparison, Granularity, Having, Key, PeriodSpec, Zone};
use crate::access::{Action, Policy, Scope, viewer};
use crate::error::{AppError, AppResult};
use crate::region::types::RegionLevel;
use crate::scalars::Date;

/// Length of a time bucket (时间粒度).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "TimeGranularity")]
pub enum GranularityName {
    /// Day (日).
    Day,
    /// ISO week from Monday (周).
    Week,
    /// Month (月).
    Month,
    /// Quarter (季度).
    Quarter,
    /// Half-year (半年).
    HalfYear,
    /// Year (年).
    Year,
}

impl From<GranularityName> for Granularity {
    fn from(g: GranularityName) -> Self {
        match g {
            GranularityName::Day => Granularity::Day,
            GranularityName::Week => Granularity::Week,
            GranularityName::Month => Granularity::Month,
            GranularityName::Quarter => Granularity::Quarter,
            GranularityName::HalfYear => Granularity::HalfYear,
            GranularityName::Year => Granularity::Year,
        }
    }
}

/// A comparison of a group's measure with a number (比较).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "AggregateComparison")]
pub enum ComparisonName {
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
}

impl From<ComparisonName> for Comparison {
    fn from(c: ComparisonName) -> Self {
        match c {
            ComparisonName::Gt => Comparison::Gt,
            ComparisonName::Gte => Comparison::Gte,
            ComparisonName::Lt => Comparison::Lt,
            ComparisonName::Lte => Comparison::Lte,
            ComparisonName::Eq => Comparison::Eq,
            ComparisonName::Ne => Comparison::Ne,
        }
    }
}

/// A time bucket of an aggregate row (统计时段).
#[derive(SimpleObject, Clone)]
pub struct PeriodBucket {
    /// First day of the bucket.
    pub start: Date,
    /// Last day of the bucket.
    pub end: Date,
    /// Short label: `2025-03-17`, `2025-W12`, `2025-03`, `2025-Q1`, `2025-H1`, `2025`.
    pub label: String,
}

impl PeriodBucket {
    pub fn new(granularity: Granularity, start: chrono::NaiveDate) -> Self {
        PeriodBucket {
            start: Date(start),
            end: Date(granularity.last_day(start)),
            label: granularity.label(start),
        }
    }
}

/// The common arguments of a grouped aggregate, once a domain has turned its enums into
/// names and indices.
pub struct Args {
    pub region_level: Option<RegionLevel>,
    /// The keys by name: `region`, `period` or a dimension's.
    pub group_by: Vec<&'static str>,
    pub period: Option<PeriodArgs>,
    pub having: Vec<(&'static str, ComparisonName, f64)>,
    pub order_by: Option<(&'static str, bool)>,
    pub first: Option<i32>,
}

/// A period input, the time field as its index in the dataset.
pub struct PeriodArgs {
    pub field: usize,
    pub granularity: Option<GranularityName>,
    pub time_zone: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// The most rows one aggregate returns.
pub const MAX_ROWS: i32 = 10_000;

/// The disclosure protection of the calling role in the domain of `policy`: None for a role
/// that may read the domain's records. Every statistic a caller without that right obtains
/// goes through it.
pub fn protection(
    ctx: &Context<'_>,
    policy: &Policy,
) -> Option<std::sync::Arc<super::cellkey::CellKeyMethod>> {
    ctx.data_unchecked::<super::disclosure::Disclosure>()
        .protection(viewer(ctx).role, policy)
}

/// Authorises a grouped aggregate under `policy` and builds the engine's request: the
/// caller's scope is applied by the domain in `base`; callers who may not read records get
/// the cell key method's protection.
pub fn request(
    ctx: &Context<'_>,
    dataset: &super::Dataset,
    policy: &Policy,
    base: impl FnOnce(&Scope) -> Condition,
    narrowing: Option<Condition>,
    args: Args,
) -> AppResult<super::Request> {
    let v = viewer(ctx);
    let scope = v.authorize(policy, Action::Statistics)?;
    let protect = protection(ctx, policy);
    let mut group_by = Vec::new();
    for name in &args.group_by {
        let key = match *name {
            "region" => Key::Region(args.region_level.unwrap_or(RegionLevel::County).into()),
            "period" => Key::Period,
            other => Key::Dimension(
                dataset
                    .dimensions
                    .iter()
                    .position(|d| d.name == other)
                    .ok_or_else(|| {
                        AppError::Internal(anyhow::anyhow!("{other} is not a key of {}", dataset.name))
                    })?,
            ),
        };
        // A key grouped by twice is refused by the engine.
        group_by.push(key);
    }
    let by_period = group_by.contains(&Key::Period);
    let period = match args.period {
        Some(p) => Some(PeriodSpec {
            field: p.field,
            granularity: p.granularity.unwrap_or(GranularityName::Month).into(),
            zone: Zone::parse(p.time_zone.as_deref())?,
            from: p.from.map(|d| d.0),
            to: p.to.map(|d| d.0),
        }),
        None if by_period => {
            return Err(AppError::bad_input(
                "groupBy",
                "grouping by PERIOD needs the period argument",
            ));
        }
        None => None,
    };
    let first = match args.first {
        Some(n) if !(1..=MAX_ROWS).contains(&n) => {
            return Err(AppError::bad_input(
                "first",
                format!("first must be between 1 and {MAX_ROWS}"),
            ));
        }
        Some(n) => n as usize,
        None => MAX_ROWS as usize,
    };
    Ok(super::Request {
        base: base(&scope),
        narrowing,
        group_by,
        period,
        having: args
            .having
            .into_iter()
            .map(|(measure, c, value)| {
                // Compared in the engine's units: fen, millionths.
                let scale = match dataset
                    .measures
                    .iter()
                    .find(|m| m.name == measure)
                    .map(|m| m.unit)
                {
                    Some(super::Unit::Fen) => 100.0,
                    Some(super::Unit::Micro) => 1_000_000.0,
                    _ => 1.0,
                };
                Having {
                    measure,
                    comparison: c.into(),
                    value: value * scale,
                }
            })
            .collect(),
        order_by: args.order_by,
        first: Some(first),
        protect,
    })
}

/// A row of a domain's aggregate: the answer it belongs to and its index.
#[derive(Clone)]
pub struct RowRef {
    pub table: std::sync::Arc<super::Table<'static>>,
    pub index: usize,
}

impl RowRef {
    /// Every row of `table`.
    pub fn all(table: super::Table<'static>) -> Vec<RowRef> {
        let table = std::sync::Arc::new(table);
        (0..table.rows.len())
            .map(|index| RowRef {
                table: table.clone(),
                index,
            })
            .collect()
    }

    pub fn row(&self) -> &super::Row {
        &self.table.rows[self.index]
    }

    /// Whether the row's values are withheld.
    pub fn suppressed(&self) -> bool {
        self.row().suppressed
    }

    /// An integer measure (count or sum), None when withheld.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.table.measure(self.row(), name)?.integer()
    }

    /// A count as a GraphQL Int, None when withheld.
    pub fn count(&self, name: &str) -> Option<i32> {
        self.int(name).map(|n| n.clamp(0, i32::MAX as i64) as i32)
    }

    /// A measure in fen as money; an average rounded half-even to the fen.
    pub fn money(&self, name: &str) -> Option<crate::scalars::Money> {
        let acc = self.table.measure(self.row(), name)?;
        match acc {
            super::Acc::Avg { sum, n } if n > 0 => {
                let avg = rust_decimal::Decimal::from(sum) / rust_decimal::Decimal::from(n);
                let fen = avg.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven);
                Some(crate::scalars::Money(rust_decimal::prelude::ToPrimitive::to_i64(
                    &fen,
                )?))
            }
            super::Acc::Avg { .. } => None,
            other => other.integer().map(crate::scalars::Money),
        }
    }

    /// A measure in millionths as an exact decimal (an average rounded half-even to six
    /// places), None when withheld or undefined.
    pub fn decimal(&self, name: &str) -> Option<String> {
        use rust_decimal::Decimal;
        let d = match self.table.measure(self.row(), name)? {
            super::Acc::Avg { sum, n } if n > 0 => (Decimal::from(sum) / Decimal::from(n))
                .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven),
            super::Acc::Avg { .. } => return None,
            other => Decimal::from(other.integer()?),
        };
        Some((d / Decimal::from(1_000_000)).normalize().to_string())
    }

    /// A rate or average as a float, None when withheld or undefined.
    pub fn number(&self, name: &str) -> Option<f64> {
        self.table.number(self.row(), name)
    }

    /// The region key.
    pub fn region_code(&self) -> Option<String> {
        self.table.region(self.row())
    }

    /// A dimension key parsed as a domain enum (stored as its database string).
    pub fn enum_key<E: sea_orm::ActiveEnum<Value = String>>(&self, dimension: &str) -> Option<E> {
        E::try_from_value(&self.table.dimension(self.row(), dimension)?).ok()
    }

    /// A dimension key as an integer id.
    pub fn id_key(&self, dimension: &str) -> Option<i64> {
        self.table.dimension(self.row(), dimension)?.parse().ok()
    }

    /// The period bucket.
    pub fn period(&self) -> Option<PeriodBucket> {
        Some(PeriodBucket::new(
            self.table.granularity?,
            self.table.period(self.row())?,
        ))
    }
}

/// An enum whose items name a dataset's measures, keys or time fields: `name()` gives the
/// engine's name of each item.
#[macro_export]
macro_rules! named_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[doc = $doc:literal])* $variant:ident => $value:literal,)* }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
        $vis enum $name { $($(#[doc = $doc])* $variant,)* }
        impl $name {
            /// The engine's name of this item.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $value,)* }
            }
        }
    };
}

/// The period, `having` and ordering inputs of a domain's aggregate, over its time-field
/// and measure enums.
#[macro_export]
macro_rules! aggregate_inputs {
    (period: $period:ident, having: $having:ident, order: $order:ident, time: $time:ty, measure: $measure:ty) => {
        /// The time window and buckets of an aggregate (统计时段).
        #[derive(async_graphql::InputObject)]
        pub struct $period {
            /// The date or time the window and buckets apply to; the first of the list by default.
            pub field: Option<$time>,
            /// Length of the buckets when grouping by PERIOD, MONTH by default.
            pub granularity: Option<$crate::aggregate::graphql::GranularityName>,
            /// IANA time zone of the buckets of timestamps, `Asia/Shanghai` by default (dates are already local).
            pub time_zone: Option<String>,
            /// First day of the window (inclusive); series are zero-filled from here.
            pub from: Option<$crate::scalars::Date>,
            /// Last day of the window (inclusive); series are zero-filled to here.
            pub to: Option<$crate::scalars::Date>,
        }

        impl $period {
            /// The engine's arguments of an aggregate over `dataset`.
            pub fn args(
                dataset: &$crate::aggregate::Dataset,
                region_level: Option<$crate::region::types::RegionLevel>,
                group_by: Vec<&'static str>,
                period: Option<$period>,
                having: Option<Vec<$having>>,
                order_by: Option<$order>,
                first: Option<i32>,
            ) -> $crate::aggregate::graphql::Args {
                $crate::aggregate::graphql::Args {
                    region_level,
                    group_by,
                    period: period.map(|p| {
                        let field = p
                            .field
                            .and_then(|f| dataset.times.iter().position(|t| t.name == f.name()))
                            .unwrap_or(0);
                        $crate::aggregate::graphql::PeriodArgs {
                            field,
                            granularity: p.granularity,
                            time_zone: p.time_zone,
                            from: p.from,
                            to: p.to,
                        }
                    }),
                    having: having
                        .unwrap_or_default()
                        .into_iter()
                        .map(|h| (h.measure.name(), h.comparison, h.value))
                        .collect(),
                    order_by: order_by.map(|o| {
                        (
                            o.measure.name(),
                            o.direction == $crate::pagination::OrderDirection::Desc,
                        )
                    }),
                    first,
                }
            }
        }

        /// A condition on a group's measure or rate (HAVING).
        #[derive(async_graphql::InputObject)]
        pub struct $having {
            /// The measure or rate.
            pub measure: $measure,
            /// How it compares.
            pub comparison: $crate::aggregate::graphql::ComparisonName,
            /// With what: counts as numbers, money in yuan, rates as fractions (0.9 for 90%).
            pub value: f64,
        }

        /// Ordering of aggregate rows by a measure or rate; rows are ordered by their keys otherwise.
        #[derive(async_graphql::InputObject)]
        pub struct $order {
            /// The measure or rate; withheld and undefined values sort last.
            pub measure: $measure,
            /// The direction, ascending by default.
            #[graphql(default)]
            pub direction: $crate::pagination::OrderDirection,
        }
    };
}

/// `column IN (values)` added to `cond` when `values` is given.
pub fn any_of<T: Copy, E: Into<sea_orm::Value>>(
    cond: &mut Option<Condition>,
    column: sea_orm::sea_query::Expr,
    values: &Option<Vec<T>>,
    convert: impl Fn(T) -> E,
) {
    if let Some(v) = values {
        let list: Vec<sea_orm::Value> = v.iter().map(|x| convert(*x).into()).collect();
        *cond = Some(
            cond.take()
                .unwrap_or_else(Condition::all)
                .add(sea_orm::sea_query::ExprTrait::is_in(column, list)),
        );
    }
}

/// Runs a domain's grouped aggregate: authorises it under `policy` (`Statistics`), keeps it
/// to the caller's scope and `region`, and protects it by disclosure control for roles that
/// may not read records.
pub async fn run(
    ctx: &Context<'_>,
    dataset: &'static super::Dataset,
    policy: &Policy,
    region: Option<crate::region::service::Subtree>,
    narrowing: Option<Condition>,
    args: Args,
) -> AppResult<(usize, Vec<RowRef>)> {
    let request = request(
        ctx,
        dataset,
        policy,
        |scope| {
            let column = sea_orm::sea_query::Expr::cust(dataset.region_column);
            let mut cond = crate::region::service::in_scope(Condition::all(), column.clone(), scope);
            if let Some(r) = &region {
                cond = cond.add(r.condition(column));
            }
            cond
        },
        narrowing,
        args,
    )?;
    let regions = crate::region::loaders::regions(ctx).await?;
    let db = ctx.data_unchecked::<sea_orm::DatabaseConnection>();
    let key = format!("aggregate {} {request:?}", dataset.name);
    crate::cache::cached(ctx, key, || async {
        let table = super::aggregate(db, dataset, &regions, request).await?;
        Ok((table.total_rows, RowRef::all(table)))
    })
    .await
}

/// A domain's aggregate answer and row types: the row has the region, period and
/// `suppressed` fields, the domain's key fields (given as resolver methods) and one field
/// per measure (`count`, `money` or `number`, by the engine's name).
#[macro_export]
macro_rules! aggregate_types {
    (
        $(#[doc = $doc:literal])* $result:ident, $(#[doc = $rdoc:literal])* $row:ident,
        keys { $($keys:tt)* }
        measures { $( $(#[doc = $mdoc:literal])* $field:ident: $kind:ident($name:literal), )* }
    ) => {
        $(#[doc = $doc])*
        pub struct $result {
            pub total_rows: usize,
            pub rows: Vec<$row>,
        }

        impl $result {
            pub fn new((total_rows, rows): (usize, Vec<$crate::aggregate::graphql::RowRef>)) -> Self {
                $result { total_rows, rows: rows.into_iter().map($row).collect() }
            }
        }

        $(#[doc = $doc])*
        #[async_graphql::Object]
        impl $result {
            /// The groups, ordered by their keys unless ordered by a measure.
            async fn rows(&self) -> &[$row] {
                &self.rows
            }
            /// Groups before `first` cut the list.
            async fn total_rows(&self) -> usize {
                self.total_rows
            }
        }

        $(#[doc = $rdoc])*
        pub struct $row(pub $crate::aggregate::graphql::RowRef);

        $(#[doc = $rdoc])*
        #[async_graphql::Object]
        impl $row {
            /// Region (行政区划) at the requested level; null unless grouped by REGION.
            async fn region(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::Result<Option<$crate::region::types::Region>> {
                match self.0.region_code() {
                    Some(code) => Ok($crate::region::types::region(ctx, &code).await?),
                    None => Ok(None),
                }
            }
            /// Time bucket (时段); null unless grouped by PERIOD.
            async fn period(&self) -> Option<$crate::aggregate::graphql::PeriodBucket> {
                self.0.period()
            }
            /// Whether disclosure control withheld one of the row's sums (披露控制): one or two
            /// records make most of it, by the dominance rule; that sum and the averages and
            /// minima or maxima it implies are null. Counts are never withheld: for roles that
            /// may not read records they are perturbed by the cell key method. Always false
            /// for roles that may read records.
            async fn suppressed(&self) -> bool {
                self.0.suppressed()
            }
            $($keys)*
            $(
                $(#[doc = $mdoc])*
                async fn $field(&self) -> $crate::aggregate_types!(@ty $kind) {
                    self.0.$kind($name)
                }
            )*
        }
    };
    (@ty count) => { Option<i32> };
    (@ty money) => { Option<$crate::scalars::Money> };
    (@ty number) => { Option<f64> };
    (@ty decimal) => { Option<String> };
}

/// What a domain's aggregate filter gives the engine: the region it keeps to, and the other
/// filters as one condition (checked by their complement under disclosure control).
pub trait AggregateFilter: Default + Send + Sync {
    fn region_code(&self) -> Option<&str>;
    fn narrowing<'a>(
        &'a self,
        ctx: &'a Context<'_>,
        group_by: &'a [&'static str],
    ) -> impl Future<Output = AppResult<Option<Condition>>> + Send + 'a;
}

/// Runs a domain's aggregate from its GraphQL arguments.
pub async fn resolve<F: AggregateFilter>(
    ctx: &Context<'_>,
    dataset: &'static super::Dataset,
    policy: &Policy,
    filter: Option<F>,
    group_by: Vec<&'static str>,
    make_args: impl FnOnce(Vec<&'static str>) -> Args,
) -> AppResult<(usize, Vec<RowRef>)> {
    let filter = filter.unwrap_or_default();
    let region = crate::region::loaders::subtree(ctx, filter.region_code(), "filter.regionCode").await?;
    let narrowing = filter.narrowing(ctx, &group_by).await?;
    run(ctx, dataset, policy, region, narrowing, make_args(group_by)).await
}

/// A query root with a domain's aggregate field (merged into the schema's `Query`).
#[macro_export]
macro_rules! aggregate_query {
    (
        $(#[doc = $doc:literal])*
        $query:ident :: $field:ident -> $result:ident,
        dataset: $dataset:expr, policy: $policy:expr,
        filter: $filter:ty, key: $key:ty, period: $period:ident, having: $having:ty, order: $order:ty,
    ) => {
        #[derive(Default)]
        pub struct $query;

        #[async_graphql::Object]
        impl $query {
            $(#[doc = $doc])*
            #[allow(clippy::too_many_arguments)]
            async fn $field(
                &self,
                ctx: &async_graphql::Context<'_>,
                #[graphql(desc = "Which records.")] filter: Option<$filter>,
                #[graphql(desc = "The keys to group by; none gives one row of totals.")] group_by: Vec<$key>,
                #[graphql(desc = "The level REGION groups at, COUNTY by default; records above it count under their own region.")]
                region_level: Option<$crate::region::types::RegionLevel>,
                #[graphql(desc = "The time window, and the buckets when grouping by PERIOD.")] period: Option<$period>,
                #[graphql(desc = "Conditions every returned group meets (withheld groups are left out).")]
                having: Option<Vec<$having>>,
                #[graphql(desc = "Ordering by a measure; by the keys otherwise.")] order_by: Option<$order>,
                #[graphql(desc = "At most this many groups (10,000 at most and by default).")] first: Option<i32>,
            ) -> async_graphql::Result<$result> {
                let dataset: &'static $crate::aggregate::Dataset = &$dataset;
                let keys = group_by.iter().map(|k| k.name()).collect();
                Ok($result::new(
                    $crate::aggregate::graphql::resolve(ctx, dataset, &$policy, filter, keys, |keys| {
                        $period::args(dataset, region_level, keys, period, having, order_by, first)
                    })
                    .await?,
                ))
            }
        }
    };
}

/// The disclosure control of the platform (披露控制), published as statistics offices publish
/// theirs: the method, its parameters and its perturbation table. Knowing them does not
/// undo the protection: what it needs is the records' keys, which are never shown.
#[derive(SimpleObject)]
pub struct DisclosureMethod {
    /// `CELL_KEY`: the cell key method (单元格密钥法).
    pub method: String,
    /// Whether the caller's counts and magnitudes are protected in every domain
    /// (`statistics_reader` and `anonymous`); any other role's are protected in the domains
    /// whose records it may not read (a court officer's funeral statistics, say).
    pub applies_to_you: bool,
    /// k (最小发布数): no count of 1 to k − 1 is ever published.
    pub min_count: i32,
    /// D (最大扰动): the largest perturbation of a count.
    pub max_deviation: i32,
    /// V (扰动方差): the variance of a count's perturbation (counts 1 to k − 1 need more).
    pub variance: f64,
    /// m (量值噪声): a magnitude's noise is 0.5·m to m times the root sum of squares of its
    /// contributions.
    pub magnitude_noise: f64,
    /// p (p%规则): a magnitude is withheld when its two largest contributors could estimate
    /// each other within p.
    pub dominance_p: f64,
    /// The perturbation table (扰动表): one row per original count; the last row serves every
    /// larger count.
    pub table: Vec<PerturbationRow>,
}

/// A row of the perturbation table (扰动表行).
#[derive(SimpleObject)]
pub struct PerturbationRow {
    /// The original count (原始计数); the last row also serves every larger count.
    pub original_count: i32,
    /// The perturbations it may get, ascending.
    pub perturbations: Vec<Perturbation>,
    /// The mean of the perturbation (均值), 0 up to the keys' granularity.
    pub mean: f64,
    /// The variance of the perturbation (方差).
    pub variance: f64,
}

/// One perturbation of a row (扰动).
#[derive(SimpleObject)]
pub struct Perturbation {
    /// What is added to the count (扰动值).
    pub perturbation: i32,
    /// Its probability (概率): the share of cell keys that draw it.
    pub probability: f64,
}

/// The published description of the disclosure control.
#[derive(Default)]
pub struct DisclosureQuery;

#[async_graphql::Object]
impl DisclosureQuery {
    /// The disclosure control applied to callers who may not read records (披露控制方法):
    /// its parameters and perturbation table; open to every caller.
    async fn disclosure_method(&self, ctx: &Context<'_>) -> DisclosureMethod {
        let d = ctx.data_unchecked::<super::disclosure::Disclosure>();
        let m = d.method();
        let p = m.parameters;
        let int = |v: i64| v.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
        DisclosureMethod {
            method: "CELL_KEY".into(),
            applies_to_you: viewer(ctx).role.is_aggregate_only(),
            min_count: int(p.min_count),
            max_deviation: int(p.max_deviation),
            variance: p.variance,
            magnitude_noise: p.magnitude_noise,
            dominance_p: p.dominance_p,
            table: m
                .rows
                .iter()
                .map(|r| {
                    let (mean, variance) = r.moments();
                    PerturbationRow {
                        original_count: int(r.original),
                        perturbations: r
                            .probabilities()
                            .into_iter()
                            .map(|(v, probability)| Perturbation {
                                perturbation: int(v),
                                probability,
                            })
                            .collect(),
                        mean,
                        variance,
                    }
                })
                .collect(),
        }
    }
}

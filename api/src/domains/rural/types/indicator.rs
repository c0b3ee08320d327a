//! The catalogue and observations as GraphQL objects.

use async_graphql::{Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::rural::{indicator, observation};
use rust_decimal::Decimal;

use crate::domains::rural::service::observations::{ObservationInput, interval_of};
use crate::stated::Qualifier;
use crate::stated::types::FigureInterval;
use crate::scalars::Date;
use crate::units::{Converted, Unit};

/// Pillar of rural revitalisation (振兴领域).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "indicator::Pillar")]
pub enum Pillar {
    /// Industry (产业振兴).
    Industry,
    /// Talent (人才振兴).
    Talent,
    /// Culture (文化振兴).
    Culture,
    /// Ecology (生态振兴).
    Ecology,
    /// Organisation (组织振兴).
    Organisation,
    /// Farmers' income (农民增收).
    Income,
}

/// Indicator of the catalogue (指标).
#[derive(Clone)]
pub struct Indicator(pub indicator::Model);

/// Indicator of the catalogue (指标).
#[Object]
impl Indicator {
    /// Indicator id.
    pub async fn id(&self) -> ID {
        crate::ids::global("Indicator", self.0.id)
    }
    /// Code (指标代码), e.g. `grain_output`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Chinese name (中文名称).
    async fn name_zh(&self) -> &str {
        &self.0.name_zh
    }
    /// English name (英文名).
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }
    /// Pillar (振兴领域).
    async fn pillar(&self) -> Pillar {
        self.0.pillar.into()
    }
    /// Canonical unit (计量单位): observations are stored in it.
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    /// What it measures (说明).
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Where its definition comes from (来源).
    async fn source(&self) -> &str {
        &self.0.source
    }
}

crate::connection!(IndicatorConnection, IndicatorEdge, Indicator, "indicators");

/// A value in a requested unit: exact, or rounded half-even (银行家舍入) to `roundedTo` places.
#[derive(SimpleObject, Clone)]
pub struct UnitValue {
    /// Exact decimal text in `unit`.
    pub value: String,
    /// The unit.
    pub unit: String,
    /// Places the value was rounded to (half-even) because the conversion does not
    /// terminate; null when exact.
    pub rounded_to: Option<u32>,
}

impl UnitValue {
    pub fn of(c: Converted, unit: Unit) -> Self {
        UnitValue {
            value: c.value.to_string(),
            unit: unit.symbol.to_owned(),
            rounded_to: c.rounded_to,
        }
    }
}

/// Observation (观测值): an indicator's value for a region and period.
#[derive(Clone)]
pub struct Observation {
    pub model: Box<observation::Model>,
    pub indicator: indicator::Model,
    /// The value in the unit asked for.
    pub shown: UnitValue,
    /// Change against the same period a year earlier (同比), a fraction; null without one.
    pub year_over_year: Option<f64>,
}

/// Observation (观测值): an indicator's value for a region and period.
#[Object]
impl Observation {
    /// Observation id.
    pub async fn id(&self) -> ID {
        crate::ids::global("Observation", self.model.id)
    }
    /// UUID (通用唯一标识).
    async fn uuid(&self) -> &str {
        &self.model.uuid
    }
    /// The indicator.
    async fn indicator(&self) -> Indicator {
        Indicator(self.indicator.clone())
    }
    /// Region code.
    async fn region_code(&self) -> &str {
        &self.model.region_code
    }
    /// Period (统计期): `2023`, `2023H1`, `2023Q2` or `2023-05`.
    async fn period(&self) -> &str {
        &self.model.period
    }
    /// First day of the period.
    async fn period_start(&self) -> Date {
        self.model.period_start.into()
    }
    /// Last day of the period.
    async fn period_end(&self) -> Date {
        self.model.period_end.into()
    }
    /// The value in the indicator's canonical unit, exact decimal text.
    async fn value(&self) -> &str {
        &self.model.value
    }
    /// How the value is stated (限定词): exactly, or as a bound (不足, 以上) or an
    /// approximation (多/余, 约/左右, 近).
    async fn qualifier(&self) -> Qualifier {
        Qualifier::of_stored(&self.model.qualifier)
    }
    /// The values it admits (区间) in the canonical unit: the value alone when exact.
    /// Sums and comparisons of observations carry it (`observationAggregate`'s
    /// `totalLower`/`totalUpper`, a reported figure's `computedInterval`).
    async fn interval(&self) -> FigureInterval {
        FigureInterval::of(interval_of(&self.model))
    }
    /// The value in the unit asked for (the canonical one by default).
    async fn in_unit(&self) -> &UnitValue {
        &self.shown
    }
    /// Year-over-year change (同比): value / value a year earlier − 1; null without that value.
    async fn year_over_year(&self) -> Option<f64> {
        self.year_over_year
    }
    /// Source (来源): a report or a person.
    async fn source(&self) -> &str {
        &self.model.source
    }
    /// Version for optimistic concurrency: pass it as `expectedVersion` to replace the value.
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// When the value was last written (更新时间).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
}

/// Change between two canonical decimal texts, a fraction.
pub fn change(current: &str, previous: &str) -> Option<f64> {
    let c: Decimal = current.parse().ok()?;
    let p: Decimal = previous.parse().ok()?;
    if p.is_zero() {
        return None;
    }
    let r = c.checked_div(p)? - Decimal::ONE;
    r.to_string().parse().ok()
}

/// Input of `upsertObservation`.
#[derive(InputObject)]
pub struct ObservationInputGql {
    /// Indicator code.
    pub indicator: String,
    /// Region code, in your reach.
    pub region_code: String,
    /// Period: `2023`, `2023H1`, `2023Q2` or `2023-05`.
    pub period: String,
    /// Value as decimal text, e.g. `35.3`.
    pub value: String,
    /// The unit of `value` (e.g. `亿斤`); the indicator's canonical unit when absent. Values
    /// are stored in the canonical unit, to 6 places where the conversion does not terminate.
    pub unit: Option<String>,
    /// How the value is stated (限定词): a bound (不足, 以上) or an approximation (多/余,
    /// 约/左右, 近) is kept with the interval it admits; exact by default.
    pub qualifier: Option<Qualifier>,
    /// Source (来源), 1-256 characters.
    pub source: String,
}

impl From<ObservationInputGql> for ObservationInput {
    fn from(i: ObservationInputGql) -> Self {
        ObservationInput {
            indicator: i.indicator,
            region_code: i.region_code,
            period: i.period,
            value: i.value,
            unit: i.unit,
            qualifier: i.qualifier.unwrap_or_default(),
            source: i.source,
        }
    }
}

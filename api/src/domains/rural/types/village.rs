//! Villages (行政村/嘎查村) and `ruralStats` as GraphQL objects.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::rural::income_threshold::{self as threshold, Consequence};
use entity::rural::{village, village_income};

use crate::aggregate::cellkey::CellKeyMethod;
use crate::aggregate::tally::{Amount, Tally};
use crate::domains::rural::service::villages::{ThresholdCount, VillageFields, VillageTotals};
use crate::figures::ratio;
use crate::loaders::children;
use crate::scalars::Money;

/// Village (行政村/嘎查村) with its party organisation (村党组织) and collective income.
#[derive(Clone)]
pub struct Village(pub village::Model);

/// Village (行政村/嘎查村) with its party organisation (村党组织) and collective income.
#[Object]
impl Village {
    /// Village id.
    pub async fn id(&self) -> ID {
        crate::ids::global("Village", self.0.id)
    }
    /// UUID (通用唯一标识).
    async fn uuid(&self) -> &str {
        &self.0.uuid
    }
    /// Name (村名).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Region code (区划代码) of the town or county it lies in.
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// Party members aged under 35 (35岁以下党员).
    async fn party_members_under_35(&self) -> Option<i32> {
        self.0.party_members_under_35
    }
    /// Party members aged 35 to 60 (35至60岁党员).
    async fn party_members_35_to_60(&self) -> Option<i32> {
        self.0.party_members_35_to_60
    }
    /// Party members over 60 (60岁以上党员).
    async fn party_members_over_60(&self) -> Option<i32> {
        self.0.party_members_over_60
    }
    /// Reserve cadres (后备干部); report 9 asks for at least 3.
    async fn reserve_cadres(&self) -> Option<i32> {
        self.0.reserve_cadres
    }
    /// A weak organisation under rectification (软弱涣散, 集中整顿).
    async fn under_rectification(&self) -> bool {
        self.0.under_rectification
    }
    /// Collective-economy income by year (村集体经济收入).
    async fn incomes(&self, ctx: &Context<'_>) -> Result<Vec<VillageIncome>> {
        Ok(children::<village_income::Model>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(VillageIncome)
            .collect())
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the village was last changed (更新时间).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Synthetic (合成数据): whether a seed generated this record around the reports' figures
    /// (true) or it was written through the API (false); administrators only, null for
    /// other callers.
    async fn synthetic(&self, ctx: &Context<'_>) -> Option<bool> {
        crate::synthetic::visible(ctx, self.0.synthetic)
    }
}

/// A village's collective-economy income in a year (村集体经济收入).
#[derive(Clone)]
pub struct VillageIncome(pub village_income::Model);

/// A village's collective-economy income in a year (村集体经济收入).
#[Object]
impl VillageIncome {
    /// Income id.
    pub async fn id(&self) -> ID {
        crate::ids::global("VillageIncome", self.0.id)
    }
    /// Year (年度).
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Income, yuan.
    async fn income(&self) -> Money {
        Money(self.0.income_fen)
    }
    /// At least 30,000 yuan (report 6's floor, 3万元以上).
    async fn at_least_30000(&self) -> bool {
        self.0.income_fen >= crate::domains::rural::service::villages::THRESHOLD_30K_FEN
    }
    /// At least 50,000 yuan: below it a village is vetoed from awards (report 9, 一票否决).
    async fn at_least_50000(&self) -> bool {
        self.0.income_fen >= crate::domains::rural::service::villages::THRESHOLD_50K_FEN
    }
    /// Version for optimistic concurrency: pass it as `expectedVersion` to replace the value.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

crate::connection!(VillageConnection, VillageEdge, Village, "villages");

/// Input of `createVillage` and `updateVillage`.
#[derive(InputObject)]
pub struct VillageInput {
    /// Region (town or county), in your reach.
    pub region_code: String,
    /// Name, 2-64 characters.
    pub name: String,
    /// Party members under 35, not negative.
    pub party_members_under_35: Option<i32>,
    /// Party members 35 to 60, not negative.
    pub party_members_35_to_60: Option<i32>,
    /// Party members over 60, not negative.
    pub party_members_over_60: Option<i32>,
    /// Reserve cadres, not negative.
    pub reserve_cadres: Option<i32>,
    /// Under rectification as a weak organisation; false by default.
    #[graphql(default)]
    pub under_rectification: bool,
}

impl From<VillageInput> for VillageFields {
    fn from(i: VillageInput) -> Self {
        VillageFields {
            region_code: i.region_code,
            name: i.name,
            party_members_under_35: i.party_members_under_35,
            party_members_35_to_60: i.party_members_35_to_60,
            party_members_over_60: i.party_members_over_60,
            reserve_cadres: i.reserve_cadres,
            under_rectification: i.under_rectification,
        }
    }
}

/// What falling below a collective-income threshold means (收入标准的性质).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ThresholdConsequence {
    /// A level the source says villages reach (达到…以上): below it a village falls short of
    /// what its report states.
    Floor,
    /// Below it a village is barred from awards (一票否决).
    Veto,
}

/// A collective-income threshold (村集体经济收入标准) as the report or policy that sets it
/// states it: it covers its region (and everything below it) in the years it is in force.
pub struct IncomeThreshold(pub threshold::Model);

/// A collective-income threshold (村集体经济收入标准) as the report or policy that sets it
/// states it: it covers its region (and everything below it) in the years it is in force.
#[Object]
impl IncomeThreshold {
    /// The amount, yuan (金额).
    async fn amount(&self) -> Money {
        Money(self.0.amount_fen)
    }
    /// What falling below it means (性质).
    async fn consequence(&self) -> ThresholdConsequence {
        match self.0.consequence {
            Consequence::Floor => ThresholdConsequence::Floor,
            Consequence::Veto => ThresholdConsequence::Veto,
        }
    }
    /// The region it covers, with everything below it (适用地区).
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// The first year it is in force (起始年度).
    async fn from_year(&self) -> i32 {
        self.0.from_year
    }
    /// The last year it is in force (终止年度); null when open-ended.
    async fn to_year(&self) -> Option<i32> {
        self.0.to_year
    }
    /// The survey report that sets it (来源报告), if a report does.
    async fn report_no(&self) -> Option<i32> {
        self.0.report_no
    }
    /// The sentence that sets it (原文).
    async fn source_text(&self) -> &str {
        &self.0.source_text
    }
}

/// A threshold with the villages it covers in the counted region and year (达标情况): those
/// at or above it, those below it, and those whose income is not recorded (unknown, neither).
#[derive(SimpleObject)]
pub struct IncomeThresholdCount {
    /// The threshold (收入标准).
    pub threshold: IncomeThreshold,
    /// Villages it covers in the counted region (覆盖村数).
    pub villages: i64,
    /// Villages with a recorded income at or above it (达标村数).
    pub villages_at_or_above: i64,
    /// Villages with a recorded income below it (未达标村数).
    pub villages_below: i64,
    /// Villages with no income recorded for the year (收入未知): counted neither way.
    pub villages_unknown: i64,
    /// Share at or above it of the villages with a recorded income (达标率); null when none
    /// has one.
    pub share_at_or_above: Option<f64>,
}

impl IncomeThresholdCount {
    /// The counts as a caller with this protection may see them (None: exact).
    fn of(c: ThresholdCount, p: Option<&CellKeyMethod>) -> Self {
        let (above, below) = (c.at_or_above.publish(p), c.below.publish(p));
        IncomeThresholdCount {
            share_at_or_above: ratio(above, above + below),
            villages: c.villages.publish(p),
            villages_at_or_above: above,
            villages_below: below,
            villages_unknown: c.unknown.publish(p),
            threshold: IncomeThreshold(c.threshold),
        }
    }
}

/// Rural statistics (乡村振兴统计) of a region in a year, from the village records: the
/// collective-income thresholds that apply to the region and the party organisation as report
/// 9 measures it. A village whose figure is not recorded is unknown: it is counted apart
/// (the `...Unknown` fields), never as meeting or failing a line, and a share whose inputs are
/// all unknown is null. For a caller who may not read village records every count and sum is
/// protected by disclosure control and shares come from the protected parts.
#[derive(SimpleObject)]
pub struct RuralStats {
    /// The year incomes are counted in.
    pub year: i32,
    /// Villages (行政村).
    pub villages: i64,
    /// Villages with an income recorded for the year.
    pub villages_with_income: i64,
    /// Villages with no income recorded for the year (收入未知).
    pub villages_income_unknown: i64,
    /// The thresholds in force in the year whose region overlaps the counted one, each with
    /// the villages it covers at or above it, below it and unknown (收入标准达标情况).
    pub income_thresholds: Vec<IncomeThresholdCount>,
    /// Villages with a recorded income at or above 30,000 yuan (3万元以上), whichever line
    /// applies to them.
    #[graphql(deprecation = "a fixed amount applied everywhere: read `incomeThresholds`, which applies each line to its own region and years")]
    pub villages_at_least_30000: i64,
    /// Villages with a recorded income at or above 50,000 yuan.
    #[graphql(deprecation = "a fixed amount applied everywhere: read `incomeThresholds`, which applies each line to its own region and years")]
    pub villages_at_least_50000: i64,
    /// Villages with a recorded income below a veto line (一票否决) in force for them in the
    /// year, such as report 9's 50,000 yuan in its city; 0 where no veto line applies.
    /// Villages with no income recorded are not counted (see `villagesIncomeUnknown`).
    pub villages_vetoed: i64,
    /// Share at or above 30,000 of the villages with an income.
    #[graphql(deprecation = "read `incomeThresholds.shareAtOrAbove`")]
    pub share_at_least_30000: Option<f64>,
    /// Share at or above 50,000 of the villages with an income.
    #[graphql(deprecation = "read `incomeThresholds.shareAtOrAbove`")]
    pub share_at_least_50000: Option<f64>,
    /// Party members under 35, of the villages that give all three age groups; null when
    /// disclosure control withholds it (one or two villages dominate the sum) from a caller
    /// who may not read village records.
    pub party_members_under_35: Option<i64>,
    /// Party members over 60, of the villages that give all three age groups; null when
    /// disclosure control withholds it.
    pub party_members_over_60: Option<i64>,
    /// Villages whose party members by age are not recorded (党员年龄结构未知): left out of
    /// the shares.
    pub villages_party_members_unknown: i64,
    /// Share of members under 35 (report 9: 20%): under35 / (under35 + 35to60 + over60), of
    /// the villages that give all three (of the protected sums for a caller who may not read
    /// village records); null when none does or a sum is withheld.
    pub share_under_35: Option<f64>,
    /// Share of members over 60 (report 9: 35%); null when no village gives its age groups or
    /// disclosure control withholds a sum.
    pub share_over_60: Option<f64>,
    /// Villages with at least 3 reserve cadres (每村至少储备3名).
    pub villages_with_3_reserve_cadres: i64,
    /// Villages whose reserve cadres are not recorded (后备干部数未知): neither with 3 nor
    /// without.
    pub villages_reserve_cadres_unknown: i64,
    /// Weak organisations under rectification.
    pub villages_under_rectification: i64,
    /// Their share of the villages (report 9: at least 10% a year are rectified).
    pub share_under_rectification: Option<f64>,
}

impl RuralStats {
    /// The statistics as a caller with this protection may see them (None: exact): counts
    /// perturbed, sums of people perturbed or withheld, shares from the protected parts.
    pub fn of(year: i32, t: VillageTotals, thresholds: Vec<ThresholdCount>, p: Option<&CellKeyMethod>) -> Self {
        let vetoed: Tally = thresholds
            .iter()
            .filter(|c| c.threshold.consequence == Consequence::Veto)
            .map(|c| c.below)
            .sum();
        let people = |a: Amount, measure: &str| a.publish(p, measure);
        let (under_35, middle, over_60) = (
            people(t.members_under_35, "partyMembersUnder35"),
            people(t.members_35_to_60, "partyMembers35To60"),
            people(t.members_over_60, "partyMembersOver60"),
        );
        let members = under_35.zip(middle).zip(over_60).map(|((a, b), c)| a + b + c);
        let share = |part: Option<i64>| part.zip(members).and_then(|(part, all)| ratio(part, all));
        let (villages, with_income) = (t.villages.publish(p), t.with_income.publish(p));
        let (at_least_30k, at_least_50k) = (t.at_least_30k.publish(p), t.at_least_50k.publish(p));
        let under_rectification = t.under_rectification.publish(p);
        RuralStats {
            year,
            villages,
            villages_with_income: with_income,
            villages_income_unknown: (t.villages - t.with_income).publish(p),
            income_thresholds: thresholds.into_iter().map(|c| IncomeThresholdCount::of(c, p)).collect(),
            villages_at_least_30000: at_least_30k,
            villages_at_least_50000: at_least_50k,
            villages_vetoed: vetoed.publish(p),
            share_at_least_30000: ratio(at_least_30k, with_income),
            share_at_least_50000: ratio(at_least_50k, with_income),
            party_members_under_35: under_35,
            party_members_over_60: over_60,
            villages_party_members_unknown: (t.villages - t.villages_with_members).publish(p),
            share_under_35: share(under_35),
            share_over_60: share(over_60),
            villages_with_3_reserve_cadres: t.with_3_reserve_cadres.publish(p),
            villages_reserve_cadres_unknown: (t.villages - t.villages_with_reserve_cadres).publish(p),
            villages_under_rectification: under_rectification,
            share_under_rectification: ratio(under_rectification, villages),
        }
    }
}

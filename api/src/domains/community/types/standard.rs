//! Community facility standards (社区设施标准) as GraphQL objects.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use entity::community::standard::{self, StandardKind};

use super::CommunityStandard;
use crate::domains::community::stats::StandardCount;
use crate::figures::ratio;
use crate::region::types::Region;
use crate::scalars::Money;

/// What a standard's area is measured per (计算基数).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CommunityStandardBasis {
    /// Per 100 households (每百户).
    #[graphql(name = "PER_100_HOUSEHOLDS")]
    Per100Households,
    /// Per resident (人均, per person of the resident population).
    PerResident,
}

/// A community facility standard (社区设施标准) as the report or policy that sets it states
/// it: an area per 100 households (office) or per resident (elderly care), for its region and
/// everything below it, in the years it is in force. Units elsewhere are not measured
/// against it.
pub struct CommunityAreaStandard(pub standard::Model);

/// A community facility standard (社区设施标准) as the report or policy that sets it states
/// it: an area per 100 households (office) or per resident (elderly care), for its region and
/// everything below it, in the years it is in force. Units elsewhere are not measured
/// against it.
#[Object]
impl CommunityAreaStandard {
    /// What it measures (标准类型).
    async fn kind(&self) -> CommunityStandard {
        self.0.kind.into()
    }
    /// The floor area it asks for at least (标准面积), m² per `basis`: report 7's office
    /// standard is 20.00 per 100 households (每百户20平方米), its elderly-care standard 0.10 per
    /// resident (人均不少于0.1平方米).
    async fn area_m2(&self) -> Money {
        match self.0.kind {
            StandardKind::Office => Money(self.0.amount_centi * 100),
            StandardKind::ElderlyCare => Money(self.0.amount_centi),
        }
    }
    /// What the area is per (计算基数): 100 households for office rooms, a resident for
    /// elderly care.
    async fn basis(&self) -> CommunityStandardBasis {
        match self.0.kind {
            StandardKind::Office => CommunityStandardBasis::Per100Households,
            StandardKind::ElderlyCare => CommunityStandardBasis::PerResident,
        }
    }
    /// Code of the region it covers, with everything below it (适用地区).
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }
    /// The region it covers, with everything below it (适用地区).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(crate::region::types::region(ctx, &self.0.region_code).await?)
    }
    /// The first year it is in force (起始年度).
    async fn from_year(&self) -> i32 {
        self.0.from_year
    }
    /// The last year it is in force (终止年度); null when open-ended.
    async fn to_year(&self) -> Option<i32> {
        self.0.to_year
    }
    /// The survey report that states it (来源报告), if a report does.
    async fn report_no(&self) -> Option<i32> {
        self.0.report_no
    }
    /// The sentence that sets it (原文).
    async fn source_text(&self) -> &str {
        &self.0.source_text
    }
}

/// A standard in force for the counted region in the year, with the active units it governs
/// there (达标情况): meeting it, below it, and unknown (households, residents or the area not
/// on record: counted neither way). Where standards of one kind nest, a unit is governed by
/// the one of the most specific region.
#[derive(SimpleObject)]
pub struct CommunityStandardCount {
    /// The standard (标准).
    pub standard: CommunityAreaStandard,
    /// Active units it governs in the counted region (适用社区数).
    pub units: i64,
    /// Units meeting it (达标社区数).
    pub units_meeting: i64,
    /// Units below it (未达标社区数).
    pub units_below: i64,
    /// Units whose base or area is not on record (达标情况未知): counted neither way.
    pub units_unknown: i64,
    /// Share meeting it of the units measured against it (达标率): meeting / (meeting +
    /// below); null when none can be measured.
    pub share_meeting: Option<f64>,
}

impl CommunityStandardCount {
    /// The counts as a caller with this protection may see them (None: exact).
    pub fn of(c: StandardCount, p: Option<&crate::aggregate::cellkey::CellKeyMethod>) -> Self {
        let (meeting, below) = (c.meeting.publish(p), c.below.publish(p));
        CommunityStandardCount {
            share_meeting: ratio(meeting, meeting + below),
            units: c.units.publish(p),
            units_meeting: meeting,
            units_below: below,
            units_unknown: c.unknown.publish(p),
            standard: CommunityAreaStandard(c.standard),
        }
    }
}

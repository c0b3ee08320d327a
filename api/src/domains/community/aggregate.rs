//! Community units and staff as BI datasets (社区统计): what `communityUnitAggregate` and
//! `communityStaffAggregate` group and measure, with `communityStats`' formulas (shares of
//! the staff whose status is known: `membershipKnown`, `genderKnown`). No GraphQL here.

use entity::community::staff::{self, Gender};
use entity::community::unit;
use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait};
use std::sync::LazyLock;

use crate::aggregate::{Agg, Dataset, Dimension, Measure, Rate, TimeField, TimeKind, Unit};

pub const ROLE: &str = "role";
pub const GENDER: &str = "gender";
pub const EDUCATION: &str = "education";
pub const HIRING: &str = "hiring";
pub const UNIT_TYPE: &str = "unitType";
pub const STATUS: &str = "status";

/// Community staff (社区工作者).
pub static STAFF: LazyLock<Dataset> = LazyLock::new(|| {
    let s = |c: staff::Column| Expr::col((staff::Entity, c));
    Dataset {
        name: "community_staff",
        zh: "社区工作者",
        table: "community_staff",
        region_column: "community_staff.region_code",
        dimensions: vec![
            Dimension {
                name: ROLE,
                zh: "岗位",
                expr: s(staff::Column::Role),
            },
            Dimension {
                name: GENDER,
                zh: "性别",
                expr: s(staff::Column::Gender),
            },
            Dimension {
                name: EDUCATION,
                zh: "学历",
                expr: s(staff::Column::Education),
            },
            Dimension {
                name: HIRING,
                zh: "聘用方式",
                expr: s(staff::Column::Hiring),
            },
        ],
        times: vec![TimeField {
            name: "createdAt",
            zh: "录入时间",
            column: "community_staff.created_at",
            kind: TimeKind::Timestamp,
        }],
        measures: vec![
            Measure {
                name: "staff",
                zh: "人数",
                unit: Unit::Count,
                agg: Agg::Count,
            },
            Measure {
                name: "partyMembers",
                zh: "党员",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(s(staff::Column::PartyMember).eq(true))),
            },
            Measure {
                name: "women",
                zh: "女性",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(s(staff::Column::Gender).eq(Gender::Female))),
            },
            Measure {
                name: "membershipKnown",
                zh: "党员身份已知人数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(s(staff::Column::PartyMember).is_not_null())),
            },
            Measure {
                name: "genderKnown",
                zh: "性别已知人数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(s(staff::Column::Gender).ne(Gender::Unknown))),
            },
            Measure {
                name: "certifiedSocialWorkers",
                zh: "持证社工",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(s(staff::Column::CertifiedSocialWorker).eq(true))),
            },
            Measure {
                name: "certificationKnown",
                zh: "持证情况已知人数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(s(staff::Column::CertifiedSocialWorker).is_not_null())),
            },
            Measure {
                name: "payKnown",
                zh: "月薪已知人数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(s(staff::Column::MonthlyPayFen).is_not_null())),
            },
            Measure {
                name: "averageMonthlyPay",
                zh: "平均月薪",
                unit: Unit::Fen,
                agg: Agg::Avg(s(staff::Column::MonthlyPayFen)),
            },
            Measure {
                name: "minMonthlyPay",
                zh: "最低月薪",
                unit: Unit::Fen,
                agg: Agg::Min(s(staff::Column::MonthlyPayFen)),
            },
            Measure {
                name: "maxMonthlyPay",
                zh: "最高月薪",
                unit: Unit::Fen,
                agg: Agg::Max(s(staff::Column::MonthlyPayFen)),
            },
        ],
        rates: vec![
            Rate {
                name: "partyMemberShare",
                zh: "党员占比",
                numerator: "partyMembers",
                denominator: "membershipKnown",
            },
            Rate {
                name: "femaleShare",
                zh: "女性占比",
                numerator: "women",
                denominator: "genderKnown",
            },
        ],
    }
});

/// Community units (社区).
pub static UNITS: LazyLock<Dataset> = LazyLock::new(|| {
    let u = |c: unit::Column| Expr::col((unit::Entity, c));
    Dataset {
        name: "community_units",
        zh: "社区",
        table: "community_units",
        region_column: "community_units.region_code",
        dimensions: vec![
            Dimension {
                name: UNIT_TYPE,
                zh: "社区类型",
                expr: u(unit::Column::UnitType),
            },
            Dimension {
                name: STATUS,
                zh: "状态",
                expr: u(unit::Column::Status),
            },
        ],
        times: vec![TimeField {
            name: "createdAt",
            zh: "录入时间",
            column: "community_units.created_at",
            kind: TimeKind::Timestamp,
        }],
        measures: vec![
            Measure {
                name: "units",
                zh: "社区数",
                unit: Unit::Count,
                agg: Agg::Count,
            },
            Measure {
                name: "registeredPopulation",
                zh: "户籍人口",
                unit: Unit::Number,
                agg: Agg::Sum(u(unit::Column::RegisteredPopulation)),
            },
            Measure {
                name: "residentPopulation",
                zh: "常住人口",
                unit: Unit::Number,
                agg: Agg::Sum(u(unit::Column::ResidentPopulation)),
            },
            Measure {
                name: "households",
                zh: "户数",
                unit: Unit::Number,
                agg: Agg::Sum(u(unit::Column::Households)),
            },
            Measure {
                name: "residentGroups",
                zh: "居民小组",
                unit: Unit::Number,
                agg: Agg::Sum(u(unit::Column::ResidentGroups)),
            },
            Measure {
                name: "registeredPopulationKnown",
                zh: "户籍人口已知社区数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(u(unit::Column::RegisteredPopulation).is_not_null())),
            },
            Measure {
                name: "residentPopulationKnown",
                zh: "常住人口已知社区数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(u(unit::Column::ResidentPopulation).is_not_null())),
            },
            Measure {
                name: "householdsKnown",
                zh: "户数已知社区数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(u(unit::Column::Households).is_not_null())),
            },
            Measure {
                name: "residentGroupsKnown",
                zh: "居民小组数已知社区数",
                unit: Unit::Count,
                agg: Agg::CountWhere(Condition::all().add(u(unit::Column::ResidentGroups).is_not_null())),
            },
            Measure {
                name: "averageHouseholds",
                zh: "平均户数",
                unit: Unit::Number,
                agg: Agg::Avg(u(unit::Column::Households)),
            },
        ],
        rates: vec![],
    }
});

//! `communityStaffAggregate` and `communityUnitAggregate`: community staff and units grouped
//! for BI (社区分组统计).

use async_graphql::{Context, InputObject};
use entity::community::{staff, unit};
use sea_orm::Condition;
use sea_orm::sea_query::Expr;

use super::*;
use crate::aggregate::graphql::any_of;
use crate::domains::community::aggregate::{
    EDUCATION, GENDER, HIRING, ROLE, STAFF, STATUS, UNIT_TYPE, UNITS,
};

crate::named_enum! {
    /// What community staff can be grouped by (分组维度).
    pub enum CommunityStaffGroupKey {
        /// Region at the requested level (行政区划).
        Region => "region",
        /// Role (岗位).
        Role => "role",
        /// Gender (性别).
        Gender => "gender",
        /// Education (学历).
        Education => "education",
        /// How they were hired (聘用方式).
        Hiring => "hiring",
        /// Time bucket of when the record was entered (时段).
        Period => "period",
    }
}

crate::named_enum! {
    /// The times community records can be windowed and bucketed by.
    pub enum CommunityTimeField {
        /// When the record was entered (录入时间), bucketed in the request's time zone.
        CreatedAt => "createdAt",
    }
}

crate::named_enum! {
    /// Measures and rates of community staff aggregates.
    pub enum CommunityStaffMeasure {
        /// Staff (人数).
        Staff => "staff",
        /// Party members (党员).
        PartyMembers => "partyMembers",
        /// Women (女性).
        Women => "women",
        /// Staff whose party membership is known (党员身份已知人数).
        MembershipKnown => "membershipKnown",
        /// Staff whose gender is known (性别已知人数).
        GenderKnown => "genderKnown",
        /// Certified social workers (持证社工).
        CertifiedSocialWorkers => "certifiedSocialWorkers",
        /// Staff whose certification is known (持证情况已知人数): certified social workers are
        /// counted among them.
        CertificationKnown => "certificationKnown",
        /// Staff whose monthly pay is known (月薪已知人数): the base of the pay measures.
        PayKnown => "payKnown",
        /// Mean monthly pay of those whose pay is known (平均月薪).
        AverageMonthlyPay => "averageMonthlyPay",
        /// Lowest monthly pay (最低月薪).
        MinMonthlyPay => "minMonthlyPay",
        /// Highest monthly pay (最高月薪).
        MaxMonthlyPay => "maxMonthlyPay",
        /// Share of party members (党员占比): party members / staff whose membership is known.
        PartyMemberShare => "partyMemberShare",
        /// Share of women (女性占比): women / staff whose gender is known.
        FemaleShare => "femaleShare",
    }
}

crate::aggregate_inputs!(
    period: CommunityStaffAggregatePeriod,
    having: CommunityStaffAggregateHaving,
    order: CommunityStaffAggregateOrder,
    time: CommunityTimeField,
    measure: CommunityStaffMeasure
);

/// Which staff a community staff aggregate covers.
#[derive(InputObject, Default)]
pub struct CommunityStaffAggregateFilter {
    /// Staff of units in this region and below (行政区划代码).
    pub region_code: Option<String>,
    /// Staff in these roles.
    pub roles: Option<Vec<StaffRole>>,
    /// Staff hired these ways.
    pub hirings: Option<Vec<Hiring>>,
}

impl crate::aggregate::graphql::AggregateFilter for CommunityStaffAggregateFilter {
    fn region_code(&self) -> Option<&str> {
        self.region_code.as_deref()
    }

    async fn narrowing(
        &self,
        _: &Context<'_>,
        _: &[&'static str],
    ) -> crate::error::AppResult<Option<Condition>> {
        let col = |c: staff::Column| Expr::col((staff::Entity, c));
        let mut cond = None;
        any_of(
            &mut cond,
            col(staff::Column::Role),
            &self.roles,
            staff::StaffRole::from,
        );
        any_of(
            &mut cond,
            col(staff::Column::Hiring),
            &self.hirings,
            staff::Hiring::from,
        );
        Ok(cond)
    }
}

crate::aggregate_query! {
    /// Community staff grouped for BI (社区工作者分组统计): by region at any level, role, gender,
    /// education, hiring and time bucket, with counts, pay and the shares `communityStats`
    /// computes. One GROUP BY whatever the number of groups; counts and sums protected by the cell key method for `statistics_reader` and `anonymous` 
    /// (`disclosureMethod`).
    CommunityStaffAggregateQuery::community_staff_aggregate -> CommunityStaffAggregate,
    dataset: STAFF, policy: crate::domains::community::policy::POLICY,
    filter: CommunityStaffAggregateFilter, key: CommunityStaffGroupKey, period: CommunityStaffAggregatePeriod,
    having: CommunityStaffAggregateHaving, order: CommunityStaffAggregateOrder,
}

crate::aggregate_types! {
    /// Community staff grouped (社区工作者分组统计).
    CommunityStaffAggregate,
    /// One group of community staff (社区工作者分组): its keys (those grouped by; the others are null) and
    /// measures (null when withheld).
    CommunityStaffAggregateRow,
    keys {
        /// Role (岗位); null unless grouped by ROLE.
        async fn role(&self) -> Option<StaffRole> {
            self.0.enum_key::<staff::StaffRole>(ROLE).map(Into::into)
        }
        /// Gender (性别); null unless grouped by GENDER.
        async fn gender(&self) -> Option<Gender> {
            self.0.enum_key::<staff::Gender>(GENDER).map(Into::into)
        }
        /// Education (学历); null unless grouped by EDUCATION.
        async fn education(&self) -> Option<Education> {
            self.0.enum_key::<staff::Education>(EDUCATION).map(Into::into)
        }
        /// How they were hired (聘用方式); null unless grouped by HIRING.
        async fn hiring(&self) -> Option<Hiring> {
            self.0.enum_key::<staff::Hiring>(HIRING).map(Into::into)
        }
    }
    measures {
        /// Staff (人数).
        staff: count("staff"),
        /// Party members (党员).
        party_members: count("partyMembers"),
        /// Women (女性).
        women: count("women"),
        /// Staff whose party membership is known (党员身份已知人数): the base of `partyMemberShare`.
        membership_known: count("membershipKnown"),
        /// Staff whose gender is known (性别已知人数): the base of `femaleShare`.
        gender_known: count("genderKnown"),
        /// Certified social workers (持证社工).
        certified_social_workers: count("certifiedSocialWorkers"),
        /// Staff whose certification is known (持证情况已知人数); the others are neither
        /// counted as certified nor as not.
        certification_known: count("certificationKnown"),
        /// Staff whose monthly pay is known (月薪已知人数): the base of the pay measures.
        pay_known: count("payKnown"),
        /// Mean monthly pay of those whose pay is known (平均月薪), rounded half-even to the fen.
        average_monthly_pay: money("averageMonthlyPay"),
        /// Lowest monthly pay (最低月薪).
        min_monthly_pay: money("minMonthlyPay"),
        /// Highest monthly pay (最高月薪).
        max_monthly_pay: money("maxMonthlyPay"),
        /// Share of party members (党员占比): party members / staff whose membership is known, as
        /// `communityStats` computes it; null when no one's is.
        party_member_share: number("partyMemberShare"),
        /// Share of women (女性占比): women / staff whose gender is known; null when no one's is.
        female_share: number("femaleShare"),
    }
}

crate::named_enum! {
    /// What community units can be grouped by (分组维度).
    pub enum CommunityUnitGroupKey {
        /// Region at the requested level (行政区划).
        Region => "region",
        /// Type (社区类型).
        UnitType => "unitType",
        /// Status (状态).
        Status => "status",
        /// Time bucket of when the record was entered (时段).
        Period => "period",
    }
}

crate::named_enum! {
    /// Measures of community unit aggregates.
    pub enum CommunityUnitMeasure {
        /// Units (社区数).
        Units => "units",
        /// Registered population (户籍人口).
        RegisteredPopulation => "registeredPopulation",
        /// Resident population (常住人口).
        ResidentPopulation => "residentPopulation",
        /// Households (户数).
        Households => "households",
        /// Resident groups (居民小组).
        ResidentGroups => "residentGroups",
        /// Units whose registered population is known (户籍人口已知社区数).
        RegisteredPopulationKnown => "registeredPopulationKnown",
        /// Units whose resident population is known (常住人口已知社区数).
        ResidentPopulationKnown => "residentPopulationKnown",
        /// Units whose households are known (户数已知社区数).
        HouseholdsKnown => "householdsKnown",
        /// Units whose resident groups are known (居民小组数已知社区数).
        ResidentGroupsKnown => "residentGroupsKnown",
        /// Mean households of the units whose households are known (平均户数).
        AverageHouseholds => "averageHouseholds",
    }
}

crate::aggregate_inputs!(
    period: CommunityUnitAggregatePeriod,
    having: CommunityUnitAggregateHaving,
    order: CommunityUnitAggregateOrder,
    time: CommunityTimeField,
    measure: CommunityUnitMeasure
);

/// Which units a community unit aggregate covers.
#[derive(InputObject, Default)]
pub struct CommunityUnitAggregateFilter {
    /// Units in this region and below (行政区划代码).
    pub region_code: Option<String>,
    /// Units of these types.
    pub unit_types: Option<Vec<CommunityUnitType>>,
    /// Units in these statuses.
    pub statuses: Option<Vec<CommunityUnitStatus>>,
}

impl crate::aggregate::graphql::AggregateFilter for CommunityUnitAggregateFilter {
    fn region_code(&self) -> Option<&str> {
        self.region_code.as_deref()
    }

    async fn narrowing(
        &self,
        _: &Context<'_>,
        _: &[&'static str],
    ) -> crate::error::AppResult<Option<Condition>> {
        let col = |c: unit::Column| Expr::col((unit::Entity, c));
        let mut cond = None;
        any_of(
            &mut cond,
            col(unit::Column::UnitType),
            &self.unit_types,
            unit::UnitType::from,
        );
        any_of(
            &mut cond,
            col(unit::Column::Status),
            &self.statuses,
            unit::UnitStatus::from,
        );
        Ok(cond)
    }
}

crate::aggregate_query! {
    /// Community units grouped for BI (社区分组统计): by region at any level, type, status and
    /// time bucket, with counts and population sums. One GROUP BY whatever the number of
    /// groups; counts and sums protected by the cell key method for
    /// `statistics_reader` and `anonymous` (`disclosureMethod`).
    CommunityUnitAggregateQuery::community_unit_aggregate -> CommunityUnitAggregate,
    dataset: UNITS, policy: crate::domains::community::policy::POLICY,
    filter: CommunityUnitAggregateFilter, key: CommunityUnitGroupKey, period: CommunityUnitAggregatePeriod,
    having: CommunityUnitAggregateHaving, order: CommunityUnitAggregateOrder,
}

crate::aggregate_types! {
    /// Community units grouped (社区分组统计).
    CommunityUnitAggregate,
    /// One group of community units (社区分组): its keys (those grouped by; the others are null) and
    /// measures (null when withheld).
    CommunityUnitAggregateRow,
    keys {
        /// Type (社区类型); null unless grouped by UNIT_TYPE.
        async fn unit_type(&self) -> Option<CommunityUnitType> {
            self.0.enum_key::<unit::UnitType>(UNIT_TYPE).map(Into::into)
        }
        /// Status (状态); null unless grouped by STATUS.
        async fn status(&self) -> Option<CommunityUnitStatus> {
            self.0.enum_key::<unit::UnitStatus>(STATUS).map(Into::into)
        }
    }
    measures {
        /// Units (社区数).
        units: count("units"),
        /// Registered population (户籍人口) of the units where it is known.
        registered_population: count("registeredPopulation"),
        /// Resident population (常住人口) of the units where it is known.
        resident_population: count("residentPopulation"),
        /// Households (户数) of the units where they are known.
        households: count("households"),
        /// Resident groups (居民小组) of the units where they are known.
        resident_groups: count("residentGroups"),
        /// Units whose registered population is known (户籍人口已知社区数): the sum is of
        /// these; `units` minus it are unknown.
        registered_population_known: count("registeredPopulationKnown"),
        /// Units whose resident population is known (常住人口已知社区数).
        resident_population_known: count("residentPopulationKnown"),
        /// Units whose households are known (户数已知社区数): the base of `averageHouseholds`.
        households_known: count("householdsKnown"),
        /// Units whose resident groups are known (居民小组数已知社区数).
        resident_groups_known: count("residentGroupsKnown"),
        /// Mean households of the units whose households are known (平均户数).
        average_households: number("averageHouseholds"),
    }
}

/// The exports of the community domain.
pub static EXPORTS: [crate::export::ExportSpec; 2] = [
    crate::export::ExportSpec {
        field: "communityStaffAggregate",
        filter_type: "CommunityStaffAggregateFilter",
        key_type: "CommunityStaffGroupKey",
        period_type: "CommunityStaffAggregatePeriod",
        dataset: &STAFF,
        keys: &[
            crate::export::KeyColumn {
                selection: "role",
                path: &["role"],
                en: "role",
            },
            crate::export::KeyColumn {
                selection: "gender",
                path: &["gender"],
                en: "gender",
            },
            crate::export::KeyColumn {
                selection: "education",
                path: &["education"],
                en: "education",
            },
            crate::export::KeyColumn {
                selection: "hiring",
                path: &["hiring"],
                en: "hiring",
            },
        ],
    },
    crate::export::ExportSpec {
        field: "communityUnitAggregate",
        filter_type: "CommunityUnitAggregateFilter",
        key_type: "CommunityUnitGroupKey",
        period_type: "CommunityUnitAggregatePeriod",
        dataset: &UNITS,
        keys: &[
            crate::export::KeyColumn {
                selection: "unitType",
                path: &["unitType"],
                en: "unitType",
            },
            crate::export::KeyColumn {
                selection: "status",
                path: &["status"],
                en: "status",
            },
        ],
    },
];

//! Which record types each domain syncs, and where each type's region comes from: the
//! catalogue both the sync service and the sync token read, beneath them both.

/// A domain that syncs (业务领域).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Domain {
    Enforcement,
    Community,
    Funeral,
    Rural,
}

impl Domain {
    pub const ALL: [Domain; 4] = [
        Domain::Enforcement,
        Domain::Community,
        Domain::Funeral,
        Domain::Rural,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Domain::Enforcement => "enforcement",
            Domain::Community => "community",
            Domain::Funeral => "funeral",
            Domain::Rural => "rural",
        }
    }

    pub fn parse(key: &str) -> Option<Domain> {
        Domain::ALL.into_iter().find(|d| d.key() == key)
    }

    /// The record types the domain syncs, in snapshot order.
    pub fn types(self) -> &'static [SyncType] {
        TYPES
            .iter()
            .position(|(d, _)| *d == self)
            .map_or(&[], |i| TYPES[i].1)
    }
}

/// Where a type's region comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionOf {
    /// Its own `region_code` column.
    Column,
    /// The `region_code` of its case (`case_id`).
    Case,
}

/// A record type that syncs: its GraphQL name (as the change log writes it) and table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncType {
    pub name: &'static str,
    pub table: &'static str,
    pub region: RegionOf,
}

const fn own(name: &'static str, table: &'static str) -> SyncType {
    SyncType {
        name,
        table,
        region: RegionOf::Column,
    }
}

const fn of_case(name: &'static str, table: &'static str) -> SyncType {
    SyncType {
        name,
        table,
        region: RegionOf::Case,
    }
}

/// Every domain's synced types. Reference data (regions, courts, indicators) is not synced:
/// clients read it once through its own queries.
const TYPES: [(Domain, &[SyncType]); 4] = [
    (
        Domain::Enforcement,
        &[
            own("EnforcementCase", "enforcement_cases"),
            of_case("Party", "parties"),
            of_case("Measure", "measures"),
            of_case("FlowNode", "flow_nodes"),
            own("SupervisionOrder", "supervision_orders"),
            own("DishonestDebtor", "dishonest_entries"),
        ],
    ),
    (
        Domain::Community,
        &[
            own("CommunityUnit", "community_units"),
            own("CommunityStaff", "community_staff"),
            own("CommunityFacility", "community_facilities"),
            own("CommunityGrid", "community_grids"),
        ],
    ),
    (
        Domain::Funeral,
        &[
            own("FuneralFacility", "funeral_facilities"),
            own("FuneralProject", "funeral_projects"),
            own("FuneralMilestone", "funeral_milestones"),
            own("GravePlot", "grave_plots"),
            own("GravePlotHold", "grave_plot_holds"),
            own("FuneralFeeStandard", "funeral_fee_standards"),
            own("FuneralSubsidy", "funeral_subsidies"),
            own("FuneralViolation", "funeral_violations"),
        ],
    ),
    (
        Domain::Rural,
        &[
            own("Village", "rural_villages"),
            own("VillageIncome", "rural_village_incomes"),
            own("Observation", "rural_observations"),
        ],
    ),
];

/// The domain and type of a type name.
pub fn type_named(name: &str) -> Option<(Domain, &'static SyncType)> {
    TYPES
        .iter()
        .find_map(|(d, types)| types.iter().find(|t| t.name == name).map(|t| (*d, t)))
}

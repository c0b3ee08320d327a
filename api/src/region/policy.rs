//! Who may read the region hierarchy: reference data for everyone but partner agencies,
//! whose only right is the dishonest-debtor check.

use crate::access::Action::Read;
use crate::access::Policy;
use crate::access::Role::{
    Admin, AgricultureOfficer, Analyst, Anonymous, CivilAffairsOfficer, CourtOfficer, StatisticsReader,
    Supervisor,
};

pub const POLICY: Policy = Policy {
    domain: "region",
    rules: &[(
        Read,
        &[
            Admin,
            CourtOfficer,
            CivilAffairsOfficer,
            AgricultureOfficer,
            Supervisor,
            Analyst,
            StatisticsReader,
            Anonymous,
        ],
    )],
};

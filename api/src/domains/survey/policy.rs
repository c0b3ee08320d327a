//! Who may read the survey reports' figures: published material, for everyone but partner
//! agencies. Computed values follow the caller's aggregate scope.

use crate::access::Action::Aggregate;
use crate::access::Policy;
use crate::access::Role::{
    Admin, AgricultureOfficer, Analyst, Anonymous, CivilAffairsOfficer, CourtOfficer, Supervisor,
};

pub const POLICY: Policy = Policy {
    domain: "survey",
    rules: &[(
        Aggregate,
        &[
            Admin,
            CourtOfficer,
            CivilAffairsOfficer,
            AgricultureOfficer,
            Supervisor,
            Analyst,
            Anonymous,
        ],
    )],
};

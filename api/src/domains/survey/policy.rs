//! Who may read the survey reports' figures: published material, for everyone but partner
//! agencies. Computed values follow the caller's aggregate scope.

use crate::access::Action::{Aggregate, Read, Write};
use crate::access::Policy;
use crate::access::Role::{
    Admin, AgricultureOfficer, Analyst, Anonymous, CivilAffairsOfficer, CourtOfficer, StatisticsReader,
    Supervisor,
};

pub const POLICY: Policy = Policy {
    domain: "survey",
    rules: &[
        // The reports, their problems, recommendations and figures: published material.
        (
            Aggregate,
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
        ),
        // The follow-ups of recommendations (supervisors within their subtree).
        (Read, &[Admin, Supervisor, Analyst]),
        // Tracking a recommendation's follow-up.
        (Write, &[Admin, Supervisor]),
    ],
};

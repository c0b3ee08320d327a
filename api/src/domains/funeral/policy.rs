//! Who may do what in the funeral domain, on one screen.

use crate::access::Action::{Aggregate, PersonalData, Read, Statistics, Write};
use crate::access::Policy;
use crate::access::Role::{
    Admin, AgricultureOfficer, Analyst, Anonymous, CivilAffairsOfficer, CourtOfficer, Supervisor,
};

pub const POLICY: Policy = Policy {
    domain: "funeral",
    rules: &[
        // Facilities, projects, plots and holds (masked), fee standards, subsidies (masked), violations.
        (Read, &[Admin, CivilAffairsOfficer, Supervisor, Analyst]),
        // Every mutation of the domain, within the caller's subtree.
        (Write, &[Admin, CivilAffairsOfficer]),
        // Names, phones and identity numbers of plot holders and subsidy recipients, unmasked (each read audited).
        (PersonalData, &[Admin, CivilAffairsOfficer]),
        // `funeralStats`: published aggregates; scoped roles see their subtree's.
        (
            Aggregate,
            &[
                Admin,
                CivilAffairsOfficer,
                CourtOfficer,
                AgricultureOfficer,
                Supervisor,
                Analyst,
                Anonymous,
            ],
        ),
        // Grouped aggregates and their exports (BI); roles without Read get them protected by disclosure control.
        (Statistics, crate::access::STATISTICS_READERS),
    ],
};

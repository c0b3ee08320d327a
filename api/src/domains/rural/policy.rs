//! Who may do what in the rural domain, on one screen.

use crate::access::Action::{Aggregate, Read, Statistics, Write};
use crate::access::Policy;
use crate::access::Role::{
    Admin, AgricultureOfficer, Analyst, Anonymous, CivilAffairsOfficer, CourtOfficer, Supervisor,
};

pub const POLICY: Policy = Policy {
    domain: "rural",
    rules: &[
        // Villages and their party organisations.
        (Read, &[Admin, AgricultureOfficer, Supervisor, Analyst]),
        // Observations, the CSV import, villages, incomes, the catalogue, within the subtree.
        (Write, &[Admin, AgricultureOfficer]),
        // The catalogue, series, snapshots and `ruralStats`: published statistics; scoped
        // roles see their subtree's.
        (
            Aggregate,
            &[
                Admin,
                AgricultureOfficer,
                CivilAffairsOfficer,
                CourtOfficer,
                Supervisor,
                Analyst,
                Anonymous,
            ],
        ),
        // Grouped aggregates and their exports (BI); roles without Read get them protected by disclosure control.
        (Statistics, crate::access::STATISTICS_READERS),
    ],
};

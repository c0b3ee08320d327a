//! Who may do what in the enforcement domain, on one screen.

use crate::access::Action::{Aggregate, Check, PersonalData, Public, Read, Statistics, Write};
use crate::access::Policy;
use crate::access::Role::{
    Admin, AgricultureOfficer, Analyst, Anonymous, CivilAffairsOfficer, CourtOfficer, PartnerAgency,
    Supervisor,
};

pub const POLICY: Policy = Policy {
    domain: "enforcement",
    rules: &[
        // Cases, parties (masked), measures, flow nodes, supervision orders, courts.
        (Read, &[Admin, CourtOfficer, Supervisor, Analyst]),
        // Every mutation of the domain.
        (Write, &[Admin, CourtOfficer]),
        // Identity numbers, phones and addresses of parties, unmasked (each read audited).
        (PersonalData, &[Admin, CourtOfficer]),
        // KPIs: published aggregates; scoped roles see their subtree's.
        (
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
        ),
        // Grouped aggregates and their exports (BI); roles without Read get them protected by disclosure control.
        (Statistics, crate::access::STATISTICS_READERS),
        // The dishonest-debtor list, public by law.
        (
            Public,
            &[
                Admin,
                CourtOfficer,
                CivilAffairsOfficer,
                AgricultureOfficer,
                Supervisor,
                Analyst,
                Anonymous,
            ],
        ),
        // The dishonest-debtor check (each audited); the only thing partner agencies do.
        (
            Check,
            &[
                Admin,
                CourtOfficer,
                CivilAffairsOfficer,
                AgricultureOfficer,
                Supervisor,
                Analyst,
                PartnerAgency,
                Anonymous,
            ],
        ),
    ],
};

//! What the integration tests and the benchmark reach inside the domains for, in one place:
//! the domains' modules are `pub(crate)`, and a domain's interface to the rest of the
//! world is its registration (`domains::DOMAINS`) and the GraphQL schema.

/// How many copies of each seeded record a scaled seed writes per unit of scale.
pub mod copies_per_scale {
    pub use crate::domains::community::seed::COPIES_PER_SCALE as COMMUNITY;
    pub use crate::domains::funeral::seed::COPIES_PER_SCALE as FUNERAL;
    pub use crate::domains::rural::seed::VILLAGE_COPIES_PER_SCALE as RURAL_VILLAGES;
}

/// The enforcement KPIs' daily pre-aggregates against the cases they summarise.
pub use crate::domains::enforcement::kpis::daily_drift;

/// Rows per statement of the observations import (the benchmark's batch size).
pub use crate::domains::rural::service::observations::IMPORT_BATCH_ROWS;

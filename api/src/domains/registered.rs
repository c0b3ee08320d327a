//! The registered domains, one line each, and the `Node` interface (Relay object
//! identification) made from them.
//!
//! A domain's line names its module, the GraphQL types `node(id)` finds in its `types` (the
//! compiler needs them as variants of `Node`), and, when its records sync, its `SyncDomain`
//! value with that value's description. Everything else about a domain comes from its
//! descriptor (`DOMAIN`, a `registry::Domain`) and from the parts every domain's `mod.rs`
//! names the same way (`Query`, `Mutation`, `Aggregates`, `Subscription`, `Dashboard`):
//! `domains/mod.rs` composes them from this list, and a registered domain that lacks one does
//! not compile.

use async_graphql::{ID, Interface};

use crate::audit::query::AuditEntry;
use crate::auth::graphql::User;
use crate::region::types::Region;
use crate::webhooks::types::{WebhookDelivery, WebhookEndpoint};

/// Calls `$then!` with the registered domains.
macro_rules! registered {
    ($then:ident) => {
        $then! {
            enforcement [Court, EnforcementCase, Party, Measure, FlowNode, SupervisionOrder, DishonestDebtor]
                sync Enforcement "Court enforcement (执行案件): cases, parties, measures, flow nodes, supervision\norders, dishonest-debtor entries.";
            community [CommunityUnit, CommunityStaff, CommunityFacility, CommunityGrid]
                sync Community "Urban community units (城市社区): units, staff, facilities, grids.";
            funeral [FuneralFacility, FuneralProject, FuneralMilestone, GravePlot, GravePlotHold, FuneralFeeStandard, FuneralSubsidy, FuneralViolation]
                sync Funeral "Funeral facilities (殡葬设施) and their projects, plots, fees, subsidies, violations.";
            rural [Indicator, Observation, Village, VillageIncome]
                sync Rural "Rural revitalisation (乡村振兴): villages, village incomes, observations.";
            survey [ReportedFigure];
        }
    };
}
pub(crate) use registered;

/// The `Node` interface over the core's types and every registered domain's.
macro_rules! node_interface {
    ($($domain:ident [$($node:ident),*] $(sync $sync:ident $desc:literal)?;)*) => {
        /// Any record with a global id (Relay `Node`).
        #[derive(Interface)]
        #[graphql(field(name = "id", ty = "ID", desc = "Global id of the record."))]
        pub enum Node {
            Region(Region),
            $($($node(super::$domain::types::$node),)*)*
            User(User),
            AuditEntry(AuditEntry),
            WebhookEndpoint(WebhookEndpoint),
            WebhookDelivery(WebhookDelivery),
        }
    };
}

registered!(node_interface);

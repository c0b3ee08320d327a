//! The `Node` interface (Relay object identification): every type with a global id, core and
//! domain alike. It is part of the registry: a domain's node types are listed here beside
//! its line in `DOMAINS`, and its resolver (`Domain::node`) answers with these variants.

use async_graphql::{ID, Interface};

use crate::audit::query::AuditEntry;
use crate::auth::graphql::User;
use crate::domains::community::types::{CommunityFacility, CommunityGrid, CommunityStaff, CommunityUnit};
use crate::domains::enforcement::types::{
    Court, DishonestDebtor, EnforcementCase, FlowNode, Measure, Party, SupervisionOrder,
};
use crate::domains::funeral::types::{
    FuneralFacility, FuneralFeeStandard, FuneralMilestone, FuneralProject, FuneralSubsidy, FuneralViolation,
    GravePlot, GravePlotHold,
};
use crate::domains::rural::types::{Indicator, Observation, Village, VillageIncome};
use crate::domains::survey::types::ReportedFigure;
use crate::region::types::Region;
use crate::webhooks::types::{WebhookDelivery, WebhookEndpoint};

/// Any record with a global id (Relay `Node`).
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id of the record."))]
pub enum Node {
    Region(Region),
    Court(Court),
    EnforcementCase(EnforcementCase),
    Party(Party),
    Measure(Measure),
    FlowNode(FlowNode),
    SupervisionOrder(SupervisionOrder),
    DishonestDebtor(DishonestDebtor),
    CommunityUnit(CommunityUnit),
    CommunityStaff(CommunityStaff),
    CommunityFacility(CommunityFacility),
    CommunityGrid(CommunityGrid),
    FuneralFacility(FuneralFacility),
    FuneralProject(FuneralProject),
    FuneralMilestone(FuneralMilestone),
    GravePlot(GravePlot),
    GravePlotHold(GravePlotHold),
    FuneralFeeStandard(FuneralFeeStandard),
    FuneralSubsidy(FuneralSubsidy),
    FuneralViolation(FuneralViolation),
    Indicator(Indicator),
    Observation(Observation),
    Village(Village),
    VillageIncome(VillageIncome),
    ReportedFigure(ReportedFigure),
    User(User),
    AuditEntry(AuditEntry),
    WebhookEndpoint(WebhookEndpoint),
    WebhookDelivery(WebhookDelivery),
}

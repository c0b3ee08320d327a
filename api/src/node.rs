//! Relay object identification: every record's `id` is a global id (`ids.rs`), and
//! `node(id)` resolves any of them under the same access checks as every other path. Each
//! domain adds its types to `Node` and a branch to `node`.

use async_graphql::{Context, ID, Interface, Object, Result};
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::access::{Action, viewer};
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
use crate::domains::region::types::Region;
use crate::domains::rural::types::{Indicator, Observation, UnitValue, Village, VillageIncome};
use crate::domains::survey::types::ReportedFigure;
use crate::error::AppError;
use crate::ids::decode;
use crate::webhooks::graphql::{WebhookDelivery, WebhookEndpoint};

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

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any record by its global id (Relay object identification), under the same access
    /// checks as every other path: a record the caller may not see is null, like a missing one.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the record.")] id: ID,
    ) -> Result<Option<Node>> {
        use crate::domains::enforcement::{policy::POLICY as ENFORCEMENT, service as enforcement};
        use entity::enforcement::{dishonest_entry, flow_node, measure, party, supervision_order};
        let Some((kind, key)) = decode(&id) else {
            return Ok(None);
        };
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let v = viewer(ctx);
        let num = key.parse::<i64>().ok();
        // Children of a case are visible when their case is.
        macro_rules! case_child {
            ($entity:ty, $wrap:expr) => {{
                let scope = v.authorize(&ENFORCEMENT, Action::Read)?;
                let Some(n) = num else { return Ok(None) };
                let Some(row) = <$entity>::find_by_id(n)
                    .one(db)
                    .await
                    .map_err(AppError::from)?
                else {
                    return Ok(None);
                };
                match enforcement::find_case(db, row.case_id, &scope).await? {
                    Some(case) => Some($wrap(row, case)),
                    None => None,
                }
            }};
        }
        Ok(match kind.as_str() {
            "Region" => {
                v.require(&crate::domains::region::policy::POLICY, Action::Read)?;
                crate::domains::region::service::find(db, &key)
                    .await?
                    .map(|r| Node::Region(r.into()))
            }
            "Court" => {
                let scope = v.authorize(&ENFORCEMENT, Action::Read)?;
                match num {
                    Some(n) => enforcement::find_court(db, n, &scope)
                        .await?
                        .map(|c| Node::Court(Court(c))),
                    None => None,
                }
            }
            "EnforcementCase" => {
                let scope = v.authorize(&ENFORCEMENT, Action::Read)?;
                match num {
                    Some(n) => enforcement::find_case(db, n, &scope)
                        .await?
                        .map(|c| Node::EnforcementCase(EnforcementCase(c))),
                    None => None,
                }
            }
            "Party" => case_child!(
                party::Entity,
                |p, c: entity::enforcement::enforcement_case::Model| Node::Party(Party(
                    p,
                    Some(c.region_code)
                ))
            ),
            "Measure" => case_child!(measure::Entity, |m, _| Node::Measure(Measure(m))),
            "FlowNode" => case_child!(flow_node::Entity, |f, _| Node::FlowNode(FlowNode(f))),
            "SupervisionOrder" => case_child!(supervision_order::Entity, |s, _| Node::SupervisionOrder(
                SupervisionOrder(s)
            )),
            "DishonestDebtor" => {
                v.require(&ENFORCEMENT, Action::Public)?;
                match num {
                    Some(n) => dishonest_entry::Entity::find_by_id(n)
                        .one(db)
                        .await
                        .map_err(AppError::from)?
                        .map(|d| Node::DishonestDebtor(DishonestDebtor(d))),
                    None => None,
                }
            }
            "CommunityUnit" | "CommunityStaff" | "CommunityFacility" | "CommunityGrid" => {
                use crate::domains::community::{policy::POLICY as COMMUNITY, service as community};
                let scope = v.authorize(&COMMUNITY, Action::Read)?;
                let Some(n) = num else { return Ok(None) };
                match kind.as_str() {
                    "CommunityUnit" => community::units::find_unit(db, n, &scope)
                        .await?
                        .map(|u| Node::CommunityUnit(CommunityUnit(u))),
                    "CommunityStaff" => community::staff::find_staff(db, n, &scope)
                        .await?
                        .map(|s| Node::CommunityStaff(CommunityStaff(s))),
                    "CommunityFacility" => community::facilities::find_facility(db, n, &scope)
                        .await?
                        .map(|f| Node::CommunityFacility(CommunityFacility(f))),
                    _ => community::grids::find_grid(db, n, &scope)
                        .await?
                        .map(|g| Node::CommunityGrid(CommunityGrid(g))),
                }
            }
            "FuneralFacility" | "FuneralProject" | "FuneralMilestone" | "GravePlot" | "GravePlotHold"
            | "FuneralFeeStandard" | "FuneralSubsidy" | "FuneralViolation" => {
                use crate::domains::funeral::{policy::POLICY as FUNERAL, service::find_in_scope};
                use entity::funeral as f;
                let scope = v.authorize(&FUNERAL, Action::Read)?;
                let Some(n) = num else { return Ok(None) };
                match kind.as_str() {
                    "FuneralFacility" => find_in_scope::<f::facility::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::FuneralFacility(FuneralFacility(r))),
                    "FuneralProject" => find_in_scope::<f::project::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::FuneralProject(FuneralProject(r))),
                    "FuneralMilestone" => find_in_scope::<f::milestone::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::FuneralMilestone(FuneralMilestone(r))),
                    "GravePlot" => find_in_scope::<f::plot::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::GravePlot(GravePlot(r))),
                    "GravePlotHold" => find_in_scope::<f::hold::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::GravePlotHold(GravePlotHold(r))),
                    "FuneralFeeStandard" => find_in_scope::<f::fee_standard::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::FuneralFeeStandard(FuneralFeeStandard(r))),
                    "FuneralSubsidy" => find_in_scope::<f::subsidy::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::FuneralSubsidy(FuneralSubsidy(r))),
                    _ => find_in_scope::<f::violation::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::FuneralViolation(FuneralViolation(r))),
                }
            }
            "Indicator" => {
                v.require(&crate::domains::rural::policy::POLICY, Action::Aggregate)?;
                match num {
                    Some(n) => entity::rural::indicator::Entity::find_by_id(n)
                        .one(db)
                        .await
                        .map_err(AppError::from)?
                        .map(|i| Node::Indicator(Indicator(i))),
                    None => None,
                }
            }
            "Observation" => {
                use crate::domains::region::service::find_in_scope;
                let scope = v.authorize(&crate::domains::rural::policy::POLICY, Action::Aggregate)?;
                let Some(n) = num else { return Ok(None) };
                let Some(o) = find_in_scope::<entity::rural::observation::Entity>(db, n, &scope).await?
                else {
                    return Ok(None);
                };
                let Some(ind) = entity::rural::indicator::Entity::find_by_id(o.indicator_id)
                    .one(db)
                    .await
                    .map_err(AppError::from)?
                else {
                    return Ok(None);
                };
                let unit = crate::units::unit("unit", &ind.unit)?;
                let value = crate::units::decimal("value", &o.value)?;
                Some(Node::Observation(Observation {
                    shown: UnitValue::of(crate::units::convert("unit", value, unit, unit, 4)?, unit),
                    year_over_year: None,
                    indicator: ind,
                    model: o,
                }))
            }
            "Village" | "VillageIncome" => {
                use crate::domains::region::service::find_in_scope;
                let scope = v.authorize(&crate::domains::rural::policy::POLICY, Action::Read)?;
                let Some(n) = num else { return Ok(None) };
                if kind == "Village" {
                    find_in_scope::<entity::rural::village::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::Village(Village(r)))
                } else {
                    find_in_scope::<entity::rural::village_income::Entity>(db, n, &scope)
                        .await?
                        .map(|r| Node::VillageIncome(VillageIncome(r)))
                }
            }
            "ReportedFigure" => {
                v.require(&crate::domains::survey::policy::POLICY, Action::Aggregate)?;
                match num {
                    Some(n) => entity::survey::reported_figure::Entity::find_by_id(n)
                        .one(db)
                        .await
                        .map_err(AppError::from)?
                        .map(|f| Node::ReportedFigure(ReportedFigure(f))),
                    None => None,
                }
            }
            "User" => {
                v.require(&crate::auth::graphql::POLICY, Action::Read)?;
                match num {
                    Some(n) => entity::auth::user::Entity::find_by_id(n)
                        .one(db)
                        .await
                        .map_err(AppError::from)?
                        .map(|u| Node::User(User(u))),
                    None => None,
                }
            }
            "AuditEntry" => {
                let scope = v.authorize(&crate::audit::query::POLICY, Action::Read)?;
                match num {
                    Some(n) => crate::audit::service::find(db, n, &scope)
                        .await?
                        .map(|e| Node::AuditEntry(AuditEntry(e))),
                    None => None,
                }
            }
            "WebhookEndpoint" | "WebhookDelivery" => {
                use crate::webhooks::service as webhooks;
                v.require(&crate::webhooks::POLICY, Action::Read)?;
                let Some(n) = num else { return Ok(None) };
                if kind == "WebhookEndpoint" {
                    webhooks::find_endpoint(db, n)
                        .await?
                        .map(|e| Node::WebhookEndpoint(WebhookEndpoint(e)))
                } else {
                    webhooks::find_delivery(db, n)
                        .await?
                        .map(|d| Node::WebhookDelivery(WebhookDelivery(d)))
                }
            }
            _ => None,
        })
    }
}

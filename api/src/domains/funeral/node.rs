//! Funeral's node types (`node(id)` and sync): its registration's `nodes`. Every funeral
//! record lies in a region of its own, is read under funeral's `Read` permission there, and
//! syncs.

use super::policy::POLICY;
use super::types::{
    FuneralFacility, FuneralFeeStandard, FuneralMilestone, FuneralProject, FuneralSubsidy, FuneralViolation,
    GravePlot, GravePlotHold,
};
use crate::registry::{NodeType, regional_node};

/// Funeral's types, in snapshot order.
pub static NODES: &[NodeType] = &[
    regional_node!("FuneralFacility" => entity::funeral::facility as FuneralFacility, POLICY),
    regional_node!("FuneralProject" => entity::funeral::project as FuneralProject, POLICY),
    regional_node!("FuneralMilestone" => entity::funeral::milestone as FuneralMilestone, POLICY),
    regional_node!("GravePlot" => entity::funeral::plot as GravePlot, POLICY),
    regional_node!("GravePlotHold" => entity::funeral::hold as GravePlotHold, POLICY),
    regional_node!("FuneralFeeStandard" => entity::funeral::fee_standard as FuneralFeeStandard, POLICY),
    regional_node!("FuneralSubsidy" => entity::funeral::subsidy as FuneralSubsidy, POLICY),
    regional_node!("FuneralViolation" => entity::funeral::violation as FuneralViolation, POLICY),
];

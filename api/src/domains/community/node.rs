//! Community's node types (`node(id)` and sync): its registration's `nodes`. Every community
//! record lies in a region of its own, is read under community's `Read` permission there,
//! and syncs.

use super::policy::POLICY;
use super::types::{CommunityFacility, CommunityGrid, CommunityStaff, CommunityUnit};
use crate::registry::{NodeType, regional_node};

/// Community's types, in snapshot order.
pub static NODES: &[NodeType] = &[
    regional_node!("CommunityUnit" => entity::community::unit as CommunityUnit, POLICY),
    regional_node!("CommunityStaff" => entity::community::staff as CommunityStaff, POLICY),
    regional_node!("CommunityFacility" => entity::community::facility as CommunityFacility, POLICY),
    regional_node!("CommunityGrid" => entity::community::grid as CommunityGrid, POLICY),
];

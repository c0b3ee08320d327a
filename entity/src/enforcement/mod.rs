//! Court enforcement (执行): courts, cases, parties, measures, flow nodes,
//! supervision orders and the dishonest-debtor list.

pub mod court;
pub mod dishonest_entry;
pub mod enforcement_case;
pub mod flow_node;
pub mod measure;
pub mod party;
pub mod supervision_order;

//! Every region in memory (the table is small and changes only with the reference data):
//! look-ups by code, children and subtrees without a statement. No GraphQL here.

use entity::region;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use std::collections::HashMap;

use super::service::Subtree;
use crate::cache::TableCache;
use crate::error::AppResult;

/// A snapshot of the `regions` table.
pub struct RegionDirectory {
    by_code: HashMap<String, region::Model>,
    children: HashMap<String, Vec<region::Model>>,
    /// Every region in path order, so that a subtree is a run of consecutive rows.
    in_path_order: Vec<region::Model>,
}

impl RegionDirectory {
    pub async fn load(db: &impl ConnectionTrait) -> AppResult<Self> {
        let rows = region::Entity::find()
            .order_by_asc(region::Column::Path)
            .all(db)
            .await?;
        let mut children: HashMap<String, Vec<region::Model>> = HashMap::new();
        for r in &rows {
            if let Some(parent) = &r.parent_code {
                children.entry(parent.clone()).or_default().push(r.clone());
            }
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| a.code.cmp(&b.code));
        }
        Ok(RegionDirectory {
            by_code: rows.iter().map(|r| (r.code.clone(), r.clone())).collect(),
            children,
            in_path_order: rows,
        })
    }

    pub fn get(&self, code: &str) -> Option<&region::Model> {
        self.by_code.get(code)
    }

    /// Children of a region, by code.
    pub fn children(&self, code: &str) -> &[region::Model] {
        self.children.get(code).map_or(&[], Vec::as_slice)
    }

    /// Every region's code, in path order.
    pub fn all_codes(&self) -> Vec<String> {
        self.in_path_order.iter().map(|r| r.code.clone()).collect()
    }

    /// A region's subtree (itself first), or None when the code is unknown.
    pub fn subtree(&self, code: &str) -> Option<Subtree> {
        let root = self.by_code.get(code)?;
        Some(Subtree(
            self.in_path_order
                .iter()
                .filter(|r| r.path.starts_with(&root.path))
                .map(|r| r.code.clone())
                .collect(),
        ))
    }
}

/// The shared snapshot of the regions.
pub type RegionCache = TableCache<RegionDirectory>;

//! The regions the reports name, shipped as data (`regions.json`).

use entity::region::{self, RegionLevel};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde::Deserialize;
use std::collections::HashMap;

use crate::error::{AppError, AppResult};

#[derive(Deserialize)]
struct SeedRegion {
    code: String,
    name: String,
    level: String,
    parent: Option<String>,
    official: bool,
}

/// Inserts the shipped regions that are not there yet.
pub async fn seed(db: &impl ConnectionTrait) -> AppResult<()> {
    let rows: Vec<SeedRegion> =
        serde_json::from_str(include_str!("regions.json")).map_err(|e| AppError::Internal(e.into()))?;
    let mut paths: HashMap<String, String> = HashMap::new();
    let mut models = Vec::with_capacity(rows.len());
    for r in rows {
        let parent_path = match &r.parent {
            Some(p) => paths.get(p).cloned().ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("region {} listed before its parent", r.code))
            })?,
            None => "/".to_owned(),
        };
        let path = format!("{parent_path}{}/", r.code);
        paths.insert(r.code.clone(), path.clone());
        let level = match r.level.as_str() {
            "province" => RegionLevel::Province,
            "city" => RegionLevel::City,
            "county" => RegionLevel::County,
            "town" => RegionLevel::Town,
            _ => RegionLevel::Village,
        };
        models.push(region::ActiveModel {
            code: Set(r.code),
            name: Set(r.name),
            level: Set(level),
            parent_code: Set(r.parent),
            path: Set(path),
            official: Set(r.official),
        });
    }
    region::Entity::insert_many(models)
        .on_conflict(OnConflict::column(region::Column::Code).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

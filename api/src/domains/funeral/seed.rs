//! Report 5's county (晴隆县, 522324) as records, and the figures report 5 states
//! (`seed/figures.json`). The readings are in `docs/domains.md`'s table; in short: the service
//! centre with four memorial halls (三号、四号 in fit-out, 一号、二号 at the main structure)
//! and an office building; the cemetery with its 1,500 plots, all available (registration has
//! begun, with no count given); the two projects tendered at 8.6 and 6.1 million yuan, whose
//! planned 23.56 million and allocated 7.18 million the report gives only together, split in
//! proportion to the tendered costs; milestones due at the end of September 2025.

use chrono::NaiveDate;
use entity::funeral::facility::{self, FacilityKind, Stage};
use entity::funeral::plot::{self, PlotStatus, PlotType};
use entity::funeral::{milestone, project};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set, TransactionTrait,
};

use crate::error::AppResult;
use crate::seeding;
use crate::write::derived_uuid;

const COUNTY: &str = "522324";

/// Copies of the county's records per unit of `--scale` beyond 1: its ~1,520 facilities,
/// projects, milestones and plots 33 times over make about a million records at `--scale
/// 20`, for benchmarks; at scale 1 the records are the report's alone.
pub const COPIES_PER_SCALE: i64 = 33;

/// Seeds the reported figures and, with `records`, the county's facilities, projects,
/// milestones and plots (and at `scale` above 1 their copies); skips what is there already.
/// Returns the rows written.
/// The seed as the registration runs it (`registry::Seed`): the rows written.
pub fn registered(
    db: &DatabaseConnection,
    records: bool,
    scale: u32,
) -> futures_util::future::BoxFuture<'_, AppResult<u64>> {
    Box::pin(async move { Ok(seed(db, records, scale).await? as u64) })
}

pub async fn seed(db: &DatabaseConnection, records: bool, scale: u32) -> AppResult<usize> {
    seeding::figures(
        db,
        "funeral",
        seeding::parse_figures(include_str!("seed/figures.json"))?,
    )
    .await?;
    if !records || facility::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let txn = db.begin().await?;
    let mut rows = records_of_report5(&txn).await?;
    if scale > 1 {
        let tables = [
            "funeral_facilities",
            "funeral_projects",
            "funeral_milestones",
            "grave_plots",
        ];
        let mut copies = seeding::Copies::new(&txn, i64::from(scale) * COPIES_PER_SCALE - 1, &tables).await?;
        let facilities = "funeral_facilities";
        copies
            .table::<facility::Entity>(&txn, &[("parent_id", facilities)])
            .await?;
        copies
            .table::<project::Entity>(&txn, &[("facility_id", facilities)])
            .await?;
        copies
            .table::<milestone::Entity>(&txn, &[("project_id", "funeral_projects")])
            .await?;
        copies
            .table::<plot::Entity>(&txn, &[("cemetery_id", facilities)])
            .await?;
        rows += copies.rows as usize;
    }
    // Cached results computed before the seed are not served after it.
    crate::cache::bump_data_version(&txn).await?;
    txn.commit().await?;
    Ok(rows)
}

fn at() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_751_241_600, 0).unwrap_or_default() // 2025-06-30
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// `total` fen split in proportion to `weights`, the remainder to the last, so the parts add up.
fn proportional(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i64 = weights.iter().sum();
    let mut parts: Vec<i64> = weights.iter().map(|w| total * w / sum).collect();
    let given: i64 = parts.iter().sum();
    if let Some(last) = parts.last_mut() {
        *last += total - given;
    }
    parts
}

async fn facility(
    db: &impl ConnectionTrait,
    n: i64,
    parent: Option<i64>,
    kind: FacilityKind,
    name: &str,
    stage: Stage,
    capacity: Option<i32>,
) -> AppResult<facility::Model> {
    Ok(facility::ActiveModel {
        uuid: Set(derived_uuid("FuneralFacility", n)),
        region_code: Set(COUNTY.into()),
        parent_id: Set(parent),
        kind: Set(kind),
        name: Set(name.into()),
        stage: Set(stage),
        capacity: Set(capacity),
        version: Set(1),
        created_at: Set(at()),
        updated_at: Set(at()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

async fn records_of_report5(db: &impl ConnectionTrait) -> AppResult<usize> {
    use FacilityKind::*;
    let centre = facility(
        db,
        1,
        None,
        ServiceCentre,
        "晴隆县殡仪服务中心",
        Stage::MainStructure,
        None,
    )
    .await?;
    let mut n = 1;
    for (name, stage) in [
        ("一号悼念厅", Stage::MainStructure),
        ("二号悼念厅", Stage::MainStructure),
        ("三号悼念厅", Stage::FitOut),
        ("四号悼念厅", Stage::FitOut),
    ] {
        n += 1;
        facility(db, n, Some(centre.id), MemorialHall, name, stage, None).await?;
    }
    facility(
        db,
        6,
        Some(centre.id),
        OfficeBuilding,
        "殡仪服务中心办公楼",
        Stage::MainStructure,
        None,
    )
    .await?;
    let cemetery = facility(
        db,
        7,
        None,
        Cemetery,
        "晴隆县公墓",
        Stage::MainStructure,
        Some(1500),
    )
    .await?;

    // 23.56 million planned and 7.18 million allocated for the two projects together, split
    // in proportion to the tendered 8.6 and 6.1 million.
    let tendered = [860_000_000i64, 610_000_000];
    let planned = proportional(2_356_000_000, &tendered);
    let allocated = proportional(718_000_000, &tendered);
    let mut rows = 7;
    let mut milestones = 0;
    for (i, (name, facility_id, steps)) in [
        (
            "殡仪服务中心项目",
            centre.id,
            vec![
                ("三号、四号悼念厅进入装饰工程", None, Some(d(2025, 6, 30))),
                ("一号、二号悼念厅主体工程完工", None, None),
                ("四个悼念厅投入使用", Some(d(2025, 9, 30)), None),
                ("县城集中治丧工作启动", Some(d(2025, 12, 31)), None),
            ],
        ),
        (
            "公墓项目",
            cemetery.id,
            vec![
                ("通往墓地的十二阶梯完成", None, Some(d(2025, 6, 30))),
                ("公墓竣工交付使用", Some(d(2025, 9, 30)), None),
            ],
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let p = project::ActiveModel {
            uuid: Set(derived_uuid("FuneralProject", i as i64 + 1)),
            region_code: Set(COUNTY.into()),
            facility_id: Set(Some(facility_id)),
            name: Set(name.into()),
            tendered_cost_fen: Set(Some(tendered[i])),
            planned_investment_fen: Set(Some(planned[i])),
            allocated_fen: Set(Some(allocated[i])),
            version: Set(1),
            created_at: Set(at()),
            updated_at: Set(at()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        rows += 1;
        for (step, planned_on, achieved_on) in steps {
            milestones += 1;
            milestone::ActiveModel {
                uuid: Set(derived_uuid("FuneralMilestone", milestones)),
                region_code: Set(COUNTY.into()),
                project_id: Set(p.id),
                name: Set(step.into()),
                planned_on: Set(planned_on),
                achieved_on: Set(achieved_on),
                version: Set(1),
                created_at: Set(at()),
                updated_at: Set(at()),
                ..Default::default()
            }
            .insert(db)
            .await?;
            rows += 1;
        }
    }

    // 1,500 plots: five sections of 15 rows of 20.
    let mut plots = Vec::with_capacity(1500);
    for (s, section) in ["A", "B", "C", "D", "E"].iter().enumerate() {
        for row in 1..=15 {
            for number in 1..=20 {
                let k = (s * 300 + (row as usize - 1) * 20 + number as usize) as i64;
                plots.push(plot::ActiveModel {
                    uuid: Set(derived_uuid("GravePlot", k)),
                    region_code: Set(COUNTY.into()),
                    cemetery_id: Set(cemetery.id),
                    section: Set((*section).into()),
                    row_no: Set(row),
                    number: Set(number),
                    plot_type: Set(PlotType::Unknown),
                    price_fen: Set(None),
                    status: Set(PlotStatus::Available),
                    version: Set(1),
                    created_at: Set(at()),
                    updated_at: Set(at()),
                    synthetic: Set(true),
                    ..Default::default()
                });
            }
        }
    }
    rows += plots.len();
    for chunk in plots.chunks(1000) {
        plot::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #[test]
    fn proportional_parts_add_up() {
        let p = super::proportional(2_356_000_000, &[860_000_000, 610_000_000]);
        assert_eq!(p.iter().sum::<i64>(), 2_356_000_000);
        assert_eq!(p, vec![1_378_340_136, 977_659_864]);
    }
}

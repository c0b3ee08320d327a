//! Database migrations, one file per change, named `m{date}_{nnnnnn}_{what}.rs`.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_regions;
mod m20261128_000002_create_enforcement;
mod m20261128_000003_create_reported_figures;
mod m20261128_000004_create_users_and_audit;
mod m20261128_000005_versions_and_idempotency;
mod m20261128_000006_one_standing_listing;
mod m20261201_000007_kpi_daily;
mod m20261201_000008_supervision_scope_and_court_pages;
mod m20261201_000009_change_log_and_community;
mod m20261201_000010_funeral;
mod m20261201_000011_rural;
mod m20261201_000012_survey_reports;
mod m20261201_000013_limit_counts;
mod m20261201_000014_webhooks;
mod m20261207_000015_voluntary_performance;
mod m20261207_000016_stated_figures;
mod m20261207_000017_income_thresholds;
mod m20261207_000018_synthetic_records;
mod m20261207_000019_observation_intervals;
mod m20261207_000020_community_standards;
mod m20261207_000021_record_keys;
mod m20261208_000022_signed_record_keys;
mod m20261208_000023_daily_cell_keys;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_regions::Migration),
            Box::new(m20261128_000002_create_enforcement::Migration),
            Box::new(m20261128_000003_create_reported_figures::Migration),
            Box::new(m20261128_000004_create_users_and_audit::Migration),
            Box::new(m20261128_000005_versions_and_idempotency::Migration),
            Box::new(m20261128_000006_one_standing_listing::Migration),
            Box::new(m20261201_000007_kpi_daily::Migration),
            Box::new(m20261201_000008_supervision_scope_and_court_pages::Migration),
            Box::new(m20261201_000009_change_log_and_community::Migration),
            Box::new(m20261201_000010_funeral::Migration),
            Box::new(m20261201_000011_rural::Migration),
            Box::new(m20261201_000012_survey_reports::Migration),
            Box::new(m20261201_000013_limit_counts::Migration),
            Box::new(m20261201_000014_webhooks::Migration),
            Box::new(m20261207_000015_voluntary_performance::Migration),
            Box::new(m20261207_000016_stated_figures::Migration),
            Box::new(m20261207_000017_income_thresholds::Migration),
            Box::new(m20261207_000018_synthetic_records::Migration),
            Box::new(m20261207_000019_observation_intervals::Migration),
            Box::new(m20261207_000020_community_standards::Migration),
            Box::new(m20261207_000021_record_keys::Migration),
            Box::new(m20261208_000022_signed_record_keys::Migration),
            Box::new(m20261208_000023_daily_cell_keys::Migration),
        ]
    }
}

use sea_orm_migration::prelude::*;

/// Pre-aggregated enforcement KPIs: one row per region, court and day, with the additive
/// figures of the cases filed, the measures taken and the listings made that day. Every
/// write to the underlying records adds its change to these rows in the same transaction
/// (`api/src/domains/enforcement/daily.rs`), so that a city's KPIs over years sum a few
/// thousand small rows instead of scanning and joining the records.
#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [(&str, &[&str]); 3] = [
    (
        "case_daily",
        &[
            "accepted",
            "closed",
            "actual_closed",
            "terminated_this_round",
            "closed_within_limit",
            "subject_fen",
            "recovered_fen",
            "closed_subject_fen",
            "transferred_to_bankruptcy",
            "closed_priority_categories",
        ],
    ),
    (
        "measure_daily",
        &[
            "detentions",
            "summonses",
            "fines",
            "fine_fen",
            "referrals",
            "convictions",
        ],
    ),
    ("listing_daily", &["listings", "removed_after_performance"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, measures) in TABLES {
            let mut create = Table::create();
            create
                .table(Alias::new(table))
                .if_not_exists()
                .col(
                    ColumnDef::new(Alias::new("region_code"))
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(Alias::new("court_id")).big_integer().not_null())
                .col(ColumnDef::new(Alias::new("day")).date().not_null());
            for m in measures {
                create.col(ColumnDef::new(Alias::new(*m)).big_integer().not_null().default(0));
            }
            create.primary_key(
                Index::create()
                    .col(Alias::new("region_code"))
                    .col(Alias::new("day"))
                    .col(Alias::new("court_id")),
            );
            manager.create_table(create.to_owned()).await?;
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(format!("idx_{table}_court_day"))
                        .table(Alias::new(table))
                        .col(Alias::new("court_id"))
                        .col(Alias::new("day"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _) in TABLES {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

use sea_orm_migration::{prelude::*, schema::*};

/// Counts that several server processes share (`api/src/shared.rs`): failed logins and the
/// rate limit's cost, per key and fixed window. Each process adds what it counted since its
/// last sync and reads back the total, so a limit holds across processes within a sync.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LimitCounts::Table)
                    .if_not_exists()
                    .col(string_len(LimitCounts::Name, 200))
                    .col(big_integer(LimitCounts::WindowStart))
                    .col(big_integer(LimitCounts::Count))
                    .primary_key(
                        Index::create()
                            .col(LimitCounts::Name)
                            .col(LimitCounts::WindowStart),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LimitCounts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LimitCounts {
    Table,
    Name,
    WindowStart,
    Count,
}

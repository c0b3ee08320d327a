use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Every mutable record carries a version for optimistic concurrency.
        manager
            .alter_table(
                Table::alter()
                    .table(DishonestEntries::Table)
                    .add_column(integer(DishonestEntries::Version).default(1))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .if_not_exists()
                    .col(big_pk_auto(IdempotencyKeys::Id))
                    .col(string_len(IdempotencyKeys::Actor, 128))
                    .col(string_len(IdempotencyKeys::IdemKey, 128))
                    .col(string_len(IdempotencyKeys::Operation, 64))
                    .col(string_len(IdempotencyKeys::RequestHash, 64))
                    .col(string_len(IdempotencyKeys::EntityId, 64))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_idempotency_actor_key")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::Actor)
                    .col(IdempotencyKeys::IdemKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(DishonestEntries::Table)
                    .drop_column(DishonestEntries::Version)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum DishonestEntries {
    Table,
    Version,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Actor,
    IdemKey,
    Operation,
    RequestHash,
    EntityId,
    CreatedAt,
}

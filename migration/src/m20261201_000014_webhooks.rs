use sea_orm_migration::{prelude::*, schema::*};

/// The signed webhook outbox (`api/src/webhooks/`):
///
/// - `webhook_endpoints`: an address a partner's notification system (SMS gateway, WeChat
///   service account) listens on, registered by an administrator for a partner and a region;
///   it receives the events of the types it names about records in that region's subtree,
///   signed with its secret (Standard Webhooks);
/// - `webhook_deliveries`: the outbox, one row per event and endpoint, written in the
///   transaction of the write that caused it and delivered at least once by every server
///   process's deliverer, which scans the due pending rows (`status`, `next_attempt_at`).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Endpoints::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Endpoints::Id))
                    .col(string_len_uniq(Endpoints::Uuid, 36))
                    .col(string_len(Endpoints::Partner, 128))
                    .col(string_len(Endpoints::RegionCode, 16))
                    .col(string_len(Endpoints::Url, 2048))
                    .col(string_len(Endpoints::Secret, 128))
                    .col(string_len(Endpoints::EventTypes, 1024))
                    .col(boolean(Endpoints::Active).default(true))
                    .col(integer(Endpoints::Version).default(1))
                    .col(timestamp_with_time_zone(Endpoints::CreatedAt))
                    .col(timestamp_with_time_zone(Endpoints::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Endpoints::Table, Endpoints::RegionCode)
                            .to(Regions::Table, Regions::Code),
                    )
                    .to_owned(),
            )
            .await?;
        // Every write looks for the active endpoints above its record's region.
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_webhook_endpoints_active_region")
                    .table(Endpoints::Table)
                    .col(Endpoints::Active)
                    .col(Endpoints::RegionCode)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Deliveries::Id))
                    .col(string_len_uniq(Deliveries::MessageId, 40))
                    .col(big_integer(Deliveries::EndpointId))
                    .col(string_len(Deliveries::EventType, 64))
                    .col(string_len(Deliveries::RecordType, 48))
                    .col(big_integer(Deliveries::RecordId))
                    .col(string_len(Deliveries::RecordUuid, 36))
                    .col(string_len(Deliveries::RegionCode, 16))
                    .col(text(Deliveries::Payload))
                    .col(string_len(Deliveries::Status, 16))
                    .col(integer(Deliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(Deliveries::NextAttemptAt))
                    .col(string_len_null(Deliveries::LastError, 256))
                    .col(integer_null(Deliveries::LastStatusCode))
                    .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(Deliveries::DeliveredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::EndpointId)
                            .to(Endpoints::Table, Endpoints::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The deliverer's scan: pending rows whose next attempt is due, oldest first.
        index(
            manager,
            "idx_webhook_deliveries_due",
            &[Deliveries::Status, Deliveries::NextAttemptAt, Deliveries::Id],
        )
        .await?;
        // The API's lists: by status, by endpoint (and status), newest first.
        index(
            manager,
            "idx_webhook_deliveries_status",
            &[Deliveries::Status, Deliveries::Id],
        )
        .await?;
        index(
            manager,
            "idx_webhook_deliveries_endpoint",
            &[Deliveries::EndpointId, Deliveries::Status, Deliveries::Id],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Deliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Endpoints::Table).to_owned())
            .await
    }
}

async fn index(manager: &SchemaManager<'_>, name: &str, cols: &[Deliveries]) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.if_not_exists().name(name).table(Deliveries::Table);
    for col in cols {
        index.col(*col);
    }
    manager.create_index(index.to_owned()).await
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Endpoints {
    #[sea_orm(iden = "webhook_endpoints")]
    Table,
    Id,
    Uuid,
    Partner,
    RegionCode,
    Url,
    Secret,
    EventTypes,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Deliveries {
    #[sea_orm(iden = "webhook_deliveries")]
    Table,
    Id,
    MessageId,
    EndpointId,
    EventType,
    RecordType,
    RecordId,
    RecordUuid,
    RegionCode,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    LastStatusCode,
    CreatedAt,
    DeliveredAt,
}

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_regions::Regions;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    manager.create_index(stmt.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Courts::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Courts::Id))
                    .col(string_len_uniq(Courts::Name, 64))
                    .col(string_len(Courts::Abbreviation, 16))
                    .col(string_len(Courts::Level, 16))
                    .col(string_len(Courts::RegionCode, 16))
                    .foreign_key(&mut fk(
                        "fk_courts_region",
                        (Courts::Table, Courts::RegionCode),
                        (Regions::Table, Regions::Code),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EnforcementCases::Table)
                    .if_not_exists()
                    .col(big_pk_auto(EnforcementCases::Id))
                    .col(string_len_uniq(EnforcementCases::CaseNumber, 64))
                    .col(big_integer(EnforcementCases::CourtId))
                    .col(string_len(EnforcementCases::RegionCode, 16))
                    .col(date(EnforcementCases::FiledOn))
                    .col(date(EnforcementCases::StatutoryDueOn))
                    .col(string_len(EnforcementCases::Category, 16))
                    .col(big_integer(EnforcementCases::SubjectAmountFen))
                    .col(string_len_null(EnforcementCases::JudgeTeam, 64))
                    .col(string_len(EnforcementCases::Status, 16))
                    .col(string_len_null(EnforcementCases::ClosureMode, 32))
                    .col(date_null(EnforcementCases::ClosedOn))
                    .col(big_integer(EnforcementCases::RecoveredAmountFen).default(0))
                    .col(integer(EnforcementCases::Version).default(1))
                    .col(timestamp_with_time_zone(EnforcementCases::CreatedAt))
                    .col(timestamp_with_time_zone(EnforcementCases::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_cases_court",
                        (EnforcementCases::Table, EnforcementCases::CourtId),
                        (Courts::Table, Courts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_cases_region",
                        (EnforcementCases::Table, EnforcementCases::RegionCode),
                        (Regions::Table, Regions::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        // Keyset orderings and the common filters.
        index(
            manager,
            "idx_cases_filed",
            EnforcementCases::Table,
            &["filed_on", "id"],
        )
        .await?;
        index(
            manager,
            "idx_cases_closed",
            EnforcementCases::Table,
            &["closed_on", "id"],
        )
        .await?;
        index(
            manager,
            "idx_cases_subject",
            EnforcementCases::Table,
            &["subject_amount_fen", "id"],
        )
        .await?;
        index(
            manager,
            "idx_cases_region_filed",
            EnforcementCases::Table,
            &["region_code", "filed_on"],
        )
        .await?;
        index(
            manager,
            "idx_cases_court_filed",
            EnforcementCases::Table,
            &["court_id", "filed_on"],
        )
        .await?;
        index(
            manager,
            "idx_cases_mode",
            EnforcementCases::Table,
            &["closure_mode", "closed_on"],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Parties::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Parties::Id))
                    .col(big_integer(Parties::CaseId))
                    .col(string_len(Parties::Role, 16))
                    .col(string_len(Parties::Kind, 16))
                    .col(string_len(Parties::Name, 128))
                    .col(string_len_null(Parties::IdNumber, 32))
                    .col(string_len_null(Parties::Phone, 32))
                    .col(string_len_null(Parties::Address, 256))
                    .col(timestamp_with_time_zone(Parties::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_parties_case",
                        (Parties::Table, Parties::CaseId),
                        (EnforcementCases::Table, EnforcementCases::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_parties_case", Parties::Table, &["case_id", "id"]).await?;

        manager
            .create_table(
                Table::create()
                    .table(Measures::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Measures::Id))
                    .col(big_integer(Measures::CaseId))
                    .col(big_integer_null(Measures::PartyId))
                    .col(string_len(Measures::Kind, 32))
                    .col(date(Measures::TakenOn))
                    .col(string_len_null(Measures::Channel, 64))
                    .col(integer_null(Measures::DetentionDays))
                    .col(big_integer_null(Measures::AmountFen))
                    .col(boolean_null(Measures::Convicted))
                    .col(text_null(Measures::Note))
                    .col(timestamp_with_time_zone(Measures::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_measures_case",
                        (Measures::Table, Measures::CaseId),
                        (EnforcementCases::Table, EnforcementCases::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_measures_party",
                        (Measures::Table, Measures::PartyId),
                        (Parties::Table, Parties::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_measures_case", Measures::Table, &["case_id", "id"]).await?;
        index(
            manager,
            "idx_measures_kind",
            Measures::Table,
            &["kind", "taken_on"],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FlowNodes::Table)
                    .if_not_exists()
                    .col(big_pk_auto(FlowNodes::Id))
                    .col(big_integer(FlowNodes::CaseId))
                    .col(string_len(FlowNodes::Kind, 32))
                    .col(date(FlowNodes::OccurredOn))
                    .col(text_null(FlowNodes::Note))
                    .col(boolean(FlowNodes::PartiesNotified).default(false))
                    .col(timestamp_with_time_zone(FlowNodes::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_flow_nodes_case",
                        (FlowNodes::Table, FlowNodes::CaseId),
                        (EnforcementCases::Table, EnforcementCases::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_flow_nodes_case",
            FlowNodes::Table,
            &["case_id", "kind", "occurred_on"],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(SupervisionOrders::Table)
                    .if_not_exists()
                    .col(big_pk_auto(SupervisionOrders::Id))
                    .col(big_integer(SupervisionOrders::CaseId))
                    .col(string_len(SupervisionOrders::Batch, 32))
                    .col(big_integer(SupervisionOrders::IssuingCourtId))
                    .col(date(SupervisionOrders::IssuedOn))
                    .col(date(SupervisionOrders::DueOn))
                    .col(string_len(SupervisionOrders::Status, 16))
                    .col(text_null(SupervisionOrders::Instructions))
                    .col(timestamp_with_time_zone(SupervisionOrders::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_supervision_case",
                        (SupervisionOrders::Table, SupervisionOrders::CaseId),
                        (EnforcementCases::Table, EnforcementCases::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_supervision_court",
                        (SupervisionOrders::Table, SupervisionOrders::IssuingCourtId),
                        (Courts::Table, Courts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_supervision_case",
            SupervisionOrders::Table,
            &["case_id", "id"],
        )
        .await?;
        index(
            manager,
            "idx_supervision_issued",
            SupervisionOrders::Table,
            &["issued_on"],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(DishonestEntries::Table)
                    .if_not_exists()
                    .col(big_pk_auto(DishonestEntries::Id))
                    .col(big_integer(DishonestEntries::CaseId))
                    .col(big_integer(DishonestEntries::PartyId))
                    .col(string_len(DishonestEntries::Name, 128))
                    .col(string_len_null(DishonestEntries::IdNumber, 32))
                    .col(big_integer(DishonestEntries::CourtId))
                    .col(string_len(DishonestEntries::RegionCode, 16))
                    .col(date(DishonestEntries::ListedOn))
                    .col(text(DishonestEntries::Reason))
                    .col(date_null(DishonestEntries::RemovedOn))
                    .col(string_len_null(DishonestEntries::RemovalReason, 16))
                    .col(timestamp_with_time_zone(DishonestEntries::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_dishonest_case",
                        (DishonestEntries::Table, DishonestEntries::CaseId),
                        (EnforcementCases::Table, EnforcementCases::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_dishonest_party",
                        (DishonestEntries::Table, DishonestEntries::PartyId),
                        (Parties::Table, Parties::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_dishonest_name", DishonestEntries::Table, &["name"]).await?;
        index(
            manager,
            "idx_dishonest_listed",
            DishonestEntries::Table,
            &["listed_on", "id"],
        )
        .await?;
        index(
            manager,
            "idx_dishonest_party",
            DishonestEntries::Table,
            &["party_id"],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DishonestEntries::Table.into_iden(),
            SupervisionOrders::Table.into_iden(),
            FlowNodes::Table.into_iden(),
            Measures::Table.into_iden(),
            Parties::Table.into_iden(),
            EnforcementCases::Table.into_iden(),
            Courts::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Courts {
    Table,
    Id,
    Name,
    Abbreviation,
    Level,
    RegionCode,
}

#[derive(DeriveIden)]
enum EnforcementCases {
    Table,
    Id,
    CaseNumber,
    CourtId,
    RegionCode,
    FiledOn,
    StatutoryDueOn,
    Category,
    SubjectAmountFen,
    JudgeTeam,
    Status,
    ClosureMode,
    ClosedOn,
    RecoveredAmountFen,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Parties {
    Table,
    Id,
    CaseId,
    Role,
    Kind,
    Name,
    IdNumber,
    Phone,
    Address,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Measures {
    Table,
    Id,
    CaseId,
    PartyId,
    Kind,
    TakenOn,
    Channel,
    DetentionDays,
    AmountFen,
    Convicted,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FlowNodes {
    Table,
    Id,
    CaseId,
    Kind,
    OccurredOn,
    Note,
    PartiesNotified,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SupervisionOrders {
    Table,
    Id,
    CaseId,
    Batch,
    IssuingCourtId,
    IssuedOn,
    DueOn,
    Status,
    Instructions,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DishonestEntries {
    Table,
    Id,
    CaseId,
    PartyId,
    Name,
    IdNumber,
    CourtId,
    RegionCode,
    ListedOn,
    Reason,
    RemovedOn,
    RemovalReason,
    CreatedAt,
}

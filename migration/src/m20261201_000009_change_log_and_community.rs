use sea_orm_migration::{prelude::*, schema::*};

/// The shared write path (`api/src/write.rs`) and the community domain:
///
/// - `change_log`: one row per created, changed or deleted record (a deletion's row is its
///   tombstone), numbered by `change_counter`, a one-row counter each writing transaction
///   bumps just before it commits, so sequence numbers grow in commit order;
/// - a client-generated `uuid` on every record a mutation creates (enforcement's too, the
///   rows already there given one derived from their id), and `updated_at` on the
///   dishonest-list entries, the one enforcement record besides cases that changes;
/// - the community tables: units (社区居委会), their staff, facilities and grids.
#[derive(DeriveMigrationName)]
pub struct Migration;

const ENFORCEMENT_TABLES: [&str; 6] = [
    "enforcement_cases",
    "parties",
    "measures",
    "flow_nodes",
    "supervision_orders",
    "dishonest_entries",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == sea_orm::DbBackend::Postgres;
        manager
            .create_table(
                Table::create()
                    .table(ChangeLog::Table)
                    .if_not_exists()
                    .col(big_integer(ChangeLog::Seq).primary_key())
                    .col(string_len(ChangeLog::RecordType, 48))
                    .col(big_integer(ChangeLog::RecordId))
                    .col(string_len(ChangeLog::Uuid, 36))
                    .col(string_len_null(ChangeLog::RegionCode, 16))
                    .col(string_len(ChangeLog::Operation, 8))
                    .col(string_len(ChangeLog::Actor, 128))
                    .col(timestamp_with_time_zone(ChangeLog::ChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_change_log_record")
                    .table(ChangeLog::Table)
                    .col(ChangeLog::RecordType)
                    .col(ChangeLog::RecordId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChangeCounter::Table)
                    .if_not_exists()
                    .col(integer(ChangeCounter::Id).primary_key())
                    .col(big_integer(ChangeCounter::Seq))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("INSERT INTO change_counter (id, seq) VALUES (1, 0)")
            .await?;

        for table in ENFORCEMENT_TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(string_len(Alias::new("uuid"), 36).default(""))
                        .to_owned(),
                )
                .await?;
            // Rows written before this migration get a UUID derived from their id.
            let derived = if postgres {
                "'00000000-0000-4000-8000-' || lpad(to_hex(id), 12, '0')"
            } else {
                "printf('00000000-0000-4000-8000-%012x', id)"
            };
            db.execute_unprepared(&format!("UPDATE {table} SET uuid = {derived} WHERE uuid = ''"))
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(format!("ux_{table}_uuid"))
                        .table(Alias::new(table))
                        .col(Alias::new("uuid"))
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("dishonest_entries"))
                    .add_column(
                        timestamp_with_time_zone(Alias::new("updated_at")).default(Expr::current_timestamp()),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Units::Id))
                    .col(string_len_uniq(Units::Uuid, 36))
                    .col(string_len(Units::Name, 64))
                    .col(string_len(Units::RegionCode, 16))
                    .col(string_len(Units::UnitType, 24))
                    .col(string_len(Units::Status, 16))
                    .col(integer_null(Units::FormedYear))
                    .col(integer_null(Units::ConvertedYear))
                    .col(integer_null(Units::RegisteredPopulation))
                    .col(integer_null(Units::ResidentPopulation))
                    .col(integer_null(Units::Households))
                    .col(integer_null(Units::ResidentGroups))
                    .col(json(Units::Honours))
                    .col(integer(Units::Version).default(1))
                    .col(timestamp_with_time_zone(Units::CreatedAt))
                    .col(timestamp_with_time_zone(Units::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Units::Table, Units::RegionCode)
                            .to(Regions::Table, Regions::Code),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_community_units_region",
            Units::Table,
            &[Units::RegionCode, Units::Id],
        )
        .await?;
        index(
            manager,
            "idx_community_units_name",
            Units::Table,
            &[Units::Name, Units::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Grids::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Grids::Id))
                    .col(string_len_uniq(Grids::Uuid, 36))
                    .col(big_integer(Grids::UnitId))
                    .col(string_len(Grids::RegionCode, 16))
                    .col(string_len(Grids::Name, 64))
                    .col(integer(Grids::Households))
                    .col(integer(Grids::Version).default(1))
                    .col(timestamp_with_time_zone(Grids::CreatedAt))
                    .col(timestamp_with_time_zone(Grids::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Grids::Table, Grids::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_community_grids_unit",
            Grids::Table,
            &[Grids::UnitId, Grids::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Staff::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Staff::Id))
                    .col(string_len_uniq(Staff::Uuid, 36))
                    .col(big_integer(Staff::UnitId))
                    .col(string_len(Staff::RegionCode, 16))
                    .col(big_integer_null(Staff::GridId))
                    .col(string_len(Staff::Name, 64))
                    .col(string_len(Staff::Role, 24))
                    .col(boolean(Staff::AlsoDirector).default(false))
                    .col(string_len(Staff::Gender, 8))
                    .col(integer_null(Staff::BirthYear))
                    .col(string_len(Staff::Education, 24))
                    .col(boolean_null(Staff::PartyMember))
                    .col(boolean_null(Staff::CertifiedSocialWorker))
                    .col(string_len(Staff::Hiring, 24))
                    .col(big_integer_null(Staff::MonthlyPayFen))
                    .col(string_len_null(Staff::Phone, 32))
                    .col(string_len_null(Staff::IdNumber, 32))
                    .col(integer(Staff::Version).default(1))
                    .col(timestamp_with_time_zone(Staff::CreatedAt))
                    .col(timestamp_with_time_zone(Staff::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Staff::Table, Staff::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Staff::Table, Staff::GridId)
                            .to(Grids::Table, Grids::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_community_staff_unit",
            Staff::Table,
            &[Staff::UnitId, Staff::Id],
        )
        .await?;
        index(
            manager,
            "idx_community_staff_region",
            Staff::Table,
            &[Staff::RegionCode],
        )
        .await?;
        index(
            manager,
            "idx_community_staff_grid",
            Staff::Table,
            &[Staff::GridId],
        )
        .await?;
        // One party secretary per unit, even when two writes race.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_community_staff_one_secretary ON community_staff (unit_id) \
             WHERE role = 'party_secretary'",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Facilities::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Facilities::Id))
                    .col(string_len_uniq(Facilities::Uuid, 36))
                    .col(big_integer(Facilities::UnitId))
                    .col(string_len(Facilities::RegionCode, 16))
                    .col(string_len(Facilities::Kind, 24))
                    .col(string_len_null(Facilities::Name, 64))
                    .col(big_integer_null(Facilities::FloorAreaCenti))
                    .col(string_len(Facilities::Tenure, 16))
                    .col(string_len(Facilities::Status, 16))
                    .col(big_integer_null(Facilities::InvestmentFen))
                    .col(integer(Facilities::Version).default(1))
                    .col(timestamp_with_time_zone(Facilities::CreatedAt))
                    .col(timestamp_with_time_zone(Facilities::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Facilities::Table, Facilities::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_community_facilities_unit",
            Facilities::Table,
            &[Facilities::UnitId, Facilities::Id],
        )
        .await?;
        index(
            manager,
            "idx_community_facilities_region",
            Facilities::Table,
            &[Facilities::RegionCode],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "community_facilities",
            "community_staff",
            "community_grids",
            "community_units",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("dishonest_entries"))
                    .drop_column(Alias::new("updated_at"))
                    .to_owned(),
            )
            .await?;
        for table in ENFORCEMENT_TABLES {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("ux_{table}_uuid"))
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new("uuid"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ChangeCounter::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ChangeLog::Table).to_owned())
            .await
    }
}

async fn index<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: &[C],
) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.if_not_exists().name(name).table(table);
    for c in cols {
        i.col(*c);
    }
    manager.create_index(i.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum ChangeLog {
    Table,
    Seq,
    RecordType,
    RecordId,
    Uuid,
    RegionCode,
    Operation,
    Actor,
    ChangedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChangeCounter {
    Table,
    Id,
    Seq,
}

#[derive(DeriveIden, Clone, Copy)]
enum Regions {
    Table,
    Code,
}

#[derive(DeriveIden, Clone, Copy)]
enum Units {
    #[sea_orm(iden = "community_units")]
    Table,
    Id,
    Uuid,
    Name,
    RegionCode,
    UnitType,
    Status,
    FormedYear,
    ConvertedYear,
    RegisteredPopulation,
    ResidentPopulation,
    Households,
    ResidentGroups,
    Honours,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Grids {
    #[sea_orm(iden = "community_grids")]
    Table,
    Id,
    Uuid,
    UnitId,
    RegionCode,
    Name,
    Households,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Staff {
    #[sea_orm(iden = "community_staff")]
    Table,
    Id,
    Uuid,
    UnitId,
    RegionCode,
    GridId,
    Name,
    Role,
    AlsoDirector,
    Gender,
    BirthYear,
    Education,
    PartyMember,
    CertifiedSocialWorker,
    Hiring,
    MonthlyPayFen,
    Phone,
    IdNumber,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Facilities {
    #[sea_orm(iden = "community_facilities")]
    Table,
    Id,
    Uuid,
    UnitId,
    RegionCode,
    Kind,
    Name,
    FloorAreaCenti,
    Tenure,
    Status,
    InvestmentFen,
    Version,
    CreatedAt,
    UpdatedAt,
}

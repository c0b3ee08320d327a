use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReportedFigures::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ReportedFigures::Id))
                    .col(integer(ReportedFigures::ReportNo))
                    .col(string_len(ReportedFigures::Domain, 32))
                    .col(string_len(ReportedFigures::Metric, 64))
                    .col(string_len(ReportedFigures::RegionCode, 16))
                    .col(date(ReportedFigures::PeriodStart))
                    .col(date(ReportedFigures::PeriodEnd))
                    .col(string_len(ReportedFigures::Value, 32))
                    .col(string_len(ReportedFigures::Unit, 32))
                    .col(text(ReportedFigures::SourceText))
                    .col(text_null(ReportedFigures::Note))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_reported_figures_key")
                    .table(ReportedFigures::Table)
                    .col(ReportedFigures::ReportNo)
                    .col(ReportedFigures::Metric)
                    .col(ReportedFigures::RegionCode)
                    .col(ReportedFigures::PeriodStart)
                    .col(ReportedFigures::PeriodEnd)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReportedFigures::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ReportedFigures {
    Table,
    Id,
    ReportNo,
    Domain,
    Metric,
    RegionCode,
    PeriodStart,
    PeriodEnd,
    Value,
    Unit,
    SourceText,
    Note,
}

use sea_orm_migration::{prelude::*, schema::*};

/// Collective-income thresholds (村集体经济收入标准) as the report or policy that sets them
/// states them: the amount, what falling below it means (a floor the report says villages
/// reach, or a veto line that bars a village from awards), the region it covers (that region
/// and everything below it), the years it is in force, and its source (the report and the
/// sentence). `ruralStats` applies a threshold only to the villages and years it covers.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(n: &str) -> Alias {
    Alias::new(n)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(a("rural_income_thresholds"))
                    .if_not_exists()
                    .col(big_pk_auto(a("id")))
                    .col(string_len(a("region_code"), 16))
                    .col(integer(a("from_year")))
                    .col(integer_null(a("to_year")))
                    .col(big_integer(a("amount_fen")))
                    .col(string_len(a("consequence"), 16))
                    .col(integer_null(a("report_no")))
                    .col(string_len(a("source_text"), 512))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_rural_income_thresholds")
                    .table(a("rural_income_thresholds"))
                    .col(a("region_code"))
                    .col(a("from_year"))
                    .col(a("amount_fen"))
                    .col(a("consequence"))
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(a("rural_income_thresholds")).to_owned())
            .await
    }
}

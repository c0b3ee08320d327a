use sea_orm_migration::{prelude::*, schema::*};

/// Community facility standards (社区设施标准) as the report or policy that sets them states
/// them: the kind (`office`: office and service rooms, 办公服务用房; `elderly_care`: elderly-care
/// facilities, 养老服务设施), the area it asks for in 0.01 m² per household (office) or per
/// resident (elderly care) — report 7's 20 m² per 100 households is 20, its 0.1 m² per
/// resident is 10 — the region it covers (that region and everything below it), the years it
/// is in force, and its source (the report and the sentence). A unit is measured against a
/// standard only where one covers its region.
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
                    .table(a("community_standards"))
                    .if_not_exists()
                    .col(big_pk_auto(a("id")))
                    .col(string_len(a("kind"), 16))
                    .col(big_integer(a("amount_centi")))
                    .col(string_len(a("region_code"), 16))
                    .col(integer(a("from_year")))
                    .col(integer_null(a("to_year")))
                    .col(integer_null(a("report_no")))
                    .col(string_len(a("source_text"), 512))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_community_standards")
                    .table(a("community_standards"))
                    .col(a("kind"))
                    .col(a("region_code"))
                    .col(a("from_year"))
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(a("community_standards")).to_owned())
            .await
    }
}

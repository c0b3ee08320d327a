use sea_orm_migration::{prelude::*, schema::*};

/// The rural domain (乡村振兴): the indicator catalogue, observations (one value per
/// indicator, region and period, stored in the indicator's canonical unit as exact decimal
/// text), villages with their party organisation, and villages' collective-economy income
/// per year (one row per village and year).
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
                    .table(a("rural_indicators"))
                    .if_not_exists()
                    .col(big_pk_auto(a("id")))
                    .col(string_len_uniq(a("code"), 64))
                    .col(string_len(a("name_zh"), 64))
                    .col(string_len(a("name_en"), 128))
                    .col(string_len(a("pillar"), 16))
                    .col(string_len(a("unit"), 16))
                    .col(string_len(a("description"), 512))
                    .col(string_len(a("source"), 128))
                    .col(integer(a("version")).default(1))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("rural_observations"))
                    .if_not_exists()
                    .col(big_pk_auto(a("id")))
                    .col(string_len_uniq(a("uuid"), 36))
                    .col(big_integer(a("indicator_id")))
                    .col(string_len(a("region_code"), 16))
                    .col(string_len(a("period"), 10))
                    .col(date(a("period_start")))
                    .col(date(a("period_end")))
                    .col(string_len(a("value"), 40))
                    .col(string_len(a("source"), 256))
                    .col(integer(a("version")).default(1))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("rural_observations"), a("indicator_id"))
                            .to(a("rural_indicators"), a("id")),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("rural_observations"), a("region_code"))
                            .to(a("regions"), a("code")),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_rural_observations_key")
                    .table(a("rural_observations"))
                    .col(a("indicator_id"))
                    .col(a("region_code"))
                    .col(a("period"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_rural_observations_region_period")
                    .table(a("rural_observations"))
                    .col(a("region_code"))
                    .col(a("period"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("rural_villages"))
                    .if_not_exists()
                    .col(big_pk_auto(a("id")))
                    .col(string_len_uniq(a("uuid"), 36))
                    .col(string_len(a("region_code"), 16))
                    .col(string_len(a("name"), 64))
                    .col(integer_null(a("party_members_under_35")))
                    .col(integer_null(a("party_members_35_to_60")))
                    .col(integer_null(a("party_members_over_60")))
                    .col(integer_null(a("reserve_cadres")))
                    .col(boolean(a("under_rectification")).default(false))
                    .col(integer(a("version")).default(1))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("rural_villages"), a("region_code"))
                            .to(a("regions"), a("code")),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_rural_villages_region")
                    .table(a("rural_villages"))
                    .col(a("region_code"))
                    .col(a("id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("rural_village_incomes"))
                    .if_not_exists()
                    .col(big_pk_auto(a("id")))
                    .col(string_len_uniq(a("uuid"), 36))
                    .col(big_integer(a("village_id")))
                    .col(string_len(a("region_code"), 16))
                    .col(integer(a("year")))
                    .col(big_integer(a("income_fen")))
                    .col(integer(a("version")).default(1))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("rural_village_incomes"), a("village_id"))
                            .to(a("rural_villages"), a("id")),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_rural_village_incomes_year")
                    .table(a("rural_village_incomes"))
                    .col(a("village_id"))
                    .col(a("year"))
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "rural_village_incomes",
            "rural_villages",
            "rural_observations",
            "rural_indicators",
        ] {
            manager.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

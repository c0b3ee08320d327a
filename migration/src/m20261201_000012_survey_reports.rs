use sea_orm_migration::{prelude::*, schema::*};

/// The nine reports as records: each report, its problems (存在的问题) and recommendations
/// (意见建议) as ordered items, and the follow-up a supervisor tracks on a recommendation.
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
                    .table(a("survey_reports"))
                    .if_not_exists()
                    .col(integer(a("report_no")).primary_key())
                    .col(string_len(a("title"), 128))
                    .col(string_len(a("issuing_body"), 128))
                    .col(date(a("issued_on")))
                    .col(string_len_null(a("region_code"), 16))
                    .col(json(a("domains")))
                    .col(string_len(a("note"), 1000))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("survey_reports"), a("region_code"))
                            .to(a("regions"), a("code")),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("survey_report_items"))
                    .if_not_exists()
                    .col(big_pk_auto(a("id")))
                    .col(integer(a("report_no")))
                    .col(string_len(a("kind"), 16))
                    .col(integer(a("position")))
                    .col(string_len(a("text"), 1000))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("survey_report_items"), a("report_no"))
                            .to(a("survey_reports"), a("report_no")),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_survey_report_items_position")
                    .table(a("survey_report_items"))
                    .col(a("report_no"))
                    .col(a("kind"))
                    .col(a("position"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("recommendation_followups"))
                    .if_not_exists()
                    .col(big_pk_auto(a("id")))
                    .col(string_len_uniq(a("uuid"), 36))
                    .col(big_integer_uniq(a("item_id")))
                    .col(string_len_null(a("region_code"), 16))
                    .col(string_len(a("status"), 16))
                    .col(string_len_null(a("owner"), 64))
                    .col(date_null(a("due_on")))
                    .col(string_len_null(a("notes"), 2000))
                    .col(integer(a("version")).default(1))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("recommendation_followups"), a("item_id"))
                            .to(a("survey_report_items"), a("id")),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "recommendation_followups",
            "survey_report_items",
            "survey_reports",
        ] {
            manager.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

use sea_orm_migration::prelude::*;

/// Two shapes that stay fast at a million cases:
/// - a supervision order carries its case's region and court (which never change), so that
///   the KPIs' distinct counts of batches and courts read the orders alone instead of joining
///   every case of a city;
/// - cases by court are indexed down to the id, so that a court's newest page (and each
///   court's page of a nested connection) is read in index order with its ties broken.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let orders = Alias::new("supervision_orders");
        manager
            .alter_table(
                Table::alter()
                    .table(orders.clone())
                    .add_column(
                        ColumnDef::new(Alias::new("region_code"))
                            .string_len(16)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(orders.clone())
                    .add_column(
                        ColumnDef::new(Alias::new("court_id"))
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE supervision_orders SET \
                 region_code = (SELECT c.region_code FROM enforcement_cases c WHERE c.id = supervision_orders.case_id), \
                 court_id = (SELECT c.court_id FROM enforcement_cases c WHERE c.id = supervision_orders.case_id)",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_supervision_region_issued")
                    .table(orders)
                    .col(Alias::new("region_code"))
                    .col(Alias::new("issued_on"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_cases_court_filed_id")
                    .table(Alias::new("enforcement_cases"))
                    .col(Alias::new("court_id"))
                    .col(Alias::new("filed_on"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("DROP INDEX IF EXISTS idx_cases_court_filed_id")
            .await?;
        conn.execute_unprepared("DROP INDEX IF EXISTS idx_supervision_region_issued")
            .await?;
        for column in ["court_id", "region_code"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("supervision_orders"))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

use sea_orm_migration::prelude::*;

/// A listed debtor's voluntary performance (主动履行), apart from the entry's removal: report
/// 2's "促使101名失信被执行人主动履行义务" counts listed debtors who performed of their own
/// accord, which says nothing of their removal from the list.
///
/// - `dishonest_entries.performed_on`: the day the listed debtor performed, null until then;
/// - `listing_daily.performed_voluntarily`: of the day's listings, those whose debtor has
///   performed (`api/src/domains/enforcement/daily.rs`). Existing entries have not, so the
///   column starts at 0 everywhere and needs no rebuild.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("dishonest_entries"))
                    .add_column(ColumnDef::new(Alias::new("performed_on")).date().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("listing_daily"))
                    .add_column(
                        ColumnDef::new(Alias::new("performed_voluntarily"))
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("listing_daily"))
                    .drop_column(Alias::new("performed_voluntarily"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("dishonest_entries"))
                    .drop_column(Alias::new("performed_on"))
                    .to_owned(),
            )
            .await
    }
}

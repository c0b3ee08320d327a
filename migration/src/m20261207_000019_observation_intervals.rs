use sea_orm_migration::prelude::*;

/// What an observation admits (`api/src/stated`): an indicator's value taken from a report
/// may be a bound or an approximation ("30多万亩", "10亿元以上", "近4100元"), so an
/// observation keeps its qualifier (`exact`, `less_than` 不足, `at_least` 以上, `more_than`
/// 多/余, `about` 约/左右, `nearly` 近) and the interval it admits in the canonical unit
/// (`lower`, `upper`: decimal text, null when unbounded; `lower_closed`, `upper_closed`:
/// whether the end belongs to it). An exact observation admits its value alone; the rows
/// there are now are exact, so both their ends are their value.
#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "rural_observations";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(Alias::new("qualifier"))
                .string_len(16)
                .not_null()
                .default("exact")
                .to_owned(),
            ColumnDef::new(Alias::new("lower"))
                .string_len(40)
                .null()
                .to_owned(),
            ColumnDef::new(Alias::new("lower_closed"))
                .boolean()
                .not_null()
                .default(true)
                .to_owned(),
            ColumnDef::new(Alias::new("upper"))
                .string_len(40)
                .null()
                .to_owned(),
            ColumnDef::new(Alias::new("upper_closed"))
                .boolean()
                .not_null()
                .default(true)
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(TABLE))
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(&format!("UPDATE {TABLE} SET lower = value, upper = value"))
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["upper_closed", "upper", "lower_closed", "lower", "qualifier"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(TABLE))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

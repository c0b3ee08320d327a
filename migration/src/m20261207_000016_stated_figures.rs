use sea_orm_migration::prelude::*;

/// What a stated figure allows (`api/src/stated.rs`): its qualifier (`exact`, `less_than`
/// 不足, `at_least` 以上, `more_than` 多/余, `about` 约/左右, `nearly` 近) and the interval it
/// admits (`lower`, `upper`: decimal text, null when unbounded; `lower_closed`,
/// `upper_closed`: whether the end belongs to it). A report may state the same quantity
/// twice (report 6 gives the sanitary-toilet rate as 55% and as under 50%), so a figure's key
/// gains `statement_no`, the figure's position among the statements of that metric, region
/// and period in its report. Existing rows are exact figures, stated once; their interval is
/// written by the seed, which fills only an empty database.
#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "reported_figures";
/// The key before: report, metric, region, period.
const KEY: &str = "ux_reported_figures_key";
/// The key now: with the statement's position.
const STATEMENT_KEY: &str = "ux_reported_figures_statement";

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
            ColumnDef::new(Alias::new("statement_no"))
                .integer()
                .not_null()
                .default(1)
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
        drop_index(manager, KEY).await?;
        manager
            .create_index(unique_key(STATEMENT_KEY, &["statement_no"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_index(manager, STATEMENT_KEY).await?;
        for column in [
            "statement_no",
            "upper_closed",
            "upper",
            "lower_closed",
            "lower",
            "qualifier",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(TABLE))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        manager.create_index(unique_key(KEY, &[])).await
    }
}

/// The figures' unique key: report, metric, region and period, then `more` columns.
fn unique_key(name: &str, more: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Alias::new(TABLE)).unique();
    for column in ["report_no", "metric", "region_code", "period_start", "period_end"]
        .iter()
        .chain(more)
    {
        index.col(Alias::new(*column));
    }
    index
}

/// Drops an index by name: the same statement on SQLite and PostgreSQL.
async fn drop_index(manager: &SchemaManager<'_>, name: &str) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
        .await
        .map(|_| ())
}

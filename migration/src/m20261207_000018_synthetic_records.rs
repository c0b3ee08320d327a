use sea_orm_migration::prelude::*;

/// Generated records are marked (合成数据): `synthetic` on every table whose rows the seeds
/// generate around the reports' figures (`api/src/synthetic.rs`), true on the rows a seed
/// writes and false, the default, on every row written through the API. The figures the
/// reports state (`reported_figures`), the courts and regions they name, report 5's funeral
/// facilities, projects and milestones (what the report describes one by one) and report 6's
/// observations (its stated figures) are not generated, so their tables have no column.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables of generated records.
const TABLES: [&str; 11] = [
    "enforcement_cases",
    "parties",
    "measures",
    "flow_nodes",
    "dishonest_entries",
    "supervision_orders",
    "community_units",
    "community_staff",
    "community_facilities",
    "grave_plots",
    "rural_villages",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(
                            ColumnDef::new(Alias::new("synthetic"))
                                .boolean()
                                .not_null()
                                .default(false),
                        )
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(*table))
                        .drop_column(Alias::new("synthetic"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

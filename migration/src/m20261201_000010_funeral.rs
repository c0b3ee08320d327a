use sea_orm_migration::{prelude::*, schema::*};

/// The funeral domain (殡葬): facilities (a service centre with its memorial halls, cemeteries,
/// crematoria, ash halls), construction projects with their funding and milestones, grave
/// plots with their registrations and sales (one live hold per plot, enforced by a partial
/// unique index), fee standards, subsidies and violations.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns every funeral record has: id, uuid, region, version and timestamps.
fn record(table: &str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(table))
        .if_not_exists()
        .col(big_pk_auto(Alias::new("id")))
        .col(string_len_uniq(Alias::new("uuid"), 36))
        .col(string_len(Alias::new("region_code"), 16))
        .col(integer(Alias::new("version")).default(1))
        .col(timestamp_with_time_zone(Alias::new("created_at")))
        .col(timestamp_with_time_zone(Alias::new("updated_at")))
        .foreign_key(
            ForeignKey::create()
                .from(Alias::new(table), Alias::new("region_code"))
                .to(Alias::new("regions"), Alias::new("code")),
        )
        .to_owned()
}

fn fk(table: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(Alias::new(table), Alias::new(column))
        .to(Alias::new(to), Alias::new("id"))
        .to_owned()
}

async fn index(manager: &SchemaManager<'_>, table: &str, cols: &[&str]) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.if_not_exists()
        .name(format!("idx_{table}_{}", cols.join("_")))
        .table(Alias::new(table));
    for c in cols {
        i.col(Alias::new(*c));
    }
    manager.create_index(i.to_owned()).await
}

fn s(name: &str, len: u32) -> ColumnDef {
    string_len(Alias::new(name), len)
}

fn s_null(name: &str, len: u32) -> ColumnDef {
    string_len_null(Alias::new(name), len)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let t = "funeral_facilities";
        manager
            .create_table(
                record(t)
                    .col(big_integer_null(Alias::new("parent_id")))
                    .col(s("kind", 24))
                    .col(s("name", 64))
                    .col(s("stage", 24))
                    .col(integer_null(Alias::new("capacity")))
                    .foreign_key(&mut fk(t, "parent_id", t))
                    .to_owned(),
            )
            .await?;
        index(manager, t, &["region_code", "id"]).await?;
        index(manager, t, &["parent_id"]).await?;

        let t = "funeral_projects";
        manager
            .create_table(
                record(t)
                    .col(big_integer_null(Alias::new("facility_id")))
                    .col(s("name", 64))
                    .col(big_integer_null(Alias::new("tendered_cost_fen")))
                    .col(big_integer_null(Alias::new("planned_investment_fen")))
                    .col(big_integer_null(Alias::new("allocated_fen")))
                    .foreign_key(&mut fk(t, "facility_id", "funeral_facilities"))
                    .to_owned(),
            )
            .await?;
        index(manager, t, &["region_code", "id"]).await?;
        index(manager, t, &["facility_id"]).await?;

        let t = "funeral_milestones";
        manager
            .create_table(
                record(t)
                    .col(big_integer(Alias::new("project_id")))
                    .col(s("name", 64))
                    .col(date_null(Alias::new("planned_on")))
                    .col(date_null(Alias::new("achieved_on")))
                    .foreign_key(&mut fk(t, "project_id", "funeral_projects"))
                    .to_owned(),
            )
            .await?;
        index(manager, t, &["project_id", "id"]).await?;

        let t = "grave_plots";
        manager
            .create_table(
                record(t)
                    .col(big_integer(Alias::new("cemetery_id")))
                    .col(s("section", 16))
                    .col(integer(Alias::new("row_no")))
                    .col(integer(Alias::new("number")))
                    .col(s("plot_type", 16))
                    .col(big_integer_null(Alias::new("price_fen")))
                    .col(s("status", 16))
                    .foreign_key(&mut fk(t, "cemetery_id", "funeral_facilities"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_grave_plots_position")
                    .table(Alias::new(t))
                    .col(Alias::new("cemetery_id"))
                    .col(Alias::new("section"))
                    .col(Alias::new("row_no"))
                    .col(Alias::new("number"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(manager, t, &["region_code", "id"]).await?;
        index(manager, t, &["cemetery_id", "id"]).await?;

        let t = "grave_plot_holds";
        manager
            .create_table(
                record(t)
                    .col(big_integer(Alias::new("plot_id")))
                    .col(s("status", 16))
                    .col(s("holder_name", 64))
                    .col(s_null("holder_phone", 32))
                    .col(s_null("holder_id_number", 32))
                    .col(date(Alias::new("registered_on")))
                    .col(date_null(Alias::new("sold_on")))
                    .col(big_integer_null(Alias::new("price_fen")))
                    .col(date_null(Alias::new("cancelled_on")))
                    .foreign_key(&mut fk(t, "plot_id", "grave_plots"))
                    .to_owned(),
            )
            .await?;
        index(manager, t, &["plot_id", "id"]).await?;
        // One live registration or sale per plot, even when requests race.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_grave_plot_holds_live ON grave_plot_holds (plot_id) \
                 WHERE status <> 'cancelled'",
            )
            .await?;

        let t = "funeral_fee_standards";
        manager
            .create_table(
                record(t)
                    .col(s("service", 64))
                    .col(big_integer(Alias::new("price_fen")))
                    .col(boolean(Alias::new("exempt")))
                    .col(date(Alias::new("effective_from")))
                    .to_owned(),
            )
            .await?;
        index(manager, t, &["region_code", "id"]).await?;

        let t = "funeral_subsidies";
        manager
            .create_table(
                record(t)
                    .col(s("recipient_name", 64))
                    .col(s_null("recipient_phone", 32))
                    .col(s_null("recipient_id_number", 32))
                    .col(big_integer(Alias::new("amount_fen")))
                    .col(s("basis", 256))
                    .col(date(Alias::new("paid_on")))
                    .to_owned(),
            )
            .await?;
        index(manager, t, &["region_code", "id"]).await?;

        let t = "funeral_violations";
        manager
            .create_table(
                record(t)
                    .col(s("place", 128))
                    .col(date(Alias::new("occurred_on")))
                    .col(s("handling", 16))
                    .col(big_integer_null(Alias::new("penalty_fen")))
                    .col(s_null("note", 1000))
                    .to_owned(),
            )
            .await?;
        index(manager, t, &["region_code", "occurred_on", "id"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "funeral_violations",
            "funeral_subsidies",
            "funeral_fee_standards",
            "grave_plot_holds",
            "grave_plots",
            "funeral_milestones",
            "funeral_projects",
            "funeral_facilities",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}

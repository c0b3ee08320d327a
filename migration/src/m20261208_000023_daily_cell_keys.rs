use sea_orm_migration::prelude::*;

/// Cell keys through the KPIs' daily aggregates (`case_daily`, `measure_daily`,
/// `listing_daily`): beside each figure, the sum of the record keys of the records it counts
/// (`<figure>_key`), and beside each money figure the sum of the squares of its
/// contributions (`<figure>_sq`), so that a KPI summed from these rows gets the same cell key
/// (and the same protected value) as the grouped aggregate over the records themselves
/// (`api/src/aggregate/cellkey.rs`). Existing rows are filled here from the records, with
/// the conditions of `api/src/domains/enforcement/daily.rs` as they stand at this migration.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// Per table: its counted figures, its money figures, and the backfill: a grouped SELECT
/// over the records yielding (region_code, court_id, day) and every key and square column.
const TABLES: [(&str, &[&str], &[&str], &str); 3] = [
    (
        "case_daily",
        &[
            "accepted",
            "closed",
            "actual_closed",
            "terminated_this_round",
            "closed_within_limit",
            "transferred_to_bankruptcy",
            "closed_priority_categories",
        ],
        &["subject_fen", "recovered_fen", "closed_subject_fen"],
        "SELECT e.region_code AS region_code, e.court_id AS court_id, e.filed_on AS day, \
         SUM(e.record_key) AS accepted_key, \
         SUM(CASE WHEN e.status = 'closed' THEN e.record_key ELSE 0 END) AS closed_key, \
         SUM(CASE WHEN e.closure_mode IN ('executed_in_full', 'settlement_performed') \
             THEN e.record_key ELSE 0 END) AS actual_closed_key, \
         SUM(CASE WHEN e.closure_mode = 'terminated_this_round' THEN e.record_key ELSE 0 END) \
             AS terminated_this_round_key, \
         SUM(CASE WHEN e.status = 'closed' AND e.closed_on <= e.statutory_due_on \
             THEN e.record_key ELSE 0 END) AS closed_within_limit_key, \
         SUM(CASE WHEN e.closure_mode = 'transferred_to_bankruptcy' THEN e.record_key ELSE 0 END) \
             AS transferred_to_bankruptcy_key, \
         SUM(CASE WHEN e.status = 'closed' AND e.category IN ('livelihood', 'financial', 'government') \
             THEN e.record_key ELSE 0 END) AS closed_priority_categories_key, \
         SUM(e.record_key) AS subject_fen_key, \
         SUM(CAST(e.subject_amount_fen AS DOUBLE PRECISION) * CAST(e.subject_amount_fen AS DOUBLE PRECISION)) \
             AS subject_fen_sq, \
         SUM(e.record_key) AS recovered_fen_key, \
         SUM(CAST(e.recovered_amount_fen AS DOUBLE PRECISION) * CAST(e.recovered_amount_fen AS DOUBLE PRECISION)) \
             AS recovered_fen_sq, \
         SUM(CASE WHEN e.status = 'closed' THEN e.record_key ELSE 0 END) AS closed_subject_fen_key, \
         SUM(CASE WHEN e.status = 'closed' THEN CAST(e.subject_amount_fen AS DOUBLE PRECISION) \
             * CAST(e.subject_amount_fen AS DOUBLE PRECISION) ELSE 0 END) AS closed_subject_fen_sq \
         FROM enforcement_cases e GROUP BY e.region_code, e.court_id, e.filed_on",
    ),
    (
        "measure_daily",
        &["detentions", "summonses", "fines", "referrals", "convictions"],
        &["fine_fen"],
        "SELECT e.region_code AS region_code, e.court_id AS court_id, m.taken_on AS day, \
         SUM(CASE WHEN m.kind = 'detention' THEN m.record_key ELSE 0 END) AS detentions_key, \
         SUM(CASE WHEN m.kind = 'summons' THEN m.record_key ELSE 0 END) AS summonses_key, \
         SUM(CASE WHEN m.kind = 'fine' THEN m.record_key ELSE 0 END) AS fines_key, \
         SUM(CASE WHEN m.kind = 'refusal_crime_referral' THEN m.record_key ELSE 0 END) AS referrals_key, \
         SUM(CASE WHEN m.kind = 'refusal_crime_referral' AND m.convicted = TRUE \
             THEN m.record_key ELSE 0 END) AS convictions_key, \
         SUM(CASE WHEN m.kind = 'fine' THEN m.record_key ELSE 0 END) AS fine_fen_key, \
         SUM(CASE WHEN m.kind = 'fine' THEN CAST(COALESCE(m.amount_fen, 0) AS DOUBLE PRECISION) \
             * CAST(COALESCE(m.amount_fen, 0) AS DOUBLE PRECISION) ELSE 0 END) AS fine_fen_sq \
         FROM measures m JOIN enforcement_cases e ON e.id = m.case_id \
         GROUP BY e.region_code, e.court_id, m.taken_on",
    ),
    (
        "listing_daily",
        &["listings", "removed_after_performance", "performed_voluntarily"],
        &[],
        "SELECT d.region_code AS region_code, d.court_id AS court_id, d.listed_on AS day, \
         SUM(d.record_key) AS listings_key, \
         SUM(CASE WHEN d.removal_reason = 'performed' THEN d.record_key ELSE 0 END) \
             AS removed_after_performance_key, \
         SUM(CASE WHEN d.performed_on IS NOT NULL THEN d.record_key ELSE 0 END) \
             AS performed_voluntarily_key \
         FROM dishonest_entries d GROUP BY d.region_code, d.court_id, d.listed_on",
    ),
];

fn columns(counts: &[&str], money: &[&str]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = counts.iter().map(|c| (format!("{c}_key"), false)).collect();
    for m in money {
        out.push((format!("{m}_key"), false));
        out.push((format!("{m}_sq"), true));
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, counts, money, fill) in TABLES {
            let cols = columns(counts, money);
            // One column per ALTER: SQLite adds one at a time.
            for (col, real) in &cols {
                let mut def = ColumnDef::new(Alias::new(col.as_str()));
                if *real {
                    def.double().not_null().default(0.0);
                } else {
                    def.big_integer().not_null().default(0);
                }
                manager
                    .alter_table(Table::alter().table(Alias::new(table)).add_column(def).to_owned())
                    .await?;
            }
            let set: Vec<String> = cols.iter().map(|(c, _)| format!("{c} = g.{c}")).collect();
            db.execute_unprepared(&format!(
                "UPDATE {table} SET {} FROM ({fill}) g WHERE {table}.region_code = g.region_code \
                 AND {table}.court_id = g.court_id AND {table}.day = g.day",
                set.join(", ")
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, counts, money, _) in TABLES {
            for (col, _) in columns(counts, money) {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .drop_column(Alias::new(col.as_str()))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}

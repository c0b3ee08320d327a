//! Seed data of the enforcement domain: the courts and stated figures of reports 1, 2 and
//! 4 (shipped as data in `seed/`), and a deterministic generator of case-level records
//! whose KPIs reproduce every figure the reports state that records can produce.
//!
//! Readings of the reports (their years are garbled to "2023"; "今年" is read as 2025):
//! - report 1 (上饶市, 361100): 2023-01-01..2025-06-20, with 2025-01-01..2025-06-20 as
//!   "上半年" and 2024-01-01..2024-06-20 as its same period a year earlier;
//! - report 2 (an unnamed district, local code L0201): 2024-05-01..2025-06-12;
//! - report 4 (an unnamed county-level city, local code L04): 2023-01-01..2024-12-31.
//!
//! Case figures count the cases filed in the period (the cohort), closed by the report date.

use chrono::{Days, NaiveDate, TimeZone, Utc};
use entity::enforcement::court::{self, CourtLevel};
use entity::enforcement::dishonest_entry::{self, RemovalReason};
use entity::enforcement::enforcement_case::{self as case, CaseCategory, CaseStatus, ClosureMode};
use entity::enforcement::flow_node::{self, FlowNodeKind};
use entity::enforcement::measure::{self, MeasureKind};
use entity::enforcement::party::{self, PartyKind, PartyRole};
use entity::enforcement::supervision_order::{self, SupervisionStatus};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::Deserialize;
use std::collections::HashMap;

use crate::error::{AppError, AppResult};
use crate::seeding;
use crate::synthetic::{self, Place, Registrar, Rng, Sex};
use crate::write::derived_uuid;

/// The tables of the generated records, cases first (the others reference them).
const RECORD_TABLES: [&str; 6] = [
    "enforcement_cases",
    "parties",
    "measures",
    "flow_nodes",
    "dishonest_entries",
    "supervision_orders",
];

/// What a seed run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedSummary {
    pub cases: usize,
    pub parties: usize,
    pub measures: usize,
    pub flow_nodes: usize,
    pub dishonest_entries: usize,
    pub supervision_orders: usize,
}

impl SeedSummary {
    fn add(&mut self, other: &SeedSummary) {
        self.cases += other.cases;
        self.parties += other.parties;
        self.measures += other.measures;
        self.flow_nodes += other.flow_nodes;
        self.dishonest_entries += other.dishonest_entries;
        self.supervision_orders += other.supervision_orders;
    }

    /// Rows written in all.
    pub fn rows(&self) -> usize {
        self.cases
            + self.parties
            + self.measures
            + self.flow_nodes
            + self.dishonest_entries
            + self.supervision_orders
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedCourt {
    name: String,
    abbreviation: String,
    level: String,
    region_code: String,
}

/// Seeds courts and figures (idempotently) and, with `records` and when no case of the
/// seeded courts exists yet, the generated case records.
/// Seeds the courts, the figures and, with `records`, the generated case records `scale`
/// times over (1: the reports' volume, whose KPIs reproduce their figures; N: N copies with
/// their own ids and case numbers, for measuring at size). Idempotent: records are generated
/// only when the courts have none.
/// The seed as the registration runs it (`registry::Seed`): the rows written.
pub fn registered(
    db: &DatabaseConnection,
    records: bool,
    scale: u32,
) -> futures_util::future::BoxFuture<'_, AppResult<u64>> {
    Box::pin(async move {
        let summary = seed(db, records, scale).await?;
        tracing::debug!(?summary, "enforcement records");
        Ok(summary.rows() as u64)
    })
}

pub async fn seed(db: &DatabaseConnection, records: bool, scale: u32) -> AppResult<SeedSummary> {
    let courts: Vec<SeedCourt> = serde_json::from_str(include_str!("seed/courts.json"))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("courts.json: {e}")))?;
    let txn = db.begin().await?;
    let models: Vec<court::ActiveModel> = courts
        .iter()
        .map(|c| court::ActiveModel {
            name: Set(c.name.clone()),
            abbreviation: Set(c.abbreviation.clone()),
            level: Set(if c.level == "intermediate" {
                CourtLevel::Intermediate
            } else {
                CourtLevel::Basic
            }),
            region_code: Set(c.region_code.clone()),
            ..Default::default()
        })
        .collect();
    court::Entity::insert_many(models)
        .on_conflict(OnConflict::column(court::Column::Name).do_nothing().to_owned())
        .exec_without_returning(&txn)
        .await?;
    seeding::figures(
        &txn,
        "enforcement",
        seeding::parse_figures(include_str!("seed/figures.json"))?,
    )
    .await?;

    let names: Vec<String> = courts.iter().map(|c| c.name.clone()).collect();
    let rows = court::Entity::find()
        .filter(court::Column::Name.is_in(names.clone()))
        .all(&txn)
        .await?;
    let by_name: HashMap<String, court::Model> = rows.into_iter().map(|c| (c.name.clone(), c)).collect();
    let ordered: Vec<court::Model> = names
        .iter()
        .map(|n| {
            by_name
                .get(n)
                .cloned()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("court {n} missing")))
        })
        .collect::<AppResult<_>>()?;
    let existing = case::Entity::find()
        .filter(case::Column::CourtId.is_in(ordered.iter().map(|c| c.id)))
        .count(&txn)
        .await?;
    let generating = records && existing == 0;
    let mut summary = if generating {
        let data = generate(&ordered, &IdBase::read(&txn).await?)?;
        let summary = data.summary();
        data.insert(&txn).await?;
        summary
    } else {
        SeedSummary::default()
    };
    txn.commit().await?;
    if generating && scale > 1 {
        // The other copies made by the database itself, in batches (seeding::Copies): copy k of
        // a case numbered 执N号 is numbered 执(k·1,000,000 + N)号, so that copies never collide.
        let started = std::time::Instant::now();
        let txn = db.begin().await?;
        let mut copies = seeding::Copies::new(&txn, i64::from(scale) - 1, &RECORD_TABLES).await?;
        let find = if db.get_database_backend() == DbBackend::Postgres {
            "strpos"
        } else {
            "instr"
        };
        let number = format!(
            "substr(t.case_number, 1, {find}(t.case_number, '执')) || \
             CAST(s.k * 1000000 + CAST(substr(t.case_number, {find}(t.case_number, '执') + 1, \
             {find}(t.case_number, '号') - {find}(t.case_number, '执') - 1) AS BIGINT) AS TEXT) || '号'"
        );
        copies
            .table_with::<case::Entity>(&txn, &[], &[("case_number", number)])
            .await?;
        let case = ("case_id", "enforcement_cases");
        copies.table::<party::Entity>(&txn, &[case]).await?;
        copies
            .table::<measure::Entity>(&txn, &[case, ("party_id", "parties")])
            .await?;
        copies.table::<flow_node::Entity>(&txn, &[case]).await?;
        copies
            .table::<dishonest_entry::Entity>(&txn, &[case, ("party_id", "parties")])
            .await?;
        copies.table::<supervision_order::Entity>(&txn, &[case]).await?;
        txn.commit().await?;
        let one = summary.clone();
        for _ in 1..scale {
            summary.add(&one);
        }
        tracing::info!(
            rows = copies.rows,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "copied the enforcement records"
        );
    }
    if generating {
        // The KPIs' daily aggregates, from the records just written (fresh statistics and
        // the cache's data version follow every domain's seed, in `seed.rs`).
        super::kpis::rebuild_daily(db).await?;
    }
    Ok(summary)
}

/// Splits `total` into parts proportional to `weights`, each at least `min`, summing exactly.
fn distribute(total: i64, weights: &[f64], min: i64) -> Vec<i64> {
    if weights.is_empty() {
        return vec![];
    }
    let n = weights.len() as i64;
    let base = min.min(total / n);
    let rest = total - base * n;
    let sum: f64 = weights.iter().sum();
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| base + ((rest as f64) * w / sum).floor() as i64)
        .collect();
    let mut diff = total - parts.iter().sum::<i64>();
    let mut i = 0;
    while diff != 0 {
        let step = diff.signum();
        if parts[i] + step >= 0 {
            parts[i] += step;
            diff -= step;
        }
        i = (i + 1) % parts.len();
    }
    parts
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid literal date")
}

// ---------- the cohorts the reports describe ----------

struct Cohort {
    /// Index of the report's court set in `generate`.
    courts: Vec<(usize, u64)>,
    from: NaiveDate,
    to: NaiveDate,
    accepted: usize,
    actual_closed: usize,
    closed: usize,
    /// Recovered amount over the actually closed cases, yuan.
    recovered_yuan: i64,
    /// Total subject amount of all cases, yuan (report 4).
    subject_total_yuan: Option<i64>,
    /// Total subject amount of the closed cases, yuan (report 2).
    closed_subject_yuan: Option<i64>,
    close_by: NaiveDate,
    report: u8,
}

/// First free ids, so generated rows can reference each other before insertion.
struct IdBase {
    case: i64,
    party: i64,
    measure: i64,
    flow_node: i64,
    dishonest: i64,
    supervision: i64,
}

impl IdBase {
    async fn read(db: &impl ConnectionTrait) -> AppResult<Self> {
        async fn next<E: EntityTrait>(db: &impl ConnectionTrait, col: E::Column) -> AppResult<i64>
        where
            E::Model: HasId,
        {
            let last = E::find().order_by_desc(col).one(db).await?;
            Ok(last.map_or(1, |m| m.id() + 1))
        }
        Ok(IdBase {
            case: next::<case::Entity>(db, case::Column::Id).await?,
            party: next::<party::Entity>(db, party::Column::Id).await?,
            measure: next::<measure::Entity>(db, measure::Column::Id).await?,
            flow_node: next::<flow_node::Entity>(db, flow_node::Column::Id).await?,
            dishonest: next::<dishonest_entry::Entity>(db, dishonest_entry::Column::Id).await?,
            supervision: next::<supervision_order::Entity>(db, supervision_order::Column::Id).await?,
        })
    }
}

trait HasId {
    fn id(&self) -> i64;
}
macro_rules! has_id {
    ($($m:ty),*) => { $(impl HasId for $m { fn id(&self) -> i64 { self.id } })* };
}
has_id!(
    case::Model,
    party::Model,
    measure::Model,
    flow_node::Model,
    dishonest_entry::Model,
    supervision_order::Model
);

struct Generated {
    cases: Vec<case::Model>,
    parties: Vec<party::Model>,
    measures: Vec<measure::Model>,
    flow_nodes: Vec<flow_node::Model>,
    dishonest: Vec<dishonest_entry::Model>,
    supervision: Vec<supervision_order::Model>,
}

impl Generated {
    fn summary(&self) -> SeedSummary {
        SeedSummary {
            cases: self.cases.len(),
            parties: self.parties.len(),
            measures: self.measures.len(),
            flow_nodes: self.flow_nodes.len(),
            dishonest_entries: self.dishonest.len(),
            supervision_orders: self.supervision.len(),
        }
    }

    async fn insert(mut self, db: &impl ConnectionTrait) -> AppResult<()> {
        // UUIDs derived from the final ids, so every copy has its own.
        macro_rules! uuids {
            ($rows:expr, $kind:literal) => {
                for r in &mut $rows {
                    r.uuid = derived_uuid($kind, r.id);
                }
            };
        }
        uuids!(self.cases, "EnforcementCase");
        uuids!(self.parties, "Party");
        uuids!(self.measures, "Measure");
        uuids!(self.flow_nodes, "FlowNode");
        uuids!(self.dishonest, "DishonestDebtor");
        uuids!(self.supervision, "SupervisionOrder");
        async fn chunks<A, M>(db: &impl ConnectionTrait, rows: Vec<M>, per: usize) -> AppResult<()>
        where
            M: sea_orm::IntoActiveModel<A>,
            A: ActiveModelTrait,
        {
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let chunk: Vec<A> = rows.by_ref().take(per).map(|m| m.into_active_model()).collect();
                <A::Entity as EntityTrait>::insert_many(chunk)
                    .exec_without_returning(db)
                    .await?;
            }
            Ok(())
        }
        // Chunks stay under SQLite's 32766 bound parameters per statement.
        chunks::<case::ActiveModel, _>(db, self.cases, 1400).await?;
        chunks::<party::ActiveModel, _>(db, self.parties, 2500).await?;
        chunks::<measure::ActiveModel, _>(db, self.measures, 2000).await?;
        chunks::<flow_node::ActiveModel, _>(db, self.flow_nodes, 3500).await?;
        chunks::<dishonest_entry::ActiveModel, _>(db, self.dishonest, 1800).await?;
        chunks::<supervision_order::ActiveModel, _>(db, self.supervision, 2200).await?;
        if db.get_database_backend() == DbBackend::Postgres {
            // Explicit ids leave PostgreSQL's sequences behind: move them past the rows.
            for table in RECORD_TABLES {
                db.execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
                ))
                .await?;
            }
        }
        Ok(())
    }
}

/// Generates every record; pure, so the same input always gives the same rows.
fn generate(courts: &[court::Model], ids: &IdBase) -> AppResult<Generated> {
    let mut rng = Rng(0x5EED_2025_0620);
    let created = Utc
        .with_ymd_and_hms(2025, 6, 30, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    // Court indices as in courts.json: 0 中院, 1..=12 basic courts of 上饶, 13 report 2, 14 report 4.
    let shangrao: Vec<(usize, u64)> = (0..13)
        .map(|i| (i, if i == 0 { 4 } else { 8 + (i as u64 * 7) % 9 }))
        .collect();
    let r1_end = d(2025, 6, 20);
    let cohorts = vec![
        Cohort {
            courts: shangrao.clone(),
            from: d(2025, 1, 1),
            to: r1_end,
            accepted: 9509,
            actual_closed: 4096,
            closed: 6600,
            recovered_yuan: 1_880_000_000,
            subject_total_yuan: None,
            closed_subject_yuan: None,
            close_by: r1_end,
            report: 1,
        },
        Cohort {
            courts: shangrao.clone(),
            from: d(2024, 1, 1),
            to: d(2024, 6, 20),
            accepted: 6992,
            actual_closed: 2947,
            closed: 5900,
            recovered_yuan: 2_177_288_000,
            subject_total_yuan: None,
            closed_subject_yuan: None,
            close_by: r1_end,
            report: 1,
        },
        Cohort {
            courts: shangrao.clone(),
            from: d(2024, 6, 21),
            to: d(2024, 12, 31),
            accepted: 6861,
            actual_closed: 3148,
            closed: 5700,
            recovered_yuan: 2_325_712_000,
            subject_total_yuan: None,
            closed_subject_yuan: None,
            close_by: r1_end,
            report: 1,
        },
        Cohort {
            courts: shangrao,
            from: d(2023, 1, 1),
            to: d(2023, 12, 31),
            accepted: 12907,
            actual_closed: 5924,
            closed: 11800,
            recovered_yuan: 4_377_000_000,
            subject_total_yuan: None,
            closed_subject_yuan: None,
            close_by: r1_end,
            report: 1,
        },
        Cohort {
            courts: vec![(13, 1)],
            from: d(2024, 5, 1),
            to: d(2025, 6, 12),
            accepted: 2606,
            actual_closed: 1488,
            closed: 2111,
            recovered_yuan: 198_000_000,
            subject_total_yuan: None,
            closed_subject_yuan: Some(234_000_000),
            close_by: d(2025, 6, 12),
            report: 2,
        },
        Cohort {
            courts: vec![(14, 1)],
            from: d(2023, 1, 1),
            to: d(2024, 12, 31),
            accepted: 9695,
            actual_closed: 4136,
            closed: 8826,
            recovered_yuan: 555_000_000,
            subject_total_yuan: Some(1_458_600_000),
            closed_subject_yuan: None,
            close_by: d(2024, 12, 31),
            report: 4,
        },
    ];

    let mut cases: Vec<case::Model> = Vec::new();
    let mut report_of: Vec<u8> = Vec::new();
    let mut close_by_of: Vec<NaiveDate> = Vec::new();
    let mut seq: HashMap<(usize, i32), u32> = HashMap::new();
    let mut court_of: Vec<usize> = Vec::new();
    for c in &cohorts {
        let total_weight: u64 = c.courts.iter().map(|(_, w)| w).sum();
        let mut filed: Vec<(NaiveDate, usize)> = (0..c.accepted)
            .map(|_| {
                let mut pick = rng.below(total_weight);
                let mut court = c.courts[0].0;
                for (idx, w) in &c.courts {
                    if pick < *w {
                        court = *idx;
                        break;
                    }
                    pick -= w;
                }
                (rng.date(c.from, c.to), court)
            })
            .collect();
        filed.sort();
        // Which cases close, and how: a shuffled order, actual closures first.
        let mut order: Vec<usize> = (0..c.accepted).collect();
        rng.shuffle(&mut order);
        let mut mode: Vec<Option<ClosureMode>> = vec![None; c.accepted];
        for (rank, &i) in order.iter().enumerate() {
            mode[i] = if rank < c.actual_closed {
                Some(if rng.below(4) == 0 {
                    ClosureMode::SettlementPerformed
                } else {
                    ClosureMode::ExecutedInFull
                })
            } else if rank < c.closed {
                Some(match rng.below(20) {
                    0..=13 => ClosureMode::TerminatedThisRound,
                    14..=15 => ClosureMode::Terminated,
                    16 => ClosureMode::Rejected,
                    _ => ClosureMode::Withdrawn,
                })
            } else {
                None
            };
        }
        let actual: Vec<usize> = (0..c.accepted)
            .filter(|&i| {
                matches!(
                    mode[i],
                    Some(ClosureMode::ExecutedInFull | ClosureMode::SettlementPerformed)
                )
            })
            .collect();
        let weights: Vec<f64> = actual.iter().map(|_| rng.weight()).collect();
        let recovered = distribute(c.recovered_yuan, &weights, 500);
        let mut recovered_of = vec![0i64; c.accepted];
        for (k, &i) in actual.iter().enumerate() {
            recovered_of[i] = recovered[k];
        }
        // Extra subject amount above what was recovered.
        let mut extra = vec![0i64; c.accepted];
        let takes_extra = |i: usize| mode[i] != Some(ClosureMode::ExecutedInFull);
        match (c.subject_total_yuan, c.closed_subject_yuan) {
            (Some(total), _) => {
                let idx: Vec<usize> = (0..c.accepted).filter(|&i| takes_extra(i)).collect();
                let w: Vec<f64> = idx.iter().map(|_| rng.weight()).collect();
                for (k, part) in distribute(total - c.recovered_yuan, &w, 300)
                    .into_iter()
                    .enumerate()
                {
                    extra[idx[k]] = part;
                }
            }
            (None, Some(closed_total)) => {
                let idx: Vec<usize> = (0..c.accepted)
                    .filter(|&i| mode[i].is_some() && takes_extra(i))
                    .collect();
                let w: Vec<f64> = idx.iter().map(|_| rng.weight()).collect();
                for (k, part) in distribute(closed_total - c.recovered_yuan, &w, 100)
                    .into_iter()
                    .enumerate()
                {
                    extra[idx[k]] = part;
                }
                for i in (0..c.accepted).filter(|&i| mode[i].is_none()) {
                    extra[i] = (rng.weight() * 900.0) as i64 + 2_000;
                }
            }
            (None, None) => {
                for i in (0..c.accepted).filter(|&i| takes_extra(i)) {
                    extra[i] = (rng.weight() * rng.weight() * 800.0) as i64 + 3_000;
                }
            }
        }
        for (i, (filed_on, court_idx)) in filed.into_iter().enumerate() {
            let court = &courts[court_idx];
            let year = chrono::Datelike::year(&filed_on);
            let n = seq.entry((court_idx, year)).or_insert(0);
            *n += 1;
            let closed_on = mode[i].map(|_| {
                let later = filed_on + Days::new(5 + rng.below(400));
                later.min(c.close_by).max(filed_on)
            });
            let subject_yuan = recovered_of[i] + extra[i];
            cases.push(case::Model {
                uuid: String::new(),
                id: ids.case + cases.len() as i64,
                case_number: format!("({year}){}执{}号", court.abbreviation, n),
                court_id: court.id,
                region_code: court.region_code.clone(),
                filed_on,
                statutory_due_on: filed_on
                    .checked_add_months(chrono::Months::new(6))
                    .unwrap_or(filed_on),
                category: CaseCategory::Other,
                subject_amount_fen: subject_yuan * 100,
                judge_team: Some(format!(
                    "执行{}团队",
                    ["一", "二", "三", "四"][rng.below(4) as usize]
                )),
                status: if mode[i].is_some() {
                    CaseStatus::Closed
                } else {
                    CaseStatus::Pending
                },
                closure_mode: mode[i],
                closed_on,
                recovered_amount_fen: recovered_of[i] * 100,
                version: 1,
                created_at: created,
                updated_at: created,
                synthetic: true,
            });
            report_of.push(c.report);
            close_by_of.push(c.close_by);
            court_of.push(court_idx);
        }
    }

    // Report 1: 5136 closed cases of the three priority categories; 202 transferred to
    // bankruptcy by the courts the report names (中院, 上饶县/广信区, 广丰, 铅山, 弋阳).
    let mut closed_r1: Vec<usize> = (0..cases.len())
        .filter(|&i| report_of[i] == 1 && cases[i].status == CaseStatus::Closed)
        .collect();
    rng.shuffle(&mut closed_r1);
    let priority = [
        CaseCategory::Livelihood,
        CaseCategory::Financial,
        CaseCategory::Government,
    ];
    for (k, &i) in closed_r1.iter().enumerate() {
        if k < 5136 {
            cases[i].category = priority[k % 3];
        }
    }
    let all = [
        CaseCategory::Livelihood,
        CaseCategory::Financial,
        CaseCategory::Government,
        CaseCategory::Other,
        CaseCategory::Other,
    ];
    for i in 0..cases.len() {
        // Report 1's closed cases keep the categories just given; the rest are drawn.
        if report_of[i] != 1 || cases[i].status == CaseStatus::Pending {
            cases[i].category = all[rng.below(5) as usize];
        }
    }
    let bankrupt_courts = [0usize, 2, 3, 5, 7];
    let mut candidates: Vec<usize> = (0..cases.len())
        .filter(|&i| {
            report_of[i] == 1
                && bankrupt_courts.contains(&court_of[i])
                && matches!(
                    cases[i].closure_mode,
                    Some(ClosureMode::Terminated | ClosureMode::TerminatedThisRound)
                )
        })
        .collect();
    rng.shuffle(&mut candidates);
    for &i in candidates.iter().take(202) {
        cases[i].closure_mode = Some(ClosureMode::TransferredToBankruptcy);
    }

    // Parties: one applicant and one respondent each, people and organisations of the
    // report's own region (`People`).
    let mut people = People::new()?;
    let mut parties: Vec<party::Model> = Vec::with_capacity(cases.len() * 2);
    let mut respondent_of: Vec<usize> = Vec::with_capacity(cases.len());
    for (i, c) in cases.iter().enumerate() {
        let applicant_org = c.category == CaseCategory::Financial || rng.below(10) < 4;
        let pid = ids.party + parties.len() as i64;
        let who = if c.category == CaseCategory::Financial {
            people.organisation(report_of[i], &c.region_code, true)
        } else if applicant_org {
            people.organisation(report_of[i], &c.region_code, false)
        } else {
            // Applicants who are people: somewhat more men than women.
            people.person(report_of[i], &c.region_code, c.filed_on, 55)
        };
        parties.push(who.party(pid, c.id, PartyRole::Applicant, created));
        let pid = ids.party + parties.len() as i64;
        let who = if rng.below(10) < 7 {
            // Debtors who are people: mostly men.
            people.person(report_of[i], &c.region_code, c.filed_on, 75)
        } else {
            people.organisation(report_of[i], &c.region_code, false)
        };
        respondent_of.push(parties.len());
        parties.push(who.party(pid, c.id, PartyRole::Respondent, created));
    }

    // Flow nodes: filing, closure, and property investigations of terminated cases.
    let mut flow_nodes: Vec<flow_node::Model> = Vec::new();
    let node = |case_id: i64, kind: FlowNodeKind, on: NaiveDate, nodes: &mut Vec<flow_node::Model>| {
        nodes.push(flow_node::Model {
            uuid: String::new(),
            id: ids.flow_node + nodes.len() as i64,
            case_id,
            kind,
            occurred_on: on,
            note: None,
            parties_notified: true,
            created_at: created,
            synthetic: true,
        });
    };
    let mut measures: Vec<measure::Model> = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        node(c.id, FlowNodeKind::Filed, c.filed_on, &mut flow_nodes);
        if let (Some(ClosureMode::TerminatedThisRound), Some(closed)) = (c.closure_mode, c.closed_on) {
            let investigated = closed
                .checked_sub_days(Days::new(rng.below(20)))
                .unwrap_or(closed)
                .max(c.filed_on);
            measures.push(new_measure(
                ids.measure + measures.len() as i64,
                c.id,
                None,
                MeasureKind::OnlineInquiry,
                investigated,
                created,
                |m| {
                    m.channel = Some("general_to_general".into());
                },
            ));
            node(
                c.id,
                FlowNodeKind::PropertyInvestigation,
                investigated,
                &mut flow_nodes,
            );
            if rng.below(10) < 4 {
                let review = (closed + Days::new(30 + rng.below(300))).min(close_by_of[i]);
                node(c.id, FlowNodeKind::PropertyInvestigation, review, &mut flow_nodes);
            }
        }
        if let Some(closed) = c.closed_on {
            node(c.id, FlowNodeKind::Closed, closed, &mut flow_nodes);
        }
    }

    // Measures against respondents, dated between filing and the report date.
    let pick_cases = |report: u8, rng: &mut Rng, n: usize| -> Vec<usize> {
        let mut idx: Vec<usize> = (0..cases.len()).filter(|&i| report_of[i] == report).collect();
        rng.shuffle(&mut idx);
        idx.truncate(n);
        idx
    };
    let taken_on = |i: usize, rng: &mut Rng| {
        let c = &cases[i];
        rng.date(c.filed_on, (c.filed_on + Days::new(200)).min(close_by_of[i]))
    };
    let push_measures = |report: u8,
                         kind: MeasureKind,
                         n: usize,
                         rng: &mut Rng,
                         measures: &mut Vec<measure::Model>|
     -> Vec<usize> {
        let chosen = pick_cases(report, rng, n);
        for &i in &chosen {
            let on = taken_on(i, rng);
            let party = parties[respondent_of[i]].id;
            let days = (kind == MeasureKind::Detention).then(|| 1 + rng.below(15) as i32);
            measures.push(new_measure(
                ids.measure + measures.len() as i64,
                cases[i].id,
                Some(party),
                kind,
                on,
                created,
                |m| {
                    m.detention_days = days;
                },
            ));
        }
        chosen
    };
    // Report 1: 2095 detentions and summonses; 4,355,500 yuan of fines; 16 convictions in 15 cases.
    push_measures(1, MeasureKind::Detention, 1500, &mut rng, &mut measures);
    push_measures(1, MeasureKind::Summons, 595, &mut rng, &mut measures);
    let fine_start = measures.len();
    push_measures(1, MeasureKind::Fine, 350, &mut rng, &mut measures);
    let w: Vec<f64> = (0..350).map(|_| rng.weight()).collect();
    for (k, yuan) in distribute(4_355_500, &w, 1_000).into_iter().enumerate() {
        measures[fine_start + k].amount_fen = Some(yuan * 100);
    }
    let start = measures.len();
    let convicted_cases = push_measures(1, MeasureKind::RefusalCrimeReferral, 15, &mut rng, &mut measures);
    for m in &mut measures[start..] {
        m.convicted = Some(true);
    }
    // Report 2: 175 detentions, 1 referral; report 4: some detentions.
    push_measures(2, MeasureKind::Detention, 175, &mut rng, &mut measures);
    push_measures(2, MeasureKind::RefusalCrimeReferral, 1, &mut rng, &mut measures);
    push_measures(4, MeasureKind::Detention, 64, &mut rng, &mut measures);
    // The sixteenth person: a second respondent of the first of those cases.
    let i = convicted_cases[0];
    let pid = ids.party + parties.len() as i64;
    let who = people.person(report_of[i], &cases[i].region_code, cases[i].filed_on, 75);
    parties.push(who.party(pid, cases[i].id, PartyRole::Respondent, created));
    let on = taken_on(i, &mut rng);
    measures.push(new_measure(
        ids.measure + measures.len() as i64,
        cases[i].id,
        Some(pid),
        MeasureKind::RefusalCrimeReferral,
        on,
        created,
        |m| {
            m.convicted = Some(true);
        },
    ));

    // Dishonest-debtor list: 26918 listings in report 1, 1262 in report 2 (101 of whose
    // debtors then performed of their own accord, 主动履行: the report does not say they were
    // removed), 800 in report 4.
    let mut dishonest: Vec<dishonest_entry::Model> = Vec::new();
    for (report, n) in [(1u8, 26_918usize), (2, 1_262), (4, 800)] {
        let mut idx: Vec<usize> = (0..cases.len()).filter(|&i| report_of[i] == report).collect();
        rng.shuffle(&mut idx);
        // Report 2's 101 performances come from actually closed cases: put 101 of those first.
        if report == 2 {
            idx.sort_by_key(|&i| {
                !matches!(
                    cases[i].closure_mode,
                    Some(ClosureMode::ExecutedInFull | ClosureMode::SettlementPerformed)
                )
            });
        }
        for (k, &i) in idx.iter().take(n).enumerate() {
            let c = &cases[i];
            let p = &parties[respondent_of[i]];
            let listed_on = (c.filed_on + Days::new(10 + rng.below(80))).min(close_by_of[i]);
            let performed = matches!(
                c.closure_mode,
                Some(ClosureMode::ExecutedInFull | ClosureMode::SettlementPerformed)
            );
            let performed_on = c
                .closed_on
                .map(|cl| cl.max(listed_on))
                .filter(|_| report == 2 && k < 101);
            let removed = report != 2 && performed && rng.below(2) == 0;
            let removed_on = c.closed_on.map(|cl| cl.max(listed_on)).filter(|_| removed);
            dishonest.push(dishonest_entry::Model {
                uuid: String::new(),
                id: ids.dishonest + dishonest.len() as i64,
                case_id: c.id,
                party_id: p.id,
                name: p.name.clone(),
                id_number: p.id_number.clone(),
                court_id: c.court_id,
                region_code: c.region_code.clone(),
                listed_on,
                reason: "有履行能力而拒不履行生效法律文书确定义务".to_owned(),
                removed_on,
                removal_reason: removed_on.map(|_| RemovalReason::Performed),
                performed_on,
                version: 1,
                created_at: created,
                updated_at: created,
                synthetic: true,
            });
        }
    }

    // Report 1: 166 supervision batches from 中院 to all 12 basic courts.
    let mut supervision: Vec<supervision_order::Model> = Vec::new();
    let mut by_court: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..cases.len() {
        if report_of[i] == 1 && court_of[i] != 0 {
            by_court.entry(court_of[i]).or_default().push(i);
        }
    }
    let (s_from, s_to) = (d(2023, 1, 15), d(2025, 6, 10));
    let span = (s_to - s_from).num_days() as u64;
    for b in 0..166u64 {
        let issued_on = s_from + Days::new(span * b / 165);
        for k in 0..(1 + b % 3) {
            let court_idx = 1 + ((b * 3 + k) % 12) as usize;
            let pool = &by_court[&court_idx];
            let mut chosen = pool[rng.below(pool.len() as u64) as usize];
            for _ in 0..200 {
                let i = pool[rng.below(pool.len() as u64) as usize];
                let c = &cases[i];
                if c.filed_on <= issued_on && c.closed_on.is_none_or(|cl| cl > issued_on) {
                    chosen = i;
                    break;
                }
            }
            let due_on = issued_on + Days::new(30);
            supervision.push(supervision_order::Model {
                uuid: String::new(),
                id: ids.supervision + supervision.len() as i64,
                case_id: cases[chosen].id,
                batch: format!("{}-{:03}", chrono::Datelike::year(&issued_on), b + 1),
                issuing_court_id: courts[0].id,
                issued_on,
                due_on,
                status: if due_on < r1_end {
                    SupervisionStatus::Resolved
                } else {
                    SupervisionStatus::Open
                },
                instructions: Some("请于期限内报告执行进展".to_owned()),
                created_at: created,
                region_code: cases[chosen].region_code.clone(),
                court_id: cases[chosen].court_id,
                synthetic: true,
            });
        }
    }

    Ok(Generated {
        cases,
        parties,
        measures,
        flow_nodes,
        dishonest,
        supervision,
    })
}

/// The people and organisations of the reports' regions. They draw from their own random
/// stream, so that the pools can change without moving any case, measure or listing.
struct People {
    rng: Rng,
    /// Report → its region's place: report 1 上饶市 (361100), report 2 its unnamed district
    /// (L0201), report 4 its unnamed county-level city (L04), the last two by the stand-in area
    /// codes `regions.json` records for them.
    places: HashMap<u8, Place>,
    registrar: Registrar,
}

/// A party before it has its ids.
struct Who {
    kind: PartyKind,
    name: String,
    id_number: String,
    phone: String,
    address: String,
}

impl People {
    fn new() -> AppResult<Self> {
        let mut places = HashMap::new();
        for (report, region) in [(1u8, "361100"), (2, "L0201"), (4, "L04")] {
            places.insert(report, synthetic::place(region)?);
        }
        Ok(People {
            rng: Rng(0x5EED_2025_0620 ^ 0x0050_E0B1_E000),
            places,
            registrar: Registrar::default(),
        })
    }

    /// A county of the report's region: the case's own county more often than not.
    fn county(&mut self, report: u8, case_region: &str) -> String {
        let place = &self.places[&report];
        if place.home.iter().any(|h| h == case_region) && self.rng.chance(60) {
            case_region.to_owned()
        } else {
            place.home_area(&mut self.rng).to_owned()
        }
    }

    fn contact(&mut self, report: u8) -> (String, String) {
        // Mobile numbers: 11 digits, 13x to 19x.
        let phone = format!(
            "1{}{:09}",
            [3, 5, 7, 8, 9][self.rng.below(5) as usize],
            self.rng.below(1_000_000_000)
        );
        let address = self.places[&report].address(&mut self.rng);
        (phone, address)
    }

    /// A person, `male_percent` in a hundred a man, an adult of 20 to 75 when the case was filed.
    fn person(&mut self, report: u8, case_region: &str, filed_on: NaiveDate, male_percent: u64) -> Who {
        let sex = if self.rng.chance(male_percent) {
            Sex::Male
        } else {
            Sex::Female
        };
        let name = synthetic::person_name(&mut self.rng, Some(sex));
        let born = synthetic::birth_date(&mut self.rng, filed_on, 20, 75);
        // About one in eight born elsewhere in the province.
        let elsewhere = &self.places[&report].elsewhere;
        let area = if !elsewhere.is_empty() && self.rng.chance(12) {
            (*self.rng.pick(elsewhere)).to_owned()
        } else {
            self.county(report, case_region)
        };
        let id_number = synthetic::identity_number(&mut self.rng, &area, born, sex);
        let (phone, address) = self.contact(report);
        Who {
            kind: PartyKind::Person,
            name,
            id_number,
            phone,
            address,
        }
    }

    /// A company, or a bank's branch, registered in a county of the report's region.
    fn organisation(&mut self, report: u8, case_region: &str, bank: bool) -> Who {
        let name = if bank {
            self.places[&report].bank_branch(&mut self.rng)
        } else {
            self.places[&report].company_name(&mut self.rng)
        };
        let division = self.county(report, case_region);
        let region = format!("report {report}");
        let id_number = self.registrar.credit_code(&mut self.rng, &region, &name, &division);
        let (phone, address) = self.contact(report);
        Who {
            kind: PartyKind::Organisation,
            name,
            id_number,
            phone,
            address,
        }
    }
}

impl Who {
    fn party(self, id: i64, case_id: i64, role: PartyRole, created: chrono::DateTime<Utc>) -> party::Model {
        party::Model {
            uuid: String::new(),
            id,
            case_id,
            role,
            kind: self.kind,
            name: self.name,
            id_number: Some(self.id_number),
            phone: Some(self.phone),
            address: Some(self.address),
            created_at: created,
            synthetic: true,
        }
    }
}

fn new_measure(
    id: i64,
    case_id: i64,
    party_id: Option<i64>,
    kind: MeasureKind,
    taken_on: NaiveDate,
    created: chrono::DateTime<Utc>,
    fill: impl FnOnce(&mut measure::Model),
) -> measure::Model {
    let mut m = measure::Model {
        uuid: String::new(),
        id,
        case_id,
        party_id,
        kind,
        taken_on,
        channel: None,
        detention_days: None,
        amount_fen: None,
        convicted: None,
        note: None,
        created_at: created,
        synthetic: true,
    };
    fill(&mut m);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribute_is_exact() {
        let w = [1.0, 2.0, 3.5, 400.0];
        let parts = distribute(1_000_003, &w, 10);
        assert_eq!(parts.iter().sum::<i64>(), 1_000_003);
        assert!(parts.iter().all(|p| *p >= 10));
    }
}

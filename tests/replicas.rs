//! Read replicas (`DATABASE_REPLICA_URL`): queries read from the replica, mutations and the
//! reads of a caller whose writes the replica has not replayed yet run on the primary.
//!
//! These need a streaming replica of the `TEST_DATABASE_URL` server: `TEST_REPLICA_URL` is a
//! URL of the replica server (`postgres://postgres@127.0.0.1:PORT/postgres`, a role that may
//! pause replay). Each test's database, created on the primary, reaches the replica by
//! replication; the app reads from the replica server's database of the same name. Without
//! `TEST_REPLICA_URL` they say so and pass. Pausing replay (to show which server answered)
//! holds back the whole replica, so these tests run one at a time and always resume it.

use crate::helpers::{Seed, TestApp, claims, court, sign_hs, spawn_app_configured};
use api::config::{Settings, TEST_JWT_SECRET};
use api::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::time::Duration;

/// Replay is paused for the whole replica server: one test at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const TITLE: &str = "{ surveyReport(reportNo: 1) { title } }";
const CHANGED: &str = "changed on the primary only";
const FILE: &str = r#"mutation($i: FileEnforcementCaseInput!) { fileEnforcementCase(input: $i) { id } }"#;
const BY_NUMBER: &str = r#"query($n: String!) { enforcementCaseByNumber(caseNumber: $n) { caseNumber } }"#;

/// The primary and replica servers, as their administrator.
struct Replication {
    primary: DatabaseConnection,
    replica: DatabaseConnection,
    replica_url: String,
}

impl Replication {
    /// The servers, or None (and a note) when the tests have no replica.
    async fn from_env(test: &str) -> Option<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let (Some(primary), Some(replica_url)) = (var("TEST_DATABASE_URL"), var("TEST_REPLICA_URL")) else {
            eprintln!(
                "replicas::{test} skipped: it needs TEST_DATABASE_URL and TEST_REPLICA_URL (a streaming replica)"
            );
            return None;
        };
        Some(Replication {
            primary: Database::connect(&primary)
                .await
                .expect("connect to TEST_DATABASE_URL"),
            replica: Database::connect(&replica_url)
                .await
                .expect("connect to TEST_REPLICA_URL"),
            replica_url,
        })
    }

    /// The replica server's URL with the test database's name.
    fn replica_of(&self, database_url: &str) -> String {
        let name = database_url
            .split('?')
            .next()
            .and_then(|u| u.rsplit_once('/'))
            .map(|(_, name)| name)
            .expect("a database name");
        let (server, query) = match self.replica_url.split_once('?') {
            Some((server, query)) => (server, format!("?{query}")),
            None => (self.replica_url.as_str(), String::new()),
        };
        let (prefix, _) = server
            .rsplit_once('/')
            .expect("TEST_REPLICA_URL with a database name");
        format!("{prefix}/{name}{query}")
    }

    /// An app on a fresh database that reads from its replica, which has replayed the seed.
    async fn spawn(&self) -> TestApp {
        let app = spawn_app_configured(Seed::Reference, |s| {
            s.database_replica_url = Some(self.replica_of(&s.database_url));
        })
        .await;
        self.caught_up().await;
        app
    }

    async fn text(db: &DatabaseConnection, sql: &str) -> Option<String> {
        db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect(sql)
            .and_then(|row| row.try_get_by_index::<Option<String>>(0).expect("a text"))
    }

    /// Waits until the replica has replayed everything the primary holds now.
    async fn caught_up(&self) {
        let lsn = Self::text(&self.primary, "SELECT pg_current_wal_lsn()::text")
            .await
            .expect("the primary's position");
        let sql = format!("SELECT (pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn)::text");
        // Generous: the rest of the suite writes to the same server meanwhile.
        for _ in 0..6000 {
            if Self::text(&self.replica, &sql).await.as_deref() == Some("true") {
                // Longer than the app trusts a replay position it has read.
                tokio::time::sleep(api::replica::RECHECK * 4).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the replica did not replay {lsn} within two minutes");
    }

    /// Pauses replay (resumed by `resume`, and by the guard whatever happens).
    async fn pause(&self) -> Resume {
        let resume = Resume(self.replica_url.clone());
        self.replica
            .execute_unprepared("SELECT pg_wal_replay_pause()")
            .await
            .expect("pause replay");
        resume
    }
}

/// Resumes replay on the replica when dropped, also when the test fails.
struct Resume(String);

impl Resume {
    async fn resume(self, replication: &Replication) {
        replication
            .replica
            .execute_unprepared("SELECT pg_wal_replay_resume()")
            .await
            .expect("resume replay");
        replication.caught_up().await;
    }
}

impl Drop for Resume {
    fn drop(&mut self) {
        let url = self.0.clone();
        // Drop runs inside the test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(replica) = Database::connect(&url).await {
                        let _ = replica.execute_unprepared("SELECT pg_wal_replay_resume()").await;
                    }
                });
            }
        })
        .join();
    }
}

/// A court officer of 弋阳县 with this subject.
fn officer(subject: &str) -> String {
    let mut c = claims("court_officer", &["court_officer"], Some("361126"));
    c["sub"] = json!(subject);
    sign_hs(&c, TEST_JWT_SECRET.as_bytes(), Some("local"))
}

/// `data` of a request by `token` (None: anonymous) that must succeed.
async fn data(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    let (status, body) = app.send(token, &[], query, variables).await;
    assert_eq!(status, 200, "{body:#}");
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"].clone()
}

async fn title(app: &TestApp, token: Option<&str>) -> String {
    data(app, token, TITLE, json!({})).await["surveyReport"]["title"]
        .as_str()
        .expect("a title")
        .to_owned()
}

/// Requests the app ran on each pool so far: (primary, replica).
async fn served(app: &TestApp) -> (u64, u64) {
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth(crate::helpers::token("admin", &["admin"], None))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    let count = |pool: &str| {
        let name = format!("graphql_requests_by_pool_total{{pool=\"{pool}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(name.as_str()))
            .map_or(0, |v| v.trim().parse().expect("a count"))
    };
    (count("primary"), count("replica"))
}

/// Changes report 1's title and every indicator's English name directly on the primary.
async fn change_on_the_primary(app: &TestApp) {
    app.sql(&format!(
        "UPDATE survey_reports SET title = '{CHANGED}' WHERE report_no = 1;
         UPDATE rural_indicators SET name_en = '{CHANGED}'"
    ))
    .await;
}

/// The indicator catalogue exported as CSV.
async fn exported(app: &TestApp, token: &str) -> String {
    let (status, _, body) = app.export("indicators.csv", &[], Some(token)).await;
    assert_eq!(status, 200);
    body.expect("the whole file")
}

async fn file(app: &TestApp, token: &str, court: &str, number: &str) {
    let input = json!({"i": {"caseNumber": number, "courtId": court, "filedOn": "2025-03-01",
        "category": "LIVELIHOOD", "subjectAmount": "1000.00"}});
    data(app, Some(token), FILE, input).await;
}

async fn case_seen(app: &TestApp, token: &str, number: &str) -> bool {
    !data(app, Some(token), BY_NUMBER, json!({"n": number})).await["enforcementCaseByNumber"].is_null()
}

#[tokio::test]
async fn queries_are_served_by_the_replica() {
    let Some(replication) = Replication::from_env("queries_are_served_by_the_replica").await else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let app = replication.spawn().await;
    let original = title(&app, None).await;
    let paused = replication.pause().await;
    change_on_the_primary(&app).await;

    // The primary has the change; with replay paused, only the replica can answer without it:
    // anonymously over POST and GET, and for a signed-in caller who has written nothing.
    assert_eq!(title(&app, None).await, original);
    let get: Value = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", TITLE)])
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(get["data"]["surveyReport"]["title"], original, "{get:#}");
    let admin = crate::helpers::token("admin", &["admin"], None);
    assert_eq!(title(&app, Some(&admin)).await, original);
    assert_eq!(served(&app).await, (0, 4), "every read ran on the replica");

    // A query that writes (the audited dishonest-debtor check) writes its audit on the primary.
    let check = r#"{ isDishonestDebtor(name: "张三", idNumber: "361126199001011234") }"#;
    assert_eq!(
        data(&app, None, check, json!({})).await["isDishonestDebtor"],
        false
    );
    let audited = Replication::text(
        &app.db,
        "SELECT count(*)::text FROM audit_log WHERE operation = 'isDishonestDebtor'",
    )
    .await;
    assert_eq!(audited.as_deref(), Some("1"));

    // Exports read from the replica too.
    let file = exported(&app, &admin).await;
    assert!(file.lines().count() > 2 && !file.contains(CHANGED), "{file}");
    assert_eq!(
        served(&app).await,
        (0, 6),
        "the check and the export on the replica"
    );

    paused.resume(&replication).await;
    assert_eq!(
        title(&app, None).await,
        CHANGED,
        "the replica replayed the change"
    );
    assert!(exported(&app, &admin).await.contains(CHANGED));
}

#[tokio::test]
async fn a_caller_reads_its_own_writes_while_the_replica_lags() {
    let Some(replication) =
        Replication::from_env("a_caller_reads_its_own_writes_while_the_replica_lags").await
    else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let app = replication.spawn().await;
    let court = court(&app, "361126").await;
    let (writer, reader) = (officer("replica-writer"), officer("replica-reader"));
    let number = "(2025)赣1126执901号";
    let paused = replication.pause().await;
    let before = served(&app).await;

    // The writer sees its case at once (from the primary); another caller, reading from the
    // lagging replica, does not yet.
    file(&app, &writer, &court, number).await;
    assert!(
        case_seen(&app, &writer, number).await,
        "the writer reads its write"
    );
    assert!(
        !case_seen(&app, &reader, number).await,
        "the replica has not replayed it"
    );
    let after = served(&app).await;
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (2, 1),
        "the write and the writer's read on the primary, the other read on the replica"
    );

    // A request that writes runs on the primary whole: the read beside the other caller's
    // first write in a batch sees the case the replica lacks.
    let second = "(2025)赣1126执902号";
    let before = served(&app).await;
    let batch: Value = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&reader)
        .json(&json!([
            {"query": FILE, "variables": {"i": {"caseNumber": second, "courtId": court,
                "filedOn": "2025-03-02", "category": "LIVELIHOOD", "subjectAmount": "1.00"}}},
            {"query": BY_NUMBER, "variables": {"n": number}},
        ]))
        .send()
        .await
        .expect("batch")
        .json()
        .await
        .expect("JSON");
    assert!(batch[0]["errors"].is_null(), "{batch:#}");
    assert_eq!(
        batch[1]["data"]["enforcementCaseByNumber"]["caseNumber"], number,
        "{batch:#}"
    );
    let after = served(&app).await;
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 0));
    // Having written, that caller now reads from the primary too, and sees its own case.
    assert!(case_seen(&app, &reader, second).await);

    // Once the replica has replayed the writes, the writer reads from it again.
    paused.resume(&replication).await;
    let before = served(&app).await;
    assert!(case_seen(&app, &writer, number).await);
    assert!(case_seen(&app, &reader, second).await);
    let after = served(&app).await;
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (0, 2),
        "both read from the replica again"
    );
    // And by the data: a change the replica has not replayed is not what the writer reads.
    let paused = replication.pause().await;
    change_on_the_primary(&app).await;
    assert_ne!(title(&app, Some(&writer)).await, CHANGED);
    paused.resume(&replication).await;
    assert_eq!(title(&app, Some(&writer)).await, CHANGED);
}

#[tokio::test]
async fn a_replica_beside_sqlite_is_refused_at_start() {
    let mut settings = Settings::for_tests("sqlite::memory:");
    settings.database_replica_url = Some("postgres://postgres@127.0.0.1:1/replica".to_owned());
    let refused = Application::build(settings).await.err().expect("refused");
    assert!(
        format!("{refused:#}").contains("SQLite has no replicas"),
        "{refused:#}"
    );
    let mut settings = Settings::for_tests("postgres://postgres@127.0.0.1:1/primary");
    settings.database_replica_url = Some("sqlite://./replica.db".to_owned());
    assert!(settings.check_replica().is_err(), "a replica is PostgreSQL");
    settings.database_replica_url = None;
    assert!(settings.check_replica().is_ok());
}

//! Several server processes on one database: what one process writes, the other's caches do
//! not hide, and the limits (failed logins, the cost budget, idempotency keys) hold across
//! them. The test's own app is one process; the real binary started on its database is the
//! other.

use serde_json::{Value, json};
use std::time::Duration;

use crate::helpers::{Seed, ServerProcess, TestApp, court, spawn_app_configured, token};

/// Sends a GraphQL request to the other process.
async fn send(server: &ServerProcess, bearer: Option<&str>, query: &str, variables: Value) -> Value {
    let mut req = reqwest::Client::new()
        .post(format!("{}/graphql", server.base))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    req.send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json body")
}

const KPIS: &str = r#"{ enforcementKpis(filter: {regionCode: "361126", filedFrom: "2024-01-01", filedTo: "2024-12-31"}) { accepted } }"#;
const COUNT: &str = r#"{ enforcementCases(first: 1, filter: {regionCode: "361126"}) { totalCount } }"#;
const FILE: &str = r#"mutation($i: FileEnforcementCaseInput!, $k: String) { fileEnforcementCase(input: $i, idempotencyKey: $k) { id } }"#;
const COURT: &str = r#"query($id: ID!) { enforcementCase(id: $id) { court { name } } }"#;

#[tokio::test]
async fn caches_in_one_process_never_hide_another_processs_writes() {
    let app = spawn_app_configured(Seed::Full, |s| s.cache_poll_ms = 100).await;
    let other = ServerProcess::start(app.database_url(), &[("CACHE_POLL_MS", "100")]).await;
    let admin = token("admin", &["admin"], None);
    let accepted = |v: &Value| v["data"]["enforcementKpis"]["accepted"].as_i64().expect("kpis");

    // The other process computes the KPIs and a list's count, and keeps them.
    let count = |v: &Value| {
        v["data"]["enforcementCases"]["totalCount"]
            .as_i64()
            .expect("count")
    };
    let before = accepted(&send(&other, Some(&admin), KPIS, json!({})).await);
    assert_eq!(
        accepted(&send(&other, Some(&admin), KPIS, json!({})).await),
        before
    );
    let listed = count(&send(&other, Some(&admin), COUNT, json!({})).await);
    assert_eq!(count(&send(&other, Some(&admin), COUNT, json!({})).await), listed);
    // This process files a case: the other's next answer counts it, without waiting.
    let yy = court(&app, "361126").await;
    let case = json!({"caseNumber": "(2024)赣1126执999999号", "courtId": yy, "filedOn": "2024-03-01",
        "category": "OTHER", "subjectAmount": "5000.00"});
    let d = app.data(FILE, json!({"i": case, "k": "same-key-1"})).await;
    let id = d["fileEnforcementCase"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        accepted(&send(&other, Some(&admin), KPIS, json!({})).await),
        before + 1
    );
    assert_eq!(
        count(&send(&other, Some(&admin), COUNT, json!({})).await),
        listed + 1
    );
    // The idempotency key is shared too: the retry on the other process gets the same case.
    let replay = send(&other, Some(&admin), FILE, json!({"i": case, "k": "same-key-1"})).await;
    assert_eq!(
        replay["data"]["fileEnforcementCase"]["id"],
        id.as_str(),
        "{replay}"
    );

    // Courts are reference data, kept in memory; a seed in a third process renames one (here
    // by hand, moving the data version as a seed does): both processes let go of the old name.
    let d = send(&other, Some(&admin), COURT, json!({"id": id})).await;
    assert_eq!(
        d["data"]["enforcementCase"]["court"]["name"], "弋阳县人民法院",
        "{d}"
    );
    app.sql("UPDATE courts SET name = '弋阳县人民法院（新）' WHERE name = '弋阳县人民法院'")
        .await;
    app.sql("UPDATE change_counter SET seq = seq + 1 WHERE id = 1")
        .await;
    let mut seen = (String::new(), String::new());
    for _ in 0..100 {
        let there = send(&other, Some(&admin), COURT, json!({"id": id})).await;
        let here = app.data(COURT, json!({"id": id})).await;
        seen = (
            there["data"]["enforcementCase"]["court"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            here["enforcementCase"]["court"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
        if seen.0 == "弋阳县人民法院（新）" && seen.1 == seen.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen.0, "弋阳县人民法院（新）");
    assert_eq!(seen.1, "弋阳县人民法院（新）");
}

const LOGIN: &str =
    r#"mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"#;
const PAGE: &str =
    r#"{ enforcementCases(first: 100) { nodes { caseNumber filedOn status subjectAmount } } }"#;

fn code(body: &Value) -> String {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn failed_logins_and_the_cost_budget_are_counted_across_processes() {
    let configure = |s: &mut api::config::Settings| {
        s.limit_sync_ms = 100;
        s.rate_limit_cost_per_minute = 3000;
        s.rate_limit_free_complexity = 1;
    };
    let app: TestApp = spawn_app_configured(Seed::Full, configure).await;
    api::auth::service::create_admin(&app.db, "root", "correct horse battery")
        .await
        .unwrap();
    let other = ServerProcess::start(
        app.database_url(),
        &[
            ("LIMIT_SYNC_MS", "100"),
            ("RATE_LIMIT_COST_PER_MINUTE", "3000"),
            ("RATE_LIMIT_FREE_COMPLEXITY", "1"),
        ],
    )
    .await;
    let wrong = json!({"u": "root", "p": "wrong password!"});

    // Five failures allowed per user: three here, two there.
    app.act_anonymously();
    for _ in 0..3 {
        assert_eq!(app.error_code(LOGIN, wrong.clone()).await, "UNAUTHENTICATED");
    }
    for _ in 0..2 {
        assert_eq!(
            code(&send(&other, None, LOGIN, wrong.clone()).await),
            "UNAUTHENTICATED"
        );
    }
    // Within a sync or two, both processes know of all five (the failures' window is long,
    // and both processes hold its keys already).
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let right = json!({"u": "root", "p": "correct horse battery"});
    assert_eq!(
        code(&send(&other, None, LOGIN, right.clone()).await),
        "RATE_LIMITED"
    );
    assert_eq!(app.error_code(LOGIN, right).await, "RATE_LIMITED");

    // The cost budget: an analyst spends it here, and is refused there.
    let analyst = token("analyst", &["analyst"], None);
    app.act_with(&analyst);
    let mut served = 0;
    loop {
        let body = app.gql(PAGE, json!({})).await;
        match code(&body).as_str() {
            "" => served += 1,
            "RATE_LIMITED" => break,
            other => panic!("{other}: {body}"),
        }
        assert!(served < 100, "the budget never ran out");
    }
    assert!(served >= 1);
    // The other process learns the totals of the keys it holds at each sync. A key it has
    // not held in this minute's window (the minute may have turned since the logins above)
    // is admitted until its next sync: the bound the limiter states, one sync interval
    // beyond. So one probe may be served there; the next, a sync later, is refused. The other
    // process alone has then spent at most two pages of a budget that holds `served` + 1.
    assert!(served >= 3, "the budget holds several pages: {served}");
    let mut probes = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(600)).await;
        probes += 1;
        let body = send(&other, Some(&analyst), PAGE, json!({})).await;
        match code(&body).as_str() {
            "RATE_LIMITED" => break,
            "" if probes < 2 => continue,
            _ => panic!("still served after {probes} probes: {body}"),
        }
    }
}

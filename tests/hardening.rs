//! Hardening: the HTTP protocol, request limits, production mode, timeouts, rate limits,
//! versions and idempotency, and a property test of the request path.

use crate::helpers::{Seed, TestApp, WEBHOOK_KEY, spawn_app, spawn_app_configured, token};
use serde_json::{Value, json};

async fn court(app: &TestApp, region: &str) -> String {
    let d = app
        .data(
            r#"query($r: String) { courts(filter: {regionCode: $r}) { nodes { id } } }"#,
            json!({"r": region}),
        )
        .await;
    d["courts"]["nodes"][0]["id"].as_str().unwrap().to_owned()
}

const FILE: &str = r#"mutation($i: FileEnforcementCaseInput!, $k: String) { fileEnforcementCase(input: $i, idempotencyKey: $k) { id version } }"#;

fn case_input(number: &str, court: &str) -> Value {
    json!({"caseNumber": number, "courtId": court, "filedOn": "2024-03-01", "category": "OTHER", "subjectAmount": "100.00"})
}

#[tokio::test]
async fn graphql_over_http() {
    let app = spawn_app().await;
    let admin = token("admin", &["admin"], None);
    let url = format!("{}/graphql", app.base);
    // GET runs queries.
    let r = app
        .client
        .get(&url)
        .query(&[("query", "{ me { role } }")])
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["data"]["me"]["role"], "ADMIN");
    // A mutation over GET is 405, and runs nothing.
    let r = app
        .client
        .get(&url)
        .query(&[("query", r#"mutation { logout(refreshToken: "x") }"#)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    // Other methods are 405 too.
    let r = app.client.put(&url).body("{}").send().await.unwrap();
    assert_eq!(r.status(), 405);
    // POST: JSON only.
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("query=%7Bme%7Brole%7D%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["extensions"]["code"],
        "BAD_REQUEST"
    );
    // The GraphQL response media type: 400 for a request error, 200 for a good request.
    let accept = "application/graphql-response+json, application/json;q=0.9";
    let r = app
        .client
        .post(&url)
        .header("accept", accept)
        .json(&json!({"query": "{ nope }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let r = app
        .client
        .post(&url)
        .header("accept", accept)
        .json(&json!({"query": "{ me { role } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    // Legacy application/json keeps 200 for request errors.
    let r = app
        .client
        .post(&url)
        .json(&json!({"query": "{ nope }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    // A batch answers with an array.
    let r = app
        .client
        .post(&url)
        .bearer_auth(&admin)
        .json(&json!([{"query": "{ me { role } }"}, {"query": "{ regions { totalCount } }"}]))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body.as_array().map(Vec::len), Some(2));
    // The body limit.
    let big = "x".repeat(300 * 1024);
    let r = app
        .client
        .post(&url)
        .json(&json!({"query": big}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn limits_are_enforced_before_any_sql() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.limits.max_aliases = 3;
        s.limits.max_root_fields = 4;
        s.limits.max_directives = 2;
        s.limits.max_query_length = 2_000;
        s.limits.max_batch = 2;
        s.limits.max_depth = 6;
        s.max_complexity = 500;
    })
    .await;
    let too_much = [
        ("aliases", "{ a: regions { totalCount } b: regions { totalCount } c: regions { totalCount } d: regions { totalCount } }".to_owned()),
        ("root fields", "{ me { role } regions { totalCount } courts { totalCount } enforcementKpis { accepted } reportedFigures { metric } }".to_owned()),
        ("directives", "{ me @include(if: true) { role @include(if: true) subject @skip(if: false) } }".to_owned()),
        ("length", format!("{{ me {{ role }} }} # {}", "x".repeat(2_100))),
        ("depth", r#"{ region(code: "361126") { parent { parent { parent { parent { parent { parent { code } } } } } } } }"#.to_owned()),
        ("complexity", "{ enforcementCases(first: 100) { nodes { parties { name } measures { kind } flowNodes { kind } court { name } } } }".to_owned()),
    ];
    for (what, query) in too_much {
        app.reset_statements();
        let err = app.error(&query, json!({})).await;
        assert_eq!(err["extensions"]["code"], "QUERY_LIMIT_EXCEEDED", "{what}: {err}");
        assert!(
            app.statements().is_empty(),
            "{what} ran SQL: {:?}",
            app.statements()
        );
    }
    let (status, body) = app.send(None, &[], "{ me { role } }", json!({})).await;
    assert_eq!((status, &body["data"]["me"]["role"]), (200, &json!("ANONYMOUS")));
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!([{"query": "{ me { role } }"}, {"query": "{ me { role } }"}, {"query": "{ me { role } }"}]))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_LIMIT_EXCEEDED",
        "{body}"
    );
}

#[tokio::test]
async fn production_hides_introspection_suggestions_and_graphiql() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.production = true;
        s.graphiql = false;
        s.webhooks.secret_key = Some(WEBHOOK_KEY.to_owned());
    })
    .await;
    let body = app.gql("{ __schema { types { name } } }", json!({})).await;
    assert!(body["data"]["__schema"].is_null(), "introspection is off: {body}");
    let body = app.gql("{ regoins { totalCount } }", json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Development keeps both.
    let dev = spawn_app().await;
    let body = dev.gql("{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn a_request_timeout_answers_504_and_frees_the_connection() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.request_timeout_ms = 300;
        s.db_max_connections = 1;
        s.db_acquire_timeout_ms = 10_000;
    })
    .await;
    use sea_orm::{ConnectionTrait, TransactionTrait};
    // With the only connection held, the request waits for it until its own timeout.
    let held = app.db.begin().await.expect("take the only connection");
    let admin = token("admin", &["admin"], None);
    let (status, body) = app
        .send(
            Some(&admin),
            &[],
            "{ enforcementCases { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT");
    held.rollback().await.unwrap();
    // The timed-out request left nothing behind: the connection serves the next one.
    app.db
        .execute_unprepared("SELECT 1")
        .await
        .expect("the connection is free again");
    let (status, _) = app
        .send(
            Some(&admin),
            &[],
            "{ enforcementCases { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_busy_pool_answers_503_unavailable() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.db_max_connections = 1;
        s.db_acquire_timeout_ms = 200;
    })
    .await;
    use sea_orm::TransactionTrait;
    let held = app.db.begin().await.expect("take the only connection");
    let (status, body) = app
        .send(
            Some(&token("admin", &["admin"], None)),
            &[],
            "{ enforcementCases { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
    held.rollback().await.unwrap();
    let (status, _) = app
        .send(
            Some(&token("admin", &["admin"], None)),
            &[],
            "{ enforcementCases { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn statement_timeout_on_postgres() {
    if !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("statement_timeout is PostgreSQL's; SQLite relies on the request timeout");
        return;
    }
    let app = spawn_app_configured(Seed::Full, |s| s.statement_timeout_ms = 1).await;
    let q = r#"{ enforcementKpis(filter: {regionCode: "361100"}) { accepted actualClosed } }"#;
    let (status, body) = app
        .send(Some(&token("admin", &["admin"], None)), &[], q, json!({}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body}");
    assert_eq!(status, 504);
}

#[tokio::test]
async fn expensive_queries_are_rate_limited_with_retry_after() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.rate_limit_cost_per_minute = 1_000;
        s.rate_limit_free_complexity = 50;
    })
    .await;
    let expensive = "{ regions(first: 100) { nodes { code name } } }";
    let mut limited = None;
    for _ in 0..20 {
        let r = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({"query": expensive}))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status(), 200);
    }
    let r = limited.expect("the budget runs out");
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    // Cheap queries are not charged.
    let (status, _) = app.send(None, &[], "{ me { role } }", json!({})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn repeated_failed_logins_are_429() {
    let app = spawn_app().await;
    api::auth::service::create_admin(&app.db, "root", "correct horse battery")
        .await
        .unwrap();
    let q = r#"mutation { login(username: "root", password: "wrong guess!!") { accessToken } }"#;
    let mut last = 0;
    for _ in 0..6 {
        let r = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({"query": q}))
            .send()
            .await
            .unwrap();
        last = r.status().as_u16();
        if last == 429 {
            assert!(r.headers().contains_key("retry-after"));
            break;
        }
    }
    assert_eq!(last, 429);
}

#[tokio::test]
async fn stale_versions_conflict_and_concurrent_updates_have_one_winner() {
    let app = spawn_app().await;
    let c = court(&app, "361126").await;
    let id = app
        .data(FILE, json!({"i": case_input("(2024)赣1126执1号", &c), "k": null}))
        .await["fileEnforcementCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    const CLOSE: &str = r#"mutation($id: ID!, $v: Int!) { closeEnforcementCase(id: $id, mode: TERMINATED_THIS_ROUND, closedOn: "2024-05-01", recoveredAmount: "0", expectedVersion: $v) { version } }"#;
    assert_eq!(app.error_code(CLOSE, json!({"id": id, "v": 7})).await, "CONFLICT");
    let mut tasks = Vec::new();
    let admin = token("admin", &["admin"], None);
    for _ in 0..5 {
        let (client, url, admin, id) = (
            app.client.clone(),
            format!("{}/graphql", app.base),
            admin.clone(),
            id.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(admin)
                .json(&json!({"query": CLOSE, "variables": {"id": id, "v": 1}}))
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        let body = t.await.unwrap();
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => wins += 1,
            Some(code) => assert_eq!(code, "CONFLICT", "{body}"),
        }
    }
    assert_eq!(wins, 1);
    let d = app
        .data(
            r#"query($id: ID!) { enforcementCase(id: $id) { version flowNodes { kind } } }"#,
            json!({"id": id}),
        )
        .await;
    assert_eq!(d["enforcementCase"]["version"], 2);
    assert_eq!(
        d["enforcementCase"]["flowNodes"],
        json!([{"kind": "FILED"}, {"kind": "CLOSED"}])
    );
}

#[tokio::test]
async fn idempotency_keys_make_retries_safe() {
    let app = spawn_app().await;
    let c = court(&app, "361126").await;
    let first = app
        .data(
            FILE,
            json!({"i": case_input("(2024)赣1126执5号", &c), "k": "req-abc"}),
        )
        .await;
    let again = app
        .data(
            FILE,
            json!({"i": case_input("(2024)赣1126执5号", &c), "k": "req-abc"}),
        )
        .await;
    assert_eq!(first, again, "a retry returns the first result");
    let err = app
        .error(
            FILE,
            json!({"i": case_input("(2024)赣1126执6号", &c), "k": "req-abc"}),
        )
        .await;
    assert_eq!(
        (
            err["extensions"]["code"].as_str(),
            err["extensions"]["field"].as_str()
        ),
        (Some("BAD_USER_INPUT"), Some("idempotencyKey"))
    );
    // Concurrent retries create one case.
    let admin = token("admin", &["admin"], None);
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let (client, url, admin, c) = (
            app.client.clone(),
            format!("{}/graphql", app.base),
            admin.clone(),
            c.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let vars = json!({"i": case_input("(2024)赣1126执7号", &c), "k": "req-def"});
            let r = client
                .post(url)
                .bearer_auth(admin)
                .json(&json!({"query": FILE, "variables": vars}))
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let body = t.await.unwrap();
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => {
                ids.insert(
                    body["data"]["fileEnforcementCase"]["id"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                );
            }
            Some(code) => assert_eq!(code, "CONFLICT", "{body}"),
        }
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    let d = app.data("{ enforcementCases { totalCount } }", json!({})).await;
    assert_eq!(d["enforcementCases"]["totalCount"], 2);
    // Keys are per caller: another caller's key of the same name is their own.
    app.act_as("court_officer", Some("361126"));
    let other = app
        .data(
            FILE,
            json!({"i": case_input("(2024)赣1126执8号", &c), "k": "req-abc"}),
        )
        .await;
    assert_ne!(other, first);
}

#[tokio::test]
async fn a_debtor_is_listed_once_even_when_listings_race() {
    let app = spawn_app().await;
    let c = court(&app, "361126").await;
    let case = app
        .data(FILE, json!({"i": case_input("(2024)赣1126执9号", &c), "k": null}))
        .await["fileEnforcementCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let party = app
        .data(
            r#"mutation($c: ID!) { addParty(input: {caseId: $c, role: RESPONDENT, kind: ORGANISATION, name: "某公司"}) { id } }"#,
            json!({"c": case}),
        )
        .await["addParty"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = token("admin", &["admin"], None);
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (client, url, admin, case, party) = (
            app.client.clone(),
            format!("{}/graphql", app.base),
            admin.clone(),
            case.clone(),
            party.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let q = r#"mutation($c: ID!, $p: ID!) { addToDishonestList(input: {caseId: $c, partyId: $p, listedOn: "2024-04-01", reason: "拒不履行"}) { id } }"#;
            let body: Value = client.post(url).bearer_auth(admin).json(&json!({"query": q, "variables": {"c": case, "p": party}})).send().await.unwrap().json().await.unwrap();
            body["errors"][0]["extensions"]["code"].as_str().map(str::to_owned)
        }));
    }
    let mut listed = 0;
    for t in tasks {
        match t.await.unwrap() {
            None => listed += 1,
            Some(code) => assert_eq!(code, "CONFLICT"),
        }
    }
    assert_eq!(listed, 1);
    let d = app
        .data(
            r#"{ dishonestDebtors(filter: {nameContains: "某公司"}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["dishonestDebtors"]["totalCount"], 1);
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    fn token_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just(":".to_owned()),
            Just("\"".to_owned()),
            Just("$x".to_owned()),
            Just("...".to_owned()),
            Just("query".to_owned()),
            Just("mutation".to_owned()),
            Just("fragment F on Query".to_owned()),
            Just("enforcementCases".to_owned()),
            Just("first: 100".to_owned()),
            Just("first: -5".to_owned()),
            Just("after: \"zz\"".to_owned()),
            Just("nodes".to_owned()),
            Just("id".to_owned()),
            Just("fileEnforcementCase(input: {})".to_owned()),
            Just("@skip(if: true)".to_owned()),
            Just("region(code: \"361100\")".to_owned()),
            Just("children".to_owned()),
            Just("__schema".to_owned()),
            Just("enforcementKpis(filter: {filedFrom: \"2024-13-45\"})".to_owned()),
            Just("isDishonestDebtor".to_owned()),
            "[a-zA-Z_]{1,12}",
            "\\PC{0,8}",
            "-?[0-9]{1,20}",
        ]
    }

    fn json_strategy() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "\\PC{0,20}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::hash_map("[a-z$]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Arbitrary query text, variables and raw bodies never panic the server and never give a 500.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn arbitrary_requests_never_500() {
        let app = spawn_app().await;
        let url = format!("{}/graphql", app.base);
        let admin = token("admin", &["admin"], None);
        let handle = tokio::runtime::Handle::current();
        let mut runner = TestRunner::new(Config {
            cases: 300,
            failure_persistence: None,
            ..Config::default()
        });
        let strategy = (
            prop::collection::vec(token_strategy(), 0..30),
            json_strategy(),
            any::<bool>(),
            prop::collection::vec(any::<u8>(), 0..64),
        );
        runner
            .run(&strategy, |(tokens, variables, as_admin, raw)| {
                let query = tokens.join(" ");
                let (client, url, admin) = (app.client.clone(), url.clone(), admin.clone());
                let statuses = tokio::task::block_in_place(|| {
                    handle.block_on(async move {
                        let mut req = client
                            .post(&url)
                            .json(&json!({"query": query, "variables": variables}));
                        if as_admin {
                            req = req.bearer_auth(&admin);
                        }
                        let a = req.send().await.map(|r| r.status().as_u16());
                        let b = client
                            .post(&url)
                            .header("content-type", "application/json")
                            .body(raw)
                            .send()
                            .await
                            .map(|r| r.status().as_u16());
                        let c = client
                            .get(&url)
                            .query(&[("query", query.as_str())])
                            .send()
                            .await
                            .map(|r| r.status().as_u16());
                        (a, b, c)
                    })
                });
                for s in [statuses.0, statuses.1, statuses.2] {
                    let s = s.map_err(|e| TestCaseError::fail(format!("no response: {e}")))?;
                    prop_assert!(s < 500 || s == 503 || s == 504, "status {}", s);
                }
                Ok(())
            })
            .unwrap();
        // Still serving.
        let (status, _) = app.send(None, &[], "{ me { role } }", json!({})).await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn a_flooding_caller_is_refused_at_once_while_another_is_admitted() {
    let app = spawn_app_configured(Seed::Full, |s| {
        s.max_in_flight = 4;
        s.max_in_flight_per_caller = 2;
    })
    .await;
    // The flood: one analyst fires 24 city-wide KPI requests at once.
    let flood = token("analyst", &["analyst"], None);
    let kpis = r#"{ enforcementKpis(filter: {regionCode: "361100"}) { accepted actualClosed recoveredAmount detentions dishonestListings supervisionBatches } }"#;
    let mut requests = Vec::new();
    for _ in 0..24 {
        let (client, url, flood) = (app.client.clone(), format!("{}/graphql", app.base), flood.clone());
        requests.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(flood)
                .json(&json!({"query": kpis}))
                .send()
                .await
                .unwrap();
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            (r.status().as_u16(), retry, r.json::<Value>().await.unwrap())
        }));
    }
    // Meanwhile another caller is admitted: the flood can hold at most its own two places.
    let other = token("supervisor", &["supervisor"], Some("361126"));
    let (status, body) = app
        .send(
            Some(&other),
            &[],
            "{ enforcementCases(first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut outcomes = Vec::new();
    for r in requests {
        outcomes.push(r.await.unwrap());
    }
    let served = outcomes.iter().filter(|(s, _, _)| *s == 200).count();
    let refused: Vec<_> = outcomes.iter().filter(|(s, _, _)| *s == 429).collect();
    assert!(served >= 1, "the flood's own share is served");
    assert!(!refused.is_empty(), "the rest is refused rather than queued");
    assert_eq!(served + refused.len(), 24, "nothing else: {outcomes:?}");
    for (_, retry, body) in &refused {
        assert_eq!(retry.as_deref(), Some("1"));
        assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    }
    // Once the flood is over its caller is admitted again.
    let (status, _) = app.send(Some(&flood), &[], kpis, json!({})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn aggregates_are_charged_by_the_period_they_sum() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.rate_limit_cost_per_minute = 3_000;
        s.rate_limit_free_complexity = 1_000;
    })
    .await;
    let kpis = |from: &str, to: &str| {
        format!(
            r#"{{ enforcementKpis(filter: {{regionCode: "361100", filedFrom: "{from}", filedTo: "{to}"}}) {{ accepted }} }}"#
        )
    };
    // A month costs little: never charged, however often.
    for _ in 0..10 {
        let (status, _) = app
            .send(None, &[], &kpis("2025-05-01", "2025-05-31"), json!({}))
            .await;
        assert_eq!(status, 200);
    }
    // Five years against the previous five: charged by the days summed, so the budget ends.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let (status, body) = app
            .send(None, &[], &kpis("2020-06-21", "2025-06-20"), json!({}))
            .await;
        statuses.push((status, body["errors"][0]["extensions"]["code"].clone()));
    }
    assert_eq!(statuses[0].0, 200);
    assert!(
        statuses
            .iter()
            .any(|(s, code)| *s == 429 && code == "RATE_LIMITED"),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn enforcement_writes_take_client_uuids_and_reach_the_change_log() {
    use sea_orm::{EntityTrait, QueryOrder};
    let app = spawn_app().await;
    let c = court(&app, "361126").await;
    let uuid = "0b6c1f0e-3a52-4d8e-9a1c-5f2e7d4b9c10";
    let mut input = case_input("(2024)赣1126执7号", &c);
    input["uuid"] = json!(uuid);
    const FILE_UUID: &str =
        r#"mutation($i: FileEnforcementCaseInput!) { fileEnforcementCase(input: $i) { id uuid version } }"#;
    let case = app.data(FILE_UUID, json!({"i": input})).await["fileEnforcementCase"].clone();
    assert_eq!(case["uuid"], uuid);
    // The same UUID again, even on another case number, is a CONFLICT.
    let mut again = case_input("(2024)赣1126执8号", &c);
    again["uuid"] = json!(uuid);
    assert_eq!(app.error_code(FILE_UUID, json!({"i": again})).await, "CONFLICT");
    again["uuid"] = json!("not-a-uuid");
    assert_eq!(
        app.error_code(FILE_UUID, json!({"i": again})).await,
        "BAD_USER_INPUT"
    );
    app.data(
        r#"mutation($id: ID!) { closeEnforcementCase(id: $id, mode: EXECUTED_IN_FULL, closedOn: "2024-05-01", recoveredAmount: "100.00", expectedVersion: 1) { version } }"#,
        json!({"id": case["id"]}),
    )
    .await;
    let log = entity::change_log::Entity::find()
        .order_by_asc(entity::change_log::Column::Seq)
        .all(&app.db)
        .await
        .unwrap();
    let ops: Vec<(&str, &str)> = log
        .iter()
        .map(|r| (r.record_type.as_str(), r.operation.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            ("EnforcementCase", "create"),
            ("FlowNode", "create"),
            ("EnforcementCase", "update"),
            ("FlowNode", "create")
        ]
    );
    assert!(log.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(log[0].uuid, uuid);
    assert!(log.iter().all(|r| r.region_code.as_deref() == Some("361126")));
}

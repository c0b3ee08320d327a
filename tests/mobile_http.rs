//! What mobile clients need of the HTTP surface: automatic persisted queries over POST and
//! GET with a bounded cache, `Cache-Control` public only for anonymous published data, the
//! allow-list of a manifest (and the command that builds it), response compression and
//! bounded request decompression.

use std::io::{Read as _, Write as _};

use api::persisted::manifest;
use api::persisted::sha256_hex;
use serde_json::{Value, json};

use crate::helpers::{Seed, TestApp, spawn_app, spawn_app_configured, token};

const PUBLIC_QUERY: &str = "query PublicList { dishonestDebtors(first: 5) { totalCount nodes { name listedOn } } regions(first: 3) { totalCount } }";

/// `extensions` of a persisted query.
fn pq(hash: &str) -> Value {
    json!({"persistedQuery": {"version": 1, "sha256Hash": hash}})
}

/// POSTs a JSON body (anonymously unless a token is given): status, headers, JSON.
async fn post(app: &TestApp, bearer: Option<&str>, body: Value) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = app.client.post(format!("{}/graphql", app.base)).json(&body);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("send");
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, headers, r.json().await.expect("json"))
}

/// GETs /graphql with these parameters: status, headers, JSON.
async fn get(
    app: &TestApp,
    bearer: Option<&str>,
    params: &[(&str, String)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = app.client.get(format!("{}/graphql", app.base)).query(params);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("send");
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    let text = r.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, headers, body)
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

fn cache_control(headers: &reqwest::header::HeaderMap) -> &str {
    headers
        .get("cache-control")
        .map(|v| v.to_str().unwrap())
        .unwrap_or("<none>")
}

#[tokio::test]
async fn apq_miss_then_register_then_hit_by_hash_over_post_and_get() {
    let app = spawn_app().await;
    let hash = sha256_hex(PUBLIC_QUERY);

    // The hash alone, unknown: Apollo's miss, 200, and no cache may keep it.
    let (status, _, body) = post(&app, None, json!({"extensions": pq(&hash)})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");
    assert!(body.get("data").is_none(), "{body}");
    // So over GET, even for a client that accepts the GraphQL response type.
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .header("accept", "application/graphql-response+json")
        .query(&[("extensions", pq(&hash).to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(cache_control(r.headers()), "private, no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");

    // The text with its hash: checked, remembered, run.
    let (status, _, body) = post(
        &app,
        None,
        json!({"query": PUBLIC_QUERY, "extensions": pq(&hash)}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
    let expected = body["data"].clone();
    assert!(expected["regions"]["totalCount"].as_u64().unwrap() > 0);

    // Then the hash alone runs it, over POST (uppercase hex too) and over GET.
    let (_, _, body) = post(&app, None, json!({"extensions": pq(&hash)})).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"], expected);
    let (_, _, body) = post(&app, None, json!({"extensions": pq(&hash.to_uppercase())})).await;
    assert_eq!(body["data"], expected, "{body}");
    let (status, headers, body) = get(
        &app,
        None,
        &[
            ("operationName", "PublicList".into()),
            ("variables", "{}".into()),
            ("extensions", pq(&hash).to_string()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], expected);
    assert_eq!(cache_control(&headers), "public, max-age=60");

    // A mutation stays refused over GET, by hash too.
    let mutation = r#"mutation Out { logout(refreshToken: "nope") }"#;
    let mhash = sha256_hex(mutation);
    let (_, _, registered) = post(&app, None, json!({"query": mutation, "extensions": pq(&mhash)})).await;
    assert!(
        registered["errors"].is_array() || registered["data"].is_object(),
        "{registered}"
    );
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("extensions", pq(&mhash).to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn apq_refuses_a_text_that_does_not_match_its_hash_and_other_versions() {
    let app = spawn_app().await;
    let other = sha256_hex("{ __typename }");
    let (status, _, body) = post(
        &app,
        None,
        json!({"query": PUBLIC_QUERY, "extensions": pq(&other)}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(code(&body), "PERSISTED_QUERY_HASH_MISMATCH", "{body}");
    // ... and nothing was remembered under either hash.
    let (_, _, body) = post(&app, None, json!({"extensions": pq(&other)})).await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");
    // A client that accepts the GraphQL response type gets 400 for the mismatch.
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": PUBLIC_QUERY, "extensions": pq(&other)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    let hash = sha256_hex(PUBLIC_QUERY);
    let (_, _, body) = post(
        &app,
        None,
        json!({"query": PUBLIC_QUERY, "extensions": {"persistedQuery": {"version": 2, "sha256Hash": hash}}}),
    )
    .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "persisted query version 2 is not supported; version 1 is"
    );
    // Like every input error, it names the offending field.
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "extensions.persistedQuery.version",
        "{body}"
    );
    let (_, _, body) = post(
        &app,
        None,
        json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}),
    )
    .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "extensions.persistedQuery.sha256Hash"
    );
    // Without `query` and without a persisted query, the body is still malformed.
    let (status, _, _) = post(&app, None, json!({"extensions": {}})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn get_answers_are_public_only_for_anonymous_published_data() {
    let app = spawn_app().await;
    let query = [("query", PUBLIC_QUERY.to_owned())];
    let (status, headers, body) = get(&app, None, &query).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(cache_control(&headers), "public, max-age=60");
    let vary: Vec<_> = headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(vary.iter().any(|v| v.contains("Authorization")), "{vary:?}");

    // The same data for a signed-in caller: private.
    let analyst = token("analyst", &["analyst"], None);
    let (_, headers, body) = get(&app, Some(&analyst), &query).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(cache_control(&headers), "private, no-store");
    // An audited check of a person, anonymous as it may be: private.
    let check = r#"{ isDishonestDebtor(name: "张三", idNumber: "110101199001011234") }"#;
    let (_, headers, body) = get(&app, None, &[("query", check.to_owned())]).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(cache_control(&headers), "private, no-store");
    // Anything with an error: private.
    let (_, headers, body) = get(
        &app,
        None,
        &[("query", "{ enforcementCases { totalCount } }".to_owned())],
    )
    .await;
    assert!(body["errors"].is_array(), "{body}");
    assert_eq!(cache_control(&headers), "private, no-store");

    // No answer is shared when the setting says so.
    let app = spawn_app_configured(Seed::Reference, |s| s.public_max_age_secs = 0).await;
    let (_, headers, _) = get(&app, None, &query).await;
    assert_eq!(cache_control(&headers), "private, no-store");
}

#[tokio::test]
async fn the_apq_cache_is_bounded_least_recently_used_out() {
    let app = spawn_app_configured(Seed::Reference, |s| s.persisted_query_cache_entries = 2).await;
    let texts = [
        "query A { me { role } }",
        "query B { regions(first: 1) { totalCount } }",
        "query C { __typename }",
    ];
    for text in texts {
        let (_, _, body) = post(
            &app,
            None,
            json!({"query": text, "extensions": pq(&sha256_hex(text))}),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let hit = |text: &str| {
        let body = json!({"extensions": pq(&sha256_hex(text))});
        let app = &app;
        async move { post(app, None, body).await.2 }
    };
    assert_eq!(code(&hit(texts[0]).await), "PERSISTED_QUERY_NOT_FOUND");
    assert!(hit(texts[1]).await.get("errors").is_none());
    assert!(hit(texts[2]).await.get("errors").is_none());

    // A cache of none: APQ is off, which Apollo clients understand.
    let app = spawn_app_configured(Seed::Reference, |s| s.persisted_query_cache_entries = 0).await;
    let (status, _, body) = post(&app, None, json!({"extensions": pq(&sha256_hex(texts[2]))})).await;
    assert_eq!(status, 200);
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_SUPPORTED");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotSupported");
    // A text with its hash still runs.
    let (_, _, body) = post(
        &app,
        None,
        json!({"query": texts[2], "extensions": pq(&sha256_hex(texts[2]))}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");

    // The text is bounded by the query length limit: a longer one is refused, not remembered.
    let app = spawn_app_configured(Seed::Reference, |s| s.limits.max_query_length = 40).await;
    let long = "query Long { regions(first: 1) { totalCount } }";
    let (_, _, body) = post(
        &app,
        None,
        json!({"query": long, "extensions": pq(&sha256_hex(long))}),
    )
    .await;
    assert_eq!(code(&body), "QUERY_LIMIT_EXCEEDED", "{body}");
    let (_, _, body) = post(&app, None, json!({"extensions": pq(&sha256_hex(long))})).await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");
}

const CLIENT_DOCUMENT: &str = r#"
# A client's operations, as a code generator sees them.
query PublicDebtors($first: Int = 5) {
  dishonestDebtors(first: $first) { ...DebtorFields totalCount }
}

query Regions { regions(first: 2, filter: {level: PROVINCE}) { nodes { ...RegionFields } } }

fragment DebtorFields on DishonestDebtorConnection { nodes { name listedOn region { ...RegionFields } } }
"#;

const FRAGMENTS: &str = "fragment RegionFields on Region { code name }\nfragment Unused on Region { level }";

async fn client_manifest() -> manifest::Manifest {
    manifest::build(&[
        ("operations/public.graphql".to_owned(), CLIENT_DOCUMENT.to_owned()),
        ("operations/fragments.graphql".to_owned(), FRAGMENTS.to_owned()),
    ])
    .await
    .expect("the manifest")
}

#[tokio::test]
async fn the_manifest_command_splits_operations_with_their_fragments() {
    let m = client_manifest().await;
    assert_eq!(m.format, "apollo-persisted-query-manifest");
    assert_eq!(m.version, 1);
    let names: Vec<_> = m.operations.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["PublicDebtors", "Regions"]);
    let debtors = &m.operations[0];
    assert_eq!(debtors.ty, "query");
    assert_eq!(debtors.id, sha256_hex(&debtors.body));
    assert_eq!(
        debtors.body,
        "query PublicDebtors($first: Int = 5) {\n  dishonestDebtors(first: $first) {\n    ...DebtorFields\n    totalCount\n  }\n}\n\n\
         fragment DebtorFields on DishonestDebtorConnection {\n  nodes {\n    name\n    listedOn\n    region {\n      ...RegionFields\n    }\n  }\n}\n\n\
         fragment RegionFields on Region {\n  code\n  name\n}"
    );
    let regions = &m.operations[1];
    assert!(
        regions
            .body
            .contains("regions(first: 2, filter: {level: PROVINCE})"),
        "{}",
        regions.body
    );
    assert!(
        regions
            .body
            .ends_with("fragment RegionFields on Region {\n  code\n  name\n}")
    );
    assert!(!regions.body.contains("Unused"));
    // Deterministic: the same documents give the same manifest, byte for byte.
    assert_eq!(
        serde_json::to_string(&client_manifest().await).unwrap(),
        serde_json::to_string(&m).unwrap()
    );

    // An invalid operation is named with its file.
    let err = manifest::build(&[(
        "operations/bad.graphql".to_owned(),
        "query Good { __typename } query Broken { noSuchField }".to_owned(),
    )])
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("operations/bad.graphql") && err.contains("Broken"),
        "{err}"
    );
    assert!(err.contains("noSuchField"), "{err}");
    let err = manifest::build(&[("a.graphql".to_owned(), "{ __typename }".to_owned())])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("a.graphql") && err.contains("no name"), "{err}");
    let err = manifest::build(&[("a.graphql".to_owned(), "query Q { ...Missing }".to_owned())])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("Q") && err.contains("Missing"), "{err}");
}

#[tokio::test]
async fn the_allow_list_runs_only_the_manifests_operations() {
    let m = client_manifest().await;
    let path = std::env::temp_dir().join(format!(
        "manifest-{}-{}.json",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    ));
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let manifest_path = path.display().to_string();
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.persisted_operations_only = true;
        s.persisted_operations_manifest = Some(manifest_path.clone());
    })
    .await;
    let debtors = &m.operations[0];

    // By hash alone, over POST and GET, with variables.
    let (status, _, body) = post(
        &app,
        None,
        json!({"operationName": "PublicDebtors", "variables": {"first": 2}, "extensions": pq(&debtors.id)}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
    assert!(body["data"]["dishonestDebtors"]["totalCount"].is_number());
    let (status, headers, body) = get(&app, None, &[("extensions", pq(&debtors.id).to_string())]).await;
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(cache_control(&headers), "public, max-age=60");
    // With the manifest's text, with or without its hash.
    let (_, _, body) = post(&app, None, json!({"query": debtors.body})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let (_, _, body) = post(
        &app,
        None,
        json!({"query": debtors.body, "extensions": pq(&debtors.id)}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");

    // Anything else is refused, signed in or not, text or hash.
    let admin = token("admin", &["admin"], None);
    let (status, _, body) = post(&app, Some(&admin), json!({"query": "{ regions { totalCount } }"})).await;
    assert_eq!(status, 200);
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_ALLOWED", "{body}");
    let unlisted = "query Unlisted { regions { totalCount } }";
    let (_, _, body) = post(
        &app,
        None,
        json!({"query": unlisted, "extensions": pq(&sha256_hex(unlisted))}),
    )
    .await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_ALLOWED");
    // ... and not remembered as an automatic persisted query either.
    let (_, _, body) = post(&app, None, json!({"extensions": pq(&sha256_hex(unlisted))})).await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_ALLOWED");
    // The manifest's text changed by a byte is another operation.
    let (_, _, body) = post(&app, None, json!({"query": format!("{} ", debtors.body)})).await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_ALLOWED");
    // A client accepting the GraphQL response type gets 400, as for other request errors.
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": unlisted}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Introspection alone follows the introspection setting (on outside production).
    let (_, _, body) = post(
        &app,
        None,
        json!({"query": "{ __schema { queryType { name } } }"}),
    )
    .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query", "{body}");
    let (_, _, body) = post(
        &app,
        None,
        json!({"query": "{ __schema { queryType { name } } regions { totalCount } }"}),
    )
    .await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_ALLOWED");
    std::fs::remove_file(&path).ok();
}

#[tokio::test]
async fn the_allow_list_without_a_valid_manifest_refuses_to_start() {
    use api::persisted::Persisted;
    let mut settings = api::config::Settings::for_tests("sqlite::memory:");
    settings.persisted_operations_only = true;
    let err = Persisted::from_settings(&settings)
        .err()
        .expect("no manifest")
        .to_string();
    assert!(err.contains("PERSISTED_OPERATIONS_MANIFEST"), "{err}");

    let dir = std::env::temp_dir();
    let missing = dir.join(format!("no-such-manifest-{}.json", std::process::id()));
    settings.persisted_operations_manifest = Some(missing.display().to_string());
    let err = Persisted::from_settings(&settings)
        .err()
        .expect("missing file")
        .to_string();
    assert!(err.contains("cannot be read"), "{err}");

    let bad = dir.join(format!("bad-manifest-{}.json", std::process::id()));
    let tampered = json!({"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
        {"id": sha256_hex("query A { __typename }"), "name": "A", "type": "query", "body": "query A { me { role } }"}
    ]});
    std::fs::write(&bad, tampered.to_string()).unwrap();
    settings.persisted_operations_manifest = Some(bad.display().to_string());
    let err = Persisted::from_settings(&settings)
        .err()
        .expect("tampered")
        .to_string();
    assert!(err.contains("operation A") && err.contains("SHA-256"), "{err}");
    std::fs::write(&bad, "{\"operations\": 3}").unwrap();
    let err = Persisted::from_settings(&settings)
        .err()
        .expect("not a manifest")
        .to_string();
    assert!(err.contains("not a persisted query manifest"), "{err}");
    std::fs::remove_file(&bad).ok();

    // The whole server refuses too.
    let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    assert!(api::startup::Application::build_with_db(settings, db, None).is_err());
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("gzip");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("brotli");
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[tokio::test]
async fn responses_are_compressed_as_the_client_asks() {
    let app = spawn_app().await;
    let query = json!({"query": "{ __schema { types { name description } } }"});
    let plain = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&query)
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let expected: Value = plain.json().await.unwrap();
    assert!(expected.get("errors").is_none());

    for (encoding, decode) in [("gzip", gunzip as fn(&[u8]) -> Vec<u8>), ("br", unbrotli)] {
        let r = app
            .client
            .post(format!("{}/graphql", app.base))
            .header("accept-encoding", encoding)
            .json(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-encoding"], encoding);
        let vary: Vec<_> = r
            .headers()
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap().to_lowercase())
            .collect();
        assert!(vary.iter().any(|v| v.contains("accept-encoding")), "{vary:?}");
        let raw = r.bytes().await.unwrap();
        let decoded = decode(&raw);
        assert!(
            raw.len() * 2 < decoded.len(),
            "{} -> {}",
            raw.len(),
            decoded.len()
        );
        let body: Value = serde_json::from_slice(&decoded).unwrap();
        assert_eq!(body, expected);
    }

    // A tiny answer goes as it is.
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_ne!(
        r.headers().get("content-encoding").map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ok");

    // Metrics and exports still work compressed.
    let admin = token("admin", &["admin"], None);
    let r = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth(&admin)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let text = String::from_utf8(gunzip(&r.bytes().await.unwrap())).unwrap();
    assert!(text.contains("# TYPE"), "{text}");
    let r = app
        .client
        .get(format!("{}/export/courts.csv", app.base))
        .bearer_auth(&admin)
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "br");
    let csv = String::from_utf8(unbrotli(&r.bytes().await.unwrap())).unwrap();
    assert!(csv.lines().count() > 2, "{csv}");
}

#[tokio::test]
async fn compressed_requests_are_bounded_after_decompression() {
    let app = spawn_app().await;
    // A gzip request body runs like a plain one.
    let body = serde_json::to_vec(&json!({"query": "{ regions(first: 1) { totalCount } }"})).unwrap();
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["data"]["regions"]["totalCount"].as_u64().unwrap() > 0, "{v}");

    // 64 MB of spaces in 64 kB: refused at the body limit, not inflated.
    let bomb = gzip(&vec![b' '; 64 * 1024 * 1024]);
    assert!(bomb.len() < 256 * 1024);
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(bomb)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(code(&v), "PAYLOAD_TOO_LARGE", "{v}");

    // An encoding the server does not decode, and a corrupt body.
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .header("content-encoding", "zstd")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

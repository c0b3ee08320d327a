//! The HTTP surface: health, readiness, GraphiQL, content types, error codes, the schema file.

use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn get_serves_graphiql() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().to_lowercase().contains("graphiql"));
}

#[tokio::test]
async fn post_without_json_is_415() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "text/plain")
        .body(r#"{"query":"{ regions { totalCount } }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
}

#[tokio::test]
async fn invalid_queries_carry_a_code() {
    let app = spawn_app().await;
    assert_eq!(
        app.error_code("{ noSuchField }", json!({})).await,
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(
        app.error_code("{ regions(", json!({})).await,
        "GRAPHQL_PARSE_FAILED"
    );
    // A value the type refuses is the client's input, literal or variable.
    assert_eq!(
        app.error_code(
            "{ enforcementCases(filter: {category: NOPE}) { totalCount } }",
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
    // A malformed scalar is rejected before any SQL runs.
    let q = r#"query($a: Decimal) { enforcementCases(filter: {subjectAmountMin: $a}) { totalCount } }"#;
    assert_eq!(app.error_code(q, json!({"a": "1.234"})).await, "BAD_USER_INPUT");
    assert_eq!(app.error_code(q, json!({"a": 12.5})).await, "BAD_USER_INPUT");
    // Out of range is an input error, not a crash.
    assert_eq!(
        app.error_code(q, json!({"a": "1000000000000000000000000000"}))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(q, json!({"a": "99999999999999999999.99"})).await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn page_size_is_capped() {
    let app = spawn_app().await;
    let err = app
        .error("{ enforcementCases(first: 101) { totalCount } }", json!({}))
        .await;
    assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "first");
    let err = app.error("{ courts(first: -1) { totalCount } }", json!({})).await;
    assert_eq!(err["extensions"]["field"], "first");
}

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
        .expect("schema.graphql at the repository root");
    let built = api::schema::sdl();
    assert!(
        committed == built,
        "schema.graphql is stale: run `cargo run --release -p api -- export-schema > schema.graphql`"
    );
}

#[test]
fn every_type_field_argument_and_value_has_a_description() {
    let sdl = api::schema::sdl();
    let mut missing = Vec::new();
    let (mut in_doc, mut in_schema, mut documented) = (false, false, false);
    for line in sdl.lines() {
        let t = line.trim();
        if t == "\"\"\"" {
            in_doc = !in_doc;
            documented = !in_doc;
            continue;
        }
        if in_doc || t.is_empty() {
            continue;
        }
        if t.starts_with("schema") {
            in_schema = true;
        }
        let structural = t == "}" || t.starts_with(')') || t.starts_with("directive") || in_schema;
        if t == "}" {
            in_schema = false;
        }
        if structural {
            documented = false;
            continue;
        }
        if !documented {
            missing.push(t.to_owned());
        }
        // A deprecation's reason is in parentheses too; it is not an argument list.
        let signature = t.split(" @deprecated(").next().unwrap_or(t);
        if signature.contains('(') && !signature.ends_with('(') {
            missing.push(format!("{t} (inline arguments have no descriptions)"));
        }
        documented = false;
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}

/// Fields answer in the order the query asks for them (the specification's SHOULD), whatever
/// order their resolvers finish in: database-backed fields come before immediate ones
/// (`__typename`), at the root and nested, and fifty sends give byte-identical bodies, over
/// POST and GET alike.
#[tokio::test]
async fn responses_follow_query_order() {
    let app = spawn_app().await;
    let query = "{ courts(first: 5) { totalCount nodes { cases(first: 1) { totalCount } name __typename } __typename } \
                 regions(first: 2) { totalCount nodes { code } __typename } kind: __typename }";
    let admin = crate::helpers::token("admin", &["admin"], None);
    let mut bodies = Vec::new();
    for _ in 0..50 {
        let body = app
            .client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&admin)
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        bodies.push(body);
    }
    let first = &bodies[0];
    assert!(bodies.iter().all(|b| b == first), "bodies differ");
    assert!(
        first.starts_with(r#"{"data":{"courts":{"totalCount":"#),
        "{first}"
    );
    assert!(first.contains(r#"{"cases":{"totalCount":0},"name":"#), "{first}");
    assert!(first.contains(r#""__typename":"Court"}"#), "{first}");
    assert!(
        first.contains(r#""__typename":"CourtConnection"},"regions":{"totalCount":"#),
        "{first}"
    );
    assert!(
        first.ends_with(r#""__typename":"RegionConnection"},"kind":"Query"}}"#),
        "{first}"
    );
    let get = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", query)])
        .bearer_auth(&admin)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(&get, first);
}

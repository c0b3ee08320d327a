//! The region hierarchy.

use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn region_with_parent_children_and_ancestors() {
    let app = spawn_app().await;
    let d = app
        .data(
            r#"{ region(code: "361126") { code name level official parent { code name }
                 ancestors { code } children { code } } }"#,
            json!({}),
        )
        .await;
    let r = &d["region"];
    assert_eq!(r["name"], "弋阳县");
    assert_eq!(r["level"], "COUNTY");
    assert_eq!(r["official"], true);
    assert_eq!(r["parent"]["code"], "361100");
    assert_eq!(r["ancestors"], json!([{"code": "360000"}, {"code": "361100"}]));
    assert_eq!(r["children"], json!([]));

    let d = app
        .data(r#"{ region(code: "361100") { children { code } } }"#, json!({}))
        .await;
    let children = d["region"]["children"].as_array().unwrap();
    assert_eq!(children.len(), 12, "上饶市 has 12 county-level divisions");

    let d = app
        .data(r#"{ region(code: "999999") { code } }"#, json!({}))
        .await;
    assert!(d["region"].is_null());
}

#[tokio::test]
async fn region_filters_and_paging() {
    let app = spawn_app().await;
    let q = r#"query($f: RegionFilter, $after: String) {
        regions(filter: $f, first: 5, after: $after) { totalCount nodes { code } pageInfo { hasNextPage endCursor } } }"#;
    let d = app.data(q, json!({"f": {"parentCode": "361100"}})).await;
    assert_eq!(d["regions"]["totalCount"], 12);
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let d = app
            .data(q, json!({"f": {"parentCode": "361100"}, "after": after}))
            .await;
        for n in d["regions"]["nodes"].as_array().unwrap() {
            seen.push(n["code"].as_str().unwrap().to_owned());
        }
        if !d["regions"]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = d["regions"]["pageInfo"]["endCursor"].clone();
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), 12);

    let d = app.data(q, json!({"f": {"level": "PROVINCE"}})).await;
    assert_eq!(
        d["regions"]["nodes"],
        json!([{"code": "140000"}, {"code": "150000"}, {"code": "360000"}, {"code": "510000"}, {"code": "520000"}])
    );
    let d = app.data(q, json!({"f": {"nameContains": "阳"}})).await;
    let codes: Vec<&str> = d["regions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"361126") && codes.contains(&"140522") && codes.contains(&"361128"),
        "{codes:?}"
    );
    // LIKE wildcards in the text are matched literally.
    let d = app.data(q, json!({"f": {"nameContains": "%"}})).await;
    assert_eq!(d["regions"]["totalCount"], 0);
}

#[tokio::test]
async fn local_codes_are_marked() {
    let app = spawn_app().await;
    let d = app
        .data(
            r#"{ region(code: "L0201") { official level parent { code official } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["region"]["official"], false);
    assert_eq!(d["region"]["parent"]["official"], false);
}

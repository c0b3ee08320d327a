//! The domains' registrations (`api::domains::DOMAINS`) agree with the schema: every type the
//! schema gives a global id is registered by the core or by exactly one domain and is found
//! by `node(id)`; every record a domain writes is offered to webhooks, synced when it has a
//! global id, and in the data dictionary with every other dataset a domain lists.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::helpers::{Seed, spawn_app_configured, spawn_app_with};
use api::domains::DOMAINS;

/// The types the core resolves itself (`node.rs`), not a domain.
const CORE_NODES: [&str; 5] = [
    "Region",
    "User",
    "AuditEntry",
    "WebhookEndpoint",
    "WebhookDelivery",
];

/// The types the schema says implement `Node`.
fn schema_nodes(sdl: &str) -> BTreeSet<String> {
    sdl.lines()
        .filter_map(|l| l.strip_prefix("type "))
        .filter_map(|l| l.split_once(" implements "))
        .filter(|(_, interfaces)| interfaces.split(['&', ' ', '{']).any(|i| i == "Node"))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// The values of a GraphQL enum in the SDL.
fn enum_values(sdl: &str, name: &str) -> BTreeSet<String> {
    let start = format!("enum {name} {{");
    sdl.split_once(&start)
        .and_then(|(_, rest)| rest.split_once('}'))
        .map(|(body, _)| {
            body.lines()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty()
                        && !l.starts_with('"')
                        && l.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                })
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_node_type_is_registered_once_and_every_registration_is_in_the_schema() {
    let nodes = schema_nodes(&api::schema::sdl());
    assert!(
        nodes.len() > CORE_NODES.len(),
        "the schema has domain node types: {nodes:?}"
    );
    let mut owners: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for d in DOMAINS {
        for n in d.nodes {
            owners.entry(n.name).or_default().push(d.key);
        }
    }
    for core in CORE_NODES {
        assert!(nodes.contains(core), "{core} is a core node type of the schema");
        assert!(
            !owners.contains_key(core),
            "{core} is the core's, yet a domain registers it"
        );
    }
    for name in &nodes {
        if CORE_NODES.contains(&name.as_str()) {
            continue;
        }
        match owners.get(name.as_str()).map(Vec::as_slice) {
            Some([_]) => {}
            Some(many) => panic!("{name} is registered by several domains: {many:?}"),
            None => panic!("{name} implements Node but no domain registers it (Domain::nodes)"),
        }
    }
    for name in owners.keys() {
        assert!(
            nodes.contains(*name),
            "{name} is registered as a node type but the schema has no such Node"
        );
    }
}

#[test]
fn every_record_a_domain_writes_syncs_when_it_has_a_global_id() {
    let sdl = api::schema::sdl();
    let nodes = schema_nodes(&sdl);
    let mut syncing = BTreeSet::new();
    for d in DOMAINS {
        let synced: Vec<&str> = d.synced().map(|(n, _)| n.name).collect();
        for name in &synced {
            assert!(
                d.record(name).is_some(),
                "{}: synced type {name} is not one of the records it writes (tracked!)",
                d.key
            );
            assert!(
                nodes.contains(*name),
                "{}: synced type {name} has no global id",
                d.key
            );
        }
        for r in d.records {
            if nodes.contains(r.record_type) {
                assert!(
                    synced.contains(&r.record_type),
                    "{}: {} is written and has a global id, yet does not sync",
                    d.key,
                    r.record_type
                );
            }
        }
        if d.syncs() {
            syncing.insert(d.key.to_uppercase());
        }
    }
    assert_eq!(
        enum_values(&sdl, "SyncDomain"),
        syncing,
        "SyncDomain names exactly the registered domains that sync"
    );
}

#[tokio::test]
async fn the_dictionary_lists_every_registered_dataset_and_node_type() {
    let app = spawn_app_with(Seed::Reference).await;
    let d = app
        .data(
            "{ dataDictionary { name domain kind fields { name roles } } }",
            json!({}),
        )
        .await;
    let listed: BTreeMap<String, &serde_json::Value> = d["dataDictionary"]
        .as_array()
        .expect("datasets")
        .iter()
        .map(|ds| (ds["name"].as_str().unwrap_or_default().to_owned(), ds))
        .collect();
    let mut shown_personal = 0;
    for dom in DOMAINS {
        let names = dom
            .datasets
            .iter()
            .map(|ds| ds.ty)
            .chain(dom.nodes.iter().map(|n| n.name));
        for name in names {
            let ds = listed
                .get(name)
                .unwrap_or_else(|| panic!("{}: {name} is not in the data dictionary", dom.key));
            assert_eq!(ds["domain"], dom.key, "{name}'s domain");
        }
        // A record's personal fields that its type shows are shown to fewer roles than its id.
        for r in dom.records {
            let Some(ds) = listed.get(r.record_type) else {
                continue;
            };
            let roles = |field: &str| {
                ds["fields"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|f| f["name"] == field)
                    .map(|f| f["roles"].as_array().cloned().unwrap_or_default().len())
            };
            let plain = roles("id").unwrap_or_else(|| panic!("{}: the dictionary lacks id", r.record_type));
            for field in r.personal {
                if let Some(personal) = roles(&api::record::camel_case(field.column)) {
                    shown_personal += 1;
                    assert!(
                        personal < plain,
                        "{}.{}: shown to fewer roles",
                        r.record_type,
                        field.column
                    );
                }
            }
        }
    }
    assert!(
        shown_personal >= 10,
        "the records' personal fields are in the dictionary: {shown_personal}"
    );
}

#[tokio::test]
async fn node_finds_a_seeded_record_of_every_registered_type() {
    let app = spawn_app_with(Seed::Full).await;
    app.act_as("admin", None);
    let backend = app.db.get_database_backend();
    let mut empty = Vec::new();
    for d in DOMAINS {
        for n in d.nodes {
            let table = (n.table)();
            let row = app
                .db
                .query_one_raw(Statement::from_string(
                    backend,
                    format!("SELECT CAST(MIN(id) AS BIGINT) AS id FROM {table}"),
                ))
                .await
                .expect("read the table");
            let Some(id) = row
                .and_then(|r| r.try_get::<Option<i64>>("", "id").ok())
                .flatten()
            else {
                empty.push(n.name);
                continue;
            };
            let global = api::ids::global(n.name, id).to_string();
            let found = app
                .data(
                    "query($id: ID!) { node(id: $id) { __typename id } }",
                    json!({ "id": global }),
                )
                .await;
            assert_eq!(found["node"]["__typename"], n.name, "node({global}) of {table}");
            assert_eq!(found["node"]["id"], global.as_str());
        }
    }
    // The reports give no records of these (the domains' own tests create and read them by
    // node(id)); a seed that comes to hold some updates this list. Their ids still reach their
    // domain's resolver, which refuses an anonymous caller where an unknown type is null.
    empty.sort_unstable();
    assert_eq!(
        empty,
        [
            "CommunityGrid",
            "FuneralFeeStandard",
            "FuneralSubsidy",
            "FuneralViolation",
            "GravePlotHold",
            "VillageIncome"
        ],
        "types with no seeded record"
    );
    app.act_anonymously();
    for name in empty {
        let query = format!(
            r#"{{ node(id: "{}") {{ id }} }}"#,
            api::ids::global(name, 1).as_str()
        );
        let code = app.error_code(&query, json!({})).await;
        assert!(
            code == "UNAUTHENTICATED" || code == "FORBIDDEN",
            "{name}: node(id) refuses an anonymous caller, got {code}"
        );
    }
    let unknown = format!(
        r#"{{ node(id: "{}") {{ id }} }}"#,
        api::ids::global("NoSuchType", 1).as_str()
    );
    assert_eq!(
        app.data(&unknown, json!({})).await["node"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn webhooks_accept_every_record_type_a_domain_writes() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.webhooks.allow_http = true;
        s.webhooks.allow_cidrs = vec!["127.0.0.1/32".parse().expect("a network")];
    })
    .await;
    app.act_as("admin", None);
    let records: Vec<&str> = DOMAINS
        .iter()
        .flat_map(|d| d.records)
        .map(|r| r.record_type)
        .collect();
    assert!(
        records.len() >= 20,
        "the domains write their records: {records:?}"
    );
    for ty in records {
        let d = app
            .data(
                r#"mutation($i: RegisterWebhookEndpointInput!) {
                    registerWebhookEndpoint(input: $i) { endpoint { eventTypes } } }"#,
                json!({"i": {"partner": format!("{ty} 合作单位"), "regionCode": "150000",
                             "url": "http://127.0.0.1:9/hook",
                             "eventTypes": [format!("{ty}.create"), format!("{ty}.update"), format!("{ty}.delete")]}}),
            )
            .await;
        assert_eq!(
            d["registerWebhookEndpoint"]["endpoint"]["eventTypes"]
                .as_array()
                .map(Vec::len),
            Some(3),
            "{ty}"
        );
    }
    let code = app
        .error_code(
            r#"mutation { registerWebhookEndpoint(input: {partner: "p", regionCode: "150000",
                url: "http://127.0.0.1:9/hook", eventTypes: ["Court.create"]}) { secret } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        code, "BAD_USER_INPUT",
        "Court is reference data, not a record domains write"
    );
}

#[tokio::test]
async fn every_registered_import_is_served_and_no_other() {
    let app = spawn_app_with(Seed::Reference).await;
    let token = crate::helpers::token("admin", &["admin"], None);
    let post = |name: String| {
        app.client
            .post(format!("{}/import/{name}", app.base))
            .header("content-type", "text/csv")
            .bearer_auth(&token)
            .body("not,a,known,header\n")
            .send()
    };
    let mut served = 0;
    for d in DOMAINS {
        for file in d.imports {
            served += 1;
            // A file whose header names none of the columns: refused row by row, nothing written.
            let r = post(file.name.to_owned()).await.expect("send");
            assert_eq!(r.status().as_u16(), 422, "{}: {}", d.key, file.name);
        }
    }
    assert!(served >= 1, "a domain registers the observations import");
    let r = post("nothing.csv".to_owned()).await.expect("send");
    assert_eq!(r.status().as_u16(), 404);
    let body: serde_json::Value = r.json().await.expect("a JSON body");
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

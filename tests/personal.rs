//! Personal data, declared once (`api/src/personal.rs`, each domain's `tracked!`), masked on
//! every channel. Generated from the declaration: every record type with personal fields gets
//! a recognisable value in every one of them (written through the API), and then every channel
//! a role without the right can reach is searched for those values: GraphQL (each record by
//! `node(id)`, every field), every export, the audit log's snapshots, CONFLICT errors, webhook
//! bodies delivered to a loopback receiver. (Sync pages are the same GraphQL objects as
//! `node(id)`; logs and traces: `operations::logs_and_traces_carry_no_personal_data`.)

use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::helpers::*;

/// A valid resident identity number (GB 11643 check digit) that no seed holds.
fn id_number(n: u32) -> String {
    let body = format!("3611261985{n:07}");
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!("{body}{}", CHECK[(sum % 11) as usize])
}

fn phone(n: u32) -> String {
    format!("1397{n:07}")
}

fn name(n: u32) -> String {
    const CHARS: [char; 10] = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'];
    format!("测{}{}", CHARS[(n / 10 % 10) as usize], CHARS[(n % 10) as usize])
}

/// A receiver of webhook bodies on loopback.
async fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + length {
                            seen.lock().unwrap().push(text[end + 4..].to_owned());
                            let _ = stream
                                .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                                .await;
                            break;
                        }
                    }
                }
            });
        }
    });
    (url, got)
}

/// What writing one record type's personal fields produced: the record's global id, the
/// clear values written, by column, and the CONFLICT errors a stale write of it got.
struct Written {
    id: String,
    values: HashMap<&'static str, String>,
    conflicts: Vec<Value>,
}

/// Writes a record of `record_type` with a recognisable value in each of its personal fields,
/// through the API as an administrator; then, where the type has a versioned write, sends a
/// stale one. A record type with personal fields and no writer here fails the test: declaring
/// one means adding it here.
async fn write(app: &TestApp, record_type: &str, n: u32, party: &mut Option<(String, String)>) -> Written {
    let first_id = |d: &Value, list: &str| d[list]["nodes"][0]["id"].as_str().unwrap().to_owned();
    match record_type {
        "Party" => {
            let cases = app
                .data(
                    "{ enforcementCases(first: 1, filter: {status: PENDING}) { nodes { id } } }",
                    json!({}),
                )
                .await;
            let case = first_id(&cases, "enforcementCases");
            let values = HashMap::from([
                ("id_number", id_number(n)),
                ("phone", phone(n)),
                ("address", format!("测试路{n}号院")),
            ]);
            let d = app
                .data(
                    r#"mutation($i: AddPartyInput!) { addParty(input: $i) { id } }"#,
                    json!({"i": {"caseId": case, "role": "RESPONDENT", "kind": "PERSON", "name": "被执行人甲",
                                 "idNumber": values["id_number"], "phone": values["phone"], "address": values["address"]}}),
                )
                .await;
            let id = d["addParty"]["id"].as_str().unwrap().to_owned();
            *party = Some((case, id.clone()));
            Written {
                id,
                values,
                conflicts: vec![],
            }
        }
        "DishonestDebtor" => {
            // A debtor's identity number is its party's.
            let (case, party_id) = party.clone().expect("Party is written first");
            let number = app
                .data(
                    r#"query($id: ID!) { node(id: $id) { ... on Party { idNumber } } }"#,
                    json!({"id": party_id}),
                )
                .await["node"]["idNumber"]
                .as_str()
                .unwrap()
                .to_owned();
            let today = chrono::Utc::now().date_naive().to_string();
            let d = app
                .data(
                    r#"mutation($i: AddToDishonestListInput!) { addToDishonestList(input: $i) { id } }"#,
                    json!({"i": {"caseId": case, "partyId": party_id, "listedOn": today, "reason": "拒不履行"}}),
                )
                .await;
            let id = d["addToDishonestList"]["id"].as_str().unwrap().to_owned();
            let stale = app
                .error(
                    r#"mutation($id: ID!, $d: Date!) { removeFromDishonestList(id: $id, removedOn: $d, reason: PERFORMED, expectedVersion: 99) { id } }"#,
                    json!({"id": id, "d": today}),
                )
                .await;
            Written {
                id,
                values: HashMap::from([("id_number", number)]),
                conflicts: vec![stale],
            }
        }
        "CommunityStaff" => {
            let units = app
                .data("{ communityUnits(first: 1) { nodes { id } } }", json!({}))
                .await;
            let unit = first_id(&units, "communityUnits");
            let values = HashMap::from([
                ("name", name(n)),
                ("phone", phone(n)),
                ("id_number", id_number(n)),
            ]);
            let input = json!({"unitId": unit, "name": values["name"], "role": "DIRECTOR",
                               "phone": values["phone"], "idNumber": values["id_number"]});
            let d = app
                .data(
                    r#"mutation($i: CommunityStaffInput!) { addCommunityStaff(input: $i) { id } }"#,
                    json!({"i": input}),
                )
                .await;
            let id = d["addCommunityStaff"]["id"].as_str().unwrap().to_owned();
            let stale = app
                .error(
                    r#"mutation($id: ID!, $i: CommunityStaffInput!) { updateCommunityStaff(id: $id, input: $i, expectedVersion: 99) { id } }"#,
                    json!({"id": id, "i": input}),
                )
                .await;
            Written {
                id,
                values,
                conflicts: vec![stale],
            }
        }
        "GravePlotHold" => {
            let plots = app
                .data(
                    "{ gravePlots(first: 1, filter: {status: AVAILABLE}) { nodes { id } } }",
                    json!({}),
                )
                .await;
            let plot = first_id(&plots, "gravePlots");
            let values = HashMap::from([
                ("holder_name", name(n)),
                ("holder_phone", phone(n)),
                ("holder_id_number", id_number(n)),
            ]);
            let d = app
                .data(
                    r#"mutation($p: ID!, $h: GravePlotHolderInput!) { registerGravePlot(plotId: $p, holder: $h, registeredOn: "2025-07-01") { id } }"#,
                    json!({"p": plot, "h": {"name": values["holder_name"], "phone": values["holder_phone"],
                                            "idNumber": values["holder_id_number"]}}),
                )
                .await;
            let id = d["registerGravePlot"]["id"].as_str().unwrap().to_owned();
            Written {
                id,
                values,
                conflicts: vec![],
            }
        }
        "FuneralSubsidy" => {
            let values = HashMap::from([
                ("recipient_name", name(n)),
                ("recipient_phone", phone(n)),
                ("recipient_id_number", id_number(n)),
            ]);
            let d = app
                .data(
                    r#"mutation($i: GrantFuneralSubsidyInput!) { grantFuneralSubsidy(input: $i) { id } }"#,
                    json!({"i": {"regionCode": "522324", "recipientName": values["recipient_name"],
                                 "recipientPhone": values["recipient_phone"], "recipientIdNumber": values["recipient_id_number"],
                                 "amount": "800.00", "basis": "低保户", "paidOn": "2025-06-15"}}),
                )
                .await;
            let id = d["grantFuneralSubsidy"]["id"].as_str().unwrap().to_owned();
            Written {
                id,
                values,
                conflicts: vec![],
            }
        }
        other => {
            panic!("{other} declares personal fields but this test cannot write one yet: add it to `write`")
        }
    }
}

/// The clear values found in `text`.
fn found<'a>(text: &str, clear: &'a BTreeSet<String>) -> Vec<&'a str> {
    clear
        .iter()
        .filter(|v| text.contains(v.as_str()))
        .map(String::as_str)
        .collect()
}

/// Every field of a GraphQL type that takes no arguments and is a scalar or an enum.
async fn leaf_fields(app: &TestApp, type_name: &str) -> Vec<String> {
    let d = app
        .data(
            r#"query($t: String!) { __type(name: $t) { fields { name args { name } type { kind ofType { kind } } } } }"#,
            json!({"t": type_name}),
        )
        .await;
    d["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["args"].as_array().unwrap().is_empty())
        .filter(|f| {
            let kind = if f["type"]["kind"] == "NON_NULL" {
                &f["type"]["ofType"]["kind"]
            } else {
                &f["type"]["kind"]
            };
            kind == "SCALAR" || kind == "ENUM"
        })
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn personal_data_is_masked_on_every_channel() {
    let app = spawn_app_configured(Seed::Full, |s| {
        s.webhooks.poll_ms = 25;
        s.webhooks.retry_base_ms = 50;
        s.webhooks.timeout_ms = 2_000;
        // The receiver is on loopback: the operator's allow-list admits it.
        s.webhooks.allow_http = true;
        s.webhooks.allow_cidrs = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let declared: Vec<_> = api::domains::records()
        .into_iter()
        .filter(|r| !r.personal.is_empty())
        .collect();
    assert!(declared.len() >= 5, "the declaration: {declared:?}");
    // Every change of these types goes to a receiver, from every province.
    let (url, bodies) = receiver().await;
    let events: Vec<String> = declared
        .iter()
        .flat_map(|r| ["create", "update", "delete"].map(|op| format!("{}.{op}", r.record_type)))
        .collect();
    let provinces = app
        .data(
            "{ regions(first: 100, filter: {level: PROVINCE}) { nodes { code } } }",
            json!({}),
        )
        .await;
    let provinces: Vec<String> = provinces["regions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap().to_owned())
        .collect();
    assert!(!provinces.is_empty());
    for region in &provinces {
        app.data(
            r#"mutation($i: RegisterWebhookEndpointInput!) { registerWebhookEndpoint(input: $i) { secret } }"#,
            json!({"i": {"partner": "测试平台", "regionCode": region, "url": url, "eventTypes": events}}),
        )
        .await;
    }

    // Write every personal field of every declared type (Party before its debtor entry).
    let mut ordered = declared.clone();
    ordered.sort_by_key(|r| r.record_type != "Party");
    let mut party = None;
    let mut written = Vec::new();
    for (i, record) in ordered.iter().enumerate() {
        let w = write(&app, record.record_type, 100 + i as u32, &mut party).await;
        let columns: BTreeSet<&str> = record.personal.iter().map(|f| f.column).collect();
        let filled: BTreeSet<&str> = w.values.keys().copied().collect();
        assert_eq!(
            columns, filled,
            "{}: every declared field gets a value",
            record.record_type
        );
        written.push((*record, w));
    }
    let clear: BTreeSet<String> = written
        .iter()
        .flat_map(|(_, w)| w.values.values().cloned())
        .collect();

    // The values are there: the administrator, who has the right, reads them in clear (the
    // debtor list masks its numbers for everyone, so it is checked through its party).
    let mut seen_by_admin = String::new();
    for (record, w) in &written {
        let fields = leaf_fields(&app, record.record_type).await.join(" ");
        let q = format!(
            "query($id: ID!) {{ node(id: $id) {{ ... on {} {{ {fields} }} }} }}",
            record.record_type
        );
        seen_by_admin.push_str(&app.data(&q, json!({"id": w.id})).await.to_string());
    }
    let debtor_numbers: BTreeSet<String> = written
        .iter()
        .filter(|(r, _)| r.record_type == "DishonestDebtor")
        .flat_map(|(_, w)| w.values.values().cloned())
        .collect();
    let expected: Vec<&str> = clear.iter().map(String::as_str).collect();
    assert_eq!(
        found(&seen_by_admin, &clear),
        expected,
        "the admin reads the clear values"
    );
    assert!(!debtor_numbers.is_empty());

    // GraphQL: every record, every field, for every role without the right.
    for (role, region) in [
        ("analyst", None),
        ("supervisor", Some("361100")),
        ("statistics_reader", None),
        ("anonymous", None),
    ] {
        let bearer = (role != "anonymous").then(|| token(role, &[role], region));
        for (record, w) in &written {
            let fields = leaf_fields(&app, record.record_type).await.join(" ");
            let q = format!(
                "query($id: ID!) {{ node(id: $id) {{ ... on {} {{ {fields} }} }} }}",
                record.record_type
            );
            let (_, body) = app.send(bearer.as_deref(), &[], &q, json!({"id": w.id})).await;
            assert_eq!(
                found(&body.to_string(), &clear),
                Vec::<&str>::new(),
                "{role} reads {}: {body}",
                record.record_type
            );
        }
    }

    // Exports: every record list, as a role that reads records without the right.
    let analyst = token("analyst", &["analyst"], None);
    let (status, _, listing) = app.export("no-such-dataset.csv", &[], Some(&analyst)).await;
    assert_eq!(status, 404);
    let listing: Value = serde_json::from_str(&listing.unwrap()).unwrap();
    let message = listing["errors"][0]["message"].as_str().unwrap().to_owned();
    let names = message
        .split("the datasets are ")
        .nth(1)
        .expect("the datasets named");
    let mut exported = 0;
    for dataset in names.split(", ") {
        let (status, _, body) = app.export(&format!("{dataset}.csv"), &[], Some(&analyst)).await;
        if status != 200 {
            continue; // an aggregate that needs parameters, or a list the role may not read
        }
        exported += 1;
        let body = body.unwrap();
        assert_eq!(found(&body, &clear), Vec::<&str>::new(), "export {dataset}");
    }
    assert!(exported >= 5, "the record lists were exported ({exported})");

    // The audit log's snapshots (stored masked: even the administrator reads them so).
    let audit = app
        .data(
            "{ auditLog(first: 100) { nodes { operation entity before after } } }",
            json!({}),
        )
        .await;
    assert!(
        audit.to_string().contains("funeral_subsidy"),
        "the writes are in the log"
    );
    assert_eq!(
        found(&audit.to_string(), &clear),
        Vec::<&str>::new(),
        "audit snapshots"
    );

    // CONFLICT errors carry the current record, masked.
    let conflicts: Vec<&Value> = written.iter().flat_map(|(_, w)| &w.conflicts).collect();
    assert!(!conflicts.is_empty());
    for c in &conflicts {
        assert_eq!(c["extensions"]["code"], "CONFLICT", "{c}");
        assert!(c["extensions"]["current"]["record"].is_object(), "{c}");
        assert_eq!(found(&c.to_string(), &clear), Vec::<&str>::new(), "conflict: {c}");
    }

    // Webhook bodies: one per write, masked, naming records by global ids.
    let wanted = written.len();
    let mut got = Vec::new();
    for _ in 0..500 {
        got = bodies.lock().unwrap().clone();
        if got.len() >= wanted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        got.len() >= wanted,
        "{} webhook bodies, not {wanted}: {got:?} for {:?}",
        got.len(),
        written
            .iter()
            .map(|(r, w)| (r.record_type, &w.id))
            .collect::<Vec<_>>()
    );
    let ids: BTreeSet<&str> = written.iter().map(|(_, w)| w.id.as_str()).collect();
    for body in &got {
        assert_eq!(found(body, &clear), Vec::<&str>::new(), "webhook body {body}");
        let v: Value = serde_json::from_str(body).unwrap();
        assert!(
            ids.contains(v["data"]["id"].as_str().unwrap()),
            "global ids: {body}"
        );
    }
}

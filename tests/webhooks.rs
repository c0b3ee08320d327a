//! The signed webhook outbox: flow nodes pushed to the endpoints registered for their
//! region, signed as Standard Webhooks prescribes (checked here with an HMAC computed
//! independently), retried with backoff, given up after the last attempt, and redelivered
//! after a server process dies mid-delivery. A small receiver on 127.0.0.1 plays the
//! partner's system.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{Seed, ServerProcess, TestApp, court, spawn_app_configured};

/// A request the receiver got: lower-case header names, and the body.
#[derive(Clone, Debug)]
struct Received {
    headers: HashMap<String, String>,
    body: String,
}

impl Received {
    fn id(&self) -> &str {
        self.headers.get("webhook-id").map_or("", String::as_str)
    }
}

/// How the receiver answers the requests of one message id.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// 200.
    Accept,
    /// 500 the first time, 204 afterwards.
    FailOnce,
    /// 500 always.
    Fail,
    /// Never answers the first time (the connection stays open); 200 afterwards.
    HoldOnce,
}

/// The partner's system: records every request, answers as told.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hooks/survey", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let seen = got.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, seen.clone(), behaviour));
            }
        });
        Receiver { url, got }
    }

    fn requests(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests came.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..1000 {
            let got = self.requests();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the receiver got {} requests, not {n}", self.requests().len());
    }
}

async fn answer(mut stream: TcpStream, seen: Arc<Mutex<Vec<Received>>>, behaviour: Behaviour) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let earlier = {
        let mut seen = seen.lock().unwrap();
        let n = seen.iter().filter(|r| r.id() == request.id()).count();
        seen.push(request);
        n
    };
    let status = match (behaviour, earlier) {
        (Behaviour::Accept, _) | (Behaviour::HoldOnce, 1..) => "200 OK",
        (Behaviour::FailOnce, 0) | (Behaviour::Fail, _) => "500 Internal Server Error",
        (Behaviour::FailOnce, _) => "204 No Content",
        (Behaviour::HoldOnce, 0) => {
            // Holds the connection open, never answering.
            std::future::pending::<()>().await;
            return;
        }
    };
    let response = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// One HTTP/1.1 request with a `content-length` body.
async fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length")?.parse().ok()?;
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        headers,
        body: String::from_utf8(buf[head_end..head_end + length].to_vec()).ok()?,
    })
}

/// Whether the request carries a valid Standard Webhooks signature by `secret`: HMAC-SHA256
/// keyed with the base64-decoded secret after `whsec_`, over `{id}.{timestamp}.{body}`.
fn signed_by(r: &Received, secret: &str) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ secret"))
        .expect("base64 secret");
    let timestamp = &r.headers["webhook-timestamp"];
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{timestamp}.{}", r.id(), r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (t - chrono::Utc::now().timestamp()).abs() < 300);
    fresh && r.headers["webhook-signature"].split(' ').any(|s| s == expected)
}

const REGISTER: &str = r#"mutation($i: RegisterWebhookEndpointInput!) {
    registerWebhookEndpoint(input: $i) { secret endpoint { id partner regionCode region { name } url eventTypes active version } } }"#;
const DELIVERIES: &str = r#"query($s: WebhookDeliveryStatus, $e: ID) {
    webhookDeliveries(status: $s, endpointId: $e, first: 100) { totalCount nodes {
        id messageId endpoint { id partner } eventType recordType recordId recordUuid regionCode payload
        status attempts nextAttemptAt lastError lastStatusCode createdAt deliveredAt } } }"#;
const STATS: &str = r#"query($e: ID) { webhookDeliveryStats(endpointId: $e) { pending delivered failed } }"#;
const FILE: &str = r#"mutation($i: FileEnforcementCaseInput!) { fileEnforcementCase(input: $i) { id } }"#;
const NODE: &str = r#"mutation($i: RecordFlowNodeInput!) { recordFlowNode(input: $i) { id uuid kind } }"#;

/// Registers an endpoint as an administrator: its id and secret.
async fn register(app: &TestApp, region: &str, url: &str) -> (String, String) {
    app.act_as("admin", None);
    let d = app
        .data(
            REGISTER,
            json!({"i": {"partner": format!("{region} 短信平台"), "regionCode": region, "url": url,
                         "eventTypes": ["FlowNode.create"]}}),
        )
        .await;
    let r = &d["registerWebhookEndpoint"];
    (
        r["endpoint"]["id"].as_str().unwrap().to_owned(),
        r["secret"].as_str().unwrap().to_owned(),
    )
}

/// Files a case at the basic court of `region` as an administrator.
async fn file(app: &TestApp, region: &str, number: &str) -> String {
    app.act_as("admin", None);
    let court = court(app, region).await;
    let d = app
        .data(
            FILE,
            json!({"i": {"caseNumber": number, "courtId": court, "filedOn": "2024-03-01",
                         "category": "OTHER", "subjectAmount": "5000.00"}}),
        )
        .await;
    d["fileEnforcementCase"]["id"].as_str().unwrap().to_owned()
}

/// Deliveries (as an administrator), of one endpoint or of all.
async fn deliveries(app: &TestApp, endpoint: Option<&str>) -> Vec<Value> {
    app.act_as("admin", None);
    let d = app.data(DELIVERIES, json!({"e": endpoint})).await;
    d["webhookDeliveries"]["nodes"].as_array().unwrap().clone()
}

async fn stats(app: &TestApp, endpoint: Option<&str>) -> Value {
    app.act_as("admin", None);
    app.data(STATS, json!({"e": endpoint})).await["webhookDeliveryStats"].clone()
}

/// Waits until no delivery is pending.
async fn settled(app: &TestApp) -> Value {
    for _ in 0..1000 {
        let s = stats(app, None).await;
        if s["pending"] == 0 {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("deliveries still pending: {}", stats(app, None).await);
}

/// Checks each request against the delivery of its message id: the body is the stored
/// payload exactly, signed with the endpoint's secret.
fn check_signed(requests: &[Received], deliveries: &[Value], secret: &str) {
    for r in requests {
        let d = deliveries
            .iter()
            .find(|d| d["messageId"] == r.id())
            .unwrap_or_else(|| panic!("no delivery {}", r.id()));
        assert_eq!(r.body, d["payload"].as_str().unwrap());
        assert_eq!(r.headers["content-type"], "application/json");
        assert!(signed_by(r, secret), "bad signature: {r:?}");
        assert!(!signed_by(r, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    }
}

fn fast(s: &mut api::config::Settings) {
    s.webhooks.poll_ms = 25;
    s.webhooks.retry_base_ms = 50;
    s.webhooks.retry_max_ms = 200;
    s.webhooks.timeout_ms = 2_000;
    s.webhooks.max_attempts = 3;
}

#[tokio::test]
async fn flow_nodes_are_pushed_signed_to_the_endpoints_of_their_region() {
    let app = spawn_app_configured(Seed::Reference, fast).await;
    let county = Receiver::start(Behaviour::Accept).await;
    let city = Receiver::start(Behaviour::Accept).await;

    // Only administrators manage endpoints and read the outbox.
    let input = json!({"i": {"partner": "短信平台", "regionCode": "361126", "url": county.url,
                             "eventTypes": ["FlowNode.create"]}});
    for (role, region, code) in [
        ("court_officer", Some("361126"), "FORBIDDEN"),
        ("supervisor", Some("361100"), "FORBIDDEN"),
        ("analyst", None, "FORBIDDEN"),
        ("partner_agency", None, "FORBIDDEN"),
    ] {
        app.act_as(role, region);
        assert_eq!(app.error_code(REGISTER, input.clone()).await, code, "{role}");
        assert_eq!(app.error_code(DELIVERIES, json!({})).await, code, "{role}");
        assert_eq!(app.error_code(STATS, json!({})).await, code, "{role}");
        assert_eq!(
            app.error_code("{ webhookEndpoints { totalCount } }", json!({}))
                .await,
            code,
            "{role}"
        );
    }
    app.act_anonymously();
    assert_eq!(app.error_code(REGISTER, input.clone()).await, "UNAUTHENTICATED");

    // Input is checked, field by field.
    app.act_as("admin", None);
    for (change, field) in [
        (json!({"url": "ftp://sms.example.com/hook"}), "url"),
        (json!({"url": "not a url"}), "url"),
        (json!({"url": "http://"}), "url"),
        (json!({"regionCode": "999999"}), "regionCode"),
        (json!({"eventTypes": []}), "eventTypes"),
        (json!({"eventTypes": ["FlowNode.created"]}), "eventTypes"),
        (json!({"eventTypes": ["Nothing.create"]}), "eventTypes"),
        (json!({"partner": " "}), "partner"),
    ] {
        let mut i = input["i"].clone();
        i.as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let err = app.error(REGISTER, json!({"i": i})).await;
        assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT", "{change}");
        assert_eq!(err["extensions"]["field"], field, "{change}");
    }

    // An endpoint for 弋阳县 and one for 上饶市 above it; the secret is shown once.
    let d = app.data(REGISTER, input.clone()).await;
    let registered = &d["registerWebhookEndpoint"];
    assert_eq!(registered["endpoint"]["regionCode"], "361126");
    assert_eq!(registered["endpoint"]["region"]["name"], "弋阳县");
    assert_eq!(registered["endpoint"]["eventTypes"], json!(["FlowNode.create"]));
    assert_eq!(registered["endpoint"]["active"], true);
    let county_id = registered["endpoint"]["id"].as_str().unwrap().to_owned();
    let county_secret = registered["secret"].as_str().unwrap().to_owned();
    assert!(county_secret.starts_with("whsec_"), "{county_secret}");
    assert!(STANDARD.decode(&county_secret[6..]).unwrap().len() >= 24);
    let (city_id, city_secret) = register(&app, "361100", &city.url).await;
    assert_ne!(county_secret, city_secret);
    let listed = app
        .data("{ webhookEndpoints { totalCount nodes { id url } } }", json!({}))
        .await;
    assert_eq!(listed["webhookEndpoints"]["totalCount"], 2);
    assert!(!listed.to_string().contains("whsec_"), "{listed}");
    let node = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { partner } } }",
            json!({"id": county_id}),
        )
        .await;
    assert_eq!(node["node"]["partner"], "短信平台");

    // A case in 弋阳县 (its FILED node), one in 鄱阳县 (outside the county's subtree, inside
    // the city's), and a flow node a court officer of 弋阳县 records; a party is no flow node.
    let case = file(&app, "361126", "(2024)赣1126执1号").await;
    file(&app, "361128", "(2024)赣1128执1号").await;
    app.act_as("court_officer", Some("361126"));
    let d = app
        .data(
            NODE,
            json!({"i": {"caseId": case, "kind": "ASSIGNED", "occurredOn": "2024-03-02"}}),
        )
        .await;
    let assigned_uuid = d["recordFlowNode"]["uuid"].as_str().unwrap().to_owned();
    app.data(
        r#"mutation($i: AddPartyInput!) { addParty(input: $i) { id } }"#,
        json!({"i": {"caseId": case, "role": "APPLICANT", "kind": "ORGANISATION", "name": "某公司"}}),
    )
    .await;

    let s = settled(&app).await;
    assert_eq!(s, json!({"pending": 0, "delivered": 5, "failed": 0}));
    assert_eq!(
        stats(&app, Some(&county_id)).await,
        json!({"pending": 0, "delivered": 2, "failed": 0})
    );

    // The county's system got its two flow nodes, exactly as stored and signed.
    let county_deliveries = deliveries(&app, Some(&county_id)).await;
    let got = county.wait_for(2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    check_signed(&got, &county_deliveries, &county_secret);
    let mut kinds = Vec::new();
    for d in &county_deliveries {
        assert_eq!(d["status"], "DELIVERED", "{d}");
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["lastStatusCode"], 200);
        assert!(d["lastError"].is_null() && d["nextAttemptAt"].is_null());
        assert!(d["deliveredAt"].is_string());
        assert_eq!(d["eventType"], "FlowNode.create");
        assert_eq!(d["recordType"], "FlowNode");
        assert_eq!(d["regionCode"], "361126");
        assert_eq!(d["endpoint"]["id"], county_id.as_str());
        assert!(d["messageId"].as_str().unwrap().starts_with("msg_"));
        let body: Value = serde_json::from_str(d["payload"].as_str().unwrap()).unwrap();
        assert_eq!(body["type"], "FlowNode.create");
        assert!(
            chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok(),
            "{body}"
        );
        assert_eq!(body["data"]["uuid"], d["recordUuid"]);
        // Records leave with the API's global ids, never database integers.
        assert_eq!(body["data"]["case_id"], case.as_str());
        assert_eq!(d["recordId"], body["data"]["id"]);
        kinds.push(body["data"]["kind"].as_str().unwrap().to_owned());
    }
    kinds.sort();
    assert_eq!(kinds, ["assigned", "filed"]);
    assert!(
        county_deliveries
            .iter()
            .any(|d| d["recordUuid"] == assigned_uuid.as_str())
    );

    // The city's got the nodes of both counties under it.
    let city_deliveries = deliveries(&app, Some(&city_id)).await;
    assert_eq!(city_deliveries.len(), 3);
    let got = city.wait_for(3).await;
    assert_eq!(got.len(), 3);
    check_signed(&got, &city_deliveries, &city_secret);
    let mut regions: Vec<&str> = city_deliveries
        .iter()
        .map(|d| d["regionCode"].as_str().unwrap())
        .collect();
    regions.sort();
    assert_eq!(regions, ["361126", "361126", "361128"]);

    // Filters: by status.
    app.act_as("admin", None);
    let d = app.data(DELIVERIES, json!({"s": "FAILED"})).await;
    assert_eq!(d["webhookDeliveries"]["totalCount"], 0);
    let d = app.data(DELIVERIES, json!({"s": "DELIVERED"})).await;
    assert_eq!(d["webhookDeliveries"]["totalCount"], 5);

    // A deactivated endpoint is told of nothing more; a stale version is a conflict.
    const DEACTIVATE: &str = r#"mutation($id: ID!, $v: Int!) { deactivateWebhookEndpoint(id: $id, expectedVersion: $v) { active version } }"#;
    assert_eq!(
        app.error_code(DEACTIVATE, json!({"id": county_id, "v": 7})).await,
        "CONFLICT"
    );
    let d = app.data(DEACTIVATE, json!({"id": county_id, "v": 1})).await;
    assert_eq!(
        d["deactivateWebhookEndpoint"],
        json!({"active": false, "version": 2})
    );
    file(&app, "361126", "(2024)赣1126执2号").await;
    let s = settled(&app).await;
    assert_eq!(s["delivered"], 6, "{s}");
    assert_eq!(deliveries(&app, Some(&county_id)).await.len(), 2);
    assert_eq!(county.requests().len(), 2);
    assert_eq!(city.wait_for(4).await.len(), 4);
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_backoff_then_given_up() {
    let app = spawn_app_configured(Seed::Reference, fast).await;
    let flaky = Receiver::start(Behaviour::FailOnce).await;
    let down = Receiver::start(Behaviour::Fail).await;
    let (flaky_id, flaky_secret) = register(&app, "361126", &flaky.url).await;
    let (down_id, down_secret) = register(&app, "361126", &down.url).await;

    file(&app, "361126", "(2024)赣1126执3号").await;
    let s = settled(&app).await;
    assert_eq!(s, json!({"pending": 0, "delivered": 1, "failed": 1}));

    // 500, then 204: delivered at the second attempt, the same message both times.
    let d = deliveries(&app, Some(&flaky_id)).await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["status"], "DELIVERED");
    assert_eq!(d[0]["attempts"], 2);
    assert_eq!(d[0]["lastStatusCode"], 204);
    assert!(d[0]["lastError"].is_null());
    let got = flaky.wait_for(2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id(), got[1].id());
    assert_eq!(got[0].body, got[1].body);
    check_signed(&got, &d, &flaky_secret);

    // Always 500: failed after the last of three attempts, with the answer kept.
    let d = deliveries(&app, Some(&down_id)).await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["status"], "FAILED");
    assert_eq!(d[0]["attempts"], 3);
    assert_eq!(d[0]["lastStatusCode"], 500);
    assert_eq!(d[0]["lastError"], "HTTP 500");
    assert!(d[0]["deliveredAt"].is_null() && d[0]["nextAttemptAt"].is_null());
    let got = down.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(down.requests().len(), 3, "no attempt after the last");
    check_signed(&got, &d, &down_secret);
    assert!(got.iter().all(|r| r.id() == got[0].id()));
    assert_eq!(
        stats(&app, Some(&down_id)).await,
        json!({"pending": 0, "delivered": 0, "failed": 1})
    );
}

#[tokio::test]
async fn a_delivery_cut_off_by_a_crash_is_sent_again_after_the_restart() {
    // The test's own process only writes and reads; real server processes deliver.
    let app = spawn_app_configured(Seed::Reference, |s| s.webhooks.deliver = false).await;
    let receiver = Receiver::start(Behaviour::HoldOnce).await;
    let (endpoint, secret) = register(&app, "361126", &receiver.url).await;
    // The attempt holds its delivery for twice the timeout (the lease).
    let env = [
        ("WEBHOOK_POLL_MS", "25"),
        ("WEBHOOK_TIMEOUT_MS", "2500"),
        ("WEBHOOK_RETRY_BASE_MS", "50"),
    ];
    let first = ServerProcess::start(app.database_url(), &env).await;
    file(&app, "361126", "(2024)赣1126执4号").await;

    // The first process sends, the receiver holds the request, the process dies.
    let held = receiver.wait_for(1).await;
    drop(first);
    let d = deliveries(&app, Some(&endpoint)).await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["status"], "PENDING", "{d:?}");
    assert_eq!(d[0]["attempts"], 1);
    assert!(d[0]["lastError"].is_null(), "the attempt never ended: {d:?}");

    // Another process takes the delivery once the dead one's lease runs out.
    let _second = ServerProcess::start(app.database_url(), &env).await;
    let s = settled(&app).await;
    assert_eq!(s, json!({"pending": 0, "delivered": 1, "failed": 0}));
    let d = deliveries(&app, Some(&endpoint)).await;
    assert_eq!(d[0]["status"], "DELIVERED");
    assert_eq!(d[0]["attempts"], 2);
    let got = receiver.wait_for(2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].id(), held[0].id(), "redelivered under the same webhook-id");
    assert_eq!(got[1].body, held[0].body);
    check_signed(&got, &d, &secret);
}

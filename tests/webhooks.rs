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

use crate::helpers::{Seed, ServerProcess, TestApp, WEBHOOK_KEY, court, spawn_app_configured};

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

/// The endpoints' `secret` column as stored, in registration order.
async fn stored_secrets(app: &TestApp) -> Vec<String> {
    use sea_orm::{EntityTrait, QueryOrder};
    entity::webhook::endpoint::Entity::find()
        .order_by_asc(entity::webhook::endpoint::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.secret)
        .collect()
}

/// The key id of a stored secret under `key` (base64): the hex of the first 8 bytes of the
/// key's SHA-256.
fn key_id(key: &str) -> String {
    use sha2::Digest;
    Sha256::digest(STANDARD.decode(key).unwrap())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A server on 127.0.0.1 that answers every request with a redirect to `location`; counts them.
async fn redirector(location: &str) -> (String, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hooks/survey", listener.local_addr().unwrap());
    let count = Arc::new(Mutex::new(0));
    let (seen, location) = (count.clone(), location.to_owned());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (seen, location) = (seen.clone(), location.clone());
            tokio::spawn(async move {
                if read_request(&mut stream).await.is_some() {
                    *seen.lock().unwrap() += 1;
                    let response = format!(
                        "HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                }
            });
        }
    });
    (url, count)
}

/// Another server in this process on `app`'s database that only delivers, with the
/// webhook settings `configure` makes of `fast`'s; it stops when the handle is aborted.
async fn deliverer(
    app: &TestApp,
    configure: impl FnOnce(&mut api::config::Settings),
) -> tokio::task::JoinHandle<()> {
    let mut settings = api::config::Settings::for_tests(app.database_url());
    fast(&mut settings);
    configure(&mut settings);
    let db = api::startup::connect(&settings).await.expect("connect");
    let server = api::startup::Application::build_with_db(settings, db, None).expect("build");
    tokio::spawn(async move {
        let _ = server.run_until_stopped().await;
    })
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
    // The receivers are plain http on 127.0.0.1: the operator's allow-list admits them.
    s.webhooks.allow_http = true;
    s.webhooks.allow_cidrs = vec!["127.0.0.1/32".parse().unwrap()];
}

/// The environment of a server process that delivers to the receivers, as `fast` does.
const LOOPBACK_ALLOWED: [(&str, &str); 2] = [
    ("WEBHOOK_ALLOW_HTTP", "true"),
    ("WEBHOOK_ALLOW_CIDRS", "127.0.0.1/32"),
];

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
    // The database holds the secrets encrypted, never in clear.
    for (stored, clear) in stored_secrets(&app)
        .await
        .iter()
        .zip([&county_secret, &city_secret])
    {
        assert!(stored.starts_with("v1:"), "{stored}");
        assert!(!stored.contains(&clear[6..]), "{stored}");
    }
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
    assert_eq!(d[0]["lastError"], "http status 500");
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
    let app = spawn_app_configured(Seed::Reference, |s| {
        fast(s);
        s.webhooks.deliver = false;
    })
    .await;
    let receiver = Receiver::start(Behaviour::HoldOnce).await;
    let (endpoint, secret) = register(&app, "361126", &receiver.url).await;
    // The attempt holds its delivery for twice the timeout (the lease).
    let env = [
        ("WEBHOOK_POLL_MS", "25"),
        ("WEBHOOK_TIMEOUT_MS", "2500"),
        ("WEBHOOK_RETRY_BASE_MS", "50"),
        LOOPBACK_ALLOWED[0],
        LOOPBACK_ALLOWED[1],
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

#[tokio::test]
async fn endpoints_on_the_servers_own_networks_are_refused_unless_allowed() {
    // Plain http is allowed here, so that the address is the only reason to refuse.
    let app = spawn_app_configured(Seed::Reference, |s| {
        fast(s);
        s.webhooks.allow_cidrs.clear();
    })
    .await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    app.act_as("admin", None);
    // Nothing is sent to any of them: the addresses are literals, refused at registration.
    for url in [
        receiver.url.clone(),
        format!("http://[::ffff:127.0.0.1]:{port}/hooks/survey"),
        format!("http://[::1]:{port}/hooks/survey"),
        format!("http://localhost:{port}/hooks/survey"),
        format!("http://2130706433:{port}/hooks/survey"),
        "http://10.0.0.1/hooks".to_owned(),
        "http://10.255.0.9:8080/hooks".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/".to_owned(),
        "http://192.168.1.1/".to_owned(),
        "http://100.64.0.1/".to_owned(),
        "http://0.0.0.0/".to_owned(),
        "http://[fd00::1]/".to_owned(),
    ] {
        let input = json!({"i": {"partner": "内网", "regionCode": "361126", "url": url,
                                 "eventTypes": ["FlowNode.create"]}});
        let err = app.error(REGISTER, input).await;
        assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT", "{url}: {err}");
        assert_eq!(err["extensions"]["field"], "url", "{url}");
        assert!(
            err["message"].as_str().unwrap().contains("WEBHOOK_ALLOW_CIDRS"),
            "{url}: {err}"
        );
    }
    let listed = app.data("{ webhookEndpoints { totalCount } }", json!({})).await;
    assert_eq!(listed["webhookEndpoints"]["totalCount"], 0);
    // A public name passes registration (it is checked at every delivery).
    app.data(
        REGISTER,
        json!({"i": {"partner": "短信平台", "regionCode": "361126",
                     "url": "https://sms.example.com/hooks/survey", "eventTypes": ["FlowNode.create"]}}),
    )
    .await;
    assert!(receiver.requests().is_empty());
}

#[tokio::test]
async fn plain_http_is_refused_unless_allowed() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        fast(s);
        s.webhooks.allow_http = false;
    })
    .await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    app.act_as("admin", None);
    let input = json!({"i": {"partner": "短信平台", "regionCode": "361126", "url": receiver.url,
                             "eventTypes": ["FlowNode.create"]}});
    let err = app.error(REGISTER, input).await;
    assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT", "{err}");
    assert_eq!(err["extensions"]["field"], "url");
    assert!(err["message"].as_str().unwrap().contains("https://"), "{err}");
    // The same address over https is not refused for its address (the allow-list admits it).
    let https = receiver.url.replace("http://", "https://");
    let d = app
        .data(
            REGISTER,
            json!({"i": {"partner": "短信平台", "regionCode": "361126", "url": https,
                         "eventTypes": ["FlowNode.create"]}}),
        )
        .await;
    assert_eq!(d["registerWebhookEndpoint"]["endpoint"]["url"], https.as_str());
}

#[tokio::test]
async fn a_destination_is_checked_again_at_every_delivery() {
    // Registered while the operator admitted loopback, by name (`localhost`, looked up at
    // every delivery); the test's own process never delivers.
    let app = spawn_app_configured(Seed::Reference, |s| {
        fast(s);
        s.webhooks.deliver = false;
        s.webhooks.allow_cidrs = vec!["127.0.0.1/32".parse().unwrap(), "::1/128".parse().unwrap()];
    })
    .await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let (endpoint, secret) = register(&app, "361126", &by_name).await;

    // A deliverer without the allow-list: every address of `localhost` is loopback, refused,
    // and the stored error says so and nothing more.
    let strict = deliverer(&app, |s| s.webhooks.allow_cidrs.clear()).await;
    file(&app, "361126", "(2024)赣1126执5号").await;
    let s = settled(&app).await;
    strict.abort();
    let _ = strict.await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(s, json!({"pending": 0, "delivered": 0, "failed": 1}));
    let d = deliveries(&app, Some(&endpoint)).await;
    assert_eq!(d[0]["attempts"], 3);
    assert_eq!(d[0]["lastError"], "refused: address not allowed");
    assert!(d[0]["lastStatusCode"].is_null());
    assert!(receiver.requests().is_empty(), "nothing reached loopback");

    // With the allow-list, the name is resolved, checked and the request sent to it.
    let allowed = deliverer(&app, |s| {
        s.webhooks.allow_cidrs = vec!["127.0.0.1/32".parse().unwrap(), "::1/128".parse().unwrap()];
    })
    .await;
    file(&app, "361126", "(2024)赣1126执6号").await;
    let s = settled(&app).await;
    allowed.abort();
    assert_eq!(s, json!({"pending": 0, "delivered": 1, "failed": 1}));
    let got = receiver.wait_for(1).await;
    assert_eq!(got.len(), 1);
    check_signed(&got, &deliveries(&app, Some(&endpoint)).await, &secret);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let app = spawn_app_configured(Seed::Reference, fast).await;
    let target = Receiver::start(Behaviour::Accept).await;
    let (url, redirected) = redirector(&target.url).await;
    let (endpoint, _) = register(&app, "361126", &url).await;
    file(&app, "361126", "(2024)赣1126执7号").await;
    let s = settled(&app).await;
    assert_eq!(s, json!({"pending": 0, "delivered": 0, "failed": 1}));
    let d = deliveries(&app, Some(&endpoint)).await;
    assert_eq!(d[0]["attempts"], 3);
    assert_eq!(d[0]["lastStatusCode"], 302);
    assert_eq!(d[0]["lastError"], "redirect not followed");
    assert_eq!(*redirected.lock().unwrap(), 3);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(target.requests().is_empty(), "the redirect's target got nothing");
}

#[tokio::test]
async fn secrets_stored_in_clear_or_under_the_previous_key_are_reencrypted_at_start() {
    const KEY_A: &str = "jPth8Fc0Buf6MuBLwF+cxLWfiVVlw6v1Ep8TSwLDw5Y=";
    const KEY_B: &str = "m3iK68xFcM47oupE4P4Unfpu7gCWKqeJcS4yKEob1bA=";
    // Registered by a process with key A.
    let app = spawn_app_configured(Seed::Reference, |s| {
        fast(s);
        s.webhooks.deliver = false;
        s.webhooks.secret_key = Some(KEY_A.to_owned());
    })
    .await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    let (first, first_secret) = register(&app, "361126", &receiver.url).await;
    let (legacy, legacy_secret) = register(&app, "361126", &receiver.url).await;
    let stored = stored_secrets(&app).await;
    assert!(
        stored
            .iter()
            .all(|s| s.starts_with(&format!("v1:{}:", key_id(KEY_A)))),
        "{stored:?}"
    );
    // The second as a secret stored before encryption: in clear.
    {
        use sea_orm::ConnectionTrait;
        let sql = format!(
            "UPDATE webhook_endpoints SET secret = '{legacy_secret}' WHERE secret = '{}'",
            stored[1]
        );
        app.db.execute_unprepared(&sql).await.unwrap();
    }
    assert_eq!(stored_secrets(&app).await[1], legacy_secret);

    // A process with key B, A as the previous key: both under B before it is ready.
    let mut env = vec![
        ("WEBHOOK_POLL_MS", "25"),
        ("WEBHOOK_RETRY_BASE_MS", "50"),
        ("WEBHOOK_SECRET_KEY", KEY_B),
        ("WEBHOOK_SECRET_KEY_PREVIOUS", KEY_A),
    ];
    env.extend(LOOPBACK_ALLOWED);
    let _server = ServerProcess::start(app.database_url(), &env).await;
    let stored = stored_secrets(&app).await;
    for s in &stored {
        assert!(s.starts_with(&format!("v1:{}:", key_id(KEY_B))), "{stored:?}");
        assert!(!s.contains(&first_secret[6..]) && !s.contains(&legacy_secret[6..]));
    }
    // Its deliveries are signed with the secrets the partners hold.
    file(&app, "361126", "(2024)赣1126执8号").await;
    let s = settled(&app).await;
    assert_eq!(s, json!({"pending": 0, "delivered": 2, "failed": 0}));
    let got = receiver.wait_for(2).await;
    let first_deliveries = deliveries(&app, Some(&first)).await;
    let legacy_deliveries = deliveries(&app, Some(&legacy)).await;
    let (to_first, to_legacy): (Vec<Received>, Vec<Received>) = got
        .into_iter()
        .partition(|r| first_deliveries.iter().any(|d| d["messageId"] == r.id()));
    assert_eq!((to_first.len(), to_legacy.len()), (1, 1));
    check_signed(&to_first, &first_deliveries, &first_secret);
    check_signed(&to_legacy, &legacy_deliveries, &legacy_secret);
}

#[tokio::test]
async fn production_refuses_to_start_without_a_secret_key() {
    let app = spawn_app_configured(Seed::Reference, |_| {}).await;
    let binary = std::env::var("SURVEY_API_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_api").to_owned());
    let folder = std::env::temp_dir();
    let mut child = std::process::Command::new(binary)
        .arg("serve")
        .current_dir(&folder)
        .env("APP_ENV", "production")
        .env("DATABASE_URL", app.database_url())
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("JWT_SECRET", api::config::TEST_JWT_SECRET)
        .env_remove("WEBHOOK_SECRET_KEY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the server");
    // It stops at once; a server that started is killed and the test fails.
    for _ in 0..300 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if child.try_wait().unwrap().is_none() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("production started without WEBHOOK_SECRET_KEY");
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("WEBHOOK_SECRET_KEY"), "{said}");
    // With the key it starts.
    let _server = ServerProcess::start(
        app.database_url(),
        &[("APP_ENV", "production"), ("WEBHOOK_SECRET_KEY", WEBHOOK_KEY)],
    )
    .await;
}

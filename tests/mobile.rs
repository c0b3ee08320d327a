//! A scripted mobile client: fills its store from empty by delta sync, stays current with
//! small requests (tombstones, records moving out of scope, scope changes), replays a queue
//! of offline writes (once each; a conflict comes back with the server's record), and hears
//! live flow nodes over graphql-transport-ws, written by another server process.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::*;

const SYNC: &str = r#"query($since: String, $after: String, $first: Int, $domains: [SyncDomain!], $region: String) {
  changes(since: $since, after: $after, first: $first, domains: $domains, regionCode: $region) {
    upserts { regionCode node { id ... on CommunityUnit { uuid name version } } }
    deletions { id recordType uuid reason }
    drops { domain regionCodes }
    hasNextPage endCursor syncToken
  } }"#;

const CREATE_UNIT: &str = r#"mutation($input: CommunityUnitInput!, $uuid: String, $key: String) {
    createCommunityUnit(input: $input, uuid: $uuid, idempotencyKey: $key) { id uuid name version regionCode } }"#;
const UPDATE_UNIT: &str = r#"mutation($id: ID!, $input: CommunityUnitInput!, $v: Int!) {
    updateCommunityUnit(id: $id, input: $input, expectedVersion: $v) { id version regionCode } }"#;
const DELETE_UNIT: &str =
    r#"mutation($id: ID!, $v: Int!) { deleteCommunityUnit(id: $id, expectedVersion: $v) { id } }"#;

fn unit(name: &str, region: &str) -> Value {
    json!({"name": name, "regionCode": region, "unitType": "NON_AGRICULTURAL", "households": 100})
}

/// The client's store: records by global id, with their region; and its sync token.
#[derive(Default)]
struct Store {
    records: HashMap<String, (String, Value)>,
    token: Option<String>,
}

impl Store {
    /// Syncs to current, page by page; returns the pages' deletions and drops.
    async fn sync(
        &mut self,
        app: &TestApp,
        first: i64,
        region: Option<&str>,
    ) -> (Vec<Value>, Vec<Value>, usize) {
        let mut after: Option<String> = None;
        let (mut deletions, mut drops, mut pages) = (Vec::new(), Vec::new(), 0);
        loop {
            let d = app
                .data(
                    SYNC,
                    json!({"since": self.token, "after": after, "first": first,
                           "domains": ["COMMUNITY"], "region": region}),
                )
                .await;
            let page = &d["changes"];
            pages += 1;
            for u in page["upserts"].as_array().unwrap() {
                let id = u["node"]["id"].as_str().unwrap().to_owned();
                self.records.insert(
                    id,
                    (u["regionCode"].as_str().unwrap().to_owned(), u["node"].clone()),
                );
            }
            for del in page["deletions"].as_array().unwrap() {
                self.records.remove(del["id"].as_str().unwrap());
                deletions.push(del.clone());
            }
            for drop in page["drops"].as_array().unwrap() {
                let codes: Vec<&str> = drop["regionCodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
                    .collect();
                self.records
                    .retain(|_, (region, _)| !codes.contains(&region.as_str()));
                drops.push(drop.clone());
            }
            assert_eq!(page["endCursor"], page["syncToken"]);
            self.token = Some(page["syncToken"].as_str().unwrap().to_owned());
            if page["hasNextPage"] == false {
                return (deletions, drops, pages);
            }
            after = Some(page["endCursor"].as_str().unwrap().to_owned());
        }
    }

    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .records
            .values()
            .map(|(_, n)| n["name"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    }
}

#[tokio::test]
async fn a_client_syncs_from_empty_then_incrementally_with_tombstones_and_scope_changes() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for (name, region) in [
        ("东风社区", "140581"),
        ("西湖社区", "140581"),
        ("南山社区", "140581"),
        ("北关社区", "140502"),
    ] {
        let d = app.data(CREATE_UNIT, json!({"input": unit(name, region)})).await;
        ids.push(d["createCommunityUnit"]["id"].as_str().unwrap().to_owned());
    }

    // From empty, two records a page: the county officer's three units, nothing else.
    app.act_as("civil_affairs_officer", Some("140581"));
    let mut store = Store::default();
    let (_, _, pages) = store.sync(&app, 2, None).await;
    assert!(pages >= 2, "paged: {pages}");
    assert_eq!(store.names(), ["东风社区", "南山社区", "西湖社区"]);
    // Nothing changed: one small page, nothing in it.
    let (del, drops, pages) = store.sync(&app, 100, None).await;
    assert_eq!((del.len(), drops.len(), pages), (0, 0, 1));

    // The server changes one unit, deletes one and moves one to another county.
    app.act_as("admin", None);
    app.data(
        UPDATE_UNIT,
        json!({"id": ids[0], "input": unit("东风社区（改）", "140581"), "v": 1}),
    )
    .await;
    app.data(DELETE_UNIT, json!({"id": ids[1], "v": 1})).await;
    app.data(
        UPDATE_UNIT,
        json!({"id": ids[2], "input": unit("南山社区", "140502"), "v": 1}),
    )
    .await;
    app.data(CREATE_UNIT, json!({"input": unit("外县社区", "140502")}))
        .await;
    app.act_as("civil_affairs_officer", Some("140581"));
    let (del, _, _) = store.sync(&app, 100, None).await;
    assert_eq!(store.names(), ["东风社区（改）"]);
    let reasons: HashMap<&str, &str> = del
        .iter()
        .map(|d| (d["id"].as_str().unwrap(), d["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(reasons[ids[1].as_str()], "DELETED");
    assert_eq!(reasons[ids[2].as_str()], "OUT_OF_SCOPE");
    assert!(
        del.iter()
            .all(|d| d["recordType"] == "CommunityUnit" && d["uuid"].is_string())
    );

    // The officer's scope widens to the city: the next sync brings what it added.
    app.act_as("civil_affairs_officer", Some("140500"));
    store.sync(&app, 100, None).await;
    assert_eq!(
        store.names(),
        ["东风社区（改）", "北关社区", "南山社区", "外县社区"]
    );
    // ...and narrows again: the next sync says which regions to drop.
    app.act_as("civil_affairs_officer", Some("140581"));
    let (_, drops, _) = store.sync(&app, 100, None).await;
    assert_eq!(drops.len(), 1);
    assert_eq!(drops[0]["domain"], "COMMUNITY");
    let codes = drops[0]["regionCodes"].as_array().unwrap();
    assert!(codes.contains(&json!("140502")) && !codes.contains(&json!("140581")));
    assert_eq!(store.names(), ["东风社区（改）"]);

    // A region outside the scope, a bad token and a bad page size are refused.
    let sync_error = |vars: Value| {
        let app = &app;
        async move { app.error(SYNC, vars).await }
    };
    let e = sync_error(json!({"region": "140502"})).await;
    assert_eq!(
        (
            e["extensions"]["code"].as_str(),
            e["extensions"]["field"].as_str()
        ),
        (Some("BAD_USER_INPUT"), Some("regionCode"))
    );
    let e = sync_error(json!({"since": "bm90IGEgdG9rZW4"})).await;
    assert_eq!(e["extensions"]["field"], "since");
    let e = sync_error(json!({"first": 0})).await;
    assert_eq!(e["extensions"]["field"], "first");
    // Without a token there is nothing to sync.
    app.act_anonymously();
    assert_eq!(app.error_code(SYNC, json!({})).await, "UNAUTHENTICATED");

    // A page costs the same statements whatever its size (no statement per record).
    app.act_as("admin", None);
    for i in 0..30 {
        app.data(
            CREATE_UNIT,
            json!({"input": unit(&format!("批量社区{i}"), "140581")}),
        )
        .await;
    }
    let mut counts = Vec::new();
    for first in [3, 30] {
        app.reset_statements();
        app.data(SYNC, json!({"first": first, "domains": ["COMMUNITY"]}))
            .await;
        counts.push(app.statements().len());
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 3 and 30 records: {counts:?}"
    );
}

#[tokio::test]
async fn offline_writes_replay_once_and_conflicts_carry_the_servers_record() {
    let app = spawn_app().await;
    app.act_as("civil_affairs_officer", Some("140581"));
    // The queue the phone kept while offline: each create with its own UUID and key.
    let queue: Vec<(String, String, Value)> = (0..3)
        .map(|i| {
            (
                uuid::Uuid::new_v4().to_string(),
                format!("phone-7:{i}"),
                unit(&format!("离线社区{i}"), "140581"),
            )
        })
        .collect();
    let mut first_ids = Vec::new();
    for (u, key, input) in &queue {
        let d = app
            .data(CREATE_UNIT, json!({"input": input, "uuid": u, "key": key}))
            .await;
        assert_eq!(d["createCommunityUnit"]["uuid"], json!(u));
        first_ids.push(d["createCommunityUnit"]["id"].clone());
    }
    // The connection dropped before the answers arrived: the whole queue is replayed.
    for ((u, key, input), id) in queue.iter().zip(&first_ids) {
        let d = app
            .data(CREATE_UNIT, json!({"input": input, "uuid": u, "key": key}))
            .await;
        assert_eq!(
            &d["createCommunityUnit"]["id"], id,
            "a replay returns the first result"
        );
    }
    let d = app.data(SYNC, json!({"domains": ["COMMUNITY"]})).await;
    assert_eq!(
        d["changes"]["upserts"].as_array().unwrap().len(),
        3,
        "each write had one effect"
    );
    // The same UUID under another key is a clash, not a replay.
    let e = app
        .error(
            CREATE_UNIT,
            json!({"input": queue[0].2, "uuid": queue[0].0, "key": "other"}),
        )
        .await;
    assert_eq!(e["extensions"]["code"], "CONFLICT");

    // Someone else changed a unit while the phone was offline; the phone's edit was made
    // against version 1 and comes back with the server's record.
    app.act_as("admin", None);
    app.data(
        UPDATE_UNIT,
        json!({"id": first_ids[0], "input": unit("服务器改名", "140581"), "v": 1}),
    )
    .await;
    app.act_as("civil_affairs_officer", Some("140581"));
    let e = app
        .error(
            UPDATE_UNIT,
            json!({"id": first_ids[0], "input": unit("手机改名", "140581"), "v": 1}),
        )
        .await;
    assert_eq!(e["extensions"]["code"], "CONFLICT");
    let current = &e["extensions"]["current"];
    assert_eq!(current["id"], first_ids[0]);
    assert_eq!(current["type"], "CommunityUnit");
    assert_eq!(current["version"], 2);
    assert_eq!(current["record"]["name"], "服务器改名");
    assert_eq!(current["record"]["regionCode"], "140581");
    // Merged and sent again at the server's version, it goes through.
    let d = app
        .data(
            UPDATE_UNIT,
            json!({"id": first_ids[0], "input": unit("手机改名", "140581"), "v": 2}),
        )
        .await;
    assert_eq!(d["updateCommunityUnit"]["version"], 3);
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp) -> Ws {
    let mut request = format!("{}/graphql", app.base.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (ws, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    ws
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::text(message.to_string())).await.unwrap();
}

/// The next message: its JSON, or the close code.
async fn next(ws: &mut Ws) -> Result<Value, u16> {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a message in time");
        match m {
            Some(Ok(Message::Text(t))) => return Ok(serde_json::from_str(t.as_str()).unwrap()),
            Some(Ok(Message::Close(frame))) => return Err(frame.map_or(1005, |f| u16::from(f.code))),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Err(1006),
        }
    }
}

async fn init(ws: &mut Ws, token: &str) -> Result<Value, u16> {
    send(
        ws,
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}),
    )
    .await;
    next(ws).await
}

#[tokio::test]
async fn live_flow_nodes_reach_subscribers_in_scope_from_any_process_and_stop_at_expiry() {
    let app = spawn_app_configured(Seed::Reference, |s| s.ws_max_subscriptions = 1).await;
    let yiyang = court(&app, "361126").await;
    let poyang = court(&app, "361128").await;

    // No token, no connection.
    let mut ws = connect(&app).await;
    send(&mut ws, json!({"type": "connection_init", "payload": {}})).await;
    assert_eq!(next(&mut ws).await, Err(4403));

    // A county court officer subscribes to new flow nodes.
    let mut ws = connect(&app).await;
    let officer = token("court_officer", &["court_officer"], Some("361126"));
    assert_eq!(init(&mut ws, &officer).await.unwrap()["type"], "connection_ack");
    send(
        &mut ws,
        json!({"id": "1", "type": "subscribe", "payload": {
        "query": "subscription { flowNodeAdded { id kind caseId } }"}}),
    )
    .await;
    // One subscription per connection here: a second is refused with a code.
    send(
        &mut ws,
        json!({"id": "2", "type": "subscribe", "payload": {
        "query": "subscription { enforcementCaseChanged { operation } }"}}),
    )
    .await;
    let refused = next(&mut ws).await.unwrap();
    assert_eq!(
        (refused["id"].as_str(), refused["type"].as_str()),
        (Some("2"), Some("error"))
    );
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "QUERY_LIMIT_EXCEEDED"
    );

    // Another server process on the same database records the cases: one out of scope first.
    let other = ServerProcess::start(app.database_url(), &[]).await;
    let admin = token("admin", &["admin"], None);
    let post = |query: &'static str, variables: Value| {
        let base = other.base.clone();
        let admin = admin.clone();
        async move {
            let v: Value = reqwest::Client::new()
                .post(format!("{base}/graphql"))
                .bearer_auth(admin)
                .json(&json!({"query": query, "variables": variables}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(v.get("errors").is_none(), "{v}");
            v["data"].clone()
        }
    };
    const FILE: &str = r#"mutation($i: FileEnforcementCaseInput!) { fileEnforcementCase(input: $i) { id } }"#;
    post(
        FILE,
        json!({"i": {"caseNumber": "(2024)赣1128执9号", "courtId": poyang, "filedOn": "2024-03-01",
                            "category": "OTHER", "subjectAmount": "10.00"}}),
    )
    .await;
    let case = post(
        FILE,
        json!({"i": {"caseNumber": "(2024)赣1126执9号", "courtId": yiyang, "filedOn": "2024-03-01",
                                       "category": "OTHER", "subjectAmount": "10.00"}}),
    )
    .await["fileEnforcementCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    post(
        r#"mutation($i: RecordFlowNodeInput!) { recordFlowNode(input: $i) { id } }"#,
        json!({"i": {"caseId": case, "kind": "ASSIGNED", "occurredOn": "2024-03-02"}}),
    )
    .await;
    // Only the county's case's flow nodes arrive: its filing, then the assignment.
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        let m = next(&mut ws).await.unwrap();
        assert_eq!(
            (m["type"].as_str(), m["id"].as_str()),
            (Some("next"), Some("1")),
            "{m}"
        );
        assert_eq!(m["payload"]["data"]["flowNodeAdded"]["caseId"], json!(case));
        kinds.push(
            m["payload"]["data"]["flowNodeAdded"]["kind"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(kinds, ["FILED", "ASSIGNED"]);
    // The client stops that subscription, which frees its place for one on the case itself.
    send(&mut ws, json!({"id": "1", "type": "complete"})).await;
    send(&mut ws, json!({"id": "3", "type": "subscribe", "payload": {
        "query": "subscription($c: ID) { enforcementCaseChanged(caseId: $c) { id operation case { status version } } }",
        "variables": {"c": case}}}))
    .await;
    // Subscriptions start listening as they are set up: give this one a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    post(
        r#"mutation($id: ID!) { closeEnforcementCase(id: $id, mode: WITHDRAWN, closedOn: "2024-03-03", recoveredAmount: "0", expectedVersion: 1) { id } }"#,
        json!({"id": case}),
    )
    .await;
    // (async-graphql confirms the completion of "1" first.)
    let mut m = next(&mut ws).await.unwrap();
    while m["type"] == "complete" && m["id"] == "1" {
        m = next(&mut ws).await.unwrap();
    }
    assert_eq!(
        (m["id"].as_str(), m["type"].as_str()),
        (Some("3"), Some("next")),
        "{m}"
    );
    let change = &m["payload"]["data"]["enforcementCaseChanged"];
    assert_eq!(
        (change["id"].as_str(), change["operation"].as_str()),
        (Some(case.as_str()), Some("UPDATE"))
    );
    assert_eq!(change["case"]["version"], 2);

    // A token about to expire: the connection closes when it does.
    let mut short = claims("court_officer", &["court_officer"], Some("361126"));
    short["exp"] = json!(now() + 2);
    let short = sign_hs(&short, api::config::TEST_JWT_SECRET.as_bytes(), Some("local"));
    let mut ws = connect(&app).await;
    assert_eq!(init(&mut ws, &short).await.unwrap()["type"], "connection_ack");
    send(
        &mut ws,
        json!({"id": "1", "type": "subscribe", "payload": {
        "query": "subscription { flowNodeAdded { id } }"}}),
    )
    .await;
    assert_eq!(next(&mut ws).await, Err(4401));

    // A role that may not read enforcement cannot subscribe.
    let mut ws = connect(&app).await;
    let civil = token(
        "civil_affairs_officer",
        &["civil_affairs_officer"],
        Some("361126"),
    );
    assert_eq!(init(&mut ws, &civil).await.unwrap()["type"], "connection_ack");
    send(
        &mut ws,
        json!({"id": "1", "type": "subscribe", "payload": {
        "query": "subscription { flowNodeAdded { id } }"}}),
    )
    .await;
    let m = next(&mut ws).await.unwrap();
    let code = match m["type"].as_str() {
        Some("error") => &m["payload"][0]["extensions"]["code"],
        _ => &m["payload"]["errors"][0]["extensions"]["code"],
    };
    assert_eq!(code, "FORBIDDEN", "{m}");
}

/// Over the WebSocket too, a query's answer comes in the order the query asks for its fields
/// (database-backed fields before `__typename`, at the root and nested), the same bytes every
/// time.
#[tokio::test]
async fn socket_answers_follow_query_order() {
    let app = spawn_app().await;
    let mut ws = connect(&app).await;
    assert_eq!(
        init(&mut ws, &token("admin", &["admin"], None)).await.unwrap()["type"],
        "connection_ack"
    );
    let query = "{ courts(first: 5) { totalCount nodes { cases(first: 1) { totalCount } name __typename } } \
                 kind: __typename }";
    let mut answers = Vec::new();
    for id in 0..10 {
        send(
            &mut ws,
            json!({"type": "subscribe", "id": id.to_string(), "payload": {"query": query}}),
        )
        .await;
        let text = loop {
            let m = tokio::time::timeout(Duration::from_secs(20), ws.next())
                .await
                .expect("a message in time");
            if let Some(Ok(Message::Text(t))) = m {
                let t = t.as_str().to_owned();
                if t.contains(r#""type":"next""#) {
                    break t;
                }
            }
        };
        let payload = &text[text.find(r#""payload":"#).expect("a payload")..];
        assert!(
            payload.starts_with(r#""payload":{"data":{"courts":{"totalCount":"#),
            "{text}"
        );
        assert!(payload.contains(r#"{"cases":{"totalCount":0},"name":"#), "{text}");
        assert!(payload.contains(r#""kind":"Query"}"#), "{text}");
        answers.push(payload.to_owned());
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "answers differ");
}

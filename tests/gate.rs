//! One gate for every way in (`api/src/gate.rs`): each step of the pipeline refuses with the
//! same code whether the operation comes by POST, GET, an automatic persisted query, a query
//! over the WebSocket or a subscription over it; and the WebSocket's own bounds.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::*;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How an operation reaches the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Way {
    Post,
    Get,
    /// POST with the text and its hash (the automatic persisted query's first request).
    Apq,
    /// A query as a `subscribe` message over the WebSocket.
    SocketQuery,
    /// A subscription over the WebSocket.
    Subscription,
}

const QUERY_WAYS: [Way; 4] = [Way::Post, Way::Get, Way::Apq, Way::SocketQuery];
const ALL_WAYS: [Way; 5] = [Way::Post, Way::Get, Way::Apq, Way::SocketQuery, Way::Subscription];

async fn connect(app: &TestApp) -> Result<Ws, u16> {
    let mut request = format!("{}/graphql", app.base.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("websocket: {e}"),
    }
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

/// A socket past `connection_init` with this token.
async fn open(app: &TestApp, token: &str) -> Ws {
    let mut ws = connect(app).await.expect("upgraded");
    send(
        &mut ws,
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}),
    )
    .await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    ws
}

/// The close code, past any messages still on their way.
async fn closed(ws: &mut Ws) -> u16 {
    loop {
        if let Err(code) = next(ws).await {
            return code;
        }
    }
}

/// The first message about operation `id`.
async fn answer(ws: &mut Ws, id: &str) -> Result<Value, u16> {
    loop {
        let m = next(ws).await?;
        if m["id"] == id {
            return Ok(m);
        }
    }
}

/// The code of the first error of an answer (an HTTP body, or a socket's `next` or `error`
/// message), or None when it has none.
fn first_code(body: &Value) -> Option<String> {
    let errors = match body["type"].as_str() {
        Some("error") => &body["payload"],
        Some(_) => &body["payload"]["errors"],
        None => &body["errors"],
    };
    errors[0]["extensions"]["code"].as_str().map(str::to_owned)
}

/// Sends `query` by `way` with `token` (a socket way uses `ws`, opened with that token) and
/// returns the first error's code, or None when it ran without errors.
async fn code(app: &TestApp, way: Way, token: &str, query: &str, ws: Option<&mut Ws>) -> Option<String> {
    let url = format!("{}/graphql", app.base);
    let body: Value = match way {
        Way::Post => app.send(Some(token), &[], query, json!({})).await.1,
        Way::Apq => {
            let hash = api::persisted::sha256_hex(query);
            app.client
                .post(&url)
                .bearer_auth(token)
                .json(&json!({"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        }
        Way::Get => app
            .client
            .get(&url)
            .bearer_auth(token)
            .query(&[("query", query)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap(),
        Way::SocketQuery | Way::Subscription => {
            let ws = ws.expect("a socket way needs its socket");
            let id = format!("{}", rand_id());
            send(
                ws,
                json!({"type": "subscribe", "id": id, "payload": {"query": query}}),
            )
            .await;
            match answer(ws, &id).await {
                Ok(m) => m,
                Err(close) => return Some(format!("close {close}")),
            }
        }
    };
    first_code(&body)
}

fn rand_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}

/// The text each way sends for a step: a subscription's own, else the query.
fn text<'a>(way: Way, query: &'a str, subscription: &'a str) -> &'a str {
    if way == Way::Subscription {
        subscription
    } else {
        query
    }
}

/// Steps 1 and 2: the allow-list, then depth, aliases, root fields and complexity, before any
/// resolver, with the same code on every way.
#[tokio::test]
async fn cheap_refusals_are_the_same_on_every_way() {
    let manifest = api::persisted::manifest::build(&[(
        "ops.graphql".to_owned(),
        "query Regions { regions(first: 1) { nodes { code } } }".to_owned(),
    )])
    .await
    .unwrap();
    let path = std::env::temp_dir().join(format!("gate-manifest-{}-{}.json", std::process::id(), rand_id()));
    std::fs::write(&path, serde_json::to_string(&manifest).unwrap()).unwrap();
    let manifest_path = path.display().to_string();
    let listed = spawn_app_configured(Seed::Reference, |s| {
        s.persisted_operations_only = true;
        s.persisted_operations_manifest = Some(manifest_path);
    })
    .await;
    let admin = token("admin", &["admin"], None);
    let mut ws = open(&listed, &admin).await;
    for way in ALL_WAYS {
        let q = text(
            way,
            "{ courts(first: 1) { nodes { name } } }",
            "subscription { enforcementCaseChanged { id } }",
        );
        let ws = matches!(way, Way::SocketQuery | Way::Subscription).then_some(&mut ws);
        assert_eq!(
            code(&listed, way, &admin, q, ws).await.as_deref(),
            Some("PERSISTED_QUERY_NOT_ALLOWED"),
            "allow-list by {way:?}"
        );
    }

    let app = spawn_app_configured(Seed::Reference, |s| {
        s.limits.max_depth = 3;
        s.limits.max_aliases = 2;
        s.limits.max_root_fields = 2;
        s.max_complexity = 8;
    })
    .await;
    let mut ws = open(&app, &admin).await;
    let cases = [
        (
            "depth",
            "{ courts { nodes { region { parent { name } } } } }",
            "subscription { enforcementCaseChanged { case { court { region { name } } } } }",
        ),
        (
            "aliases",
            "{ a: regions { code } b: regions { code } c: regions { code } }",
            "subscription { a: enforcementCaseChanged { x: id y: id z: id } }",
        ),
        (
            "root fields",
            "{ regions { code } courts { totalCount } me { subject } }",
            "subscription { enforcementCaseChanged { id } flowNodeAdded { id } b: flowNodeAdded { id } }",
        ),
        (
            "complexity",
            "{ courts(first: 50) { nodes { name code } } }",
            "subscription { enforcementCaseChanged { id operation case { id caseNumber filedOn subjectAmount status } } }",
        ),
    ];
    for (limit, query, subscription) in cases {
        for way in ALL_WAYS {
            let ws = matches!(way, Way::SocketQuery | Way::Subscription).then_some(&mut ws);
            assert_eq!(
                code(&app, way, &admin, text(way, query, subscription), ws)
                    .await
                    .as_deref(),
                Some("QUERY_LIMIT_EXCEEDED"),
                "{limit} by {way:?}"
            );
        }
    }
    // The socket stays usable after its refusals.
    let fine = "{ regions(first: 1) { nodes { code } } }";
    assert_eq!(
        code(&app, Way::SocketQuery, &admin, fine, Some(&mut ws)).await,
        None
    );
}

/// Step 3: an account disabled after its socket opened runs nothing more on any way, and
/// loses its sockets.
#[tokio::test]
async fn a_disabled_account_is_refused_on_every_way() {
    let app = spawn_app().await;
    let created = app
        .data(
            r#"mutation { createUser(input: {username: "gate.analyst", password: "a long enough password",
                displayName: "分析员", roles: [ANALYST], defaultRole: ANALYST}) { id } }"#,
            json!({}),
        )
        .await;
    let id = created["createUser"]["id"].clone();
    let login = app
        .send(
            None,
            &[],
            r#"mutation { login(username: "gate.analyst", password: "a long enough password") { accessToken } }"#,
            json!({}),
        )
        .await
        .1;
    let analyst = login["data"]["login"]["accessToken"].as_str().unwrap().to_owned();
    let query = "{ me { subject } }";
    let subscription = "subscription { enforcementCaseChanged { id } }";
    let mut query_socket = open(&app, &analyst).await;
    let mut live_socket = open(&app, &analyst).await;
    assert_eq!(
        code(&app, Way::SocketQuery, &analyst, query, Some(&mut query_socket)).await,
        None
    );
    app.data(
        r#"mutation($id: ID!) { disableUser(id: $id, expectedVersion: 1) { id } }"#,
        json!({"id": id}),
    )
    .await;
    for way in ALL_WAYS {
        let ws = match way {
            Way::SocketQuery => Some(&mut query_socket),
            Way::Subscription => Some(&mut live_socket),
            _ => None,
        };
        assert_eq!(
            code(&app, way, &analyst, text(way, query, subscription), ws)
                .await
                .as_deref(),
            Some("UNAUTHENTICATED"),
            "by {way:?}"
        );
    }
    // ...and the sockets are closed.
    assert_eq!(closed(&mut query_socket).await, 4403);
    assert_eq!(closed(&mut live_socket).await, 4403);
    // A new socket is refused at connection_init.
    let mut ws = connect(&app).await.unwrap();
    send(
        &mut ws,
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {analyst}")}}),
    )
    .await;
    assert_eq!(next(&mut ws).await, Err(4403));
}

/// Steps 4 and 6: admission and the timeout. With the database's only connection held, a
/// request waits in flight; the next one is refused as the server is saturated (a live
/// subscription holds a place of the live bounds), and a query ends with TIMEOUT.
#[tokio::test]
async fn admission_and_timeout_hold_on_every_way() {
    use sea_orm::TransactionTrait;
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.max_in_flight = 1;
        s.ws_max_live_subscriptions = 1;
        s.db_max_connections = 1;
        s.db_acquire_timeout_ms = 20_000;
        s.request_timeout_ms = 1_500;
    })
    .await;
    let admin = token("admin", &["admin"], None);
    let query = "{ enforcementCases { totalCount } }";
    let mut ws = open(&app, &admin).await;
    let mut other = open(&app, &admin).await;
    // A live subscription takes the one live place; a second one is refused.
    send(
        &mut other,
        json!({"type": "subscribe", "id": "held", "payload": {"query": "subscription { enforcementCaseChanged { id } }"}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        code(
            &app,
            Way::Subscription,
            &admin,
            "subscription { flowNodeAdded { id } }",
            Some(&mut ws)
        )
        .await
        .as_deref(),
        Some("UNAVAILABLE")
    );
    let held = app.db.begin().await.expect("take the only connection");
    // One request in flight, waiting for the connection until its timeout.
    let blocker = {
        let (client, url, admin) = (app.client.clone(), format!("{}/graphql", app.base), admin.clone());
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(admin)
                .json(&json!({"query": "{ enforcementCases { totalCount } }"}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    for way in QUERY_WAYS {
        let socket = (way == Way::SocketQuery).then_some(&mut ws);
        assert_eq!(
            code(&app, way, &admin, query, socket).await.as_deref(),
            Some("UNAVAILABLE"),
            "admission by {way:?}"
        );
    }
    assert_eq!(first_code(&blocker.await.unwrap()).as_deref(), Some("TIMEOUT"));
    // The place is free again: each way, one at a time, waits for the held connection and
    // times out.
    for way in QUERY_WAYS {
        let socket = (way == Way::SocketQuery).then_some(&mut ws);
        assert_eq!(
            code(&app, way, &admin, query, socket).await.as_deref(),
            Some("TIMEOUT"),
            "timeout by {way:?}"
        );
    }
    held.rollback().await.unwrap();
    assert_eq!(
        code(&app, Way::SocketQuery, &admin, query, Some(&mut ws)).await,
        None
    );
}

/// Step 5: the rate limit charges every way, subscriptions included.
#[tokio::test]
async fn the_rate_limit_charges_every_way() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.rate_limit_cost_per_minute = 1;
        s.rate_limit_free_complexity = 0;
    })
    .await;
    let admin = token("admin", &["admin"], None);
    let mut ws = open(&app, &admin).await;
    // The first request spends the minute's budget (a cost above it costs all of it).
    let spend = "{ courts(first: 5) { nodes { name } } }";
    assert_eq!(code(&app, Way::Post, &admin, spend, None).await, None);
    for way in ALL_WAYS {
        let q = text(
            way,
            "{ courts(first: 5) { nodes { name } } }",
            "subscription { enforcementCaseChanged { id operation } }",
        );
        let ws = matches!(way, Way::SocketQuery | Way::Subscription).then_some(&mut ws);
        assert_eq!(
            code(&app, way, &admin, q, ws).await.as_deref(),
            Some("RATE_LIMITED"),
            "by {way:?}"
        );
    }
}

/// Step 8: personal data read over the socket is audited as over HTTP, with the operation's
/// own request id.
#[tokio::test]
async fn personal_reads_over_the_socket_are_audited() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = spawn_app_with(Seed::Full).await;
    let reads = || async {
        entity::audit::Entity::find()
            .filter(entity::audit::Column::Operation.eq("readPersonalData"))
            .count(&app.db)
            .await
            .unwrap()
    };
    let before = reads().await;
    let admin = token("admin", &["admin"], None);
    let mut ws = open(&app, &admin).await;
    let query = "{ enforcementCases(first: 3) { nodes { parties { idNumber phone } } } }";
    send(
        &mut ws,
        json!({"type": "subscribe", "id": "p", "payload": {"query": query}}),
    )
    .await;
    let m = answer(&mut ws, "p").await.unwrap();
    assert_eq!(m["type"], "next", "{m}");
    let numbers: Vec<&str> = m["payload"]["data"]["enforcementCases"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["parties"].as_array().unwrap())
        .filter_map(|p| p["idNumber"].as_str())
        .collect();
    assert!(
        !numbers.is_empty() && numbers.iter().all(|n| !n.contains('*')),
        "unmasked: {numbers:?}"
    );
    assert!(reads().await > before, "the socket's reads are audited");
}

/// The socket's own bounds: `connection_init` in time (4408), a cap on sockets waiting for it
/// (503 before the upgrade), another protocol's messages (4400), one cap on operations of
/// any type, a duplicate id (4409), operations before `connection_ack` (4401).
#[tokio::test]
async fn sockets_are_bounded() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.ws_init_timeout_ms = 300;
        s.ws_max_unauthenticated = 2;
        s.ws_max_subscriptions = 2;
    })
    .await;
    let admin = token("admin", &["admin"], None);
    // Two sockets wait for connection_init; a third is refused before the upgrade...
    let mut a = connect(&app).await.unwrap();
    let mut b = connect(&app).await.unwrap();
    assert_eq!(connect(&app).await.err(), Some(503));
    // ...and the waiting ones are closed once their time is up, which frees the places.
    assert_eq!(next(&mut a).await, Err(4408));
    assert_eq!(next(&mut b).await, Err(4408));
    let mut c = open(&app, &admin).await;
    // The older protocol's `start` is refused, not run around the cap.
    send(
        &mut c,
        json!({"type": "start", "id": "1", "payload": {"query": "{ __typename }"}}),
    )
    .await;
    assert_eq!(next(&mut c).await, Err(4400));
    // The cap counts subscriptions and queries alike.
    let mut d = open(&app, &admin).await;
    for id in ["s1", "s2"] {
        send(
            &mut d,
            json!({"type": "subscribe", "id": id, "payload": {"query": "subscription { enforcementCaseChanged { id } }"}}),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    send(
        &mut d,
        json!({"type": "subscribe", "id": "q", "payload": {"query": "{ __typename }"}}),
    )
    .await;
    let refused = answer(&mut d, "q").await.unwrap();
    assert_eq!(refused["type"], "error");
    assert_eq!(first_code(&refused).as_deref(), Some("QUERY_LIMIT_EXCEEDED"));
    // Completing one frees its place.
    send(&mut d, json!({"type": "complete", "id": "s1"})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    send(
        &mut d,
        json!({"type": "subscribe", "id": "q2", "payload": {"query": "{ __typename }"}}),
    )
    .await;
    assert_eq!(answer(&mut d, "q2").await.unwrap()["type"], "next");
    // A second subscriber with a running id closes the socket.
    send(
        &mut d,
        json!({"type": "subscribe", "id": "s2", "payload": {"query": "subscription { enforcementCaseChanged { id } }"}}),
    )
    .await;
    assert_eq!(closed(&mut d).await, 4409);
    // An operation before connection_ack is unauthorised.
    let mut e = connect(&app).await.unwrap();
    send(
        &mut e,
        json!({"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }"}}),
    )
    .await;
    assert_eq!(next(&mut e).await, Err(4401));
}

/// A disabled account's idle socket is closed by the periodic check, within
/// `WS_ACCOUNT_CHECK_MS`, without sending anything.
#[tokio::test]
async fn a_disabled_accounts_idle_socket_is_closed_by_the_check() {
    let app = spawn_app_configured(Seed::Reference, |s| s.ws_account_check_ms = 200).await;
    let created = app
        .data(
            r#"mutation { createUser(input: {username: "idle.analyst", password: "a long enough password",
                displayName: "分析员", roles: [ANALYST], defaultRole: ANALYST}) { id } }"#,
            json!({}),
        )
        .await;
    let login = app
        .send(
            None,
            &[],
            r#"mutation { login(username: "idle.analyst", password: "a long enough password") { accessToken } }"#,
            json!({}),
        )
        .await
        .1;
    let analyst = login["data"]["login"]["accessToken"].as_str().unwrap().to_owned();
    let mut ws = open(&app, &analyst).await;
    // Still open across several checks.
    assert!(
        tokio::time::timeout(Duration::from_millis(700), ws.next())
            .await
            .is_err(),
        "an active account's socket stays open"
    );
    app.data(
        r#"mutation($id: ID!) { disableUser(id: $id, expectedVersion: 1) { id } }"#,
        json!({"id": created["createUser"]["id"]}),
    )
    .await;
    assert_eq!(next(&mut ws).await, Err(4403));
}

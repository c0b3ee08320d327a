//! What operators rely on: HTTP/1.1 only, metrics, JSON logs, OTLP traces, the offline
//! console, introspection for tools, and the GraphQL-over-HTTP answers to bad requests.

use crate::helpers::{Seed, WEBHOOK_KEY, spawn_app, spawn_app_configured, token};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, Read, Write};
use std::time::Duration;

/// Sends raw bytes on a fresh connection and returns what came back within a second.
fn raw_exchange(port: u16, bytes: &[u8]) -> Vec<u8> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    stream.write_all(bytes).expect("write");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        if answer.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    answer
}

#[tokio::test]
async fn the_server_speaks_no_http2() {
    let app = spawn_app().await;
    let port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
    // h2c with prior knowledge: the connection preface, then an empty SETTINGS frame. An
    // HTTP/2 server answers with its own SETTINGS frame (type 4 in the frame's fourth byte).
    let mut preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    preface.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    let answer = tokio::task::spawn_blocking(move || raw_exchange(port, &preface))
        .await
        .unwrap();
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 4") || answer.starts_with(b"HTTP/1.1 5"),
        "prior knowledge must not start HTTP/2: {:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(answer.get(3) != Some(&4), "an HTTP/2 SETTINGS frame came back");
    // h2c upgrade: answered over HTTP/1.1, never 101 Switching Protocols.
    let upgrade = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n\
Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
        .to_vec();
    let answer = tokio::task::spawn_blocking(move || raw_exchange(port, &upgrade))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "upgrade ignored, HTTP/1.1 answer: {text}"
    );
    assert!(!text.contains(" 101 "), "{text}");
}

/// The value of one sample in a Prometheus text exposition (0 when absent).
fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            l.strip_prefix(name_and_labels)
                .filter(|rest| rest.starts_with(' '))
                .map(|rest| rest.trim().parse::<f64>().expect("a number"))
        })
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_requests_errors_statements_and_refusals_for_authorised_scrapers() {
    const METRICS_TOKEN: &str = "a-metrics-token-for-the-tests";
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.metrics_token = Some(METRICS_TOKEN.to_owned());
        s.rate_limit_cost_per_minute = 1_000;
        s.rate_limit_free_complexity = 50;
    })
    .await;
    let url = format!("{}/metrics", app.base);
    let get = |auth: Option<String>| {
        let mut req = app.client.get(&url);
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    // Anonymous, a wrong token and a non-admin role are refused.
    assert_eq!(get(None).await.unwrap().status(), 401);
    assert_eq!(
        get(Some("not-the-token-at-all".into())).await.unwrap().status(),
        401
    );
    let analyst = token("analyst", &["analyst"], None);
    assert_eq!(get(Some(analyst)).await.unwrap().status(), 403);
    let admin = token("admin", &["admin"], None);
    assert_eq!(get(Some(admin)).await.unwrap().status(), 200);
    let scrape = || async {
        let r = get(Some(METRICS_TOKEN.to_owned())).await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        r.text().await.unwrap()
    };
    let before = scrape().await;

    // A named query that reads through a DataLoader: its statements are counted against it,
    // exactly as many as ran.
    app.reset_statements();
    app.data(
        "query CourtsWithRegions { courts(first: 5) { nodes { name region { name } } } }",
        json!({}),
    )
    .await;
    let ran = app.statements().len() as f64;
    assert!(ran >= 2.0, "courts, then their regions through the loader");
    let after = scrape().await;
    let counted = sample(&after, "graphql_request_sql_statements_sum")
        - sample(&before, "graphql_request_sql_statements_sum");
    assert_eq!(counted, ran, "statements per request equal the statements run");
    assert_eq!(
        sample(
            &after,
            r#"graphql_requests_total{operation="CourtsWithRegions",outcome="ok"}"#
        ),
        1.0
    );
    assert_eq!(
        sample(
            &after,
            r#"graphql_request_duration_seconds_count{operation="CourtsWithRegions"}"#
        ),
        1.0
    );

    // Errors by code, parse failures and a refusal by the cost limit.
    app.gql("{ regions(", json!({})).await;
    app.gql(
        "query Missing { enforcementCase(id: \"bm9wZQ\") { id } }",
        json!({}),
    )
    .await;
    let expensive = "{ regions(first: 100) { nodes { code name } } }";
    let mut refused = false;
    for _ in 0..20 {
        let (status, _) = app.send(None, &[], expensive, json!({})).await;
        refused |= status == 429;
    }
    assert!(refused, "the cost limit refused one");
    let text = scrape().await;
    assert_eq!(
        sample(&text, r#"graphql_errors_total{code="GRAPHQL_PARSE_FAILED"}"#),
        1.0
    );
    assert!(sample(&text, r#"graphql_errors_total{code="RATE_LIMITED"}"#) >= 1.0);
    assert!(sample(&text, r#"rate_limit_refusals_total{limit="cost"}"#) >= 1.0);
    assert_eq!(
        sample(
            &text,
            r#"graphql_requests_total{operation="anonymous",outcome="request_error"}"#
        ),
        1.0,
        "the parse failure is a request error"
    );
    // The pool and SQL timings are there.
    assert!(sample(&text, "db_pool_connections_max") >= 1.0);
    assert!(sample(&text, "db_pool_connections") >= 1.0);
    for name in [
        "db_pool_connections_in_use",
        "db_pool_waiting",
        "sql_slow_statements_total",
    ] {
        assert!(text.lines().any(|l| l.starts_with(name)), "{name} is exported");
    }
    assert!(sample(&text, "sql_statement_duration_seconds_count") >= ran);
    assert_eq!(sample(&text, "graphql_requests_in_flight"), 0.0);
}

#[tokio::test]
async fn metrics_can_have_their_own_address_instead() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.metrics_bind_addr = Some("127.0.0.1:0".to_owned());
    })
    .await;
    let port = app.metrics_port.expect("a metrics port");
    app.data("query Me { me { role } }", json!({})).await;
    let r = app
        .client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert_eq!(
        sample(&text, r#"graphql_requests_total{operation="Me",outcome="ok"}"#),
        1.0
    );
    // Not on the main address, whoever asks; and nothing else on the metrics address.
    let admin = token("admin", &["admin"], None);
    let r = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app
        .client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .json(&json!({"query": "{ me { role } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// The real binary, killed and its database folder removed on drop.
struct Binary {
    child: std::process::Child,
    dir: std::path::PathBuf,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the real binary on a fresh SQLite database with extra environment; returns it, its
/// port and the receiving end of its stdout lines.
fn start_binary(name: &str, env: &[(&str, String)]) -> (Binary, u16, std::sync::mpsc::Receiver<String>) {
    let dir = std::env::temp_dir().join(format!("survey-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_api"));
    cmd.arg("serve")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.join("p.db").display()),
        )
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("NO_COLOR", "1")
        .env("JWT_SECRET", api::config::TEST_JWT_SECRET)
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start the server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let port = loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            .expect("the server logs its port");
        let parsed: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("a JSON log line: {line}"));
        if parsed["message"] == "listening" {
            break parsed["port"].as_u64().expect("port") as u16;
        }
    };
    (Binary { child, dir }, port, rx)
}

async fn until_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..240 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the server did not become ready");
}

#[tokio::test]
async fn json_logs_give_each_request_its_id_operation_role_duration_and_statements() {
    let (server, port, lines) = start_binary("jsonlogs", &[]);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    until_ready(&client, &base).await;
    let r = client
        .post(format!("{base}/graphql"))
        .header("x-request-id", "req-json-logs-1")
        .bearer_auth(token("analyst", &["analyst"], None))
        .json(&json!({"query": "query Courts { courts(first: 3) { nodes { name region { name } } } }", "operationName": "Courts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let line = loop {
        let line = lines
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            .expect("the request is logged");
        let parsed: Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("every line is JSON: {line}"));
        if parsed["request_id"] == "req-json-logs-1" {
            break parsed;
        }
    };
    drop(server);
    assert_eq!(line["level"], "INFO", "{line}");
    assert_eq!(line["message"], "graphql request", "{line}");
    assert_eq!(line["operation"], "Courts", "{line}");
    assert_eq!(line["role"], "analyst", "{line}");
    assert_eq!(line["transport"], "post", "{line}");
    assert_eq!(line["outcome"], "ok", "{line}");
    assert!(line["duration_ms"].as_f64().is_some_and(|d| d > 0.0), "{line}");
    assert!(line["statements"].as_u64().is_some_and(|n| n >= 2), "{line}");
    assert!(line["timestamp"].is_string(), "{line}");
}

/// An OTLP/HTTP collector on loopback: every POST body to `/v1/traces`.
async fn collector() -> (u16, tokio::sync::mpsc::UnboundedReceiver<(String, Vec<u8>)>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                loop {
                    // One request: head, then Content-Length bytes of body.
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match socket.read(&mut byte).await {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let head = String::from_utf8_lossy(&head).to_string();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    let mut body = vec![0u8; length];
                    if socket.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let path = head.split_whitespace().nth(1).unwrap_or_default().to_owned();
                    let _ = tx.send((path, body));
                    let ok = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if socket.write_all(ok.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, rx)
}

/// A span as the collector received it: name, trace id, event names, attributes.
type ExportedSpan = (String, Vec<u8>, Vec<String>, Vec<(String, String)>);

#[tokio::test]
async fn traces_of_requests_resolvers_and_sql_are_exported_over_otlp_http() {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message;
    let (collector_port, mut bodies) = collector().await;
    let (server, port, _lines) = start_binary(
        "otlp",
        &[
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{collector_port}"),
            ),
            ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
            // The start-up seed's statements are spans too; with the default queue (2,048) a
            // slow exporter on a loaded machine drops the requests' spans behind them.
            ("OTEL_BSP_MAX_QUEUE_SIZE", "200000".to_owned()),
            ("OTEL_SERVICE_NAME", "survey-test".to_owned()),
        ],
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    until_ready(&client, &base).await;
    let r = client
        .post(format!("{base}/graphql"))
        .header("x-request-id", "req-otlp-1")
        .json(&json!({"query": "{ regions(first: 3) { nodes { name parent { name } } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Spans by name, with their trace ids and events, until the request's SQL has arrived.
    let mut spans: Vec<ExportedSpan> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let complete = |spans: &[ExportedSpan]| {
        let request = spans.iter().find(|s| s.0 == "graphql_request");
        request.is_some_and(|r| {
            spans
                .iter()
                .any(|s| s.0 == "query_all" && s.1 == r.1 && s.2.iter().any(|e| e == "SQL statement"))
                && spans.iter().filter(|s| s.0 == "field" && s.1 == r.1).count() >= 3
        })
    };
    while !complete(&spans) {
        let (path, body) = tokio::time::timeout_at(deadline, bodies.recv())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "spans arrived in time; got {:?}",
                    spans.iter().map(|s| &s.0).collect::<Vec<_>>()
                )
            })
            .expect("collector alive");
        assert_eq!(path, "/v1/traces");
        let request = ExportTraceServiceRequest::decode(body.as_slice()).expect("OTLP protobuf");
        for resource in request.resource_spans {
            let service = resource
                .resource
                .iter()
                .flat_map(|r| r.attributes.iter())
                .find(|a| a.key == "service.name")
                .and_then(|a| a.value.as_ref())
                .map(|v| format!("{:?}", v.value));
            assert!(service.is_some_and(|s| s.contains("survey-test")), "service name");
            for scope in resource.scope_spans {
                for span in scope.spans {
                    let events = span.events.iter().map(|e| e.name.clone()).collect();
                    let attributes = span
                        .attributes
                        .iter()
                        .map(|a| (a.key.clone(), format!("{:?}", a.value)))
                        .collect();
                    spans.push((span.name, span.trace_id, events, attributes));
                }
            }
        }
    }
    drop(server);
    let request = spans.iter().find(|s| s.0 == "graphql_request").unwrap();
    assert!(
        request
            .3
            .iter()
            .any(|(k, v)| k == "request_id" && v.contains("req-otlp-1")),
        "the request span carries its id: {:?}",
        request.3
    );
}

/// Personal values sent in a mutation's variables (and in a query's text) reach neither the
/// JSON logs, at debug level, nor the exported trace spans: the logs carry the operation's
/// name and the document's hash, the spans the fields' names, never values.
#[tokio::test]
async fn logs_and_traces_carry_no_personal_data() {
    let (collector_port, mut bodies) = collector().await;
    let (server, port, lines) = start_binary(
        "personal-logs",
        &[
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{collector_port}"),
            ),
            ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
            // The start-up seed's statements are spans too; with the default queue (2,048) a
            // slow exporter on a loaded machine drops the requests' spans behind them.
            ("OTEL_BSP_MAX_QUEUE_SIZE", "200000".to_owned()),
            ("RUST_LOG", "debug".to_owned()),
        ],
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    until_ready(&client, &base).await;
    let admin = token("admin", &["admin"], None);
    let post = |body: Value, id: &'static str| {
        client
            .post(format!("{base}/graphql"))
            .header("x-request-id", id)
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let cases: Value = post(
        json!({"query": "{ enforcementCases(first: 1, filter: {status: PENDING}) { nodes { id } } }"}),
        "req-personal-0",
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let case = cases["data"]["enforcementCases"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (id_number, phone, address) = ("36112619850000019", "13970004321", "标记路77号院");
    // A valid identity number: the check digit of the body above.
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = id_number
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let id_number = format!(
        "{id_number}{}",
        ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize]
    );
    let added: Value = post(
        json!({"query": "mutation AddParty($i: AddPartyInput!) { addParty(input: $i) { id idNumber phone address } }",
               "operationName": "AddParty",
               "variables": {"i": {"caseId": case, "role": "RESPONDENT", "kind": "PERSON", "name": "被执行人标记",
                                   "idNumber": id_number, "phone": phone, "address": address}}}),
        "req-personal-1",
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(added["data"]["addParty"]["id"].is_string(), "{added}");
    // The same values inline in a query's text (a filter that finds nothing).
    let inline =
        format!("{{ indicators(first: 1, filter: {{search: \"{phone}\"}}) {{ nodes {{ code }} }} }}");
    let r = post(json!({"query": inline}), "req-personal-2").await.unwrap();
    assert_eq!(r.status(), 200);

    // The spans of both requests, and every log line until then.
    let mut exported = Vec::new();
    let mut requests = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while requests < 2 {
        let (_, body) = tokio::time::timeout_at(deadline, bodies.recv())
            .await
            .expect("the requests' spans arrive")
            .expect("collector alive");
        requests += ["req-personal-1", "req-personal-2"]
            .iter()
            .filter(|id| body.windows(id.len()).any(|w| w == id.as_bytes()))
            .count();
        exported.extend(body);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(server);
    let logged: Vec<String> = lines.try_iter().collect();
    assert!(
        logged.iter().any(|l| l.contains("req-personal-1")),
        "the mutation is logged"
    );
    for value in [id_number.as_str(), phone, address, "被执行人标记"] {
        let hits: Vec<&String> = logged.iter().filter(|l| l.contains(value)).collect();
        assert!(hits.is_empty(), "{value} in the logs: {hits:?}");
        assert!(
            !exported.windows(value.len()).any(|w| w == value.as_bytes()),
            "{value} in the exported spans"
        );
    }
}

#[tokio::test]
async fn the_console_is_served_from_the_binary_under_a_strict_policy() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let policy = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = r.text().await.unwrap();
    // Nothing external may load: no scheme or host in the policy, none in the page.
    for directive in policy.split(';') {
        let sources: Vec<&str> = directive.split_whitespace().skip(1).collect();
        for source in sources {
            assert!(
                ["'self'", "'none'", "data:"].contains(&source) || source.starts_with("'sha256-"),
                "{directive}"
            );
        }
    }
    assert!(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"));
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("//unpkg"));
    assert!(
        !page.contains("<script>") && !page.contains("style="),
        "no inline script or style"
    );
    // Every script and stylesheet the page references comes from this server.
    let mut assets = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in page.split(attr).skip(1) {
            let target = part.split('"').next().unwrap();
            if target != "data:," {
                assets.push(target.to_owned());
            }
        }
    }
    assert!(
        assets.len() >= 5,
        "react, react-dom, graphiql, its stylesheet, init: {assets:?}"
    );
    for asset in &assets {
        assert!(asset.starts_with("/graphiql/"), "{asset}");
        let r = app
            .client
            .get(format!("{}{asset}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{asset}");
        let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            (asset.ends_with(".js") && kind.starts_with("text/javascript"))
                || (asset.ends_with(".css") && kind.starts_with("text/css")),
            "{asset}: {kind}"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let body = r.text().await.unwrap();
        assert!(body.len() > 100, "{asset}");
        if asset.ends_with("init.js") {
            assert!(body.contains("'/graphql'"), "the console talks to this server");
        }
        if asset.ends_with("graphiql.min.js") {
            assert!(body.contains("GraphiQL"), "the GraphiQL bundle");
        }
    }
    let r = app
        .client
        .get(format!("{}/graphiql/nope.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn production_serves_no_console() {
    let app = spawn_app_configured(Seed::Reference, |s| {
        s.production = true;
        s.graphiql = false;
        s.webhooks.secret_key = Some(WEBHOOK_KEY.to_owned());
    })
    .await;
    for path in ["/graphiql/graphiql.min.js", "/graphiql/init.js"] {
        let r = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}

/// The named type a type reference (`{kind name ofType}`) ends in.
fn named(type_ref: &Value) -> String {
    match type_ref["name"].as_str() {
        Some(name) => name.to_owned(),
        None => named(&type_ref["ofType"]),
    }
}

#[tokio::test]
async fn graphql_js_introspection_query_with_every_option_builds_the_schema() {
    let app = spawn_app().await;
    let query = include_str!("fixtures/introspection.graphql");
    let body = app.gql(query, json!({})).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let schema = &body["data"]["__schema"];
    assert_eq!(schema["queryType"]["name"], "Query");
    assert_eq!(schema["mutationType"]["name"], "Mutation");
    let types: HashMap<String, &Value> = schema["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t))
        .collect();
    // What a client schema needs: every reference resolves to a type of the answer.
    let mut references = Vec::new();
    for t in types.values() {
        for field in t["fields"].as_array().into_iter().flatten() {
            references.push(named(&field["type"]));
            for arg in field["args"].as_array().into_iter().flatten() {
                references.push(named(&arg["type"]));
            }
        }
        for input in t["inputFields"].as_array().into_iter().flatten() {
            references.push(named(&input["type"]));
        }
        for i in t["interfaces"].as_array().into_iter().flatten() {
            references.push(named(i));
        }
        for p in t["possibleTypes"].as_array().into_iter().flatten() {
            references.push(named(p));
        }
    }
    for r in &references {
        assert!(types.contains_key(r), "{r} is referenced but not described");
    }
    // The same types as the committed schema, with every field and every argument.
    let sdl = api::schema::sdl();
    let declared: BTreeSet<String> = sdl
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            match words.next()? {
                "type" | "input" | "enum" | "scalar" | "interface" | "union" => {
                    Some(words.next()?.trim_end_matches('{').to_owned())
                }
                _ => None,
            }
        })
        .collect();
    let answered: BTreeSet<String> = types
        .keys()
        .filter(|n| !n.starts_with("__"))
        .filter(|n| {
            !["Boolean", "String", "Int", "Float", "ID"].contains(&n.as_str()) || declared.contains(*n)
        })
        .cloned()
        .collect();
    assert_eq!(answered, declared);
    let case = types["EnforcementCase"];
    assert!(case["description"].as_str().is_some_and(|d| !d.is_empty()));
    assert!(
        case["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "parties")
    );
}

#[tokio::test]
async fn deep_data_queries_are_still_refused_where_introspection_passes() {
    let app = spawn_app().await;
    // Thirteen levels of data under the default limit of twelve.
    let deep = format!(
        "{{ region(code: \"361126\") {{ {} code {} }} }}",
        "parent { ".repeat(11),
        "}".repeat(11)
    );
    app.reset_statements();
    let err = app.error(&deep, json!({})).await;
    assert_eq!(err["extensions"]["code"], "QUERY_LIMIT_EXCEEDED", "{err}");
    assert!(app.statements().is_empty());
    let twelve = format!(
        "{{ region(code: \"361126\") {{ {} code {} }} }}",
        "parent { ".repeat(10),
        "}".repeat(10)
    );
    app.data(&twelve, json!({})).await;
    // Introspection deeper than any tool asks is refused too.
    let nested = format!(
        "{{ __type(name: \"Region\") {{ {} name {} }} }}",
        "ofType { ".repeat(25),
        "}".repeat(25)
    );
    let err = app.error(&nested, json!({})).await;
    assert_eq!(err["extensions"]["code"], "QUERY_LIMIT_EXCEEDED", "{err}");
}

#[tokio::test]
async fn request_errors_follow_graphql_over_http() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.base);
    for accept in ["application/graphql-response+json", "application/json"] {
        // A body without a query is 400 for every client.
        for body in [
            json!({}),
            json!({"variables": {}}),
            json!({"query": null}),
            json!({"query": 1}),
        ] {
            let r = app
                .client
                .post(&url)
                .header("accept", accept)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 400, "{accept} {body}");
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{v}");
        }
        for body in [
            json!({"query": "{ me { role } }", "variables": "x"}),
            json!({"query": "{ me { role } }", "operationName": 1}),
            json!({"query": "{ me { role } }", "extensions": []}),
            json!([]),
        ] {
            let r = app
                .client
                .post(&url)
                .header("accept", accept)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 400, "{accept} {body}");
        }
        // Parse and validation failures carry their codes and no `data` entry at all.
        for (query, code) in [
            ("{", "GRAPHQL_PARSE_FAILED"),
            ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ] {
            let r = app
                .client
                .post(&url)
                .header("accept", accept)
                .json(&json!({"query": query}))
                .send()
                .await
                .unwrap();
            let expected = if accept == "application/json" { 200 } else { 400 };
            assert_eq!(r.status(), expected, "{accept} {query}");
            let v: Value = r.json().await.unwrap();
            assert!(v.as_object().unwrap().get("data").is_none(), "no data entry: {v}");
            assert_eq!(v["errors"][0]["extensions"]["code"], code, "{v}");
        }
    }
    // A field error keeps its data entry.
    let v = app
        .gql(
            r#"{ enforcementCase(id: "bm9wZQ") { id } me { role } }"#,
            json!({}),
        )
        .await;
    assert!(v.as_object().unwrap().contains_key("data"), "{v}");
}

/// The configuration reference and the code agree: every variable the server reads is in
/// `docs/configuration.md`, and every variable that page lists is read by the code, the tests
/// or CI (the OpenTelemetry SDK's own `OTEL_*` variables apart, which the SDK reads).
#[test]
fn the_configuration_reference_lists_what_the_code_reads() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let read = |path: &str| std::fs::read_to_string(format!("{root}/{path}")).unwrap();
    let names_in = |text: &str, open: char, close: char| -> BTreeSet<String> {
        text.split(open)
            .skip(1)
            .filter_map(|s| s.split(close).next())
            .filter(|n| {
                n.len() > 2
                    && n.starts_with(|c: char| c.is_ascii_uppercase())
                    && n.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
            .map(str::to_owned)
            .collect()
    };
    let reference = read("docs/configuration.md");
    let documented: BTreeSet<String> = reference
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| names_in(l.split(" | ").next().unwrap_or_default(), '`', '`'))
        .collect();
    // The README's most used settings are among them.
    for line in read("README.md").lines().filter(|l| l.starts_with("| `")) {
        for name in names_in(line.split(" | ").next().unwrap_or_default(), '`', '`') {
            assert!(
                documented.contains(&name),
                "the README's {name} is not in docs/configuration.md"
            );
        }
    }
    // Every variable the server reads: the all-caps string literals of the settings, the
    // telemetry and the binary's subcommands (less the usage text's argument names).
    let mut code = String::new();
    for path in ["api/src/config.rs", "api/src/telemetry/mod.rs", "api/src/main.rs"] {
        code.push_str(&read(path));
    }
    let arguments = ["SUBJECT", "ROLE", "REGION", "TTL_SECONDS", "USERNAME", "FILE"];
    for name in names_in(&code, '"', '"') {
        if !arguments.contains(&name.as_str()) {
            assert!(
                documented.contains(&name),
                "{name} is read but not in docs/configuration.md"
            );
        }
    }
    // Every variable the page lists is named by the code, the tests or CI.
    let mut everything = String::new();
    let mut stack = vec![
        std::path::PathBuf::from(format!("{root}/api/src")),
        std::path::PathBuf::from(format!("{root}/tests")),
        std::path::PathBuf::from(format!("{root}/.ci")),
    ];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("node_modules") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs")
                || path.file_name().is_some_and(|f| f == "run")
            {
                everything.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    for name in &documented {
        if name.starts_with("OTEL_") && name != "OTEL_TRACES_FILTER" {
            continue;
        }
        let named = [format!("\"{name}\""), format!("${name}"), format!("{{{name}")]
            .iter()
            .any(|form| everything.contains(form.as_str()));
        assert!(named, "docs/configuration.md lists {name}, which nothing reads");
    }
}

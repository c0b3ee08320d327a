//! File exports of the record lists (`GET /export/<list>.csv|.xlsx`): the list's own filters,
//! scope and masking, page after page, paid by the row, audited; and a million rows in
//! constant memory. The aggregates' exports are in `aggregates.rs`.

use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

use crate::helpers::{Seed, ServerProcess, TestApp, spawn_app_configured, spawn_app_with, token};

/// GETs an export: status, content type and body (or why the body broke off).
async fn export(
    app: &TestApp,
    path: &str,
    params: &[(&str, &str)],
    bearer: &str,
) -> (u16, String, Result<String, String>) {
    app.export(path, params, Some(bearer)).await
}

/// The data lines of a CSV export (without the byte-order mark and the header).
fn lines(body: &str) -> Vec<&str> {
    body.trim_start_matches('\u{feff}').lines().skip(1).collect()
}

/// The audit entries of an operation, newest first.
async fn audit(app: &TestApp, operation: &str) -> Vec<Value> {
    app.act_as("admin", None);
    let d = app
        .data(
            r#"query($o: String) { auditLog(first: 100, filter: {operation: $o}) {
                nodes { role entity entityId after } } }"#,
            json!({"o": operation}),
        )
        .await;
    d["auditLog"]["nodes"].as_array().unwrap().clone()
}

#[tokio::test]
async fn record_lists_export_page_by_page_under_the_lists_own_rules() {
    let app = spawn_app_with(Seed::Full).await;
    let analyst = token("analyst", &["analyst"], None);
    app.act_with(&analyst);
    let filter = json!({"regionCode": "361100"});
    let listed = app
        .data(
            r#"query($f: EnforcementCaseFilter) { enforcementCases(filter: $f, first: 3) {
                totalCount nodes { caseNumber court { name } subjectAmount status } } }"#,
            json!({"f": filter}),
        )
        .await["enforcementCases"]
        .clone();
    let total = listed["totalCount"].as_u64().unwrap() as usize;
    assert!(total > 250, "several pages: {total}");

    let f = filter.to_string();
    let (status, kind, body) = export(&app, "enforcementCases.csv", &[("filter", &f)], &analyst).await;
    let body = body.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(body.starts_with('\u{feff}'));
    let header = body.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert!(
        header.starts_with("编号 (id),通用唯一标识 (uuid),案号 (caseNumber),执行法院名称 (courtName)"),
        "{header}"
    );
    let rows = lines(&body);
    assert_eq!(rows.len(), total, "every case of the filter, across pages, once");
    // In the list's own order, with the list's values.
    let first = &listed["nodes"][0];
    let cells: Vec<&str> = rows[0].split(',').collect();
    assert_eq!(cells[2], first["caseNumber"]);
    assert_eq!(cells[3], first["court"]["name"]);
    assert!(
        cells.contains(&first["subjectAmount"].as_str().unwrap()),
        "{cells:?}"
    );
    let numbers: std::collections::HashSet<&str> =
        rows.iter().map(|r| r.split(',').nth(2).unwrap()).collect();
    assert_eq!(numbers.len(), total, "no row twice");

    // A county officer gets the county's cases only, as the list gives them.
    let officer = token("court_officer", &["court_officer"], Some("361102"));
    app.act_with(&officer);
    let theirs =
        app.data("{ enforcementCases { totalCount } }", json!({})).await["enforcementCases"]["totalCount"]
            .as_u64()
            .unwrap() as usize;
    let (status, _, body) = export(&app, "enforcementCases.csv", &[], &officer).await;
    assert_eq!(status, 200);
    assert_eq!(lines(&body.unwrap()).len(), theirs);
    assert!(theirs < total);

    // The same rows as a workbook.
    let (status, kind, _) = export(&app, "enforcementCases.xlsx", &[("filter", &f)], &analyst).await;
    assert_eq!(status, 200);
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let book = app
        .client
        .get(format!("{}/export/enforcementCases.xlsx", app.base))
        .query(&[("filter", &f)])
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&book[..2], b"PK");

    // Personal data is masked for a role without the right, as in the API.
    let officer = token(
        "civil_affairs_officer",
        &["civil_affairs_officer"],
        Some("522324"),
    );
    app.act_with(&officer);
    app.data(
        r#"mutation { grantFuneralSubsidy(input: {regionCode: "522324", recipientName: "罗某某",
            recipientPhone: "13698765432", amount: "800.00", basis: "低保户", paidOn: "2025-06-15"}) { id } }"#,
        json!({}),
    )
    .await;
    let (_, _, body) = export(
        &app,
        "funeralSubsidies.csv",
        &[("regionCode", "522324")],
        &analyst,
    )
    .await;
    let body = body.unwrap();
    assert!(body.contains("受助人电话 (recipientPhone)"), "{body}");
    assert!(
        !body.contains("13698765432") && !body.contains("罗某某"),
        "{body}"
    );
    let (_, _, body) = export(
        &app,
        "funeralSubsidies.csv",
        &[("regionCode", "522324")],
        &officer,
    )
    .await;
    let body = body.unwrap();
    assert!(body.contains("13698765432") && body.contains("罗某某"), "{body}");
    // An export of unmasked personal data is a read of it, audited as a GraphQL read is; the
    // masked export before it read nothing.
    let reads = audit(&app, "readPersonalData").await;
    assert!(
        reads
            .iter()
            .any(|r| r["entity"] == "funeral_subsidy" && r["role"] == "civil_affairs_officer"),
        "the export's reads are audited: {reads:?}"
    );
    app.act_with(&officer);

    // An unknown dataset: the token is checked first (a bad one learns nothing), a signed-in
    // caller is told the datasets, an anonymous one is not.
    let (status, _, body) = export(&app, "noSuchList.csv", &[], "not-a-token").await;
    assert_eq!(status, 401, "{body:?}");
    assert!(!body.unwrap().contains("enforcementCases"));
    let (status, _, body) = app.export("noSuchList.csv", &[], None).await;
    assert_eq!(status, 404);
    let body = body.unwrap();
    assert!(
        body.contains("NOT_FOUND") && !body.contains("enforcementCases"),
        "{body}"
    );
    let (status, _, body) = export(&app, "noSuchList.csv", &[], &analyst).await;
    assert_eq!(status, 404);
    assert!(body.unwrap().contains("the datasets are"));

    // Errors, before any byte: a role without records, a bad parameter, a bad filter.
    let reader = token("statistics_reader", &["statistics_reader"], None);
    let (status, _, body) = export(&app, "enforcementCases.csv", &[], &reader).await;
    assert_eq!(status, 403, "{body:?}");
    let (status, _, body) = export(&app, "enforcementCases.csv", &[("colour", "red")], &analyst).await;
    assert_eq!(status, 400, "{body:?}");
    assert!(
        body.unwrap()
            .contains("the parameters of enforcementCases are filter, orderBy")
    );
    let (status, _, _) = export(&app, "enforcementCases.csv", &[("filter", "{")], &analyst).await;
    assert_eq!(status, 400);
    let (status, _, body) = export(
        &app,
        "enforcementCases.csv",
        &[("filter", r#"{"regionCode": "999999"}"#)],
        &analyst,
    )
    .await;
    assert_eq!(status, 400, "{body:?}");
    assert!(body.unwrap().contains("BAD_USER_INPUT"));
    // A required argument of the list is a required parameter.
    let (status, _, _) = export(&app, "terminatedCasesDueForReview.csv", &[], &analyst).await;
    assert_eq!(status, 400);
    let (status, _, _) = export(
        &app,
        "terminatedCasesDueForReview.csv",
        &[("asOf", "2025-12-31")],
        &analyst,
    )
    .await;
    assert_eq!(status, 200);

    // Every list of the schema exports for an administrator.
    let admin = token("admin", &["admin"], None);
    let lists = [
        "users",
        "regions",
        "courts",
        "dishonestDebtors",
        "communityUnits",
        "funeralFacilities",
        "funeralProjects",
        "gravePlots",
        "funeralViolations",
        "indicators",
        "villages",
        "auditLog",
    ];
    for list in lists {
        let (status, _, body) = export(&app, &format!("{list}.csv"), &[], &admin).await;
        assert_eq!(status, 200, "{list}: {body:?}");
        assert!(body.is_ok(), "{list}: {body:?}");
    }

    // Each export is audited when it starts and when it ends, with its rows.
    let ends = audit(&app, "export_end").await;
    let case_end = ends
        .iter()
        .rev()
        .find(|e| e["entity"] == "enforcementCases" && e["role"] == "analyst")
        .unwrap();
    let after: Value = serde_json::from_str(case_end["after"].as_str().unwrap()).unwrap();
    assert_eq!(
        (after["rows"].as_u64().unwrap() as usize, &after["outcome"]),
        (total, &json!("completed"))
    );
    let starts = audit(&app, "export").await;
    let start = starts
        .iter()
        .find(|e| e["entityId"] == case_end["entityId"])
        .unwrap();
    let parameters: Value = serde_json::from_str(start["after"].as_str().unwrap()).unwrap();
    assert_eq!(parameters["parameters"]["filter"], filter);
    assert_eq!(parameters["format"], "csv");
}

#[tokio::test]
async fn exports_pay_by_the_row_and_stop_when_the_budget_does_not_refill() {
    let app = spawn_app_configured(Seed::Full, |s| {
        s.rate_limit_cost_per_minute = 150;
        s.export_idle_timeout_ms = 500;
    })
    .await;
    let analyst = token("analyst", &["analyst"], None);
    // One unit for the request and one a row: a hundred rows go, the next hundred would
    // wait longer than the idle timeout for the budget, so the transfer breaks off.
    let (status, _, body) = export(&app, "enforcementCases.csv", &[], &analyst).await;
    assert_eq!(status, 200);
    assert!(body.is_err(), "the body is cut off, not a short file: {body:?}");
    let ends = audit(&app, "export_end").await;
    let after: Value = serde_json::from_str(ends[0]["after"].as_str().unwrap()).unwrap();
    assert_eq!(
        (&after["rows"], &after["outcome"]),
        (&json!(100), &json!("rate limited"))
    );
    // The budget is spent for this caller's next export too.
    let (status, _, body) = export(&app, "enforcementCases.csv", &[], &analyst).await;
    assert_eq!(status, 200, "{body:?}");
    let ends = audit(&app, "export_end").await;
    let after: Value = serde_json::from_str(ends[0]["after"].as_str().unwrap()).unwrap();
    assert_eq!(after["outcome"], "rate limited");
    assert!(after["rows"].as_u64().unwrap() < 100, "{after}");
}

/// Rows of the large export (a million unless `EXPORT_TEST_ROWS` says otherwise).
fn large_rows() -> u64 {
    std::env::var("EXPORT_TEST_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

#[tokio::test]
async fn a_million_rows_export_in_constant_memory() {
    let rows = large_rows();
    let app = crate::helpers::spawn_app().await;
    let court = crate::helpers::court(&app, "361102").await;
    app.data(
        r#"mutation($i: FileEnforcementCaseInput!) { fileEnforcementCase(input: $i) { id } }"#,
        json!({"i": {"caseNumber": "(2025)赣1102执1号", "courtId": court, "filedOn": "2025-03-01",
            "category": "FINANCIAL", "subjectAmount": "1000.00"}}),
    )
    .await;
    // The case copied to `rows` cases in one statement, each with its own number and uuid.
    let postgres = app.database_url().starts_with("postgres");
    // Filed over 900 days, as the reports' cases are.
    let (series, uuid, filed) = if postgres {
        (
            format!("generate_series(2, {rows}) AS s(i)"),
            "'00000000-0000-4000-8000-' || lpad(CAST(s.i AS TEXT), 12, '0')",
            "c.filed_on - (s.i % 900)",
        )
    } else {
        (
            format!(
                "(WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) SELECT i FROM n) AS s"
            ),
            "printf('00000000-0000-4000-8000-%012d', s.i)",
            "date(c.filed_on, '-' || (s.i % 900) || ' days')",
        )
    };
    // On a connection of its own: the app's connections stop statements after 10 seconds.
    let bulk = sea_orm::Database::connect(app.database_url())
        .await
        .expect("connect");
    let insert = format!(
        "INSERT INTO enforcement_cases (uuid, case_number, court_id, region_code, filed_on, statutory_due_on, \
         category, subject_amount_fen, judge_team, status, closure_mode, closed_on, recovered_amount_fen, version, \
         created_at, updated_at) \
         SELECT {uuid}, '(2025)赣1102执' || CAST(s.i AS TEXT) || '号', c.court_id, c.region_code, {filed}, \
         c.statutory_due_on, c.category, c.subject_amount_fen + s.i, c.judge_team, c.status, c.closure_mode, \
         c.closed_on, c.recovered_amount_fen, c.version, c.created_at, c.updated_at \
         FROM enforcement_cases c, {series}"
    );
    bulk.execute_unprepared(&insert).await.expect("insert the cases");
    if postgres {
        bulk.execute_unprepared("ANALYZE enforcement_cases")
            .await
            .expect("analyze");
    }
    bulk.close().await.ok();

    // The server in its own process, so that its memory is its own.
    let server = ServerProcess::start(
        app.database_url(),
        &[("RATE_LIMIT_COST_PER_MINUTE", "1000000000")],
    )
    .await;
    let analyst = token("analyst", &["analyst"], None);
    let client = reqwest::Client::new();
    let get = |params: &'static [(&'static str, &'static str)]| {
        client
            .get(format!("{}/export/enforcementCases.csv", server.base))
            .query(params)
            .bearer_auth(&analyst)
            .send()
    };
    // Warm up (pools, caches, the allocator's arenas), then measure from there.
    let warm = get(&[("filter", r#"{"filedFrom": "2025-01-01"}"#)])
        .await
        .unwrap();
    assert_eq!(warm.status(), 200);
    let mut warm = warm;
    while let Some(chunk) = warm.chunk().await.unwrap() {
        assert!(!chunk.is_empty());
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let before = server.rss();

    let mut response = get(&[]).await.unwrap();
    assert_eq!(response.status(), 200);
    let (mut lines, mut bytes, mut peak, mut chunks) = (0u64, 0u64, before, 0u64);
    let mut last = Vec::new();
    while let Some(chunk) = response.chunk().await.expect("the export runs to its end") {
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        bytes += chunk.len() as u64;
        chunks += 1;
        if chunks % 50 == 0 {
            peak = peak.max(server.rss());
        }
        last = chunk.to_vec();
    }
    peak = peak.max(server.rss());
    assert_eq!(lines, rows + 1, "the header and every case");
    assert!(String::from_utf8_lossy(&last).contains("(2025)赣1102执"));
    let growth = peak.saturating_sub(before);
    eprintln!(
        "exported {rows} rows, {} MB; server RSS {} MB before, {} MB at peak",
        bytes / 1_000_000,
        before / 1_000_000,
        peak / 1_000_000
    );
    assert!(
        growth < 50 * 1024 * 1024,
        "the server's memory grew by {} MB",
        growth / 1_048_576
    );
}

/// The synthetic flag is a column of the record exports (the export reads the list's own
/// fields): true for generated rows when an administrator exports, empty for other roles.
#[tokio::test]
async fn exports_carry_the_synthetic_column() {
    let app = spawn_app_with(Seed::Full).await;
    let f = json!({"regionCode": "L04"}).to_string();
    let admin = token("admin", &["admin"], None);
    let (status, _, body) = export(&app, "enforcementCases.csv", &[("filter", &f)], &admin).await;
    let body = body.unwrap();
    assert_eq!(status, 200, "{body}");
    let header: Vec<&str> = body
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .split(',')
        .collect();
    let column = header
        .iter()
        .position(|h| *h == "合成数据 (synthetic)")
        .unwrap_or_else(|| panic!("{header:?}"));
    // The last column (the field is the type's last), so quoted commas before it do not matter.
    assert_eq!(column, header.len() - 1, "{header:?}");
    let rows = lines(&body);
    assert!(rows.len() > 9_000, "{}", rows.len());
    for r in &rows {
        assert_eq!(r.rsplit(',').next(), Some("true"), "{r}");
    }
    let analyst = token("analyst", &["analyst"], None);
    let (_, _, body) = export(&app, "enforcementCases.csv", &[("filter", &f)], &analyst).await;
    let body = body.unwrap();
    assert!(lines(&body).iter().all(|r| r.rsplit(',').next() == Some("")));
    let (_, _, body) = export(&app, "gravePlots.csv", &[], &admin).await;
    let body = body.unwrap();
    assert!(body.lines().next().unwrap().contains("合成数据 (synthetic)"));
}

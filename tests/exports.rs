//! File exports of the record lists (`GET /export/<list>.csv|.xlsx`): the list's own filters,
//! scope and masking, page after page, paid by the row, audited; and a million rows in
//! constant memory. The aggregates' exports are in `aggregates.rs`.

use serde_json::{Value, json};

use crate::helpers::{Seed, TestApp, spawn_app_configured, spawn_app_with, token};

/// GETs an export: status, content type and body (or why the body broke off).
async fn export(
    app: &TestApp,
    path: &str,
    params: &[(&str, &str)],
    bearer: &str,
) -> (u16, String, Result<String, String>) {
    let r = app
        .client
        .get(format!("{}/export/{path}", app.base))
        .query(params)
        .bearer_auth(bearer)
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, r.text().await.map_err(|e| e.to_string()))
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

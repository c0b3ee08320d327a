//! Grouped aggregates for BI (the shared engine, through enforcement): groupings at every
//! region level, rates equal to the KPIs, time buckets, zero-fill, time zones, and
//! disclosure control for aggregate-only roles.

use serde_json::{Value, json};

use crate::helpers::{Seed, TestApp, court, spawn_app, spawn_app_with};

const AGG: &str = r#"query($f: EnforcementAggregateFilter, $g: [EnforcementGroupKey!]!, $l: RegionLevel, $p: EnforcementAggregatePeriod, $h: [EnforcementAggregateHaving!], $o: EnforcementAggregateOrder, $n: Int) {
  enforcementAggregate(filter: $f, groupBy: $g, regionLevel: $l, period: $p, having: $h, orderBy: $o, first: $n) {
    totalRows
    rows { region { code level } court { id } category status period { start end label } suppressed
           cases closed actualClosed subjectAmount recoveredAmount averageSubjectAmount minSubjectAmount maxSubjectAmount
           closureRate actualClosureRate recoveryRate terminatedThisRoundRate closedWithinLimitRate } } }"#;

async fn rows(app: &TestApp, vars: Value) -> Vec<Value> {
    app.data(AGG, vars).await["enforcementAggregate"]["rows"]
        .as_array()
        .unwrap()
        .clone()
}

const FILE: &str = r#"mutation($i: FileEnforcementCaseInput!) { fileEnforcementCase(input: $i) { id } }"#;

/// Files `n` cases in `region`'s court on `filed`, of `category`.
async fn file(app: &TestApp, region: &str, n: usize, filed: &str, category: &str) {
    let court = court(app, region).await;
    for _ in 0..n {
        let number = format!("(2025)赣{}执{}号", &region[2..], uuid::Uuid::new_v4().simple());
        app.data(
            FILE,
            json!({"i": {"caseNumber": number, "courtId": court, "filedOn": filed, "category": category, "subjectAmount": "1000.00"}}),
        )
        .await;
    }
}

fn close(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

#[tokio::test]
async fn group_rates_equal_the_kpis_at_every_level_in_one_statement() {
    let app = spawn_app_with(Seed::Full).await;
    app.act_as("analyst", None);
    let window = json!({"field": "FILED_ON", "from": "2023-01-01", "to": "2025-06-20"});
    const KPIS: &str = r#"query($f: EnforcementKpiFilter) { enforcementKpis(filter: $f) {
        accepted closed closureRate actualClosureRate recoveryRate terminatedThisRoundRate closedWithinLimitRate } }"#;
    for level in ["PROVINCE", "CITY", "COUNTY"] {
        app.reset_statements();
        let groups = rows(&app, json!({"g": ["REGION"], "l": level, "p": window})).await;
        assert!(!groups.is_empty(), "{level}");
        let statements = app.statements();
        assert_eq!(
            statements.iter().filter(|s| s.contains("GROUP BY")).count(),
            1,
            "{statements:#?}"
        );
        // Records of a region above the level count under that region (a city court's cases
        // when grouping by county): compare the groups at the level.
        for g in groups.iter().filter(|g| g["region"]["level"] == level).take(4) {
            let code = g["region"]["code"].as_str().unwrap();
            let k = app
                .data(
                    KPIS,
                    json!({"f": {"regionCode": code, "filedFrom": "2023-01-01", "filedTo": "2025-06-20"}}),
                )
                .await["enforcementKpis"]
                .clone();
            assert_eq!(g["cases"], k["accepted"], "{level} {code}");
            assert_eq!(g["closed"], k["closed"], "{level} {code}");
            for rate in [
                "closureRate",
                "actualClosureRate",
                "recoveryRate",
                "terminatedThisRoundRate",
                "closedWithinLimitRate",
            ] {
                assert!(
                    close(&g[rate], &k[rate]),
                    "{level} {code} {rate}: {} vs {}",
                    g[rate],
                    k[rate]
                );
            }
            assert!(!g["suppressed"].as_bool().unwrap());
        }
    }
    // Report 1's city: 36,269 cases filed, 16,115 actually closed (44.43%).
    let city = rows(
        &app,
        json!({"g": ["REGION"], "l": "CITY", "p": window, "f": {"regionCode": "361100"}}),
    )
    .await;
    assert_eq!(city.len(), 1);
    assert_eq!(city[0]["cases"], 36269);
    assert_eq!(city[0]["actualClosed"], 16115);
    // Counties of the city add up to it; ordering by a measure, first and totalRows.
    let counties = rows(
        &app,
        json!({"g": ["REGION"], "p": window, "f": {"regionCode": "361100"}}),
    )
    .await;
    let sum: i64 = counties.iter().map(|r| r["cases"].as_i64().unwrap()).sum();
    assert_eq!(sum, 36269);
    let d = app
        .data(
            AGG,
            json!({"g": ["REGION"], "p": window, "f": {"regionCode": "361100"}, "o": {"measure": "CASES", "direction": "DESC"}, "n": 3}),
        )
        .await;
    let top = d["enforcementAggregate"]["rows"].as_array().unwrap();
    assert_eq!(top.len(), 3);
    assert_eq!(d["enforcementAggregate"]["totalRows"], counties.len());
    assert!(top[0]["cases"].as_i64() >= top[1]["cases"].as_i64());
    let max = counties.iter().map(|r| r["cases"].as_i64().unwrap()).max();
    assert_eq!(top[0]["cases"].as_i64(), max);
    // having keeps the groups that meet it.
    let big = rows(
        &app,
        json!({"g": ["REGION"], "p": window, "f": {"regionCode": "361100"}, "h": [{"measure": "CASES", "comparison": "GTE", "value": 3000}]}),
    )
    .await;
    assert!(big.iter().all(|r| r["cases"].as_i64().unwrap() >= 3000));
    assert_eq!(
        big.len(),
        counties
            .iter()
            .filter(|r| r["cases"].as_i64().unwrap() >= 3000)
            .count()
    );
    // Grouping by court and category at once: each court's rows add up to its KPIs.
    let by_court = rows(&app, json!({"g": ["COURT", "CATEGORY"], "p": window})).await;
    let court_id = by_court[0]["court"]["id"].as_str().unwrap().to_owned();
    let accepted: i64 = by_court
        .iter()
        .filter(|r| r["court"]["id"] == court_id.as_str())
        .map(|r| r["cases"].as_i64().unwrap())
        .sum();
    let k = app
        .data(
            KPIS,
            json!({"f": {"courtId": court_id, "filedFrom": "2023-01-01", "filedTo": "2025-06-20"}}),
        )
        .await["enforcementKpis"]
        .clone();
    assert_eq!(k["accepted"].as_i64(), Some(accepted));
}

#[tokio::test]
async fn every_granularity_is_bucketed_and_zero_filled() {
    let app = spawn_app().await;
    app.act_as("court_officer", Some("361100"));
    file(&app, "361102", 2, "2025-01-06", "OTHER").await;
    file(&app, "361102", 1, "2025-03-31", "OTHER").await;
    file(&app, "361102", 1, "2025-08-14", "OTHER").await;
    app.act_as("analyst", None);
    let series = |granularity: &'static str| json!({"g": ["PERIOD"], "p": {"granularity": granularity, "from": "2025-01-01", "to": "2025-12-31"}});
    let expect: [(&str, usize, &str, i64); 6] = [
        ("DAY", 365, "2025-01-06", 2),
        ("WEEK", 53, "2025-W02", 2),
        ("MONTH", 12, "2025-03", 1),
        ("QUARTER", 4, "2025-Q1", 3),
        ("HALF_YEAR", 2, "2025-H2", 1),
        ("YEAR", 1, "2025", 4),
    ];
    for (granularity, buckets, label, cases) in expect {
        let r = rows(&app, series(granularity)).await;
        assert_eq!(r.len(), buckets, "{granularity}");
        let hit = r
            .iter()
            .find(|r| r["period"]["label"] == label)
            .unwrap_or_else(|| {
                panic!(
                    "{granularity}: no {label} in {:?}",
                    r.iter().map(|r| &r["period"]["label"]).collect::<Vec<_>>()
                )
            });
        assert_eq!(hit["cases"], cases, "{granularity} {label}");
        let total: i64 = r.iter().map(|r| r["cases"].as_i64().unwrap()).sum();
        assert_eq!(total, 4, "{granularity}");
        // Empty buckets are zeros, with undefined rates.
        if buckets > 2 {
            let empty = r.iter().find(|r| r["cases"] == 0).unwrap();
            assert_eq!(empty["closureRate"], Value::Null);
            assert_eq!(empty["subjectAmount"], "0.00");
        }
    }
    let q = rows(&app, series("QUARTER")).await;
    assert_eq!(
        q[2]["period"],
        json!({"start": "2025-07-01", "end": "2025-09-30", "label": "2025-Q3"})
    );
    // Each series (here: per county) gets every bucket.
    app.act_as("court_officer", Some("361100"));
    file(&app, "361103", 1, "2025-02-10", "FINANCIAL").await;
    app.act_as("analyst", None);
    let r = rows(
        &app,
        json!({"g": ["REGION", "PERIOD"], "p": {"granularity": "QUARTER", "from": "2025-01-01", "to": "2025-12-31"}}),
    )
    .await;
    assert_eq!(r.len(), 8);
    // Measures: sums, mean, extremes.
    let all = rows(&app, json!({"g": []})).await;
    assert_eq!(all[0]["cases"], 5);
    assert_eq!(all[0]["subjectAmount"], "5000.00");
    assert_eq!(all[0]["averageSubjectAmount"], "1000.00");
    assert_eq!(all[0]["minSubjectAmount"], "1000.00");
}

#[tokio::test]
async fn timestamps_are_bucketed_in_the_requested_time_zone() {
    let app = spawn_app().await;
    app.act_as("court_officer", Some("361100"));
    file(&app, "361102", 1, "2024-12-31", "OTHER").await;
    // Entered at 16:30 UTC on New Year's Eve: 00:30 on 1 January in Shanghai.
    app.sql("UPDATE enforcement_cases SET created_at = '2024-12-31 16:30:00+00:00'")
        .await;
    app.act_as("analyst", None);
    let year = |tz: Option<&str>| {
        let mut p = json!({"field": "CREATED_AT", "granularity": "YEAR"});
        if let Some(tz) = tz {
            p["timeZone"] = json!(tz);
        }
        json!({"g": ["PERIOD"], "p": p})
    };
    let r = rows(&app, year(None)).await;
    assert_eq!((r.len(), r[0]["period"]["label"].as_str()), (1, Some("2025")));
    let r = rows(&app, year(Some("UTC"))).await;
    assert_eq!((r.len(), r[0]["period"]["label"].as_str()), (1, Some("2024")));
    // The filing date is a local date already: the zone does not move it.
    let r = rows(
        &app,
        json!({"g": ["PERIOD"], "p": {"granularity": "YEAR", "timeZone": "UTC"}}),
    )
    .await;
    assert_eq!(r[0]["period"]["label"], "2024");
    // A window in local dates.
    let r = rows(
        &app,
        json!({"g": [], "p": {"field": "CREATED_AT", "from": "2025-01-01", "to": "2025-01-01"}}),
    )
    .await;
    assert_eq!(r[0]["cases"], 1);
    for (vars, field) in [
        (json!({"g": ["PERIOD"]}), "groupBy"),
        (json!({"g": [], "p": {"timeZone": "Mars/Olympus"}}), "timeZone"),
        (
            json!({"g": [], "p": {"from": "2025-02-01", "to": "2025-01-01"}}),
            "period.to",
        ),
        (
            json!({"g": ["PERIOD"], "p": {"granularity": "DAY", "from": "2000-01-01", "to": "2025-01-01"}}),
            "period",
        ),
        (json!({"g": ["REGION", "REGION"]}), "groupBy"),
        (json!({"g": [], "n": 0}), "first"),
    ] {
        let err = app.error(AGG, vars.clone()).await;
        assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT", "{vars}");
        assert_eq!(err["extensions"]["field"], field, "{vars}");
    }
}

#[tokio::test]
async fn aggregate_only_roles_get_every_count_and_sum_protected_by_cell_keys() {
    let app = spawn_app().await;
    app.act_as("court_officer", Some("361100"));
    // Three counties of one city: 3, 10 and 12 cases; the 12 are 10 financial and 2 other.
    file(&app, "361102", 3, "2025-03-01", "OTHER").await;
    file(&app, "361103", 10, "2025-03-01", "OTHER").await;
    file(&app, "361104", 10, "2025-03-01", "FINANCIAL").await;
    file(&app, "361104", 2, "2025-03-01", "OTHER").await;
    let by_county = json!({"g": ["REGION"]});
    let cases = |r: &[Value]| -> Vec<(String, i64)> {
        r.iter()
            .map(|r| {
                (
                    r["region"]["code"].as_str().unwrap().to_owned(),
                    r["cases"].as_i64().unwrap(),
                )
            })
            .collect()
    };

    // Roles that read records see exact values.
    app.act_as("analyst", None);
    let r = rows(&app, by_county.clone()).await;
    assert_eq!(
        cases(&r),
        [
            ("361102".to_owned(), 3),
            ("361103".to_owned(), 10),
            ("361104".to_owned(), 12)
        ]
    );
    assert_eq!(r[0]["minSubjectAmount"], "1000.00");
    let method = "{ disclosureMethod { method appliesToYou minCount maxDeviation table { originalCount perturbations { perturbation probability } } } }";
    assert_eq!(
        app.data(method, json!({})).await["disclosureMethod"]["appliesToYou"],
        false
    );

    for role in ["statistics_reader", "anonymous"] {
        if role == "anonymous" {
            app.act_anonymously();
        } else {
            app.act_as(role, None);
        }
        let m = app.data(method, json!({})).await["disclosureMethod"].clone();
        assert_eq!(
            (&m["method"], &m["appliesToYou"], &m["minCount"]),
            (&json!("CELL_KEY"), &json!(true), &json!(5))
        );
        // Row 3 of the table never leaves 3 in place.
        assert!(
            m["table"][3]["perturbations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["perturbation"] != 0)
        );

        let r = rows(&app, by_county.clone()).await;
        let published = cases(&r);
        let truth = [3, 10, 12];
        for ((code, n), t) in published.iter().zip(truth) {
            assert!((n - t).abs() <= 5, "{role}: {code} {n} for {t}");
            assert!(!(1..=4).contains(n), "{role}: {code} published {n}");
        }
        assert_ne!(
            published[0].1, 3,
            "{role}: a count of 3 is never published as itself"
        );
        // A minimum or maximum is one record's value: withheld. Three equal amounts are not
        // dominated by one: their sum is published, moved by noise.
        assert!(r[2]["minSubjectAmount"].is_null() && r[2]["maxSubjectAmount"].is_null());
        assert_eq!(r[2]["suppressed"], false);
        let sum: f64 = r[2]["subjectAmount"].as_str().unwrap().parse().unwrap();
        assert!(
            sum != 12_000.0 && (sum - 12_000.0).abs() <= 0.2 * (12.0f64).sqrt() * 1000.0 + 0.01,
            "{role}: {sum}"
        );
        // Rates come from the protected parts.
        let closed = r[2]["closed"].as_i64().unwrap();
        assert_eq!(closed, 0);
        assert_eq!(r[2]["closureRate"], 0.0);

        // The same records are the same cell, whichever request produces them: repeating,
        // filtering to their category, or grouping by it gives the same published value.
        assert_eq!(cases(&rows(&app, by_county.clone()).await), published, "{role}");
        let other = rows(&app, json!({"g": ["REGION"], "f": {"categories": ["OTHER"]}})).await;
        let by_category = rows(&app, json!({"g": ["REGION", "CATEGORY"]})).await;
        let cell = |r: &[Value], code: &str, category: Option<&str>| -> i64 {
            r.iter()
                .find(|r| r["region"]["code"] == code && category.is_none_or(|c| r["category"] == c))
                .map_or(0, |r| r["cases"].as_i64().unwrap())
        };
        for code in ["361102", "361103", "361104"] {
            assert_eq!(
                cell(&other, code, None),
                cell(&by_category, code, Some("OTHER")),
                "{role} {code}"
            );
        }
        // 361102 and 361103 hold only OTHER cases: filtered or not, they are one cell.
        assert_eq!(cell(&other, "361102", None), published[0].1);
        assert_eq!(cell(&other, "361103", None), published[1].1);
        // 361104's two OTHER cases: never 1 to 4, and their amount (two equal
        // contributors) is withheld by the dominance rule.
        let two = by_category
            .iter()
            .find(|r| r["region"]["code"] == "361104" && r["category"] == "OTHER")
            .unwrap();
        assert!(!(1..=4).contains(&two["cases"].as_i64().unwrap()), "{two}");
        assert_eq!(
            (&two["suppressed"], &two["subjectAmount"]),
            (&json!(true), &Value::Null)
        );

        // The city is a cell of its own, within the table's deviation of the truth.
        let city = rows(&app, json!({"g": ["REGION"], "l": "CITY"})).await;
        assert!((city[0]["cases"].as_i64().unwrap() - 25).abs() <= 5);
        // Records stay closed to them (anonymous is asked to sign in).
        let code = app
            .error_code("{ enforcementCases(first: 1) { totalCount } }", json!({}))
            .await;
        assert!(code == "FORBIDDEN" || code == "UNAUTHENTICATED", "{role}: {code}");
        // having tests the published values.
        let r = rows(
            &app,
            json!({"g": ["REGION"], "h": [{"measure": "CASES", "comparison": "LT", "value": 5}]}),
        )
        .await;
        assert!(
            r.iter().all(|r| r["cases"].as_i64().unwrap() < 5),
            "{role}: {r:?}"
        );
    }
    app.act_as("statistics_reader", None);
    assert_eq!(
        app.error_code("{ enforcementKpis { accepted } }", json!({}))
            .await,
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn the_method_is_configurable() {
    let app = crate::helpers::spawn_app_configured(Seed::Reference, |s| {
        s.disclosure.min_count = 2;
        s.disclosure.max_deviation = 3;
        s.disclosure.variance = 1.0;
    })
    .await;
    app.act_as("court_officer", Some("361100"));
    file(&app, "361102", 3, "2025-03-01", "OTHER").await;
    file(&app, "361103", 1, "2025-03-01", "OTHER").await;
    app.act_as("statistics_reader", None);
    let m = app
        .data(
            "{ disclosureMethod { minCount maxDeviation variance table { originalCount variance } } }",
            json!({}),
        )
        .await["disclosureMethod"]
        .clone();
    assert_eq!(
        (&m["minCount"], &m["maxDeviation"], &m["variance"]),
        (&json!(2), &json!(3), &json!(1.0))
    );
    // Rows 0 to D + k, the last for every larger count, of variance V past k - 1.
    let table = m["table"].as_array().unwrap();
    assert_eq!(table.len(), 6);
    assert!((table[5]["variance"].as_f64().unwrap() - 1.0).abs() < 1e-6);
    let r = rows(&app, json!({"g": ["REGION"]})).await;
    let one = r.iter().find(|r| r["region"]["code"] == "361103").unwrap();
    assert_ne!(one["cases"], 1, "a count of 1 is never published as itself");
    for r in &r {
        assert!(
            (r["cases"].as_i64().unwrap() - if r["region"]["code"] == "361103" { 1 } else { 3 }).abs() <= 3
        );
    }
}

/// GETs an export with `bearer`: status, content type and body.
async fn export(
    app: &TestApp,
    path: &str,
    params: &[(&str, &str)],
    bearer: Option<&str>,
) -> (u16, String, String) {
    let (status, kind, body) = app.export(path, params, bearer).await;
    (status, kind, body.expect("a whole body"))
}

#[tokio::test]
async fn aggregates_export_as_csv_under_the_same_rules_and_audited() {
    let app = spawn_app().await;
    app.act_as("court_officer", Some("361100"));
    file(&app, "361102", 3, "2025-03-01", "OTHER").await;
    file(&app, "361103", 10, "2025-03-01", "OTHER").await;
    file(&app, "361104", 12, "2025-03-01", "FINANCIAL").await;
    let analyst = crate::helpers::token("analyst", &["analyst"], None);
    let params = [
        ("groupBy", "REGION,CATEGORY"),
        ("filter", r#"{"regionCode": "361100"}"#),
        ("granularity", "QUARTER"),
        ("from", "2025-01-01"),
        ("to", "2025-12-31"),
    ];
    let (status, kind, body) = export(&app, "enforcementAggregate.csv", &params, Some(&analyst)).await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(body.starts_with('\u{feff}'), "a byte-order mark for Excel");
    let mut lines = body.trim_start_matches('\u{feff}').lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("区划代码 (regionCode),区划名称 (regionName),法院 (court)"),
        "{header}"
    );
    assert!(header.contains("结案率 (closureRate)"), "{header}");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3);
    assert!(rows[0].starts_with("361102,信州区,,OTHER,"), "{}", rows[0]);
    // The same query through GraphQL gives the same numbers.
    let cells: Vec<&str> = rows[2].split(',').collect();
    assert_eq!((cells[0], cells[3]), ("361104", "FINANCIAL"));
    assert!(cells.contains(&"12"), "{cells:?}");

    // A statistics reader gets the same protected values as through GraphQL: no count of
    // 3, no minimum or maximum.
    let reader = crate::helpers::token("statistics_reader", &["statistics_reader"], None);
    let (status, _, body) = export(
        &app,
        "enforcementAggregate.csv",
        &[("groupBy", "REGION")],
        Some(&reader),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut lines = body.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h.ends_with(&format!("({name})")))
            .unwrap()
    };
    let lines: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    app.act_as("statistics_reader", None);
    let graphql = self::rows(&app, json!({"g": ["REGION"]})).await;
    for (line, row) in lines.iter().zip(&graphql) {
        assert_eq!(line[at("cases")], row["cases"].to_string(), "{line:?}");
        assert_eq!(line[at("minSubjectAmount")], "", "{line:?}");
    }
    assert_ne!(lines[0][at("cases")], "3");

    // The same as a workbook: a zip container with typed cells.
    let r = app
        .client
        .get(format!("{}/export/enforcementAggregate.xlsx", app.base))
        .query(&params)
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let book = r.bytes().await.unwrap();
    assert_eq!(&book[..2], b"PK");

    // Errors: an unknown dataset or format, a bad parameter, a role without aggregates.
    assert_eq!(export(&app, "nothing.csv", &[], Some(&analyst)).await.0, 404);
    assert_eq!(
        export(&app, "enforcementAggregate.xls", &[], Some(&analyst))
            .await
            .0,
        404
    );
    assert_eq!(
        export(
            &app,
            "enforcementAggregate.csv",
            &[("color", "red")],
            Some(&analyst)
        )
        .await
        .0,
        400
    );
    let (status, _, body) = export(
        &app,
        "enforcementAggregate.csv",
        &[("groupBy", "NOPE")],
        Some(&analyst),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, _, body) = export(
        &app,
        "enforcementAggregate.csv",
        &[("filter", "{")],
        Some(&analyst),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let partner = crate::helpers::token("partner_agency", &["partner_agency"], None);
    let (status, _, body) = export(&app, "enforcementAggregate.csv", &[], Some(&partner)).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        export(&app, "enforcementAggregate.csv", &[], Some("not-a-token"))
            .await
            .0,
        401
    );
    // Every export domain answers.
    for name in [
        "communityStaffAggregate",
        "communityUnitAggregate",
        "gravePlotAggregate",
        "funeralProjectAggregate",
    ] {
        let (status, _, body) = export(
            &app,
            &format!("{name}.csv"),
            &[("groupBy", "REGION")],
            Some(&analyst),
        )
        .await;
        assert_eq!(status, 200, "{name}: {body}");
    }
    let (status, _, body) = export(
        &app,
        "observationAggregate.csv",
        &[("groupBy", "INDICATOR")],
        Some(&analyst),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Each export is in the audit log when it starts, with its parameters, and when it ends,
    // with its row count and how it ended.
    app.act_as("admin", None);
    let log = |operation: &'static str| {
        let app = &app;
        async move {
            let d = app
                .data(
                    r#"query($o: String) { auditLog(filter: {operation: $o}) {
                        totalCount nodes { actor role entity entityId after } } }"#,
                    json!({"o": operation}),
                )
                .await;
            d["auditLog"].clone()
        }
    };
    let (started, ended) = (log("export").await, log("export_end").await);
    assert_eq!(started["totalCount"], 8);
    let reader_entry = |entries: &Value| {
        entries["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["role"] == "statistics_reader")
            .unwrap()
            .clone()
    };
    let (start, end) = (reader_entry(&started), reader_entry(&ended));
    assert_eq!(start["entity"], "enforcementAggregate");
    assert_eq!(start["entityId"], end["entityId"], "one export id");
    let parameters: Value = serde_json::from_str(start["after"].as_str().unwrap()).unwrap();
    assert_eq!(parameters["parameters"]["g"], json!(["REGION"]));
    let after: Value = serde_json::from_str(end["after"].as_str().unwrap()).unwrap();
    assert_eq!(
        (&after["rows"], &after["outcome"]),
        (&json!(3), &json!("completed"))
    );
}

#[tokio::test]
async fn the_data_dictionary_follows_the_schema() {
    let app = spawn_app().await;
    app.act_anonymously();
    let d = app
        .data(
            "{ dataDictionary { name domain kind nameZh nameEn sourceReports roles export
                fields { name nameZh nameEn type unit description roles } } }",
            json!({}),
        )
        .await;
    let sets = d["dataDictionary"].as_array().unwrap();
    assert!(sets.len() >= 30, "{}", sets.len());
    for set in sets {
        let name = set["name"].as_str().unwrap();
        assert!(set["nameZh"].is_string(), "{name} has no Chinese term");
        // The fields are the schema's, name for name and type for type.
        let t = app
            .data(
                "query($n: String!) { __type(name: $n) { fields(includeDeprecated: true) { name type { kind name ofType { kind name ofType { kind name ofType { name } } } } } } }",
                json!({"n": name}),
            )
            .await;
        let schema_fields: Vec<&str> = t["__type"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        let dictionary_fields: Vec<&str> = set["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(dictionary_fields, schema_fields, "{name}");
        for f in set["fields"].as_array().unwrap() {
            assert!(f["description"].is_string(), "{name}.{}", f["name"]);
        }
    }
    let set = |n: &str| sets.iter().find(|s| s["name"] == n).unwrap().clone();
    let field = |s: &Value, n: &str| {
        s["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .unwrap()
            .clone()
    };
    let agg = set("EnforcementAggregateRow");
    assert_eq!(
        (&agg["kind"], &agg["export"], &agg["sourceReports"]),
        (
            &json!("AGGREGATE"),
            &json!("enforcementAggregate"),
            &json!([1, 2, 4])
        )
    );
    assert!(
        agg["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("STATISTICS_READER"))
    );
    let rate = field(&agg, "closureRate");
    assert_eq!(
        (&rate["nameZh"], &rate["nameEn"], &rate["type"]),
        (&json!("结案率"), &json!("closure rate"), &json!("Float"))
    );
    assert!(rate["unit"].as_str().unwrap().starts_with("比率"));
    assert!(
        field(&agg, "subjectAmount")["unit"]
            .as_str()
            .unwrap()
            .contains("yuan")
    );
    // Records are not for statistics readers; personal data is for those who may read it unmasked.
    let cases = set("EnforcementCase");
    assert!(
        !cases["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("STATISTICS_READER"))
    );
    let party = set("Party");
    assert_eq!(
        field(&party, "idNumber")["roles"],
        json!(["ADMIN", "COURT_OFFICER"])
    );
    assert!(
        field(&party, "name")["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("ANALYST"))
    );
    // One domain at a time.
    let d = app
        .data(r#"{ dataDictionary(domain: "funeral") { domain } }"#, json!({}))
        .await;
    assert!(
        d["dataDictionary"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["domain"] == "funeral")
    );
}

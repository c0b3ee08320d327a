//! Rural revitalisation (乡村振兴): reports 6 and 9 reproduced, unit conversions with their
//! rounding, series and snapshots, upsert conflicts and audit, the CSV import, villages and
//! their thresholds, permissions.

use crate::helpers::{Seed, TestApp, spawn_app_configured, spawn_app_with, token};
use serde_json::{Value, json};

const SERIES: &str = r#"query($i: String!, $r: String!, $u: String, $p: Int) {
    indicatorSeries(indicator: $i, regionCode: $r, unit: $u, places: $p) {
        period value inUnit { value unit roundedTo } yearOverYear version source } }"#;

async fn series(app: &TestApp, indicator: &str, region: &str, unit: Option<&str>) -> Vec<Value> {
    app.data(SERIES, json!({"i": indicator, "r": region, "u": unit, "p": 4}))
        .await["indicatorSeries"]
        .as_array()
        .unwrap()
        .clone()
}

const UPSERT: &str = r#"mutation($i: ObservationInputGql!, $v: Int) {
    upsertObservation(input: $i, expectedVersion: $v) { id value version period inUnit { value unit } } }"#;

async fn import(app: &TestApp, body: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut req = app
        .client
        .post(format!("{}/import/observations.csv", app.base))
        .header("content-type", "text/csv; charset=utf-8")
        .body(body.to_owned());
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("send");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The row errors of a refused import, in order: each error's line and field.
fn row_errors(body: &Value) -> Vec<(u64, &str)> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["extensions"]["line"].as_u64().unwrap(),
                e["extensions"]["field"].as_str().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn reports_6_and_9_are_reproduced() {
    let app = spawn_app_with(Seed::Full).await;
    let d = app
        .data(
            r#"{ reportedFigures(filter: {domain: "rural"}) { reportNo metric regionCode value computedValue consistent sourceText } }"#,
            json!({}),
        )
        .await;
    let figures = d["reportedFigures"].as_array().unwrap();
    assert!(figures.len() >= 60, "{}", figures.len());
    let mut uncomputed = Vec::new();
    let mut contradicted = Vec::new();
    for f in figures {
        assert!(!f["sourceText"].as_str().unwrap().is_empty());
        match f["consistent"].as_bool() {
            Some(true) => {}
            Some(false) => contradicted.push(f["sourceText"].as_str().unwrap().to_owned()),
            None => uncomputed.push(format!("{}:{}", f["reportNo"], f["metric"].as_str().unwrap())),
        }
    }
    // Report 6 states the sanitary-toilet rate twice: 55%, which the records hold, and
    // "实际覆盖率不足50%", which they cannot; every other figure records can give is reproduced.
    assert_eq!(contradicted.len(), 1, "{contradicted:#?}");
    assert!(contradicted[0].contains("实际覆盖率不足50%"));
    uncomputed.sort();
    assert_eq!(
        uncomputed,
        [
            "6:collectiveIncomeFloor",
            "6:efficient_irrigation_farmland_share",
            "6:enterpriseSalesThreshold",
            "6:northernTownsMaizeYield",
            "6:safetyAwardTerms",
            "6:safetyAwardYears",
            "6:villagesAtLeast30000",
            "6:zhaoShouyeAgeMinimum",
            "6:zhaoShouyeNewHouseArea",
            "6:zhaoShouyeSons",
            "9:bottomTownsInterviewed",
            "9:brandProjectsPerTownMinimum",
            "9:collectiveIncomeVetoLine",
            "9:partyWorkersPerTownMinimum",
            "9:rectificationShareMinimum",
            "9:reserveCadresPerVillageMinimum",
            "9:secretaryTrainingRoundsPerYearMinimum",
            "9:teamYoungCadreAgeMaximum",
            "9:trainingModules",
        ]
    );
    // The grain output in 亿斤 and in 吨 (exact), the income and its growth.
    let grain = series(&app, "grain_output", "152222", Some("亿斤")).await;
    assert_eq!(grain[0]["inUnit"]["value"], "35.3");
    let tons = series(&app, "grain_output", "152222", Some("吨")).await;
    assert_eq!(
        (
            tons[0]["inUnit"]["value"].as_str(),
            tons[0]["inUnit"]["roundedTo"].as_u64()
        ),
        (Some("1765000"), None)
    );
    let snapshot = app
        .data(
            r#"{ indicatorSnapshot(regionCode: "152222", period: "2023") { indicator { code unit pillar } value } }"#,
            json!({}),
        )
        .await["indicatorSnapshot"]
        .as_array()
        .unwrap()
        .clone();
    // 44 values of report 6; "不足全县耕地面积的15%" is a bound, not an observation.
    assert_eq!(snapshot.len(), 43);
    let value = |code: &str| {
        snapshot
            .iter()
            .find(|o| o["indicator"]["code"] == code)
            .map(|o| o["value"].as_str().unwrap().to_owned())
    };
    assert_eq!(value("disposable_income_per_capita").as_deref(), Some("9207"));
    assert_eq!(value("mechanisation_rate").as_deref(), Some("0.865"));
    assert_eq!(value("rural_talents").as_deref(), Some("852"));
    // Report 9's city: the party's age structure.
    let d = app
        .data(
            r#"{ indicatorSnapshot(regionCode: "L09", period: "2023") { indicator { code } value } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["indicatorSnapshot"].as_array().unwrap().len(), 2);
    // The catalogue.
    let d = app
        .data(r#"{ indicators(filter: {pillar: TALENT}) { totalCount nodes { code nameZh unit } } indicator(code: "grain_output") { nameEn unit } }"#, json!({}))
        .await;
    assert_eq!(d["indicators"]["totalCount"], 5);
    assert_eq!(d["indicator"]["unit"], "斤");
}

#[tokio::test]
async fn conversions_are_exact_or_rounded_half_even_and_impossible_ones_refused() {
    let app = spawn_app_with(Seed::Full).await;
    // 117万亩 = 78,000 公顷 exactly; 412,800 亩 = 27,520 公顷 exactly; 1 亩 of maize yield...
    let area = series(&app, "water_saving_irrigated_area", "152222", Some("公顷")).await;
    assert_eq!(area[0]["inUnit"]["value"], "78000");
    assert!(area[0]["inUnit"]["roundedTo"].is_null());
    // 2.1万亩 = 1400 公顷; 20 户 in 万户 = 0.002 exactly.
    let farmland = series(&app, "farmland_area", "L1522220201", Some("公顷")).await;
    assert_eq!(farmland[0]["inUnit"]["value"], "1400");
    // 1,417,800 亩 in 平方公里 = 945.2 exactly; 412,800 亩 in 平方公里 = 275.2.
    let comp = series(&app, "ecological_compensation_area", "152222", Some("平方公里")).await;
    assert_eq!(comp[0]["inUnit"]["value"], "945.2");
    // Rates as per cent.
    let mech = series(&app, "mechanisation_rate", "152222", Some("%")).await;
    assert_eq!(mech[0]["inUnit"]["value"], "86.5");
    // A non-terminating conversion is rounded half-even to the places asked and says so.
    app.data(
        UPSERT,
        json!({"i": {"indicator": "farmland_area", "regionCode": "L15222201", "period": "2023", "value": "1", "source": "测试"}}),
    )
    .await;
    let d = app
        .data(
            SERIES,
            json!({"i": "farmland_area", "r": "L15222201", "u": "公顷", "p": 3}),
        )
        .await;
    let p = &d["indicatorSeries"][0]["inUnit"];
    assert_eq!(
        (p["value"].as_str(), p["roundedTo"].as_u64()),
        (Some("0.067"), Some(3))
    );
    // 亩 to 元 has no answer.
    let err = app
        .error(
            SERIES,
            json!({"i": "farmland_area", "r": "L15222201", "u": "元", "p": 4}),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "unit");
    assert_eq!(
        app.error_code(
            SERIES,
            json!({"i": "farmland_area", "r": "L15222201", "u": "furlong", "p": 4})
        )
        .await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn upserts_version_and_audit_and_series_give_year_over_year() {
    let app = spawn_app_with(Seed::Full).await;
    app.act_as("agriculture_officer", Some("152222"));
    // A value in another unit is stored in the canonical one.
    let input = json!({"indicator": "grain_output", "regionCode": "152222", "period": "2022", "value": "176.5", "unit": "万吨", "source": "统计公报"});
    let first = app.data(UPSERT, json!({"i": input})).await["upsertObservation"].clone();
    assert_eq!(first["value"], "3530000000");
    // Writing the same key again needs its version.
    assert_eq!(app.error_code(UPSERT, json!({"i": input})).await, "CONFLICT");
    let mut lower = input.clone();
    lower["value"] = json!("160");
    let second = app.data(UPSERT, json!({"i": lower, "v": 1})).await["upsertObservation"].clone();
    assert_eq!(
        (second["version"].as_i64(), second["value"].as_str()),
        (Some(2), Some("3200000000"))
    );
    assert_eq!(
        app.error_code(UPSERT, json!({"i": lower, "v": 1})).await,
        "CONFLICT"
    );
    // 2023 against 2022: 35.3亿斤 / 32亿斤 - 1 = 10.3125%.
    let s = series(&app, "grain_output", "152222", None).await;
    assert_eq!(s.len(), 2);
    assert!(s[0]["yearOverYear"].is_null());
    assert!((s[1]["yearOverYear"].as_f64().unwrap() - 0.103125).abs() < 1e-9);
    // Bad input names its field; out of reach is refused.
    for (field, value) in [
        ("period", json!("2023Q5")),
        ("value", json!("1e3")),
        ("indicator", json!("nope")),
        ("regionCode", json!("140500")),
    ] {
        let mut bad = input.clone();
        bad[field] = value;
        let err = app.error(UPSERT, json!({"i": bad})).await;
        assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT", "{field}");
        assert_eq!(err["extensions"]["field"], field);
    }
    // Audited, with before and after.
    app.act_as("admin", None);
    let d = app
        .data(r#"{ auditLog(filter: {operation: "upsertObservation"}) { totalCount nodes { role before after } } }"#, json!({}))
        .await;
    assert_eq!(d["auditLog"]["totalCount"], 2);
    // Analysts read the statistics but do not write them.
    app.act_as("analyst", None);
    assert_eq!(app.error_code(UPSERT, json!({"i": input})).await, "FORBIDDEN");
    app.act_anonymously();
    assert_eq!(series(&app, "grain_output", "152222", None).await.len(), 2);
}

#[tokio::test]
async fn a_spreadsheet_imports_all_rows_or_none() {
    let app = spawn_app_with(Seed::Full).await;
    let officer = token("agriculture_officer", &["agriculture_officer"], Some("152222"));
    let good = "\u{feff}indicator,region_code,period,value,unit,source\n\
                grain_output,152222,2021,33.9,亿斤,统计年鉴\n\
                grain_output,152222,2022,34.1,亿斤,统计年鉴\n\
                disposable_income_per_capita,152222,2023,9300,,复核\n";
    let (status, body) = import(&app, good, Some(&officer)).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["data"], json!({"created": 2, "updated": 1, "unchanged": 0}));
    let s = series(&app, "grain_output", "152222", Some("亿斤")).await;
    let values: Vec<&str> = s.iter().map(|p| p["inUnit"]["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["33.9", "34.1", "35.3"]);

    // Every bad row is reported with its line; nothing is written.
    let bad = "indicator,region_code,period,value,unit,source\n\
               grain_output,152222,2019,30,亿斤,ok\n\
               grain_output,152222,2020,thirty,亿斤,bad value\n\
               nope,152222,2020,1,,bad indicator\n\
               grain_output,140500,2020,1,,out of reach\n\
               grain_output,152222,2019,31,亿斤,duplicate\n\
               grain_output,152222,2018,1,元,wrong unit\n";
    let (status, body) = import(&app, bad, Some(&officer)).await;
    assert_eq!(status, 422, "{body:#}");
    let lines = row_errors(&body);
    assert_eq!(
        lines,
        [
            (3, "value"),
            (4, "indicator"),
            (5, "regionCode"),
            (6, "period"),
            (7, "unit")
        ]
    );
    assert_eq!(
        series(&app, "grain_output", "152222", None).await.len(),
        3,
        "nothing written"
    );

    // The wrong type, no token, the wrong role.
    let r = app
        .client
        .post(format!("{}/import/observations.csv", app.base))
        .header("content-type", "application/json")
        .bearer_auth(&officer)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    assert_eq!(import(&app, good, None).await.0, 401);
    let analyst = token("analyst", &["analyst"], None);
    assert_eq!(import(&app, good, Some(&analyst)).await.0, 403);
    // The import is audited row by row.
    assert_eq!(import_audits(&app).await, 3);
    // The same file again changes nothing and audits nothing.
    let (status, body) = import(&app, good, Some(&officer)).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["data"], json!({"created": 0, "updated": 0, "unchanged": 3}));
    assert_eq!(import_audits(&app).await, 3);
}

/// Indicators in `元`, `人` and `亩`, so that a row's value needs no unit.
const MANY: [&str; 8] = [
    "agri_processing_revenue",
    "disposable_income_per_capita",
    "poverty_fund",
    "farm_subsidies",
    "population",
    "rural_talents",
    "farmland_area",
    "afforestation_area",
];

/// A file of `rows` distinct observations of 152222 (periods from 1949 on, each with the
/// eight indicators), the `skip` first keys left out; each value is `base` plus its row.
fn observations_file(skip: usize, rows: usize, base: u64) -> String {
    let mut periods = Vec::new();
    for year in 1949..=2100 {
        periods.push(year.to_string());
        for h in 1..=2 {
            periods.push(format!("{year}H{h}"));
        }
        for q in 1..=4 {
            periods.push(format!("{year}Q{q}"));
        }
        for m in 1..=12 {
            periods.push(format!("{year}-{m:02}"));
        }
    }
    let mut csv = String::from("indicator,region_code,period,value,unit,source\n");
    let keys = periods
        .iter()
        .flat_map(|p| MANY.iter().map(move |i| (i, p)))
        .skip(skip)
        .take(rows);
    for (n, (indicator, period)) in keys.enumerate() {
        csv.push_str(&format!(
            "{indicator},152222,{period},{},,批量导入\n",
            base + n as u64
        ));
    }
    assert_eq!(csv.lines().count(), rows + 1, "the file has {rows} rows");
    csv
}

async fn import_audits(app: &TestApp) -> u64 {
    app.data(
        r#"{ auditLog(filter: {operation: "importObservations"}) { totalCount } }"#,
        json!({}),
    )
    .await["auditLog"]["totalCount"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_large_file_is_written_in_batches_whose_statements_do_not_grow_with_rows() {
    let app = spawn_app_with(Seed::Reference).await;
    app.act_as("admin", None);
    let officer = token("agriculture_officer", &["agriculture_officer"], Some("152222"));
    // Endpoints of the province and of an unrelated one: every imported row is an event for
    // the first, none for the second (the receiver need not exist: this counts what is
    // enqueued).
    let mut endpoints = Vec::new();
    for region in ["150000", "140000"] {
        let d = app
            .data(
                r#"mutation($i: RegisterWebhookEndpointInput!) {
                    registerWebhookEndpoint(input: $i) { endpoint { id } } }"#,
                json!({"i": {"partner": "统计平台", "regionCode": region,
                             "url": "https://receiver.invalid/hook",
                             "eventTypes": ["Observation.create", "Observation.update"]}}),
            )
            .await;
        endpoints.push(
            d["registerWebhookEndpoint"]["endpoint"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let deliveries = |endpoint: String| {
        let app = &app;
        async move {
            app.data(
                r#"query($e: ID) { webhookDeliveries(endpointId: $e, first: 1) {
                    totalCount nodes { eventType payload } } }"#,
                json!({"e": endpoint}),
            )
            .await["webhookDeliveries"]
                .clone()
        }
    };
    // 1,000 rows are two batches of 500; 3,000 more are six.
    app.reset_statements();
    let (status, body) = import(&app, &observations_file(0, 1_000, 1), Some(&officer)).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(
        body["data"],
        json!({"created": 1000, "updated": 0, "unchanged": 0})
    );
    let small = app.statements().len();
    app.reset_statements();
    let file = observations_file(1_000, 3_000, 1);
    let (status, body) = import(&app, &file, Some(&officer)).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(
        body["data"],
        json!({"created": 3000, "updated": 0, "unchanged": 0})
    );
    let large = app.statements().len();
    // A batch runs a fixed number of statements (begin, the keys' read, the upsert, the
    // audit, the change log's two, the outbox's read, commit): four more batches may add
    // forty, and the server's background work (the live feed, the deliverer) a few more;
    // a statement per row would add thousands.
    assert!(
        large <= small + 4 * 10 + 20,
        "1,000 rows ran {small} statements, 3,000 rows {large}"
    );
    assert!(large < 120, "3,000 rows ran {large} statements");
    assert_eq!(import_audits(&app).await, 4_000, "every row audited");

    // Sent again, nothing changes; with other values, every row is replaced and versioned.
    let (status, body) = import(&app, &file, Some(&officer)).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(
        body["data"],
        json!({"created": 0, "updated": 0, "unchanged": 3000})
    );
    let (status, body) = import(&app, &observations_file(1_000, 3_000, 7), Some(&officer)).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(
        body["data"],
        json!({"created": 0, "updated": 3000, "unchanged": 0})
    );
    assert_eq!(import_audits(&app).await, 7_000);
    // 4,000 creations and 3,000 updates for the province's endpoint, none for the other.
    let province = deliveries(endpoints[0].clone()).await;
    assert_eq!(province["totalCount"], 7_000, "one event per written row");
    let node = &province["nodes"][0];
    let payload: Value = serde_json::from_str(node["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["type"], node["eventType"]);
    assert!(
        payload["type"].as_str().unwrap().starts_with("Observation."),
        "{payload}"
    );
    assert!(payload["data"]["id"].is_string(), "a global id: {payload}");
    assert_eq!(deliveries(endpoints[1].clone()).await["totalCount"], 0);
    let d = app
        .data(
            r#"{ indicatorSeries(indicator: "poverty_fund", regionCode: "152222") { period value version } }"#,
            json!({}),
        )
        .await;
    let yearly: Vec<&Value> = d["indicatorSeries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["period"] == "1960")
        .collect();
    assert_eq!(yearly.len(), 1);
    assert_eq!(yearly[0]["version"], 2, "{yearly:?}");
}

#[tokio::test]
async fn a_failed_batch_keeps_the_batches_before_it_and_the_file_sent_again_finishes() {
    let app = spawn_app_with(Seed::Reference).await;
    app.act_as("admin", None);
    let officer = token("agriculture_officer", &["agriculture_officer"], Some("152222"));
    // The database refuses one row of the third batch (rows 1,001 to 1,500).
    let file = observations_file(0, 1_600, 1);
    let refused = file
        .lines()
        .nth(1_200)
        .unwrap()
        .split(',')
        .nth(2)
        .unwrap()
        .to_owned();
    let postgres = app.database_url().starts_with("postgres");
    if postgres {
        app.sql(&format!(
            "CREATE FUNCTION refuse_row() RETURNS trigger AS $$ BEGIN \
               IF NEW.period = '{refused}' THEN RAISE EXCEPTION 'refused by the test'; END IF; \
               RETURN NEW; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER refuse_row BEFORE INSERT ON rural_observations \
               FOR EACH ROW EXECUTE FUNCTION refuse_row();"
        ))
        .await;
    } else {
        app.sql(&format!(
            "CREATE TRIGGER refuse_row BEFORE INSERT ON rural_observations \
             WHEN NEW.period = '{refused}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
        ))
        .await;
    }
    let (status, body) = import(&app, &file, Some(&officer)).await;
    assert_eq!(status, 500, "{body:#}");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL");
    assert_eq!(error["extensions"]["created"], 1000, "{body:#}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("1000 rows were imported"), "{message}");
    assert!(message.contains("send the same file again"), "{message}");
    assert!(
        !message.contains("refused by the test"),
        "no database message: {message}"
    );
    assert_eq!(
        import_audits(&app).await,
        1_000,
        "two batches written and audited"
    );

    app.sql(if postgres {
        "DROP TRIGGER refuse_row ON rural_observations"
    } else {
        "DROP TRIGGER refuse_row"
    })
    .await;
    let (status, body) = import(&app, &file, Some(&officer)).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(
        body["data"],
        json!({"created": 600, "updated": 0, "unchanged": 1000})
    );
    assert_eq!(import_audits(&app).await, 1_600);
}

#[tokio::test]
async fn healthz_answers_while_a_large_file_imports() {
    let app = spawn_app_with(Seed::Reference).await;
    let officer = token("agriculture_officer", &["agriculture_officer"], Some("152222"));
    let file = observations_file(0, 20_000, 1);
    let importing = {
        let client = app.client.clone();
        let url = format!("{}/import/observations.csv", app.base);
        tokio::spawn(async move {
            let r = client
                .post(url)
                .header("content-type", "text/csv")
                .bearer_auth(officer)
                .body(file)
                .send()
                .await
                .expect("send");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        })
    };
    let mut answered_during = 0;
    while !importing.is_finished() {
        let r = app
            .client
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .expect("healthz");
        assert_eq!(r.status().as_u16(), 200);
        if !importing.is_finished() {
            answered_during += 1;
        }
    }
    let (status, body) = importing.await.unwrap();
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["data"]["created"], 20_000);
    assert!(answered_during > 0, "/healthz answered while the import ran");
}

#[tokio::test]
async fn villages_thresholds_and_party_organisations() {
    let app = spawn_app_with(Seed::Full).await;
    app.act_as("agriculture_officer", Some("152222"));
    let stats = |year: i32| {
        let app = &app;
        async move {
            app.data(
                r#"query($y: Int!) { ruralStats(filter: {regionCode: "152222", year: $y}) {
                    villages villagesWithIncome villagesIncomeUnknown villagesAtLeast30000 villagesAtLeast50000 villagesVetoed
                    incomeThresholds { threshold { amount consequence regionCode fromYear toYear reportNo sourceText }
                        villages villagesAtOrAbove villagesBelow villagesUnknown shareAtOrAbove }
                    villagesPartyMembersUnknown villagesReserveCadresUnknown
                    shareUnder35 shareOver60 villagesWith3ReserveCadres villagesUnderRectification shareUnderRectification } }"#,
                json!({"y": year}),
            )
            .await["ruralStats"]
                .clone()
        }
    };
    // Report 6's county (152222) in 2023: 196 villages, none with a recorded income. The
    // report says "嘎查村集体经济均达到3万元以上" (every village reached 30,000 yuan): with no
    // income recorded, every village is unknown against that line, neither reaching nor
    // failing it, and report 9's 50,000-yuan veto line (its own city, L09) does not apply here.
    let s = stats(2023).await;
    assert_eq!(
        (s["villages"].as_i64(), s["villagesWithIncome"].as_i64()),
        (Some(196), Some(0))
    );
    assert_eq!(s["villagesIncomeUnknown"], 196);
    assert_eq!(s["villagesVetoed"], 0, "no veto line covers 152222: {s:#}");
    let lines = s["incomeThresholds"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "only report 6's own line applies: {s:#}");
    assert_eq!(
        lines[0]["threshold"],
        json!({"amount": "30000.00", "consequence": "FLOOR", "regionCode": "152222", "fromYear": 2023,
               "toYear": 2023, "reportNo": 6, "sourceText": "目前,嘎查村集体经济均达到3万元以上"})
    );
    assert_eq!(
        (
            &lines[0]["villages"],
            &lines[0]["villagesAtOrAbove"],
            &lines[0]["villagesBelow"],
            &lines[0]["villagesUnknown"]
        ),
        (&json!(196), &json!(0), &json!(0), &json!(196))
    );
    assert_eq!(
        lines[0]["shareAtOrAbove"],
        Value::Null,
        "no known income, no share"
    );
    // Party organisations unknown: shares null with the count of unknowns beside them.
    assert_eq!(
        (
            &s["shareUnder35"],
            &s["shareOver60"],
            &s["villagesPartyMembersUnknown"],
            &s["villagesReserveCadresUnknown"]
        ),
        (&Value::Null, &Value::Null, &json!(196), &json!(196))
    );
    // The line is report 6's for 2023 only: in 2024 no line applies.
    assert_eq!(stats(2024).await["incomeThresholds"], json!([]));
    let v = app
        .data(
            r#"mutation { createVillage(input: {regionCode: "L15222201", name: "五家子村", partyMembersUnder35: 4,
                partyMembers35To60: 9, partyMembersOver60: 7, reserveCadres: 3, underRectification: true}) { id version } }"#,
            json!({}),
        )
        .await["createVillage"]
        .clone();
    const INCOME: &str = r#"mutation($v: ID!, $a: Decimal!, $e: Int) { recordVillageIncome(villageId: $v, year: 2023, income: $a, expectedVersion: $e) { version income atLeast30000 atLeast50000 } }"#;
    let i = app.data(INCOME, json!({"v": v["id"], "a": "42000.00"})).await["recordVillageIncome"].clone();
    assert_eq!(
        (i["atLeast30000"].as_bool(), i["atLeast50000"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(
        app.error_code(INCOME, json!({"v": v["id"], "a": "52000.00"}))
            .await,
        "CONFLICT"
    );
    let i = app
        .data(INCOME, json!({"v": v["id"], "a": "52000.00", "e": 1}))
        .await["recordVillageIncome"]
        .clone();
    assert_eq!(i["atLeast50000"], true);
    let s = stats(2023).await;
    assert_eq!(s["villages"], 197);
    assert_eq!(
        (
            s["villagesWithIncome"].as_i64(),
            s["villagesAtLeast50000"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(s["villagesVetoed"], 0);
    assert_eq!(s["villagesIncomeUnknown"], 196);
    let line = &s["incomeThresholds"][0];
    assert_eq!(
        (
            &line["villages"],
            &line["villagesAtOrAbove"],
            &line["villagesBelow"],
            &line["villagesUnknown"],
            &line["shareAtOrAbove"]
        ),
        (&json!(197), &json!(1), &json!(0), &json!(196), &json!(1.0))
    );
    assert_eq!(
        (
            &s["villagesPartyMembersUnknown"],
            &s["villagesReserveCadresUnknown"]
        ),
        (&json!(196), &json!(196))
    );
    assert_eq!(s["shareUnder35"], 0.2);
    assert_eq!(s["shareOver60"], 0.35);
    assert_eq!(s["villagesWith3ReserveCadres"], 1);
    assert_eq!(s["villagesUnderRectification"], 1);
    // Villages below an amount, by filter: only recorded incomes are below; the 196 without
    // one are listed apart. Incomes through the village.
    let d = app
        .data(
            r#"{ villages(first: 5, filter: {regionCode: "152222", incomeBelow: {year: 2023, amount: "50000"}}) { totalCount }
                 below60k: villages(first: 5, filter: {regionCode: "152222", incomeBelow: {year: 2023, amount: "60000"}}) { totalCount }
                 unknown: villages(first: 5, filter: {regionCode: "152222", incomeUnknownIn: 2023}) { totalCount }
                 village: villages(filter: {underRectification: true}) { nodes { name incomes { year income } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        (
            &d["villages"]["totalCount"],
            &d["below60k"]["totalCount"],
            &d["unknown"]["totalCount"]
        ),
        (&json!(0), &json!(1), &json!(196))
    );
    assert_eq!(d["village"]["nodes"][0]["incomes"][0]["income"], "52000.00");
    // Validation and scope.
    assert_eq!(
        app.error_code(
            r#"mutation { createVillage(input: {regionCode: "140500", name: "某村"}) { id } }"#,
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            r#"mutation { createVillage(input: {regionCode: "152222", name: "某村", reserveCadres: -1}) { id } }"#,
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            INCOME.replace("2023", "2099").as_str(),
            json!({"v": v["id"], "a": "1.00"})
        )
        .await,
        "BAD_USER_INPUT"
    );
    // The catalogue is shared: a scoped officer cannot extend it; an administrator can.
    const DEFINE: &str = r#"mutation { defineIndicator(code: "cooperatives", nameZh: "农民专业合作社", nameEn: "Farmers' cooperatives",
        pillar: INDUSTRY, unit: "家") { code unit } }"#;
    assert_eq!(app.error_code(DEFINE, json!({})).await, "FORBIDDEN");
    app.act_as("admin", None);
    assert_eq!(app.data(DEFINE, json!({})).await["defineIndicator"]["unit"], "家");
    assert_eq!(app.error_code(DEFINE, json!({})).await, "CONFLICT");
    // Nodes.
    let d = app
        .data("query($id: ID!) { node(id: $id) { id } }", json!({"id": v["id"]}))
        .await;
    assert_eq!(d["node"]["id"], v["id"]);
}

/// Report 9: "实行发展村级集体经济“一票否决”,集体经济未达到5万元的村取消各种评比表彰的参评资格"
/// is a veto line for report 9's own city (L09) from 2023 on: it counts the villages there
/// below it, never those elsewhere or those whose income is unknown.
#[tokio::test]
async fn a_veto_line_applies_to_its_own_region_and_not_to_unknown_incomes() {
    let app = spawn_app_with(Seed::Full).await;
    app.act_as("admin", None);
    let mut ids = Vec::new();
    for name in ["甲村", "乙村", "丙村"] {
        let v = app
            .data(
                r#"mutation($n: String!) { createVillage(input: {regionCode: "L09", name: $n}) { id } }"#,
                json!({"n": name}),
            )
            .await;
        ids.push(v["createVillage"]["id"].clone());
    }
    for (id, year, amount) in [
        (&ids[0], 2023, "40000"),
        (&ids[1], 2023, "60000"),
        (&ids[0], 2026, "45000"),
    ] {
        app.data(
            r#"mutation($v: ID!, $y: Int!, $a: Decimal!) { recordVillageIncome(villageId: $v, year: $y, income: $a) { version } }"#,
            json!({"v": id, "y": year, "a": amount}),
        )
        .await;
    }
    const STATS: &str = r#"query($r: String!, $y: Int!) { ruralStats(filter: {regionCode: $r, year: $y}) {
        villages villagesVetoed villagesIncomeUnknown
        incomeThresholds { threshold { amount consequence regionCode reportNo toYear } villages villagesAtOrAbove villagesBelow villagesUnknown shareAtOrAbove } } }"#;
    let s = app.data(STATS, json!({"r": "L09", "y": 2023})).await["ruralStats"].clone();
    assert_eq!(
        (&s["villages"], &s["villagesVetoed"], &s["villagesIncomeUnknown"]),
        (&json!(3), &json!(1), &json!(1))
    );
    assert_eq!(
        s["incomeThresholds"],
        json!([{"threshold": {"amount": "50000.00", "consequence": "VETO", "regionCode": "L09", "reportNo": 9, "toYear": null},
                "villages": 3, "villagesAtOrAbove": 1, "villagesBelow": 1, "villagesUnknown": 1, "shareAtOrAbove": 0.5}])
    );
    // Open-ended: still in force in 2026, where two villages have no income recorded.
    let s = app.data(STATS, json!({"r": "L09", "y": 2026})).await["ruralStats"].clone();
    assert_eq!(
        (&s["villagesVetoed"], &s["villagesIncomeUnknown"]),
        (&json!(1), &json!(2))
    );
    // Over every region, each line counts only its own villages.
    let all = app
        .data(r#"{ ruralStats(filter: {year: 2023}) { villagesVetoed incomeThresholds { threshold { regionCode } villages villagesUnknown } } }"#, json!({}))
        .await["ruralStats"]
        .clone();
    assert_eq!(all["villagesVetoed"], 1);
    assert_eq!(
        all["incomeThresholds"],
        json!([{"threshold": {"regionCode": "152222"}, "villages": 196, "villagesUnknown": 196},
               {"threshold": {"regionCode": "L09"}, "villages": 3, "villagesUnknown": 1}])
    );
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused() {
    let app = spawn_app_configured(Seed::Reference, |s| s.limits.max_import_bytes = 1024).await;
    let officer = token("agriculture_officer", &["agriculture_officer"], Some("152222"));
    let big = format!(
        "indicator,region_code,period,value,source\n{}",
        "grain_output,152222,2020,1,s\n".repeat(100)
    );
    let (status, body) = import(&app, &big, Some(&officer)).await;
    assert_eq!(status, 413, "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_LIMIT_EXCEEDED");
    let small = "indicator,region_code,period,value,source\ngrain_output,152222,2020,30,s\n";
    assert_eq!(import(&app, small, Some(&officer)).await.0, 200);
}

#[tokio::test]
async fn observations_group_with_exact_sums() {
    const AGG: &str = r#"query($g: [ObservationGroupKey!]!, $f: ObservationAggregateFilter, $l: RegionLevel, $p: ObservationAggregatePeriod) {
        observationAggregate(groupBy: $g, filter: $f, regionLevel: $l, period: $p) {
            rows { region { code } indicator { code } period { label } suppressed observations total average min max } } }"#;
    let app = spawn_app_with(Seed::Full).await;
    app.act_as("analyst", None);
    // 35.3亿斤 of grain in 2023, exact in 斤.
    let d = app
        .data(
            AGG,
            json!({"g": ["INDICATOR", "PERIOD"], "f": {"indicators": ["grain_output"]}, "p": {"field": "PERIOD_START", "granularity": "YEAR"}}),
        )
        .await;
    let row = &d["observationAggregate"]["rows"][0];
    assert_eq!(
        (&row["indicator"]["code"], &row["period"]["label"], &row["total"]),
        (&json!("grain_output"), &json!("2023"), &json!("3530000000"))
    );
    // The county's livestock and its village's: the village rolls up into the county.
    let d = app
        .data(
            AGG,
            json!({"g": ["REGION"], "f": {"indicators": ["livestock_stock"]}, "l": "COUNTY"}),
        )
        .await;
    let row = &d["observationAggregate"]["rows"][0];
    assert_eq!(
        (
            &row["region"]["code"],
            &row["observations"],
            &row["total"],
            &row["min"],
            &row["max"],
            &row["average"]
        ),
        (
            &json!("152222"),
            &json!(2),
            &json!("2495000"),
            &json!("19000"),
            &json!("2476000"),
            &json!("1247500")
        )
    );
    // Values of different indicators do not add up.
    let err = app.error(AGG, json!({"g": ["REGION"]})).await;
    assert_eq!(
        (
            err["extensions"]["code"].as_str(),
            err["extensions"]["field"].as_str()
        ),
        (Some("BAD_USER_INPUT"), Some("filter.indicators"))
    );
    let err = app
        .error(AGG, json!({"g": [], "f": {"indicators": ["no_such_indicator"]}}))
        .await;
    assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT");
    // Anonymous callers get the county's two observations withheld.
    app.act_anonymously();
    let d = app
        .data(
            AGG,
            json!({"g": ["REGION"], "f": {"indicators": ["livestock_stock"]}}),
        )
        .await;
    assert_eq!(d["observationAggregate"]["rows"][0]["suppressed"], true);
}

#[tokio::test]
async fn scaled_seeds_copy_the_villages() {
    let app = spawn_app_with(Seed::Reference).await;
    app.act_as("admin", None);
    (api::domains::domain("rural").expect("registered").seed)(&app.db, true, 2)
        .await
        .expect("seed");
    let d = app.data("{ villages { totalCount } }", json!({})).await;
    assert_eq!(
        d["villages"]["totalCount"],
        196 * 2 * api::testing::copies_per_scale::RURAL_VILLAGES
    );
}

#[tokio::test]
async fn a_bound_keeps_its_interval_through_units_sums_and_shares() {
    const OBSERVED: &str = r#"query($i: String!) { indicatorSeries(indicator: $i, regionCode: "152222") {
        period value qualifier interval { lower lowerIncluded upper upperIncluded notation } } }"#;
    const TOTAL: &str = r#"query($f: ObservationAggregateFilter) {
        observationAggregate(groupBy: [INDICATOR], filter: $f) {
            rows { observations bounded total totalLower totalUpper totalInterval { notation } } } }"#;
    const FIGURES: &str = r#"query($m: String!) { reportedFigures(filter: {metric: $m, regionCode: "152222"}) {
        value sourceText computedValue computedInterval { notation } consistent } }"#;
    let app = spawn_app_with(Seed::Full).await;
    app.act_as("agriculture_officer", Some("152222"));
    // Report 6's "全县完成造林30多万亩": 300,000 亩 or more, under 400,000.
    let s = app.data(OBSERVED, json!({"i": "afforestation_area"})).await;
    let o = &s["indicatorSeries"][0];
    assert_eq!(
        (&o["value"], &o["qualifier"], &o["interval"]["notation"]),
        (&json!("300000"), &json!("MORE_THAN"), &json!("[300000, 400000)"))
    );
    assert_eq!(
        (&o["interval"]["lowerIncluded"], &o["interval"]["upperIncluded"]),
        (&json!(true), &json!(false))
    );
    // An exact observation admits its value alone.
    let s = app.data(OBSERVED, json!({"i": "grain_output"})).await;
    assert_eq!(
        (
            &s["indicatorSeries"][0]["qualifier"],
            &s["indicatorSeries"][0]["interval"]["notation"]
        ),
        (&json!("EXACT"), &json!("[3530000000, 3530000000]"))
    );
    // "约25万亩" for 2022, given in 万亩: 24.5 to 25.5 万亩, stored in 亩.
    let about = json!({"indicator": "afforestation_area", "regionCode": "152222", "period": "2022",
        "value": "25", "unit": "万亩", "qualifier": "ABOUT", "source": "林草局"});
    let written = app
        .data(
            r#"mutation($i: ObservationInputGql!) { upsertObservation(input: $i) { value qualifier interval { notation } } }"#,
            json!({"i": about}),
        )
        .await;
    assert_eq!(
        written["upsertObservation"],
        json!({"value": "250000", "qualifier": "ABOUT", "interval": {"notation": "[245000, 255000]"}})
    );
    // The sum of the two is at their stated numbers; its interval is the sum of theirs.
    let d = app
        .data(TOTAL, json!({"f": {"indicators": ["afforestation_area"]}}))
        .await;
    assert_eq!(
        d["observationAggregate"]["rows"][0],
        json!({"observations": 2, "bounded": 2, "total": "550000", "totalLower": "545000",
            "totalUpper": "655000", "totalInterval": {"notation": "[545000, 655000)"}})
    );
    // A file may state bounds too; a qualifier it cannot read is its row's error.
    let officer = token("agriculture_officer", &["agriculture_officer"], Some("152222"));
    let file = "indicator,region_code,period,value,unit,qualifier,source\n\
                afforestation_area,152222,2021,20,万亩,less_than,林草局\n\
                afforestation_area,152222,2020,18,万亩,roughly,林草局\n";
    let (status, body) = import(&app, file, Some(&officer)).await;
    assert_eq!(status, 422, "{body:#}");
    let errors = row_errors(&body);
    assert_eq!(errors, [(3, "qualifier")]);
    let (status, body) = import(&app, &file.replace("roughly", "at_least"), Some(&officer)).await;
    assert_eq!(status, 200, "{body:#}");
    let d = app
        .data(TOTAL, json!({"f": {"indicators": ["afforestation_area"]}}))
        .await;
    assert_eq!(
        d["observationAggregate"]["rows"][0]["totalInterval"]["notation"], "(−∞, ∞)",
        "under 200,000 has no lower end and at least 180,000 no upper one"
    );

    // A share derived from a bound is an interval: with "800余" talents (800 to 900) of whom
    // 810 farm, the share is between 0.9 and 1.0125, which admits report 6's 95.1%.
    let talents = json!({"indicator": "rural_talents", "regionCode": "152222", "period": "2023",
        "value": "800", "qualifier": "MORE_THAN", "source": "复核"});
    app.data(UPSERT, json!({"i": talents, "v": 1})).await;
    let d = app.data(FIGURES, json!({"m": "ruralTalentsFarmingShare"})).await;
    let f = &d["reportedFigures"][0];
    assert!(f["sourceText"].as_str().unwrap().contains("占95.1%"));
    assert_eq!(
        (
            &f["value"],
            &f["computedValue"],
            &f["computedInterval"]["notation"],
            &f["consistent"]
        ),
        (
            &json!("0.951"),
            &json!("1.0125"),
            &json!("(0.9, 1.0125]"),
            &json!(true)
        )
    );
    // The count itself: 852 lies in 800 to 900.
    let d = app.data(FIGURES, json!({"m": "rural_talents"})).await;
    let f = &d["reportedFigures"][0];
    assert_eq!(
        (&f["computedInterval"]["notation"], &f["consistent"]),
        (&json!("[800, 900)"), &json!(true))
    );
}

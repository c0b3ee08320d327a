//! Funeral facilities and services (殡葬): report 5 reproduced, paging and filters, the
//! behind-schedule logic, the plot race, permissions (scope, masking, audit), validation and
//! statement counts.

use crate::helpers::{Seed, TestApp, spawn_app_with, token};
use serde_json::{Value, json};

const STATS: &str = r#"query($r: String, $d: Date) { funeralStats(filter: {regionCode: $r, asOf: $d}) {
    memorialHalls memorialHallsInUse gravePlots plotsAvailable plotsRegistered plotsSold projects tenderedCost
    plannedInvestment fiscalAllocation fundingGap projectsBehindSchedule milestonesBehindSchedule
    subsidies subsidiesAmount violations violationsByHandling { handling violations } } }"#;

async fn stats(app: &TestApp, as_of: &str) -> Value {
    app.data(STATS, json!({"r": "522324", "d": as_of})).await["funeralStats"].clone()
}

async fn first_plot(app: &TestApp, section: &str) -> String {
    app.data(
        r#"query($s: String) { gravePlots(first: 1, filter: {section: $s, status: AVAILABLE}) { nodes { id } } }"#,
        json!({"s": section}),
    )
    .await["gravePlots"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn report_5s_county_is_reproduced() {
    let app = spawn_app_with(Seed::Full).await;
    let s = stats(&app, "2025-06-30").await;
    assert_eq!(s["memorialHalls"], 4);
    assert_eq!(s["memorialHallsInUse"], 0);
    assert_eq!(s["gravePlots"], 1500);
    assert_eq!(s["plotsAvailable"], 1500);
    assert_eq!(s["projects"], 2);
    assert_eq!(s["tenderedCost"], "14700000.00");
    assert_eq!(s["plannedInvestment"], "23560000.00");
    assert_eq!(s["fiscalAllocation"], "7180000.00");
    assert_eq!(s["fundingGap"], "16380000.00");
    assert_eq!(s["projectsBehindSchedule"], 0);
    // After the end of September both projects are behind: halls and cemetery not delivered.
    let later = stats(&app, "2025-10-01").await;
    assert_eq!(later["projectsBehindSchedule"], 2);
    assert_eq!(later["milestonesBehindSchedule"], 2);

    // Without a date, the statistics stand on the date of the data they summarise (report 5's
    // records, written on 2025-06-30), not on today, and say so; schedules are judged then.
    let by_default = app
        .data(
            r#"{ funeralStats(filter: {regionCode: "522324"}) { asOf asOfBasis projectsBehindSchedule violations violationsRecorded } }"#,
            json!({}),
        )
        .await["funeralStats"]
        .clone();
    assert_eq!(
        (
            &by_default["asOf"],
            &by_default["asOfBasis"],
            &by_default["projectsBehindSchedule"]
        ),
        (&json!("2025-06-30"), &json!("DATA_DATE"), &json!(0))
    );
    // Report 5's county has no violation on record: no inspection data, so the count is
    // unknown (null), not 0; the old field keeps its type and says 0.
    assert_eq!(
        (&by_default["violationsRecorded"], &by_default["violations"]),
        (&Value::Null, &json!(0))
    );
    let requested = app
        .data(
            r#"{ funeralStats(filter: {regionCode: "522324", asOf: "2025-10-01"}) { asOf asOfBasis } }"#,
            json!({}),
        )
        .await["funeralStats"]
        .clone();
    assert_eq!(requested, json!({"asOf": "2025-10-01", "asOfBasis": "REQUESTED"}));

    let d = app
        .data(
            r#"{ reportedFigures(filter: {domain: "funeral"}) { metric value computedValue consistent sourceText } }"#,
            json!({}),
        )
        .await;
    let figures = d["reportedFigures"].as_array().unwrap();
    assert_eq!(figures.len(), 17);
    let mut uncomputed: Vec<&str> = Vec::new();
    for f in figures {
        assert!(!f["sourceText"].as_str().unwrap().is_empty());
        match f["consistent"].as_bool() {
            Some(ok) => assert!(ok, "figure not reproduced: {f:#}"),
            None => uncomputed.push(f["metric"].as_str().unwrap()),
        }
    }
    uncomputed.sort();
    assert_eq!(
        uncomputed,
        [
            "administrativeVillages",
            "agriculturalShare",
            "areaKm2",
            "livelihoodProjects",
            "minorityGroups",
            "minorityShare",
            "population",
            "towns"
        ]
    );
}

#[tokio::test]
async fn facilities_projects_and_plots_page_and_filter() {
    let app = spawn_app_with(Seed::Full).await;
    let d = app
        .data(
            r#"{ funeralFacilities(filter: {kind: MEMORIAL_HALL}, orderBy: {field: NAME, direction: DESC}) {
                totalCount nodes { name stage status parent { kind } } } }"#,
            json!({}),
        )
        .await;
    let halls = &d["funeralFacilities"];
    assert_eq!(halls["totalCount"], 4);
    let stages: Vec<(&str, &str)> = halls["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["name"].as_str().unwrap(), h["stage"].as_str().unwrap()))
        .collect();
    assert_eq!(stages.len(), 4);
    assert!(
        stages.contains(&("三号悼念厅", "FIT_OUT")) && stages.contains(&("一号悼念厅", "MAIN_STRUCTURE"))
    );
    assert!(
        halls["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["parent"]["kind"] == "SERVICE_CENTRE" && h["status"] == "UNDER_CONSTRUCTION")
    );

    let d = app
        .data(
            r#"{ funeralProjects { totalCount nodes { name tenderedCost plannedInvestment fiscalAllocation fundingGap
                facility { kind parts { name } } milestones { name plannedOn achievedOn late(asOf: "2025-10-01") }
                behindSchedule(asOf: "2025-07-01") } } }"#,
            json!({}),
        )
        .await;
    let projects = d["funeralProjects"]["nodes"].as_array().unwrap();
    assert_eq!(projects.len(), 2);
    let centre = &projects[0];
    assert_eq!(centre["tenderedCost"], "8600000.00");
    assert_eq!(centre["facility"]["parts"].as_array().unwrap().len(), 5);
    assert_eq!(centre["behindSchedule"], false);
    let late: Vec<&str> = centre["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["late"] == true)
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(late, ["四个悼念厅投入使用"]);
    let gaps: i64 = projects
        .iter()
        .map(|p| {
            p["fundingGap"]
                .as_str()
                .unwrap()
                .replace('.', "")
                .parse::<i64>()
                .unwrap()
        })
        .sum();
    assert_eq!(gaps, 1_638_000_000);
    let count = |f: &'static str| {
        let app = &app;
        async move {
            app.data(
                &format!("{{ funeralProjects(filter: {f}) {{ totalCount }} }}"),
                json!({}),
            )
            .await["funeralProjects"]["totalCount"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(count(r#"{behindScheduleAsOf: "2025-10-01"}"#).await, 2);
    assert_eq!(count(r#"{behindScheduleAsOf: "2025-07-01"}"#).await, 0);
    assert_eq!(count(r#"{regionCode: "140500"}"#).await, 0);

    // Plots page forward through a section without gaps or repeats.
    let q = r#"query($after: String) { gravePlots(first: 100, after: $after, filter: {section: "C"}) {
        totalCount nodes { section row number status } pageInfo { hasNextPage endCursor } } }"#;
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    loop {
        let d = app.data(q, json!({"after": after})).await;
        let c = &d["gravePlots"];
        assert_eq!(c["totalCount"], 300);
        for n in c["nodes"].as_array().unwrap() {
            seen.push((n["row"].as_i64().unwrap(), n["number"].as_i64().unwrap()));
        }
        if c["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (300, 300));
}

#[tokio::test]
async fn a_plot_is_registered_or_sold_once_even_under_racing_requests() {
    let app = spawn_app_with(Seed::Full).await;
    let plot = first_plot(&app, "A").await;
    const REGISTER: &str = r#"mutation($p: ID!, $name: String!) {
        registerGravePlot(plotId: $p, holder: {name: $name, phone: "13812345678"}, registeredOn: "2025-07-01") { id status version } }"#;
    let admin = token("admin", &["admin"], None);
    let mut tasks = Vec::new();
    for i in 0..6 {
        let (client, url, admin, plot) = (
            app.client.clone(),
            format!("{}/graphql", app.base),
            admin.clone(),
            plot.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let body = json!({"query": REGISTER, "variables": {"p": plot, "name": format!("户主{i}")}});
            let r = client
                .post(url)
                .bearer_auth(admin)
                .json(&body)
                .send()
                .await
                .expect("send");
            r.json::<Value>().await.expect("json")
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task"));
    }
    let winners: Vec<&Value> = results.iter().filter(|r| r.get("errors").is_none()).collect();
    assert_eq!(winners.len(), 1, "{results:#?}");
    for r in results.iter().filter(|r| r.get("errors").is_some()) {
        assert_eq!(r["errors"][0]["extensions"]["code"], "CONFLICT");
    }
    let hold = winners[0]["data"]["registerGravePlot"].clone();
    assert_eq!(stats(&app, "2025-12-31").await["plotsRegistered"], 1);

    // Cancelling frees the plot; a new registration then wins.
    const CANCEL: &str = r#"mutation($id: ID!, $v: Int!) { cancelGravePlotRegistration(id: $id, cancelledOn: "2025-07-02", expectedVersion: $v) { status } }"#;
    assert_eq!(
        app.error_code(CANCEL, json!({"id": hold["id"], "v": 9})).await,
        "CONFLICT"
    );
    app.data(CANCEL, json!({"id": hold["id"], "v": 1})).await;
    let d = app
        .data(
            "query($p: ID!) { gravePlot(id: $p) { status hold { id } } }",
            json!({"p": plot}),
        )
        .await;
    assert_eq!(d["gravePlot"]["status"], "AVAILABLE");
    assert!(d["gravePlot"]["hold"].is_null());
    app.data(REGISTER, json!({"p": plot, "name": "王建国"})).await;

    // Selling: to another household is a CONFLICT; to the registered one converts the
    // registration; selling again is a CONFLICT.
    const SELL: &str = r#"mutation($p: ID!, $name: String!) {
        sellGravePlot(plotId: $p, holder: {name: $name}, soldOn: "2025-07-05", price: "12800.00") { status price holderName } }"#;
    assert_eq!(
        app.error_code(SELL, json!({"p": plot, "name": "李四"})).await,
        "CONFLICT"
    );
    let sold = app.data(SELL, json!({"p": plot, "name": "王建国"})).await["sellGravePlot"].clone();
    assert_eq!(sold["status"], "SOLD");
    assert_eq!(sold["price"], "12800.00");
    assert_eq!(
        app.error_code(SELL, json!({"p": plot, "name": "王建国"})).await,
        "CONFLICT"
    );
    // An available plot sells directly.
    let other = first_plot(&app, "B").await;
    app.data(SELL, json!({"p": other, "name": "赵六"})).await;
    let s = stats(&app, "2025-12-31").await;
    assert_eq!(
        (s["plotsSold"].as_i64(), s["plotsRegistered"].as_i64()),
        (Some(2), Some(0))
    );
    assert_eq!(s["plotsAvailable"], 1498);
}

#[tokio::test]
async fn roles_scope_masking_and_audit() {
    let app = spawn_app_with(Seed::Full).await;
    let plot = first_plot(&app, "D").await;
    app.data(
        r#"mutation($p: ID!) { registerGravePlot(plotId: $p, holder: {name: "陈秀兰", phone: "13912345678"}, registeredOn: "2025-07-01") { id } }"#,
        json!({"p": plot}),
    )
    .await;
    let q = r#"query($p: ID!) { gravePlot(id: $p) { hold { holderName holderPhone } } }"#;
    app.act_as("analyst", None);
    let d = app.data(q, json!({"p": plot})).await;
    assert_eq!(d["gravePlot"]["hold"]["holderName"], "陈**");
    assert_eq!(d["gravePlot"]["hold"]["holderPhone"], "1391***5678");
    app.act_as("court_officer", Some("361100"));
    assert_eq!(app.error_code(q, json!({"p": plot})).await, "FORBIDDEN");
    // A civil-affairs officer elsewhere neither sees nor registers the county's plots.
    app.act_as("civil_affairs_officer", Some("140500"));
    let d = app.data(q, json!({"p": plot})).await;
    assert!(d["gravePlot"].is_null());
    let other = {
        app.act_as("admin", None);
        first_plot(&app, "E").await
    };
    app.act_as("civil_affairs_officer", Some("140500"));
    let err = app
        .error(
            r#"mutation($p: ID!) { registerGravePlot(plotId: $p, holder: {name: "某某"}, registeredOn: "2025-07-01") { id } }"#,
            json!({"p": other}),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "plotId");
    // The county's own officer reads the holder unmasked, and the read is audited.
    app.act_as("civil_affairs_officer", Some("522324"));
    let d = app.data(q, json!({"p": plot})).await;
    assert_eq!(d["gravePlot"]["hold"]["holderName"], "陈秀兰");
    // Anonymous callers get the statistics, protected by disclosure control (within D = 5).
    app.act_anonymously();
    let plots = stats(&app, "2025-06-30").await["gravePlots"].as_i64().unwrap();
    assert!((plots - 1500).abs() <= 5, "{plots}");
    app.act_as("admin", None);
    let d = app
        .data(
            r#"{ auditLog(filter: {operation: "readPersonalData", entity: "grave_plot_hold"}) { totalCount nodes { role regionCode } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["auditLog"]["totalCount"], 1);
    assert_eq!(d["auditLog"]["nodes"][0]["regionCode"], "522324");
}

#[tokio::test]
async fn writes_are_validated_versioned_and_counted() {
    let app = spawn_app_with(Seed::Full).await;
    app.act_as("civil_affairs_officer", Some("522324"));
    // A memorial hall belongs to a service centre.
    let hall = json!({"regionCode": "522324", "kind": "MEMORIAL_HALL", "name": "五号悼念厅"});
    let err = app
        .error(
            r#"mutation($i: FuneralFacilityInput!) { createFuneralFacility(input: $i) { id } }"#,
            json!({"i": hall}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "parentId");
    // An allocation above the planned investment is refused.
    let err = app
        .error(
            r#"mutation { createFuneralProject(input: {regionCode: "522324", name: "骨灰堂项目",
                plannedInvestment: "100.00", fiscalAllocation: "200.00"}) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "allocated");
    // Violations: a penalty amount goes with PENALTY only; handling is updated with versions.
    const RECORD: &str = r#"mutation($i: FuneralViolationInput!) { recordFuneralViolation(input: $i) { id version handling } }"#;
    let bad =
        json!({"regionCode": "522324", "place": "某村后山", "occurredOn": "2025-05-01", "penalty": "500.00"});
    assert_eq!(app.error_code(RECORD, json!({"i": bad})).await, "BAD_USER_INPUT");
    let v = app
        .data(
            RECORD,
            json!({"i": {"regionCode": "522324", "place": "某村后山", "occurredOn": "2025-05-01"}}),
        )
        .await["recordFuneralViolation"]
        .clone();
    const UPDATE: &str = r#"mutation($id: ID!, $i: FuneralViolationInput!, $v: Int!) { updateFuneralViolation(id: $id, input: $i, expectedVersion: $v) { version handling } }"#;
    let relocated = json!({"regionCode": "522324", "place": "某村后山", "occurredOn": "2025-05-01", "handling": "RELOCATION"});
    let d = app
        .data(UPDATE, json!({"id": v["id"], "i": relocated, "v": 1}))
        .await;
    assert_eq!(d["updateFuneralViolation"]["version"], 2);
    assert_eq!(
        app.error_code(UPDATE, json!({"id": v["id"], "i": relocated, "v": 1}))
            .await,
        "CONFLICT"
    );
    // Subsidies have an amount; fee standards are kept.
    const GRANT: &str = r#"mutation($a: Decimal!) { grantFuneralSubsidy(input: {regionCode: "522324", recipientName: "杨某",
        amount: $a, basis: "特困供养人员", paidOn: "2025-06-01"}) { amount recipientName } }"#;
    assert_eq!(app.error_code(GRANT, json!({"a": "0"})).await, "BAD_USER_INPUT");
    let g = app.data(GRANT, json!({"a": "1500.00"})).await;
    assert_eq!(g["grantFuneralSubsidy"]["recipientName"], "杨某");
    app.data(
        r#"mutation { setFuneralFeeStandard(input: {regionCode: "522324", service: "遗体接运", price: "0", exempt: true, effectiveFrom: "2025-01-01"}) { id } }"#,
        json!({}),
    )
    .await;
    let d = app
        .data(r#"{ funeralFeeStandards(regionCode: "522324") { service exempt price } funeralSubsidies { totalCount } funeralViolations(handling: RELOCATION) { totalCount } }"#, json!({}))
        .await;
    assert_eq!(d["funeralFeeStandards"][0]["exempt"], true);
    assert_eq!(d["funeralSubsidies"]["totalCount"], 1);
    assert_eq!(d["funeralViolations"]["totalCount"], 1);
    let s = stats(&app, "2025-12-31").await;
    assert_eq!(
        (s["subsidies"].as_i64(), s["subsidiesAmount"].as_str()),
        (Some(1), Some("1500.00"))
    );
    let relocations = s["violationsByHandling"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["handling"] == "RELOCATION")
        .unwrap()["violations"]
        .clone();
    assert_eq!(relocations, 1);
    // Once a violation is on record the count is known: 1 by the end of the year, and 0 (not
    // null) before the violation occurred. Records written today date the data today.
    let counts = |d: &'static str| {
        let app = &app;
        async move {
            app.data(
                r#"query($d: Date) { funeralStats(filter: {regionCode: "522324", asOf: $d}) { violationsRecorded asOfBasis } }"#,
                json!({"d": d}),
            )
            .await["funeralStats"]
                .clone()
        }
    };
    assert_eq!(counts("2025-12-31").await["violationsRecorded"], 1);
    assert_eq!(counts("2025-04-30").await["violationsRecorded"], 0);
    // Milestones: recording the date achieved clears the delay.
    let m = app
        .data(
            r#"{ funeralProjects(first: 1) { nodes { id milestones { id name version plannedOn } } } }"#,
            json!({}),
        )
        .await["funeralProjects"]["nodes"][0]["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "四个悼念厅投入使用")
        .unwrap()
        .clone();
    app.data(
        r#"mutation($id: ID!) { updateFuneralMilestone(id: $id, input: {name: "四个悼念厅投入使用", plannedOn: "2025-09-30", achievedOn: "2025-09-28"}, expectedVersion: 1) { version } }"#,
        json!({"id": m["id"]}),
    )
    .await;
    assert_eq!(stats(&app, "2025-10-01").await["projectsBehindSchedule"], 1);
}

#[tokio::test]
async fn a_page_of_facilities_with_their_relations_runs_a_fixed_number_of_statements() {
    let app = spawn_app_with(Seed::Full).await;
    let q = r#"query($n: Int) { funeralFacilities(first: $n) { nodes { name region { name } parent { name }
        parts { name } projects { name facility { name } milestones { name } } } }
        gravePlots(first: $n) { nodes { section cemetery { name } hold { status } } } }"#;
    app.data(q, json!({"n": 1})).await;
    let mut runs = Vec::new();
    for n in [1, 7, 100] {
        app.reset_statements();
        app.data(q, json!({"n": n})).await;
        runs.push(app.statements().len());
    }
    assert!(runs.iter().all(|n| *n <= 12), "statements per request: {runs:?}");
}

#[tokio::test]
async fn every_funeral_record_resolves_by_node_id_within_reach() {
    let app = spawn_app_with(Seed::Full).await;
    let d = app
        .data(
            r#"{ funeralFacilities(first: 1) { nodes { id } } funeralProjects(first: 1) { nodes { id milestones { id } } }
                gravePlots(first: 1) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let subsidy = app
        .data(
            r#"mutation { grantFuneralSubsidy(input: {regionCode: "522324", recipientName: "罗某某", recipientPhone: "13698765432",
                amount: "800.00", basis: "低保户", paidOn: "2025-06-15"}) { id } }"#,
            json!({}),
        )
        .await["grantFuneralSubsidy"]["id"]
        .clone();
    let ids = [
        d["funeralFacilities"]["nodes"][0]["id"].clone(),
        d["funeralProjects"]["nodes"][0]["id"].clone(),
        d["funeralProjects"]["nodes"][0]["milestones"][0]["id"].clone(),
        d["gravePlots"]["nodes"][0]["id"].clone(),
        subsidy.clone(),
    ];
    for id in &ids {
        let d = app
            .data("query($id: ID!) { node(id: $id) { id } }", json!({"id": id}))
            .await;
        assert_eq!(&d["node"]["id"], id);
    }
    // Out of reach, every one reads as missing; an analyst reads the recipient masked.
    app.act_as("civil_affairs_officer", Some("140500"));
    for id in &ids {
        let d = app
            .data("query($id: ID!) { node(id: $id) { id } }", json!({"id": id}))
            .await;
        assert!(d["node"].is_null(), "{id}");
    }
    app.act_as("analyst", None);
    let d = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on FuneralSubsidy { recipientName recipientPhone amount } } }",
            json!({"id": subsidy}),
        )
        .await;
    assert_eq!(d["node"]["recipientName"], "罗**");
    assert_eq!(d["node"]["recipientPhone"], "1369***5432");
    assert_eq!(d["node"]["amount"], "800.00");
}

#[tokio::test]
async fn plots_and_projects_group_as_funeral_stats_counts_them() {
    const PLOTS: &str = r#"query($g: [GravePlotGroupKey!]!, $f: GravePlotAggregateFilter) {
        gravePlotAggregate(groupBy: $g, filter: $f) { rows { region { code } cemetery { name } status suppressed plots available sold soldShare } } }"#;
    const PROJECTS: &str = r#"query($g: [FuneralProjectGroupKey!]!) {
        funeralProjectAggregate(groupBy: $g) { rows { facility { kind } suppressed projects plannedInvestment fiscalAllocation fundingGap allocationShare } } }"#;
    let app = spawn_app_with(Seed::Full).await;
    app.act_as("analyst", None);
    let d = app.data(PLOTS, json!({"g": ["REGION", "STATUS"]})).await;
    let rows = d["gravePlotAggregate"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["region"]["code"], "522324");
    assert_eq!(
        (rows[0]["status"].as_str(), rows[0]["plots"].as_i64()),
        (Some("AVAILABLE"), Some(1500))
    );
    assert_eq!(rows[0]["soldShare"], 0.0);
    let d = app.data(PLOTS, json!({"g": ["CEMETERY"]})).await;
    assert!(d["gravePlotAggregate"]["rows"][0]["cemetery"]["name"].is_string());
    // Report 5: 2,356万 planned for both projects, 718万 allocated, a gap of 1,638万.
    let d = app.data(PROJECTS, json!({"g": []})).await;
    let total = &d["funeralProjectAggregate"]["rows"][0];
    assert_eq!(
        (
            &total["projects"],
            &total["plannedInvestment"],
            &total["fiscalAllocation"],
            &total["fundingGap"]
        ),
        (
            &json!(2),
            &json!("23560000.00"),
            &json!("7180000.00"),
            &json!("16380000.00")
        )
    );
    let by_facility = app.data(PROJECTS, json!({"g": ["FACILITY"]})).await;
    assert_eq!(
        by_facility["funeralProjectAggregate"]["rows"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Two projects are fewer than five: withheld from aggregate-only roles.
    app.act_anonymously();
    let d = app.data(PROJECTS, json!({"g": []})).await;
    let total = &d["funeralProjectAggregate"]["rows"][0];
    assert_eq!(
        (&total["suppressed"], &total["fundingGap"]),
        (&json!(true), &Value::Null)
    );
    let d = app.data(PLOTS, json!({"g": []})).await;
    let plots = d["gravePlotAggregate"]["rows"][0]["plots"].as_i64().unwrap();
    assert!((plots - 1500).abs() <= 5, "{plots}");
}

#[tokio::test]
async fn scaled_seeds_copy_the_county_with_its_cemetery_and_projects() {
    let app = spawn_app_with(Seed::Reference).await;
    app.act_as("admin", None);
    const COUNTS: &str = r#"{ funeralFacilities { totalCount } funeralProjects { totalCount }
        gravePlots { totalCount } }"#;
    let counts = |d: &Value| {
        ["funeralFacilities", "funeralProjects", "gravePlots"].map(|k| d[k]["totalCount"].as_i64().unwrap())
    };
    (api::domains::domain("funeral").expect("registered").seed)(&app.db, true, 2)
        .await
        .expect("seed");
    let copies = 2 * api::testing::copies_per_scale::FUNERAL;
    let [facilities, projects, plots] = counts(&app.data(COUNTS, json!({})).await);
    assert_eq!((projects, plots), (2 * copies, 1_500 * copies));
    assert_eq!(facilities % copies, 0);
    // Each copy's plots lie in its own cemetery, so positions stay unique.
    let d = app
        .data(
            r#"{ gravePlots(first: 100) { nodes { id cemetery { id } } } }"#,
            json!({}),
        )
        .await;
    let cemeteries: std::collections::HashSet<String> = d["gravePlots"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["cemetery"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        cemeteries.len(),
        1,
        "a page of plots in one cemetery: {cemeteries:?}"
    );
}

//! The enforcement domain: paging, filters, KPI formulas, mutations and their errors.

use crate::helpers::{Seed, TestApp, court, spawn_app, spawn_app_with};
use serde_json::{Value, json};

const FILE: &str = r#"mutation($i: FileEnforcementCaseInput!) { fileEnforcementCase(input: $i) { id caseNumber status version } }"#;
const CLOSE: &str = r#"mutation($id: ID!, $m: ClosureMode!, $on: Date!, $r: Decimal!, $v: Int!) {
    closeEnforcementCase(id: $id, mode: $m, closedOn: $on, recoveredAmount: $r, expectedVersion: $v) { id status closureMode closedOn recoveredAmount version } }"#;
const ADD_PARTY: &str = r#"mutation($i: AddPartyInput!) { addParty(input: $i) { id name idNumber } }"#;
const MEASURE: &str =
    r#"mutation($i: RecordMeasureInput!) { recordMeasure(input: $i) { id kind amount detentionDays } }"#;

async fn file(app: &TestApp, number: &str, court: &str, filed: &str, category: &str, amount: &str) -> String {
    let d = app
        .data(
            FILE,
            json!({"i": {"caseNumber": number, "courtId": court, "filedOn": filed, "category": category, "subjectAmount": amount}}),
        )
        .await;
    d["fileEnforcementCase"]["id"].as_str().unwrap().to_owned()
}

/// The version of a case now.
async fn version(app: &TestApp, id: &str) -> i64 {
    let d = app
        .data(
            r#"query($id: ID!) { enforcementCase(id: $id) { version } }"#,
            json!({"id": id}),
        )
        .await;
    d["enforcementCase"]["version"].as_i64().expect("case exists")
}

async fn close(app: &TestApp, id: &str, mode: &str, on: &str, recovered: &str) -> Value {
    let v = version(app, id).await;
    app.data(
        CLOSE,
        json!({"id": id, "m": mode, "on": on, "r": recovered, "v": v}),
    )
    .await["closeEnforcementCase"]
        .clone()
}

fn person_id(prefix17: &str) -> String {
    format!("{prefix17}{}", api::validate::id_check_char(prefix17))
}

async fn respondent(app: &TestApp, case: &str, name: &str, prefix17: &str) -> String {
    let d = app
        .data(
            ADD_PARTY,
            json!({"i": {"caseId": case, "role": "RESPONDENT", "kind": "PERSON", "name": name,
                   "idNumber": person_id(prefix17), "phone": "13900001111", "address": "弋阳县某路1号"}}),
        )
        .await;
    d["addParty"]["id"].as_str().unwrap().to_owned()
}

/// 24 cases over three courts with repeated dates and amounts, some closed.
async fn dataset(app: &TestApp) {
    let courts = [
        court(app, "361126").await,
        court(app, "361128").await,
        court(app, "361100").await,
    ];
    let abbr = ["赣1126", "赣1128", "赣11"];
    let categories = ["LIVELIHOOD", "FINANCIAL", "GOVERNMENT", "OTHER"];
    let modes = [
        "EXECUTED_IN_FULL",
        "TERMINATED_THIS_ROUND",
        "SETTLEMENT_PERFORMED",
        "WITHDRAWN",
    ];
    for i in 0..24usize {
        let c = i % 3;
        let filed = format!("2024-{:02}-{:02}", 1 + (i * 5) % 12, 1 + (i * 7) % 5);
        let amount = ["50000.00", "150000.50", "99999.99", "100000.00", "7.10"][i % 5];
        let number = format!("(2024){}执{}号", abbr[c], 100 - i);
        let id = file(app, &number, &courts[c], &filed, categories[i % 4], amount).await;
        if i % 3 != 1 {
            let closed = format!("2024-12-{:02}", 1 + i % 4);
            close(app, &id, modes[i % 4], &closed, "5.00").await;
        }
    }
}

/// Every case as the API reports it.
async fn all_cases(app: &TestApp) -> Vec<Value> {
    let d = app
        .data(
            r#"{ enforcementCases(first: 100) { totalCount nodes { id caseNumber filedOn closedOn subjectAmount
                 status closureMode category smallClaim court { id } region { code } } } }"#,
            json!({}),
        )
        .await;
    d["enforcementCases"]["nodes"].as_array().unwrap().clone()
}

fn fen(v: &Value) -> i64 {
    v.as_str().unwrap().replace('.', "").parse().unwrap()
}

/// The numeric key inside a case's global id, for ordering ties.
fn id_of(v: &Value) -> i64 {
    let id = async_graphql::ID(v["id"].as_str().unwrap().to_owned());
    api::ids::key_of("EnforcementCase", &id).expect("a case id")
}

const PAGE: &str = r#"query($f: EnforcementCaseFilter, $o: EnforcementCaseOrderBy, $after: String, $first: Int) {
    enforcementCases(filter: $f, orderBy: $o, first: $first, after: $after) {
        totalCount edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"#;

async fn page_through(app: &TestApp, filter: Value, order: Value, size: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = app
            .data(
                PAGE,
                json!({"f": filter, "o": order, "after": after, "first": size}),
            )
            .await;
        let conn = &d["enforcementCases"];
        let edges = conn["edges"].as_array().unwrap();
        assert!(edges.len() as i64 <= size);
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], !after.is_null());
        if let Some(last) = edges.last() {
            assert_eq!(conn["pageInfo"]["endCursor"], last["cursor"]);
        }
        ids.extend(edges.iter().map(|e| id_of(&e["node"])));
        assert_eq!(conn["nodes"].as_array().unwrap().len(), edges.len());
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    ids
}

const PAGE_BACK: &str = r#"query($f: EnforcementCaseFilter, $o: EnforcementCaseOrderBy, $before: String, $last: Int) {
    enforcementCases(filter: $f, orderBy: $o, last: $last, before: $before) {
        edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"#;

/// Pages backward from the end with `last`/`before`; returns the ids in the list's order.
async fn page_back(app: &TestApp, order: Value, size: i64) -> Vec<i64> {
    let mut pages: Vec<Vec<i64>> = Vec::new();
    let mut before = Value::Null;
    loop {
        let d = app
            .data(PAGE_BACK, json!({"o": order, "before": before, "last": size}))
            .await;
        let conn = &d["enforcementCases"];
        let edges = conn["edges"].as_array().unwrap();
        assert!(edges.len() as i64 <= size);
        assert_eq!(conn["pageInfo"]["hasNextPage"], !before.is_null());
        if let Some(first) = edges.first() {
            assert_eq!(conn["pageInfo"]["startCursor"], first["cursor"]);
        }
        pages.push(edges.iter().map(|e| id_of(&e["node"])).collect());
        if !conn["pageInfo"]["hasPreviousPage"].as_bool().unwrap() {
            break;
        }
        before = conn["pageInfo"]["startCursor"].clone();
    }
    pages.into_iter().rev().flatten().collect()
}

#[tokio::test]
async fn paging_returns_every_row_once_in_order_for_each_ordering() {
    let app = spawn_app().await;
    dataset(&app).await;
    let cases = all_cases(&app).await;
    assert_eq!(cases.len(), 24);
    for field in ["FILED_ON", "CLOSED_ON", "SUBJECT_AMOUNT", "CASE_NUMBER"] {
        for dir in ["ASC", "DESC"] {
            let key = |c: &Value| -> (String, i64) {
                let k = match field {
                    "FILED_ON" => c["filedOn"].as_str().unwrap().to_owned(),
                    "CLOSED_ON" => c["closedOn"].as_str().unwrap_or("9999-12-31").to_owned(),
                    "SUBJECT_AMOUNT" => format!("{:020}", fen(&c["subjectAmount"])),
                    _ => c["caseNumber"].as_str().unwrap().to_owned(),
                };
                (k, id_of(c))
            };
            let mut expected: Vec<(String, i64)> = cases.iter().map(key).collect();
            expected.sort();
            if dir == "DESC" {
                expected.reverse();
            }
            let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();
            for size in [1, 5, 7] {
                let order = json!({"field": field, "direction": dir});
                let got = page_through(&app, json!({}), order.clone(), size).await;
                assert_eq!(got, expected, "ordering {field} {dir}, page size {size}");
                let back = page_back(&app, order, size).await;
                assert_eq!(
                    back, expected,
                    "backward, ordering {field} {dir}, page size {size}"
                );
            }
        }
    }
    // The default ordering is filing date, newest first.
    let got = page_through(&app, json!({}), Value::Null, 10).await;
    let asc_desc = page_through(
        &app,
        json!({}),
        json!({"field": "FILED_ON", "direction": "DESC"}),
        10,
    )
    .await;
    assert_eq!(got, asc_desc);
    // A cursor of one ordering is refused by another.
    let d = app
        .data(PAGE, json!({"first": 2, "o": {"field": "FILED_ON"}}))
        .await;
    let cursor = d["enforcementCases"]["pageInfo"]["endCursor"].clone();
    let err = app
        .error(
            PAGE,
            json!({"first": 2, "o": {"field": "CASE_NUMBER"}, "after": cursor}),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "after");
    let err = app
        .error(PAGE, json!({"first": 2, "after": "not-a-cursor"}))
        .await;
    assert_eq!(err["extensions"]["field"], "after");
    // A forward cursor pages backward too: the rows just before it.
    let d = app.data(PAGE, json!({"first": 5})).await;
    let fifth = d["enforcementCases"]["pageInfo"]["endCursor"].clone();
    let first_five: Vec<i64> = d["enforcementCases"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    let d = app.data(PAGE_BACK, json!({"last": 3, "before": fifth})).await;
    let got: Vec<i64> = d["enforcementCases"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| id_of(&e["node"]))
        .collect();
    assert_eq!(got, first_five[1..4].to_vec());
    assert_eq!(d["enforcementCases"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(d["enforcementCases"]["pageInfo"]["hasNextPage"], true);
    // Forward and backward arguments do not mix.
    let err = app.error(PAGE_BACK, json!({"last": 2, "before": "x"})).await;
    assert_eq!(err["extensions"]["field"], "before");
    let err = app
        .error(
            "{ enforcementCases(first: 2, last: 2) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT");
    // Every other connection pages backward on the same cursors.
    let all: Vec<String> = app
        .data("{ regions(first: 100) { nodes { code } } }", json!({}))
        .await["regions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect();
    let tail: Vec<String> = app
        .data(
            "{ regions(last: 3) { nodes { code } pageInfo { hasPreviousPage } } }",
            json!({}),
        )
        .await["regions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tail, all[all.len() - 3..].to_vec());
    let d = app
        .data(
            "{ courts(last: 2) { nodes { id } pageInfo { hasPreviousPage hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["courts"]["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(d["courts"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(d["courts"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn nested_case_pages_equal_each_courts_own_list_in_fixed_statements() {
    let app = spawn_app().await;
    dataset(&app).await;
    const NESTED: &str = r#"query($n: Int, $o: EnforcementCaseOrderBy, $f: EnforcementCaseFilter) {
        courts(first: 100) { nodes { id cases(first: $n, orderBy: $o, filter: $f) {
            totalCount nodes { id } pageInfo { hasNextPage endCursor } } } } }"#;
    let orders = [
        json!({"field": "FILED_ON", "direction": "DESC"}),
        json!({"field": "SUBJECT_AMOUNT", "direction": "ASC"}),
    ];
    let filters = [json!({}), json!({"status": "CLOSED"})];
    for order in &orders {
        for filter in &filters {
            app.reset_statements();
            let d = app.data(NESTED, json!({"n": 3, "o": order, "f": filter})).await;
            let statements = app.statements();
            let courts = d["courts"]["nodes"].as_array().unwrap();
            assert!(courts.len() >= 3);
            // Courts, their case pages, their counts: one statement each (a DataLoader batch
            // may split in two when a level outlasts its delay), never one per court.
            assert!(statements.len() <= 5 && courts.len() > 5, "{statements:#?}");
            for c in courts {
                let mut f = filter.clone();
                f["courtId"] = c["id"].clone();
                let own = app.data(PAGE, json!({"f": f, "o": order, "first": 3})).await;
                let nested = &c["cases"];
                assert_eq!(
                    nested["nodes"], own["enforcementCases"]["nodes"],
                    "{order} {filter}"
                );
                assert_eq!(nested["totalCount"], own["enforcementCases"]["totalCount"]);
                assert_eq!(
                    nested["pageInfo"]["hasNextPage"],
                    own["enforcementCases"]["pageInfo"]["hasNextPage"]
                );
                // The nested cursor continues the court's own list.
                if nested["pageInfo"]["hasNextPage"] == true {
                    let after = nested["pageInfo"]["endCursor"].clone();
                    let next = app
                        .data(PAGE, json!({"f": f, "o": order, "first": 3, "after": after}))
                        .await;
                    let all = app.data(PAGE, json!({"f": f, "o": order, "first": 6})).await;
                    let ids = |v: &Value| v.as_array().unwrap().iter().map(id_of).collect::<Vec<_>>();
                    assert_eq!(
                        ids(&next["enforcementCases"]["nodes"]),
                        ids(&all["enforcementCases"]["nodes"])[3..].to_vec()
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn every_filter_narrows_as_specified() {
    let app = spawn_app().await;
    dataset(&app).await;
    let cases = all_cases(&app).await;
    let yiyang = court(&app, "361126").await;
    type Pred = Box<dyn Fn(&Value) -> bool>;
    let checks: Vec<(Value, Pred)> = vec![
        (json!({"regionCode": "361100"}), Box::new(|_| true)),
        (
            json!({"regionCode": "361126"}),
            Box::new(|c| c["region"]["code"] == "361126"),
        ),
        (json!({"regionCode": "360000"}), Box::new(|_| true)),
        (json!({"regionCode": "140500"}), Box::new(|_| false)),
        (
            json!({"courtId": yiyang}),
            Box::new(|c| c["region"]["code"] == "361126"),
        ),
        (
            json!({"status": "PENDING"}),
            Box::new(|c| c["status"] == "PENDING"),
        ),
        (json!({"status": "CLOSED"}), Box::new(|c| c["status"] == "CLOSED")),
        (
            json!({"closureMode": "TERMINATED_THIS_ROUND"}),
            Box::new(|c| c["closureMode"] == "TERMINATED_THIS_ROUND"),
        ),
        (
            json!({"category": "FINANCIAL"}),
            Box::new(|c| c["category"] == "FINANCIAL"),
        ),
        (
            json!({"smallClaim": true}),
            Box::new(|c| fen(&c["subjectAmount"]) < 10_000_000),
        ),
        (
            json!({"smallClaim": false}),
            Box::new(|c| fen(&c["subjectAmount"]) >= 10_000_000),
        ),
        (
            json!({"filedFrom": "2024-03-01"}),
            Box::new(|c| c["filedOn"].as_str().unwrap() >= "2024-03-01"),
        ),
        (
            json!({"filedTo": "2024-06-03"}),
            Box::new(|c| c["filedOn"].as_str().unwrap() <= "2024-06-03"),
        ),
        (
            json!({"filedFrom": "2024-03-01", "filedTo": "2024-06-03"}),
            Box::new(|c| ("2024-03-01"..="2024-06-03").contains(&c["filedOn"].as_str().unwrap())),
        ),
        (
            json!({"closedFrom": "2024-12-02"}),
            Box::new(|c| c["closedOn"].as_str().is_some_and(|d| d >= "2024-12-02")),
        ),
        (
            json!({"closedTo": "2024-12-02"}),
            Box::new(|c| c["closedOn"].as_str().is_some_and(|d| d <= "2024-12-02")),
        ),
        (
            json!({"subjectAmountMin": "99999.99"}),
            Box::new(|c| fen(&c["subjectAmount"]) >= 9_999_999),
        ),
        (
            json!({"subjectAmountMax": "99999.99"}),
            Box::new(|c| fen(&c["subjectAmount"]) <= 9_999_999),
        ),
        (
            json!({"caseNumberPrefix": "(2024)赣11执"}),
            Box::new(|c| c["caseNumber"].as_str().unwrap().starts_with("(2024)赣11执")),
        ),
        (
            json!({"caseNumberPrefix": "(2024)赣1128"}),
            Box::new(|c| c["caseNumber"].as_str().unwrap().starts_with("(2024)赣1128")),
        ),
        (json!({"caseNumberPrefix": "%"}), Box::new(|_| false)),
        (
            json!({"regionCode": "361126", "status": "CLOSED", "smallClaim": false}),
            Box::new(|c| {
                c["region"]["code"] == "361126"
                    && c["status"] == "CLOSED"
                    && fen(&c["subjectAmount"]) >= 10_000_000
            }),
        ),
    ];
    for (filter, pred) in checks {
        let mut expected: Vec<i64> = cases.iter().filter(|c| pred(c)).map(id_of).collect();
        expected.sort();
        let d = app.data(PAGE, json!({"f": filter, "first": 100})).await;
        let mut got: Vec<i64> = d["enforcementCases"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect();
        got.sort();
        assert_eq!(got, expected, "filter {filter}");
        assert_eq!(
            d["enforcementCases"]["totalCount"],
            expected.len(),
            "totalCount of {filter}"
        );
    }
    let bad = [
        (json!({"regionCode": "000000"}), "regionCode"),
        (
            json!({"filedFrom": "2024-05-01", "filedTo": "2024-04-01"}),
            "filedTo",
        ),
        (
            json!({"subjectAmountMin": "10.00", "subjectAmountMax": "1.00"}),
            "subjectAmountMax",
        ),
        (json!({"courtId": "abc"}), "courtId"),
    ];
    for (filter, field) in bad {
        let err = app.error(PAGE, json!({"f": filter})).await;
        assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT", "{filter}");
        assert_eq!(err["extensions"]["field"], field, "{filter}");
    }
}

const KPIS: &str = r#"query($f: EnforcementKpiFilter) { enforcementKpis(filter: $f) {
    accepted closed closureRate actualClosed actualClosureRate subjectAmount recoveredAmount recoveryRate
    terminatedThisRound terminatedThisRoundRate closedWithinLimit closedWithinLimitRate
    acceptedPreviousYear acceptedGrowth actualClosedPreviousYear actualClosedGrowth closedSubjectAmount
    transferredToBankruptcy closedPriorityCategories detentions summonses detentionsAndSummons fines fineAmount
    refusalCrimeReferrals refusalCrimeConvictions refusalCrimeCases dishonestListings dishonestRemovalsAfterPerformance
    supervisionOrders supervisionBatches supervisedCourts targets { threeYearClosureRate } } }"#;

fn close_to(v: &Value, expected: f64) {
    let x = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((x - expected).abs() < 1e-9, "{x} != {expected}");
}

#[tokio::test]
async fn kpi_formulas_on_a_hand_built_dataset() {
    let app = spawn_app().await;
    let yy = court(&app, "361126").await;
    let py = court(&app, "361128").await;
    let mid = court(&app, "361100").await;
    let c1 = file(
        &app,
        "(2024)赣1126执1号",
        &yy,
        "2024-01-10",
        "LIVELIHOOD",
        "100000.00",
    )
    .await;
    let c2 = file(
        &app,
        "(2024)赣1126执2号",
        &yy,
        "2024-02-01",
        "FINANCIAL",
        "50000.00",
    )
    .await;
    let c3 = file(&app, "(2024)赣1126执3号", &yy, "2024-03-01", "OTHER", "200000.00").await;
    let c4 = file(&app, "(2024)赣1126执4号", &yy, "2024-04-01", "OTHER", "10000.00").await;
    let c5 = file(
        &app,
        "(2024)赣1126执5号",
        &yy,
        "2024-05-01",
        "GOVERNMENT",
        "40000.00",
    )
    .await;
    let p1 = file(&app, "(2023)赣1126执1号", &yy, "2023-01-15", "OTHER", "1000.00").await;
    file(&app, "(2023)赣1126执2号", &yy, "2023-06-01", "OTHER", "3000.00").await;
    file(&app, "(2024)赣1128执1号", &py, "2024-01-05", "OTHER", "8000.00").await;
    close(&app, &c1, "EXECUTED_IN_FULL", "2024-03-01", "100000.00").await;
    close(&app, &c2, "SETTLEMENT_PERFORMED", "2024-09-01", "30000.00").await;
    close(&app, &c3, "TERMINATED_THIS_ROUND", "2024-05-01", "0").await;
    close(&app, &c5, "WITHDRAWN", "2024-05-20", "0.00").await;
    close(&app, &p1, "EXECUTED_IN_FULL", "2023-02-01", "1000.00").await;

    let party = respondent(&app, &c4, "王某", "36112619800101123").await;
    let m = |kind: &str, on: &str, extra: Value| {
        let mut i = json!({"caseId": c4, "partyId": party, "kind": kind, "takenOn": on});
        i.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"i": i})
    };
    app.data(MEASURE, m("DETENTION", "2024-04-10", json!({"detentionDays": 5})))
        .await;
    app.data(MEASURE, m("FINE", "2024-04-11", json!({"amount": "1000.50"})))
        .await;
    app.data(MEASURE, m("SUMMONS", "2024-04-12", json!({}))).await;
    app.data(
        MEASURE,
        m("REFUSAL_CRIME_REFERRAL", "2024-04-13", json!({"convicted": true})),
    )
    .await;
    let listed = app
        .data(
            r#"mutation($i: AddToDishonestListInput!) { addToDishonestList(input: $i) { id } }"#,
            json!({"i": {"caseId": c4, "partyId": party, "listedOn": "2024-04-15", "reason": "拒不履行"}}),
        )
        .await;
    let entry = listed["addToDishonestList"]["id"].clone();
    app.data(
        r#"mutation($id: ID!) { removeFromDishonestList(id: $id, removedOn: "2024-06-01", reason: PERFORMED, expectedVersion: 1) { id } }"#,
        json!({"id": entry}),
    )
    .await;
    app.data(
        r#"mutation($i: IssueSupervisionOrderInput!) { issueSupervisionOrder(input: $i) { id batch issuingCourt { id } } }"#,
        json!({"i": {"caseId": c4, "batch": "2024-001", "issuingCourtId": mid, "issuedOn": "2024-04-20", "dueOn": "2024-05-20"}}),
    )
    .await;

    no_drift(&app).await;
    let window = json!({"regionCode": "361126", "filedFrom": "2024-01-01", "filedTo": "2024-12-31"});
    let k = app.data(KPIS, json!({"f": window})).await["enforcementKpis"].clone();
    assert_eq!(k["accepted"], 5);
    assert_eq!(k["closed"], 4);
    close_to(&k["closureRate"], 0.8);
    assert_eq!(k["actualClosed"], 2);
    close_to(&k["actualClosureRate"], 0.4);
    assert_eq!(k["subjectAmount"], "400000.00");
    assert_eq!(k["recoveredAmount"], "130000.00");
    close_to(&k["recoveryRate"], 0.325);
    assert_eq!(k["terminatedThisRound"], 1);
    close_to(&k["terminatedThisRoundRate"], 0.25);
    assert_eq!(k["closedWithinLimit"], 3, "c2 closed after its six months");
    close_to(&k["closedWithinLimitRate"], 0.75);
    assert_eq!(k["acceptedPreviousYear"], 2);
    close_to(&k["acceptedGrowth"], 1.5);
    assert_eq!(k["actualClosedPreviousYear"], 1);
    close_to(&k["actualClosedGrowth"], 1.0);
    assert_eq!(k["closedSubjectAmount"], "390000.00");
    assert_eq!(k["closedPriorityCategories"], 3);
    assert_eq!(k["transferredToBankruptcy"], 0);
    assert_eq!(k["detentions"], 1);
    assert_eq!(k["summonses"], 1);
    assert_eq!(k["detentionsAndSummons"], 2);
    assert_eq!(k["fines"], 1);
    assert_eq!(k["fineAmount"], "1000.50");
    assert_eq!(k["refusalCrimeReferrals"], 1);
    assert_eq!(k["refusalCrimeConvictions"], 1);
    assert_eq!(k["refusalCrimeCases"], 1);
    assert_eq!(k["dishonestListings"], 1);
    assert_eq!(k["dishonestRemovalsAfterPerformance"], 1);
    assert_eq!(k["supervisionOrders"], 1);
    assert_eq!(k["supervisionBatches"], 1);
    assert_eq!(k["supervisedCourts"], 1);
    close_to(&k["targets"]["threeYearClosureRate"], 0.9);

    // The same through the court, and the city sees the other county too.
    let d = app
        .data(
            r#"query($id: ID!) { court(id: $id) { kpis(filter: {filedFrom: "2024-01-01", filedTo: "2024-12-31"}) { accepted actualClosed } } }"#,
            json!({"id": yy}),
        )
        .await;
    assert_eq!(d["court"]["kpis"], json!({"accepted": 5, "actualClosed": 2}));
    let k = app
        .data(
            KPIS,
            json!({"f": {"regionCode": "361100", "filedFrom": "2024-01-01", "filedTo": "2024-12-31"}}),
        )
        .await["enforcementKpis"]
        .clone();
    assert_eq!(k["accepted"], 6);
    // Without a period: every case; no growth without both ends.
    let k = app.data(KPIS, json!({"f": {"regionCode": "361126"}})).await["enforcementKpis"].clone();
    assert_eq!(k["accepted"], 7);
    assert!(k["acceptedGrowth"].is_null());
    // Zero denominators give null rates.
    let k = app.data(KPIS, json!({"f": {"regionCode": "361123"}})).await["enforcementKpis"].clone();
    assert_eq!(k["accepted"], 0);
    for rate in [
        "closureRate",
        "actualClosureRate",
        "recoveryRate",
        "terminatedThisRoundRate",
        "closedWithinLimitRate",
    ] {
        assert!(k[rate].is_null(), "{rate}");
    }
    let err = app
        .error(
            KPIS,
            json!({"f": {"filedFrom": "2024-02-01", "filedTo": "2024-01-01"}}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "filedTo");
}

#[tokio::test]
async fn close_and_reopen_follow_the_state_machine() {
    let app = spawn_app().await;
    let yy = court(&app, "361126").await;
    let id = file(&app, "(2024)赣1126执9号", &yy, "2024-03-01", "OTHER", "1000.00").await;
    // Validation: dates and amounts.
    let code = |mode: &'static str, on: &'static str, r: &'static str| {
        let (app, id) = (&app, id.clone());
        async move {
            let v = version(app, &id).await;
            app.error(CLOSE, json!({"id": id, "m": mode, "on": on, "r": r, "v": v}))
                .await
        }
    };
    let err = code("EXECUTED_IN_FULL", "2024-02-01", "0").await;
    assert_eq!(
        (
            err["extensions"]["code"].as_str(),
            err["extensions"]["field"].as_str()
        ),
        (Some("BAD_USER_INPUT"), Some("closedOn"))
    );
    let err = code("EXECUTED_IN_FULL", "2024-04-01", "1000.01").await;
    assert_eq!(err["extensions"]["field"], "recoveredAmount");
    let err = code("EXECUTED_IN_FULL", "2024-04-01", "-1.00").await;
    assert_eq!(err["extensions"]["field"], "recoveredAmount");
    let err = code("EXECUTED_IN_FULL", "2999-01-01", "0").await;
    assert_eq!(err["extensions"]["field"], "closedOn");
    let err = app
        .error(
            CLOSE,
            json!({"id": api::ids::global("EnforcementCase", 999999), "m": "WITHDRAWN", "on": "2024-04-01", "r": "0", "v": 1}),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "NOT_FOUND");

    let closed = close(&app, &id, "TERMINATED_THIS_ROUND", "2024-04-01", "10.00").await;
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(closed["version"], 2);
    let err = code("EXECUTED_IN_FULL", "2024-05-01", "0").await;
    assert_eq!(
        err["extensions"]["code"], "CONFLICT",
        "only a pending case closes"
    );

    const REOPEN: &str = r#"mutation($id: ID!, $on: Date!, $v: Int!) { reopenEnforcementCase(id: $id, reopenedOn: $on, reason: "发现财产", expectedVersion: $v) {
        status closureMode closedOn version flowNodes { kind occurredOn } } }"#;
    let err = app
        .error(REOPEN, json!({"id": id, "on": "2024-03-15", "v": 2}))
        .await;
    assert_eq!(err["extensions"]["field"], "reopenedOn");
    let d = app
        .data(REOPEN, json!({"id": id, "on": "2024-06-01", "v": 2}))
        .await;
    let r = &d["reopenEnforcementCase"];
    assert_eq!(r["status"], "PENDING");
    assert!(r["closureMode"].is_null() && r["closedOn"].is_null());
    let kinds: Vec<&str> = r["flowNodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["FILED", "CLOSED", "REOPENED"]);
    close(&app, &id, "EXECUTED_IN_FULL", "2024-07-01", "1000.00").await;
    let v = version(&app, &id).await;
    let err = app
        .error(REOPEN, json!({"id": id, "on": "2024-08-01", "v": v}))
        .await;
    assert_eq!(
        err["extensions"]["code"], "CONFLICT",
        "only terminated-this-round cases reopen"
    );
}

#[tokio::test]
async fn filing_validates_and_refuses_duplicates() {
    let app = spawn_app().await;
    let yy = court(&app, "361126").await;
    let input = |number: &str, court: &str, filed: &str, amount: &str| json!({"i": {"caseNumber": number, "courtId": court, "filedOn": filed, "category": "OTHER", "subjectAmount": amount}});
    let d = app
        .data(FILE, input("(2024)赣1126执1号", &yy, "2024-03-01", "10.00"))
        .await;
    assert_eq!(d["fileEnforcementCase"]["status"], "PENDING");
    assert_eq!(d["fileEnforcementCase"]["version"], 1);
    assert_eq!(
        app.error_code(FILE, input("(2024)赣1126执1号", &yy, "2024-03-02", "1.00"))
            .await,
        "CONFLICT"
    );
    let cases: [(Value, &str); 7] = [
        (
            input("(2024)赣1128执2号", &yy, "2024-03-01", "1.00"),
            "caseNumber",
        ),
        (input("(2024)赣1126执2号", "999", "2024-03-01", "1.00"), "courtId"),
        (input("(2024)赣1126执2号", &yy, "2999-03-01", "1.00"), "filedOn"),
        (input("(2024)赣1126执2号", &yy, "1980-03-01", "1.00"), "filedOn"),
        (
            input("(2024)赣1126执2号", &yy, "2024-03-01", "-1.00"),
            "subjectAmount",
        ),
        (input("x", &yy, "2024-03-01", "1.00"), "caseNumber"),
        (
            input("(2024)赣1126执\u{0007}号", &yy, "2024-03-01", "1.00"),
            "caseNumber",
        ),
    ];
    for (vars, field) in cases {
        let err = app.error(FILE, vars.clone()).await;
        assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT", "{vars}");
        assert_eq!(err["extensions"]["field"], field, "{vars}");
    }
    // Unknown enum values and malformed dates never reach the service.
    let mut bad = input("(2024)赣1126执3号", &yy, "2024-03-01", "1.00");
    bad["i"]["category"] = json!("NOT_A_CATEGORY");
    assert_eq!(app.error_code(FILE, bad).await, "BAD_USER_INPUT");
    assert_eq!(
        app.error_code(FILE, input("(2024)赣1126执3号", &yy, "2024-13-01", "1.00"))
            .await,
        "BAD_USER_INPUT"
    );
    // Nothing of the failed attempts was stored.
    let d = app.data("{ enforcementCases { totalCount } }", json!({})).await;
    assert_eq!(d["enforcementCases"]["totalCount"], 1);
    // Lookup by number and by id; a missing id is null.
    let d = app
        .data(
            r#"{ enforcementCaseByNumber(caseNumber: "(2024)赣1126执1号") { id flowNodes { kind } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        d["enforcementCaseByNumber"]["flowNodes"],
        json!([{"kind": "FILED"}])
    );
    let d = app
        .data(
            r#"query($id: ID!) { enforcementCase(id: $id) { id } }"#,
            json!({"id": api::ids::global("EnforcementCase", 424242)}),
        )
        .await;
    assert!(d["enforcementCase"].is_null());
}

#[tokio::test]
async fn parties_measures_and_flow_nodes_validate_their_fields() {
    let app = spawn_app().await;
    let yy = court(&app, "361126").await;
    let case = file(&app, "(2024)赣1126执7号", &yy, "2024-03-01", "OTHER", "5000.00").await;
    let other = file(&app, "(2024)赣1126执8号", &yy, "2024-03-01", "OTHER", "5000.00").await;
    let party = respondent(&app, &case, "李某", "36112619900202456").await;
    // Personal data is masked for a caller without the right.
    app.act_as("analyst", None);
    let d = app
        .data(
            r#"query($id: ID!) { enforcementCase(id: $id) { parties { idNumber phone address } } }"#,
            json!({"id": case}),
        )
        .await;
    app.act_as("admin", None);
    let p = &d["enforcementCase"]["parties"][0];
    assert!(p["idNumber"].as_str().unwrap().contains("**********"), "{p}");
    assert_eq!(p["address"], "***");

    let prefix = "36112619900202456";
    let wrong = if api::validate::id_check_char(prefix) == '0' {
        '1'
    } else {
        '0'
    };
    let bad_party = [
        (
            json!({"caseId": case, "role": "RESPONDENT", "kind": "PERSON", "name": "张某", "idNumber": format!("{prefix}{wrong}")}),
            "idNumber",
        ),
        (
            json!({"caseId": case, "role": "RESPONDENT", "kind": "PERSON", "name": "", "idNumber": null}),
            "name",
        ),
        (
            json!({"caseId": case, "role": "APPLICANT", "kind": "PERSON", "name": "张某", "phone": "call me"}),
            "phone",
        ),
    ];
    for (i, field) in bad_party {
        let err = app.error(ADD_PARTY, json!({"i": i})).await;
        assert_eq!(err["extensions"]["field"], field, "{i}");
    }
    let err = app
        .error(
            ADD_PARTY,
            json!({"i": {"caseId": api::ids::global("EnforcementCase", 999999), "role": "APPLICANT", "kind": "ORGANISATION", "name": "某公司"}}),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "NOT_FOUND");

    let base = |kind: &str| json!({"caseId": case, "partyId": party, "kind": kind, "takenOn": "2024-04-01"});
    let with = |kind: &str, extra: Value| {
        let mut i = base(kind);
        i.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"i": i})
    };
    let bad_measures = [
        (with("DETENTION", json!({})), "detentionDays"),
        (with("DETENTION", json!({"detentionDays": 16})), "detentionDays"),
        (with("SUMMONS", json!({"detentionDays": 3})), "detentionDays"),
        (with("FINE", json!({})), "amount"),
        (with("FINE", json!({"amount": "1000000.01"})), "amount"),
        (with("SUMMONS", json!({"amount": "1.00"})), "amount"),
        (with("ONLINE_INQUIRY", json!({})), "inquiryChannel"),
        (
            with("ONLINE_AUCTION", json!({"amount": "10.00"})),
            "auctionPlatform",
        ),
        (
            with("DETENTION", json!({"detentionDays": 3, "takenOn": "2024-02-01"})),
            "takenOn",
        ),
        (with("SUMMONS", json!({"convicted": true})), "convicted"),
        (
            json!({"i": {"caseId": other, "partyId": party, "kind": "SUMMONS", "takenOn": "2024-04-01"}}),
            "partyId",
        ),
        (
            json!({"i": {"caseId": case, "kind": "SUMMONS", "takenOn": "2024-04-01"}}),
            "partyId",
        ),
    ];
    for (vars, field) in bad_measures {
        let err = app.error(MEASURE, vars.clone()).await;
        assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT", "{vars}");
        assert_eq!(err["extensions"]["field"], field, "{vars}");
    }
    app.data(
        MEASURE,
        with("ONLINE_INQUIRY", json!({"inquiryChannel": "POINT_TO_POINT"})),
    )
    .await;
    app.data(
        MEASURE,
        with(
            "ONLINE_AUCTION",
            json!({"auctionPlatform": "淘宝", "amount": "88000.00"}),
        ),
    )
    .await;
    app.data(MEASURE, with("DETENTION", json!({"detentionDays": 15})))
        .await;

    const NODE: &str =
        r#"mutation($i: RecordFlowNodeInput!) { recordFlowNode(input: $i) { kind partiesNotified } }"#;
    let err = app
        .error(
            NODE,
            json!({"i": {"caseId": case, "kind": "CLOSED", "occurredOn": "2024-04-01"}}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "kind");
    let err = app
        .error(
            NODE,
            json!({"i": {"caseId": case, "kind": "ASSIGNED", "occurredOn": "2024-01-01"}}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "occurredOn");
    let d = app
        .data(
            NODE,
            json!({"i": {"caseId": case, "kind": "ASSIGNED", "occurredOn": "2024-03-02"}}),
        )
        .await;
    assert_eq!(d["recordFlowNode"]["partiesNotified"], true);

    let d = app
        .data(
            r#"query($id: ID!) { enforcementCase(id: $id) { measures { kind inquiryChannel auctionPlatform amount detentionDays } flowNodes { kind } } }"#,
            json!({"id": case}),
        )
        .await;
    let m = &d["enforcementCase"]["measures"];
    assert_eq!(m.as_array().unwrap().len(), 3, "failed measures stored nothing");
    assert!(
        m.as_array()
            .unwrap()
            .iter()
            .any(|x| x["auctionPlatform"] == "淘宝" && x["amount"] == "88000.00")
    );
    assert!(
        m.as_array()
            .unwrap()
            .iter()
            .any(|x| x["inquiryChannel"] == "POINT_TO_POINT")
    );
    assert_eq!(
        d["enforcementCase"]["flowNodes"],
        json!([{"kind": "FILED"}, {"kind": "ASSIGNED"}])
    );
}

#[tokio::test]
async fn dishonest_list_supervision_and_review() {
    let app = spawn_app().await;
    let yy = court(&app, "361126").await;
    let mid = court(&app, "361100").await;
    let case = file(&app, "(2024)赣1126执20号", &yy, "2024-01-05", "OTHER", "5000.00").await;
    let debtor = respondent(&app, &case, "赵某", "36112619750505789").await;
    let applicant = app
        .data(
            ADD_PARTY,
            json!({"i": {"caseId": case, "role": "APPLICANT", "kind": "ORGANISATION", "name": "某银行"}}),
        )
        .await["addParty"]["id"]
        .clone();
    // Organisations are identified by unified social credit codes (GB 32100), both check
    // characters verified.
    let org = |code: &str| json!({"i": {"caseId": case, "role": "APPLICANT", "kind": "ORGANISATION", "name": "某银行", "idNumber": code}});
    let ok = app.data(ADD_PARTY, org("91350100M000100Y43")).await;
    assert_eq!(ok["addParty"]["idNumber"], "91350100M000100Y43");
    for bad in ["91350100M000100Y44", "91350100M000100X43", "91361100000000001X"] {
        let err = app.error(ADD_PARTY, org(bad)).await;
        assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT", "{bad}");
        assert_eq!(err["extensions"]["field"], "idNumber", "{bad}");
    }
    const LIST: &str = r#"mutation($i: AddToDishonestListInput!) { addToDishonestList(input: $i) { id name idNumberMasked listedOn } }"#;
    let i = |party: &Value| json!({"i": {"caseId": case, "partyId": party, "listedOn": "2024-02-01", "reason": "拒不履行"}});
    let err = app.error(LIST, i(&applicant)).await;
    assert_eq!(
        err["extensions"]["field"], "partyId",
        "only a respondent is listed"
    );
    let entry = app.data(LIST, i(&json!(debtor))).await["addToDishonestList"].clone();
    assert_eq!(entry["name"], "赵某");
    assert!(entry["idNumberMasked"].as_str().unwrap().starts_with("3611**"));
    assert_eq!(app.error_code(LIST, i(&json!(debtor))).await, "CONFLICT");

    const CHECK: &str = r#"query($n: String!, $id: String!) { isDishonestDebtor(name: $n, idNumber: $id) }"#;
    let idn = person_id("36112619750505789");
    assert_eq!(
        app.data(CHECK, json!({"n": "赵某", "id": idn})).await["isDishonestDebtor"],
        true
    );
    assert_eq!(
        app.data(CHECK, json!({"n": "赵某", "id": idn.to_lowercase()}))
            .await["isDishonestDebtor"],
        true
    );
    assert_eq!(
        app.data(CHECK, json!({"n": "钱某", "id": idn})).await["isDishonestDebtor"],
        false
    );
    let d = app.data(r#"{ dishonestDebtors(filter: {nameContains: "赵"}) { totalCount nodes { name court { name } region { code } } } }"#, json!({})).await;
    assert_eq!(d["dishonestDebtors"]["totalCount"], 1);
    assert_eq!(d["dishonestDebtors"]["nodes"][0]["region"]["code"], "361126");

    const REMOVE: &str = r#"mutation($id: ID!, $on: Date!) { removeFromDishonestList(id: $id, removedOn: $on, reason: PERFORMED, expectedVersion: 1) { removedOn removalReason version } }"#;
    let err = app
        .error(REMOVE, json!({"id": entry["id"], "on": "2024-01-01"}))
        .await;
    assert_eq!(err["extensions"]["field"], "removedOn");
    app.data(REMOVE, json!({"id": entry["id"], "on": "2024-03-01"}))
        .await;
    assert_eq!(
        app.error_code(REMOVE, json!({"id": entry["id"], "on": "2024-03-02"}))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.error_code(
            REMOVE,
            json!({"id": api::ids::global("DishonestDebtor", 98765), "on": "2024-03-02"})
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.data(CHECK, json!({"n": "赵某", "id": idn})).await["isDishonestDebtor"],
        false
    );
    let d = app.data(r#"{ a: dishonestDebtors { totalCount } b: dishonestDebtors(filter: {includeRemoved: true}) { totalCount } }"#, json!({})).await;
    assert_eq!(
        (d["a"]["totalCount"].as_i64(), d["b"]["totalCount"].as_i64()),
        (Some(0), Some(1))
    );

    const ISSUE: &str = r#"mutation($i: IssueSupervisionOrderInput!) { issueSupervisionOrder(input: $i) { batch status dueOn } }"#;
    let order = |issuer: &str, due: &str| json!({"i": {"caseId": case, "batch": "2024-002", "issuingCourtId": issuer, "issuedOn": "2024-02-10", "dueOn": due}});
    assert_eq!(
        app.error(ISSUE, order(&yy, "2024-03-10")).await["extensions"]["field"],
        "issuingCourtId"
    );
    assert_eq!(
        app.error(ISSUE, order(&mid, "2024-02-01")).await["extensions"]["field"],
        "dueOn"
    );
    let d = app.data(ISSUE, order(&mid, "2024-03-10")).await;
    assert_eq!(d["issueSupervisionOrder"]["status"], "OPEN");

    // 终本回头看: due when the last property investigation is over six months old.
    close(&app, &case, "TERMINATED_THIS_ROUND", "2024-05-01", "0").await;
    const DUE: &str = r#"query($d: Date!) { terminatedCasesDueForReview(asOf: $d, regionCode: "361100") { totalCount nodes { id } } }"#;
    assert_eq!(
        app.data(DUE, json!({"d": "2024-10-01"})).await["terminatedCasesDueForReview"]["totalCount"],
        0
    );
    assert_eq!(
        app.data(DUE, json!({"d": "2024-12-01"})).await["terminatedCasesDueForReview"]["totalCount"],
        1
    );
    app.data(
        r#"mutation($c: ID!) { recordFlowNode(input: {caseId: $c, kind: PROPERTY_INVESTIGATION, occurredOn: "2024-11-15"}) { id } }"#,
        json!({"c": case}),
    )
    .await;
    assert_eq!(
        app.data(DUE, json!({"d": "2024-12-01"})).await["terminatedCasesDueForReview"]["totalCount"],
        0
    );
    assert_eq!(
        app.data(DUE, json!({"d": "2025-06-01"})).await["terminatedCasesDueForReview"]["totalCount"],
        1
    );
    // A closed case is no longer supervised or listed.
    assert_eq!(app.error_code(ISSUE, order(&mid, "2024-12-10")).await, "CONFLICT");
}

/// "促使101名失信被执行人主动履行义务" (report 2): 101 listed debtors performed of their own
/// accord. That is what the figure measures (`dishonestVoluntaryPerformances`), not removals
/// from the list, and a listed debtor's voluntary performance is recorded apart from removal.
#[tokio::test]
async fn voluntary_performance_is_not_a_removal_from_the_list() {
    let app = spawn_app_with(Seed::Full).await;
    let d = app
        .data(
            r#"{ reportedFigures(filter: {reportNo: 2}) { metric value computedValue consistent sourceText } }"#,
            json!({}),
        )
        .await;
    let sentence = "促使101名失信被执行人主动履行义务,兑现到位324万元";
    let read: Vec<&Value> = d["reportedFigures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["sourceText"] == sentence && f["value"] == "101")
        .collect();
    assert_eq!(read.len(), 1, "{sentence}: {read:#?}");
    assert_eq!(read[0]["metric"], "dishonestVoluntaryPerformances");
    assert_eq!(
        (read[0]["computedValue"].clone(), read[0]["consistent"].clone()),
        (json!("101"), json!(true))
    );
    // Over report 2's county and period: 1,262 listed, 101 performed, none stated removed.
    let k = app
        .data(
            r#"{ enforcementKpis(filter: {regionCode: "L0201", filedFrom: "2024-05-01", filedTo: "2025-06-12"}) {
                dishonestListings dishonestVoluntaryPerformances dishonestRemovalsAfterPerformance } }"#,
            json!({}),
        )
        .await["enforcementKpis"]
        .clone();
    assert_eq!(
        (
            k["dishonestListings"].clone(),
            k["dishonestVoluntaryPerformances"].clone(),
            k["dishonestRemovalsAfterPerformance"].clone()
        ),
        (json!(1262), json!(101), json!(0))
    );
    let listed = app
        .data(
            r#"{ dishonestDebtors(filter: {regionCode: "L0201"}, first: 100) { totalCount nodes { performedOn removedOn } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        listed["dishonestDebtors"]["totalCount"], 1262,
        "none of them was removed"
    );
}

#[tokio::test]
async fn a_listed_debtors_voluntary_performance_is_recorded_apart_from_removal() {
    let app = spawn_app().await;
    let yy = court(&app, "361126").await;
    let case = file(&app, "(2024)赣1126执21号", &yy, "2024-01-05", "OTHER", "5000.00").await;
    let debtor = respondent(&app, &case, "孙某", "36112619800505789").await;
    let entry = app
        .data(
            r#"mutation($i: AddToDishonestListInput!) { addToDishonestList(input: $i) { id version performedOn } }"#,
            json!({"i": {"caseId": case, "partyId": debtor, "listedOn": "2024-02-01", "reason": "拒不履行"}}),
        )
        .await["addToDishonestList"]
        .clone();
    assert_eq!(entry["performedOn"], Value::Null);
    const PERFORMED: &str = r#"mutation($id: ID!, $on: Date!, $v: Int!) { recordVoluntaryPerformance(id: $id, performedOn: $on, expectedVersion: $v) { performedOn removedOn version } }"#;
    let err = app
        .error(PERFORMED, json!({"id": entry["id"], "on": "2024-01-31", "v": 1}))
        .await;
    assert_eq!(
        (
            err["extensions"]["code"].clone(),
            err["extensions"]["field"].clone()
        ),
        (json!("BAD_USER_INPUT"), json!("performedOn")),
        "not before the listing"
    );
    assert_eq!(
        app.error_code(PERFORMED, json!({"id": entry["id"], "on": "2999-01-01", "v": 1}))
            .await,
        "BAD_USER_INPUT",
        "not in the future"
    );
    assert_eq!(
        app.error_code(PERFORMED, json!({"id": entry["id"], "on": "2024-03-01", "v": 7}))
            .await,
        "CONFLICT",
        "a stale version"
    );
    let done = app
        .data(PERFORMED, json!({"id": entry["id"], "on": "2024-03-01", "v": 1}))
        .await["recordVoluntaryPerformance"]
        .clone();
    assert_eq!(
        (
            done["performedOn"].clone(),
            done["removedOn"].clone(),
            done["version"].clone()
        ),
        (json!("2024-03-01"), Value::Null, json!(2)),
        "the debtor stays listed until removed"
    );
    assert_eq!(
        app.error_code(PERFORMED, json!({"id": entry["id"], "on": "2024-03-02", "v": 2}))
            .await,
        "CONFLICT",
        "recorded once"
    );
    no_drift(&app).await;
    let k = app
        .data(
            r#"{ enforcementKpis(filter: {regionCode: "361126"}) { dishonestListings dishonestVoluntaryPerformances dishonestRemovalsAfterPerformance } }"#,
            json!({}),
        )
        .await["enforcementKpis"]
        .clone();
    assert_eq!(
        (
            k["dishonestListings"].clone(),
            k["dishonestVoluntaryPerformances"].clone(),
            k["dishonestRemovalsAfterPerformance"].clone()
        ),
        (json!(1), json!(1), json!(0))
    );
    // A court officer of another county does not see the entry.
    app.act_as("court_officer", Some("361102"));
    assert_eq!(
        app.error_code(PERFORMED, json!({"id": entry["id"], "on": "2024-03-01", "v": 2}))
            .await,
        "NOT_FOUND"
    );
}

/// The statements of a request with IN-lists and placeholders folded, each shape once: a
/// DataLoader batch split in two (timing) counts once, a statement per row would not fold.
fn shapes(statements: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in statements {
        let mut folded = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' || c == '?' {
                while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                    chars.next();
                }
                folded.push('?');
            } else {
                folded.push(c);
            }
        }
        while folded.contains("?, ?") {
            folded = folded.replace("?, ?", "?");
        }
        if !out.contains(&folded) {
            out.push(folded);
        }
    }
    out
}

#[tokio::test]
async fn statement_counts_do_not_grow_with_the_data() {
    let small = spawn_app().await;
    dataset(&small).await;
    let large = spawn_app_with(Seed::Full).await;
    let queries = [
        // Nested connections: every court with a page of its cases and their count.
        r#"{ courts(first: 100) { nodes { name cases(first: 20) { totalCount nodes { caseNumber filedOn status } } } } }"#,
        // Region filters: a subtree's cases and KPIs.
        r#"{ enforcementCases(first: 50, filter: {regionCode: "361126"}) { totalCount nodes { caseNumber court { name } region { name } } } }"#,
        r#"{ enforcementKpis(filter: {regionCode: "361100", filedFrom: "2023-01-01", filedTo: "2025-06-20"}) { accepted actualClosureRate } }"#,
        r#"{ dishonestDebtors(first: 20, filter: {regionCode: "361100"}) { totalCount nodes { name } } }"#,
    ];
    for q in queries {
        let mut counts = Vec::new();
        for app in [&small, &large] {
            // Reference data is loaded into memory by the first request that needs it.
            app.data(q, json!({})).await;
            app.reset_statements();
            app.data(q, json!({})).await;
            counts.push(shapes(&app.statements()));
        }
        assert_eq!(counts[0].len(), counts[1].len(), "{q}: {counts:#?}");
    }
    // A scoped officer's requests carry the subtree's codes from authentication.
    large.act_as("court_officer", Some("361126"));
    large.reset_statements();
    large
        .data(
            r#"{ enforcementCases(first: 5) { totalCount nodes { id } } }"#,
            json!({}),
        )
        .await;
    let run = large.statements();
    let on_cases: Vec<&String> = run
        .iter()
        .filter(|s| s.contains("\"enforcement_cases\""))
        .collect();
    assert!(!on_cases.is_empty());
    assert!(
        on_cases
            .iter()
            .all(|s| !s.contains("LIKE") && !s.contains("\"regions\"")),
        "the case statements filter by the subtree's codes: {run:#?}"
    );
}

#[tokio::test]
async fn reference_data_is_read_from_memory_and_refreshed() {
    for ttl in [60, 0] {
        let app =
            crate::helpers::spawn_app_configured(Seed::Reference, |s| s.reference_cache_ttl_secs = ttl).await;
        let yy = court(&app, "361126").await;
        let case = file(&app, "(2024)赣1126执1号", &yy, "2024-01-05", "OTHER", "5000.00").await;
        const Q: &str = r#"query($id: ID!) { enforcementCase(id: $id) { court { name } region { name } } }"#;
        let d = app.data(Q, json!({"id": case})).await;
        assert_eq!(d["enforcementCase"]["court"]["name"], "弋阳县人民法院");
        // Read again: one statement (the case), courts and regions from memory.
        app.reset_statements();
        app.data(Q, json!({"id": case})).await;
        let run = app.statements();
        if ttl > 0 {
            assert_eq!(run.len(), 1, "{run:#?}");
        }
        // Another process renames the court: seen once the snapshot is older than the TTL.
        app.sql("UPDATE courts SET name = '弋阳县人民法院（新）' WHERE name = '弋阳县人民法院'")
            .await;
        let d = app.data(Q, json!({"id": case})).await;
        let expected = if ttl == 0 {
            "弋阳县人民法院（新）"
        } else {
            "弋阳县人民法院"
        };
        assert_eq!(d["enforcementCase"]["court"]["name"], expected, "ttl {ttl}");
    }
}

/// The KPIs' daily aggregates equal the records they sum.
async fn no_drift(app: &TestApp) {
    let drift = api::testing::daily_drift(&app.db)
        .await
        .expect("compare the aggregates");
    assert!(drift.is_empty(), "aggregates differ from the records: {drift:#?}");
}

#[tokio::test]
async fn kpi_aggregates_equal_the_records_after_every_write() {
    let app = spawn_app().await;
    let yy = court(&app, "361126").await;
    let py = court(&app, "361128").await;
    no_drift(&app).await;
    let a = file(
        &app,
        "(2024)赣1126执1号",
        &yy,
        "2024-01-10",
        "LIVELIHOOD",
        "100000.00",
    )
    .await;
    let b = file(
        &app,
        "(2024)赣1126执2号",
        &yy,
        "2024-01-10",
        "FINANCIAL",
        "50000.00",
    )
    .await;
    let c = file(&app, "(2024)赣1128执1号", &py, "2024-02-01", "OTHER", "7.10").await;
    no_drift(&app).await;
    close(&app, &a, "EXECUTED_IN_FULL", "2024-03-01", "100000.00").await;
    no_drift(&app).await;
    close(&app, &b, "TERMINATED_THIS_ROUND", "2024-09-01", "10.00").await;
    no_drift(&app).await;
    // Reopening takes the case out of the closed figures again.
    let v = version(&app, &b).await;
    app.data(
        r#"mutation($id: ID!, $v: Int!) { reopenEnforcementCase(id: $id, reopenedOn: "2024-10-01", reason: "发现财产", expectedVersion: $v) { id } }"#,
        json!({"id": b, "v": v}),
    )
    .await;
    no_drift(&app).await;
    close(&app, &b, "TRANSFERRED_TO_BANKRUPTCY", "2024-11-01", "0").await;
    no_drift(&app).await;
    // A failed write changes nothing: a stale version.
    let err = app
        .error(
            CLOSE,
            json!({"id": c, "m": "WITHDRAWN", "on": "2024-03-01", "r": "0", "v": 99}),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "CONFLICT");
    no_drift(&app).await;
    let party = respondent(&app, &c, "李某", "36112819800101123").await;
    for (kind, on, extra) in [
        ("DETENTION", "2024-04-10", json!({"detentionDays": 5})),
        ("FINE", "2024-04-11", json!({"amount": "1000.50"})),
        ("REFUSAL_CRIME_REFERRAL", "2024-04-13", json!({"convicted": true})),
    ] {
        let mut i = json!({"caseId": c, "partyId": party, "kind": kind, "takenOn": on});
        i.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        app.data(MEASURE, json!({"i": i})).await;
        no_drift(&app).await;
    }
    let entry = app
        .data(
            r#"mutation($i: AddToDishonestListInput!) { addToDishonestList(input: $i) { id } }"#,
            json!({"i": {"caseId": c, "partyId": party, "listedOn": "2024-04-15", "reason": "拒不履行"}}),
        )
        .await["addToDishonestList"]["id"]
        .clone();
    no_drift(&app).await;
    app.data(
        r#"mutation($id: ID!) { removeFromDishonestList(id: $id, removedOn: "2024-06-01", reason: PERFORMED, expectedVersion: 1) { id } }"#,
        json!({"id": entry}),
    )
    .await;
    no_drift(&app).await;
    // And the KPIs read from them match the records.
    let k = app.data(KPIS, json!({"f": {"regionCode": "361100"}})).await["enforcementKpis"].clone();
    assert_eq!(
        (
            k["accepted"].clone(),
            k["closed"].clone(),
            k["actualClosed"].clone()
        ),
        (json!(3), json!(2), json!(1))
    );
    assert_eq!(k["transferredToBankruptcy"], 1);
    assert_eq!(
        (k["detentions"].clone(), k["fines"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        (
            k["dishonestListings"].clone(),
            k["dishonestRemovalsAfterPerformance"].clone()
        ),
        (json!(1), json!(1))
    );
}

/// The report whose region a generated case is in (report 1's courts are all under 上饶市).
fn report_of_region(code: &str) -> (u8, &'static str) {
    match code {
        "L0201" => (2, "L0201"),
        "L04" => (4, "L04"),
        _ => (1, "361100"),
    }
}

/// Generated parties look like the people and organisations of their report's region: identity
/// numbers with a county of that region (a minority elsewhere in its province), valid check
/// characters, adult birth dates and a sex digit that matches the name; credit codes registered
/// in the region, with organisation codes drawn rather than counted; no 上饶 for reports 2 and 4.
#[tokio::test]
async fn generated_parties_look_like_their_reports_places() {
    use api::synthetic::{Sex, given_names, place, split_name};
    use entity::enforcement::{dishonest_entry, enforcement_case, party};
    use sea_orm::EntityTrait;
    use std::collections::{BTreeMap, BTreeSet, HashMap};

    let app = spawn_app_with(Seed::Full).await;
    let cases: HashMap<i64, enforcement_case::Model> = enforcement_case::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let parties = party::Entity::find().all(&app.db).await.unwrap();
    assert!(parties.len() > 50_000, "{}", parties.len());
    let places: HashMap<u8, api::synthetic::Place> = [(1, "361100"), (2, "L0201"), (4, "L04")]
        .into_iter()
        .map(|(r, code)| (r, place(code).unwrap()))
        .collect();
    let mut person_areas: BTreeMap<u8, BTreeSet<String>> = BTreeMap::new();
    let mut elsewhere: BTreeMap<u8, usize> = BTreeMap::new();
    let mut people: BTreeMap<u8, usize> = BTreeMap::new();
    let mut organisation_codes: BTreeSet<u64> = BTreeSet::new();
    for p in &parties {
        assert!(p.synthetic, "party {} is marked synthetic", p.id);
        let case = &cases[&p.case_id];
        let (report, _) = report_of_region(&case.region_code);
        let place = &places[&report];
        let id = p.id_number.as_deref().expect("generated parties have numbers");
        if report != 1 {
            assert!(!id.starts_with("36"), "report {report}: {id} is Jiangxi's");
            assert!(!p.name.contains("上饶"), "report {report}: {}", p.name);
            assert!(!p.address.as_deref().unwrap_or("").contains("上饶"));
        }
        match p.kind {
            party::PartyKind::Person => {
                api::validate::id_number("id", id, true).unwrap();
                let area = &id[..6];
                assert!(place.areas().any(|a| a == area), "report {report}: {id}");
                *people.entry(report).or_default() += 1;
                if !place.home.iter().any(|h| h == area) {
                    *elsewhere.entry(report).or_default() += 1;
                }
                person_areas.entry(report).or_default().insert(area.to_owned());
                let born = chrono::NaiveDate::parse_from_str(&id[6..14], "%Y%m%d").unwrap();
                let age = case.filed_on.years_since(born).unwrap();
                assert!(
                    (20..=75).contains(&age),
                    "{id} is {age} when {} was filed",
                    case.case_number
                );
                let sex = Sex::of_identity_number(id).unwrap();
                let (_, given) = split_name(&p.name).unwrap();
                assert!(given_names(sex).contains(&given), "{} with {id}", p.name);
            }
            party::PartyKind::Organisation => {
                api::validate::id_number("code", id, false).unwrap();
                assert!(id.starts_with("91"));
                assert!(place.home.iter().any(|h| *h == id[2..8]), "report {report}: {id}");
                organisation_codes.insert(id[8..16].parse().unwrap());
            }
        }
    }
    // Varied across the region's counties, with a minority born elsewhere in the province.
    assert!(person_areas[&1].len() >= 20, "{:?}", person_areas[&1]);
    assert!(person_areas[&2].len() >= 6, "{:?}", person_areas[&2]);
    assert!(person_areas[&4].len() >= 6, "{:?}", person_areas[&4]);
    for report in [1, 2, 4] {
        let share = elsewhere[&report] as f64 / people[&report] as f64;
        assert!((0.05..0.25).contains(&share), "report {report}: {share}");
    }
    // Organisation codes drawn at random: many, and hardly any two consecutive.
    assert!(organisation_codes.len() > 1_000, "{}", organisation_codes.len());
    let codes: Vec<u64> = organisation_codes.into_iter().collect();
    let consecutive = codes.windows(2).filter(|w| w[1] == w[0] + 1).count();
    assert!(
        consecutive * 100 < codes.len(),
        "{consecutive} of {}",
        codes.len()
    );
    // The list of dishonest debtors carries the parties' numbers, so they are valid too.
    let kinds: HashMap<i64, party::PartyKind> = parties.iter().map(|p| (p.id, p.kind)).collect();
    for e in dishonest_entry::Entity::find().all(&app.db).await.unwrap() {
        assert!(e.synthetic);
        let person = kinds[&e.party_id] == party::PartyKind::Person;
        api::validate::id_number("id", e.id_number.as_deref().unwrap(), person).unwrap();
    }
}

/// A seeded case is synthetic, a case filed through the API is not; only administrators read
/// the flag (null for others, as personal fields are masked rather than refused).
#[tokio::test]
async fn synthetic_is_true_on_seeded_records_false_on_written_ones_and_for_admins_only() {
    let app = spawn_app_with(Seed::Full).await;
    let court = court(&app, "361126").await;
    let filed = file(
        &app,
        "(2025)赣1126执9001号",
        &court,
        "2025-03-01",
        "OTHER",
        "1000.00",
    )
    .await;
    let q = r#"query($id: ID!) { enforcementCase(id: $id) { synthetic }
        enforcementCases(first: 5, filter: {regionCode: "L0201"}) { nodes { synthetic parties { synthetic } } } }"#;
    let d = app.data(q, json!({"id": filed})).await;
    assert_eq!(d["enforcementCase"]["synthetic"], false);
    let seeded = d["enforcementCases"]["nodes"].as_array().unwrap();
    assert!(!seeded.is_empty());
    for n in seeded {
        assert_eq!(n["synthetic"], true);
        assert!(
            n["parties"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["synthetic"] == true)
        );
    }
    // The data dictionary says who reads it.
    let d = app
        .data(
            r#"{ dataDictionary(domain: "enforcement") { name fields { name roles } } }"#,
            json!({}),
        )
        .await;
    let case = d["dataDictionary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "EnforcementCase")
        .unwrap();
    let field = case["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "synthetic")
        .unwrap();
    assert_eq!(field["roles"], json!(["ADMIN"]));
    for (role, region) in [
        ("analyst", None),
        ("court_officer", Some("361100")),
        ("supervisor", Some("361100")),
    ] {
        app.act_as(role, region);
        let d = app.data(q, json!({"id": filed})).await;
        assert!(d["enforcementCase"]["synthetic"].is_null(), "{role}");
        for n in d["enforcementCases"]["nodes"].as_array().unwrap() {
            assert!(n["synthetic"].is_null(), "{role}: {n}");
        }
    }
}

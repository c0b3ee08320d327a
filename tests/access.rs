//! Authorization: the permission matrix, region-scope leaks, masking and the audit log.

use crate::helpers::{TestApp, court, spawn_app, token};
use serde_json::{Value, json};

const ROLES: [&str; 8] = [
    "admin",
    "court_officer",
    "civil_affairs_officer",
    "agriculture_officer",
    "supervisor",
    "analyst",
    "partner_agency",
    "anonymous",
];

const ALL: &[&str] = &ROLES;
const BUT_PARTNER: &[&str] = &[
    "admin",
    "court_officer",
    "civil_affairs_officer",
    "agriculture_officer",
    "supervisor",
    "analyst",
    "anonymous",
];
const ENFORCEMENT_READ: &[&str] = &["admin", "court_officer", "supervisor", "analyst"];
const ENFORCEMENT_WRITE: &[&str] = &["admin", "court_officer"];
const ADMIN: &[&str] = &["admin"];

/// Every root field and mutation, with the roles the policy allows.
fn matrix() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    vec![
        ("me", "{ me { role } }", ALL),
        ("node", r#"{ node(id: "bm90aGluZw") { id } }"#, ALL),
        ("region", r#"{ region(code: "361100") { code } }"#, BUT_PARTNER),
        ("regions", "{ regions { totalCount } }", BUT_PARTNER),
        (
            "enforcementCases",
            "{ enforcementCases { totalCount } }",
            ENFORCEMENT_READ,
        ),
        (
            "enforcementCase",
            r#"{ enforcementCase(id: "1") { id } }"#,
            ENFORCEMENT_READ,
        ),
        (
            "enforcementCaseByNumber",
            r#"{ enforcementCaseByNumber(caseNumber: "x") { id } }"#,
            ENFORCEMENT_READ,
        ),
        ("courts", "{ courts { totalCount } }", ENFORCEMENT_READ),
        ("court", r#"{ court(id: "1") { id } }"#, ENFORCEMENT_READ),
        ("enforcementKpis", "{ enforcementKpis { accepted } }", BUT_PARTNER),
        (
            "dishonestDebtors",
            "{ dishonestDebtors { totalCount } }",
            BUT_PARTNER,
        ),
        (
            "isDishonestDebtor",
            r#"{ isDishonestDebtor(name: "某", idNumber: "1") }"#,
            ALL,
        ),
        (
            "terminatedCasesDueForReview",
            r#"{ terminatedCasesDueForReview(asOf: "2025-01-01") { totalCount } }"#,
            ENFORCEMENT_READ,
        ),
        ("reportedFigures", "{ reportedFigures { metric } }", BUT_PARTNER),
        (
            "auditLog",
            "{ auditLog { totalCount } }",
            &["admin", "supervisor"],
        ),
        ("users", "{ users { totalCount } }", ADMIN),
        ("webhookEndpoints", "{ webhookEndpoints { totalCount } }", ADMIN),
        ("webhookDeliveries", "{ webhookDeliveries { totalCount } }", ADMIN),
        (
            "webhookDeliveryStats",
            "{ webhookDeliveryStats { pending } }",
            ADMIN,
        ),
        (
            "registerWebhookEndpoint",
            r#"mutation { registerWebhookEndpoint(input: {partner: "p", regionCode: "999999", url: "ftp://x", eventTypes: []}) { secret } }"#,
            ADMIN,
        ),
        (
            "deactivateWebhookEndpoint",
            r#"mutation { deactivateWebhookEndpoint(id: "999", expectedVersion: 1) { id } }"#,
            ADMIN,
        ),
        (
            "fileEnforcementCase",
            r#"mutation { fileEnforcementCase(input: {caseNumber: "(2024)赣1126执1号", courtId: "999", filedOn: "2024-01-01", category: OTHER, subjectAmount: "1.00"}) { id } }"#,
            ENFORCEMENT_WRITE,
        ),
        (
            "addParty",
            r#"mutation { addParty(input: {caseId: "999", role: APPLICANT, kind: ORGANISATION, name: "某公司"}) { id } }"#,
            ENFORCEMENT_WRITE,
        ),
        (
            "recordMeasure",
            r#"mutation { recordMeasure(input: {caseId: "999", kind: SEIZURE_FREEZE, takenOn: "2024-01-01"}) { id } }"#,
            ENFORCEMENT_WRITE,
        ),
        (
            "recordFlowNode",
            r#"mutation { recordFlowNode(input: {caseId: "999", kind: ASSIGNED, occurredOn: "2024-01-01"}) { id } }"#,
            ENFORCEMENT_WRITE,
        ),
        (
            "closeEnforcementCase",
            r#"mutation { closeEnforcementCase(id: "999", mode: WITHDRAWN, closedOn: "2024-01-01", recoveredAmount: "0", expectedVersion: 1) { id } }"#,
            ENFORCEMENT_WRITE,
        ),
        (
            "reopenEnforcementCase",
            r#"mutation { reopenEnforcementCase(id: "999", reopenedOn: "2024-01-01", expectedVersion: 1) { id } }"#,
            ENFORCEMENT_WRITE,
        ),
        (
            "issueSupervisionOrder",
            r#"mutation { issueSupervisionOrder(input: {caseId: "999", batch: "b", issuingCourtId: "1", issuedOn: "2024-01-01", dueOn: "2024-02-01"}) { id } }"#,
            ENFORCEMENT_WRITE,
        ),
        (
            "addToDishonestList",
            r#"mutation { addToDishonestList(input: {caseId: "999", partyId: "1", listedOn: "2024-01-01", reason: "r"}) { id } }"#,
            ENFORCEMENT_WRITE,
        ),
        (
            "removeFromDishonestList",
            r#"mutation { removeFromDishonestList(id: "999", removedOn: "2024-01-01", reason: PERFORMED, expectedVersion: 1) { id } }"#,
            ENFORCEMENT_WRITE,
        ),
        (
            "createUser",
            r#"mutation { createUser(input: {username: "x", password: "p", displayName: "d", roles: [ANALYST], defaultRole: ANALYST}) { id } }"#,
            ADMIN,
        ),
        (
            "setUserRoles",
            r#"mutation { setUserRoles(id: "999", roles: [ANALYST], defaultRole: ANALYST, expectedVersion: 1) { id } }"#,
            ADMIN,
        ),
        (
            "setUserScope",
            r#"mutation { setUserScope(id: "999", regionCode: null, expectedVersion: 1) { id } }"#,
            ADMIN,
        ),
        (
            "disableUser",
            r#"mutation { disableUser(id: "999", expectedVersion: 1) { id } }"#,
            ADMIN,
        ),
    ]
}

fn role_token(role: &str) -> Option<String> {
    match role {
        "anonymous" => None,
        "admin" | "analyst" | "partner_agency" => Some(token(role, &[role], None)),
        _ => Some(token(role, &[role], Some("361100"))),
    }
}

#[tokio::test]
async fn permission_matrix() {
    let app = spawn_app().await;
    let mut failures = Vec::new();
    for (field, query, allowed) in matrix() {
        for role in ROLES {
            let t = role_token(role);
            let (status, body) = app.send(t.as_deref(), &[], query, json!({})).await;
            let code = body["errors"][0]["extensions"]["code"].as_str().unwrap_or("");
            let denied = matches!(code, "FORBIDDEN" | "UNAUTHENTICATED");
            let expected_denied = !allowed.contains(&role);
            if denied != expected_denied {
                failures.push(format!(
                    "{role} on {field}: status {status}, code {code:?}, expected denied={expected_denied}"
                ));
            }
            if expected_denied {
                let want = if role == "anonymous" {
                    "UNAUTHENTICATED"
                } else {
                    "FORBIDDEN"
                };
                if code != want {
                    failures.push(format!("{role} on {field}: code {code:?}, want {want}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

struct World {
    yiyang_case: String,
    poyang_case: String,
    yiyang_court: String,
    poyang_court: String,
}

/// One case in 弋阳县 and one in 鄱阳县, each with a respondent, filed by an administrator.
async fn world(app: &TestApp) -> World {
    app.act_as("admin", None);
    let yiyang_court = court(app, "361126").await;
    let poyang_court = court(app, "361128").await;
    let file = |number: &'static str, court: String| {
        let app = &*app;
        async move {
            app.data(
                r#"mutation($i: FileEnforcementCaseInput!) { fileEnforcementCase(input: $i) { id } }"#,
                json!({"i": {"caseNumber": number, "courtId": court, "filedOn": "2024-03-01", "category": "OTHER", "subjectAmount": "5000.00"}}),
            )
            .await["fileEnforcementCase"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let yiyang_case = file("(2024)赣1126执1号", yiyang_court.clone()).await;
    let poyang_case = file("(2024)赣1128执1号", poyang_court.clone()).await;
    for (case, prefix) in [
        (&yiyang_case, "36112619800101123"),
        (&poyang_case, "36112819800101123"),
    ] {
        let id = format!("{prefix}{}", api::validate::id_check_char(prefix));
        app.data(
            r#"mutation($i: AddPartyInput!) { addParty(input: $i) { id } }"#,
            json!({"i": {"caseId": case, "role": "RESPONDENT", "kind": "PERSON", "name": "王某", "idNumber": id,
                         "phone": "13912345678", "address": "某县某路1号"}}),
        )
        .await;
    }
    World {
        yiyang_case,
        poyang_case,
        yiyang_court,
        poyang_court,
    }
}

#[tokio::test]
async fn a_scoped_officer_sees_nothing_outside_the_subtree() {
    let app = spawn_app().await;
    let w = world(&app).await;
    app.act_as("court_officer", Some("361126"));
    let d = app
        .data(
            "{ enforcementCases { totalCount nodes { id region { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["enforcementCases"]["totalCount"], 1);
    assert_eq!(d["enforcementCases"]["nodes"][0]["id"], w.yiyang_case.as_str());
    let d = app
        .data(
            r#"{ enforcementCases(filter: {regionCode: "361128"}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["enforcementCases"]["totalCount"], 0);
    // By id and by number an out-of-scope case reads as missing.
    let q = r#"query($id: ID!) { enforcementCase(id: $id) { id } }"#;
    assert!(app.data(q, json!({"id": w.poyang_case})).await["enforcementCase"].is_null());
    assert!(
        app.data(q, json!({"id": api::ids::global("EnforcementCase", 424242)}))
            .await["enforcementCase"]
            .is_null()
    );
    let d = app
        .data(
            r#"{ enforcementCaseByNumber(caseNumber: "(2024)赣1128执1号") { id } }"#,
            json!({}),
        )
        .await;
    assert!(d["enforcementCaseByNumber"].is_null());
    // Courts, nested cases and court KPIs.
    let d = app
        .data(
            "{ courts { totalCount nodes { id cases { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["courts"]["totalCount"], 1);
    assert_eq!(d["courts"]["nodes"][0]["id"], w.yiyang_court.as_str());
    let q = r#"query($id: ID!) { court(id: $id) { id } }"#;
    assert!(app.data(q, json!({"id": w.poyang_court})).await["court"].is_null());
    // KPIs cover the scope only, whatever region is asked for.
    let q = r#"query($r: String) { enforcementKpis(filter: {regionCode: $r}) { accepted } }"#;
    assert_eq!(
        app.data(q, json!({"r": "361100"})).await["enforcementKpis"]["accepted"],
        1
    );
    assert_eq!(
        app.data(q, json!({"r": "361128"})).await["enforcementKpis"]["accepted"],
        0
    );
    assert_eq!(
        app.data(q, json!({"r": null})).await["enforcementKpis"]["accepted"],
        1
    );
    // Writes outside the scope read as missing too, and change nothing.
    let close = r#"mutation($id: ID!) { closeEnforcementCase(id: $id, mode: WITHDRAWN, closedOn: "2024-04-01", recoveredAmount: "0", expectedVersion: 1) { id } }"#;
    assert_eq!(
        app.error_code(close, json!({"id": w.poyang_case})).await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(close, json!({"id": api::ids::global("EnforcementCase", 424242)}))
            .await,
        "NOT_FOUND"
    );
    let file = r#"mutation($c: ID!) { fileEnforcementCase(input: {caseNumber: "(2024)赣1128执2号", courtId: $c, filedOn: "2024-01-01", category: OTHER, subjectAmount: "1.00"}) { id } }"#;
    let err = app.error(file, json!({"c": w.poyang_court})).await;
    assert_eq!(err["extensions"]["field"], "courtId");
    app.data(close, json!({"id": w.yiyang_case})).await;
    // The administrator sees both; the other case is untouched.
    app.act_as("admin", None);
    let d = app
        .data(
            r#"{ enforcementCases(filter: {status: PENDING}) { totalCount nodes { id } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["enforcementCases"]["totalCount"], 1);
    assert_eq!(d["enforcementCases"]["nodes"][0]["id"], w.poyang_case.as_str());
    // The analyst reads every region; the anonymous caller gets published aggregates only.
    app.act_as("analyst", None);
    assert_eq!(
        app.data(q, json!({"r": "361100"})).await["enforcementKpis"]["accepted"],
        2
    );
    // The anonymous caller's count is protected by disclosure control: the two cases'
    // cell, published as the grouped aggregate publishes it, never as 1 to 4.
    app.act_anonymously();
    let published = app.data(q, json!({"r": "361100"})).await["enforcementKpis"]["accepted"]
        .as_i64()
        .unwrap();
    assert!(published == 0 || published >= 5, "{published}");
    let aggregate = app
        .data(
            r#"{ enforcementAggregate(filter: {regionCode: "361100"}, groupBy: []) { rows { cases } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        aggregate["enforcementAggregate"]["rows"][0]["cases"].as_i64(),
        Some(published)
    );
    assert_eq!(
        app.error_code("{ enforcementCases { totalCount } }", json!({}))
            .await,
        "UNAUTHENTICATED"
    );
}

fn party_of(d: &Value) -> Value {
    d["enforcementCase"]["parties"][0].clone()
}

#[tokio::test]
async fn personal_data_is_masked_without_the_right_and_audited_with_it() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let q = r#"query($id: ID!) { enforcementCase(id: $id) { parties { id idNumber phone address } } }"#;
    for role in ["analyst", "supervisor"] {
        app.act_as(
            role,
            if role == "supervisor" {
                Some("361100")
            } else {
                None
            },
        );
        let p = party_of(&app.data(q, json!({"id": w.yiyang_case})).await);
        assert_eq!(p["idNumber"].as_str().unwrap().len(), 18, "{role}");
        assert!(
            p["idNumber"].as_str().unwrap().contains("**********"),
            "{role}: {p}"
        );
        assert_eq!(p["phone"], "1391***5678", "{role}");
        assert_eq!(p["address"], "***", "{role}");
    }
    // In a list and nested in a list alike.
    app.act_as("analyst", None);
    let d = app
        .data(
            "{ enforcementCases { nodes { parties { idNumber } } } }",
            json!({}),
        )
        .await;
    for case in d["enforcementCases"]["nodes"].as_array().unwrap() {
        assert!(case["parties"][0]["idNumber"].as_str().unwrap().contains('*'));
    }
    app.act_as("court_officer", Some("361126"));
    let p = party_of(&app.data(q, json!({"id": w.yiyang_case})).await);
    assert!(!p["idNumber"].as_str().unwrap().contains('*'));
    assert_eq!(p["phone"], "13912345678");
    assert_eq!(p["address"], "某县某路1号");
    // That read is in the audit log, attributed and scoped to the case's region.
    app.act_as("admin", None);
    let d = app
        .data(r#"{ auditLog(filter: {operation: "readPersonalData"}) { totalCount nodes { actor role entity entityId regionCode } } }"#, json!({}))
        .await;
    assert_eq!(d["auditLog"]["totalCount"], 1);
    let e = &d["auditLog"]["nodes"][0];
    assert_eq!(
        (e["actor"].as_str(), e["role"].as_str()),
        (Some("test-court_officer"), Some("court_officer"))
    );
    assert_eq!(e["entityId"], p["id"]);
    assert_eq!(e["regionCode"], "361126");
}

#[tokio::test]
async fn every_mutation_and_check_is_audited_and_scoped() {
    let app = spawn_app().await;
    let w = world(&app).await;
    app.act_as("court_officer", Some("361126"));
    let (status, _) = app
        .send(
            Some(&token("court_officer", &["court_officer"], Some("361126"))),
            &[("x-request-id", "req-42")],
            r#"mutation($id: ID!) { closeEnforcementCase(id: $id, mode: WITHDRAWN, closedOn: "2024-04-01", recoveredAmount: "0", expectedVersion: 1) { id } }"#,
            json!({"id": w.yiyang_case}),
        )
        .await;
    assert_eq!(status, 200);
    // A failed mutation leaves no entry.
    let before = audit_count(&app).await;
    app.act_as("court_officer", Some("361126"));
    app.error(
        r#"mutation($id: ID!) { closeEnforcementCase(id: $id, mode: WITHDRAWN, closedOn: "2024-04-01", recoveredAmount: "0", expectedVersion: 1) { id } }"#,
        json!({"id": w.yiyang_case}),
    )
    .await;
    assert_eq!(audit_count(&app).await, before);
    // Partner agencies only check, and every check is recorded.
    app.act_as("partner_agency", None);
    let prefix = "36112619800101123";
    let id = format!("{prefix}{}", api::validate::id_check_char(prefix));
    let d = app
        .data(
            r#"query($id: String!) { isDishonestDebtor(name: "王某", idNumber: $id) }"#,
            json!({"id": id}),
        )
        .await;
    assert_eq!(d["isDishonestDebtor"], false);
    assert_eq!(
        app.error_code("{ dishonestDebtors { totalCount } }", json!({}))
            .await,
        "FORBIDDEN"
    );

    app.act_as("admin", None);
    let d = app
        .data(
            r#"{ auditLog { totalCount nodes { actor role operation entity entityId regionCode before after requestId } } }"#,
            json!({}),
        )
        .await;
    let entries = d["auditLog"]["nodes"].as_array().unwrap();
    let close = entries
        .iter()
        .find(|e| e["operation"] == "closeEnforcementCase")
        .expect("close audited");
    assert_eq!(close["requestId"], "req-42");
    assert_eq!(close["entityId"], w.yiyang_case.as_str());
    assert!(close["before"].as_str().unwrap().contains("\"pending\""));
    assert!(close["after"].as_str().unwrap().contains("\"withdrawn\""));
    let party = entries
        .iter()
        .find(|e| e["operation"] == "addParty")
        .expect("addParty audited");
    let snapshot = party["after"].as_str().unwrap();
    assert!(
        !snapshot.contains("13912345678") && !snapshot.contains("某县某路"),
        "snapshots mask personal data: {snapshot}"
    );
    assert!(snapshot.contains(r#""address":"***""#), "{snapshot}");
    let check = entries
        .iter()
        .find(|e| e["operation"] == "isDishonestDebtor")
        .expect("check audited");
    assert_eq!(check["role"], "partner_agency");
    assert!(check["after"].as_str().unwrap().contains("\"listed\":false"));
    for op in ["fileEnforcementCase", "addParty"] {
        assert_eq!(entries.iter().filter(|e| e["operation"] == op).count(), 2, "{op}");
    }
    // A supervisor of 鄱阳县 sees only entries about records there.
    app.act_as("supervisor", Some("361128"));
    let d = app.data("{ auditLog { nodes { regionCode } } }", json!({})).await;
    let regions: Vec<&str> = d["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["regionCode"].as_str().unwrap())
        .collect();
    assert!(
        !regions.is_empty() && regions.iter().all(|r| *r == "361128"),
        "{regions:?}"
    );
}

async fn audit_count(app: &TestApp) -> i64 {
    app.act_as("admin", None);
    app.data("{ auditLog { totalCount } }", json!({})).await["auditLog"]["totalCount"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn node_resolves_global_ids_under_the_same_checks() {
    let app = spawn_app().await;
    let w = world(&app).await;
    const NODE: &str = r#"query($id: ID!) { node(id: $id) { id __typename
        ... on EnforcementCase { caseNumber parties { id idNumber } }
        ... on Court { name } ... on Region { code } ... on Party { name idNumber } } }"#;
    // Every id the API hands out resolves to its record.
    let d = app.data(NODE, json!({"id": w.yiyang_case})).await;
    assert_eq!(d["node"]["__typename"], "EnforcementCase");
    assert_eq!(d["node"]["caseNumber"], "(2024)赣1126执1号");
    let party = d["node"]["parties"][0]["id"].clone();
    let d = app.data(NODE, json!({"id": party})).await;
    assert_eq!(
        (d["node"]["__typename"].as_str(), d["node"]["name"].as_str()),
        (Some("Party"), Some("王某"))
    );
    let d = app.data(NODE, json!({"id": w.yiyang_court})).await;
    assert_eq!(d["node"]["__typename"], "Court");
    let region = app.data(r#"{ region(code: "361126") { id } }"#, json!({})).await["region"]["id"].clone();
    assert_eq!(
        app.data(NODE, json!({"id": region})).await["node"]["code"],
        "361126"
    );
    // Malformed and unknown ids are null.
    for id in [
        json!("not-an-id"),
        json!(api::ids::global("EnforcementCase", 987654)),
        json!(api::ids::global("Nope", 1)),
    ] {
        assert!(app.data(NODE, json!({"id": id})).await["node"].is_null(), "{id}");
    }
    // The same scope and masking as every other path.
    app.act_as("court_officer", Some("361126"));
    assert!(
        app.data(NODE, json!({"id": w.poyang_case})).await["node"].is_null(),
        "out of scope reads as missing"
    );
    assert!(app.data(NODE, json!({"id": w.poyang_court})).await["node"].is_null());
    app.act_as("analyst", None);
    let d = app.data(NODE, json!({"id": party})).await;
    assert!(
        d["node"]["idNumber"].as_str().unwrap().contains('*'),
        "masked for the analyst"
    );
    app.act_as("partner_agency", None);
    assert_eq!(
        app.error_code(NODE, json!({"id": w.yiyang_case})).await,
        "FORBIDDEN"
    );
    app.act_anonymously();
    assert_eq!(
        app.error_code(NODE, json!({"id": w.yiyang_case})).await,
        "UNAUTHENTICATED"
    );
}

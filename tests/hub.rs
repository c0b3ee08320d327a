//! The region hub: one request serves a region's dashboard across every domain, under the
//! caller's scope, in a number of statements that does not grow with the records.

use crate::helpers::{Seed, spawn_app_with};
use serde_json::json;

const DASHBOARD: &str = r#"query($code: String!, $n: Int) { region(code: $code) { name dashboard {
    regionCode
    enforcementKpis(filedFrom: "2023-01-01", filedTo: "2025-06-20") { accepted actualClosureRate }
    communityStats(asOfYear: 2023) { units staff byType { unitType units } }
    communityUnits(first: $n) { totalCount nodes { name staff { role } facilities { kind } } }
    funeralStats(asOf: "2025-06-30") { gravePlots fundingGap }
    funeralFacilities(first: $n) { nodes { name parts { name } } }
    ruralStats(year: 2023) { villages }
    indicatorSnapshot(period: "2023") { indicator { code } value }
    reportedFigures { metric consistent }
    surveyReports { reportNo recommendations { text } }
    dataQualityIssues { kind arithmetic }
} } }"#;

#[tokio::test]
async fn a_regions_dashboard_is_one_request_across_the_domains() {
    let app = spawn_app_with(Seed::Full).await;
    let d = app.data(DASHBOARD, json!({"code": "140500", "n": 5})).await;
    let dash = &d["region"]["dashboard"];
    assert_eq!(dash["communityStats"]["units"], 142);
    assert_eq!(dash["communityUnits"]["totalCount"], 142);
    assert_eq!(dash["enforcementKpis"]["accepted"], 0);
    assert_eq!(dash["funeralStats"]["gravePlots"], 0);
    assert!(dash["reportedFigures"].as_array().unwrap().len() >= 30);
    assert_eq!(dash["surveyReports"][0]["reportNo"], 7);
    assert_eq!(dash["dataQualityIssues"][0]["kind"], "PARTS_DO_NOT_ADD_UP");
    let d = app.data(DASHBOARD, json!({"code": "361100", "n": 5})).await;
    assert_eq!(d["region"]["dashboard"]["enforcementKpis"]["accepted"], 36269);
    let d = app.data(DASHBOARD, json!({"code": "522324", "n": 5})).await;
    assert_eq!(
        d["region"]["dashboard"]["funeralStats"]["fundingGap"],
        "16380000.00"
    );
    assert_eq!(
        d["region"]["dashboard"]["funeralFacilities"]["nodes"][0]["parts"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let d = app.data(DASHBOARD, json!({"code": "152222", "n": 5})).await;
    assert_eq!(d["region"]["dashboard"]["ruralStats"]["villages"], 196);
    assert_eq!(
        d["region"]["dashboard"]["indicatorSnapshot"]
            .as_array()
            .unwrap()
            .len(),
        43,
        "report 6's values; its \"不足15%\" is a bound, not an observation"
    );

    // A page of 5 units and one of 100 cost the same statements.
    let mut counts = Vec::new();
    for n in [5, 100, 5] {
        app.reset_statements();
        app.data(DASHBOARD, json!({"code": "140500", "n": n})).await;
        counts.push(app.statements().len());
    }
    assert!(counts[1] <= counts[0] + 3, "statements: {counts:?}");
    assert!(counts.iter().all(|n| *n <= 90), "statements: {counts:?}");

    // Under a scoped caller every field keeps to the caller's reach; a domain the role may
    // not read answers FORBIDDEN for its own fields only.
    app.act_as("civil_affairs_officer", Some("140581"));
    let body = app.gql(DASHBOARD, json!({"code": "140500", "n": 5})).await;
    assert_eq!(body["data"]["region"]["dashboard"]["communityStats"]["units"], 29);
    assert_eq!(
        body["data"]["region"]["dashboard"]["communityUnits"]["totalCount"],
        29
    );
    assert!(body["errors"].as_array().is_none_or(|e| e.is_empty()), "{body:#}");
    app.act_as("analyst", None);
    let q = r#"{ regionDashboard(code: "140500") { communityStats { units } } }"#;
    assert_eq!(
        app.data(q, json!({})).await["regionDashboard"]["communityStats"]["units"],
        142
    );
    assert_eq!(
        app.error_code(r#"{ regionDashboard(code: "999999") { regionCode } }"#, json!({}))
            .await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn data_quality_rules_find_the_reports_inconsistencies() {
    let app = spawn_app_with(Seed::Full).await;
    let d = app
        .data(
            r#"{ dataQualityIssues { kind severity reportNo regionCode arithmetic figures { metric value sourceText } } }"#,
            json!({}),
        )
        .await;
    let issues = d["dataQualityIssues"].as_array().unwrap();
    let found: Vec<String> = issues
        .iter()
        .map(|i| {
            format!(
                "{}:{}:{}",
                i["reportNo"],
                i["kind"].as_str().unwrap(),
                i["figures"][0]["metric"].as_str().unwrap()
            )
        })
        .collect();
    for must in [
        "3:SHARE_MISMATCH:partyMemberShare",
        "3:SHARE_MISMATCH:femaleShare",
        "3:RECORDS_CONTRADICT:partyMemberShare",
        "3:PARTS_DO_NOT_ADD_UP:socialWorkers",
        "3:PARTS_DO_NOT_ADD_UP:directors",
        "7:PARTS_DO_NOT_ADD_UP:membersAndWorkers",
    ] {
        assert!(found.contains(&must.to_owned()), "{must} not found in {found:#?}");
    }
    let party = issues
        .iter()
        .find(|i| i["kind"] == "SHARE_MISMATCH" && i["figures"][0]["metric"] == "partyMemberShare")
        .unwrap();
    assert_eq!(party["severity"], "ERROR");
    assert_eq!(
        party["arithmetic"],
        "partyMembers / staff = 85 / 112 = 0.758929 ≠ partyMemberShare = 0.787 as stated; \
         85 / partyMemberShare implies staff in [107.9, 108.1]"
    );
    let workers: Vec<&str> = issues
        .iter()
        .filter(|i| i["kind"] == "PARTS_DO_NOT_ADD_UP" && i["figures"][0]["metric"] == "socialWorkers")
        .map(|i| i["arithmetic"].as_str().unwrap())
        .collect();
    assert_eq!(workers.len(), 2, "education and age: {workers:?}");
    assert!(
        workers.iter().any(|a| a.starts_with("4 + 13 + 17 = 34 < 37")),
        "{workers:?}"
    );
    assert!(
        workers.iter().any(|a| a.starts_with("22 + 12 = 34 < 37")),
        "{workers:?}"
    );
    // The contradictions inside reports 6 and 2, found by the rules with the figures'
    // sentences.
    let rule = |kind: &str, metric: &str| {
        issues
            .iter()
            .find(|i| {
                i["kind"] == kind
                    && i["figures"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| f["metric"] == metric)
            })
            .unwrap_or_else(|| panic!("{kind} on {metric} not found in {found:#?}"))
    };
    let toilets = rule("STATED_TWICE_APART", "sanitary_toilet_rate");
    assert_eq!(toilets["reportNo"], 6);
    let sentences: Vec<&str> = toilets["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sourceText"].as_str().unwrap())
        .collect();
    assert!(
        sentences[0].contains("普及率达到55%") && sentences[1].contains("实际覆盖率不足50%"),
        "{sentences:?}"
    );
    assert_eq!(
        toilets["arithmetic"],
        "sanitary_toilet_rate is stated as [0.545, 0.555] (0.55) and as (−∞, 0.5) (0.5): no value is in both"
    );
    let mediated = rule("PART_EXCEEDS_WHOLE", "mediatedCases");
    assert_eq!(mediated["reportNo"], 2);
    assert!(
        mediated["arithmetic"]
            .as_str()
            .unwrap()
            .starts_with("mediatedCases = 2772 > accepted = 2606"),
        "{mediated}"
    );
    let rate = rule("SHARE_MISMATCH", "mediationRate");
    assert!(
        rate["arithmetic"]
            .as_str()
            .unwrap()
            .ends_with("2772 / mediationRate implies accepted in [7036.4, 7038.3]"),
        "{rate}"
    );
    // Errors come first; the rules find nothing in the enforcement reports, whose figures hold.
    assert_eq!(issues[0]["severity"], "ERROR");
    assert!(
        !found.iter().any(|f| f.starts_with("1:") || f.starts_with("4:")),
        "{found:#?}"
    );
}

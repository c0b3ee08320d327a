//! The shipped reports: the seed reproduces every figure records can produce, and
//! nested loading stays at a fixed number of statements.

use crate::helpers::{Seed, spawn_app_with};
use serde_json::json;

#[tokio::test]
async fn seed_reproduces_the_reports_figures() {
    let app = spawn_app_with(Seed::Full).await;
    // The KPIs' daily aggregates the seed builds equal the records.
    let drift = api::testing::daily_drift(&app.db).await.unwrap();
    assert!(drift.is_empty(), "{drift:#?}");
    // The migration that brought the cell keys to them fills them from the records of a
    // database that already has them: undone and done again, the aggregates still agree.
    {
        use migration::{Migrator, MigratorTrait};
        let last = Migrator::migrations().len() as u32;
        let status = Migrator::get_applied_migrations(&app.db).await.unwrap();
        assert_eq!(
            status.last().map(|m| m.name().to_owned()).as_deref(),
            Some("m20261208_000023_daily_cell_keys"),
            "the daily cell keys are the last migration ({last}); move this check with them"
        );
        Migrator::down(&app.db, Some(1)).await.unwrap();
        Migrator::up(&app.db, None).await.unwrap();
        let drift = api::testing::daily_drift(&app.db).await.unwrap();
        assert!(drift.is_empty(), "after the backfill: {drift:#?}");
    }
    let d = app
        .data(
            r#"{ reportedFigures(filter: {domain: "enforcement"}) { reportNo metric regionCode periodStart periodEnd value unit sourceText computedValue consistent } }"#,
            json!({}),
        )
        .await;
    let figures = d["reportedFigures"].as_array().unwrap();
    assert!(
        figures.len() >= 60,
        "every stated figure of reports 1, 2 and 4 is shipped"
    );
    let computed: Vec<_> = figures.iter().filter(|f| !f["computedValue"].is_null()).collect();
    for f in &computed {
        assert_eq!(f["consistent"], true, "figure not reproduced: {f:#}");
        assert!(!f["sourceText"].as_str().unwrap().is_empty());
    }
    let names: Vec<String> = computed
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}",
                f["reportNo"],
                f["metric"].as_str().unwrap(),
                f["periodStart"].as_str().unwrap()
            )
        })
        .collect();
    for must in [
        "1:accepted:2023-01-01",
        "1:actualClosed:2023-01-01",
        "1:actualClosureRate:2023-01-01",
        "1:recoveredAmount:2023-01-01",
        "1:acceptedGrowth:2025-01-01",
        "1:actualClosedGrowth:2025-01-01",
        "1:detentionsAndSummons:2023-01-01",
        "1:fineAmount:2023-01-01",
        "1:dishonestListings:2023-01-01",
        "1:supervisionBatches:2023-01-01",
        "1:transferredToBankruptcy:2023-01-01",
        "2:closureRate:2024-05-01",
        "2:detentions:2024-05-01",
        "4:closureRate:2023-01-01",
        "4:actualClosureRate:2023-01-01",
        "4:recoveryRate:2023-01-01",
    ] {
        assert!(
            names.iter().any(|n| n == must),
            "{must} is not computed; computed: {names:?}"
        );
    }
    assert!(computed.len() >= 33, "{} figures computed", computed.len());

    // The running server answers for 上饶市 over report 1's period with report 1's figures.
    let k = app
        .data(
            r#"{ enforcementKpis(filter: {regionCode: "361100", filedFrom: "2023-01-01", filedTo: "2025-06-20"}) {
                accepted actualClosed actualClosureRate recoveredAmount } }"#,
            json!({}),
        )
        .await["enforcementKpis"]
        .clone();
    assert_eq!(k["accepted"], 36269);
    assert_eq!(k["actualClosed"], 16115);
    assert_eq!(
        format!("{:.4}", k["actualClosureRate"].as_f64().unwrap()),
        "0.4443"
    );
    assert_eq!(k["recoveredAmount"], "10760000000.00");
    let k = app
        .data(
            r#"{ enforcementKpis(filter: {regionCode: "L04", filedFrom: "2023-01-01", filedTo: "2024-12-31"}) {
                accepted closed closureRate actualClosureRate recoveryRate } }"#,
            json!({}),
        )
        .await["enforcementKpis"]
        .clone();
    assert_eq!(
        (k["accepted"].as_i64(), k["closed"].as_i64()),
        (Some(9695), Some(8826))
    );
    assert_eq!(format!("{:.4}", k["closureRate"].as_f64().unwrap()), "0.9104");
    assert_eq!(
        format!("{:.4}", k["actualClosureRate"].as_f64().unwrap()),
        "0.4266"
    );
    assert_eq!(format!("{:.4}", k["recoveryRate"].as_f64().unwrap()), "0.3805");

    // Seeding again adds nothing.
    api::seed::run(&app.db).await.expect("second seed");
    let d = app
        .data(
            "{ enforcementCases { totalCount } courts { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(d["enforcementCases"]["totalCount"], 36269 + 2606 + 9695);
    assert_eq!(d["courts"]["totalCount"], 15);
}

#[tokio::test]
async fn nested_page_runs_a_fixed_number_of_statements() {
    let app = spawn_app_with(Seed::Full).await;
    let q = r#"query($n: Int) { enforcementCases(first: $n, filter: {regionCode: "361100"}) {
        nodes { caseNumber court { name region { name } } region { code parent { code } } parties { name idNumber }
                measures { kind } flowNodes { kind } supervisionOrders { batch } } } }"#;
    let mut runs = Vec::new();
    // Courts and regions are read from memory once loaded: warm them up first.
    app.data(q, json!({"n": 1})).await;
    for n in [1, 10, 100] {
        app.reset_statements();
        let d = app.data(q, json!({"n": n})).await;
        assert_eq!(
            d["enforcementCases"]["nodes"].as_array().unwrap().len(),
            n as usize
        );
        runs.push(app.statements());
    }
    // One region subtree, one page, then one statement per relation and level; courts and
    // regions from memory. A DataLoader batch may be split in two when resolving a level
    // outlasts its delay, so allow one extra statement per table, never one per row.
    for run in &runs {
        assert!(run.len() <= 10, "statements per request: {runs:#?}");
        assert!(
            !run.iter().any(|s| s.contains("FROM \"courts\"")),
            "courts come from memory: {run:#?}"
        );
        for table in [
            "parties",
            "measures",
            "flow_nodes",
            "supervision_orders",
            "enforcement_cases",
        ] {
            let n = run
                .iter()
                .filter(|s| s.contains(&format!("FROM \"{table}\"")))
                .count();
            assert!((1..=2).contains(&n), "{n} statements on {table}: {run:#?}");
        }
    }
}

#[tokio::test]
async fn generated_personal_data_follows_the_real_formats() {
    use entity::enforcement::party::{self, PartyKind};
    use sea_orm::EntityTrait;
    let app = spawn_app_with(Seed::Full).await;
    let parties = party::Entity::find().all(&app.db).await.unwrap();
    assert!(parties.len() > 90_000);
    let (mut people, mut organisations) = (0, 0);
    for p in &parties {
        let phone = p.phone.as_deref().unwrap();
        assert!(
            phone.len() == 11
                && phone.starts_with('1')
                && ('3'..='9').contains(&phone[1..2].chars().next().unwrap()),
            "a mobile number: {phone}"
        );
        let id = p.id_number.as_deref().unwrap();
        let person = p.kind == PartyKind::Person;
        api::validate::id_number("idNumber", id, person).unwrap_or_else(|e| panic!("{id}: {}", e.message()));
        if person {
            people += 1;
        } else {
            organisations += 1;
        }
    }
    assert!(people > 0 && organisations > 0);
}

#[tokio::test]
async fn seed_scales_deterministically_and_stays_idempotent() {
    use entity::enforcement::enforcement_case as case;
    use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
    let app = crate::helpers::spawn_app().await;
    api::seed::run_scaled(&app.db, 2).await.expect("seed at scale 2");
    let cases = case::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(cases, 2 * 48_570);
    // The copy repeats the first with its own ids and case numbers.
    let all = case::Entity::find()
        .order_by_asc(case::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let (first, second) = all.split_at(48_570);
    for (a, b) in first.iter().zip(second).step_by(997) {
        assert_eq!(
            (a.court_id, a.filed_on, a.status),
            (b.court_id, b.filed_on, b.status)
        );
        // 执N号 becomes 执(1,000,000 + N)号.
        let (head, rest) = a.case_number.split_once('执').unwrap();
        let n: u64 = rest.trim_end_matches('号').parse().unwrap();
        assert_eq!(b.case_number, format!("{head}执{}号", 1_000_000 + n));
        assert_ne!(a.uuid, b.uuid);
    }
    // The copies' parties, measures and flow nodes belong to the copied cases.
    use entity::enforcement::{flow_node, party};
    use sea_orm::{ColumnTrait, QueryFilter};
    let parties = party::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(parties % 2, 0);
    let copied = party::Entity::find()
        .filter(party::Column::CaseId.gt(48_570))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(copied * 2, parties);
    let nodes = flow_node::Entity::find()
        .filter(flow_node::Column::CaseId.gt(48_570))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(nodes * 2, flow_node::Entity::find().count(&app.db).await.unwrap());
    api::seed::run_scaled(&app.db, 2).await.expect("again");
    assert_eq!(case::Entity::find().count(&app.db).await.unwrap(), 2 * 48_570);
}

#[tokio::test]
async fn every_report_figure_is_shipped() {
    let app = crate::helpers::spawn_app().await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/domains.md");
    let domains = std::fs::read_to_string(path).unwrap();
    let start = domains
        .find("| report | figures |")
        .expect("docs/domains.md lists the figures per report");
    let listed: Vec<(i64, u64)> = domains[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (cells[0].parse().unwrap(), cells[1].parse().unwrap())
        })
        .collect();
    assert_eq!(listed.len(), 9);
    for (report, count) in listed {
        let d = app
            .data(
                "query($n: Int) { reportedFigures(filter: {reportNo: $n}) { id } }",
                json!({"n": report}),
            )
            .await;
        assert_eq!(
            d["reportedFigures"].as_array().unwrap().len() as u64,
            count,
            "report {report}"
        );
    }
}

#[tokio::test]
async fn the_reports_are_records_with_tracked_recommendations() {
    let app = crate::helpers::spawn_app().await;
    let d = app
        .data(
            r#"{ surveyReports { reportNo title regionCode domains problems { position text } recommendations { id position } } }"#,
            json!({}),
        )
        .await;
    let reports = d["surveyReports"].as_array().unwrap();
    assert_eq!(reports.len(), 9);
    let r3 = &reports[2];
    assert_eq!(r3["regionCode"], "L03");
    assert_eq!(r3["problems"][0]["text"], "社区居委会行政化倾向严重");
    assert_eq!(r3["recommendations"].as_array().unwrap().len(), 8);
    assert!(reports[7]["regionCode"].is_null());
    let d = app
        .data(
            r#"{ surveyReports(domain: "community", regionCode: "140500") { reportNo } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["surveyReports"], json!([{"reportNo": 7}]));
    let d = app
        .data(
            r#"{ surveyReport(reportNo: 3) { dataQualityIssues { kind } figures { metric } } }"#,
            json!({}),
        )
        .await;
    assert!(d["surveyReport"]["dataQualityIssues"].as_array().unwrap().len() >= 6);

    // A supervisor of 晋城市 tracks report 7's recommendations, not report 1's nor report 8's.
    let rec = |n: usize| reports[n - 1]["recommendations"][0]["id"].clone();
    const TRACK: &str = r#"mutation($i: ID!, $v: Int) { trackRecommendation(itemId: $i, status: IN_PROGRESS, owner: "市民政局",
        dueOn: "2024-06-30", notes: "已纳入年度计划", expectedVersion: $v) { status owner version } }"#;
    app.act_as("supervisor", Some("140500"));
    let t = app.data(TRACK, json!({"i": rec(7)})).await;
    assert_eq!(t["trackRecommendation"]["version"], 1);
    assert_eq!(app.error_code(TRACK, json!({"i": rec(7)})).await, "CONFLICT");
    assert_eq!(
        app.data(TRACK, json!({"i": rec(7), "v": 1})).await["trackRecommendation"]["version"],
        2
    );
    assert_eq!(app.error_code(TRACK, json!({"i": rec(1)})).await, "NOT_FOUND");
    assert_eq!(app.error_code(TRACK, json!({"i": rec(8)})).await, "NOT_FOUND");
    // Follow-ups are read by supervisors and analysts; anonymous callers see the report only.
    let q = r#"{ surveyReport(reportNo: 7) { recommendations { followUp { status owner } } } }"#;
    app.act_as("analyst", None);
    assert_eq!(
        app.data(q, json!({})).await["surveyReport"]["recommendations"][0]["followUp"]["owner"],
        "市民政局"
    );
    app.act_anonymously();
    assert!(app.data(q, json!({})).await["surveyReport"]["recommendations"][0]["followUp"].is_null());
    assert_eq!(
        app.error_code(TRACK, json!({"i": rec(7), "v": 2})).await,
        "UNAUTHENTICATED"
    );
    app.act_as("civil_affairs_officer", Some("140500"));
    assert_eq!(
        app.error_code(TRACK, json!({"i": rec(7), "v": 2})).await,
        "FORBIDDEN"
    );
}

/// "30多万亩", "不足15%", "10亿元以上", "近2000万元", "160余人", "约5.55亿元": bounds and
/// approximations carry their qualifier and the interval the conventions give them
/// (`docs/domains.md#how-stated-figures-are-read`); a plain number is exact.
#[tokio::test]
async fn stated_bounds_carry_their_qualifier_and_interval() {
    let app = spawn_app_with(Seed::Reference).await;
    let d = app
        .data(
            r#"{ reportedFigures { reportNo metric value qualifier statementNo sourceText
                 interval { lower lowerIncluded upper upperIncluded notation } } }"#,
            json!({}),
        )
        .await;
    let figures = d["reportedFigures"].as_array().unwrap();
    assert_eq!(figures.len(), 250);
    let find = |said: &str, value: &str| {
        let found: Vec<&serde_json::Value> = figures
            .iter()
            .filter(|f| f["sourceText"].as_str().unwrap().contains(said) && f["value"] == value)
            .collect();
        assert_eq!(found.len(), 1, "{said} {value}: {found:#?}");
        found[0].clone()
    };
    for (said, value, qualifier, notation) in [
        ("造林30多万亩", "300000", "MORE_THAN", "[300000, 400000)"),
        ("不足全县耕地面积的15%", "0.15", "LESS_THAN", "(−∞, 0.15)"),
        (
            "加工销售收入10亿元以上",
            "1000000000",
            "AT_LEAST",
            "[1000000000, ∞)",
        ),
        ("共投入近2000万元", "20000000", "NEARLY", "[18000000, 20000000]"),
        ("有效查控达160余人", "160", "MORE_THAN", "[160, 170)"),
        (
            "执行到位金额约5.55亿元",
            "555000000.00",
            "ABOUT",
            "[554500000, 555500000]",
        ),
        (
            "实际执行到位金额18.8亿余元",
            "1880000000.00",
            "MORE_THAN",
            "[1880000000, 1890000000)",
        ),
        ("共受理执行案件2606件", "2606", "EXACT", "[2606, 2606]"),
        ("普及率达到55%", "0.55", "EXACT", "[0.545, 0.555]"),
    ] {
        let f = find(said, value);
        assert_eq!(
            (f["qualifier"].as_str(), f["interval"]["notation"].as_str()),
            (Some(qualifier), Some(notation)),
            "{said}"
        );
    }
    let under = find("实际覆盖率不足50%", "0.5");
    assert_eq!(
        under["metric"], "sanitary_toilet_rate",
        "the same quantity as the 55%"
    );
    assert_eq!(under["statementNo"], 2);
    assert_eq!(
        (
            under["interval"]["lower"].clone(),
            under["interval"]["upper"].clone(),
            under["interval"]["upperIncluded"].clone()
        ),
        (serde_json::Value::Null, json!("0.5"), json!(false))
    );
}

/// A markdown cell: pipes escaped, lines joined.
fn cell(v: &serde_json::Value) -> String {
    let text = match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// `docs/figures.md` is the table of every figure the reports state (sentence, metric,
/// reading, verdict), rendered from what the API answers: it fails when the committed page
/// differs, and `UPDATE_DOCS=1` rewrites it. The README and `docs/domains.md` state the
/// number of figures, which must be the API's.
#[tokio::test]
async fn the_figures_table_in_docs_is_the_data() {
    let app = spawn_app_with(Seed::Full).await;
    let d = app
        .data(
            r#"{ surveyReports { reportNo title issuingBody issuedOn regionCode
                    figures { statementNo metric value unit qualifier interval { notation } sourceText note computedValue consistent } } }"#,
            json!({}),
        )
        .await;
    let reports = d["surveyReports"].as_array().unwrap();
    let total: usize = reports
        .iter()
        .map(|r| r["figures"].as_array().unwrap().len())
        .sum();
    let mut verdicts = std::collections::BTreeMap::<&str, usize>::new();
    let mut body = String::new();
    for r in reports {
        body.push_str(&format!(
            "\n## Report {}: {}\n\n{}, {}; region `{}`.\n\n| # | metric | stated | reading | computed | verdict | sentence |\n|---|---|---|---|---|---|---|\n",
            r["reportNo"],
            cell(&r["title"]),
            cell(&r["issuingBody"]),
            cell(&r["issuedOn"]),
            cell(&r["regionCode"]),
        ));
        for f in r["figures"].as_array().unwrap() {
            let verdict = match f["consistent"].as_bool() {
                Some(true) => "reproduced",
                Some(false) => "contradicted",
                None => "not computed",
            };
            *verdicts.entry(verdict).or_default() += 1;
            body.push_str(&format!(
                "| {} | `{}` | {} {} ({}) | {} | {} | {} | {} |\n",
                f["statementNo"],
                cell(&f["metric"]),
                cell(&f["interval"]["notation"]),
                cell(&f["unit"]),
                cell(&f["qualifier"]).to_lowercase(),
                cell(&f["note"]),
                cell(&f["computedValue"]),
                verdict,
                cell(&f["sourceText"]),
            ));
        }
    }
    let summary = verdicts
        .iter()
        .map(|(v, n)| format!("{n} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let page = format!(
        "# Every figure the reports state (报告所述数据)\n\n\
         Generated from the seeded platform by `tests/survey.rs` (`the_figures_table_in_docs_is_the_data`),\n\
         which fails when this page differs from what the API answers; do not edit it by hand, run\n\
         `UPDATE_DOCS=1 cargo test -p api --test integration -- figures_table_in_docs` to rewrite it.\n\n\
         {total} figures: {summary}.\n\n\
         - **stated**: the figure as the report means it, as the interval it admits (`[a, a]` when\n\
           exact, `[a, b]`, `(a, b)`, `[a, ∞)`, ...), in its unit, with its qualifier (see\n\
           [how stated figures are read](domains.md#how-stated-figures-are-read));\n\
         - **reading**: how the sentence is read, where it needs saying;\n\
         - **computed**: what the records give for the same metric, region and period;\n\
         - **verdict**: *reproduced* when the computed value lies in the stated interval,\n\
           *contradicted* when it does not (the report's own inconsistencies, listed by\n\
           `dataQualityIssues`), *not computed* when no records measure it (a target, a threshold,\n\
           or a fact the records do not hold).\n{body}"
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/figures.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &page).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == page,
        "docs/figures.md is stale: run `UPDATE_DOCS=1 cargo test -p api --test integration -- figures_table_in_docs`"
    );
    // The documents that state the number of figures state the API's.
    for doc in ["README.md", "docs/domains.md"] {
        let text = std::fs::read_to_string(format!("{}/../{doc}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let stated = text
            .split("their ")
            .skip(1)
            .filter_map(|rest| rest.split_once(" stated figures"))
            .filter_map(|(n, _)| n.trim().parse::<usize>().ok())
            .collect::<Vec<_>>();
        assert!(!stated.is_empty(), "{doc} states the number of figures");
        assert!(
            stated.iter().all(|n| *n == total),
            "{doc} says {stated:?} figures; the API serves {total}"
        );
    }
}

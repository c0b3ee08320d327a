//! The differencing attacks on disclosure control, played over every small cell of the
//! seeded enforcement cases. The attacker knows the method, its parameters and its
//! perturbation table (`disclosureMethod` publishes them) but not the record keys; for each
//! small cell (a true count of 1 to k - 1) and each attack class the suite works out every
//! true value consistent with all the answers the attack collected, and how often the naive
//! reconstruction (the difference of the published values) equals the truth, beside the rate
//! the table predicts. It asserts that no attack leaves exactly one consistent value, and that
//! one cell reached by different requests has one published value. Run with `--nocapture` to
//! see the report (docs/disclosure.md has the last one).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::helpers::{Seed, TestApp, spawn_app_with};

const AGG: &str = r#"query($f: EnforcementAggregateFilter, $g: [EnforcementGroupKey!]!, $l: RegionLevel, $p: EnforcementAggregatePeriod) {
  enforcementAggregate(filter: $f, groupBy: $g, regionLevel: $l, period: $p) {
    rows { region { code parent { code } } category status period { start } cases closed } } }"#;

const CITY: &str = "361100";

/// The perturbation table as the attacker reads it: row → (perturbation, probability).
struct Table {
    rows: Vec<Vec<(i64, f64)>>,
}

impl Table {
    async fn read(app: &TestApp) -> Table {
        let m = app
            .data(
                "{ disclosureMethod { table { originalCount perturbations { perturbation probability } } } }",
                json!({}),
            )
            .await;
        let rows = m["disclosureMethod"]["table"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["perturbations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            p["perturbation"].as_i64().unwrap(),
                            p["probability"].as_f64().unwrap(),
                        )
                    })
                    .collect()
            })
            .collect();
        Table { rows }
    }

    fn row(&self, count: i64) -> &[(i64, f64)] {
        &self.rows[(count.max(0) as usize).min(self.rows.len() - 1)]
    }

    /// Every true count that could have been published as `published`.
    fn feasible(&self, published: i64) -> BTreeSet<i64> {
        let d = self.rows.len() as i64;
        (published - d..=published + d)
            .filter(|&t| t >= 0 && self.row(t).iter().any(|&(v, p)| p > 0.0 && t + v == published))
            .collect()
    }

    /// The probability that the perturbations of cells of true counts `plus` minus those of
    /// `minus` cancel out: the chance that the naive difference is exact.
    fn cancel(&self, plus: &[i64], minus: &[i64]) -> f64 {
        let mut dist: BTreeMap<i64, f64> = BTreeMap::from([(0, 1.0)]);
        for (t, sign) in plus.iter().map(|t| (t, 1)).chain(minus.iter().map(|t| (t, -1))) {
            let mut next = BTreeMap::new();
            for (s, p) in &dist {
                for &(v, q) in self.row(*t) {
                    *next.entry(s + sign * v).or_insert(0.0) += p * q;
                }
            }
            dist = next;
        }
        dist.get(&0).copied().unwrap_or(0.0)
    }
}

/// The values of x = a - (b1 + b2 + ...) consistent with the published a and b's (and the
/// published x itself when the attacker has it).
fn consistent(t: &Table, a: i64, bs: &[i64], x: Option<i64>) -> BTreeSet<i64> {
    let mut sums = BTreeSet::from([0i64]);
    for b in bs {
        let f = t.feasible(*b);
        sums = sums.iter().flat_map(|s| f.iter().map(move |v| s + v)).collect();
    }
    let mut out: BTreeSet<i64> = t
        .feasible(a)
        .iter()
        .flat_map(|a| sums.iter().map(move |s| a - s))
        .filter(|x| *x >= 0)
        .collect();
    if let Some(x) = x {
        let fx = t.feasible(x);
        out.retain(|v| fx.contains(v));
    }
    out
}

/// The tally of one attack class.
#[derive(Default)]
struct Tally {
    targets: usize,
    sizes: Vec<usize>,
    exact: usize,
    predicted: f64,
}

impl Tally {
    fn add(&mut self, set: &BTreeSet<i64>, truth: i64, estimate: i64, predicted: f64) {
        assert!(
            set.contains(&truth),
            "the truth {truth} is consistent with the answers: {set:?}"
        );
        self.targets += 1;
        self.sizes.push(set.len());
        self.exact += usize::from(estimate.max(0) == truth);
        self.predicted += predicted;
    }

    fn report(&self, class: &str) -> String {
        let min = self.sizes.iter().min().copied().unwrap_or(0);
        let mean = self.sizes.iter().sum::<usize>() as f64 / self.sizes.len().max(1) as f64;
        let n = self.targets.max(1) as f64;
        format!(
            "| {class} | {} | {min} | {mean:.1} | {:.3} | {:.3} |",
            self.targets,
            self.exact as f64 / n,
            self.predicted / n
        )
    }
}

/// Rows of a request, keyed by (region, category, period).
type Cells = BTreeMap<(String, Option<String>, Option<String>), (i64, i64)>;

async fn cells(app: &TestApp, vars: Value) -> Cells {
    let d = app.data(AGG, vars).await;
    d["enforcementAggregate"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["region"]["code"].as_str().unwrap_or("").to_owned(),
                    r["category"].as_str().map(str::to_owned),
                    r["period"]["start"].as_str().map(str::to_owned),
                ),
                (r["cases"].as_i64().unwrap(), r["closed"].as_i64().unwrap()),
            )
        })
        .collect()
}

/// Both views of one request: the truth (an analyst's) and the published (an anonymous caller's).
async fn both(app: &TestApp, vars: Value) -> (Cells, Cells) {
    app.act_as("analyst", None);
    let truth = cells(app, vars.clone()).await;
    app.act_anonymously();
    let published = cells(app, vars).await;
    assert_eq!(
        truth.keys().collect::<Vec<_>>(),
        published.keys().collect::<Vec<_>>(),
        "the same groups"
    );
    (truth, published)
}

fn small(n: i64) -> bool {
    (1..=4).contains(&n)
}

#[tokio::test]
async fn no_differencing_attack_recovers_a_small_cell_with_certainty() {
    let app = spawn_app_with(Seed::Full).await;
    app.act_anonymously();
    let table = Table::read(&app).await;
    let categories: Vec<String> = app
        .data(
            r#"{ __type(name: "CaseCategory") { enumValues { name } } }"#,
            json!({}),
        )
        .await["__type"]["enumValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect();
    let city = json!({"regionCode": CITY});
    let mut report = Vec::new();

    // The cases filed in one week by county and category: the small cells attacked below.
    let week = json!({"field": "FILED_ON", "from": "2024-03-04", "to": "2024-03-10"});
    let (truth, published) = both(&app, json!({"f": city, "g": ["REGION", "CATEGORY"], "p": week})).await;
    let (county_truth, county_pub) = both(&app, json!({"f": city, "g": ["REGION"], "p": week})).await;
    // Cases of the city's own court are grouped under the city: its counties' are attacked.
    let targets: Vec<_> = truth
        .iter()
        .filter(|(k, (n, _))| small(*n) && k.0 != CITY)
        .map(|(k, _)| k.clone())
        .collect();
    assert!(
        targets.len() >= 5,
        "the seed has small cells to attack: {truth:?}"
    );

    // 1. A count-where measure against grouping: the open cases of a county and category
    //    are its cases minus its `closed`; grouped by status, the closed cases are the same
    //    cell as the `closed` measure, so they publish the same value.
    let mut tally = Tally::default();
    for (key, (cases, closed)) in &truth {
        let open = cases - closed;
        if !small(open) {
            continue;
        }
        let (pc, pk) = published[key];
        let set = consistent(&table, pc, &[pk], None);
        tally.add(&set, open, pc - pk, table.cancel(&[*cases], &[*closed]));
    }
    app.act_anonymously();
    let by_status = cells(
        &app,
        json!({"f": {"regionCode": CITY, "statuses": ["CLOSED"]}, "g": ["REGION", "CATEGORY"], "p": week}),
    )
    .await;
    for (key, (cases, _)) in &by_status {
        assert_eq!(
            *cases, published[key].1,
            "CLOSED cases and the closed measure are one cell: {key:?}"
        );
    }
    report.push(tally.report("count-where measure vs grouping"));

    // 2. Filter lists that differ by one value: a county's cases minus its cases in every
    //    category but one. 5. Asked again, every answer is the same.
    let mut tally = Tally::default();
    for key in &targets {
        let (region, category) = (&key.0, key.1.as_deref().unwrap());
        let others: Vec<&String> = categories.iter().filter(|c| *c != category).collect();
        let vars = json!({"f": {"regionCode": region, "categories": others}, "g": ["REGION"], "p": week});
        app.act_as("analyst", None);
        let rest_truth = cells(&app, vars.clone()).await;
        app.act_anonymously();
        app.reset_statements();
        let rest = cells(&app, vars.clone()).await;
        // Protection sums the keys in the same statement: one GROUP BY, filtered or not.
        let statements = app.statements();
        assert_eq!(
            statements.iter().filter(|s| s.contains("GROUP BY")).count(),
            1,
            "{statements:#?}"
        );
        assert_eq!(
            rest,
            cells(&app, vars).await,
            "a repeated request is answered alike"
        );
        let k = (region.clone(), None, None);
        let (a, b) = (county_pub[&k].0, rest.get(&k).map_or(0, |v| v.0));
        let (ta, tb) = (county_truth[&k].0, rest_truth.get(&k).map_or(0, |v| v.0));
        let set = consistent(&table, a, &[b], Some(published[key].0));
        tally.add(&set, truth[key].0, a - b, table.cancel(&[ta], &[tb]));
    }
    report.push(tally.report("filter lists differing by one value"));

    // 4. Region levels: the city's cases of a category minus its other counties'.
    let (city_truth, city_pub) = both(
        &app,
        json!({"f": city, "g": ["REGION", "CATEGORY"], "l": "CITY", "p": week}),
    )
    .await;
    let mut tally = Tally::default();
    for key in &targets {
        let ck = (CITY.to_owned(), key.1.clone(), None);
        let others: Vec<_> = truth.keys().filter(|k| k.1 == key.1 && k.0 != key.0).collect();
        let bs: Vec<i64> = others.iter().map(|k| published[*k].0).collect();
        let tbs: Vec<i64> = others.iter().map(|k| truth[*k].0).collect();
        let set = consistent(&table, city_pub[&ck].0, &bs, Some(published[key].0));
        tally.add(
            &set,
            truth[key].0,
            city_pub[&ck].0 - bs.iter().sum::<i64>(),
            table.cancel(&[city_truth[&ck].0], &tbs),
        );
    }
    report.push(tally.report("region levels (city minus other counties)"));

    // 3. Nested windows (1 January to day d minus 1 January to day d - 1), and a daily
    //    series against its monthly total, for the small days of each county.
    let year = |k: &(String, Option<String>, Option<String>)| k.2.as_deref().map(|d| d[..4].to_owned());
    let (days_truth, days_pub) = both(
        &app,
        json!({"f": city, "g": ["REGION", "PERIOD"], "p": {"field": "FILED_ON", "granularity": "DAY", "from": "2024-01-01", "to": "2024-12-31"}}),
    )
    .await;
    let (months_truth, months_pub) = both(
        &app,
        json!({"f": city, "g": ["REGION", "PERIOD"], "p": {"field": "FILED_ON", "granularity": "MONTH", "from": "2024-01-01", "to": "2024-12-31"}}),
    )
    .await;
    let small_days: Vec<_> = days_truth
        .iter()
        .filter(|(k, (n, _))| small(*n) && k.0 != CITY && year(k).as_deref() == Some("2024"))
        .map(|(k, _)| k.clone())
        .take(12)
        .collect();
    assert!(!small_days.is_empty(), "the seed has small days");
    let mut nested = Tally::default();
    let mut monthly = Tally::default();
    for key in &small_days {
        let day: chrono::NaiveDate = key.2.as_deref().unwrap().parse().unwrap();
        let window = |to: chrono::NaiveDate| json!({"f": {"regionCode": key.0}, "g": ["REGION"], "p": {"field": "FILED_ON", "from": "2024-01-01", "to": to.to_string()}});
        let region = (key.0.clone(), None, None);
        let mut answers = Vec::new();
        for to in [day, day.pred_opt().unwrap()] {
            if to.format("%Y").to_string() != "2024" {
                answers.push((0, 0));
                continue;
            }
            let (t, p) = both(&app, window(to)).await;
            answers.push((
                t.get(&region).map_or(0, |v| v.0),
                p.get(&region).map_or(0, |v| v.0),
            ));
        }
        let set = consistent(&table, answers[0].1, &[answers[1].1], Some(days_pub[key].0));
        nested.add(
            &set,
            days_truth[key].0,
            answers[0].1 - answers[1].1,
            table.cancel(&[answers[0].0], &[answers[1].0]),
        );
        // The month minus its other days.
        let month = format!("{}-01", &key.2.as_deref().unwrap()[..7]);
        let mk = (key.0.clone(), None, Some(month.clone()));
        let others: Vec<_> = days_truth
            .keys()
            .filter(|k| k.0 == key.0 && k.2.as_deref().is_some_and(|d| d[..7] == month[..7]) && *k != key)
            .collect();
        let bs: Vec<i64> = others.iter().map(|k| days_pub[*k].0).collect();
        let tbs: Vec<i64> = others.iter().map(|k| days_truth[*k].0).collect();
        let set = consistent(&table, months_pub[&mk].0, &bs, Some(days_pub[key].0));
        monthly.add(
            &set,
            days_truth[key].0,
            months_pub[&mk].0 - bs.iter().sum::<i64>(),
            table.cancel(&[months_truth[&mk].0], &tbs),
        );
    }
    report.push(nested.report("nested windows (to day d minus to day d − 1)"));
    report.push(monthly.report("daily series against the monthly total"));

    println!(
        "| attack | small cells | fewest consistent values | mean consistent values | exact reconstructions | predicted by the table |\n|---|---|---|---|---|---|\n{}",
        report.join("\n")
    );
    for line in &report {
        let fewest: usize = line.split('|').nth(3).unwrap().trim().parse().unwrap();
        assert!(fewest >= 2, "an attack left one consistent value: {line}");
    }
}

const BY_COURT_AND_DAY: &str = r#"query($f: EnforcementAggregateFilter, $p: EnforcementAggregatePeriod) {
  enforcementAggregate(filter: $f, groupBy: [COURT, PERIOD], period: $p) {
    rows { court { id } period { start } cases closed } } }"#;

const COURT_KPIS: &str = r#"query($f: EnforcementKpiFilter) {
  enforcementKpis(filter: $f) { accepted closed actualClosed subjectAmount closureRate } }"#;

/// (court id, day) → (cases, closed) of one week, as the caller gets them.
async fn court_days(app: &TestApp) -> BTreeMap<(String, String), (i64, i64)> {
    let week = json!({"field": "FILED_ON", "granularity": "DAY", "from": "2024-03-04", "to": "2024-03-10"});
    let d = app
        .data(BY_COURT_AND_DAY, json!({"f": {"regionCode": CITY}, "p": week}))
        .await;
    d["enforcementAggregate"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["court"]["id"].as_str().unwrap().to_owned(),
                    r["period"]["start"].as_str().unwrap().to_owned(),
                ),
                (r["cases"].as_i64().unwrap(), r["closed"].as_i64().unwrap()),
            )
        })
        .collect()
}

/// 6. The KPI queries: `enforcementKpis` of one court over one day sums the daily
/// pre-aggregates, which keep the record keys' sums, so it is the aggregate's cell of that
/// court and day (the same records, the same key) and publishes the same value; a court's
/// KPIs over nested windows (from the 4th to day d, minus to day d − 1) leave as many values
/// as the aggregate's. Analysts get the exact counts from both.
#[tokio::test]
async fn kpi_queries_publish_the_aggregates_protected_cells() {
    let app = spawn_app_with(Seed::Full).await;
    app.act_anonymously();
    let table = Table::read(&app).await;
    app.act_as("analyst", None);
    let truth = court_days(&app).await;
    app.act_anonymously();
    let published = court_days(&app).await;
    let targets: Vec<_> = truth
        .iter()
        .filter(|(_, (n, _))| small(*n))
        .map(|(k, _)| k.clone())
        .collect();
    assert!(targets.len() >= 5, "the seed has small court-days: {truth:?}");

    let kpis = |court: &str, from: &str, to: &str| json!({"f": {"courtId": court, "filedFrom": from, "filedTo": to}});
    let mut tally = Tally::default();
    let mut protected_differs = 0;
    for (court, day) in &targets {
        let (cases, closed) = truth[&(court.clone(), day.clone())];
        let (pc, pk) = published[&(court.clone(), day.clone())];
        app.act_as("analyst", None);
        let exact = app.data(COURT_KPIS, kpis(court, day, day)).await;
        assert_eq!(exact["enforcementKpis"]["accepted"].as_i64(), Some(cases));
        assert_eq!(exact["enforcementKpis"]["closed"].as_i64(), Some(closed));
        app.act_anonymously();
        let one_day = app.data(COURT_KPIS, kpis(court, day, day)).await;
        let k = &one_day["enforcementKpis"];
        assert_eq!(
            (k["accepted"].as_i64(), k["closed"].as_i64()),
            (Some(pc), Some(pk)),
            "the KPIs of {court} on {day} are the aggregate's cell"
        );
        assert!(!small(pc), "no published count of 1 to 4: {pc}");
        protected_differs += usize::from(pc != cases);
        let expected_rate = (pc > 0).then(|| pk as f64 / pc as f64);
        assert_eq!(
            k["closureRate"].as_f64(),
            expected_rate,
            "the rate of the protected parts"
        );

        // Nested windows on the KPI path.
        let d: chrono::NaiveDate = day.parse().unwrap();
        let start = "2024-03-04";
        let prev = d.pred_opt().unwrap();
        let (a, ta) = {
            let p = app.data(COURT_KPIS, kpis(court, start, day)).await;
            app.act_as("analyst", None);
            let t = app.data(COURT_KPIS, kpis(court, start, day)).await;
            app.act_anonymously();
            (
                p["enforcementKpis"]["accepted"].as_i64().unwrap(),
                t["enforcementKpis"]["accepted"].as_i64().unwrap(),
            )
        };
        let (b, tb) = if prev.to_string().as_str() < start {
            (0, 0)
        } else {
            let p = app.data(COURT_KPIS, kpis(court, start, &prev.to_string())).await;
            app.act_as("analyst", None);
            let t = app.data(COURT_KPIS, kpis(court, start, &prev.to_string())).await;
            app.act_anonymously();
            (
                p["enforcementKpis"]["accepted"].as_i64().unwrap(),
                t["enforcementKpis"]["accepted"].as_i64().unwrap(),
            )
        };
        let set = consistent(&table, a, &[b], Some(pc));
        tally.add(&set, cases, a - b, table.cancel(&[ta], &[tb]));
    }
    assert!(protected_differs > 0, "small cells are perturbed");
    let line = tally.report("KPIs of a court over nested windows");
    println!("{line}");
    let fewest: usize = line.split('|').nth(3).unwrap().trim().parse().unwrap();
    assert!(fewest >= 2, "an attack left one consistent value: {line}");
}

const FUNERAL_STATS: &str = r#"query($d: Date) { funeralStats(filter: {regionCode: "522324", asOf: $d}) {
  gravePlots plotsAvailable plotsRegistered plotsSold projects tenderedCost fundingGap
  subsidies subsidiesAmount violationsRecorded } }"#;

const PLOT_CELL: &str = r#"{ gravePlotAggregate(filter: {regionCode: "522324"}, groupBy: []) {
  rows { plots available registered sold } } }"#;

/// The funeral statistics of report 5's county, with a few small cells added (plots sold,
/// subsidies paid, violations recorded, a day apart): `funeralStats` publishes the grouped
/// aggregate's protected cells to every caller who may not read funeral records (a court
/// officer too), and neither the subset of the plots sold nor nested dates recover a small
/// cell.
#[tokio::test]
async fn funeral_stats_publish_the_aggregates_protected_cells() {
    let app = spawn_app_with(Seed::Full).await;
    app.act_anonymously();
    let table = Table::read(&app).await;
    app.act_as("admin", None);
    for (i, day) in ["2025-07-01", "2025-07-02", "2025-07-03"].iter().enumerate() {
        let plot = app
            .data(
                r#"{ gravePlots(first: 1, filter: {status: AVAILABLE}) { nodes { id } } }"#,
                json!({}),
            )
            .await["gravePlots"]["nodes"][0]["id"]
            .clone();
        app.data(
            r#"mutation($p: ID!, $d: Date!, $price: Decimal!) {
                sellGravePlot(plotId: $p, holder: {name: "某户"}, soldOn: $d, price: $price) { status } }"#,
            json!({"p": plot, "d": day, "price": format!("{}.00", 12000 + 700 * i)}),
        )
        .await;
    }
    for day in ["2025-06-01", "2025-06-02"] {
        app.data(
            r#"mutation($d: Date!) { grantFuneralSubsidy(input: {regionCode: "522324", recipientName: "某人",
                amount: "1500.00", basis: "特困供养人员", paidOn: $d}) { id } }"#,
            json!({"d": day}),
        )
        .await;
    }
    for day in ["2025-05-01", "2025-05-02", "2025-05-03"] {
        app.data(
            r#"mutation($d: Date!) { recordFuneralViolation(input: {regionCode: "522324", place: "某山坡",
                occurredOn: $d}) { id } }"#,
            json!({"d": day}),
        )
        .await;
    }
    let stats = |d: &str| {
        let d = d.to_owned();
        let app = &app;
        async move { app.data(FUNERAL_STATS, json!({"d": d})).await["funeralStats"].clone() }
    };
    let int = |v: &Value, f: &str| v[f].as_i64().unwrap_or_else(|| panic!("{f} in {v}"));

    app.act_as("analyst", None);
    let exact = stats("2025-12-31").await;
    assert_eq!(int(&exact, "plotsSold"), 3);
    assert_eq!(int(&exact, "subsidies"), 2);
    assert_eq!(exact["subsidiesAmount"], "3000.00");
    assert_eq!(int(&exact, "violationsRecorded"), 3);

    app.act_anonymously();
    let published = stats("2025-12-31").await;
    let cell = app.data(PLOT_CELL, json!({})).await["gravePlotAggregate"]["rows"][0].clone();
    for (field, measure) in [
        ("gravePlots", "plots"),
        ("plotsAvailable", "available"),
        ("plotsRegistered", "registered"),
        ("plotsSold", "sold"),
    ] {
        assert_eq!(
            published[field], cell[measure],
            "{field} is the aggregate's protected cell"
        );
    }
    for field in ["plotsSold", "subsidies", "violationsRecorded"] {
        assert!(
            !small(int(&published, field)),
            "no published count of 1 to 4: {published}"
        );
    }
    assert_eq!(
        published["subsidiesAmount"],
        Value::Null,
        "two equal payments: each dominates the other"
    );
    // A court officer may not read funeral records: protected as well.
    app.act_as("court_officer", Some("522324"));
    assert_eq!(stats("2025-12-31").await, published);
    app.act_anonymously();
    // Report 5's figures: computed for the caller (protected), never judged against the
    // statement (a difference would be the noise); an analyst gets them judged.
    const FIGURES: &str =
        r#"{ reportedFigures(filter: {domain: "funeral"}) { metric computedValue consistent } }"#;
    let figures = app.data(FIGURES, json!({})).await["reportedFigures"].clone();
    let figures = figures.as_array().unwrap();
    assert!(
        figures.iter().any(|f| !f["computedValue"].is_null()),
        "{figures:?}"
    );
    assert!(figures.iter().all(|f| f["consistent"].is_null()), "{figures:?}");
    let issues = app.data("{ dataQualityIssues { kind } }", json!({})).await["dataQualityIssues"].clone();
    assert!(
        !issues
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "RECORDS_CONTRADICT"),
        "protected values are not judged: {issues}"
    );
    app.act_as("analyst", None);
    let judged = app.data(FIGURES, json!({})).await["reportedFigures"].clone();
    assert!(
        judged
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["consistent"].is_boolean()),
        "{judged}"
    );
    app.act_anonymously();

    // The plots sold as the plots less those available and registered.
    let mut subset = Tally::default();
    let set = consistent(
        &table,
        int(&published, "gravePlots"),
        &[
            int(&published, "plotsAvailable"),
            int(&published, "plotsRegistered"),
        ],
        Some(int(&published, "plotsSold")),
    );
    let naive = int(&published, "gravePlots")
        - int(&published, "plotsAvailable")
        - int(&published, "plotsRegistered");
    let predicted = table.cancel(
        &[int(&exact, "gravePlots")],
        &[int(&exact, "plotsAvailable"), int(&exact, "plotsRegistered")],
    );
    subset.add(&set, 3, naive, predicted);
    // One day's subsidies or violations as the counts to that day less those to the day before.
    let mut nested = Tally::default();
    for (field, days) in [
        ("subsidies", &["2025-06-01", "2025-06-02"][..]),
        (
            "violationsRecorded",
            &["2025-05-01", "2025-05-02", "2025-05-03"][..],
        ),
    ] {
        for day in days {
            let d: chrono::NaiveDate = day.parse().unwrap();
            let before = d.pred_opt().unwrap().to_string();
            let (a, b) = (stats(day).await, stats(&before).await);
            let (a, b) = (a[field].as_i64().unwrap_or(0), b[field].as_i64().unwrap_or(0));
            app.act_as("analyst", None);
            let (ta, tb) = (stats(day).await, stats(&before).await);
            app.act_anonymously();
            let (ta, tb) = (ta[field].as_i64().unwrap_or(0), tb[field].as_i64().unwrap_or(0));
            nested.add(
                &consistent(&table, a, &[b], None),
                ta - tb,
                a - b,
                table.cancel(&[ta], &[tb]),
            );
        }
    }
    for line in [
        subset.report("funeralStats: plots sold as a subset"),
        nested.report("funeralStats: nested dates"),
    ] {
        println!("{line}");
        let fewest: usize = line.split('|').nth(3).unwrap().trim().parse().unwrap();
        assert!(fewest >= 2, "an attack left one consistent value: {line}");
    }
}

const RURAL_STATS: &str = r#"{ ruralStats(filter: {regionCode: "152222", year: 2023}) {
  villages villagesWithIncome villagesIncomeUnknown villagesAtLeast30000 villagesAtLeast50000
  incomeThresholds { villagesAtOrAbove villagesBelow villagesUnknown shareAtOrAbove }
  partyMembersUnder35 shareUnder35 villagesUnderRectification } }"#;

/// Report 6's county with three villages' incomes of 2023 recorded (small cells: incomes at or
/// above the line, below it): `ruralStats` protects them for callers who may not read village
/// records, one cell keeps one value across its fields, and neither the complement of the
/// unknown incomes nor the villages below the line recover a small cell.
#[tokio::test]
async fn rural_stats_protect_small_cells_of_villages() {
    let app = spawn_app_with(Seed::Full).await;
    app.act_anonymously();
    let table = Table::read(&app).await;
    app.act_as("admin", None);
    for (name, under_35, income) in [
        ("甲村", 4, "42000.00"),
        ("乙村", 2, "28000.00"),
        ("丙村", 1, "61000.00"),
    ] {
        let v = app
            .data(
                r#"mutation($n: String!, $u: Int!) { createVillage(input: {regionCode: "L15222201", name: $n,
                    partyMembersUnder35: $u, partyMembers35To60: 9, partyMembersOver60: 7, reserveCadres: 3}) { id } }"#,
                json!({"n": name, "u": under_35}),
            )
            .await["createVillage"]["id"]
            .clone();
        app.data(
            r#"mutation($v: ID!, $a: Decimal!) { recordVillageIncome(villageId: $v, year: 2023, income: $a) { version } }"#,
            json!({"v": v, "a": income}),
        )
        .await;
    }
    let int = |v: &Value, f: &str| v[f].as_i64().unwrap_or_else(|| panic!("{f} in {v}"));
    app.act_as("analyst", None);
    let exact = app.data(RURAL_STATS, json!({})).await["ruralStats"].clone();
    assert_eq!(int(&exact, "villagesWithIncome"), 3);
    assert_eq!(int(&exact, "villagesAtLeast30000"), 2);
    assert_eq!(int(&exact["incomeThresholds"][0], "villagesBelow"), 1);
    assert_eq!(int(&exact, "partyMembersUnder35"), 7);

    app.act_anonymously();
    let published = app.data(RURAL_STATS, json!({})).await["ruralStats"].clone();
    let line = &published["incomeThresholds"][0];
    for v in [
        int(&published, "villagesWithIncome"),
        int(&published, "villagesAtLeast30000"),
        int(&published, "villagesAtLeast50000"),
        int(line, "villagesAtOrAbove"),
        int(line, "villagesBelow"),
    ] {
        assert!(!small(v), "no published count of 1 to 4: {published}");
    }
    assert_eq!(
        line["villagesAtOrAbove"], published["villagesAtLeast30000"],
        "the incomes at or above 30,000 yuan are one cell, one value: {published}"
    );
    let (above, below) = (int(line, "villagesAtOrAbove"), int(line, "villagesBelow"));
    assert_eq!(
        line["shareAtOrAbove"].as_f64(),
        (above + below > 0).then(|| above as f64 / (above + below) as f64),
        "the share of the protected parts"
    );
    // The villages with an income as all villages less those whose income is unknown; the
    // villages below the line as those with an income less those at or above it.
    let mut complement = Tally::default();
    let set = consistent(
        &table,
        int(&published, "villages"),
        &[int(&published, "villagesIncomeUnknown")],
        Some(int(&published, "villagesWithIncome")),
    );
    let naive = int(&published, "villages") - int(&published, "villagesIncomeUnknown");
    let predicted = table.cancel(
        &[int(&exact, "villages")],
        &[int(&exact, "villagesIncomeUnknown")],
    );
    complement.add(&set, 3, naive, predicted);
    let set = consistent(
        &table,
        int(&published, "villagesWithIncome"),
        &[above],
        Some(below),
    );
    let predicted = table.cancel(&[3], &[2]);
    complement.add(&set, 1, int(&published, "villagesWithIncome") - above, predicted);
    let line = complement.report("ruralStats: complements");
    println!("{line}");
    let fewest: usize = line.split('|').nth(3).unwrap().trim().parse().unwrap();
    assert!(fewest >= 2, "an attack left one consistent value: {line}");
}

const COMMUNITY_STATS: &str = r#"query($r: String) { communityStats(filter: {regionCode: $r, asOfYear: 2023}) {
  units staff female partyMembers residentPopulation
  byRegion { region { code } units }
  byRole { role staff byEducation { education staff } } } }"#;

const COMMUNITY_CELLS: &str = r#"query($r: String) {
  communityStaffAggregate(filter: {regionCode: $r}, groupBy: []) { rows { staff women partyMembers } }
  communityUnitAggregate(filter: {regionCode: $r, statuses: [ACTIVE]}, groupBy: [REGION], regionLevel: COUNTY) {
    rows { region { code } units } } }"#;

/// Report 7's city (140500): `communityStats` publishes the grouped aggregates' protected
/// cells (staff, women, party members of the city; active units of each county) to callers who
/// may not read community records, and a role's staff of one education level, as the role's
/// staff less its other levels, is never recovered with certainty (the city, each county, and
/// report 3's county).
#[tokio::test]
async fn community_stats_publish_the_aggregates_protected_cells() {
    let app = spawn_app_with(Seed::Full).await;
    app.act_anonymously();
    let table = Table::read(&app).await;
    let vars = json!({"r": "140500"});
    app.act_as("analyst", None);
    let exact = app.data(COMMUNITY_STATS, vars.clone()).await["communityStats"].clone();
    assert_eq!(exact["units"], 142);
    app.act_anonymously();
    let published = app.data(COMMUNITY_STATS, vars.clone()).await["communityStats"].clone();
    let cells = app.data(COMMUNITY_CELLS, vars).await;
    let staff = &cells["communityStaffAggregate"]["rows"][0];
    for (field, measure) in [
        ("staff", "staff"),
        ("female", "women"),
        ("partyMembers", "partyMembers"),
    ] {
        assert_eq!(
            published[field], staff[measure],
            "{field} is the aggregate's cell"
        );
    }
    let counties: BTreeMap<String, Value> = cells["communityUnitAggregate"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["region"]["code"].as_str().unwrap().to_owned(),
                r["units"].clone(),
            )
        })
        .collect();
    for row in published["byRegion"].as_array().unwrap() {
        let code = row["region"]["code"].as_str().unwrap();
        assert_eq!(
            row["units"], counties[code],
            "the units of {code} are the aggregate's cell"
        );
    }
    // A role's staff of one education level as the role's staff less the other levels.
    let roles = |v: &Value| -> BTreeMap<(String, String), i64> {
        let mut out = BTreeMap::new();
        for r in v["byRole"].as_array().unwrap() {
            let role = r["role"].as_str().unwrap().to_owned();
            out.insert((role.clone(), String::new()), r["staff"].as_i64().unwrap());
            for e in r["byEducation"].as_array().unwrap() {
                out.insert(
                    (role.clone(), e["education"].as_str().unwrap().to_owned()),
                    e["staff"].as_i64().unwrap(),
                );
            }
        }
        out
    };
    let mut tally = Tally::default();
    // The city, its counties, and report 3's county.
    let mut regions = vec!["140500".to_owned(), "L03".to_owned()];
    regions.extend(
        exact["byRegion"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["region"]["code"].as_str().unwrap().to_owned()),
    );
    for region in regions {
        let vars = json!({"r": region});
        app.act_as("analyst", None);
        let exact = app.data(COMMUNITY_STATS, vars.clone()).await["communityStats"].clone();
        app.act_anonymously();
        let published = app.data(COMMUNITY_STATS, vars).await["communityStats"].clone();
        let (truth, seen) = (roles(&exact), roles(&published));
        for ((role, level), &n) in truth.iter().filter(|((_, l), n)| !l.is_empty() && small(**n)) {
            assert!(
                !small(seen[&(role.clone(), level.clone())]),
                "no published count of 1 to 4"
            );
            let others: Vec<&(String, String)> = truth
                .keys()
                .filter(|(r, l)| r == role && !l.is_empty() && l != level)
                .collect();
            let total = seen[&(role.clone(), String::new())];
            let bs: Vec<i64> = others.iter().map(|k| seen[*k]).collect();
            let set = consistent(&table, total, &bs, Some(seen[&(role.clone(), level.clone())]));
            let true_others: Vec<i64> = others.iter().map(|k| truth[*k]).collect();
            let predicted = table.cancel(&[truth[&(role.clone(), String::new())]], &true_others);
            tally.add(&set, n, total - bs.iter().sum::<i64>(), predicted);
        }
    }
    assert!(
        tally.targets > 0,
        "the city and its counties have small role-by-education cells"
    );
    let line = tally.report("communityStats: a role's education level as the rest of the role");
    println!("{line}");
    let fewest: usize = line.split('|').nth(3).unwrap().trim().parse().unwrap();
    assert!(fewest >= 2, "an attack left one consistent value: {line}");
}

//! Data-quality rules over the reported figures (no GraphQL here): a report's parts that do
//! not add up to its total, a part larger than its whole, a share whose count and base imply
//! another value (or whose count implies another base), and a quantity stated twice with
//! values that cannot both hold. The rules know how metrics relate (a role's breakdowns by
//! education or age band are parts of the role; `partyMemberShare` is `partyMembers /
//! staff`) and compare the intervals the figures admit (`stated.rs`: "不足50%" admits what is
//! below 0.5, "55%" what rounds to 0.55); the issues are found by applying them to the stated
//! figures, never typed in. Figures the records contradict are found through the metric
//! registry by the resolver.

use entity::survey::reported_figure as figure;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

use crate::stated::of_figure;

/// A share the reports state with the count and base it is the ratio of.
pub const SHARES: &[(&str, &str, &str)] = &[
    ("partyMemberShare", "partyMembers", "staff"),
    ("femaleShare", "femaleStaff", "staff"),
    ("agricultureUnitShare", "agricultureUnits", "units"),
    ("nonAgriculturalUnitShare", "nonAgriculturalUnits", "units"),
    ("enterpriseUnitShare", "enterpriseUnits", "units"),
    (
        "ruralTalentsFarmingShare",
        "rural_talents_farming",
        "rural_talents",
    ),
    ("actualClosureRate", "actualClosed", "accepted"),
    ("closureRate", "closed", "accepted"),
    ("recoveryRate", "recoveredAmount", "subjectAmount"),
    ("terminatedThisRoundRate", "terminatedThisRound", "closed"),
    ("mediationRate", "mediatedCases", "accepted"),
];

/// A total the reports state with parts that make it up (besides the automatic breakdowns).
pub const SUMS: &[(&str, &[&str])] = &[("membersAndWorkers", &["cadres", "fullTimeWorkers"])];

/// How serious an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// A breakdown covers less than its total: some attribute is unknown.
    Warning,
    /// The figures cannot all be true.
    Error,
}

/// What rule found an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A breakdown does not add up to its total.
    PartsDoNotAddUp,
    /// A share does not match its count and base: the base its count implies is not the
    /// stated one.
    ShareMismatch,
    /// The records give another value than the report states.
    RecordsContradict,
    /// A part is larger than its whole.
    PartExceedsWhole,
    /// One report states the same quantity twice with values that cannot both hold.
    StatedTwiceApart,
}

/// One issue: the report, the figures involved and the arithmetic that shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub kind: Kind,
    pub severity: Severity,
    pub report_no: i32,
    pub region_code: String,
    pub figure_ids: Vec<i64>,
    pub arithmetic: String,
}

fn value(f: &figure::Model) -> Option<Decimal> {
    f.value.parse().ok()
}

/// A figure as the arithmetic shows it: its value, or its interval when it is a bound.
fn shown(f: &figure::Model) -> String {
    match of_figure(f) {
        Some(i) if f.qualifier != crate::stated::Qualifier::Exact.as_str() => format!("{} {i}", f.metric),
        _ => format!("{} = {}", f.metric, f.value),
    }
}

/// Whether the records' value agrees with a stated figure: an exact figure when the value
/// rounds to it at the places stated, a bound when the value lies in its interval, and a
/// value that is itself an interval (derived from bounds) when it shares a value with the
/// figure's; `None` when the value is undefined.
pub fn agrees(value: crate::figures::MetricValue, f: &figure::Model) -> Option<bool> {
    if let crate::figures::MetricValue::Bounded(_, interval) = value {
        return Some(!interval.apart(&of_figure(f)?));
    }
    if f.qualifier == crate::stated::Qualifier::Exact.as_str() {
        return value.matches(&f.value);
    }
    Some(of_figure(f)?.contains(value.to_decimal()?))
}

/// A report's figures about one region and period: report, region, first and last day.
type Group = (i32, String, chrono::NaiveDate, chrono::NaiveDate);

/// The internal inconsistencies of the stated figures: rules applied to each report's
/// figures about one region and period.
pub fn internal_issues(figures: &[figure::Model]) -> Vec<Issue> {
    let mut groups: BTreeMap<Group, HashMap<&str, Vec<&figure::Model>>> = BTreeMap::new();
    for f in figures {
        groups
            .entry((f.report_no, f.region_code.clone(), f.period_start, f.period_end))
            .or_default()
            .entry(f.metric.as_str())
            .or_default()
            .push(f);
    }
    let mut issues = Vec::new();
    for ((report_no, region_code, _, _), statements) in &groups {
        let issue = |kind, severity, ids: Vec<i64>, arithmetic: String| Issue {
            kind,
            severity,
            report_no: *report_no,
            region_code: region_code.clone(),
            figure_ids: ids,
            arithmetic,
        };
        // The same quantity stated twice: every pair of statements must admit a common value.
        let mut metrics: Vec<&&str> = statements.keys().collect();
        metrics.sort();
        for metric in metrics {
            let mut said = statements[*metric].clone();
            said.sort_by_key(|f| f.statement_no);
            for (i, a) in said.iter().enumerate() {
                for b in &said[i + 1..] {
                    let (Some(ia), Some(ib)) = (of_figure(a), of_figure(b)) else {
                        continue;
                    };
                    if ia.apart(&ib) {
                        issues.push(issue(
                            Kind::StatedTwiceApart,
                            Severity::Error,
                            vec![a.id, b.id],
                            format!(
                                "{metric} is stated as {} ({}) and as {} ({}): no value is in both",
                                ia,
                                a.value,
                                ib,
                                b.value
                            ),
                        ));
                    }
                }
            }
        }
        // Sums and shares read each metric's first statement.
        let by_metric: HashMap<&str, &figure::Model> = statements
            .iter()
            .filter_map(|(m, said)| Some((*m, *said.iter().min_by_key(|f| f.statement_no)?)))
            .collect();
        // Breakdowns named `<total>.<dimension>.<value>` are parts of `<total>`.
        let mut breakdowns: BTreeMap<(&str, &str), Vec<&figure::Model>> = BTreeMap::new();
        for (metric, f) in &by_metric {
            let mut it = metric.splitn(3, '.');
            if let (Some(total), Some(dimension), Some(_)) = (it.next(), it.next(), it.next()) {
                breakdowns.entry((total, dimension)).or_default().push(f);
            }
        }
        let mut sums: Vec<(&figure::Model, Vec<&figure::Model>)> = Vec::new();
        for ((total, _), mut parts) in breakdowns {
            if let Some(t) = by_metric.get(total) {
                parts.sort_by_key(|p| p.id);
                sums.push((t, parts));
            }
        }
        for (total, parts) in SUMS {
            if let Some(t) = by_metric.get(total) {
                let found: Vec<&figure::Model> =
                    parts.iter().filter_map(|p| by_metric.get(p).copied()).collect();
                if found.len() == parts.len() {
                    sums.push((t, found));
                }
            }
        }
        for (total, parts) in sums {
            let (Some(t), Some(values), Some(whole), Some(intervals)) = (
                value(total),
                parts.iter().map(|p| value(p)).collect::<Option<Vec<_>>>(),
                of_figure(total),
                parts.iter().map(|p| of_figure(p)).collect::<Option<Vec<_>>>(),
            ) else {
                continue;
            };
            let Some(first) = intervals.first() else {
                continue;
            };
            let sum_interval = intervals[1..].iter().fold(*first, |acc, i| acc.plus(i));
            let (too_many, too_few) = (sum_interval.above(&whole), whole.above(&sum_interval));
            if !too_many && !too_few {
                continue;
            }
            let sum: Decimal = values.iter().sum();
            let terms: Vec<String> = values.iter().map(Decimal::to_string).collect();
            let mut ids = vec![total.id];
            ids.extend(parts.iter().map(|p| p.id));
            let relation = if too_many { ">" } else { "<" };
            issues.push(issue(
                Kind::PartsDoNotAddUp,
                if too_many {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                ids,
                format!(
                    "{} = {sum} {relation} {t} = {}; {} {} ({})",
                    terms.join(" + "),
                    total.metric,
                    (sum - t).abs(),
                    if too_many { "too many" } else { "unaccounted for" },
                    parts
                        .iter()
                        .map(|p| p.metric.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ));
        }
        for (share, part, whole) in SHARES {
            let (Some(s), Some(p), Some(w)) =
                (by_metric.get(share), by_metric.get(part), by_metric.get(whole))
            else {
                continue;
            };
            let (Some(si), Some(pi), Some(wi)) = (of_figure(s), of_figure(p), of_figure(w)) else {
                continue;
            };
            if pi.above(&wi) {
                issues.push(issue(
                    Kind::PartExceedsWhole,
                    Severity::Error,
                    vec![w.id, p.id],
                    format!(
                        "{} > {}: the part is larger than its whole, or {share} has a base the report does not state",
                        shown(p),
                        shown(w)
                    ),
                ));
            }
            let Some(ratio) = pi.over(&wi) else {
                continue;
            };
            if !ratio.apart(&si) {
                continue;
            }
            let (Some(sv), Some(pv), Some(wv)) = (value(s), value(p), value(w)) else {
                continue;
            };
            let Some(actual) = pv.checked_div(wv) else {
                continue;
            };
            let implied = pi
                .over(&si)
                .map(|base| format!("; {pv} / {share} implies {whole} in {}", base.rounded(1)))
                .unwrap_or_default();
            issues.push(issue(
                Kind::ShareMismatch,
                Severity::Error,
                vec![s.id, p.id, w.id],
                format!(
                    "{part} / {whole} = {pv} / {wv} = {} ≠ {share} = {sv} as stated{implied}",
                    actual.round_dp(6).normalize()
                ),
            ));
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: i64, metric: &str, value: &str) -> figure::Model {
        figure::Model {
            id,
            report_no: 3,
            domain: "community".into(),
            metric: metric.into(),
            region_code: "L03".into(),
            period_start: chrono::NaiveDate::from_ymd_opt(2023, 9, 1).unwrap(),
            period_end: chrono::NaiveDate::from_ymd_opt(2023, 9, 1).unwrap(),
            value: value.into(),
            unit: "person".into(),
            source_text: String::new(),
            note: None,
            qualifier: "exact".into(),
            lower: None,
            lower_closed: true,
            upper: None,
            upper_closed: true,
            statement_no: 1,
        }
    }

    #[test]
    fn the_rules_find_shares_and_sums_that_do_not_hold() {
        let figures = [
            f(1, "staff", "112"),
            f(2, "partyMembers", "85"),
            f(3, "partyMemberShare", "0.787"),
            f(4, "socialWorkers", "37"),
            f(5, "socialWorkers.education.secondary", "4"),
            f(6, "socialWorkers.education.juniorCollege", "13"),
            f(7, "socialWorkers.education.bachelor", "17"),
            f(8, "cadres", "46"),
            f(9, "cadres.age.upTo35", "20"),
            f(10, "cadres.age.36to50", "24"),
            f(11, "cadres.age.over50", "2"),
        ];
        let issues = internal_issues(&figures);
        assert_eq!(issues.len(), 2, "{issues:#?}");
        assert!(
            issues
                .iter()
                .any(|i| i.kind == Kind::ShareMismatch && i.figure_ids == [3, 2, 1])
        );
        let sum = issues.iter().find(|i| i.kind == Kind::PartsDoNotAddUp).unwrap();
        assert_eq!(sum.severity, Severity::Warning);
        assert!(
            sum.arithmetic.starts_with("4 + 13 + 17 = 34 < 37"),
            "{}",
            sum.arithmetic
        );
    }

    #[test]
    fn the_rules_find_a_quantity_stated_twice_apart_and_a_part_above_its_whole() {
        // Report 6: "普及率达到55%" and, later, "实际覆盖率不足50%".
        let under = |id: i64, bound: &str| figure::Model {
            qualifier: "less_than".into(),
            upper: Some(bound.into()),
            upper_closed: false,
            statement_no: 2,
            ..f(id, "sanitary_toilet_rate", bound)
        };
        // Report 2: "受理执行案件2606件" and "调解案件2772件,调解率39.39%".
        let figures = [
            f(1, "sanitary_toilet_rate", "0.55"),
            under(2, "0.5"),
            f(3, "accepted", "2606"),
            f(4, "mediatedCases", "2772"),
            f(5, "mediationRate", "0.3939"),
        ];
        let issues = internal_issues(&figures);
        let found: Vec<(Kind, Vec<i64>)> = issues.iter().map(|i| (i.kind, i.figure_ids.clone())).collect();
        assert_eq!(
            found,
            [
                (Kind::StatedTwiceApart, vec![1, 2]),
                (Kind::PartExceedsWhole, vec![3, 4]),
                (Kind::ShareMismatch, vec![5, 4, 3]),
            ],
            "{issues:#?}"
        );
        assert_eq!(
            issues[0].arithmetic,
            "sanitary_toilet_rate is stated as [0.545, 0.555] (0.55) and as (−∞, 0.5) (0.5): no value is in both"
        );
        assert!(issues[1].arithmetic.starts_with("mediatedCases = 2772 > accepted = 2606"));
        assert!(
            issues[2]
                .arithmetic
                .ends_with("2772 / mediationRate implies accepted in [7036.4, 7038.3]"),
            "{}",
            issues[2].arithmetic
        );
        // A bound that admits the other statement is no contradiction.
        let issues = internal_issues(&[f(1, "sanitary_toilet_rate", "0.55"), under(2, "0.6")]);
        assert!(issues.is_empty(), "{issues:#?}");
    }
}

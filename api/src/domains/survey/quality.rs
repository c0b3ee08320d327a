//! Data-quality rules over the reported figures (no GraphQL here): a report's parts that do
//! not add up to its total, and a share that does not match its count and base. The rules
//! know how metrics relate (a role's breakdowns by education or age band are parts of the
//! role; `partyMemberShare` is `partyMembers / staff`); the issues are found by applying them
//! to the stated figures, never typed in. Figures the records contradict are found through
//! the metric registry by the resolver.

use entity::survey::reported_figure as figure;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

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
    /// A share does not match its count and base.
    ShareMismatch,
    /// The records give another value than the report states.
    RecordsContradict,
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

/// The internal inconsistencies of the stated figures: rules applied to each report's
/// figures about one region and period.
pub fn internal_issues(figures: &[figure::Model]) -> Vec<Issue> {
    let mut groups: BTreeMap<
        (i32, String, chrono::NaiveDate, chrono::NaiveDate),
        HashMap<&str, &figure::Model>,
    > = BTreeMap::new();
    for f in figures {
        groups
            .entry((f.report_no, f.region_code.clone(), f.period_start, f.period_end))
            .or_default()
            .insert(f.metric.as_str(), f);
    }
    let mut issues = Vec::new();
    for ((report_no, region_code, _, _), by_metric) in &groups {
        let issue = |kind, severity, ids: Vec<i64>, arithmetic: String| Issue {
            kind,
            severity,
            report_no: *report_no,
            region_code: region_code.clone(),
            figure_ids: ids,
            arithmetic,
        };
        // Breakdowns named `<total>.<dimension>.<value>` are parts of `<total>`.
        let mut breakdowns: BTreeMap<(&str, &str), Vec<&figure::Model>> = BTreeMap::new();
        for (metric, f) in by_metric {
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
            let (Some(t), Some(values)) = (
                value(total),
                parts.iter().map(|p| value(p)).collect::<Option<Vec<_>>>(),
            ) else {
                continue;
            };
            let sum: Decimal = values.iter().sum();
            if sum != t {
                let terms: Vec<String> = values.iter().map(Decimal::to_string).collect();
                let severity = if sum > t {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                let mut ids = vec![total.id];
                ids.extend(parts.iter().map(|p| p.id));
                let relation = if sum > t { ">" } else { "<" };
                issues.push(issue(
                    Kind::PartsDoNotAddUp,
                    severity,
                    ids,
                    format!(
                        "{} = {sum} {relation} {t} = {}; {} {} ({})",
                        terms.join(" + "),
                        total.metric,
                        if sum > t { sum - t } else { t - sum },
                        if sum > t { "too many" } else { "unaccounted for" },
                        parts
                            .iter()
                            .map(|p| p.metric.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ));
            }
        }
        for (share, part, whole) in SHARES {
            let (Some(s), Some(p), Some(w)) =
                (by_metric.get(share), by_metric.get(part), by_metric.get(whole))
            else {
                continue;
            };
            let (Some(sv), Some(pv), Some(wv)) = (value(s), value(p), value(w)) else {
                continue;
            };
            if wv.is_zero() {
                continue;
            }
            let Some(actual) = pv.checked_div(wv) else {
                continue;
            };
            let places = sv.scale();
            let rounded =
                actual.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            if rounded != sv {
                issues.push(issue(
                    Kind::ShareMismatch,
                    Severity::Error,
                    vec![s.id, p.id, w.id],
                    format!(
                        "{part} / {whole} = {pv} / {wv} = {} ≠ {share} = {sv} as stated",
                        actual.round_dp(6).normalize()
                    ),
                ));
            }
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
}

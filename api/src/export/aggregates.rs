//! Exports of the grouped aggregates (`GET /export/enforcementAggregate.csv?groupBy=...`): one
//! GraphQL request of the aggregate with the export's parameters. Each domain lists its
//! exportable aggregates (`domains::exports`) with their key columns.

use std::collections::HashMap;

use super::{Column, Kind};
use crate::aggregate::Dataset;
use crate::error::{AppError, AppResult};

/// A key column beyond region and period: the GraphQL selection and where its value is.
pub struct KeyColumn {
    /// The row field with its sub-selection (`court { name }`).
    pub selection: &'static str,
    /// The path of the value in a row (`["court", "name"]`); its first step names the
    /// dataset's dimension, whose Chinese name heads the column.
    pub path: &'static [&'static str],
    /// The column's English name.
    pub en: &'static str,
}

/// An exportable aggregate: its GraphQL field and argument types, and its columns.
pub struct ExportSpec {
    /// The GraphQL field, also the file name (`enforcementAggregate`).
    pub field: &'static str,
    pub filter_type: &'static str,
    pub key_type: &'static str,
    pub period_type: &'static str,
    pub dataset: &'static std::sync::LazyLock<Dataset>,
    pub keys: &'static [KeyColumn],
}

impl ExportSpec {
    pub(super) fn columns(&self) -> Vec<Column> {
        let typed = |path: &[&str], zh: &str, en: &str, kind: Kind| Column::new(path, zh, en, kind);
        let col = |path: &[&str], zh: &str, en: &str| typed(path, zh, en, Kind::Text);
        let mut columns = vec![
            col(&["region", "code"], "区划代码", "regionCode"),
            col(&["region", "name"], "区划名称", "regionName"),
        ];
        columns.extend(self.keys.iter().map(|k| {
            let zh = self
                .dataset
                .dimensions
                .iter()
                .find(|d| d.name == k.path[0])
                .map_or(k.en, |d| d.zh);
            col(k.path, zh, k.en)
        }));
        columns.push(col(&["period", "label"], "时段", "period"));
        columns.push(typed(&["period", "start"], "时段起", "periodStart", Kind::Date));
        columns.push(typed(&["period", "end"], "时段止", "periodEnd", Kind::Date));
        columns.push(typed(&["suppressed"], "已抑制", "suppressed", Kind::Flag));
        for m in &self.dataset.measures {
            columns.push(typed(&[m.name], m.zh, m.name, Kind::Number));
        }
        for r in &self.dataset.rates {
            columns.push(typed(&[r.name], r.zh, r.name, Kind::Number));
        }
        columns
    }

    /// The GraphQL query of an export.
    pub(super) fn query(&self) -> String {
        let mut fields: Vec<String> = vec![
            "region { code name }".into(),
            "period { label start end }".into(),
            "suppressed".into(),
        ];
        fields.extend(self.keys.iter().map(|k| k.selection.to_owned()));
        fields.extend(self.dataset.measures.iter().map(|m| m.name.to_owned()));
        fields.extend(self.dataset.rates.iter().map(|r| r.name.to_owned()));
        format!(
            "query Export($f: {filter}, $g: [{key}!]!, $l: RegionLevel, $p: {period}) {{ \
             {field}(filter: $f, groupBy: $g, regionLevel: $l, period: $p) {{ rows {{ {fields} }} }} }}",
            filter = self.filter_type,
            key = self.key_type,
            period = self.period_type,
            field = self.field,
            fields = fields.join(" "),
        )
    }
}

/// The variables of an aggregate export's query from its parameters: `groupBy=REGION,PERIOD
/// &regionLevel=CITY&granularity=QUARTER&timeField=FILED_ON&timeZone=...&from=...&to=...
/// &filter={json}`.
pub(super) fn variables(query: &HashMap<String, String>) -> AppResult<serde_json::Value> {
    const KNOWN: [&str; 8] = [
        "groupBy",
        "regionLevel",
        "granularity",
        "timeField",
        "timeZone",
        "from",
        "to",
        "filter",
    ];
    if let Some(unknown) = query.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(AppError::bad_input(
            unknown,
            format!(
                "unknown parameter {unknown:?}; the parameters are {}",
                KNOWN.join(", ")
            ),
        ));
    }
    let list = |v: &str| -> Vec<serde_json::Value> {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| serde_json::Value::String(s.to_owned()))
            .collect()
    };
    let group_by = query.get("groupBy").map(|v| list(v)).unwrap_or_default();
    let filter = match query.get("filter") {
        Some(text) => Some(
            serde_json::from_str::<serde_json::Value>(text)
                .map_err(|e| AppError::bad_input("filter", format!("filter is not JSON: {e}")))?,
        ),
        None => None,
    };
    let mut period = serde_json::Map::new();
    for (param, key) in [
        ("granularity", "granularity"),
        ("timeField", "field"),
        ("timeZone", "timeZone"),
        ("from", "from"),
        ("to", "to"),
    ] {
        if let Some(v) = query.get(param) {
            period.insert(key.into(), serde_json::Value::String(v.clone()));
        }
    }
    let variables = serde_json::json!({
        "f": filter,
        "g": group_by,
        "l": query.get("regionLevel"),
        "p": if period.is_empty() { serde_json::Value::Null } else { serde_json::Value::Object(period) },
    });
    Ok(variables)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_export_names_its_columns_in_both_languages() {
        for spec in crate::domains::exports() {
            let q = spec.query();
            assert!(q.contains(spec.field), "{q}");
            for k in spec.keys {
                assert!(
                    spec.dataset.dimensions.iter().any(|d| d.name == k.path[0]),
                    "{}: {} is no dimension",
                    spec.field,
                    k.path[0]
                );
            }
            for c in spec.columns() {
                assert!(c.header.contains(" (") && c.header.ends_with(')'), "{}", c.header);
            }
        }
    }
}

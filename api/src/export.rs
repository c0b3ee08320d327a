//! File exports of the grouped aggregates for BI tools (`GET /export/<dataset>.csv`): the
//! same query as GraphQL, run through the schema with the caller's token, so that filters,
//! permissions, scope and disclosure control are the API's own; the rows are written as CSV
//! (UTF-8 with a byte-order mark, so that Excel opens Chinese text) with a header of Chinese
//! and English names; every export is audited. Each domain lists its exportable aggregates
//! (`domains::exports`).

use std::collections::HashMap;

use crate::aggregate::Dataset;
use crate::error::{AppError, AppResult};

/// A key column beyond region and period: the GraphQL selection and where its value is.
pub struct KeyColumn {
    /// The row field with its sub-selection (`court { name }`).
    pub selection: &'static str,
    /// The path of the value in a row (`["court", "name"]`).
    pub path: &'static [&'static str],
    pub zh: &'static str,
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

/// A column of the file.
struct Column {
    path: Vec<String>,
    header: String,
}

impl ExportSpec {
    fn columns(&self) -> Vec<Column> {
        let col = |path: &[&str], zh: &str, en: &str| Column {
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            header: format!("{zh} ({en})"),
        };
        let mut columns = vec![
            col(&["region", "code"], "区划代码", "regionCode"),
            col(&["region", "name"], "区划名称", "regionName"),
        ];
        columns.extend(self.keys.iter().map(|k| col(k.path, k.zh, k.en)));
        columns.push(col(&["period", "label"], "时段", "period"));
        columns.push(col(&["period", "start"], "时段起", "periodStart"));
        columns.push(col(&["period", "end"], "时段止", "periodEnd"));
        columns.push(col(&["suppressed"], "已抑制", "suppressed"));
        for m in &self.dataset.measures {
            columns.push(col(&[m.name], m.zh, m.name));
        }
        for r in &self.dataset.rates {
            columns.push(col(&[r.name], r.zh, r.name));
        }
        columns
    }

    /// The GraphQL query of an export.
    fn query(&self) -> String {
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

/// An export request: the spec and the GraphQL request of its parameters.
pub struct Prepared {
    pub spec: &'static ExportSpec,
    pub request: async_graphql::Request,
    /// The parameters, for the audit log.
    pub parameters: serde_json::Value,
}

/// Parses `GET /export/<name>.csv?groupBy=REGION,PERIOD&regionLevel=CITY&granularity=QUARTER
/// &timeField=FILED_ON&timeZone=...&from=...&to=...&filter={json}`.
pub fn prepare(
    specs: &[&'static ExportSpec],
    name: &str,
    query: &HashMap<String, String>,
) -> AppResult<Prepared> {
    let (field, format) = name
        .rsplit_once('.')
        .ok_or_else(|| AppError::NotFound(format!("no export {name:?}: name a dataset and .csv")))?;
    let spec = *specs.iter().find(|s| s.field == field).ok_or_else(|| {
        let names: Vec<&str> = specs.iter().map(|s| s.field).collect();
        AppError::NotFound(format!(
            "no dataset {field:?}; the datasets are {}",
            names.join(", ")
        ))
    })?;
    if format != "csv" {
        return Err(AppError::NotFound(format!(
            "no {format:?} export: .csv is served"
        )));
    }
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
    let request = async_graphql::Request::new(spec.query())
        .variables(async_graphql::Variables::from_json(variables.clone()));
    Ok(Prepared {
        spec,
        request,
        parameters: variables,
    })
}

/// The CSV file of an export's rows: a byte-order mark, the header, one line per row.
pub fn csv(spec: &ExportSpec, data: &serde_json::Value) -> AppResult<Vec<u8>> {
    let columns = spec.columns();
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let internal = |e: csv::Error| AppError::Internal(anyhow::anyhow!("writing the export: {e}"));
        w.write_record(columns.iter().map(|c| c.header.as_str()))
            .map_err(internal)?;
        let rows = data[spec.field]["rows"].as_array().cloned().unwrap_or_default();
        for row in &rows {
            let record = columns.iter().map(|c| {
                let mut v = row;
                for p in &c.path {
                    v = &v[p.as_str()];
                }
                match v {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                }
            });
            w.write_record(record).map_err(internal)?;
        }
        w.flush()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the export: {e}")))?;
    }
    Ok(out)
}

/// The number of rows of an export's data.
pub fn rows(spec: &ExportSpec, data: &serde_json::Value) -> usize {
    data[spec.field]["rows"].as_array().map_or(0, Vec::len)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_export_names_its_columns_in_both_languages() {
        for spec in crate::domains::exports() {
            let q = spec.query();
            assert!(q.contains(spec.field), "{q}");
            for c in spec.columns() {
                assert!(c.header.contains(" (") && c.header.ends_with(')'), "{}", c.header);
            }
        }
    }
}

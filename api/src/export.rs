//! File exports of the grouped aggregates for BI tools (`GET /export/<dataset>.csv` and
//! `.xlsx`): the
//! same query as GraphQL, run through the schema with the caller's token, so that filters,
//! permissions, scope and disclosure control are the API's own; the rows are written as CSV
//! (UTF-8 with a byte-order mark, so that Excel opens Chinese text) or as an XLSX workbook
//! (typed cells, a new sheet past Excel's row limit), with a header of Chinese and English
//! names; every export is audited. Each domain lists its exportable aggregates
//! (`domains::exports`).

use std::collections::HashMap;

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

/// What a column holds, for typed spreadsheet cells.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Date,
    Flag,
}

/// A column of the file.
struct Column {
    path: Vec<String>,
    header: String,
    kind: Kind,
}

impl ExportSpec {
    fn columns(&self) -> Vec<Column> {
        let typed = |path: &[&str], zh: &str, en: &str, kind: Kind| Column {
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            header: format!("{zh} ({en})"),
            kind,
        };
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

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// An export request: the spec and the GraphQL request of its parameters.
pub struct Prepared {
    pub spec: &'static ExportSpec,
    pub format: Format,
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
    let format = match format {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        other => {
            return Err(AppError::NotFound(format!(
                "no {other:?} export: .csv and .xlsx are served"
            )));
        }
    };
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
        format,
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
            let record = columns.iter().map(|c| match value_at(row, &c.path) {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            w.write_record(record).map_err(internal)?;
        }
        w.flush()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the export: {e}")))?;
    }
    Ok(out)
}

/// Data rows on one worksheet: Excel's 1,048,576 rows less the header.
pub const XLSX_ROWS_PER_SHEET: usize = 1_048_575;

fn value_at<'a>(row: &'a serde_json::Value, path: &[String]) -> &'a serde_json::Value {
    let mut v = row;
    for p in path {
        v = &v[p.as_str()];
    }
    v
}

/// The XLSX workbook of an export's rows: typed cells (numbers, dates, booleans), the header
/// on each sheet, a new sheet every `rows_per_sheet` rows.
pub fn xlsx(spec: &ExportSpec, data: &serde_json::Value, rows_per_sheet: usize) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
    let internal = |e: XlsxError| AppError::Internal(anyhow::anyhow!("writing the export: {e}"));
    let columns = spec.columns();
    let rows = data[spec.field]["rows"].as_array().cloned().unwrap_or_default();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut workbook = Workbook::new();
    let chunks: Vec<&[serde_json::Value]> = if rows.is_empty() {
        vec![&[]]
    } else {
        rows.chunks(rows_per_sheet.max(1)).collect()
    };
    for (sheet, chunk) in chunks.into_iter().enumerate() {
        let ws = workbook.add_worksheet();
        ws.set_name(format!(
            "{} {}",
            spec.field.chars().take(25).collect::<String>(),
            sheet + 1
        ))
        .map_err(internal)?;
        for (c, column) in columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, &column.header, &bold)
                .map_err(internal)?;
        }
        for (r, row) in chunk.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, column) in columns.iter().enumerate() {
                let c = c as u16;
                match (column.kind, value_at(row, &column.path)) {
                    (_, serde_json::Value::Null) => {}
                    (Kind::Flag, serde_json::Value::Bool(b)) => {
                        ws.write_boolean(r, c, *b).map_err(internal)?;
                    }
                    (Kind::Number, serde_json::Value::Number(n)) => {
                        ws.write_number(r, c, n.as_f64().unwrap_or_default())
                            .map_err(internal)?;
                    }
                    (Kind::Number, serde_json::Value::String(s)) if s.parse::<f64>().is_ok() => {
                        ws.write_number(r, c, s.parse::<f64>().unwrap_or_default())
                            .map_err(internal)?;
                    }
                    (Kind::Date, serde_json::Value::String(s)) => match s.parse::<chrono::NaiveDate>() {
                        Ok(d) => {
                            use chrono::Datelike as _;
                            let d = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                                .map_err(internal)?;
                            ws.write_datetime_with_format(r, c, &d, &date).map_err(internal)?;
                        }
                        Err(_) => {
                            ws.write_string(r, c, s).map_err(internal)?;
                        }
                    },
                    (_, serde_json::Value::String(s)) => {
                        ws.write_string(r, c, s).map_err(internal)?;
                    }
                    (_, other) => {
                        ws.write_string(r, c, other.to_string()).map_err(internal)?;
                    }
                }
            }
        }
    }
    workbook.save_to_buffer().map_err(internal)
}

/// The number of rows of an export's data.
pub fn rows(spec: &ExportSpec, data: &serde_json::Value) -> usize {
    data[spec.field]["rows"].as_array().map_or(0, Vec::len)
}

#[cfg(test)]
mod tests {
    #[test]
    fn workbooks_continue_on_a_new_sheet_past_the_row_limit() {
        let spec = crate::domains::exports()[0];
        let rows: Vec<serde_json::Value> = (0..5)
            .map(|i| {
                serde_json::json!({"region": {"code": format!("36110{i}")}, "cases": i, "suppressed": false,
                "period": {"start": "2025-01-01"}, "subjectAmount": "12.50"})
            })
            .collect();
        let data = serde_json::json!({ spec.field: {"rows": rows} });
        let book = super::xlsx(spec, &data, 2).unwrap();
        assert_eq!(&book[..2], b"PK", "a zip container");
        let text = String::from_utf8_lossy(&book);
        for sheet in ["sheet1.xml", "sheet2.xml", "sheet3.xml"] {
            assert!(text.contains(sheet), "{sheet}");
        }
        assert!(!text.contains("sheet4.xml"));
    }

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

//! Writing rows into a file as they come: CSV (UTF-8 with a byte-order mark, so that Excel
//! opens Chinese text) whose bytes are taken after each page, or an XLSX workbook in
//! rust_xlsxwriter's constant-memory mode (rows go to temporary files as they are written, the
//! zip is streamed at the end), typed cells, the header on each sheet and a new sheet past
//! Excel's row limit. Memory does not grow with the rows.

use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook, XlsxError};

use super::{Column, Format, Kind};
use crate::error::{AppError, AppResult};

/// Data rows on one worksheet: Excel's 1,048,576 rows less the header.
pub const XLSX_ROWS_PER_SHEET: u32 = 1_048_575;

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing the export: {e}"))
}

/// The value at `path` of a row (`["court", "name"]`).
fn value_at<'a>(row: &'a serde_json::Value, path: &[String]) -> &'a serde_json::Value {
    let mut v = row;
    for p in path {
        v = &v[p.as_str()];
    }
    v
}

/// A cell's text: empty for null, strings as they are, lists joined by "; ".
fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

/// A CSV cell's text. A text cell a spreadsheet would run as a formula (CSV injection: it
/// begins with `=`, `+`, `-`, `@`, a tab or a carriage return) is neutralised as OWASP's
/// guidance says, by a leading `'`, which spreadsheets take as "this is text" and do not show.
/// A number of a numeric column (a count, decimal money, a negative balance) stays a number.
fn csv_cell(kind: Kind, v: &serde_json::Value) -> String {
    let text = text_of(v);
    let numeric = match v {
        serde_json::Value::Number(_) => true,
        serde_json::Value::String(s) => kind == Kind::Number && s.parse::<f64>().is_ok(),
        _ => false,
    };
    if !numeric && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

/// A file being written.
pub enum FileWriter {
    Csv(Box<csv::Writer<Vec<u8>>>, Vec<Column>),
    Xlsx(Box<Xlsx>),
}

/// A workbook being written, row by row.
pub struct Xlsx {
    workbook: Workbook,
    columns: Vec<Column>,
    name: String,
    sheets: u32,
    /// The next row on the current sheet (1: the first under the header).
    row: u32,
    rows_per_sheet: u32,
    bold: CellFormat,
    date: CellFormat,
    datetime: CellFormat,
}

impl FileWriter {
    /// A file with its header written.
    pub fn new(format: Format, columns: Vec<Column>, name: &str, rows_per_sheet: u32) -> AppResult<Self> {
        match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
                w.write_record(columns.iter().map(|c| c.header.as_str()))
                    .map_err(internal)?;
                Ok(FileWriter::Csv(Box::new(w), columns))
            }
            Format::Xlsx => {
                let mut x = Xlsx {
                    workbook: Workbook::new(),
                    columns,
                    name: name.chars().take(25).collect(),
                    sheets: 0,
                    row: 0,
                    rows_per_sheet: rows_per_sheet.max(1),
                    bold: CellFormat::new().set_bold(),
                    date: CellFormat::new().set_num_format("yyyy-mm-dd"),
                    datetime: CellFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
                };
                x.new_sheet()?;
                Ok(FileWriter::Xlsx(Box::new(x)))
            }
        }
    }

    /// Writes one row.
    pub fn write(&mut self, row: &serde_json::Value) -> AppResult<()> {
        match self {
            FileWriter::Csv(w, columns) => w
                .write_record(columns.iter().map(|c| csv_cell(c.kind, value_at(row, &c.path))))
                .map_err(internal),
            FileWriter::Xlsx(x) => x.write(row),
        }
    }

    /// The bytes written since the last call that can be sent now (a CSV's; a workbook's come
    /// at the end).
    pub fn take(&mut self) -> AppResult<Vec<u8>> {
        match self {
            FileWriter::Csv(w, _) => {
                let done = std::mem::replace(&mut **w, csv::Writer::from_writer(Vec::new()));
                done.into_inner().map_err(internal)
            }
            FileWriter::Xlsx(_) => Ok(Vec::new()),
        }
    }

    /// Writes what is left of the file to `out` (a blocking writer: call it off the runtime).
    pub fn finish(mut self, mut out: impl std::io::Write + Send) -> AppResult<()> {
        let rest = self.take()?;
        match self {
            FileWriter::Csv(..) => {
                out.write_all(&rest).map_err(internal)?;
                out.flush().map_err(internal)
            }
            FileWriter::Xlsx(mut x) => x.workbook.save_to_writer(out).map_err(internal),
        }
    }
}

impl Xlsx {
    fn new_sheet(&mut self) -> AppResult<()> {
        self.sheets += 1;
        let name = format!("{} {}", self.name, self.sheets);
        let ws = self
            .workbook
            .add_worksheet_with_constant_memory()
            .map_err(internal)?;
        ws.set_name(name).map_err(internal)?;
        for (c, column) in self.columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, &column.header, &self.bold)
                .map_err(internal)?;
        }
        self.row = 1;
        Ok(())
    }

    fn write(&mut self, row: &serde_json::Value) -> AppResult<()> {
        if self.row > self.rows_per_sheet {
            self.new_sheet()?;
        }
        let r = self.row;
        let ws = self
            .workbook
            .worksheet_from_index(self.sheets as usize - 1)
            .map_err(internal)?;
        let e = |e: XlsxError| internal(e);
        for (c, column) in self.columns.iter().enumerate() {
            let c = c as u16;
            let v = value_at(row, &column.path);
            match (column.kind, v) {
                (_, serde_json::Value::Null) => {}
                (Kind::Flag, serde_json::Value::Bool(b)) => {
                    ws.write_boolean(r, c, *b).map_err(e)?;
                }
                (Kind::Number, serde_json::Value::Number(n)) => {
                    ws.write_number(r, c, n.as_f64().unwrap_or_default()).map_err(e)?;
                }
                (Kind::Number, serde_json::Value::String(s)) if s.parse::<f64>().is_ok() => {
                    ws.write_number(r, c, s.parse::<f64>().unwrap_or_default())
                        .map_err(e)?;
                }
                (Kind::Date, serde_json::Value::String(s)) => match excel_date(s) {
                    Some(d) => {
                        ws.write_datetime_with_format(r, c, &d, &self.date).map_err(e)?;
                    }
                    None => {
                        ws.write_string(r, c, s).map_err(e)?;
                    }
                },
                (Kind::DateTime, serde_json::Value::String(s)) => match excel_datetime(s) {
                    Some(d) => {
                        ws.write_datetime_with_format(r, c, &d, &self.datetime)
                            .map_err(e)?;
                    }
                    None => {
                        ws.write_string(r, c, s).map_err(e)?;
                    }
                },
                (_, other) => {
                    ws.write_string(r, c, text_of(other)).map_err(e)?;
                }
            }
        }
        self.row += 1;
        Ok(())
    }
}

fn excel_date(s: &str) -> Option<ExcelDateTime> {
    use chrono::Datelike as _;
    let d = s.parse::<chrono::NaiveDate>().ok()?;
    ExcelDateTime::from_ymd(u16::try_from(d.year()).ok()?, d.month() as u8, d.day() as u8).ok()
}

/// An instant as Excel's local-less date and time, in UTC (the API's instants are UTC).
fn excel_datetime(s: &str) -> Option<ExcelDateTime> {
    let t = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    ExcelDateTime::from_timestamp(t.timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<Column> {
        vec![
            Column::new(&["region", "code"], "区划代码", "regionCode", Kind::Text),
            Column::new(&["cases"], "案件数", "cases", Kind::Number),
            Column::new(&["on"], "日期", "on", Kind::Date),
            Column::new(&["at"], "时间", "at", Kind::DateTime),
            Column::new(&["tags"], "标签", "tags", Kind::List),
        ]
    }

    fn row(i: u32) -> serde_json::Value {
        serde_json::json!({"region": {"code": format!("36110{i}")}, "cases": i, "on": "2025-01-01",
            "at": "2025-01-01T08:00:00Z", "tags": ["a", "b,c"]})
    }

    #[test]
    fn workbooks_continue_on_a_new_sheet_past_the_row_limit() {
        let mut w = FileWriter::new(Format::Xlsx, columns(), "enforcementAggregate", 2).unwrap();
        for i in 0..5 {
            w.write(&row(i)).unwrap();
        }
        let mut book = Vec::new();
        w.finish(&mut book).unwrap();
        assert_eq!(&book[..2], b"PK", "a zip container");
        let text = String::from_utf8_lossy(&book);
        for sheet in ["sheet1.xml", "sheet2.xml", "sheet3.xml"] {
            assert!(text.contains(sheet), "{sheet}");
        }
        assert!(!text.contains("sheet4.xml"));
    }

    #[test]
    fn csv_comes_out_page_by_page_with_a_byte_order_mark() {
        let mut w = FileWriter::new(Format::Csv, columns(), "x", 0).unwrap();
        w.write(&row(1)).unwrap();
        let first = String::from_utf8(w.take().unwrap()).unwrap();
        assert!(
            first.starts_with("\u{feff}区划代码 (regionCode),案件数 (cases)"),
            "{first}"
        );
        assert!(
            first.ends_with("361101,1,2025-01-01,2025-01-01T08:00:00Z,\"a; b,c\"\n"),
            "{first}"
        );
        w.write(&row(2)).unwrap();
        let mut rest = Vec::new();
        w.finish(&mut rest).unwrap();
        assert_eq!(String::from_utf8(rest).unwrap().lines().count(), 1);
    }

    /// A text cell that starts like a formula, with what each format must make of it.
    fn formula_row() -> serde_json::Value {
        serde_json::json!({"region": {"code": "=HYPERLINK(\"http://evil.example\",\"x\")"},
            "cases": "-12.50", "on": "2025-01-01", "at": "2025-01-01T08:00:00Z",
            "tags": ["@SUM(A1)", "ok"]})
    }

    #[test]
    fn csv_neutralises_formulas_and_keeps_numbers() {
        for (text, neutralised) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1+2", "'-1+2"),
            ("@A1", "'@A1"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(
                csv_cell(Kind::Text, &serde_json::json!(text)),
                neutralised,
                "{text:?}"
            );
        }
        assert_eq!(csv_cell(Kind::Number, &serde_json::json!("-12.50")), "-12.50");
        assert_eq!(csv_cell(Kind::Number, &serde_json::json!(-3)), "-3");
        assert_eq!(csv_cell(Kind::Text, &serde_json::json!(-3)), "-3");
        assert_eq!(csv_cell(Kind::Number, &serde_json::json!("-1+2")), "'-1+2");
        let mut w = FileWriter::new(Format::Csv, columns(), "x", 0).unwrap();
        w.write(&formula_row()).unwrap();
        let text = String::from_utf8(w.take().unwrap()).unwrap();
        let line = text.lines().nth(1).unwrap();
        assert_eq!(
            line,
            r#""'=HYPERLINK(""http://evil.example"",""x"")",-12.50,2025-01-01,2025-01-01T08:00:00Z,'@SUM(A1); ok"#
        );
    }

    /// XLSX cells are typed: text is written as a string, never a formula, so it needs no
    /// neutralising (and gets none: the cell shows what the data says).
    #[test]
    fn xlsx_text_stays_a_string() {
        use std::io::Read as _;
        let mut w = FileWriter::new(Format::Xlsx, columns(), "x", 10).unwrap();
        w.write(&formula_row()).unwrap();
        let mut book = Vec::new();
        w.finish(&mut book).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
        let mut sheet = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut sheet)
            .unwrap();
        assert!(!sheet.contains("<f>"), "no formula: {sheet}");
        assert!(sheet.contains("=HYPERLINK("), "the text as it is: {sheet}");
        assert!(sheet.contains("<v>-12.5</v>"), "the number a number: {sheet}");
    }
}

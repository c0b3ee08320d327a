//! The CSV import of observations (`POST /import/observations.csv`, registered as one of the
//! domain's `imports`): the file parsed into rows with their line numbers;
//! `service::observations::import` checks and writes them.
//!
//! The file is UTF-8 (a byte-order mark is allowed) with a header row naming the columns
//! `indicator`, `region_code`, `period`, `value`, `source` and optionally `unit` and
//! `qualifier` (how the value is stated: `exact`, the default, `less_than` 不足, `at_least`
//! 以上, `more_than` 多/余, `about` 约/左右 or `nearly` 近), in any order (`regionCode` is
//! accepted too).

use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;

use super::service::observations::{ImportFailure, Imported, ObservationInput, RowError, import};
use crate::error::AppError;
use crate::write::Who;

/// `observations.csv` as the registration runs it: the file parsed on a blocking thread (a
/// file of megabytes is CPU work, and the async workers go on serving), then checked and
/// written (`service::observations::import`).
pub fn run<'a>(
    db: &'a DatabaseConnection,
    who: &'a Who<'a>,
    body: Vec<u8>,
) -> BoxFuture<'a, Result<Imported, ImportFailure>> {
    Box::pin(async move {
        let rows = match tokio::task::spawn_blocking(move || parse(&body)).await {
            Ok(Ok(rows)) => rows,
            Ok(Err(errors)) => return Err(ImportFailure::Rows(errors)),
            Err(e) => {
                return Err(ImportFailure::Interrupted {
                    done: Imported::default(),
                    error: AppError::Internal(anyhow::anyhow!("parsing the import: {e}")),
                });
            }
        };
        import(db, who, rows).await
    })
}

/// The rows of a file (line number, input), or what makes the file unreadable as a whole.
pub fn parse(bytes: &[u8]) -> Result<Vec<(usize, ObservationInput)>, Vec<RowError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let whole = |message: String| {
        vec![RowError {
            line: 1,
            field: String::new(),
            message,
        }]
    };
    let text = std::str::from_utf8(bytes).map_err(|e| whole(format!("the file is not UTF-8: {e}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| whole(format!("no header row: {e}")))?
        .clone();
    let column = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let required = [
        ("indicator", column(&["indicator"])),
        ("region_code", column(&["region_code", "regionCode"])),
        ("period", column(&["period"])),
        ("value", column(&["value"])),
        ("source", column(&["source"])),
    ];
    let missing: Vec<&str> = required
        .iter()
        .filter(|(_, c)| c.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(whole(format!("the header row lacks {}", missing.join(", "))));
    }
    let at = |i: usize| required[i].1.unwrap_or_default();
    // The line a record starts on, from its byte offset (the reader's own line count skips
    // blank lines). Records come in file order, so the count goes on from the previous record:
    // the file is scanned once, not once per record.
    let mut counted = (0usize, 1usize);
    let mut line_at = |byte: u64| {
        let bytes = text.as_bytes();
        let mut at = (byte as usize).min(bytes.len());
        // A record's position may include the blank lines skipped before it.
        while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
            at += 1;
        }
        let (from, line) = if at >= counted.0 { counted } else { (0, 1) };
        let line = line + bytes[from..at].iter().filter(|b| **b == b'\n').count();
        counted = (at, line);
        line
    };
    let unit = column(&["unit"]);
    let qualifier = column(&["qualifier"]);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(p.byte()));
                errors.push(RowError {
                    line,
                    field: String::new(),
                    message: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(p.byte()));
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |i: usize| record.get(i).unwrap_or_default().to_owned();
        let stated = match qualifier.map(get).filter(|q| !q.is_empty()) {
            None => crate::stated::Qualifier::Exact,
            Some(q) => match crate::stated::Qualifier::parse(&q.to_ascii_lowercase()) {
                Some(q) => q,
                None => {
                    errors.push(RowError {
                        line,
                        field: "qualifier".into(),
                        message: format!(
                            "{q:?} is not a qualifier: exact, less_than, at_least, more_than, about or nearly"
                        ),
                    });
                    continue;
                }
            },
        };
        rows.push((
            line,
            ObservationInput {
                indicator: get(at(0)),
                region_code: get(at(1)),
                period: get(at(2)),
                value: get(at(3)),
                unit: unit.map(get).filter(|u| !u.is_empty()),
                qualifier: stated,
                source: get(at(4)),
            },
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(whole("the file has no rows".into()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn files_parse_with_a_bom_any_column_order_and_line_numbers() {
        let file = "\u{feff}period,indicator,regionCode,value,unit,source\n2023,grain_output,152222,35.3,亿斤,报告六\n\n2022,grain_output,152222,\"34.1\",,报告\n";
        let rows = parse(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1.unit.as_deref(), Some("亿斤"));
        assert_eq!(rows[1].0, 4);
        assert_eq!(rows[1].1.unit, None);
        assert!(parse(b"indicator,value\nx,1\n").is_err());
        assert!(parse(b"\xff\xfe").is_err());
        assert!(parse("indicator,region_code,period,value,source\n".as_bytes()).is_err());
    }

    /// Line numbers hold over a large file with blank lines and quoted line breaks (the count
    /// goes on from record to record instead of rescanning from the start).
    #[test]
    fn line_numbers_hold_over_a_large_file() {
        let mut file = String::from("indicator,region_code,period,value,source\n");
        let mut expected = Vec::new();
        let mut line = 2;
        for i in 0..20_000 {
            if i % 100 == 0 {
                file.push_str("\n\r\n");
                line += 2;
            }
            if i % 1000 == 0 {
                file.push_str(&format!("grain_output,152222,2023,{i},\"报告\n六\"\n"));
                expected.push(line);
                line += 2;
            } else {
                file.push_str(&format!("grain_output,152222,2023,{i},报告六\n"));
                expected.push(line);
                line += 1;
            }
        }
        let rows = parse(file.as_bytes()).unwrap();
        let lines: Vec<usize> = rows.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, expected);
    }
}

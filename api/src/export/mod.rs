//! File exports for BI tools and spreadsheets: `GET /export/<dataset>.csv` and `.xlsx`, for
//! every record list (`lists.rs`: `enforcementCases`, `gravePlots`, ...) and every grouped
//! aggregate (`aggregates.rs`: `enforcementAggregate`, ...).
//!
//! An export is the API's own query run through the schema with the caller's token, so that
//! filters, permissions, scope, masking and disclosure control are the API's: a list page by
//! page (the largest page, after the last cursor), an aggregate in one request. Rows are
//! written as they come (`writer.rs`) and streamed (`stream.rs`): memory does not grow with
//! the rows. The header names each column in Chinese and English.

mod aggregates;
mod lists;
mod stream;
mod writer;

use std::collections::HashMap;

pub use aggregates::{ExportSpec, KeyColumn};
pub use lists::{Catalog, ListSpec, catalog};
pub use stream::{BodySender, Execute, Outcome, Producer, body_channel, error_code};
pub use writer::{FileWriter, XLSX_ROWS_PER_SHEET};

use crate::error::{AppError, AppResult};

/// What a column holds, for typed spreadsheet cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    Date,
    DateTime,
    Flag,
    /// A list of values, joined by "; ".
    List,
}

/// A column of a file: where its value is in a row, its header and kind.
#[derive(Debug, Clone)]
pub struct Column {
    path: Vec<String>,
    header: String,
    kind: Kind,
}

impl Column {
    pub fn new(path: &[&str], zh: &str, en: &str, kind: Kind) -> Self {
        Column {
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            header: format!("{zh} ({en})"),
            kind,
        }
    }
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// How an export's rows are read.
pub(crate) enum Source {
    /// One request; the rows under `rows`.
    Aggregate,
    /// Page after page; the rows under `nodes`, the next page after `pageInfo.endCursor`.
    List,
}

/// The requests of an export, one page at a time.
pub struct Pager {
    field: String,
    source: Source,
    query: String,
    variables: serde_json::Value,
    after: Option<String>,
    done: bool,
}

impl Pager {
    /// Whether every page has been read.
    pub fn done(&self) -> bool {
        self.done
    }

    /// The request of the next page.
    pub fn request(&self) -> async_graphql::Request {
        let mut variables = self.variables.clone();
        if let (Source::List, Some(map)) = (&self.source, variables.as_object_mut()) {
            map.insert("after".into(), self.after.clone().into());
        }
        async_graphql::Request::new(self.query.clone())
            .variables(async_graphql::Variables::from_json(variables))
    }

    /// The rows of a page's data; notes where the next page starts, or that there is none.
    pub fn rows(&mut self, mut data: serde_json::Value) -> Vec<serde_json::Value> {
        let mut result = data[self.field.as_str()].take();
        let take = |v: serde_json::Value| match v {
            serde_json::Value::Array(rows) => rows,
            _ => Vec::new(),
        };
        match self.source {
            Source::Aggregate => {
                self.done = true;
                take(result["rows"].take())
            }
            Source::List => {
                let rows = take(result["nodes"].take());
                let info = &result["pageInfo"];
                self.after = info["endCursor"].as_str().map(str::to_owned);
                self.done = rows.is_empty() || info["hasNextPage"] != true || self.after.is_none();
                rows
            }
        }
    }
}

/// A parsed export request.
pub struct Prepared {
    /// The dataset (the GraphQL field), also the file's name.
    pub dataset: String,
    pub format: Format,
    pub pager: Pager,
    pub columns: Vec<Column>,
    /// The parameters, for the audit log.
    pub parameters: serde_json::Value,
}

/// Parses `GET /export/<dataset>.<csv|xlsx>?...`: the dataset among the aggregates and the
/// record lists, the format, the parameters.
pub fn prepare(
    aggregates: &[&'static ExportSpec],
    lists: &Catalog,
    name: &str,
    query: &HashMap<String, String>,
) -> AppResult<Prepared> {
    let (field, format) = name
        .rsplit_once('.')
        .ok_or_else(|| AppError::NotFound(format!("no export {name:?}: name a dataset and .csv")))?;
    let format = match format {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        other => {
            return Err(AppError::NotFound(format!(
                "no {other:?} export: .csv and .xlsx are served"
            )));
        }
    };
    if let Some(spec) = aggregates.iter().find(|s| s.field == field) {
        let variables = aggregates::variables(query)?;
        return Ok(Prepared {
            dataset: spec.field.to_owned(),
            format,
            columns: spec.columns(),
            pager: Pager {
                field: spec.field.to_owned(),
                source: Source::Aggregate,
                query: spec.query(),
                variables: variables.clone(),
                after: None,
                done: false,
            },
            parameters: variables,
        });
    }
    let Some(spec) = lists.find(field) else {
        let mut names: Vec<&str> = aggregates.iter().map(|s| s.field).collect();
        names.extend(lists.0.iter().map(|s| s.field.as_str()));
        return Err(AppError::NotFound(format!(
            "no dataset {field:?}; the datasets are {}",
            names.join(", ")
        )));
    };
    let variables = spec.variables(query)?;
    Ok(Prepared {
        dataset: spec.field.clone(),
        format,
        columns: spec.columns.clone(),
        pager: Pager {
            field: spec.field.clone(),
            source: Source::List,
            query: spec.query(),
            variables: variables.clone(),
            after: None,
            done: false,
        },
        parameters: variables,
    })
}

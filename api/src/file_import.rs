//! The contract of a file a domain imports over HTTP (`POST /import/{name}`, `http/import.rs`):
//! the domain registers each file it takes (`Domain::imports`); the transport checks the
//! caller, the content type, admission and the size, then hands the body to the domain,
//! which checks every row before it writes any.

use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;

use crate::error::AppError;
use crate::write::Who;

/// A file a domain imports: its name in the path (`observations.csv`) and what runs it.
pub struct FileImport {
    pub name: &'static str,
    /// Parses and writes the file's body as `who`, under the domain's write permission.
    pub run: RunImport,
}

/// Runs an import of a body.
pub type RunImport = for<'a> fn(
    &'a DatabaseConnection,
    &'a Who<'a>,
    Vec<u8>,
) -> BoxFuture<'a, Result<Imported, ImportFailure>>;

/// A bad row of an import: its line in the file, the column and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// What an import did: rows written as new observations, rows that replaced a value, and
/// rows whose key already held the file's value and source (left alone, so that sending a
/// file again after an interrupted import finishes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Imported {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Why an import did not finish.
#[derive(Debug)]
pub enum ImportFailure {
    /// Bad rows, each with its line: nothing was written.
    Rows(Vec<RowError>),
    /// A batch failed (`error`); the batches before it were written (`done`).
    Interrupted { done: Imported, error: AppError },
}

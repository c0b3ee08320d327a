//! The one error type of the API, its stable codes and its mapping to GraphQL.
//!
//! Causes of internal errors are logged here and never returned to the client.

use sea_orm::DbErr;

/// Result of every service function.
pub type AppResult<T> = Result<T, AppError>;

/// Every error a client can see, with a stable `extensions.code`.
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display`
/// type into an error carrying its text, so without it `?` in a resolver must go through
/// the `From` below, which sets the code and hides internal causes.
#[derive(Debug)]
pub enum AppError {
    /// The input is invalid; `field` names the offending input field.
    BadUserInput { field: Option<String>, message: String },
    /// No credentials or invalid credentials.
    Unauthenticated(String),
    /// The caller may not do this.
    Forbidden(String),
    /// The record does not exist, or the caller may not see it (the same answer).
    NotFound(String),
    /// The change conflicts with the current state (duplicate key, wrong state).
    Conflict(String),
    /// The caller's version of a record is out of date: CONFLICT, with the server's current
    /// record (`{id, version, record}`) in `extensions.current` so that an offline client can
    /// merge without another round trip.
    Stale {
        message: String,
        current: Box<serde_json::Value>,
    },
    /// Too many attempts; retry after the given number of seconds.
    RateLimited { message: String, retry_after: u64 },
    /// A request limit (size, depth, complexity, aliases, ...) was exceeded.
    LimitExceeded(String),
    /// The request or a statement ran out of time.
    Timeout(String),
    /// The database cannot be reached or is saturated; retry later.
    Unavailable(String),
    /// A persisted operation that cannot run (`persisted.rs`): its hash is unknown, does not
    /// match the text, or is not in the allow-list; `code` is one of that module's codes.
    Persisted { code: &'static str, message: String },
    /// Anything else: logged with its cause, reported as `INTERNAL` without details.
    Internal(anyhow::Error),
}

impl AppError {
    /// Invalid input in a named field.
    pub fn bad_input(field: &str, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    /// A missing (or invisible) record of the given kind.
    pub fn not_found(kind: &str, key: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{kind} {key} not found"))
    }

    /// The message sent to the client.
    pub fn message(&self) -> String {
        match self {
            Self::BadUserInput { message, .. } => message.clone(),
            Self::Unauthenticated(m) | Self::Forbidden(m) | Self::NotFound(m) | Self::Conflict(m) => {
                m.clone()
            }
            Self::RateLimited { message, .. } | Self::Stale { message, .. } => message.clone(),
            Self::LimitExceeded(m) | Self::Timeout(m) | Self::Unavailable(m) => m.clone(),
            Self::Persisted { message, .. } => message.clone(),
            Self::Internal(_) => "internal error".to_owned(),
        }
    }

    /// The stable code sent in `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) | Self::Stale { .. } => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::LimitExceeded(_) => "QUERY_LIMIT_EXCEEDED",
            Self::Timeout(_) => "TIMEOUT",
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::Persisted { code, .. } => code,
            Self::Internal(_) => "INTERNAL",
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        use sea_orm::{ConnAcquireErr, RuntimeErr};
        match &err {
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => {
                tracing::warn!("no database connection free in time");
                Self::Unavailable("the database is busy; retry shortly".to_owned())
            }
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => {
                tracing::warn!(error = %err, "database unreachable");
                Self::Unavailable("the database is unavailable; retry shortly".to_owned())
            }
            DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => {
                use sea_orm::sqlx::Error as Sqlx;
                match e.as_ref() {
                    // 57014: query_canceled, raised by statement_timeout.
                    Sqlx::Database(db) if db.code().as_deref() == Some("57014") => {
                        tracing::warn!(error = %err, "statement timed out");
                        Self::Timeout("a database statement took too long".to_owned())
                    }
                    // 40001: on a read replica, a query cancelled by a conflict with recovery
                    // (replay removed rows it could still see); a retry sees the new rows.
                    Sqlx::Database(db) if db.code().as_deref() == Some("40001") => {
                        tracing::warn!(error = %err, "statement cancelled by a conflict");
                        Self::Unavailable("the database cancelled a statement; retry shortly".to_owned())
                    }
                    Sqlx::Io(_)
                    | Sqlx::PoolClosed
                    | Sqlx::PoolTimedOut
                    | Sqlx::Tls(_)
                    | Sqlx::Protocol(_) => {
                        tracing::warn!(error = %err, "database connection lost");
                        Self::Unavailable("the database is unavailable; retry shortly".to_owned())
                    }
                    _ => Self::Internal(err.into()),
                }
            }
            _ => Self::Internal(err.into()),
        }
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

impl AppError {
    /// `extensions` of the error as every channel sends it (GraphQL errors, the HTTP errors of
    /// the transport, exports): `code`, and `field`, `retryAfter` or `current` where they apply.
    pub fn extensions(&self) -> async_graphql::ErrorExtensionValues {
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", self.code());
        match self {
            AppError::BadUserInput {
                field: Some(field), ..
            } => ext.set("field", field.as_str()),
            AppError::RateLimited { retry_after, .. } => ext.set("retryAfter", *retry_after),
            AppError::Stale { current, .. } => {
                if let Ok(current) = async_graphql::Value::from_json((**current).clone()) {
                    ext.set("current", current);
                }
            }
            _ => {}
        }
        ext
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Internal(cause) = &err {
            tracing::error!(error = ?cause, "internal error");
        }
        let mut error = async_graphql::Error::new(err.message());
        error.extensions = Some(err.extensions());
        error
    }
}

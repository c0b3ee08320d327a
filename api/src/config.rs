//! Typed settings, read from the environment (and a `.env` file when present).

use std::fmt;

/// Settings of the server, read once at start.
#[derive(Clone)]
pub struct Settings {
    /// `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// Address the HTTP server binds, `127.0.0.1:8080` by default.
    pub bind_addr: String,
    /// Whether `GET /graphql` serves GraphiQL.
    pub graphiql: bool,
    /// Maximum pooled database connections.
    pub db_max_connections: u32,
    /// Query depth limit.
    pub max_depth: usize,
    /// Query complexity limit (a list field costs its page size times its children).
    pub max_complexity: usize,
}

impl fmt::Debug for Settings {
    // The database URL may carry a password: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind_addr", &self.bind_addr)
            .field("graphiql", &self.graphiql)
            .field("db_max_connections", &self.db_max_connections)
            .field("max_depth", &self.max_depth)
            .field("max_complexity", &self.max_complexity)
            .finish()
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &creds[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/platform.db?mode=rwc";

impl Settings {
    /// Reads the settings from the environment; unset values take their defaults.
    pub fn from_env() -> anyhow::Result<Self> {
        let _ = dotenvy::dotenv();
        Ok(Self {
            database_url: env_or("DATABASE_URL", DEFAULT_DATABASE_URL),
            bind_addr: env_or("BIND_ADDR", "127.0.0.1:8080"),
            graphiql: parse_env("GRAPHIQL", true)?,
            db_max_connections: parse_env("DB_MAX_CONNECTIONS", 10)?,
            max_depth: parse_env("GRAPHQL_MAX_DEPTH", 12)?,
            max_complexity: parse_env("GRAPHQL_MAX_COMPLEXITY", 20_000)?,
        })
    }

    /// Settings for tests: the given database, port 0, defaults otherwise.
    pub fn for_tests(database_url: &str) -> Self {
        Self {
            database_url: database_url.to_owned(),
            bind_addr: "127.0.0.1:0".to_owned(),
            graphiql: true,
            db_max_connections: 5,
            max_depth: 12,
            max_complexity: 20_000,
        }
    }
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn parse_env<T: std::str::FromStr>(key: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(key) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{key} has an invalid value: {v:?}")),
        _ => Ok(default),
    }
}

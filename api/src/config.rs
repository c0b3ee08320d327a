//! Typed settings, read from the environment (and a `.env` file when present).

use std::fmt;

/// Settings of the server, read once at start.
#[derive(Clone)]
pub struct Settings {
    /// `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// A streaming replica of the PostgreSQL primary (`DATABASE_REPLICA_URL`) that serves reads
    /// (`replica.rs`); none by default. Refused beside SQLite.
    pub database_replica_url: Option<String>,
    /// Address the HTTP server binds, `127.0.0.1:8080` by default.
    pub bind_addr: String,
    /// Whether `GET /graphql` serves GraphiQL.
    pub graphiql: bool,
    /// Maximum pooled database connections.
    pub db_max_connections: u32,
    /// Query complexity limit (a list field costs its page size times its children).
    pub max_complexity: usize,
    /// HS256 secret of the tokens this server issues (at least 32 bytes); random when unset.
    pub jwt_secret: Option<String>,
    /// Required `iss` of every token.
    pub jwt_issuer: String,
    /// Required `aud` of every token.
    pub jwt_audience: String,
    /// Clock leeway for `exp` and `nbf`, seconds.
    pub jwt_leeway_secs: u64,
    /// External public keys: `kid=RS256:/path/key.pem;kid2=ES256:/path/key.pem`.
    pub jwt_public_keys: Option<String>,
    /// A JWKS file of external public keys.
    pub jwt_jwks_file: Option<String>,
    /// A JWKS URL of external public keys, fetched, cached and refreshed.
    pub jwt_jwks_url: Option<String>,
    /// Lifetime of issued access tokens, seconds.
    pub access_token_ttl_secs: u64,
    /// `production` switches off introspection, suggestions and GraphiQL.
    pub production: bool,
    /// Request limits, all checked before any SQL runs.
    pub limits: Limits,
    /// Whole-request timeout, milliseconds.
    pub request_timeout_ms: u64,
    /// An export's idle timeout, milliseconds: the longest wait for a page, for the client to
    /// take bytes or for the rate-limit budget; a long export is not bound by the request
    /// timeout while its bytes flow.
    pub export_idle_timeout_ms: u64,
    /// Per-statement timeout on PostgreSQL (`statement_timeout`), milliseconds.
    pub statement_timeout_ms: u64,
    /// Longest wait for a pooled connection, milliseconds.
    pub db_acquire_timeout_ms: u64,
    /// Cost units (query complexity) a user or address may spend per minute on expensive queries.
    pub rate_limit_cost_per_minute: u64,
    /// Queries below this complexity are not rate limited.
    pub rate_limit_free_complexity: u64,
    /// How long a SIGTERM waits for in-flight requests, seconds.
    pub shutdown_timeout_secs: u64,
    /// SQL statements taking at least this long are counted and logged as slow, milliseconds.
    pub slow_statement_ms: u64,
    /// Bearer token that `GET /metrics` requires on the main address (besides an admin's token).
    pub metrics_token: Option<String>,
    /// A separate address serving only `GET /metrics`, without a token (for a scraper on a
    /// private network); `/metrics` is then not served on the main address.
    pub metrics_bind_addr: Option<String>,
    /// Whether resolver spans are produced (when traces are exported over OTLP).
    pub trace_resolvers: bool,
    /// How long reference data (regions, courts) is kept in memory, seconds.
    pub reference_cache_ttl_secs: u64,
    /// Results of expensive reads kept in memory until the data changes (0: none).
    pub result_cache_entries: usize,
    /// How often each process checks whether another one moved the data version, ms.
    pub cache_poll_ms: u64,
    /// How often each process adds its limit counts to the shared ones and reads them, ms.
    pub limit_sync_ms: u64,
    /// How often each process reads new changes for its subscribers, ms.
    pub feed_poll_ms: u64,
    /// Subscriptions one WebSocket connection may hold at once.
    pub ws_max_subscriptions: usize,
    /// WebSocket connections one user may hold at once, per process.
    pub ws_max_connections_per_user: usize,
    /// Live subscriptions this process holds at once, over all connections.
    pub ws_max_live_subscriptions: usize,
    /// WebSocket connections not yet past `connection_init` this process holds at once.
    pub ws_max_unauthenticated: usize,
    /// Time a WebSocket has to send `connection_init` before it is closed with 4408, ms.
    pub ws_init_timeout_ms: u64,
    /// How often an open WebSocket's token and account are checked again, ms.
    pub ws_account_check_ms: u64,
    /// GraphQL requests this process executes at once; more are refused with 503 at once.
    pub max_in_flight: usize,
    /// GraphQL requests one caller may have in flight; more are refused with 429 at once.
    pub max_in_flight_per_caller: usize,
    /// The cell key method's parameters for callers who may not read records
    /// (`SUPPRESSION_MIN_COUNT`, `DISCLOSURE_MAX_DEVIATION`, `DISCLOSURE_VARIANCE`,
    /// `DISCLOSURE_MAGNITUDE_NOISE`, `DISCLOSURE_DOMINANCE_P`); see docs/disclosure.md.
    pub disclosure: crate::aggregate::cellkey::Parameters,
    /// Texts of automatic persisted queries each process keeps, least recently used out
    /// (`PERSISTED_QUERY_CACHE_ENTRIES`, 1000; 0 switches APQ off).
    pub persisted_query_cache_entries: usize,
    /// Only the operations of the manifest run (`PERSISTED_OPERATIONS_ONLY`).
    pub persisted_operations_only: bool,
    /// The manifest of the allow-list (`PERSISTED_OPERATIONS_MANIFEST`), from `api
    /// persisted-manifest`.
    pub persisted_operations_manifest: Option<String>,
    /// `max-age` of GET answers caches may share (`PUBLIC_MAX_AGE_SECONDS`, 60; 0: none shared).
    pub public_max_age_secs: u64,
    /// gzip and brotli responses for clients that ask (`RESPONSE_COMPRESSION`, on).
    pub response_compression: bool,
    /// The webhook deliverer (`webhooks/deliverer.rs`).
    pub webhooks: WebhookSettings,
}

/// How this process delivers the webhook outbox.
#[derive(Clone)]
pub struct WebhookSettings {
    /// Whether this process runs a deliverer (`WEBHOOK_DELIVERY`, true); any number may.
    pub deliver: bool,
    /// How often the deliverer looks for due deliveries, ms (`WEBHOOK_POLL_MS`).
    pub poll_ms: u64,
    /// Longest wait for an endpoint's answer, ms (`WEBHOOK_TIMEOUT_MS`); an attempt holds its
    /// delivery for twice as long (the lease), after which another attempt may start.
    pub timeout_ms: u64,
    /// Wait after the first failed attempt, ms, doubled after each further one
    /// (`WEBHOOK_RETRY_BASE_MS`).
    pub retry_base_ms: u64,
    /// Longest wait between attempts, ms (`WEBHOOK_RETRY_MAX_MS`).
    pub retry_max_ms: u64,
    /// Attempts after which a delivery is given up as failed (`WEBHOOK_MAX_ATTEMPTS`).
    pub max_attempts: i32,
    /// Whether endpoints may be plain `http://` URLs (`WEBHOOK_ALLOW_HTTP`, false).
    pub allow_http: bool,
    /// Networks endpoints may be in although they are loopback, private, link-local, ...
    /// (`WEBHOOK_ALLOW_CIDRS`, comma-separated; none by default). See `webhooks/egress.rs`.
    pub allow_cidrs: Vec<ipnet::IpNet>,
    /// The 32-byte key the signing secrets are encrypted with at rest (`WEBHOOK_SECRET_KEY`,
    /// base64 or hex); production refuses to start without it. See `webhooks/secrets.rs`.
    pub secret_key: Option<String>,
    /// The key before the last rotation (`WEBHOOK_SECRET_KEY_PREVIOUS`): still decrypts, and
    /// every start re-encrypts what it holds under `secret_key`.
    pub secret_key_previous: Option<String>,
}

impl fmt::Debug for WebhookSettings {
    // The keys never print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("deliver", &self.deliver)
            .field("poll_ms", &self.poll_ms)
            .field("timeout_ms", &self.timeout_ms)
            .field("retry_base_ms", &self.retry_base_ms)
            .field("retry_max_ms", &self.retry_max_ms)
            .field("max_attempts", &self.max_attempts)
            .field("allow_http", &self.allow_http)
            .field("allow_cidrs", &self.allow_cidrs)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field(
                "secret_key_previous",
                &self.secret_key_previous.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            deliver: true,
            poll_ms: 500,
            timeout_ms: 10_000,
            retry_base_ms: 5_000,
            retry_max_ms: 3_600_000,
            max_attempts: 10,
            allow_http: false,
            allow_cidrs: Vec::new(),
            secret_key: None,
            secret_key_previous: None,
        }
    }
}

/// Limits on one HTTP request; each is configurable.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    /// Largest CSV file `POST /import/observations.csv` takes (`IMPORT_MAX_BYTES`, 10 MB).
    pub max_import_bytes: usize,
    pub max_query_length: usize,
    pub max_batch: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    pub max_directives: usize,
    /// Nesting depth of data fields (introspection is counted apart, see `limits.rs`).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 256 * 1024,
            max_import_bytes: 10 * 1024 * 1024,
            max_query_length: 16 * 1024,
            max_batch: 10,
            max_aliases: 30,
            max_root_fields: 20,
            max_directives: 20,
            max_depth: 12,
        }
    }
}

impl fmt::Debug for Settings {
    // The database URL may carry a password: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field(
                "database_replica_url",
                &self.database_replica_url.as_deref().map(redact_url),
            )
            .field("bind_addr", &self.bind_addr)
            .field("graphiql", &self.graphiql)
            .field("db_max_connections", &self.db_max_connections)
            .field("max_complexity", &self.max_complexity)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("jwt_leeway_secs", &self.jwt_leeway_secs)
            .field("jwt_public_keys", &self.jwt_public_keys)
            .field("jwt_jwks_file", &self.jwt_jwks_file)
            .field("jwt_jwks_url", &self.jwt_jwks_url)
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("production", &self.production)
            .field("limits", &self.limits)
            .field("request_timeout_ms", &self.request_timeout_ms)
            .field("export_idle_timeout_ms", &self.export_idle_timeout_ms)
            .field("statement_timeout_ms", &self.statement_timeout_ms)
            .field("db_acquire_timeout_ms", &self.db_acquire_timeout_ms)
            .field("rate_limit_cost_per_minute", &self.rate_limit_cost_per_minute)
            .field("rate_limit_free_complexity", &self.rate_limit_free_complexity)
            .field("shutdown_timeout_secs", &self.shutdown_timeout_secs)
            .field("slow_statement_ms", &self.slow_statement_ms)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("metrics_bind_addr", &self.metrics_bind_addr)
            .field("trace_resolvers", &self.trace_resolvers)
            .field("reference_cache_ttl_secs", &self.reference_cache_ttl_secs)
            .field("result_cache_entries", &self.result_cache_entries)
            .field("cache_poll_ms", &self.cache_poll_ms)
            .field("limit_sync_ms", &self.limit_sync_ms)
            .field("feed_poll_ms", &self.feed_poll_ms)
            .field("ws_max_subscriptions", &self.ws_max_subscriptions)
            .field("ws_max_connections_per_user", &self.ws_max_connections_per_user)
            .field("ws_max_live_subscriptions", &self.ws_max_live_subscriptions)
            .field("ws_max_unauthenticated", &self.ws_max_unauthenticated)
            .field("ws_init_timeout_ms", &self.ws_init_timeout_ms)
            .field("ws_account_check_ms", &self.ws_account_check_ms)
            .field("max_in_flight", &self.max_in_flight)
            .field("max_in_flight_per_caller", &self.max_in_flight_per_caller)
            .field("disclosure", &self.disclosure)
            .field("webhooks", &self.webhooks)
            .field(
                "persisted_query_cache_entries",
                &self.persisted_query_cache_entries,
            )
            .field("persisted_operations_only", &self.persisted_operations_only)
            .field(
                "persisted_operations_manifest",
                &self.persisted_operations_manifest,
            )
            .field("public_max_age_secs", &self.public_max_age_secs)
            .field("response_compression", &self.response_compression)
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
        let production = env_or("APP_ENV", "development").eq_ignore_ascii_case("production");
        let defaults = Limits::default();
        let settings = Self {
            database_url: env_or("DATABASE_URL", DEFAULT_DATABASE_URL),
            database_replica_url: opt_env("DATABASE_REPLICA_URL"),
            bind_addr: env_or("BIND_ADDR", "127.0.0.1:8080"),
            graphiql: parse_env("GRAPHIQL", !production)? && !production,
            db_max_connections: parse_env("DB_MAX_CONNECTIONS", 10)?,
            max_complexity: parse_env("GRAPHQL_MAX_COMPLEXITY", 20_000)?,
            jwt_secret: opt_env("JWT_SECRET"),
            jwt_issuer: env_or("JWT_ISSUER", DEFAULT_ISSUER),
            jwt_audience: env_or("JWT_AUDIENCE", DEFAULT_AUDIENCE),
            jwt_leeway_secs: parse_env("JWT_LEEWAY_SECONDS", 30)?,
            jwt_public_keys: opt_env("JWT_PUBLIC_KEYS"),
            jwt_jwks_file: opt_env("JWT_JWKS_FILE"),
            jwt_jwks_url: opt_env("JWT_JWKS_URL"),
            access_token_ttl_secs: parse_env("ACCESS_TOKEN_TTL_SECONDS", 900)?,
            production,
            limits: Limits {
                max_body_bytes: parse_env("MAX_BODY_BYTES", defaults.max_body_bytes)?,
                max_import_bytes: parse_env("IMPORT_MAX_BYTES", defaults.max_import_bytes)?,
                max_query_length: parse_env("MAX_QUERY_LENGTH", defaults.max_query_length)?,
                max_batch: parse_env("MAX_BATCH", defaults.max_batch)?,
                max_aliases: parse_env("MAX_ALIASES", defaults.max_aliases)?,
                max_root_fields: parse_env("MAX_ROOT_FIELDS", defaults.max_root_fields)?,
                max_directives: parse_env("MAX_DIRECTIVES", defaults.max_directives)?,
                max_depth: parse_env("GRAPHQL_MAX_DEPTH", defaults.max_depth)?,
            },
            request_timeout_ms: parse_env("REQUEST_TIMEOUT_MS", 15_000)?,
            export_idle_timeout_ms: parse_env("EXPORT_IDLE_TIMEOUT_MS", 30_000)?,
            statement_timeout_ms: parse_env("STATEMENT_TIMEOUT_MS", 10_000)?,
            db_acquire_timeout_ms: parse_env("DB_ACQUIRE_TIMEOUT_MS", 3_000)?,
            rate_limit_cost_per_minute: parse_env("RATE_LIMIT_COST_PER_MINUTE", 200_000)?,
            rate_limit_free_complexity: parse_env("RATE_LIMIT_FREE_COMPLEXITY", 1_000)?,
            shutdown_timeout_secs: parse_env("SHUTDOWN_TIMEOUT_SECONDS", 30)?,
            slow_statement_ms: parse_env("SLOW_STATEMENT_MS", 200)?,
            metrics_token: match opt_env("METRICS_TOKEN") {
                Some(t) if t.len() < 16 => anyhow::bail!("METRICS_TOKEN must be at least 16 characters"),
                t => t,
            },
            metrics_bind_addr: opt_env("METRICS_BIND_ADDR"),
            trace_resolvers: crate::telemetry::otlp_configured(),
            reference_cache_ttl_secs: parse_env("REFERENCE_CACHE_TTL_SECONDS", 60)?,
            result_cache_entries: parse_env("RESULT_CACHE_ENTRIES", 1000)?,
            cache_poll_ms: parse_env::<u64>("CACHE_POLL_MS", 1000)?.max(10),
            limit_sync_ms: parse_env::<u64>("LIMIT_SYNC_MS", 250)?.max(10),
            feed_poll_ms: parse_env::<u64>("FEED_POLL_MS", 250)?.max(10),
            ws_max_subscriptions: parse_env("WS_MAX_SUBSCRIPTIONS", 20)?,
            ws_max_connections_per_user: parse_env("WS_MAX_CONNECTIONS_PER_USER", 5)?,
            ws_max_live_subscriptions: parse_env("WS_MAX_LIVE_SUBSCRIPTIONS", 2000)?,
            ws_max_unauthenticated: parse_env("WS_MAX_UNAUTHENTICATED", 256)?,
            ws_init_timeout_ms: parse_env::<u64>("WS_INIT_TIMEOUT_MS", 10_000)?.max(10),
            ws_account_check_ms: parse_env::<u64>("WS_ACCOUNT_CHECK_MS", 15_000)?.max(10),
            disclosure: {
                let d = crate::aggregate::cellkey::Parameters::default();
                let p = crate::aggregate::cellkey::Parameters {
                    min_count: parse_env("SUPPRESSION_MIN_COUNT", d.min_count)?,
                    max_deviation: parse_env("DISCLOSURE_MAX_DEVIATION", d.max_deviation)?,
                    variance: parse_env("DISCLOSURE_VARIANCE", d.variance)?,
                    magnitude_noise: parse_env("DISCLOSURE_MAGNITUDE_NOISE", d.magnitude_noise)?,
                    dominance_p: parse_env("DISCLOSURE_DOMINANCE_P", d.dominance_p)?,
                };
                crate::aggregate::cellkey::CellKeyMethod::new(p).map_err(|e| anyhow::anyhow!(e))?;
                p
            },
            max_in_flight: parse_env("MAX_IN_FLIGHT", 64)?,
            max_in_flight_per_caller: parse_env("MAX_IN_FLIGHT_PER_CALLER", 8)?,
            webhooks: {
                let d = WebhookSettings::default();
                WebhookSettings {
                    deliver: parse_env("WEBHOOK_DELIVERY", d.deliver)?,
                    poll_ms: parse_env::<u64>("WEBHOOK_POLL_MS", d.poll_ms)?.max(10),
                    timeout_ms: parse_env::<u64>("WEBHOOK_TIMEOUT_MS", d.timeout_ms)?.max(100),
                    retry_base_ms: parse_env::<u64>("WEBHOOK_RETRY_BASE_MS", d.retry_base_ms)?.max(1),
                    retry_max_ms: parse_env::<u64>("WEBHOOK_RETRY_MAX_MS", d.retry_max_ms)?.max(1),
                    max_attempts: parse_env::<i32>("WEBHOOK_MAX_ATTEMPTS", d.max_attempts)?.max(1),
                    allow_http: parse_env("WEBHOOK_ALLOW_HTTP", d.allow_http)?,
                    allow_cidrs: crate::webhooks::egress::parse_allow_list(
                        &opt_env("WEBHOOK_ALLOW_CIDRS").unwrap_or_default(),
                    )?,
                    secret_key: opt_env("WEBHOOK_SECRET_KEY"),
                    secret_key_previous: opt_env("WEBHOOK_SECRET_KEY_PREVIOUS"),
                }
            },
            persisted_query_cache_entries: parse_env("PERSISTED_QUERY_CACHE_ENTRIES", 1000)?,
            persisted_operations_only: parse_env("PERSISTED_OPERATIONS_ONLY", false)?,
            persisted_operations_manifest: opt_env("PERSISTED_OPERATIONS_MANIFEST"),
            public_max_age_secs: parse_env("PUBLIC_MAX_AGE_SECONDS", 60)?,
            response_compression: parse_env("RESPONSE_COMPRESSION", true)?,
        };
        if settings.persisted_operations_only && settings.persisted_operations_manifest.is_none() {
            anyhow::bail!(
                "PERSISTED_OPERATIONS_ONLY=true needs PERSISTED_OPERATIONS_MANIFEST, the path of the \
                 operation manifest (`api persisted-manifest`)"
            );
        }
        settings.check_replica()?;
        Ok(settings)
    }

    /// Refuses a replica that cannot work: SQLite has no replicas, and a replica must be
    /// PostgreSQL like its primary.
    pub fn check_replica(&self) -> anyhow::Result<()> {
        let Some(replica) = &self.database_replica_url else {
            return Ok(());
        };
        if !is_postgres(&self.database_url) {
            anyhow::bail!(
                "DATABASE_REPLICA_URL is set but DATABASE_URL ({}) is not PostgreSQL: SQLite has no \
                 replicas; unset DATABASE_REPLICA_URL",
                redact_url(&self.database_url)
            );
        }
        if !is_postgres(replica) {
            anyhow::bail!(
                "DATABASE_REPLICA_URL ({}) must be a postgres:// URL of a streaming replica of DATABASE_URL",
                redact_url(replica)
            );
        }
        Ok(())
    }

    /// Settings for tests: the given database, port 0, defaults otherwise.
    pub fn for_tests(database_url: &str) -> Self {
        Self {
            database_url: database_url.to_owned(),
            database_replica_url: None,
            bind_addr: "127.0.0.1:0".to_owned(),
            graphiql: true,
            db_max_connections: 5,
            max_complexity: 20_000,
            jwt_secret: Some(TEST_JWT_SECRET.to_owned()),
            jwt_issuer: DEFAULT_ISSUER.to_owned(),
            jwt_audience: DEFAULT_AUDIENCE.to_owned(),
            jwt_leeway_secs: 30,
            jwt_public_keys: None,
            jwt_jwks_file: None,
            jwt_jwks_url: None,
            access_token_ttl_secs: 900,
            production: false,
            limits: Limits::default(),
            request_timeout_ms: 15_000,
            export_idle_timeout_ms: 30_000,
            statement_timeout_ms: 10_000,
            db_acquire_timeout_ms: 3_000,
            rate_limit_cost_per_minute: 10_000_000,
            rate_limit_free_complexity: 1_000,
            shutdown_timeout_secs: 5,
            slow_statement_ms: 200,
            metrics_token: None,
            metrics_bind_addr: None,
            trace_resolvers: false,
            reference_cache_ttl_secs: 60,
            result_cache_entries: 1000,
            cache_poll_ms: 1000,
            limit_sync_ms: 250,
            feed_poll_ms: 50,
            ws_max_subscriptions: 20,
            ws_max_connections_per_user: 5,
            ws_max_live_subscriptions: 2000,
            ws_max_unauthenticated: 256,
            ws_init_timeout_ms: 10_000,
            ws_account_check_ms: 15_000,
            disclosure: crate::aggregate::cellkey::Parameters::default(),
            // Tests fire concurrent requests from one token on purpose; the fair-overload
            // test sets its own bounds.
            max_in_flight: 1_000,
            max_in_flight_per_caller: 1_000,
            webhooks: WebhookSettings::default(),
            persisted_query_cache_entries: 1000,
            persisted_operations_only: false,
            persisted_operations_manifest: None,
            public_max_age_secs: 60,
            response_compression: true,
        }
    }
}

/// Default `iss` of tokens.
pub const DEFAULT_ISSUER: &str = "survey-platform";
/// Default `aud` of tokens.
pub const DEFAULT_AUDIENCE: &str = "survey-platform-api";
/// The secret `Settings::for_tests` uses; never in production.
pub const TEST_JWT_SECRET: &str = "test-secret-for-the-integration-tests-only";

/// Whether a database URL is PostgreSQL's.
fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn opt_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
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

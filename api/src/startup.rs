//! Connects, migrates, builds the schema once and binds the HTTP server.
//!
//! `serve` starts even while the database is down: the server is alive (`/healthz`), not
//! ready (`/readyz` 503, GraphQL 503 `UNAVAILABLE`), and keeps trying to migrate and seed;
//! once that succeeds it is ready. On SIGTERM it stops accepting, lets in-flight requests
//! finish (up to `SHUTDOWN_TIMEOUT_SECONDS`), then exits.

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::auth::jwt::KeyStore;
use crate::auth::service::LoginThrottles;
use crate::config::{Settings, redact_url};
use crate::console::ConsoleEnabled;
use crate::http;
use crate::loading::Caches;
use crate::replica::Replica;
use crate::schema::{self, Auth};
use crate::state::AppState;
use crate::telemetry::metrics::Metrics;
use crate::telemetry::sql::{self, StatementHook};

fn connect_options(settings: &Settings, url: &str) -> anyhow::Result<ConnectOptions> {
    if let Some(path) = sqlite_file(url)
        && let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let statement_timeout = format!("{}ms", settings.statement_timeout_ms);
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(settings.db_max_connections)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_millis(settings.db_acquire_timeout_ms))
        .sqlx_logging(false)
        // A file database shared by a pool needs WAL and a busy timeout to take writers in turn.
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        })
        // Every statement on PostgreSQL is cut off after STATEMENT_TIMEOUT_MS.
        .map_sqlx_postgres_opts(move |o| o.options([("statement_timeout", statement_timeout.as_str())]));
    Ok(opts)
}

/// Opens the connection pool now. An SQLite file and its folder are created when absent.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    Database::connect(connect_options(settings, &settings.database_url)?)
        .await
        .with_context(|| format!("connecting to {}", redact_url(&settings.database_url)))
}

/// A pool that connects on first use, so the server can start while the database is down.
pub async fn connect_lazy(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let mut opts = connect_options(settings, &settings.database_url)?;
    opts.connect_lazy(true);
    Database::connect(opts)
        .await
        .with_context(|| format!("configuring {}", redact_url(&settings.database_url)))
}

/// The read replica's pool (`DATABASE_REPLICA_URL`), with the primary's pool settings,
/// connecting on first use; none when no replica is configured.
pub async fn connect_replica(settings: &Settings) -> anyhow::Result<Option<DatabaseConnection>> {
    let Some(url) = &settings.database_replica_url else {
        return Ok(None);
    };
    settings.check_replica()?;
    let mut opts = connect_options(settings, url)?;
    opts.connect_lazy(true);
    let db = Database::connect(opts)
        .await
        .with_context(|| format!("configuring DATABASE_REPLICA_URL {}", redact_url(url)))?;
    Ok(Some(db))
}

/// The file path of an `sqlite://path?...` URL, if it names a file.
fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:") && !path.starts_with("file:")).then(|| path.to_owned())
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("running migrations")
}

/// Puts every webhook signing secret stored in clear or under the previous key under the
/// current key (`webhooks::secrets::reencrypt`); says what it did, never a secret.
pub async fn reencrypt_webhook_secrets(
    db: &DatabaseConnection,
    keys: &crate::webhooks::secrets::SecretKeys,
) -> anyhow::Result<()> {
    let done = crate::webhooks::secrets::reencrypt(db, keys)
        .await
        .map_err(|e| anyhow::anyhow!("re-encrypting the webhook secrets: {}", e.message()))?;
    if done.changed > 0 {
        tracing::info!(
            secrets = done.changed,
            key_id = keys.current_id(),
            "webhook signing secrets re-encrypted under the current key"
        );
    }
    if done.unreadable > 0 {
        tracing::warn!(
            secrets = done.unreadable,
            "webhook signing secrets are under a key this process does not have \
             (WEBHOOK_SECRET_KEY, WEBHOOK_SECRET_KEY_PREVIOUS): their deliveries fail until it does"
        );
    }
    Ok(())
}

/// A bound server, ready to run.
pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    server: Server,
    metrics_server: Option<Server>,
    background: Background,
    /// The read replica, when one is configured.
    replica: Option<Arc<Replica>>,
    /// Webhook destinations' rules and the keys of the endpoints' secrets.
    webhooks: Arc<crate::webhooks::Safety>,
}

/// The server's background tasks, stopped with it.
struct Background(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

impl Application {
    /// Binds at once; migrates and seeds an empty database in the background, retrying
    /// until the database answers. Ready once that is done; reads wait for the replica, if
    /// any, to replay the migrations and the seed (until then they run on the primary).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.check_replica()?;
        let db = connect_lazy(&settings).await?;
        let replica = connect_replica(&settings).await?;
        let ready = Arc::new(AtomicBool::new(false));
        let caches = crate::domains::caches(
            Duration::from_secs(settings.reference_cache_ttl_secs),
            settings.result_cache_entries,
        );
        let (db_bg, ready_bg, caches_bg) = (db.clone(), ready.clone(), caches.clone());
        let app = Self::bind(settings, db, replica, ready, None, caches)?;
        let replica_bg = app.replica.clone();
        let webhooks_bg = app.webhooks.clone();
        tokio::spawn(async move {
            let mut wait = Duration::from_millis(200);
            loop {
                let prepared = async {
                    migrate(&db_bg).await?;
                    reencrypt_webhook_secrets(&db_bg, &webhooks_bg.keys).await?;
                    let seeded = crate::seed::run_if_empty(&db_bg)
                        .await
                        .map_err(|e| anyhow::anyhow!("seeding: {}", e.message()))?;
                    if let Some(replica) = &replica_bg {
                        replica
                            .wait_for_primary(&db_bg)
                            .await
                            .map_err(|e| anyhow::anyhow!("reading the WAL position: {}", e.message()))?;
                    }
                    anyhow::Ok(seeded)
                }
                .await;
                match prepared {
                    Ok(seeded) => {
                        if seeded {
                            tracing::info!("seeded an empty database with the reports' data");
                        }
                        // Nothing read before the seed may stay in memory.
                        caches_bg.invalidate();
                        ready_bg.store(true, Ordering::SeqCst);
                        tracing::info!("database ready");
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "database not ready; retrying");
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(Duration::from_secs(5));
                    }
                }
            }
        });
        Ok(app)
    }

    /// Binds a server on an already prepared database (tests, benchmarks); `hook` sees every
    /// SQL statement the server runs. With a read replica: `build_with_replica`.
    pub fn build_with_db(
        settings: Settings,
        db: DatabaseConnection,
        hook: Option<StatementHook>,
    ) -> anyhow::Result<Self> {
        Self::build_with_replica(settings, db, None, hook)
    }

    /// `build_with_db` with the read replica's pool (`connect_replica`), which must be given
    /// exactly when `DATABASE_REPLICA_URL` is set and must have replayed the prepared database.
    pub fn build_with_replica(
        settings: Settings,
        db: DatabaseConnection,
        replica: Option<DatabaseConnection>,
        hook: Option<StatementHook>,
    ) -> anyhow::Result<Self> {
        if settings.database_replica_url.is_some() != replica.is_some() {
            anyhow::bail!(
                "DATABASE_REPLICA_URL and the replica's pool go together (startup::connect_replica)"
            );
        }
        let caches = crate::domains::caches(
            Duration::from_secs(settings.reference_cache_ttl_secs),
            settings.result_cache_entries,
        );
        Self::bind(
            settings,
            db,
            replica,
            Arc::new(AtomicBool::new(true)),
            hook,
            caches,
        )
    }

    fn bind(
        settings: Settings,
        mut db: DatabaseConnection,
        replica: Option<DatabaseConnection>,
        ready: Arc<AtomicBool>,
        hook: Option<StatementHook>,
        caches: Caches,
    ) -> anyhow::Result<Self> {
        // Production without WEBHOOK_SECRET_KEY stops here, before anything listens.
        let webhooks = Arc::new(crate::webhooks::Safety::from_settings(&settings)?);
        let listener = TcpListener::bind(&settings.bind_addr)
            .with_context(|| format!("binding {}", settings.bind_addr))?;
        let port = listener.local_addr()?.port();
        let metrics = Arc::new(
            Metrics::new(Duration::from_millis(settings.slow_statement_ms))
                .context("registering the metrics")?,
        );
        // Cloned before the statement hook: the poll is the process's, not a request's.
        let unobserved = db.clone();
        let unobserved_limits = db.clone();
        let unobserved_feed = db.clone();
        let unobserved_webhooks = db.clone();
        settings.check_replica()?;
        let replica = match replica {
            Some(mut replica) => {
                sql::observe(&mut replica, metrics.clone(), hook.clone());
                Some(Arc::new(Replica::new(replica)))
            }
            None => None,
        };
        sql::observe(&mut db, metrics.clone(), hook);
        // Another process's seed moves the data version: let go of the reference snapshots.
        let watched = caches.clone();
        let watch = crate::cache::watch(
            unobserved,
            Duration::from_millis(settings.cache_poll_ms),
            move || watched.invalidate(),
        );
        // The limits' counts, shared with the other processes through the database.
        let counts = Arc::new(crate::shared::SharedCounts::default());
        let sync = counts.sync(unobserved_limits, Duration::from_millis(settings.limit_sync_ms));
        // What subscribers hear: the change log, read every FEED_POLL_MS.
        let (feed, feed_task) =
            crate::feed::start(unobserved_feed, Duration::from_millis(settings.feed_poll_ms));
        let live = Arc::new(crate::sockets::Live::new(feed, &settings));
        let mut background = vec![watch, sync, feed_task];
        // The webhook outbox, sent by every process that delivers (any number may).
        if settings.webhooks.deliver {
            background.push(crate::webhooks::deliverer::spawn(
                unobserved_webhooks,
                ready.clone(),
                settings.webhooks.clone(),
                webhooks.clone(),
            ));
        }
        let metrics_listener = match &settings.metrics_bind_addr {
            Some(addr) => {
                Some(TcpListener::bind(addr).with_context(|| format!("binding METRICS_BIND_ADDR {addr}"))?)
            }
            None => None,
        };
        let metrics_port = match &metrics_listener {
            Some(l) => Some(l.local_addr()?.port()),
            None => None,
        };
        let auth = Auth {
            keys: Arc::new(KeyStore::from_settings(&settings)?),
            throttles: Arc::new(LoginThrottles::new(counts.clone())),
        };
        let limiter = Arc::new(crate::ratelimit::CostLimiter::new(
            settings.rate_limit_cost_per_minute,
            settings.rate_limit_free_complexity,
            counts,
        ));
        // With PERSISTED_OPERATIONS_ONLY, a manifest that does not load stops the start here.
        let persisted = Arc::new(crate::persisted::Persisted::from_settings(&settings)?);
        let (schema, exports) = schema::build(
            db.clone(),
            &settings,
            auth.clone(),
            limiter.clone(),
            webhooks.clone(),
        );
        let state = AppState {
            exports: Arc::new(exports),
            schema,
            limiter,
            export_idle: Duration::from_millis(settings.export_idle_timeout_ms),
            db,
            replica: replica.clone(),
            auth,
            graphiql: settings.graphiql,
            limits: settings.limits.clone(),
            persisted,
            public_max_age: settings.public_max_age_secs,
            request_timeout: Duration::from_millis(settings.request_timeout_ms),
            ready,
            metrics,
            metrics_token: settings.metrics_token.clone(),
            metrics_on_main: metrics_listener.is_none(),
            caches,
            live,
            admission: Arc::new(crate::admission::Admission::new(
                settings.max_in_flight,
                settings.max_in_flight_per_caller,
            )),
            live_admission: Arc::new(crate::admission::Admission::new(
                settings.ws_max_live_subscriptions,
                settings.ws_max_subscriptions * settings.ws_max_connections_per_user,
            )),
        };
        let max_body = settings.limits.max_body_bytes;
        let main_state = state.clone();
        let compression = settings.response_compression;
        let server = HttpServer::new(move || {
            App::new()
                // gzip or brotli as the client's Accept-Encoding asks, small answers as they are
                // (`body::small_uncompressed`).
                .wrap(actix_web::middleware::Condition::new(
                    compression,
                    actix_web::middleware::from_fn(crate::body::small_uncompressed),
                ))
                .wrap(actix_web::middleware::Condition::new(
                    compression,
                    actix_web::middleware::Compress::default(),
                ))
                .app_data(web::Data::new(main_state.clone()))
                .app_data(web::Data::new(ConsoleEnabled(main_state.graphiql)))
                .app_data(web::PayloadConfig::new(max_body))
                .configure(http::routes)
        })
        .shutdown_timeout(settings.shutdown_timeout_secs)
        .listen(listener)?
        .run();
        let metrics_server = match metrics_listener {
            Some(l) => Some(
                HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::new(state.clone()))
                        .configure(http::metrics_routes)
                })
                .workers(1)
                .shutdown_timeout(settings.shutdown_timeout_secs)
                .listen(l)?
                .run(),
            ),
            None => None,
        };
        Ok(Self {
            port,
            metrics_port,
            server,
            metrics_server,
            background: Background(background),
            replica,
            webhooks,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate metrics address, when `METRICS_BIND_ADDR` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _background = self.background;
        match self.metrics_server {
            Some(metrics) => {
                let handle = metrics.handle();
                tokio::spawn(metrics);
                let result = self.server.await;
                handle.stop(true).await;
                result
            }
            None => self.server.await,
        }
    }
}

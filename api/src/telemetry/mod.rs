//! Logs, traces and metrics.
//!
//! Logs: `RUST_LOG` sets the filter (`info` by default); `LOG_FORMAT=json` writes one JSON
//! object per line (with the request id, operation, role, duration and statement count of
//! each request), `text` (the default) a line a person reads.
//!
//! Traces: when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is
//! set, spans of requests, resolvers and SQL calls are exported over OTLP/HTTP with protobuf
//! bodies (not gRPC, which would bring HTTP/2 back), batched; `OTEL_TRACES_FILTER` chooses
//! which, `OTEL_SERVICE_NAME` names the service.
//!
//! Metrics: `metrics.rs`; statements per request: `sql.rs`.

pub mod metrics;
pub mod resolvers;
pub mod sql;

use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

/// Spans exported by default: requests and resolvers (info), SQL calls (sea-orm's driver spans
/// at trace, with each statement as a debug event on them).
const DEFAULT_TRACES_FILTER: &str = "info,sea_orm::driver=trace,sql=debug";

/// Keeps the trace exporter alive; dropping it flushes the spans not yet sent.
pub struct Telemetry {
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("flushing traces: {e}");
        }
    }
}

/// Whether the environment asks for traces to be exported.
pub fn otlp_configured() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|k| std::env::var(k).is_ok_and(|v| !v.trim().is_empty()))
}

/// Installs the global subscriber (logs, the pool-call counter and, when configured, the
/// trace exporter). A second call installs nothing and exports nothing.
pub fn init(default_filter: &str) -> anyhow::Result<Telemetry> {
    let json = match std::env::var("LOG_FORMAT").unwrap_or_default().trim() {
        "" | "text" => false,
        "json" => true,
        other => anyhow::bail!("LOG_FORMAT must be `text` or `json`, not {other:?}"),
    };
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let logs = if json {
        fmt::layer()
            .json()
            .with_current_span(false)
            .with_span_list(false)
            .flatten_event(true)
            .with_filter(filter())
            .boxed()
    } else {
        fmt::layer().with_target(false).with_filter(filter()).boxed()
    };
    let calls =
        sql::SqlCallLayer.with_filter(Targets::new().with_target("sea_orm::driver", tracing::Level::TRACE));
    let (traces, provider) = if otlp_configured() {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
            .context("configuring the OTLP trace exporter")?;
        let service = std::env::var("OTEL_SERVICE_NAME")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "survey-platform".to_owned());
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(
                opentelemetry_sdk::Resource::builder()
                    .with_service_name(service)
                    .build(),
            )
            .build();
        let traces_filter = std::env::var("OTEL_TRACES_FILTER")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_TRACES_FILTER.to_owned());
        let layer = tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("survey-platform"))
            .with_filter(EnvFilter::try_new(&traces_filter).context("OTEL_TRACES_FILTER")?);
        (Some(layer), Some(provider))
    } else {
        (None, None)
    };
    let installed = tracing_subscriber::registry()
        .with(logs)
        .with(calls)
        .with(traces)
        .try_init()
        .is_ok();
    Ok(Telemetry {
        provider: provider.filter(|_| installed),
    })
}

//! Running an export to its end while its bytes flow to the client.
//!
//! The producer reads page after page, charges the rows to the caller's rate-limit budget,
//! writes them and hands the bytes to a bounded channel that the response body drains: when
//! the client reads slowly the producer waits, so memory holds a page or two whatever the
//! export's size. A long export is bounded by an idle timeout, not by the request timeout:
//! each wait (a page from the database, the client taking bytes, the budget refilling) may
//! last at most `idle`; past it the export is cut off (the response ends without its last
//! chunk, so no client mistakes it for a whole file).

use actix_web::web::Bytes;
use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

use super::{FileWriter, Pager};

/// Runs a GraphQL request of the export through the schema, with the caller's data.
pub type Execute =
    Arc<dyn Fn(async_graphql::Request) -> BoxFuture<'static, async_graphql::Response> + Send + Sync>;

/// Charges rows to the caller's budget: `Err(seconds until it has them)`.
pub type Charge = Arc<dyn Fn(u64) -> Result<(), u64> + Send + Sync>;

/// The producer's end of a response body.
#[derive(Clone)]
pub struct BodySender {
    tx: mpsc::Sender<Bytes>,
    /// Set when the export is cut off: the body then ends in an error.
    failed: Arc<AtomicBool>,
}

/// A response body fed by a producer, holding two pieces at most: when the client reads
/// slowly, the producer waits. A body whose export was cut off ends in an error, so that the
/// client sees a broken transfer, never a short file that looks whole.
pub fn body_channel() -> (
    BodySender,
    impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + 'static,
) {
    let (tx, rx) = mpsc::channel::<Bytes>(2);
    let failed = Arc::new(AtomicBool::new(false));
    let sender = BodySender {
        tx,
        failed: failed.clone(),
    };
    let stream = futures_util::stream::unfold((rx, failed), |(mut rx, failed)| async move {
        match rx.recv().await {
            Some(bytes) => Some((Ok(bytes), (rx, failed))),
            None if failed.swap(false, Ordering::SeqCst) => Some((
                Err(std::io::Error::other("the export stopped before its end")),
                (rx, failed),
            )),
            None => None,
        }
    });
    (sender, stream)
}

/// Rows charged and written at a time.
const CHUNK_ROWS: usize = 100;

/// Bytes of a workbook sent at a time.
const XLSX_CHUNK_BYTES: usize = 64 * 1024;

/// How an export ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    /// Nothing moved for the idle timeout: no page came, or the client took no bytes.
    IdleTimeout,
    /// The client went away.
    ClientGone,
    /// The caller's budget did not refill within the idle timeout.
    RateLimited,
    /// A page failed: its error code.
    Failed(String),
}

impl Outcome {
    pub fn as_str(&self) -> String {
        match self {
            Outcome::Completed => "completed".into(),
            Outcome::IdleTimeout => "idle timeout".into(),
            Outcome::ClientGone => "client gone".into(),
            Outcome::RateLimited => "rate limited".into(),
            Outcome::Failed(code) => format!("failed: {code}"),
        }
    }
}

/// The stable code of a response's first error (`BAD_USER_INPUT` when it has none).
pub fn error_code(response: &async_graphql::Response) -> Option<String> {
    let err = response.errors.first()?;
    Some(
        err.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .and_then(|v| match v {
                async_graphql::Value::String(s) => Some(s.clone()),
                async_graphql::Value::Enum(e) => Some(e.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| "BAD_USER_INPUT".into()),
    )
}

/// An export past its first page.
pub struct Producer {
    pub pager: Pager,
    pub writer: FileWriter,
    pub execute: Execute,
    pub charge: Charge,
    pub idle: Duration,
}

impl Producer {
    /// Writes the first page's rows and every page after, sending the file's bytes to `tx`;
    /// returns the rows sent and how the export ended. The response ends when `tx` is
    /// dropped, so the caller can log the end before the client sees it.
    pub async fn run(mut self, first: Vec<serde_json::Value>, tx: &BodySender) -> (u64, Outcome) {
        let mut sent = 0u64;
        let mut page = first;
        loop {
            for chunk in page.chunks(CHUNK_ROWS) {
                if let Err(outcome) = self.pay(chunk.len() as u64).await {
                    return (sent, cut_off(tx, outcome).await);
                }
                for row in chunk {
                    if let Err(e) = self.writer.write(row) {
                        tracing::error!(error = ?e, "writing an export");
                        return (sent, cut_off(tx, Outcome::Failed("INTERNAL".into())).await);
                    }
                }
                sent += chunk.len() as u64;
            }
            match self.writer.take() {
                Ok(bytes) if bytes.is_empty() => {}
                Ok(bytes) => {
                    if let Err(outcome) = send(tx, Bytes::from(bytes), self.idle).await {
                        return (sent, cut_off(tx, outcome).await);
                    }
                }
                Err(e) => {
                    tracing::error!(error = ?e, "writing an export");
                    return (sent, cut_off(tx, Outcome::Failed("INTERNAL".into())).await);
                }
            }
            if self.pager.done() {
                break;
            }
            let response = match tokio::time::timeout(self.idle, (self.execute)(self.pager.request())).await {
                Ok(r) => r,
                Err(_) => return (sent, cut_off(tx, Outcome::IdleTimeout).await),
            };
            if let Some(code) = error_code(&response) {
                tracing::warn!(%code, errors = ?response.errors, "an export's page failed");
                return (sent, cut_off(tx, Outcome::Failed(code)).await);
            }
            page = match response.data.into_json() {
                Ok(data) => self.pager.rows(data),
                Err(e) => {
                    tracing::error!(error = %e, "an export's page");
                    return (sent, cut_off(tx, Outcome::Failed("INTERNAL".into())).await);
                }
            };
        }
        // The rest of the file (a workbook's zip is assembled here) is written off the runtime.
        let out = ChannelWriter {
            tx: tx.clone(),
            handle: tokio::runtime::Handle::current(),
            idle: self.idle,
            buffer: Vec::with_capacity(XLSX_CHUNK_BYTES),
            outcome: None,
        };
        let writer = self.writer;
        let finished = tokio::task::spawn_blocking(move || {
            use std::io::Write as _;
            let mut out = out;
            let result = writer.finish(&mut out).and_then(|()| {
                out.flush()
                    .map_err(|e| crate::error::AppError::Internal(e.into()))
            });
            (result, out.outcome)
        })
        .await;
        match finished {
            Ok((Ok(()), _)) => (sent, Outcome::Completed),
            Ok((Err(_), Some(outcome))) => (sent, cut_off(tx, outcome).await),
            Ok((Err(e), None)) => {
                tracing::error!(error = ?e, "finishing an export");
                (sent, cut_off(tx, Outcome::Failed("INTERNAL".into())).await)
            }
            Err(e) => {
                tracing::error!(error = %e, "finishing an export");
                (sent, cut_off(tx, Outcome::Failed("INTERNAL".into())).await)
            }
        }
    }

    /// Charges `rows`, waiting for the budget to refill for at most the idle timeout.
    async fn pay(&self, rows: u64) -> Result<(), Outcome> {
        let mut waited = 0u64;
        loop {
            match (self.charge)(rows) {
                Ok(()) => return Ok(()),
                Err(wait) if Duration::from_secs(waited + wait) <= self.idle => {
                    tokio::time::sleep(Duration::from_secs(wait)).await;
                    waited += wait;
                }
                Err(_) => return Err(Outcome::RateLimited),
            }
        }
    }
}

/// Sends bytes, waiting for the client for at most `idle`.
async fn send(tx: &BodySender, bytes: Bytes, idle: Duration) -> Result<(), Outcome> {
    match tokio::time::timeout(idle, tx.tx.send(bytes)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Outcome::ClientGone),
        Err(_) => Err(Outcome::IdleTimeout),
    }
}

/// Ends the response with an error, so that the client sees a cut-off transfer, not a file.
async fn cut_off(tx: &BodySender, outcome: Outcome) -> Outcome {
    tx.failed.store(true, Ordering::SeqCst);
    outcome
}

/// A blocking writer into the response channel, in pieces of `XLSX_CHUNK_BYTES`.
struct ChannelWriter {
    tx: BodySender,
    handle: tokio::runtime::Handle,
    idle: Duration,
    buffer: Vec<u8>,
    /// Why the client stopped taking bytes, when it did.
    outcome: Option<Outcome>,
}

impl ChannelWriter {
    fn send_buffer(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let bytes = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(XLSX_CHUNK_BYTES),
        ));
        match self.handle.block_on(send(&self.tx, bytes, self.idle)) {
            Ok(()) => Ok(()),
            Err(outcome) => {
                let err = std::io::Error::other(outcome.as_str());
                self.outcome = Some(outcome);
                Err(err)
            }
        }
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= XLSX_CHUNK_BYTES {
            self.send_buffer()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{Column, Format, Kind, Source};

    /// A list of `total` rows served 100 a page, as the schema would.
    fn producer(total: usize, charge: Charge, idle: Duration) -> (Producer, Vec<serde_json::Value>) {
        let page = move |after: usize| {
            let rows: Vec<serde_json::Value> = (after..total.min(after + 100))
                .map(|i| serde_json::json!({"n": i}))
                .collect();
            let next = after + rows.len();
            serde_json::json!({"things": {"nodes": rows,
                "pageInfo": {"hasNextPage": next < total, "endCursor": next.to_string()}}})
        };
        let execute: Execute = Arc::new(move |request: async_graphql::Request| {
            let after = request.variables.into_value().into_json().unwrap()["after"]
                .as_str()
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            let data = async_graphql::Value::from_json(page(after)).unwrap();
            Box::pin(async move { async_graphql::Response::new(data) })
        });
        let mut pager = Pager {
            field: "things".into(),
            source: Source::List,
            query: "{}".into(),
            variables: serde_json::json!({}),
            after: None,
            done: false,
        };
        let first = pager.rows(page(0));
        let columns = vec![Column::new(&["n"], "序号", "n", Kind::Number)];
        let writer = FileWriter::new(Format::Csv, columns, "things", 10).unwrap();
        (
            Producer {
                pager,
                writer,
                execute,
                charge,
                idle,
            },
            first,
        )
    }

    fn free() -> Charge {
        Arc::new(|_| Ok(()))
    }

    /// Reads a body to its end: its bytes, and whether it ended in an error.
    async fn read(body: impl futures_util::Stream<Item = Result<Bytes, std::io::Error>>) -> (String, bool) {
        use futures_util::StreamExt as _;
        let mut body = std::pin::pin!(body);
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(b) => bytes.extend_from_slice(&b),
                Err(_) => return (String::from_utf8(bytes).unwrap(), true),
            }
        }
        (String::from_utf8(bytes).unwrap(), false)
    }

    #[tokio::test]
    async fn every_page_flows_to_the_client_and_each_row_is_charged() {
        let charged = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = charged.clone();
        let charge: Charge = Arc::new(move |rows| {
            counter.fetch_add(rows, Ordering::SeqCst);
            Ok(())
        });
        let (p, first) = producer(250, charge, Duration::from_secs(5));
        let (tx, body) = body_channel();
        let reader = tokio::spawn(read(body));
        let (sent, outcome) = p.run(first, &tx).await;
        drop(tx);
        assert_eq!((sent, outcome), (250, Outcome::Completed));
        let (body, broken) = reader.await.unwrap();
        assert!(!broken);
        assert_eq!(body.lines().count(), 251, "the header and every row");
        assert!(body.ends_with("249\n"));
        assert_eq!(charged.load(Ordering::SeqCst), 250);
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_is_cut_off_after_the_idle_timeout() {
        let (p, first) = producer(1_000, free(), Duration::from_millis(50));
        let (tx, body) = body_channel();
        let (sent, outcome) = p.run(first, &tx).await;
        drop(tx);
        assert_eq!(outcome, Outcome::IdleTimeout);
        assert!(sent < 1_000, "{sent}");
        // What was sent arrives; the body then ends in an error, not as a whole file.
        let (text, broken) = read(body).await;
        assert!(broken);
        assert!(text.lines().count() < 1_000);
    }

    #[tokio::test]
    async fn a_budget_that_does_not_refill_in_time_stops_the_export() {
        let (p, first) = producer(300, Arc::new(|_| Err(60)), Duration::from_secs(1));
        let (tx, body) = body_channel();
        let (sent, outcome) = p.run(first, &tx).await;
        drop(tx);
        assert_eq!((sent, outcome), (0, Outcome::RateLimited));
        assert!(read(body).await.1, "the body is cut off");
    }

    #[tokio::test]
    async fn a_client_that_leaves_ends_the_export() {
        let (p, first) = producer(1_000, free(), Duration::from_secs(5));
        let (tx, body) = body_channel();
        drop(body);
        let (_, outcome) = p.run(first, &tx).await;
        assert_eq!(outcome, Outcome::ClientGone);
    }
}

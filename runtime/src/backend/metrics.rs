//! [`MetricsBackend`]: per-request metrics of any backend — consumed read and write units
//! (for the table and each index), latency, throttles and retries — labelled by
//! operation, table, index and access pattern (the typed builder that sent the request,
//! see [`crate::pattern`]).
//!
//! Every request is reported three ways, the first always, the others opt-in:
//!
//! - a `tracing` span `dynamodb` with the fields `operation`, `table`, `index`,
//!   `pattern`, and, when the request completes, `read_units`, `write_units`,
//!   `latency_us`, `throttled` and `error` (the inner backend's own spans nest in it);
//! - the [`metrics`](https://docs.rs/metrics) facade, with the cargo feature `metrics`
//!   (off by default): the counter `dynamodb_requests_total`, the histograms
//!   `dynamodb_request_duration_seconds`, `dynamodb_consumed_read_units` and
//!   `dynamodb_consumed_write_units` (their sums are the units consumed), the counters
//!   `dynamodb_throttled_requests_total` and `dynamodb_retries_total`;
//! - CloudWatch embedded metric format (EMF) JSON lines, one per request, with
//!   [`MetricsBackend::with_emf`]: CloudWatch Logs turns them into metrics of the
//!   namespace given, with the dimensions `Table`, `Operation` and `AccessPattern`
//!   (CloudWatch_Embedded_Metric_Format_Specification.html).
//!
//! Like [`CountingBackend`](super::counting::CountingBackend), requests are sent with
//! `ReturnConsumedCapacity=INDEXES` when the caller asked for `NONE`, and the figures
//! are removed from the response again. Retries are counted from the backoff waits of the
//! typed client's retry code (batch helpers, [`RetryingBackend`](crate::retry::RetryingBackend)),
//! which it announces through [`Backend::simulated_sleep`] before each retry.
//!
//! ```
//! use singletable_runtime::backend::metrics::MetricsBackend;
//! use singletable_engine::MemoryBackend;
//!
//! let lines: Vec<u8> = Vec::new();
//! let backend = MetricsBackend::new(MemoryBackend::new()).with_emf("MyApp", lines);
//! # drop(backend);
//! ```

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use tracing::field::Empty;
use tracing::Instrument as _;

use crate::backend::{
    Backend, BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput,
    BoxFuture, ConsumedCapacity, CreateTableInput, DeleteItemInput, GetItemInput, GetItemOutput,
    ListTablesInput, ListTablesOutput, PageOutput, PutItemInput, QueryInput,
    ReturnConsumedCapacity, ScanInput, TableDescription, TimeToLiveDescription,
    TimeToLiveSpecification, TransactGetItemsInput, TransactGetItemsOutput,
    TransactWriteItemsInput, TransactWriteItemsOutput, UpdateItemInput, UpdateTableInput,
    WriteItemOutput,
};
use crate::error::{Error, Result};

/// Units one table or index consumed in a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Consumed {
    /// The table.
    pub table: String,
    /// The index (GSI or LSI), or `None` for the table's own share.
    pub index: Option<String>,
    /// Read units.
    pub read_units: f64,
    /// Write units.
    pub write_units: f64,
}

/// What one request did, as every sink sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestMetrics {
    /// DynamoDB's operation name (`PutItem`, `Query`, …).
    pub operation: &'static str,
    /// The table (the tables, joined by `,`, for a batch or a transaction).
    pub table: String,
    /// The index a `Query` or `Scan` reads.
    pub index: Option<String>,
    /// The access pattern (`Order.query(GSI1)`), or the operation's name for requests
    /// not sent by a typed builder.
    pub pattern: String,
    /// From the call to the answer.
    pub latency: Duration,
    /// Units consumed, per table and index.
    pub consumed: Vec<Consumed>,
    /// True when the request was throttled.
    pub throttled: bool,
    /// DynamoDB's exception name, when the request failed.
    pub error: Option<String>,
}

impl RequestMetrics {
    /// Read units consumed, all tables and indexes.
    pub fn read_units(&self) -> f64 {
        self.consumed.iter().map(|c| c.read_units).sum()
    }

    /// Write units consumed, all tables and indexes.
    pub fn write_units(&self) -> f64 {
        self.consumed.iter().map(|c| c.write_units).sum()
    }
}

/// Where request metrics go: implement it to collect them elsewhere.
pub trait MetricsSink: Send + Sync {
    /// One request completed (or failed).
    fn request(&self, metrics: &RequestMetrics);
    /// The typed client is about to retry a request of `pattern` after `delay`.
    fn retry(&self, pattern: &str, delay: Duration) {
        let _ = (pattern, delay);
    }
}

/// CloudWatch embedded metric format: one JSON line per request on a writer.
pub struct EmfSink {
    namespace: String,
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for EmfSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmfSink").field("namespace", &self.namespace).finish_non_exhaustive()
    }
}

impl EmfSink {
    /// Lines for the CloudWatch namespace `namespace`, written to `out` (stdout in a
    /// Lambda function: its log goes to CloudWatch Logs).
    pub fn new(namespace: impl Into<String>, out: impl Write + Send + 'static) -> Self {
        EmfSink { namespace: namespace.into(), out: Mutex::new(Box::new(out)) }
    }

    /// The EMF document of one request.
    pub fn document(&self, metrics: &RequestMetrics) -> Value {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX));
        let mut document = Map::new();
        document.insert(
            "_aws".to_owned(),
            json!({
                "Timestamp": millis,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [["Table", "Operation", "AccessPattern"]],
                    "Metrics": [
                        {"Name": "ConsumedReadCapacityUnits", "Unit": "Count"},
                        {"Name": "ConsumedWriteCapacityUnits", "Unit": "Count"},
                        {"Name": "Latency", "Unit": "Milliseconds"},
                        {"Name": "ThrottledRequests", "Unit": "Count"},
                    ],
                }],
            }),
        );
        document.insert("Table".to_owned(), json!(metrics.table));
        document.insert("Operation".to_owned(), json!(metrics.operation));
        document.insert("AccessPattern".to_owned(), json!(metrics.pattern));
        document.insert("ConsumedReadCapacityUnits".to_owned(), json!(metrics.read_units()));
        document.insert("ConsumedWriteCapacityUnits".to_owned(), json!(metrics.write_units()));
        document.insert("Latency".to_owned(), json!(metrics.latency.as_secs_f64() * 1_000.0));
        document.insert("ThrottledRequests".to_owned(), json!(u8::from(metrics.throttled)));
        if let Some(index) = &metrics.index {
            document.insert("Index".to_owned(), json!(index));
        }
        if let Some(error) = &metrics.error {
            document.insert("Error".to_owned(), json!(error));
        }
        // Per table and index, as properties (not dimensions: CloudWatch would make a
        // metric of each).
        let consumed: Vec<Value> = metrics
            .consumed
            .iter()
            .map(|c| {
                json!({"Table": c.table, "Index": c.index, "ReadCapacityUnits": c.read_units,
                       "WriteCapacityUnits": c.write_units})
            })
            .collect();
        document.insert("ConsumedCapacity".to_owned(), Value::Array(consumed));
        Value::Object(document)
    }
}

impl MetricsSink for EmfSink {
    fn request(&self, metrics: &RequestMetrics) {
        let line = self.document(metrics).to_string();
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        // A log line that cannot be written is dropped: metrics never fail a request.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// The `metrics` crate's facade (feature `metrics`): whatever recorder the program
/// installed receives the requests.
#[cfg(feature = "metrics")]
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsFacade;

#[cfg(feature = "metrics")]
impl MetricsSink for MetricsFacade {
    fn request(&self, m: &RequestMetrics) {
        let labels = [
            ("operation", m.operation.to_owned()),
            ("table", m.table.clone()),
            ("pattern", m.pattern.clone()),
        ];
        metrics::counter!("dynamodb_requests_total", &labels).increment(1);
        metrics::histogram!("dynamodb_request_duration_seconds", &labels)
            .record(m.latency.as_secs_f64());
        if m.throttled {
            metrics::counter!("dynamodb_throttled_requests_total", &labels).increment(1);
        }
        for c in &m.consumed {
            let labels = [
                ("table", c.table.clone()),
                ("index", c.index.clone().unwrap_or_default()),
                ("pattern", m.pattern.clone()),
            ];
            if c.read_units > 0.0 {
                metrics::histogram!("dynamodb_consumed_read_units", &labels).record(c.read_units);
            }
            if c.write_units > 0.0 {
                metrics::histogram!("dynamodb_consumed_write_units", &labels).record(c.write_units);
            }
        }
    }

    fn retry(&self, pattern: &str, _delay: Duration) {
        metrics::counter!("dynamodb_retries_total", "pattern" => pattern.to_owned()).increment(1);
    }
}

struct Shared {
    sinks: Vec<Arc<dyn MetricsSink>>,
}

/// A [`Backend`] that reports every request's metrics (see the [module docs](self)).
/// Clones share the sinks.
#[derive(Clone)]
pub struct MetricsBackend<B> {
    inner: B,
    shared: Arc<Shared>,
}

impl<B> std::fmt::Debug for MetricsBackend<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsBackend").field("sinks", &self.shared.sinks.len()).finish()
    }
}

impl<B: Backend> MetricsBackend<B> {
    /// Wraps `inner`: `tracing` spans, and the `metrics` facade with the feature
    /// `metrics`.
    pub fn new(inner: B) -> Self {
        #[cfg(feature = "metrics")]
        let sinks: Vec<Arc<dyn MetricsSink>> = vec![Arc::new(MetricsFacade)];
        #[cfg(not(feature = "metrics"))]
        let sinks: Vec<Arc<dyn MetricsSink>> = Vec::new();
        MetricsBackend { inner, shared: Arc::new(Shared { sinks }) }
    }

    /// Also reports to `sink`.
    #[must_use]
    pub fn with_sink(self, sink: Arc<dyn MetricsSink>) -> Self {
        let mut sinks = self.shared.sinks.clone();
        sinks.push(sink);
        MetricsBackend { inner: self.inner, shared: Arc::new(Shared { sinks }) }
    }

    /// Also writes CloudWatch EMF lines for `namespace` to `out`.
    #[must_use]
    pub fn with_emf(self, namespace: impl Into<String>, out: impl Write + Send + 'static) -> Self {
        self.with_sink(Arc::new(EmfSink::new(namespace, out)))
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    fn call(&self, operation: &'static str, table: String, index: Option<String>) -> Call {
        let pattern =
            crate::pattern::current().map_or_else(|| operation.to_owned(), |p| p.to_string());
        let span = tracing::info_span!(
            "dynamodb",
            operation,
            table = table.as_str(),
            index = index.as_deref().unwrap_or(""),
            pattern = pattern.as_str(),
            read_units = Empty,
            write_units = Empty,
            latency_us = Empty,
            throttled = Empty,
            error = Empty,
        );
        Call {
            shared: Arc::clone(&self.shared),
            operation,
            table,
            index,
            pattern,
            started: Instant::now(),
            span,
        }
    }

    fn run<'a, T: Send + 'a>(
        &'a self,
        call: Call,
        strip: bool,
        future: BoxFuture<'a, Result<T>>,
        consumed: fn(&mut T, bool) -> Vec<ConsumedCapacity>,
    ) -> BoxFuture<'a, Result<T>> {
        let span = call.span.clone();
        Box::pin(
            async move {
                let mut result = future.await;
                let reports = match &mut result {
                    Ok(output) => consumed(output, strip),
                    Err(_) => Vec::new(),
                };
                call.finish(result.as_ref().err(), &reports);
                result
            }
            .instrument(span),
        )
    }
}

/// One request under way.
struct Call {
    shared: Arc<Shared>,
    operation: &'static str,
    table: String,
    index: Option<String>,
    pattern: String,
    started: Instant,
    span: tracing::Span,
}

fn is_throttle(error: &Error) -> bool {
    if let Error::TransactionCanceled { reasons, .. } = error {
        return reasons.iter().any(|reason| {
            matches!(reason.code.as_str(), "ThrottlingError" | "ProvisionedThroughputExceeded")
        });
    }
    matches!(
        error.dynamodb_type(),
        Some(
            "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded"
        )
    )
}

impl Call {
    fn finish(self, error: Option<&Error>, reports: &[ConsumedCapacity]) {
        let Call { shared, operation, table, index, pattern, started, span } = self;
        let read =
            matches!(operation, "GetItem" | "Query" | "Scan" | "BatchGetItem" | "TransactGetItems");
        let mut consumed = Vec::new();
        for report in reports {
            let units = |capacity: f64| if read { (capacity, 0.0) } else { (0.0, capacity) };
            let mut push = |index: Option<String>, capacity: f64| {
                let (read_units, write_units) = units(capacity);
                consumed.push(Consumed {
                    table: report.table_name.clone(),
                    index,
                    read_units,
                    write_units,
                });
            };
            match report.table {
                Some(table) => push(None, table.capacity_units),
                // No breakdown: everything is the table's.
                None => push(None, report.capacity_units),
            }
            for (name, capacity) in
                report.global_secondary_indexes.iter().chain(&report.local_secondary_indexes)
            {
                push(Some(name.clone()), capacity.capacity_units);
            }
        }
        // A table or index that consumed nothing (the table's share of a GSI query) is
        // left out.
        consumed.retain(|c| c.read_units > 0.0 || c.write_units > 0.0);
        let metrics = RequestMetrics {
            operation,
            table,
            index,
            pattern,
            latency: started.elapsed(),
            consumed,
            throttled: error.is_some_and(is_throttle),
            error: error.map(|e| e.dynamodb_type().unwrap_or("client error").to_owned()),
        };
        span.record("read_units", metrics.read_units());
        span.record("write_units", metrics.write_units());
        span.record("latency_us", u64::try_from(metrics.latency.as_micros()).unwrap_or(u64::MAX));
        span.record("throttled", metrics.throttled);
        if let Some(error) = &metrics.error {
            span.record("error", error.as_str());
        }
        tracing::debug!(parent: &span, "dynamodb request");
        for sink in &shared.sinks {
            sink.request(&metrics);
        }
    }
}

/// Asks for `INDEXES` when the caller asked for nothing; true when the figures must be
/// removed again.
fn ask(field: &mut ReturnConsumedCapacity) -> bool {
    if *field == ReturnConsumedCapacity::None {
        *field = ReturnConsumedCapacity::Indexes;
        true
    } else {
        false
    }
}

fn one(report: &mut Option<ConsumedCapacity>, strip: bool) -> Vec<ConsumedCapacity> {
    let taken = if strip { report.take() } else { report.clone() };
    taken.into_iter().collect()
}

fn many(reports: &mut Vec<ConsumedCapacity>, strip: bool) -> Vec<ConsumedCapacity> {
    if strip {
        std::mem::take(reports)
    } else {
        reports.clone()
    }
}

fn tables<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let mut names: Vec<&str> = names.map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

impl<B: Backend> Backend for MetricsBackend<B> {
    fn simulated_sleep(&self, duration: Duration) -> bool {
        let pattern = crate::pattern::current();
        let pattern = pattern.as_deref().unwrap_or("");
        for sink in &self.shared.sinks {
            sink.retry(pattern, duration);
        }
        tracing::debug!(
            pattern,
            delay_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            "dynamodb retry"
        );
        self.inner.simulated_sleep(duration)
    }

    fn create_table(&self, input: CreateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        self.inner.create_table(input)
    }

    fn delete_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.inner.delete_table(table_name)
    }

    fn describe_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.inner.describe_table(table_name)
    }

    fn update_table(&self, input: UpdateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        self.inner.update_table(input)
    }

    fn list_tables(&self, input: ListTablesInput) -> BoxFuture<'_, Result<ListTablesOutput>> {
        self.inner.list_tables(input)
    }

    fn get_item(&self, mut input: GetItemInput) -> BoxFuture<'_, Result<GetItemOutput>> {
        let strip = ask(&mut input.return_consumed_capacity);
        let call = self.call("GetItem", input.table_name.clone(), None);
        let future = self.inner.get_item(input);
        self.run(call, strip, future, |o, s| one(&mut o.consumed_capacity, s))
    }

    fn put_item(&self, mut input: PutItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        let strip = ask(&mut input.return_consumed_capacity);
        let call = self.call("PutItem", input.table_name.clone(), None);
        let future = self.inner.put_item(input);
        self.run(call, strip, future, |o, s| one(&mut o.consumed_capacity, s))
    }

    fn delete_item(&self, mut input: DeleteItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        let strip = ask(&mut input.return_consumed_capacity);
        let call = self.call("DeleteItem", input.table_name.clone(), None);
        let future = self.inner.delete_item(input);
        self.run(call, strip, future, |o, s| one(&mut o.consumed_capacity, s))
    }

    fn update_item(&self, mut input: UpdateItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        let strip = ask(&mut input.return_consumed_capacity);
        let call = self.call("UpdateItem", input.table_name.clone(), None);
        let future = self.inner.update_item(input);
        self.run(call, strip, future, |o, s| one(&mut o.consumed_capacity, s))
    }

    fn query(&self, mut input: QueryInput) -> BoxFuture<'_, Result<PageOutput>> {
        let strip = ask(&mut input.return_consumed_capacity);
        let call = self.call("Query", input.table_name.clone(), input.index_name.clone());
        let future = self.inner.query(input);
        self.run(call, strip, future, |o, s| one(&mut o.consumed_capacity, s))
    }

    fn scan(&self, mut input: ScanInput) -> BoxFuture<'_, Result<PageOutput>> {
        let strip = ask(&mut input.return_consumed_capacity);
        let call = self.call("Scan", input.table_name.clone(), input.index_name.clone());
        let future = self.inner.scan(input);
        self.run(call, strip, future, |o, s| one(&mut o.consumed_capacity, s))
    }

    fn batch_get_item(
        &self,
        mut input: BatchGetItemInput,
    ) -> BoxFuture<'_, Result<BatchGetItemOutput>> {
        let strip = ask(&mut input.return_consumed_capacity);
        let call = self.call("BatchGetItem", tables(input.request_items.keys()), None);
        let future = self.inner.batch_get_item(input);
        self.run(call, strip, future, |o, s| many(&mut o.consumed_capacity, s))
    }

    fn batch_write_item(
        &self,
        mut input: BatchWriteItemInput,
    ) -> BoxFuture<'_, Result<BatchWriteItemOutput>> {
        let strip = ask(&mut input.return_consumed_capacity);
        let call = self.call("BatchWriteItem", tables(input.request_items.keys()), None);
        let future = self.inner.batch_write_item(input);
        self.run(call, strip, future, |o, s| many(&mut o.consumed_capacity, s))
    }

    fn transact_write_items(
        &self,
        mut input: TransactWriteItemsInput,
    ) -> BoxFuture<'_, Result<TransactWriteItemsOutput>> {
        let strip = ask(&mut input.return_consumed_capacity);
        let names: Vec<String> = input
            .items
            .iter()
            .map(|item| match item {
                crate::backend::TransactWriteItem::Put { table_name, .. }
                | crate::backend::TransactWriteItem::Update { table_name, .. }
                | crate::backend::TransactWriteItem::Delete { table_name, .. }
                | crate::backend::TransactWriteItem::ConditionCheck { table_name, .. } => {
                    table_name.clone()
                }
            })
            .collect();
        let call = self.call("TransactWriteItems", tables(names.iter()), None);
        let future = self.inner.transact_write_items(input);
        self.run(call, strip, future, |o, s| many(&mut o.consumed_capacity, s))
    }

    fn transact_get_items(
        &self,
        mut input: TransactGetItemsInput,
    ) -> BoxFuture<'_, Result<TransactGetItemsOutput>> {
        let strip = ask(&mut input.return_consumed_capacity);
        let call =
            self.call("TransactGetItems", tables(input.items.iter().map(|i| &i.table_name)), None);
        let future = self.inner.transact_get_items(input);
        self.run(call, strip, future, |o, s| many(&mut o.consumed_capacity, s))
    }

    fn update_time_to_live(
        &self,
        table_name: String,
        specification: TimeToLiveSpecification,
    ) -> BoxFuture<'_, Result<TimeToLiveSpecification>> {
        self.inner.update_time_to_live(table_name, specification)
    }

    fn describe_time_to_live(
        &self,
        table_name: String,
    ) -> BoxFuture<'_, Result<TimeToLiveDescription>> {
        self.inner.describe_time_to_live(table_name)
    }
}

//! `MetricsBackend` reporting to the `metrics` facade (feature `metrics`): a recorder
//! installed by the program receives request counts, latency and consumed units per
//! table, index and access pattern, throttles and retries.
//!
//! `cargo test -p singletable-runtime --features metrics --test metrics_facade`

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use metrics::{
    Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use singletable_core::backend::{
    AttributeDefinition, Backend, CreateTableInput, KeySchemaElement, KeyType, PutItemInput,
};
use singletable_core::clock::ManualClock;
use singletable_core::schema::{BillingMode, ScalarType};
use singletable_core::{AttributeValue, Timestamp};
use singletable_engine::MemoryBackend;
use singletable_runtime::backend::metrics::MetricsBackend;
use singletable_runtime::pattern;

#[derive(Default)]
struct Count(AtomicU64);

impl CounterFn for Count {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::SeqCst);
    }
    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::SeqCst);
    }
}

#[derive(Default)]
struct Values(Mutex<Vec<f64>>);

impl HistogramFn for Values {
    fn record(&self, value: f64) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(value);
    }
}

/// A recorder keeping every series by `name{label=value,...}`.
#[derive(Default)]
struct Collect {
    counters: Mutex<BTreeMap<String, Arc<Count>>>,
    histograms: Mutex<BTreeMap<String, Arc<Values>>>,
}

fn series(key: &Key) -> String {
    let labels: Vec<String> =
        key.labels().map(|label| format!("{}={}", label.key(), label.value())).collect();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl Recorder for Collect {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        Counter::from_arc(Arc::clone(counters.entry(series(key)).or_default()))
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        let mut histograms = self.histograms.lock().unwrap_or_else(PoisonError::into_inner);
        Histogram::from_arc(Arc::clone(histograms.entry(series(key)).or_default()))
    }
}

impl Collect {
    fn counter(&self, series: &str) -> u64 {
        let counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        counters.get(series).map_or(0, |count| count.0.load(Ordering::SeqCst))
    }

    fn values(&self, series: &str) -> Vec<f64> {
        let histograms = self.histograms.lock().unwrap_or_else(PoisonError::into_inner);
        histograms
            .get(series)
            .map(|values| values.0.lock().unwrap_or_else(PoisonError::into_inner).clone())
            .unwrap_or_default()
    }
}

fn put(n: u32) -> PutItemInput {
    PutItemInput {
        table_name: "Orders".to_owned(),
        item: [("pk".to_owned(), AttributeValue::S(format!("o{n}")))].into(),
        ..PutItemInput::default()
    }
}

#[test]
fn requests_reach_the_installed_recorder() {
    let recorder = Collect::default();
    metrics::with_local_recorder(&recorder, || {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        runtime.block_on(async {
            // A clock that stands still: exactly one unit, then none.
            let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(1_764_072_000)));
            let engine = MemoryBackend::new().with_clock(clock).with_capacity_model();
            let db = MetricsBackend::new(engine);
            db.create_table(CreateTableInput {
                table_name: "Orders".to_owned(),
                attribute_definitions: vec![AttributeDefinition {
                    name: "pk".to_owned(),
                    ty: ScalarType::S,
                }],
                key_schema: vec![KeySchemaElement {
                    attribute_name: "pk".to_owned(),
                    key_type: KeyType::Hash,
                }],
                global_secondary_indexes: vec![],
                local_secondary_indexes: vec![],
                billing_mode: BillingMode::Provisioned { read: 1, write: 1 },
                stream: None,
            })
            .await
            .expect("create");
            // The pattern is read when the request is made: inside the labelled future.
            let sent = pattern::labelled("Order.put", async { db.put_item(put(1)).await }).await;
            sent.expect("one unit");
            let throttled =
                pattern::labelled("Order.put", async { db.put_item(put(2)).await }).await;
            assert!(throttled.is_err(), "the second unit is not there yet");
            pattern::labelled("BatchWrite", async {
                db.simulated_sleep(Duration::from_millis(5));
            })
            .await;
        });
    });
    let labels = "operation=PutItem,table=Orders,pattern=Order.put";
    let names: Vec<String> =
        recorder.counters.lock().unwrap_or_else(PoisonError::into_inner).keys().cloned().collect();
    assert_eq!(recorder.counter(&format!("dynamodb_requests_total{{{labels}}}")), 2, "{names:?}");
    assert_eq!(recorder.counter(&format!("dynamodb_throttled_requests_total{{{labels}}}")), 1);
    assert_eq!(recorder.values(&format!("dynamodb_request_duration_seconds{{{labels}}}")).len(), 2);
    assert_eq!(
        recorder.values("dynamodb_consumed_write_units{table=Orders,index=,pattern=Order.put}"),
        vec![1.0]
    );
    assert_eq!(recorder.counter("dynamodb_retries_total{pattern=BatchWrite}"), 1);
}

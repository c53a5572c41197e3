//! `MetricsBackend` through the typed client: each request labelled with the builder that
//! sent it (`Order.put`, `Order.query(GSI1)`, `BatchWrite`), its units per table and
//! index, latency, throttles and retries, read back from the real outputs: CloudWatch EMF
//! lines and the `tracing` spans (formatted by `tracing-subscriber`).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use singletable::backend::metrics::{MetricsBackend, MetricsSink, RequestMetrics};
use singletable::clock::ManualClock;
use singletable::prelude::*;
use singletable::stream::serde_json::{self, Value};

#[derive(Table)]
#[table(name = "Shop", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
        billing = provisioned(read = 100, write = 5))]
struct Shop;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "ORDER#{order_id}", sk = "ORDER",
         index(GSI1, pk = "CUSTOMER#{customer}", sk = "{order_id}"))]
struct Order {
    order_id: String,
    customer: String,
    total: i64,
}

fn order(n: u32) -> Order {
    Order { order_id: format!("o{n:03}"), customer: "c1".to_owned(), total: i64::from(n) }
}

/// A writer the test reads back.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
            .into_owned()
    }
}

/// Retries seen by a sink.
#[derive(Default)]
struct Retries(Mutex<Vec<String>>);

impl MetricsSink for Retries {
    fn request(&self, _metrics: &RequestMetrics) {}
    fn retry(&self, pattern: &str, _delay: Duration) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(pattern.to_owned());
    }
}

async fn traffic(emf: Buffer, retries: Arc<Retries>) {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(1_764_072_000)));
    let engine = MemoryBackend::new().with_clock(clock.clone()).with_capacity_model();
    let backend = MetricsBackend::new(engine).with_emf("ShopApp", emf).with_sink(retries);
    let db = Shop::client(backend).with_clock(clock);
    db.create_table().await.expect("create");
    db.put(&order(1)).await.expect("put");
    let got = db.get(Order::key("o001")).await.expect("get");
    assert_eq!(got, Some(order(1)));
    let by_customer = Order::by_gsi1().customer("c1").all(&db).await.expect("query");
    assert_eq!(by_customer.len(), 1);
    // 5 WCU, 2 units an order (table + GSI): the batch is throttled and retried on the
    // manual clock until all 20 are in.
    let orders: Vec<Order> = (2..22).map(order).collect();
    let patient = RetryPolicy {
        max_attempts: 40,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(5),
    };
    db.batch_write().put_all(&orders).retry(patient).await.expect("all in, eventually");
}

fn lines(text: &str) -> Vec<Value> {
    text.lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect()
}

#[tokio::test]
async fn emf_lines_name_the_pattern_table_index_and_units() {
    let emf = Buffer::default();
    let retries = Arc::new(Retries::default());
    traffic(emf.clone(), Arc::clone(&retries)).await;
    let lines = lines(&emf.text());
    let patterns: Vec<&str> =
        lines.iter().map(|line| line["AccessPattern"].as_str().expect("a pattern")).collect();
    // CreateTable is not a data request: no line.
    assert_eq!(&patterns[..3], ["Order.put", "Order.get", "Order.query(GSI1)"]);
    assert!(patterns[3..].iter().all(|p| *p == "BatchWrite"), "{patterns:?}");

    let put = &lines[0];
    let aws = &put["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(aws["Namespace"], "ShopApp");
    assert_eq!(aws["Dimensions"][0], serde_json::json!(["Table", "Operation", "AccessPattern"]));
    assert!(put["_aws"]["Timestamp"].as_u64().is_some());
    assert_eq!(put["Table"], "Shop");
    assert_eq!(put["Operation"], "PutItem");
    // The table's unit and the GSI's.
    assert_eq!(put["ConsumedWriteCapacityUnits"], 2.0);
    assert_eq!(put["ConsumedCapacity"][0]["Index"], Value::Null);
    assert_eq!(put["ConsumedCapacity"][0]["WriteCapacityUnits"], 1.0);
    assert_eq!(put["ConsumedCapacity"][1]["Index"], "GSI1");
    assert_eq!(put["ConsumedCapacity"][1]["WriteCapacityUnits"], 1.0);
    assert_eq!(put["ThrottledRequests"], 0);
    assert!(put["Latency"].as_f64().is_some_and(|ms| ms >= 0.0));

    assert_eq!(lines[1]["ConsumedReadCapacityUnits"], 0.5);
    assert_eq!(lines[2]["Index"], "GSI1");
    assert_eq!(lines[2]["ConsumedCapacity"][0]["Index"], "GSI1");

    // The batch: 40 units at 5 a second (after 3 left at the start): throttled items
    // come back unprocessed, whole requests fail, and the writer retries.
    let batch = &lines[3..];
    let written: f64 =
        batch.iter().map(|line| line["ConsumedWriteCapacityUnits"].as_f64().unwrap_or(0.0)).sum();
    assert_eq!(written, 40.0, "20 orders, 2 units each");
    let throttled = batch.iter().filter(|line| line["ThrottledRequests"] == 1).count();
    assert!(throttled > 0, "some batch requests failed whole");
    for line in batch.iter().filter(|line| line["ThrottledRequests"] == 1) {
        assert_eq!(line["Error"], "ProvisionedThroughputExceededException");
    }
    let retries = retries.0.lock().expect("retries").clone();
    assert!(!retries.is_empty());
    assert!(retries.iter().all(|pattern| pattern == "BatchWrite"), "{retries:?}");
}

#[test]
fn tracing_spans_carry_the_fields() {
    use tracing_subscriber::fmt::format::FmtSpan;
    let out = Buffer::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(traffic(Buffer::default(), Arc::new(Retries::default())));
    });
    let text = out.text();
    let closed: Vec<&str> = text.lines().filter(|line| line.contains("dynamodb{")).collect();
    let put = closed
        .iter()
        .find(|line| line.contains("pattern=\"Order.put\""))
        .unwrap_or_else(|| panic!("no Order.put span in\n{text}"));
    assert!(put.contains("operation=\"PutItem\""), "{put}");
    assert!(put.contains("table=\"Shop\""), "{put}");
    assert!(put.contains("write_units=2.0"), "{put}");
    assert!(put.contains("throttled=false"), "{put}");
    assert!(put.contains("latency_us="), "{put}");
    let query = closed
        .iter()
        .find(|line| line.contains("pattern=\"Order.query(GSI1)\""))
        .unwrap_or_else(|| panic!("no query span in\n{text}"));
    assert!(query.contains("index=\"GSI1\"") && query.contains("read_units=0.5"), "{query}");
    assert!(
        closed.iter().any(|line| line.contains("pattern=\"BatchWrite\"")
            && line.contains("throttled=true")
            && line.contains("error=\"ProvisionedThroughputExceededException\"")),
        "no throttled batch span in\n{text}"
    );
}

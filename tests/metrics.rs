//! `MetricsBackend` through the typed client: each request labelled with the builder that
//! sent it (`Order.put`, `Order.query(GSI1)`, `BatchWrite`), its units per table and
//! index, latency, throttles and retries, read back from the real outputs: CloudWatch EMF
//! lines (the spans: tests/metrics_tracing.rs).

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
    // Drain the write capacity: a new 5-WCU table held 5 units, the first put took one of
    // the table's and one of the GSI's; four more puts go in, the fifth is throttled.
    let mut n = 900;
    let error = loop {
        match db.put(&order(n)).await {
            Ok(()) => n += 1,
            Err(error) => break error,
        }
    };
    assert_eq!(n - 900, 4);
    assert_eq!(error.dynamodb_type(), Some("ProvisionedThroughputExceededException"));
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
    assert_eq!(&patterns[3..8], ["Order.put"; 5]);
    assert!(patterns[8..].iter().all(|p| *p == "BatchWrite"), "{patterns:?}");

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

    // The fifth of the draining puts: throttled, nothing consumed.
    let throttled = &lines[7];
    assert_eq!(throttled["ThrottledRequests"], 1);
    assert_eq!(throttled["Error"], "ProvisionedThroughputExceededException");
    assert_eq!(throttled["ConsumedWriteCapacityUnits"], 0.0);
    assert_eq!(lines[6]["ThrottledRequests"], 0);

    // The batch: 40 units at 5 a second from an empty table: the first request fails
    // whole, later ones leave items unprocessed, and the writer retries until all are in.
    let batch = &lines[8..];
    let written: f64 =
        batch.iter().map(|line| line["ConsumedWriteCapacityUnits"].as_f64().unwrap_or(0.0)).sum();
    assert_eq!(written, 40.0, "20 orders, 2 units each");
    assert_eq!(batch[0]["ThrottledRequests"], 1, "nothing left when the batch starts");
    for line in batch.iter().filter(|line| line["ThrottledRequests"] == 1) {
        assert_eq!(line["Error"], "ProvisionedThroughputExceededException");
    }
    let retries = retries.0.lock().expect("retries").clone();
    assert!(!retries.is_empty());
    assert!(retries.iter().all(|pattern| pattern == "BatchWrite"), "{retries:?}");
}

//! `MetricsBackend`'s `tracing` spans, formatted by `tracing-subscriber` and read back:
//! one span per request with the operation, table, index, access pattern, units,
//! latency and throttling. (Its own test binary: `tracing` caches each call site's
//! interest process-wide, and a test running beside it with no subscriber would race.)

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use singletable::backend::metrics::MetricsBackend;
use singletable::clock::ManualClock;
use singletable::prelude::*;

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

/// A put, a get, a GSI query, and a batch of 20 orders into a 5-WCU table (throttled,
/// retried on the manual clock).
async fn traffic() {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(1_764_072_000)));
    let engine = MemoryBackend::new().with_clock(clock.clone()).with_capacity_model();
    let db = Shop::client(MetricsBackend::new(engine)).with_clock(clock);
    db.create_table().await.expect("create");
    db.put(&order(1)).await.expect("put");
    assert_eq!(db.get(Order::key("o001")).await.expect("get"), Some(order(1)));
    assert_eq!(Order::by_gsi1().customer("c1").all(&db).await.expect("query").len(), 1);
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
    let orders: Vec<Order> = (2..22).map(order).collect();
    let patient = RetryPolicy {
        max_attempts: 40,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(5),
    };
    db.batch_write().put_all(&orders).retry(patient).await.expect("all in, eventually");
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
        runtime.block_on(traffic());
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
        closed.iter().any(|line| line.contains("pattern=\"Order.put\"")
            && line.contains("throttled=true")
            && line.contains("error=\"ProvisionedThroughputExceededException\"")),
        "no throttled put span in\n{text}"
    );
    assert!(
        closed.iter().any(|line| line.contains("pattern=\"BatchWrite\"")
            && line.contains("operation=\"BatchWriteItem\"")
            && line.contains("throttled=true")),
        "no throttled batch span in\n{text}"
    );
}

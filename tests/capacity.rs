//! The capacity model through the typed client (issue #23): a 5-WCU table absorbs a
//! burst up to its burst capacity (300 seconds of unused capacity; a new table holds one
//! second), then throttles with DynamoDB's exception; the typed batch writer's retries
//! still get every item in, their backoff slept on the engine's manual clock (simulated
//! time: no real waiting).

use std::sync::Arc;
use std::time::{Duration, Instant};

use singletable::clock::{Clock, ManualClock};
use singletable::prelude::*;
use singletable::Error;

#[derive(Table)]
#[table(name = "Events", pk = "PK", sk = "SK", billing = provisioned(read = 5, write = 5))]
struct Events;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Events, pk = "SOURCE#{source}", sk = "EVENT#{seq}")]
struct Event {
    source: String,
    seq: u32,
    note: String,
}

const START: i64 = 1_764_072_000;

fn event(n: u32, sources: u32) -> Event {
    Event { source: format!("s{}", n % sources), seq: n, note: "small".to_owned() }
}

async fn events_table() -> (TableClient<Events>, MemoryBackend, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(START)));
    let engine = MemoryBackend::new().with_clock(clock.clone()).with_capacity_model();
    let db = Events::client(engine.clone()).with_clock(clock.clone());
    db.create_table().await.expect("create");
    (db, engine, clock)
}

/// Puts events `from..` (each under 1 KB: one write unit) until one is throttled;
/// returns how many went in and the error.
async fn put_until_throttled(db: &TableClient<Events>, from: u32, sources: u32) -> (u32, Error) {
    let mut n = from;
    loop {
        match db.put(&event(n, sources)).await {
            Ok(_) => n += 1,
            Err(error) => return (n - from, error),
        }
    }
}

#[tokio::test]
async fn a_5_wcu_table_absorbs_its_burst_capacity_then_throttles() {
    let (db, _engine, clock) = events_table().await;
    // New: one second of capacity, no burst yet.
    let (accepted, error) = put_until_throttled(&db, 0, 4).await;
    assert_eq!(accepted, 5);
    assert_eq!(error.dynamodb_type(), Some("ProvisionedThroughputExceededException"));
    assert_eq!(error.throttling_reasons()[0].reason, "TableWriteProvisionedThroughputExceeded");

    // Ten idle minutes: DynamoDB keeps at most 300 seconds, 1,500 units.
    clock.advance(Duration::from_secs(600));
    let (burst, error) = put_until_throttled(&db, 100, 4).await;
    assert_eq!(burst, 1_500);
    assert_eq!(error.dynamodb_type(), Some("ProvisionedThroughputExceededException"));

    // Then the provisioned rate: 5 a second.
    clock.advance(Duration::from_secs(2));
    assert_eq!(put_until_throttled(&db, 5_000, 4).await.0, 10);
}

#[tokio::test]
async fn the_batch_writer_retries_until_every_item_is_in() {
    let (db, engine, clock) = events_table().await;
    let events: Vec<Event> = (0..400).map(|n| event(n, 4)).collect();
    let began = clock.now();
    let real = Instant::now();
    let patient = RetryPolicy {
        max_attempts: 60,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_secs(5),
    };
    db.batch_write().put_all(&events).retry(patient).await.expect("every item, eventually");

    // Every item is in.
    for source in 0..4 {
        let stored = Event::query().source(format!("s{source}")).all(&db).await.expect("query");
        assert_eq!(stored.len(), 100, "source s{source}");
    }
    // 400 units at 5 a second, 5 of them at the start, and the last write admitted on a
    // balance above zero may overdraw it by less than its one unit: at least
    // (400 - 5 - 1) / 5 = 78.8 simulated seconds, slept on the manual clock (the
    // backoff's sleeps moved it), not in real time.
    let simulated = clock.now().unix_millis() - began.unix_millis();
    assert!(simulated >= 78_800, "{simulated} ms simulated");
    assert!(real.elapsed() < Duration::from_secs(20), "{:?} real", real.elapsed());
    let usage = engine.capacity_usage(1).expect("model on");
    let table = &usage.resources[0];
    assert_eq!(table.write_units, 400.0, "each item charged once");
    assert!(table.write_throttles > 0, "the writer met throttling");
}

//! A hot partition, seen before production: the UserActivity model of the
//! `user_activity` example on the embedded engine with DynamoDB's capacity model on
//! (`MemoryBackend::with_capacity_model`), one user writing 2,000 activities a second.
//!
//! Run it with `cargo run --example hot_partition`. Every activity of a user goes to one
//! partition key value (`UserID`), and DynamoDB serves one partition key value at most
//! 1,000 write units a second, whatever the table's capacity: half of the writes are
//! throttled (`ThrottlingException`, reason `TableWriteKeyRangeThroughputExceeded`).
//! The same activities written with `shards = 4` (the model's write sharding: the
//! partition key gets a suffix `#S0`..`#S3` chosen from the sort key) spread over four
//! partition key values of about 500 writes a second each, and none is throttled.
//!
//! Time is simulated: the engine reads a manual clock that moves one millisecond every
//! two writes, so five seconds of traffic take a fraction of a second to run, and the
//! timeline printed is the same on every run.

use std::sync::Arc;
use std::time::Duration;

use singletable::clock::ManualClock;
use singletable::prelude::*;

#[path = "../user_activity/model.rs"]
#[allow(dead_code)]
mod model;

use model::{Activity, ActivityType, UserActivity};

/// The same activity, written with 4 shards.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = UserActivity, pk = "{user_id}", sk = "{at}", shards = 4,
         index(ByActivityType, pk = "{activity_type}", sk = "{at}"))]
struct ShardedActivity {
    user_id: String,
    at: Timestamp,
    activity_type: ActivityType,
    detail: String,
    #[entity(ttl, rename = "ExpiresAt")]
    expires_at: Option<Timestamp>,
}

/// Writes a second.
const RATE: i64 = 2_000;
/// Seconds of traffic.
const SECONDS: i64 = 5;
/// 2025-11-25T12:00:00Z.
const START: i64 = 1_764_072_000_000;

/// One second of the timeline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Second {
    accepted: u32,
    throttled: u32,
}

/// What one run saw: the timeline, the first throttle, and the busiest partitions.
struct Run {
    timeline: Vec<Second>,
    first_throttle: Option<singletable::Error>,
    partitions: Vec<(String, f64)>,
}

fn activity_type(n: i64) -> ActivityType {
    match n % 3 {
        0 => ActivityType::Login,
        1 => ActivityType::PageView,
        _ => ActivityType::Purchase,
    }
}

/// One hot user at `RATE` writes a second for `SECONDS` seconds, sharded or not.
async fn hot_user(sharded: bool) -> Result<Run, singletable::Error> {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_millis(START)));
    let engine = MemoryBackend::new().with_clock(clock.clone()).with_capacity_model();
    let db = UserActivity::client(engine.clone()).with_clock(clock.clone());
    db.create_table().await?;
    let mut timeline = Vec::new();
    let mut first_throttle = None;
    for second in 0..SECONDS {
        let mut row = Second::default();
        for n in 0..RATE {
            let seq = second * RATE + n;
            // Each activity has its own millisecond; the clock moves one millisecond
            // every two writes: 2,000 writes a second.
            let at = Timestamp::from_unix_millis(START + seq);
            let (user_id, detail) = ("hot-user".to_owned(), format!("event {seq}"));
            let written = if sharded {
                let activity = ShardedActivity {
                    user_id,
                    at,
                    activity_type: activity_type(seq),
                    detail,
                    expires_at: None,
                };
                db.put(&activity).await
            } else {
                let activity = Activity {
                    user_id,
                    at,
                    activity_type: activity_type(seq),
                    detail,
                    expires_at: None,
                };
                db.put(&activity).await
            };
            match written {
                Ok(_) => row.accepted += 1,
                Err(error) if error.throttling_reasons().is_empty() => return Err(error),
                Err(error) => {
                    row.throttled += 1;
                    first_throttle.get_or_insert(error);
                }
            }
            if n % 2 == 1 {
                clock.advance(Duration::from_millis(1));
            }
        }
        timeline.push(row);
    }
    let usage = engine.capacity_usage(4).unwrap_or_default();
    let partitions = usage
        .hottest
        .iter()
        .map(|partition| (partition.partition.clone(), partition.write_units))
        .collect();
    Ok(Run { timeline, first_throttle, partitions })
}

#[tokio::main(flavor = "current_thread")]
#[cfg_attr(test, allow(dead_code))]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let plain = hot_user(false).await?;
    let sharded = hot_user(true).await?;
    println!("one user, {RATE} writes a second, on-demand table UserActivity (capacity model on)");
    println!();
    println!("second | UserID = hot-user          | shards = 4");
    println!("       | accepted  throttled        | accepted  throttled");
    for (second, (a, b)) in plain.timeline.iter().zip(&sharded.timeline).enumerate() {
        println!(
            "{second:>6} | {:>8}  {:>9}        | {:>8}  {:>9}",
            a.accepted, a.throttled, b.accepted, b.throttled
        );
    }
    println!();
    if let Some(error) = &plain.first_throttle {
        let reasons: Vec<&str> =
            error.throttling_reasons().iter().map(|reason| reason.reason.as_str()).collect();
        println!(
            "unsharded writes fail with {} ({})",
            error.dynamodb_type().unwrap_or("?"),
            reasons.join(", ")
        );
    }
    println!("write units per partition key value over {SECONDS} s:");
    for (label, run) in [("unsharded", &plain), ("shards = 4", &sharded)] {
        for (partition, units) in &run.partitions {
            println!("  {label:<10} {partition:<20} {units:>7}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_partition_takes_1000_writes_a_second_and_four_shards_take_all() {
        let plain = hot_user(false).await.expect("run");
        assert_eq!(plain.timeline, vec![Second { accepted: 1_000, throttled: 1_000 }; 5]);
        let error = plain.first_throttle.expect("throttled");
        assert_eq!(error.dynamodb_type(), Some("ThrottlingException"));
        assert_eq!(error.throttling_reasons()[0].reason, "TableWriteKeyRangeThroughputExceeded");
        assert_eq!(plain.partitions, vec![("UserID=hot-user".to_owned(), 5_000.0)]);

        let sharded = hot_user(true).await.expect("run");
        assert_eq!(sharded.timeline, vec![Second { accepted: 2_000, throttled: 0 }; 5]);
        assert!(sharded.first_throttle.is_none());
        assert_eq!(sharded.partitions.len(), 4, "{:?}", sharded.partitions);
        for (partition, units) in &sharded.partitions {
            assert!(partition.starts_with("UserID=hot-user#S"), "{partition}");
            // About a quarter each, every one under 1,000 a second.
            assert!((2_000.0..=3_000.0).contains(units), "{partition}: {units}");
        }
    }
}

//! UserActivity: the classic DynamoDB time-series design, with a stream consumer.
//!
//! Run it with `cargo run --example user_activity` (the embedded engine, nothing to
//! install), or against a DynamoDB:
//!
//! - `cargo run --example user_activity -- --endpoint http://127.0.0.1:8000`: DynamoDB
//!   Local, or `singletable serve` (`AwsBackend::from_endpoint`);
//! - `cargo run --example user_activity -- --aws`: the AWS environment's account and
//!   region (`AwsBackend::from_env`). It creates a table `UserActivity` when there is
//!   none, and deletes the items it wrote (never the table) before it ends.
//!
//! The table, as in the DynamoDB developer guide's examples: partition key `UserID`,
//! sort key `Timestamp`, so a user's activity is one partition sorted by time, and a
//! GSI `ByActivityType` (partition `ActivityType`, sort `ActivityTimestamp`) for the
//! recent activity of one type across all users. Activities expire (TTL attribute
//! `ExpiresAt`), and the table has a `NEW_AND_OLD_IMAGES` stream.
//!
//! Access patterns, with the query each uses:
//!
//! 1. a user's activity in a time range: `Activity::query().user_id(u).at_range().between(a, b)`;
//! 2. a user's latest activity: `Activity::query().user_id(u).descending().limit(n)`;
//! 3. the recent activity of one type, all users, newest first:
//!    `Activity::by_activity_type().activity_type(t).at_range().ge(since).descending()`.
//!
//! The stream consumer keeps a count of live activities per type from the change feed:
//! `INSERT` adds one, `REMOVE` (by a request, or by the TTL sweep) takes one away,
//! `MODIFY` moves one when the type changed. On the embedded engine it is a task
//! reading `MemoryBackend::changes("UserActivity")` (an async stream of the engine's
//! change records) decoded into the typed `ActivityChange` enum of
//! `#[derive(Changes)]`; the stream ends when the table is deleted, and the task returns
//! its counts. A real DynamoDB has no in-process feed: its stream reaches a Lambda
//! function as a JSON event. With `--endpoint` or `--aws` the example therefore builds,
//! in code, the event DynamoDB Streams would deliver for its writes (the Lambda
//! `DynamoDBEvent` shape) and runs the same consumer on
//! `ActivityChange::from_lambda_event(&event)`: the code a Lambda handler would run.
//!
//! Every step prints what it does and asserts what it shows.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use singletable::clock::ManualClock;
use singletable::json::item_to_json;
use singletable::prelude::*;
use singletable::stream::serde_json::{json, Value};
use singletable::stream::Change;
use singletable::Changes as _;

mod model;

use model::{Activity, ActivityChange, ActivityType, UserActivity};

/// Live activities per type, kept from the stream.
type Counts = BTreeMap<ActivityType, i64>;

/// The consumer's logic, the same for the engine's feed and a Lambda event.
fn apply(counts: &mut Counts, change: &ActivityChange) {
    let ActivityChange::Activity(change) = change;
    match change {
        Change::Insert { new: Some(new), .. } => *counts.entry(new.activity_type).or_default() += 1,
        Change::Modify { old: Some(old), new: Some(new), .. }
            if old.activity_type != new.activity_type =>
        {
            *counts.entry(old.activity_type).or_default() -= 1;
            *counts.entry(new.activity_type).or_default() += 1;
        }
        Change::Remove { old: Some(old), .. } => *counts.entry(old.activity_type).or_default() -= 1,
        _ => {}
    }
}

/// Where the example runs.
enum Target {
    /// The embedded engine (the default).
    Engine,
    /// A DynamoDB endpoint (DynamoDB Local, `singletable serve`).
    Endpoint(String),
    /// DynamoDB from the AWS environment.
    Aws,
}

#[cfg_attr(test, allow(dead_code))]
fn target() -> Result<Target, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => Ok(Target::Engine),
        ["--endpoint", url] => Ok(Target::Endpoint((*url).to_owned())),
        ["--aws"] => Ok(Target::Aws),
        _ => Err("usage: user_activity [--endpoint <url> | --aws]".to_owned()),
    }
}

#[cfg(feature = "aws")]
async fn remote(target: &Target) -> singletable::Result<AwsBackend> {
    match target {
        Target::Endpoint(url) => Ok(AwsBackend::from_endpoint(url.clone())),
        _ => AwsBackend::from_env().await,
    }
}

#[cfg(not(feature = "aws"))]
async fn remote(target: &Target) -> Result<MemoryBackend, Box<dyn std::error::Error>> {
    match target {
        Target::Endpoint(url) => Err(format!("--endpoint {url} needs the `aws` feature").into()),
        _ => Err("--aws needs the facade's `aws` feature".into()),
    }
}

const DAY: Duration = Duration::from_secs(86_400);

fn at(base: Timestamp, minutes: i64) -> Timestamp {
    Timestamp::from_unix_millis(base.unix_millis() + minutes * 60_000)
}

#[tokio::main(flavor = "current_thread")]
#[cfg_attr(test, allow(dead_code))]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(target()?).await
}

/// The whole example, on `target`.
async fn run(target: Target) -> Result<(), Box<dyn std::error::Error>> {
    // On the engine, a fixed "now" (2025-11-25T12:00:00Z) on a manual clock, so the
    // output is the same on every run. On DynamoDB the clock must be the real one: its
    // TTL deletes items whose `ExpiresAt` is past by the real time.
    let now = match target {
        Target::Engine => Timestamp::from_unix_seconds(1_764_072_000),
        _ => Timestamp::now(),
    };
    let clock = Arc::new(ManualClock::new(now));
    let (db, engine, suffix) = match target {
        Target::Engine => {
            let engine = MemoryBackend::new().with_clock(clock.clone());
            (UserActivity::client(engine.clone()), Some(engine), String::new())
        }
        _ => {
            // Unique user ids per run: the table may hold the items of other runs.
            let run = Timestamp::now().unix_millis();
            (UserActivity::client(remote(&target).await?), None, format!("-{run}"))
        }
    };
    let db = db.with_clock(clock.clone());
    match db.create_table().await {
        Ok(table) => println!("created table {} ({:?})", table.table_name, table.table_status),
        Err(singletable::Error::ResourceInUse { .. }) if engine.is_none() => {
            println!("table UserActivity exists: using it")
        }
        Err(error) => return Err(error.into()),
    }

    // The consumer: a task reading the engine's change feed, decoded into typed changes,
    // publishing its counts after every change.
    let (progress, mut watch) = tokio::sync::watch::channel((0_usize, Counts::new()));
    let consumer = match &engine {
        Some(engine) => {
            let mut feed = engine.changes("UserActivity")?;
            Some(tokio::spawn(async move {
                let mut counts = Counts::new();
                let (mut seen, mut expired) = (0_usize, 0_usize);
                while let Some(record) = feed.recv().await {
                    let change = ActivityChange::from_record(record?)?;
                    apply(&mut counts, &change);
                    // A deletion by TTL is the service's, not a request's.
                    if let ActivityChange::Activity(Change::Remove { system: true, .. }) = change {
                        expired += 1;
                    }
                    seen += 1;
                    progress.send_replace((seen, counts.clone()));
                }
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>((seen, expired, counts))
            }))
        }
        None => None,
    };

    let alice = format!("alice{suffix}");
    let bob = format!("bob{suffix}");
    let expires_at = now.checked_add(30 * DAY);
    let base = Timestamp::from_unix_seconds(1_764_057_600); // 2025-11-25T08:00:00Z
    let plan = [
        (&alice, 0, ActivityType::Login, "web"),
        (&alice, 5, ActivityType::PageView, "/teapots"),
        (&bob, 7, ActivityType::Login, "ios"),
        (&alice, 9, ActivityType::PageView, "/teapots/kyusu"),
        (&alice, 12, ActivityType::Purchase, "order o-1"),
        (&bob, 20, ActivityType::PageView, "/cups"),
        (&bob, 31, ActivityType::Purchase, "order o-2"),
        (&alice, 95, ActivityType::Login, "web"),
        (&alice, 98, ActivityType::Purchase, "order o-3"),
    ];
    let mut written = Vec::new();
    for (user, minute, activity_type, detail) in plan {
        let activity = Activity {
            user_id: user.clone(),
            at: at(base, minute),
            activity_type,
            detail: detail.to_owned(),
            expires_at,
        };
        db.put(&activity).if_not_exists().await?;
        written.push(activity);
    }
    println!("wrote {} activities of {alice} and {bob}", written.len());

    // 1. A user's activity in a time range: one partition, a range of the sort key.
    let morning = Activity::query()
        .user_id(alice.clone())
        .at_range()
        .between(at(base, 0), at(base, 59))
        .consistent() // on DynamoDB, a read right after the writes must be strong
        .send(&db)
        .await?;
    let details: Vec<&str> = morning.items.iter().map(|a| a.detail.as_str()).collect();
    println!("{alice} between 08:00 and 08:59: {details:?}");
    assert_eq!(details, ["web", "/teapots", "/teapots/kyusu", "order o-1"]);

    // 2. A user's latest activity: the same partition read backwards.
    let latest =
        Activity::query().user_id(bob.clone()).descending().limit(2).consistent().send(&db).await?;
    let details: Vec<&str> = latest.items.iter().map(|a| a.detail.as_str()).collect();
    println!("{bob}'s latest two: {details:?}");
    assert_eq!(details, ["order o-2", "/cups"]);

    // 3. Recent purchases of every user, newest first, through the GSI.
    let since = at(base, 10);
    // A GSI is eventually consistent on DynamoDB (no strong reads): read until it has
    // caught up with this run's writes, a moment at most. The engine's are at once.
    let mut attempts = 0;
    let ours = loop {
        let purchases = Activity::by_activity_type()
            .activity_type(ActivityType::Purchase)
            .at_range()
            .ge(since)
            .descending()
            .all(&db)
            .await?;
        let ours: Vec<(String, String)> = purchases
            .into_iter()
            .filter(|a| a.user_id == alice || a.user_id == bob)
            .map(|a| (a.user_id, a.detail))
            .collect();
        attempts += 1;
        if ours.len() >= 3 || attempts == 20 {
            break ours;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let ours: Vec<(&str, &str)> = ours.iter().map(|(u, d)| (u.as_str(), d.as_str())).collect();
    println!("purchases since 08:10, newest first: {ours:?}");
    assert_eq!(
        ours,
        [(alice.as_str(), "order o-3"), (bob.as_str(), "order o-2"), (alice.as_str(), "order o-1")]
    );

    // A correction: bob's 08:20 page view was a purchase (the index key follows), and
    // alice's second login is withdrawn.
    db.update(Activity::key(bob.clone(), at(base, 20)))
        .set(Activity::ACTIVITY_TYPE, ActivityType::Purchase)
        .set(Activity::DETAIL, "order o-2b")
        .await?;
    db.delete(Activity::key(alice.clone(), at(base, 95))).await?;
    println!("re-typed {bob}'s 08:20 activity as a purchase, deleted {alice}'s 09:35 login");

    let mut expected = Counts::new();
    for activity in &written {
        *expected.entry(activity.activity_type).or_default() += 1;
    }
    // The update moved one page view to purchases; the delete took one login away.
    *expected.entry(ActivityType::PageView).or_default() -= 1;
    *expected.entry(ActivityType::Purchase).or_default() += 1;
    *expected.entry(ActivityType::Login).or_default() -= 1;

    match (engine, consumer) {
        (Some(engine), Some(consumer)) => {
            // 9 inserts, 1 modify, 1 delete: the consumer's counts once it has read them.
            let (seen, counts) = tokio::time::timeout(
                Duration::from_secs(10),
                watch.wait_for(|(seen, _)| *seen >= written.len() + 2),
            )
            .await??
            .clone();
            println!("the consumer read {seen} changes and counts {counts:?}");
            assert_eq!(seen, written.len() + 2);
            assert_eq!(counts, expected);

            // Thirty-one days later the TTL sweep removes everything left, as system
            // deletions in the change feed.
            clock.advance(31 * DAY);
            let swept = engine.sweep_expired();
            println!("31 days later, the TTL sweep deleted {swept} expired activities");
            assert_eq!(swept, written.len() - 1);
            // Deleting the table ends its stream once the consumer has read everything.
            db.delete_table().await?;
            let (seen, expired, counts) = consumer.await?.map_err(|e| e.to_string())?;
            println!(
                "the stream ended after {seen} changes ({expired} deletions by TTL); \
                 live counts now {counts:?}"
            );
            // And 8 TTL deletions: nothing is live any more.
            assert_eq!(seen, 2 * written.len() + 1);
            assert_eq!(expired, written.len() - 1);
            assert!(counts.values().all(|&count| count == 0), "{counts:?}");
        }
        _ => {
            // No in-process feed: the records reach a Lambda function as a JSON event.
            let event =
                lambda_event(&db, &written, &bob, at(base, 20), &alice, at(base, 95)).await?;
            let mut counts = Counts::new();
            for change in ActivityChange::from_lambda_event(&event)? {
                apply(&mut counts, &change);
            }
            println!("a Lambda handler would count {counts:?}");
            assert_eq!(counts, expected);
            // Leave nothing behind (the table stays).
            for activity in &written {
                db.delete(Activity::key(activity.user_id.clone(), activity.at)).await?;
            }
            println!("deleted this run's items");
        }
    }
    Ok(())
}

/// The event DynamoDB Streams would hand a Lambda function for this run's writes: the
/// inserts, the re-typed activity (`MODIFY`, old and new images) and the deletion.
async fn lambda_event(
    db: &TableClient<UserActivity>,
    written: &[Activity],
    modified_user: &str,
    modified_at: Timestamp,
    removed_user: &str,
    removed_at: Timestamp,
) -> Result<Value, Box<dyn std::error::Error>> {
    let mut records = Vec::new();
    let mut record = |event: &str, old: Option<&Activity>, new: Option<&Activity>| {
        let Some(any) = new.or(old) else { return Ok::<_, singletable::Error>(()) };
        let keys = Activity::key(any.user_id.clone(), any.at).into_attributes()?;
        let mut dynamodb = json!({
            "Keys": item_to_json(&keys),
            "SequenceNumber": (records.len() + 1).to_string(),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        });
        if let Some(new) = new {
            dynamodb["NewImage"] = item_to_json(&new.to_item()?);
        }
        if let Some(old) = old {
            dynamodb["OldImage"] = item_to_json(&old.to_item()?);
        }
        records
            .push(json!({"eventName": event, "eventSource": "aws:dynamodb", "dynamodb": dynamodb}));
        Ok(())
    };
    for activity in written {
        record("INSERT", None, Some(activity))?;
    }
    let before = written.iter().find(|a| a.user_id == modified_user && a.at == modified_at);
    let after: Option<Activity> =
        db.get(Activity::key(modified_user.to_owned(), modified_at)).consistent().await?;
    record("MODIFY", before, after.as_ref())?;
    let removed = written.iter().find(|a| a.user_id == removed_user && a.at == removed_at);
    record("REMOVE", removed, None)?;
    Ok(json!({ "Records": records }))
}

/// `cargo test --example user_activity`: the example runs to completion, its asserts hold, on
/// the embedded engine and on DynamoDB Local.
#[cfg(test)]
mod tests {
    use super::{run, Target};

    #[tokio::test]
    async fn runs_on_the_embedded_engine() {
        if let Err(error) = run(Target::Engine).await {
            panic!("the example failed on the engine: {error}");
        }
    }

    #[cfg(feature = "aws")]
    #[tokio::test]
    async fn runs_on_dynamodb_local() {
        let Some(local) = singletable_testkit::DynamoDbLocal::start_or_skip() else { return };
        if let Err(error) = run(Target::Endpoint(local.endpoint())).await {
            panic!("the example failed on DynamoDB Local: {error}");
        }
    }
}

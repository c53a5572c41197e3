//! The entity lifecycle on DynamoDB Local through `AwsBackend`: the version-counter race
//! (read-modify-write with retry on `VersionConflict`, exact final value), version
//! checks of put / update / delete / transactions, timestamps from a manual clock,
//! hiding expired items (the filter rendered with placeholders), validation hooks,
//! unique guard items.
//!
//! A custom harness (libtest-mimic) so that one DynamoDB Local serves the whole binary.
//! Without Java or npm the tests are reported ignored, except under `CI=true` where that
//! fails (see `singletable_testkit`).

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use singletable::clock::ManualClock;
use singletable::prelude::*;
use singletable::{AwsBackend, Error};
use singletable_testkit::DynamoDbLocal;

#[derive(Table)]
#[table(name = "LifecycleCounters", pk = "PK", sk = "SK")]
struct Counters;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Counters, pk = "COUNTER#{id}", sk = "COUNTER")]
struct Counter {
    id: String,
    value: u64,
    #[entity(version)]
    version: u64,
}

#[derive(Table)]
#[table(name = "LifecycleDocs", pk = "PK", sk = "SK", ttl = "expires_at")]
struct Docs;

fn non_empty(title: &str) -> Result<(), String> {
    if title.trim().is_empty() {
        Err("a title cannot be blank".to_owned())
    } else {
        Ok(())
    }
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Docs, pk = "OWNER#{owner}", sk = "DOC#{id}")]
struct Doc {
    owner: String,
    id: String,
    #[entity(validate = "non_empty")]
    title: String,
    #[entity(created_at)]
    created_at: Option<Timestamp>,
    #[entity(updated_at)]
    updated_at: Timestamp,
    #[entity(ttl)]
    expires_at: Option<Timestamp>,
}

/// The test clock's start: a day ahead of the real time, so DynamoDB Local's own TTL
/// sweep (real time) leaves the items the test clock sees as expired alone.
fn t0() -> i64 {
    Timestamp::now().unix_seconds() + 86_400
}

fn doc(owner: &str, id: &str) -> Doc {
    Doc {
        owner: owner.into(),
        id: id.into(),
        title: format!("Doc {id}"),
        created_at: None,
        updated_at: Timestamp::UNIX_EPOCH,
        expires_at: None,
    }
}

fn counter(id: &str) -> Counter {
    Counter { id: id.into(), value: 0, version: 0 }
}

/// Creates the table unless another test did.
async fn ensure<T: Table>(db: &TableClient<T>) {
    match db.create_table().await {
        Ok(_) | Err(Error::ResourceInUse { .. }) => {}
        Err(other) => panic!("create_table: {other}"),
    }
}

fn check(condition: bool, what: &str) -> Result<(), Failed> {
    if condition {
        Ok(())
    } else {
        Err(what.into())
    }
}

async fn counter_race(endpoint: String) -> Result<(), Failed> {
    let db = Counters::client(AwsBackend::from_endpoint(endpoint));
    ensure(&db).await;
    db.put(&counter("race")).await?;
    const TASKS: u64 = 8;
    const EACH: u64 = 10;
    let mut handles = Vec::new();
    for _ in 0..TASKS {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            let mut retries = 0u32;
            for _ in 0..EACH {
                loop {
                    let mut current = match db.get(Counter::key("race")).consistent().await? {
                        Some(current) => current,
                        None => return Err(Error::validation("the counter vanished")),
                    };
                    current.value += 1;
                    match db.put(&current).await {
                        Ok(()) => break,
                        Err(Error::VersionConflict { .. }) => retries += 1,
                        Err(other) => return Err(other),
                    }
                }
            }
            Ok(retries)
        }));
    }
    let mut retries = 0;
    for handle in handles {
        retries += handle.await.map_err(|e| format!("task: {e}"))??;
    }
    let last = db.get(Counter::key("race")).consistent().await?.ok_or("no counter")?;
    check(last.value == TASKS * EACH, &format!("final value {} != {}", last.value, TASKS * EACH))?;
    check(last.version == 1 + TASKS * EACH, &format!("final version {}", last.version))?;
    println!("{retries} writes lost a race and were retried");
    Ok(())
}

async fn version_checks(endpoint: String) -> Result<(), Failed> {
    let db = Counters::client(AwsBackend::from_endpoint(endpoint));
    ensure(&db).await;
    db.put(&counter("v")).await?;
    match db.put(&counter("v")).await {
        Err(Error::VersionConflict { expected: None, actual: Some(1), .. }) => {}
        other => return Err(format!("second create: {other:?}").into()),
    }
    let held = db.get(Counter::key("v")).await?.ok_or("missing")?;
    db.put(&Counter { value: 1, ..held.clone() }).await?;
    match db.put(&Counter { value: 2, ..held.clone() }).await {
        Err(Error::VersionConflict { expected: Some(1), actual: Some(2), .. }) => {}
        other => return Err(format!("stale put: {other:?}").into()),
    }
    db.update(Counter::key("v")).add(Counter::VALUE, 1u64).expect_version(2).await?;
    match db.update(Counter::key("v")).add(Counter::VALUE, 1u64).expect_version(2).await {
        Err(Error::VersionConflict { expected: Some(2), actual: Some(3), .. }) => {}
        other => return Err(format!("stale update: {other:?}").into()),
    }
    match db.transact().put(&Counter { value: 9, ..held.clone() }).commit().await {
        Err(Error::VersionConflict { expected: Some(1), actual: Some(3), .. }) => {}
        other => return Err(format!("stale transaction put: {other:?}").into()),
    }
    match db.delete_entity(&held).await {
        Err(Error::VersionConflict { expected: Some(1), actual: Some(3), .. }) => {}
        other => return Err(format!("stale delete: {other:?}").into()),
    }
    let current = db.get(Counter::key("v")).await?.ok_or("missing")?;
    check((current.value, current.version) == (2, 3), &format!("{current:?}"))?;
    db.delete_entity(&current).await?;
    check(db.get(Counter::key("v")).await?.is_none(), "deleted")?;
    Ok(())
}

async fn timestamps_expiry_and_hooks(endpoint: String) -> Result<(), Failed> {
    let start = t0();
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(start)));
    let db = Docs::client(AwsBackend::from_endpoint(endpoint)).with_clock(clock.clone());
    ensure(&db).await;
    let t0 = Timestamp::from_unix_seconds(start);
    db.put(&Doc { expires_at: Some(Timestamp::from_unix_seconds(start + 10)), ..doc("o", "1") })
        .await?;
    let first = db.get(Doc::key("o", "1")).await?.ok_or("missing")?;
    check(first.created_at == Some(t0) && first.updated_at == t0, &format!("{first:?}"))?;

    clock.advance(Duration::from_secs(5));
    let t1 = Timestamp::from_unix_seconds(start + 5);
    db.put(&first).await?;
    db.update(Doc::key("o", "1")).set(Doc::TITLE, "Renamed").await?;
    let second = db.get(Doc::key("o", "1")).await?.ok_or("missing")?;
    check(
        second.created_at == Some(t0) && second.updated_at == t1 && second.title == "Renamed",
        &format!("{second:?}"),
    )?;
    db.transact().put(&doc("o", "2")).commit().await?;
    let via_transaction = db.get(Doc::key("o", "2")).await?.ok_or("missing")?;
    check(via_transaction.created_at == Some(t1), &format!("{via_transaction:?}"))?;

    // The first doc expires at start + 10.
    clock.advance(Duration::from_secs(5));
    let visible = Doc::query().owner("o").all(&db).await?;
    check(visible.len() == 2, "both docs before hiding")?;
    let hidden = Doc::query().owner("o").hide_expired().all(&db).await?;
    check(hidden.len() == 1 && hidden[0].id == "2", &format!("hiding: {hidden:?}"))?;
    check(db.get(Doc::key("o", "1")).hide_expired().await?.is_none(), "get hides")?;

    match db.put(&Doc { title: " ".into(), ..doc("o", "3") }).await {
        Err(Error::Invalid { field: Some("title"), .. }) => {}
        other => return Err(format!("blank title: {other:?}").into()),
    }
    check(db.get(Doc::key("o", "3")).await?.is_none(), "nothing written")?;
    Ok(())
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Docs, pk = "ACCOUNT#{id}", sk = "ACCOUNT")]
struct Account {
    id: String,
    #[entity(unique)]
    email: String,
}

async fn unique_guards(endpoint: String) -> Result<(), Failed> {
    let db = Docs::client(AwsBackend::from_endpoint(endpoint));
    ensure(&db).await;
    let account = |id: &str, email: &str| Account { id: id.into(), email: email.into() };
    db.put(&account("a1", "x@example.com")).await?;
    match db.put(&account("a2", "x@example.com")).await {
        Err(Error::UniqueConflict { entity: "Account", attribute: "email" }) => {}
        other => return Err(format!("clash: {other:?}").into()),
    }
    check(db.get(Account::key("a2")).await?.is_none(), "a2 not written")?;
    db.put(&account("a1", "x@example.com")).await?;
    db.update(Account::key("a1")).set(Account::EMAIL, "y@example.com").await?;
    db.put(&account("a2", "x@example.com")).await?;
    match db.update(Account::key("a2")).set(Account::EMAIL, "y@example.com").await {
        Err(Error::UniqueConflict { attribute: "email", .. }) => {}
        other => return Err(format!("update clash: {other:?}").into()),
    }
    db.delete(Account::key("a1")).await?;
    db.put(&account("a3", "y@example.com")).await?;
    let mut ids: Vec<String> = Account::scan().all(&db).await?.into_iter().map(|a| a.id).collect();
    ids.sort();
    check(ids == ["a2", "a3"], &format!("accounts: {ids:?}"))?;
    Ok(())
}

#[derive(Table)]
#[table(name = "LifecycleTelemetry", pk = "PK", sk = "SK")]
struct Telemetry;

/// Written over 4 physical partitions (`DEVICE#d1#S0`..`#S3`).
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Telemetry, pk = "DEVICE#{device_id}", sk = "READING#{seq}", shards = 4)]
struct Reading {
    device_id: String,
    seq: u32,
    value: i64,
}

/// The same data in one partition: the reference.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Telemetry, pk = "PLAIN#{device_id}", sk = "READING#{seq}")]
struct PlainReading {
    device_id: String,
    seq: u32,
    value: i64,
}

/// Write sharding: items written across shards, read back page by page through the
/// merged cursor (both directions, a range, a filter, a projection), equal to the
/// unsharded twin.
async fn sharded_round_trip(endpoint: String) -> Result<(), Failed> {
    let db = Telemetry::client(AwsBackend::from_endpoint(endpoint));
    ensure(&db).await;
    for seq in 0..30u32 {
        let value = i64::from(seq * 37 % 11);
        db.put(&Reading { device_id: "d1".into(), seq, value }).await?;
        db.put(&PlainReading { device_id: "d1".into(), seq, value }).await?;
    }
    for descending in [false, true] {
        for limit in [1u32, 4, 7] {
            let mut plain =
                PlainReading::query().device_id("d1").seq_range().between(3u32, 26u32).into_query();
            let mut query =
                Reading::query().device_id("d1").seq_range().between(3u32, 26u32).into_query();
            if descending {
                plain = plain.descending();
                query = query.descending();
            }
            let plain = plain.filter(PlainReading::VALUE.lt(6));
            let query = query.filter(Reading::VALUE.lt(6)).limit(limit);
            let expected: Vec<(u32, i64)> =
                plain.all(&db).await?.into_iter().map(|r| (r.seq, r.value)).collect();
            let mut got = Vec::new();
            let mut cursor = None;
            let mut pages = 0;
            loop {
                let mut next = query.clone();
                if let Some(cursor) = cursor.take() {
                    next = next.cursor(cursor);
                }
                let page = next.send(&db).await?;
                pages += 1;
                check(page.items.len() <= limit as usize, "a page holds at most `limit` items")?;
                got.extend(page.items.into_iter().map(|r| (r.seq, r.value)));
                match page.cursor {
                    Some(next) => {
                        check(pages < 100, "paging ends")?;
                        cursor = Some(next);
                    }
                    None => break,
                }
            }
            check(
                got == expected,
                &format!("descending {descending}, limit {limit}: {got:?} != {expected:?}"),
            )?;
            check(pages > 1, "several pages")?;
        }
    }
    let projected: Vec<Option<i64>> = Reading::query()
        .device_id("d1")
        .limit(5)
        .project(Reading::VALUE)
        .all(&db)
        .await?
        .iter()
        .map(|p| p.get(&Reading::VALUE))
        .collect::<Result<_, _>>()?;
    let expected: Vec<Option<i64>> = (0..30u32).map(|seq| Some(i64::from(seq * 37 % 11))).collect();
    check(projected == expected, &format!("projected: {projected:?}"))?;
    let plain_cursor = PlainReading::query().device_id("d1").limit(2).send(&db).await?.cursor;
    let refused = match plain_cursor {
        Some(c) => Reading::query().device_id("d1").cursor(c).send(&db).await,
        None => return Err("the unsharded page has a cursor".into()),
    };
    check(
        matches!(refused, Err(Error::InvalidCursor { .. })),
        "an unsharded cursor is refused by the sharded query",
    )?;
    Ok(())
}

type Case = fn(String) -> Result<(), Failed>;

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"))
        .block_on(future)
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let local = if args.list { None } else { DynamoDbLocal::start_or_skip() };
    let endpoint = local.as_ref().map(DynamoDbLocal::endpoint);
    let skipped = endpoint.is_none() && !args.list;
    let cases: [(&str, Case); 5] = [
        ("unique_guards", |e| block_on(unique_guards(e))),
        ("version_counter_race", |e| block_on(counter_race(e))),
        ("version_checks_of_every_write", |e| block_on(version_checks(e))),
        ("timestamps_expiry_and_hooks", |e| block_on(timestamps_expiry_and_hooks(e))),
        ("sharded_round_trip", |e| block_on(sharded_round_trip(e))),
    ];
    let trials = cases
        .into_iter()
        .map(|(name, run)| {
            let endpoint = endpoint.clone();
            Trial::test(name, move || match endpoint {
                Some(endpoint) => run(endpoint),
                None => Ok(()),
            })
            .with_ignored_flag(skipped)
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(local);
    conclusion.exit_code()
}

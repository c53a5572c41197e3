//! The embedded engine's change feed (DynamoDB Streams in process) and TTL sweep: every
//! write path records, images follow the view type, transactions appear atomically,
//! expired items are deleted as system deletions, and `changes()` is an async stream.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_core::Stream;
use singletable_core::backend::{
    AttributeDefinition, Backend, BatchWriteItemInput, CreateTableInput, DeleteItemInput,
    KeySchemaElement, KeyType, PutItemInput, TimeToLiveSpecification, TransactWriteItem,
    TransactWriteItemsInput, UpdateItemInput, WriteRequest,
};
use singletable_core::clock::ManualClock;
use singletable_core::expr::{Condition, Path, SetValue, UpdateAction, UpdateOperand};
use singletable_core::schema::{BillingMode, ScalarType, StreamViewType};
use singletable_core::{AttributeValue, Error, Item, Number, Timestamp};
use singletable_engine::MemoryBackend;
use singletable_engine::{ChangeEvent, ChangeRecord, ChangeStream};

const NOW: i64 = 1_700_000_000;

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(Number::parse(&value.to_string()).expect("a valid number"))
}

fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect()
}

fn key(pk: &str, sk: &str) -> Item {
    item(&[("pk", s(pk)), ("sk", s(sk))])
}

fn table(name: &str, stream: Option<StreamViewType>) -> CreateTableInput {
    CreateTableInput {
        table_name: name.to_owned(),
        attribute_definitions: vec![
            AttributeDefinition { name: "pk".to_owned(), ty: ScalarType::S },
            AttributeDefinition { name: "sk".to_owned(), ty: ScalarType::S },
        ],
        key_schema: vec![
            KeySchemaElement { attribute_name: "pk".to_owned(), key_type: KeyType::Hash },
            KeySchemaElement { attribute_name: "sk".to_owned(), key_type: KeyType::Range },
        ],
        global_secondary_indexes: vec![],
        local_secondary_indexes: vec![],
        billing_mode: BillingMode::PayPerRequest,
        stream,
    }
}

async fn engine(stream: Option<StreamViewType>) -> MemoryBackend {
    let db = MemoryBackend::new();
    db.create_table(table("Feed", stream)).await.expect("table created");
    db
}

async fn put(db: &MemoryBackend, pairs: &[(&str, AttributeValue)]) {
    db.put_item(PutItemInput {
        table_name: "Feed".to_owned(),
        item: item(pairs),
        ..Default::default()
    })
    .await
    .expect("put");
}

async fn set(db: &MemoryBackend, key: Item, name: &str, value: AttributeValue) {
    db.update_item(UpdateItemInput {
        table_name: "Feed".to_owned(),
        key,
        updates: vec![UpdateAction::Set(
            Path::attribute(name),
            SetValue::Operand(UpdateOperand::Value(value)),
        )],
        ..Default::default()
    })
    .await
    .expect("update");
}

async fn delete(db: &MemoryBackend, key: Item) {
    db.delete_item(DeleteItemInput { table_name: "Feed".to_owned(), key, ..Default::default() })
        .await
        .expect("delete");
}

fn records(db: &MemoryBackend) -> Vec<ChangeRecord> {
    db.change_records("Feed", None, usize::MAX).expect("records")
}

fn events(records: &[ChangeRecord]) -> Vec<ChangeEvent> {
    records.iter().map(|record| record.event).collect()
}

#[tokio::test]
async fn single_item_writes_record_insert_modify_remove_with_both_images() {
    let db = engine(Some(StreamViewType::NewAndOldImages)).await;
    let v1 = item(&[("pk", s("a")), ("sk", s("1")), ("v", n(1))]);
    let v2 = item(&[("pk", s("a")), ("sk", s("1")), ("v", n(2))]);
    let v3 = item(&[("pk", s("a")), ("sk", s("1")), ("v", n(3))]);
    put(&db, &[("pk", s("a")), ("sk", s("1")), ("v", n(1))]).await;
    put(&db, &[("pk", s("a")), ("sk", s("1")), ("v", n(2))]).await;
    set(&db, key("a", "1"), "v", n(3)).await;
    delete(&db, key("a", "1")).await;

    let all = records(&db);
    assert_eq!(
        events(&all),
        [ChangeEvent::Insert, ChangeEvent::Modify, ChangeEvent::Modify, ChangeEvent::Remove]
    );
    assert_eq!(all.iter().map(|r| r.sequence_number).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(all.iter().all(|r| r.keys == key("a", "1") && !r.system_delete));
    assert_eq!((all[0].old_image.as_ref(), all[0].new_image.as_ref()), (None, Some(&v1)));
    assert_eq!((all[1].old_image.as_ref(), all[1].new_image.as_ref()), (Some(&v1), Some(&v2)));
    assert_eq!((all[2].old_image.as_ref(), all[2].new_image.as_ref()), (Some(&v2), Some(&v3)));
    assert_eq!((all[3].old_image.as_ref(), all[3].new_image.as_ref()), (Some(&v3), None));
    // pk "a" (3) + sk "1" (3) = 6 for the keys; each image is 6 + v:N (1 + 2) = 9.
    assert_eq!(all.iter().map(|r| r.size_bytes).collect::<Vec<_>>(), [15, 24, 24, 15]);
}

#[tokio::test]
async fn writes_that_change_nothing_record_nothing() {
    let db = engine(Some(StreamViewType::NewAndOldImages)).await;
    put(&db, &[("pk", s("a")), ("sk", s("1")), ("v", n(1))]).await;
    // The same item again, an update to the same value, a delete of a missing item.
    put(&db, &[("pk", s("a")), ("sk", s("1")), ("v", n(1))]).await;
    set(&db, key("a", "1"), "v", n(1)).await;
    delete(&db, key("a", "missing")).await;
    assert_eq!(events(&records(&db)), [ChangeEvent::Insert]);
    // A failed condition writes nothing either.
    let failed = db
        .put_item(PutItemInput {
            table_name: "Feed".to_owned(),
            item: item(&[("pk", s("a")), ("sk", s("1")), ("v", n(9))]),
            condition: Some(Condition::AttributeNotExists(Path::attribute("pk"))),
            ..Default::default()
        })
        .await;
    assert!(matches!(failed, Err(Error::ConditionalCheckFailed { .. })));
    assert_eq!(records(&db).len(), 1);
}

#[tokio::test]
async fn images_follow_the_view_type() {
    for view in [
        StreamViewType::KeysOnly,
        StreamViewType::NewImage,
        StreamViewType::OldImage,
        StreamViewType::NewAndOldImages,
    ] {
        let db = engine(Some(view)).await;
        put(&db, &[("pk", s("a")), ("sk", s("1")), ("v", n(1))]).await;
        set(&db, key("a", "1"), "v", n(2)).await;
        delete(&db, key("a", "1")).await;
        let all = records(&db);
        assert_eq!(events(&all), [ChangeEvent::Insert, ChangeEvent::Modify, ChangeEvent::Remove]);
        let shape: Vec<(bool, bool)> =
            all.iter().map(|r| (r.old_image.is_some(), r.new_image.is_some())).collect();
        let expected = match view {
            StreamViewType::KeysOnly => [(false, false); 3],
            StreamViewType::NewImage => [(false, true), (false, true), (false, false)],
            StreamViewType::OldImage => [(false, false), (true, false), (true, false)],
            StreamViewType::NewAndOldImages => [(false, true), (true, true), (true, false)],
        };
        assert_eq!(shape, expected, "{view:?}");
        assert!(all.iter().all(|r| r.keys == key("a", "1")), "{view:?}");
        if view == StreamViewType::KeysOnly {
            assert!(all.iter().all(|r| r.size_bytes == 6));
        }
    }
}

#[tokio::test]
async fn tables_without_a_stream_have_no_feed() {
    let db = engine(None).await;
    put(&db, &[("pk", s("a")), ("sk", s("1"))]).await;
    assert_eq!(db.stream_info("Feed").expect("described"), None);
    assert!(matches!(db.change_records("Feed", None, 10), Err(Error::ResourceNotFound { .. })));
    assert!(matches!(db.changes("Feed"), Err(Error::ResourceNotFound { .. })));
    assert!(matches!(db.change_records("Nope", None, 10), Err(Error::ResourceNotFound { .. })));
}

#[tokio::test]
#[allow(clippy::cast_possible_truncation)] // a creation time in ms fits i64
async fn stream_info_describes_the_stream() {
    let db = engine(Some(StreamViewType::NewImage)).await;
    let info = db.stream_info("Feed").expect("described").expect("a stream");
    assert_eq!(info.view_type, StreamViewType::NewImage);
    let described = db.describe_table("Feed".to_owned()).await.expect("described");
    let created_ms = (described.creation_date_time * 1000.0).round() as i64;
    assert_eq!(info.created_ms, created_ms);
    // `YYYY-MM-DDTHH:MM:SS.mmm`, as DynamoDB's StreamLabel.
    assert_eq!(info.label.len(), 23, "{}", info.label);
    assert_eq!(&info.label[10..11], "T");
    assert_eq!(&info.label[19..20], ".");
}

#[tokio::test]
async fn batches_record_each_write() {
    let db = engine(Some(StreamViewType::NewAndOldImages)).await;
    put(&db, &[("pk", s("a")), ("sk", s("old"))]).await;
    let requests = vec![
        WriteRequest::Put { item: item(&[("pk", s("a")), ("sk", s("1"))]) },
        WriteRequest::Put { item: item(&[("pk", s("a")), ("sk", s("2"))]) },
        WriteRequest::Delete { key: key("a", "old") },
    ];
    let output = db
        .batch_write_item(BatchWriteItemInput {
            request_items: HashMap::from([("Feed".to_owned(), requests)]),
            ..Default::default()
        })
        .await
        .expect("batch");
    assert!(output.unprocessed_items.is_empty());
    let all = records(&db);
    let mut changes: Vec<(ChangeEvent, Item)> =
        all[1..].iter().map(|r| (r.event, r.keys.clone())).collect();
    changes.sort_by_key(|(_, keys)| format!("{:?}", keys.get("sk")));
    let mut expected = vec![
        (ChangeEvent::Insert, key("a", "1")),
        (ChangeEvent::Insert, key("a", "2")),
        (ChangeEvent::Remove, key("a", "old")),
    ];
    expected.sort_by_key(|(_, keys)| format!("{:?}", keys.get("sk")));
    assert_eq!(changes, expected);
}

fn transaction(round: i64) -> TransactWriteItemsInput {
    TransactWriteItemsInput {
        items: (0..3)
            .map(|i| TransactWriteItem::Put {
                table_name: "Feed".to_owned(),
                item: item(&[("pk", s("t")), ("sk", s(&i.to_string())), ("round", n(round))]),
                condition: None,
                return_old_on_condition_failure: false,
            })
            .collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn transactions_appear_together_or_not_at_all() {
    let db = engine(Some(StreamViewType::NewAndOldImages)).await;
    db.transact_write_items(transaction(0)).await.expect("committed");
    assert_eq!(events(&records(&db)), [ChangeEvent::Insert; 3]);

    // A cancelled transaction records nothing, not even its valid actions.
    let mut cancelled = transaction(1);
    cancelled.items.push(TransactWriteItem::Delete {
        table_name: "Feed".to_owned(),
        key: key("t", "missing"),
        condition: Some(Condition::AttributeExists(Path::attribute("pk"))),
        return_old_on_condition_failure: false,
    });
    let result = db.transact_write_items(cancelled).await;
    assert!(matches!(result, Err(Error::TransactionCanceled { .. })), "{result:?}");
    assert_eq!(records(&db).len(), 3);

    // Readers never see part of a transaction while others commit.
    let writer_db = db.clone();
    let done = Arc::new(AtomicBool::new(false));
    let finished = Arc::clone(&done);
    let writer = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        for round in 1..=200 {
            runtime
                .block_on(writer_db.transact_write_items(transaction(round)))
                .expect("committed");
        }
        finished.store(true, Ordering::SeqCst);
    });
    let mut observed = 0;
    while !done.load(Ordering::SeqCst) {
        let all = records(&db);
        assert_eq!(all.len() % 3, 0, "a transaction seen in part");
        for group in all.chunks(3) {
            let rounds: Vec<_> =
                group.iter().map(|r| r.new_image.as_ref().and_then(|i| i.get("round"))).collect();
            assert!(rounds.windows(2).all(|pair| pair[0] == pair[1]), "mixed rounds {rounds:?}");
        }
        observed += 1;
        std::thread::yield_now();
    }
    writer.join().expect("the writer finished");
    assert!(observed > 0);
    let all = records(&db);
    assert_eq!(all.len(), 3 + 200 * 3);
    assert!(all.windows(2).all(|pair| pair[1].sequence_number == pair[0].sequence_number + 1));
}

#[tokio::test]
async fn reading_pages_after_a_sequence_number_and_retention() {
    let db = MemoryBackend::new().with_change_retention(3);
    db.create_table(table("Feed", Some(StreamViewType::KeysOnly))).await.expect("created");
    for i in 0..5 {
        put(&db, &[("pk", s("a")), ("sk", s(&i.to_string()))]).await;
    }
    let kept = records(&db);
    assert_eq!(kept.iter().map(|r| r.sequence_number).collect::<Vec<_>>(), [3, 4, 5]);
    let page = db.change_records("Feed", Some(3), 1).expect("a page");
    assert_eq!(page.iter().map(|r| r.sequence_number).collect::<Vec<_>>(), [4]);
    assert!(db.change_records("Feed", Some(5), 10).expect("the end").is_empty());
    assert_eq!(db.change_records("Feed", Some(2), 10).expect("right at the horizon").len(), 3);
    match db.change_records("Feed", Some(1), 10) {
        Err(error) => assert_eq!(error.dynamodb_type(), Some("TrimmedDataAccessException")),
        Ok(records) => panic!("expected a trimmed-data error, got {records:?}"),
    }
}

#[tokio::test]
async fn records_older_than_24_hours_are_trimmed() {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(NOW)));
    let db = MemoryBackend::new().with_clock(clock.clone());
    db.create_table(table("Feed", Some(StreamViewType::KeysOnly))).await.expect("created");
    put(&db, &[("pk", s("a")), ("sk", s("1"))]).await;
    assert_eq!(records(&db)[0].approximate_creation_time_ms, NOW * 1000);
    clock.advance(Duration::from_secs(24 * 3600 + 1));
    put(&db, &[("pk", s("a")), ("sk", s("2"))]).await;
    let kept = records(&db);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].keys, key("a", "2"));
}

async fn ttl_engine(clock: Arc<ManualClock>) -> MemoryBackend {
    let db = MemoryBackend::new().with_clock(clock);
    db.create_table(table("Feed", Some(StreamViewType::NewAndOldImages))).await.expect("created");
    db.create_table(table("NoTtl", None)).await.expect("created");
    db.update_time_to_live(
        "Feed".to_owned(),
        TimeToLiveSpecification { attribute_name: "exp".to_owned(), enabled: true },
    )
    .await
    .expect("TTL enabled");
    db
}

#[tokio::test]
async fn ttl_sweep_deletes_expired_items_as_system_deletions() {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(NOW)));
    let db = ttl_engine(clock.clone()).await;
    put(&db, &[("pk", s("p")), ("sk", s("expired")), ("exp", n(NOW - 10))]).await;
    put(&db, &[("pk", s("p")), ("sk", s("later")), ("exp", n(NOW + 60))]).await;
    put(&db, &[("pk", s("p")), ("sk", s("ancient")), ("exp", n(NOW - 6 * 365 * 86_400))]).await;
    put(&db, &[("pk", s("p")), ("sk", s("text")), ("exp", s("1"))]).await;
    put(&db, &[("pk", s("p")), ("sk", s("millis")), ("exp", n((NOW - 10) * 1000))]).await;
    put(&db, &[("pk", s("p")), ("sk", s("none"))]).await;
    db.put_item(PutItemInput {
        table_name: "NoTtl".to_owned(),
        item: item(&[("pk", s("p")), ("sk", s("x")), ("exp", n(NOW - 10))]),
        ..Default::default()
    })
    .await
    .expect("put");
    let before = records(&db).len();

    assert_eq!(db.sweep_expired(), 1);
    let removed = &records(&db)[before..];
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].event, ChangeEvent::Remove);
    assert!(removed[0].system_delete);
    assert_eq!(removed[0].keys, key("p", "expired"));
    assert!(removed[0].old_image.is_some());
    let left: Vec<AttributeValue> = db
        .partition_items("Feed", &s("p"))
        .expect("items")
        .into_iter()
        .filter_map(|i| i.get("sk").cloned())
        .collect();
    assert_eq!(left, ["ancient", "later", "millis", "none", "text"].map(s));
    assert_eq!(db.partition_items("NoTtl", &s("p")).expect("items").len(), 1);
    assert_eq!(db.sweep_expired(), 0);

    // A minute later the next one expires; an ordinary delete is no system deletion.
    clock.advance(Duration::from_secs(61));
    delete(&db, key("p", "none")).await;
    assert_eq!(db.sweep_expired(), 1);
    let last: Vec<(bool, Item)> =
        records(&db).iter().rev().take(2).map(|r| (r.system_delete, r.keys.clone())).collect();
    assert_eq!(last, [(true, key("p", "later")), (false, key("p", "none"))]);
    let described = db.describe_table("Feed".to_owned()).await.expect("described");
    assert_eq!(described.item_count, 3);
}

#[tokio::test]
async fn the_background_sweeper_deletes_and_stops_with_the_engine() {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(NOW)));
    let db = ttl_engine(clock.clone()).await;
    put(&db, &[("pk", s("p")), ("sk", s("1")), ("exp", n(NOW + 5))]).await;
    let sweeper = db.start_ttl_sweep(Duration::from_millis(5)).expect("started");
    let mut changes = db.changes("Feed").expect("a stream");
    clock.advance(Duration::from_secs(10));
    let record = tokio::time::timeout(Duration::from_secs(10), next(&mut changes))
        .await
        .expect("the sweeper deleted the item")
        .expect("a record")
        .expect("no error");
    assert_eq!((record.event, record.system_delete), (ChangeEvent::Remove, true));
    assert!(sweeper.is_running());
    drop(changes);
    drop(db);
    for _ in 0..2000 {
        if !sweeper.is_running() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!sweeper.is_running(), "the sweeper outlived the engine");

    let db = ttl_engine(clock).await;
    let sweeper = db.start_ttl_sweep(Duration::from_secs(3600)).expect("started");
    sweeper.stop();
}

async fn next(stream: &mut ChangeStream) -> Option<singletable_core::Result<ChangeRecord>> {
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *stream).poll_next(cx)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_is_an_async_stream_of_records_from_now_on() {
    let db = engine(Some(StreamViewType::NewAndOldImages)).await;
    put(&db, &[("pk", s("before")), ("sk", s("1"))]).await;
    let mut changes = db.changes("Feed").expect("a stream");
    let consumer = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(record) = next(&mut changes).await {
            let record = record.expect("no error");
            seen.push((record.event, record.keys));
        }
        seen
    });
    // The consumer waits for records that do not exist yet.
    tokio::task::yield_now().await;
    for i in 0..50 {
        put(&db, &[("pk", s("a")), ("sk", s(&i.to_string())), ("v", n(1))]).await;
        if i % 10 == 0 {
            tokio::task::yield_now().await;
        }
    }
    set(&db, key("a", "0"), "v", n(2)).await;
    db.transact_write_items(transaction(7)).await.expect("committed");
    delete(&db, key("a", "1")).await;
    // Deleting the table ends the stream.
    db.delete_table("Feed".to_owned()).await.expect("deleted");
    let seen = tokio::time::timeout(Duration::from_secs(10), consumer)
        .await
        .expect("the stream ended")
        .expect("the consumer finished");
    let mut expected: Vec<(ChangeEvent, Item)> =
        (0..50).map(|i| (ChangeEvent::Insert, key("a", &i.to_string()))).collect();
    expected.push((ChangeEvent::Modify, key("a", "0")));
    expected.extend((0..3).map(|i| (ChangeEvent::Insert, key("t", &i.to_string()))));
    expected.push((ChangeEvent::Remove, key("a", "1")));
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_consumer_behind_the_retention_gets_one_trimmed_error_then_the_end() {
    let db = MemoryBackend::new().with_change_retention(2);
    db.create_table(table("Feed", Some(StreamViewType::KeysOnly))).await.expect("created");
    let mut changes = db.changes("Feed").expect("a stream");
    for i in 0..5 {
        put(&db, &[("pk", s("a")), ("sk", s(&i.to_string()))]).await;
    }
    match changes.recv().await {
        Some(Err(error)) => {
            assert_eq!(error.dynamodb_type(), Some("TrimmedDataAccessException"));
            assert!(error.to_string().contains("oldest retained: 4"), "{error}");
        }
        other => panic!("expected a trimmed-data error, got {other:?}"),
    }
    assert!(changes.recv().await.is_none());
    // A new stream starts from now and is fine.
    let mut fresh = db.changes("Feed").expect("a stream");
    put(&db, &[("pk", s("a")), ("sk", s("9"))]).await;
    let record = fresh.recv().await.expect("open").expect("no error");
    assert_eq!((record.sequence_number, record.keys), (6, key("a", "9")));
}

//! The capacity model (`MemoryBackend::with_capacity_model`) through the `Backend` API, on
//! a manual clock: provisioned burst capacity, per-partition ceilings, on-demand
//! tables, GSIs that throttle table writes, batches, transactions, `UpdateTable`, and
//! the exceptions and `ThrottlingReasons` DynamoDB answers with.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use singletable_core::backend::{
    AttributeDefinition, Backend, BatchGetItemInput, BatchWriteItemInput, CreateTableInput,
    GetItemInput, GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, KeysAndAttributes,
    ProjectionSpec, PutItemInput, QueryInput, ReturnConsumedCapacity, SecondaryIndex,
    TransactWriteItem, TransactWriteItemsInput, UpdateTableInput, WriteRequest,
};
use singletable_core::clock::ManualClock;
use singletable_core::expr::{Condition, KeyCondition, Path};
use singletable_core::schema::{BillingMode, ScalarType};
use singletable_core::{AttributeValue, Error, Item, Timestamp};
use singletable_engine::MemoryBackend;

fn engine() -> (MemoryBackend, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(1_700_000_000)));
    let db = MemoryBackend::new().with_clock(clock.clone()).with_capacity_model();
    (db, clock)
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn item(pk: &str, sk: &str) -> Item {
    [("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))].into()
}

async fn create(db: &MemoryBackend, name: &str, billing: BillingMode, gsi: Option<(u64, u64)>) {
    let key = |name: &str, key_type| KeySchemaElement { attribute_name: name.to_owned(), key_type };
    let definition = |name: &str| AttributeDefinition { name: name.to_owned(), ty: ScalarType::S };
    let indexes: Vec<SecondaryIndex> = gsi
        .map(|throughput| SecondaryIndex {
            index_name: "ByG".to_owned(),
            key_schema: vec![key("g", KeyType::Hash)],
            projection: ProjectionSpec::All,
            provisioned_throughput: Some(throughput),
        })
        .into_iter()
        .collect();
    db.create_table(CreateTableInput {
        table_name: name.to_owned(),
        attribute_definitions: vec![definition("pk"), definition("sk"), definition("g")]
            .into_iter()
            .filter(|d| d.name != "g" || !indexes.is_empty())
            .collect(),
        key_schema: vec![key("pk", KeyType::Hash), key("sk", KeyType::Range)],
        global_secondary_indexes: indexes,
        local_secondary_indexes: vec![],
        billing_mode: billing,
        stream: None,
    })
    .await
    .unwrap_or_else(|e| panic!("create {name}: {e}"));
}

async fn put(db: &MemoryBackend, table: &str, item: Item) -> Result<(), Error> {
    let input = PutItemInput { table_name: table.to_owned(), item, ..PutItemInput::default() };
    db.put_item(input).await.map(drop)
}

fn reasons(error: &Error) -> Vec<String> {
    error.throttling_reasons().iter().map(|reason| reason.reason.clone()).collect()
}

#[tokio::test]
async fn a_new_5_wcu_table_takes_one_second_of_writes_then_bursts_after_idling() {
    let (db, clock) = engine();
    create(&db, "Small", BillingMode::Provisioned { read: 5, write: 5 }, None).await;
    let mut accepted = 0;
    let error = loop {
        match put(&db, "Small", item(&format!("k{accepted}"), "a")).await {
            Ok(()) => accepted += 1,
            Err(error) => break error,
        }
    };
    assert_eq!(accepted, 5, "a new table holds one second of its capacity");
    assert_eq!(error.dynamodb_type(), Some("ProvisionedThroughputExceededException"));
    assert_eq!(
        error.to_string(),
        "ProvisionedThroughputExceededException: The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
    );
    assert_eq!(reasons(&error), ["TableWriteProvisionedThroughputExceeded"]);
    assert_eq!(
        error.throttling_reasons()[0].resource,
        "arn:aws:dynamodb:ddblocal:000000000000:table/Small"
    );
    // The throttled write changed nothing.
    let got = db
        .get_item(GetItemInput {
            table_name: "Small".to_owned(),
            key: item(&format!("k{accepted}"), "a"),
            ..GetItemInput::default()
        })
        .await
        .expect("get");
    assert_eq!(got.item, None);

    // Ten idle minutes keep 300 seconds: 1,500 writes, spread over two partitions
    // (each partition takes 1,000 a second).
    clock.advance(Duration::from_secs(600));
    let mut burst = 0;
    while put(&db, "Small", item(&format!("b{}", burst % 2), &burst.to_string())).await.is_ok() {
        burst += 1;
    }
    assert_eq!(burst, 1_500);
}

#[tokio::test]
async fn batch_writes_come_back_unprocessed_and_fail_whole_when_all_throttle() {
    let (db, _clock) = engine();
    create(&db, "Small", BillingMode::Provisioned { read: 5, write: 5 }, None).await;
    let requests: Vec<WriteRequest> =
        (0..25).map(|n| WriteRequest::Put { item: item(&format!("k{n}"), "a") }).collect();
    let output = db
        .batch_write_item(BatchWriteItemInput {
            request_items: HashMap::from([("Small".to_owned(), requests)]),
            return_consumed_capacity: ReturnConsumedCapacity::Total,
        })
        .await
        .expect("some items go through");
    let unprocessed = &output.unprocessed_items["Small"];
    assert_eq!(unprocessed.len(), 20);
    assert_eq!(output.consumed_capacity[0].capacity_units, 5.0);
    // Every item throttled: the request fails.
    let error = db
        .batch_write_item(BatchWriteItemInput {
            request_items: HashMap::from([("Small".to_owned(), unprocessed.clone())]),
            ..BatchWriteItemInput::default()
        })
        .await
        .expect_err("nothing left");
    assert_eq!(error.dynamodb_type(), Some("ProvisionedThroughputExceededException"));
}

#[tokio::test]
async fn batch_gets_leave_throttled_keys_unprocessed() {
    let (db, clock) = engine();
    create(&db, "Reads", BillingMode::Provisioned { read: 1, write: 100 }, None).await;
    for n in 0..10 {
        put(&db, "Reads", item(&format!("k{n}"), "a")).await.expect("put");
    }
    clock.advance(Duration::from_secs(1));
    let keys: Vec<Item> = (0..10).map(|n| item(&format!("k{n}"), "a")).collect();
    let output = db
        .batch_get_item(BatchGetItemInput {
            request_items: HashMap::from([(
                "Reads".to_owned(),
                KeysAndAttributes { keys, ..KeysAndAttributes::default() },
            )]),
            ..BatchGetItemInput::default()
        })
        .await
        .expect("batch get");
    // Two units after a second (one second kept at start, one accrued): four reads of
    // half a unit.
    assert_eq!(output.responses["Reads"].len(), 4);
    assert_eq!(output.unprocessed_keys["Reads"].keys.len(), 6);
}

#[tokio::test]
async fn a_starved_gsi_throttles_the_table_writes_until_update_table_raises_it() {
    let (db, clock) = engine();
    create(&db, "Indexed", BillingMode::Provisioned { read: 100, write: 100 }, Some((100, 1)))
        .await;
    let with_g = |pk: &str| {
        let mut item = item(pk, "a");
        item.insert("g".to_owned(), s("x"));
        item
    };
    put(&db, "Indexed", with_g("a")).await.expect("the GSI's one unit");
    let error = put(&db, "Indexed", with_g("b")).await.expect_err("the GSI is out");
    assert_eq!(error.dynamodb_type(), Some("ProvisionedThroughputExceededException"));
    assert_eq!(
        error.to_string(),
        "ProvisionedThroughputExceededException: The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API."
    );
    assert_eq!(reasons(&error), ["IndexWriteProvisionedThroughputExceeded"]);
    assert!(error.throttling_reasons()[0].resource.ends_with("table/Indexed/index/ByG"));
    // Even a write that does not touch the GSI waits for it (GSI.html).
    assert!(put(&db, "Indexed", item("c", "a")).await.is_err());

    db.update_table(UpdateTableInput {
        table_name: "Indexed".to_owned(),
        global_secondary_index_updates: vec![GlobalSecondaryIndexUpdate::Update {
            index_name: "ByG".to_owned(),
            provisioned_throughput: Some((100, 1_000)),
        }],
        ..UpdateTableInput::default()
    })
    .await
    .expect("update");
    clock.advance(Duration::from_millis(100));
    for n in 0..9 {
        put(&db, "Indexed", with_g(&format!("after{n}"))).await.expect("100 units in 100 ms");
    }
}

#[tokio::test]
async fn a_hot_key_on_demand_is_throttled_at_1000_writes_a_second() {
    let (db, clock) = engine();
    create(&db, "OnDemand", BillingMode::PayPerRequest, None).await;
    let mut accepted = 0;
    let error = loop {
        match put(&db, "OnDemand", item("hot", &accepted.to_string())).await {
            Ok(()) => accepted += 1,
            Err(error) => break error,
        }
    };
    assert_eq!(accepted, 1_000);
    assert_eq!(error.dynamodb_type(), Some("ThrottlingException"));
    assert!(error.to_string().contains("check if you have a hot key"), "{error}");
    assert_eq!(reasons(&error), ["TableWriteKeyRangeThroughputExceeded"]);
    // Other keys are served; the next second, the hot key again.
    put(&db, "OnDemand", item("cold", "1")).await.expect("another partition");
    clock.advance(Duration::from_secs(1));
    put(&db, "OnDemand", item("hot", "next")).await.expect("a new second");
}

#[tokio::test]
async fn a_hot_key_is_read_at_most_3000_units_a_second() {
    let (db, _clock) = engine();
    create(&db, "Big", BillingMode::PayPerRequest, None).await;
    let mut big = item("hot", "a");
    big.insert("blob".to_owned(), AttributeValue::B(vec![7; 400_000]));
    put(&db, "Big", big).await.expect("a 400 KB item");
    let get = || {
        db.get_item(GetItemInput {
            table_name: "Big".to_owned(),
            key: item("hot", "a"),
            consistent_read: true,
            ..GetItemInput::default()
        })
    };
    // 98 units a read (400,024 bytes in 4 KB units): 31 reads fit in 3,000, the 32nd
    // is refused.
    for _ in 0..31 {
        get().await.expect("under the partition's 3,000 units");
    }
    let error = get().await.expect_err("the partition is at its ceiling");
    assert_eq!(reasons(&error), ["TableReadKeyRangeThroughputExceeded"]);
    // A query of that partition is refused too (after it was checked).
    let error = db
        .query(QueryInput {
            table_name: "Big".to_owned(),
            key_condition: KeyCondition {
                partition: vec![("pk".to_owned(), s("hot"))],
                sort: vec![],
            },
            ..QueryInput::default()
        })
        .await
        .expect_err("same partition");
    assert_eq!(error.dynamodb_type(), Some("ThrottlingException"));
}

#[tokio::test]
async fn a_throttled_transaction_is_cancelled_and_applies_nothing() {
    let (db, _clock) = engine();
    create(&db, "Small", BillingMode::Provisioned { read: 5, write: 2 }, None).await;
    let put_action = |pk: &str| TransactWriteItem::Put {
        table_name: "Small".to_owned(),
        item: item(pk, "a"),
        condition: None,
        return_old_on_condition_failure: false,
    };
    // Two units: the first transaction (2 items, 4 units, charged after) goes ahead.
    db.transact_write_items(TransactWriteItemsInput {
        items: vec![put_action("a"), put_action("b")],
        ..TransactWriteItemsInput::default()
    })
    .await
    .expect("admitted");
    let error = db
        .transact_write_items(TransactWriteItemsInput {
            items: vec![put_action("c"), put_action("d")],
            ..TransactWriteItemsInput::default()
        })
        .await
        .expect_err("out of capacity");
    let Error::TransactionCanceled { reasons, .. } = &error else { panic!("{error:?}") };
    let codes: Vec<&str> = reasons.iter().map(|reason| reason.code.as_str()).collect();
    assert_eq!(codes, ["ProvisionedThroughputExceeded", "ProvisionedThroughputExceeded"]);
    let got = db
        .get_item(GetItemInput {
            table_name: "Small".to_owned(),
            key: item("c", "a"),
            ..GetItemInput::default()
        })
        .await
        .expect("get");
    assert_eq!(got.item, None);
}

#[tokio::test]
async fn failed_conditions_consume_capacity_and_reports_stay_as_asked() {
    let (db, _clock) = engine();
    create(&db, "Small", BillingMode::Provisioned { read: 5, write: 3 }, None).await;
    let exists = Condition::AttributeExists(Path::attribute("pk"));
    let output = db
        .put_item(PutItemInput {
            table_name: "Small".to_owned(),
            item: item("a", "a"),
            return_consumed_capacity: ReturnConsumedCapacity::Total,
            ..PutItemInput::default()
        })
        .await
        .expect("put");
    let report = output.consumed_capacity.expect("asked for TOTAL");
    assert_eq!(report.capacity_units, 1.0);
    assert!(report.table.is_none(), "TOTAL has no breakdown");
    let plain = db
        .put_item(PutItemInput {
            table_name: "Small".to_owned(),
            item: item("b", "a"),
            ..PutItemInput::default()
        })
        .await
        .expect("put");
    assert_eq!(plain.consumed_capacity, None, "NONE stays none");
    let failed = db
        .put_item(PutItemInput {
            table_name: "Small".to_owned(),
            item: item("c", "a"),
            condition: Some(exists),
            ..PutItemInput::default()
        })
        .await
        .expect_err("no item c");
    assert!(matches!(failed, Error::ConditionalCheckFailed { .. }));
    // Three units spent, one of them by the failed condition.
    let error = put(&db, "Small", item("d", "a")).await.expect_err("out of capacity");
    assert_eq!(error.dynamodb_type(), Some("ProvisionedThroughputExceededException"));
}

#[tokio::test]
async fn without_the_model_nothing_throttles_and_clones_share_it() {
    let db = MemoryBackend::new();
    create(&db, "Tiny", BillingMode::Provisioned { read: 1, write: 1 }, None).await;
    for n in 0..2_000 {
        put(&db, "Tiny", item("hot", &n.to_string())).await.expect("no model, no throttling");
    }
    assert!(!db.enforces_capacity());
    let clone = db.clone();
    db.set_capacity_model(true);
    assert!(clone.enforces_capacity());
    let mut accepted = 0;
    while put(&clone, "Tiny", item("x", &accepted.to_string())).await.is_ok() {
        accepted += 1;
    }
    assert_eq!(accepted, 1);
    let usage = db.capacity_usage(5).expect("the model is on");
    assert_eq!(usage.resources[0].table, "Tiny");
    assert_eq!(usage.resources[0].write_units, 1.0);
    assert_eq!(usage.resources[0].write_throttles, 1);
    assert_eq!(usage.most_throttled[0].partition, "pk=x");
}

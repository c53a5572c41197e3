//! Catalog changes on the embedded engine: `UpdateTable` (GSI create with backfill,
//! delete, throughput, billing, stream) and resource tags, their validation, their
//! survival through export/import, and writes racing a GSI creation.

use singletable_core::backend::{
    AttributeDefinition, Backend, CreateTableInput, GlobalSecondaryIndexUpdate, KeySchemaElement,
    KeyType, ProjectionSpec, PutItemInput, QueryInput, SecondaryIndex, StreamSpecification, Tag,
    TransactWriteItem, TransactWriteItemsInput, UpdateItemInput, UpdateTableInput,
};
use singletable_core::error::Error;
use singletable_core::expr::{KeyCondition, Path, SetValue, UpdateAction, UpdateOperand};
use singletable_core::schema::{BillingMode, ScalarType, StreamViewType};
use singletable_core::{AttributeValue, Item, Number};
use singletable_engine::{ChangeEvent, MemoryBackend};

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(Number::from(value))
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement { attribute_name: name.to_owned(), key_type }
}

fn defined(name: &str, ty: ScalarType) -> AttributeDefinition {
    AttributeDefinition { name: name.to_owned(), ty }
}

fn gsi(name: &str, attribute: &str) -> SecondaryIndex {
    SecondaryIndex {
        index_name: name.to_owned(),
        key_schema: vec![key(attribute, KeyType::Hash)],
        projection: ProjectionSpec::All,
        provisioned_throughput: None,
    }
}

/// `Tbl` with pk/sk (S), an LSI `ByL` on `l`, on demand, no stream.
async fn table(db: &MemoryBackend) {
    db.create_table(CreateTableInput {
        table_name: "Tbl".to_owned(),
        attribute_definitions: vec![
            defined("pk", ScalarType::S),
            defined("sk", ScalarType::S),
            defined("l", ScalarType::S),
        ],
        key_schema: vec![key("pk", KeyType::Hash), key("sk", KeyType::Range)],
        global_secondary_indexes: vec![],
        local_secondary_indexes: vec![SecondaryIndex {
            index_name: "ByL".to_owned(),
            key_schema: vec![key("pk", KeyType::Hash), key("l", KeyType::Range)],
            projection: ProjectionSpec::KeysOnly,
            provisioned_throughput: None,
        }],
        billing_mode: BillingMode::PayPerRequest,
        stream: None,
    })
    .await
    .expect("created");
}

fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect()
}

async fn put(db: &MemoryBackend, item: Item) -> singletable_core::Result<()> {
    db.put_item(PutItemInput { table_name: "Tbl".to_owned(), item, ..Default::default() })
        .await
        .map(drop)
}

fn create_gsi(name: &str, attribute: &str, ty: ScalarType) -> UpdateTableInput {
    UpdateTableInput {
        table_name: "Tbl".to_owned(),
        attribute_definitions: vec![defined(attribute, ty)],
        global_secondary_index_updates: vec![GlobalSecondaryIndexUpdate::Create(gsi(
            name, attribute,
        ))],
        ..Default::default()
    }
}

fn delete_gsi(name: &str) -> UpdateTableInput {
    UpdateTableInput {
        table_name: "Tbl".to_owned(),
        global_secondary_index_updates: vec![GlobalSecondaryIndexUpdate::Delete {
            index_name: name.to_owned(),
        }],
        ..Default::default()
    }
}

fn validation(error: Error) -> String {
    match error {
        Error::Validation { message, .. } => message,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn query_gsi(
    db: &MemoryBackend,
    index: &str,
    attribute: &str,
    value: AttributeValue,
) -> usize {
    let page = db
        .query(QueryInput {
            table_name: "Tbl".to_owned(),
            index_name: Some(index.to_owned()),
            key_condition: KeyCondition {
                partition: vec![(attribute.to_owned(), value)],
                sort: Vec::new(),
            },
            ..Default::default()
        })
        .await
        .expect("queried");
    page.items.len()
}

#[tokio::test]
async fn adding_a_gsi_backfills_it_and_later_writes_keep_it() {
    let db = MemoryBackend::new();
    table(&db).await;
    put(&db, item(&[("pk", s("a")), ("sk", s("1")), ("g", s("x"))])).await.expect("put");
    put(&db, item(&[("pk", s("a")), ("sk", s("2")), ("g", s("x"))])).await.expect("put");
    put(&db, item(&[("pk", s("b")), ("sk", s("1"))])).await.expect("put");
    // The wrong type for the new key: left out, as DynamoDB's backfill does.
    put(&db, item(&[("pk", s("c")), ("sk", s("1")), ("g", n(7))])).await.expect("put");

    let updated = db.update_table(create_gsi("ByG", "g", ScalarType::S)).await.expect("updated");
    let names: Vec<&str> =
        updated.global_secondary_indexes.iter().map(|i| i.index_name.as_str()).collect();
    assert_eq!(names, ["ByG"]);
    assert!(updated.attribute_definitions.contains(&defined("g", ScalarType::S)));
    let stats = updated.index_statistics.iter().find(|i| i.index_name == "ByG").expect("stats");
    assert_eq!(stats.item_count, 2);
    assert_eq!(query_gsi(&db, "ByG", "g", s("x")).await, 2);
    // The LSI kept its entries.
    assert_eq!(db.index_items("Tbl", "ByL", &[s("a")]).expect("lsi").len(), 0);

    put(&db, item(&[("pk", s("d")), ("sk", s("1")), ("g", s("x"))])).await.expect("put");
    assert_eq!(query_gsi(&db, "ByG", "g", s("x")).await, 3);
    let message = validation(
        put(&db, item(&[("pk", s("e")), ("sk", s("1")), ("g", n(1))])).await.expect_err("refused"),
    );
    assert!(message.contains("Type mismatch for Index Key g"), "{message}");
    // An update moving an item into the index.
    db.update_item(UpdateItemInput {
        table_name: "Tbl".to_owned(),
        key: item(&[("pk", s("b")), ("sk", s("1"))]),
        updates: vec![UpdateAction::Set(
            Path::attribute("g"),
            SetValue::Operand(UpdateOperand::Value(s("x"))),
        )],
        ..Default::default()
    })
    .await
    .expect("updated");
    assert_eq!(query_gsi(&db, "ByG", "g", s("x")).await, 4);
}

#[tokio::test]
async fn deleting_a_gsi_drops_it_and_its_attribute_definition() {
    let db = MemoryBackend::new();
    table(&db).await;
    put(&db, item(&[("pk", s("a")), ("sk", s("1")), ("g", s("x"))])).await.expect("put");
    db.update_table(create_gsi("ByG", "g", ScalarType::S)).await.expect("created");
    let updated = db.update_table(delete_gsi("ByG")).await.expect("deleted");
    assert!(updated.global_secondary_indexes.is_empty());
    assert!(!updated.attribute_definitions.iter().any(|d| d.name == "g"));
    assert_eq!(updated.local_secondary_indexes.len(), 1);
    let error = db
        .query(QueryInput {
            table_name: "Tbl".to_owned(),
            index_name: Some("ByG".to_owned()),
            key_condition: KeyCondition { partition: vec![("g".to_owned(), s("x"))], sort: vec![] },
            ..Default::default()
        })
        .await
        .expect_err("no such index");
    assert!(validation(error).contains("does not have the specified index"));
    // `g` is an ordinary attribute again: any type goes.
    put(&db, item(&[("pk", s("b")), ("sk", s("1")), ("g", n(1))])).await.expect("put");
    // And the same name can be created again, with another type.
    db.update_table(create_gsi("ByG", "g", ScalarType::N)).await.expect("created");
    assert_eq!(query_gsi(&db, "ByG", "g", n(1)).await, 1);
}

#[tokio::test]
async fn billing_and_gsi_throughput_change() {
    let db = MemoryBackend::new();
    table(&db).await;
    db.update_table(create_gsi("ByG", "g", ScalarType::S)).await.expect("created");
    let provisioned = db
        .update_table(UpdateTableInput {
            table_name: "Tbl".to_owned(),
            billing_mode: Some(BillingMode::Provisioned { read: 3, write: 4 }),
            ..Default::default()
        })
        .await
        .expect("provisioned");
    assert_eq!(provisioned.billing_mode, BillingMode::Provisioned { read: 3, write: 4 });
    assert_eq!(provisioned.global_secondary_indexes[0].provisioned_throughput, Some((3, 4)));
    let updated = db
        .update_table(UpdateTableInput {
            table_name: "Tbl".to_owned(),
            global_secondary_index_updates: vec![GlobalSecondaryIndexUpdate::Update {
                index_name: "ByG".to_owned(),
                provisioned_throughput: Some((7, 8)),
            }],
            ..Default::default()
        })
        .await
        .expect("updated");
    assert_eq!(updated.global_secondary_indexes[0].provisioned_throughput, Some((7, 8)));
    let on_demand = db
        .update_table(UpdateTableInput {
            table_name: "Tbl".to_owned(),
            billing_mode: Some(BillingMode::PayPerRequest),
            ..Default::default()
        })
        .await
        .expect("on demand");
    assert_eq!(on_demand.billing_mode, BillingMode::PayPerRequest);
    assert_eq!(on_demand.global_secondary_indexes[0].provisioned_throughput, None);
    assert_eq!(db.describe_table("Tbl".to_owned()).await.expect("described"), on_demand);
}

fn stream(enabled: bool, view: Option<StreamViewType>) -> UpdateTableInput {
    UpdateTableInput {
        table_name: "Tbl".to_owned(),
        stream_specification: Some(StreamSpecification {
            stream_enabled: enabled,
            stream_view_type: view,
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn streams_are_enabled_and_disabled() {
    let db = MemoryBackend::new();
    table(&db).await;
    assert!(db.stream_info("Tbl").expect("info").is_none());
    let message = validation(db.update_table(stream(false, None)).await.expect_err("refused"));
    assert_eq!(message, "Table has no stream to disable: TableName: Tbl");
    let message = validation(db.update_table(stream(true, None)).await.expect_err("refused"));
    assert!(message.ends_with("StreamViewType must be specified when StreamEnabled is true"));

    let updated =
        db.update_table(stream(true, Some(StreamViewType::NewImage))).await.expect("enabled");
    assert_eq!(updated.stream, Some(StreamViewType::NewImage));
    let info = db.stream_info("Tbl").expect("info").expect("a stream");
    assert_eq!(info.view_type, StreamViewType::NewImage);
    let mut changes = db.changes("Tbl").expect("a stream");
    put(&db, item(&[("pk", s("a")), ("sk", s("1"))])).await.expect("put");
    let record = changes.recv().await.expect("open").expect("a record");
    assert_eq!(record.event, ChangeEvent::Insert);
    let message = validation(
        db.update_table(stream(true, Some(StreamViewType::KeysOnly))).await.expect_err("refused"),
    );
    assert_eq!(message, "Table already has an enabled stream: TableName: Tbl");

    // The stream label and time survive an export/import.
    let copy = MemoryBackend::new();
    copy.import_state(db.export_state()).expect("imported");
    assert_eq!(copy.stream_info("Tbl").expect("info"), Some(info));

    put(&db, item(&[("pk", s("a")), ("sk", s("2"))])).await.expect("put");
    let updated = db.update_table(stream(false, None)).await.expect("disabled");
    assert_eq!(updated.stream, None);
    assert!(db.stream_info("Tbl").expect("info").is_none());
    assert!(db.changes("Tbl").is_err());
    // The open stream yields what it had not seen, then ends.
    let record = changes.recv().await.expect("open").expect("a record");
    assert_eq!(record.keys.get("sk"), Some(&s("2")));
    assert!(changes.recv().await.is_none());

    // A new stream starts afresh.
    db.update_table(stream(true, Some(StreamViewType::KeysOnly))).await.expect("enabled");
    put(&db, item(&[("pk", s("a")), ("sk", s("3"))])).await.expect("put");
    let records = db.change_records("Tbl", None, 10).expect("records");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].sequence_number, 1);
}

#[tokio::test]
async fn update_table_validation() {
    let db = MemoryBackend::new();
    table(&db).await;
    let nothing = UpdateTableInput { table_name: "Tbl".to_owned(), ..Default::default() };
    assert!(validation(db.update_table(nothing).await.expect_err("refused"))
        .starts_with("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled"));

    let missing = UpdateTableInput { table_name: "Nope".to_owned(), ..delete_gsi("ByG") };
    assert!(matches!(db.update_table(missing).await, Err(Error::ResourceNotFound { .. })));

    let error = db.update_table(delete_gsi("Unknown")).await.expect_err("refused");
    assert!(
        matches!(&error, Error::ResourceNotFound { message, .. } if message == "Requested resource not found: Index: Unknown not found"),
        "{error:?}"
    );
    // LSIs are not global: UpdateTable neither deletes nor updates them.
    assert!(matches!(
        db.update_table(delete_gsi("ByL")).await,
        Err(Error::ResourceNotFound { .. })
    ));
    let update_lsi = UpdateTableInput {
        table_name: "Tbl".to_owned(),
        global_secondary_index_updates: vec![GlobalSecondaryIndexUpdate::Update {
            index_name: "ByL".to_owned(),
            provisioned_throughput: Some((1, 1)),
        }],
        ..Default::default()
    };
    assert!(matches!(db.update_table(update_lsi).await, Err(Error::ResourceNotFound { .. })));
    // A new index may not take an LSI's name.
    let message =
        validation(db.update_table(create_gsi("ByL", "g", ScalarType::S)).await.expect_err("x"));
    assert!(message.contains("Index name ByL already exists"), "{message}");

    db.update_table(create_gsi("ByG", "g", ScalarType::S)).await.expect("created");
    let message =
        validation(db.update_table(create_gsi("ByG", "g", ScalarType::S)).await.expect_err("x"));
    assert!(message.contains("Index name ByG already exists"), "{message}");
    // A key attribute redefined with another type.
    let message =
        validation(db.update_table(create_gsi("ByG2", "g", ScalarType::N)).await.expect_err("x"));
    assert!(message.contains("Attribute g is already defined with type S"), "{message}");
    // A key attribute left undefined: CreateTable's rule.
    let undefined = UpdateTableInput {
        table_name: "Tbl".to_owned(),
        global_secondary_index_updates: vec![GlobalSecondaryIndexUpdate::Create(gsi("ByH", "h"))],
        ..Default::default()
    };
    assert!(validation(db.update_table(undefined).await.expect_err("x"))
        .contains("Some index key attributes are not defined"));

    let two = UpdateTableInput {
        global_secondary_index_updates: vec![
            GlobalSecondaryIndexUpdate::Create(gsi("ByH", "h")),
            GlobalSecondaryIndexUpdate::Delete { index_name: "ByG".to_owned() },
        ],
        ..create_gsi("ByH", "h", ScalarType::S)
    };
    let error = db.update_table(two).await.expect_err("refused");
    assert!(
        matches!(&error, Error::Service { code, message, .. }
            if code == "LimitExceededException" && message.starts_with("Subscriber limit exceeded")),
        "{error:?}"
    );
    // Nothing changed by the refusals.
    let described = db.describe_table("Tbl".to_owned()).await.expect("described");
    let names: Vec<&str> =
        described.global_secondary_indexes.iter().map(|i| i.index_name.as_str()).collect();
    assert_eq!(names, ["ByG"]);
}

fn tag(key: &str, value: &str) -> Tag {
    Tag { key: key.to_owned(), value: value.to_owned() }
}

#[tokio::test]
async fn tags_are_added_listed_replaced_and_removed() {
    let db = MemoryBackend::new();
    table(&db).await;
    let arn = db.describe_table("Tbl".to_owned()).await.expect("described").table_arn;
    assert!(db.list_tags_of_resource(&arn).await.expect("listed").is_empty());
    db.tag_resource(&arn, vec![tag("team", "a"), tag("env", "dev")]).await.expect("tagged");
    assert_eq!(
        db.list_tags_of_resource(&arn).await.expect("listed"),
        [tag("env", "dev"), tag("team", "a")]
    );
    db.tag_resource(&arn, vec![tag("team", "b")]).await.expect("replaced");
    db.untag_resource(&arn, &["env".to_owned(), "absent".to_owned()]).await.expect("untagged");
    assert_eq!(db.list_tags_of_resource(&arn).await.expect("listed"), [tag("team", "b")]);

    // Tags survive an export/import, and an UpdateTable.
    let copy = MemoryBackend::new();
    copy.import_state(db.export_state()).expect("imported");
    assert_eq!(copy.list_tags_of_resource(&arn).await.expect("listed"), [tag("team", "b")]);
    db.update_table(create_gsi("ByG", "g", ScalarType::S)).await.expect("updated");
    assert_eq!(db.list_tags_of_resource(&arn).await.expect("listed"), [tag("team", "b")]);

    // They go with the table.
    db.delete_table("Tbl".to_owned()).await.expect("deleted");
    let error = db.list_tags_of_resource(&arn).await.expect_err("gone");
    assert!(
        matches!(&error, Error::ResourceNotFound { message, .. }
            if *message == format!("Requested resource not found: ResourceArn: {arn} not found")),
        "{error:?}"
    );
    table(&db).await;
    assert!(db.list_tags_of_resource(&arn).await.expect("listed").is_empty());
}

#[tokio::test]
async fn tag_limits_and_arns() {
    let db = MemoryBackend::new();
    table(&db).await;
    let arn = db.describe_table("Tbl".to_owned()).await.expect("described").table_arn;
    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    db.tag_resource(&arn, fifty).await.expect("fifty tags");
    // Replacing a value does not count again; a 51st key does.
    db.tag_resource(&arn, vec![tag("k0", "w")]).await.expect("replaced");
    let error = db.tag_resource(&arn, vec![tag("k50", "v")]).await.expect_err("too many");
    assert!(
        matches!(&error, Error::Service { code, .. } if code == "LimitExceededException"),
        "{error:?}"
    );
    assert_eq!(db.list_tags_of_resource(&arn).await.expect("listed").len(), 50);

    let message = validation(
        db.tag_resource(&arn, vec![tag(&"k".repeat(129), "v")]).await.expect_err("long key"),
    );
    assert!(message.contains("at 'tags.member.key'"), "{message}");
    assert!(db.tag_resource(&arn, vec![tag("", "v")]).await.is_err());
    let message = validation(
        db.tag_resource(&arn, vec![tag("k0", &"v".repeat(257))]).await.expect_err("long value"),
    );
    assert!(message.contains("at 'tags.member.value'"), "{message}");
    // 128 and 256 characters (not bytes) are fine.
    db.untag_resource(&arn, &["k1".to_owned()]).await.expect("untagged");
    db.tag_resource(&arn, vec![tag(&"é".repeat(128), &"é".repeat(256))]).await.expect("tagged");

    let message = validation(db.list_tags_of_resource("not-an-arn").await.expect_err("invalid"));
    assert_eq!(message, "Invalid TableArn: Invalid ResourceArn provided as input not-an-arn");
    let other = arn.replace("table/Tbl", "table/Other");
    assert!(matches!(
        db.tag_resource(&other, vec![tag("a", "b")]).await,
        Err(Error::ResourceNotFound { .. })
    ));
}

/// Writes of every kind racing a GSI creation all end up in the index: each runs
/// wholly before the update (and is backfilled) or wholly after (and is indexed by the
/// new definition).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_racing_a_gsi_creation_all_end_up_in_the_index() {
    for round in 0..5 {
        let db = MemoryBackend::new();
        table(&db).await;
        const WRITERS: i64 = 4;
        const PER_WRITER: i64 = 150;
        let mut tasks = Vec::new();
        for writer in 0..WRITERS {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..PER_WRITER {
                    let pk = s(&format!("w{writer}"));
                    let sk = s(&format!("{i:04}"));
                    let result = match i % 3 {
                        0 => put(&db, item(&[("pk", pk), ("sk", sk), ("g", s("x"))])).await,
                        1 => db
                            .update_item(UpdateItemInput {
                                table_name: "Tbl".to_owned(),
                                key: item(&[("pk", pk), ("sk", sk)]),
                                updates: vec![UpdateAction::Set(
                                    Path::attribute("g"),
                                    SetValue::Operand(UpdateOperand::Value(s("x"))),
                                )],
                                ..Default::default()
                            })
                            .await
                            .map(drop),
                        _ => db
                            .transact_write_items(TransactWriteItemsInput {
                                items: vec![TransactWriteItem::Put {
                                    table_name: "Tbl".to_owned(),
                                    item: item(&[("pk", pk), ("sk", sk), ("g", s("x"))]),
                                    condition: None,
                                    return_old_on_condition_failure: false,
                                }],
                                ..Default::default()
                            })
                            .await
                            .map(drop),
                    };
                    result.expect("written");
                    if i % 16 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            }));
        }
        let updater = {
            let db = db.clone();
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                db.update_table(create_gsi("ByG", "g", ScalarType::S)).await.expect("created")
            })
        };
        for task in tasks {
            task.await.expect("writer");
        }
        updater.await.expect("updater");
        let indexed = db.index_items("Tbl", "ByG", &[s("x")]).expect("index");
        assert_eq!(
            i64::try_from(indexed.len()).expect("a count"),
            WRITERS * PER_WRITER,
            "round {round}"
        );
        let described = db.describe_table("Tbl".to_owned()).await.expect("described");
        assert_eq!(described.index_statistics[0].item_count, described.item_count);
    }
}

//! The embedded engine driven through the `Backend` trait with raw items: tables, items,
//! conditions, projections, indexes, key order, capacity and concurrency, each checked
//! against DynamoDB's documented or observed behaviour.

use std::sync::Arc;

use singletable_core::backend::AttributeDefinition;
use singletable_core::backend::{
    Backend, ConsumedCapacity, CreateTableInput, DeleteItemInput, GetItemInput, KeySchemaElement,
    KeyType, ListTablesInput, PageOutput, ProjectionSpec, PutItemInput, QueryInput,
    ReturnConsumedCapacity, ReturnValues, ScanInput, SecondaryIndex, Select, TableStatus,
    UpdateItemInput,
};
use singletable_core::backend::{
    BatchGetItemInput, BatchWriteItemInput, KeysAndAttributes, TransactGetItem,
    TransactGetItemsInput, TransactWriteItem, TransactWriteItemsInput, WriteRequest,
};
use singletable_core::expr::{
    Comparator, Condition, KeyCondition, Operand, Path, SetValue, SortKeyCondition, UpdateAction,
    UpdateOperand,
};
use singletable_core::schema::{BillingMode, ScalarType};
use singletable_core::{AttributeValue, Error, Item, Number};
use singletable_engine::FaultConfig;
use singletable_engine::MemoryBackend;

// ---------------------------------------------------------------------------------------
// Helpers

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn n(text: &str) -> AttributeValue {
    AttributeValue::N(Number::parse(text).expect("a valid number"))
}

fn b(bytes: &[u8]) -> AttributeValue {
    AttributeValue::B(bytes.to_vec())
}

fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect()
}

fn hash(name: &str) -> KeySchemaElement {
    KeySchemaElement { attribute_name: name.to_owned(), key_type: KeyType::Hash }
}

fn range(name: &str) -> KeySchemaElement {
    KeySchemaElement { attribute_name: name.to_owned(), key_type: KeyType::Range }
}

fn define(name: &str, ty: ScalarType) -> AttributeDefinition {
    AttributeDefinition { name: name.to_owned(), ty }
}

fn index(
    name: &str,
    key_schema: Vec<KeySchemaElement>,
    projection: ProjectionSpec,
) -> SecondaryIndex {
    SecondaryIndex {
        index_name: name.to_owned(),
        key_schema,
        projection,
        provisioned_throughput: None,
    }
}

/// A table `name` with `pk` (S) and, when `sort` is given, `sk` of that type.
fn table(name: &str, sort: Option<ScalarType>) -> CreateTableInput {
    let mut input = CreateTableInput {
        table_name: name.to_owned(),
        attribute_definitions: vec![define("pk", ScalarType::S)],
        key_schema: vec![hash("pk")],
        global_secondary_indexes: Vec::new(),
        local_secondary_indexes: Vec::new(),
        billing_mode: BillingMode::PayPerRequest,
        stream: None,
    };
    if let Some(ty) = sort {
        input.attribute_definitions.push(define("sk", ty));
        input.key_schema.push(range("sk"));
    }
    input
}

async fn engine_with(input: CreateTableInput) -> MemoryBackend {
    let db = MemoryBackend::new();
    db.create_table(input).await.expect("table created");
    db
}

async fn put(db: &MemoryBackend, table: &str, pairs: &[(&str, AttributeValue)]) {
    db.put_item(PutItemInput {
        table_name: table.to_owned(),
        item: item(pairs),
        ..Default::default()
    })
    .await
    .expect("put");
}

async fn get(db: &MemoryBackend, table: &str, key: &[(&str, AttributeValue)]) -> Option<Item> {
    db.get_item(GetItemInput { table_name: table.to_owned(), key: item(key), ..Default::default() })
        .await
        .expect("get")
        .item
}

fn validation<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Validation { message, .. }) => message,
        other => panic!("expected a ValidationException, got {other:?}"),
    }
}

fn path(name: &str) -> Path {
    Path::attribute(name)
}

fn compare(name: &str, op: Comparator, value: AttributeValue) -> Condition {
    Condition::Compare { left: Operand::Path(path(name)), op, right: Operand::Value(value) }
}

// ---------------------------------------------------------------------------------------
// Tables

#[tokio::test]
async fn create_describe_list_delete() {
    let db = MemoryBackend::new();
    let created = db.create_table(table("Orders", Some(ScalarType::N))).await.expect("created");
    assert_eq!(created.table_name, "Orders");
    assert_eq!(created.table_status, TableStatus::Active);
    assert_eq!(created.table_arn, "arn:aws:dynamodb:ddblocal:000000000000:table/Orders");
    assert_eq!(created.key_schema, vec![hash("pk"), range("sk")]);
    assert_eq!(created.item_count, 0);
    assert_eq!(created.table_size_bytes, 0);

    let again = db.create_table(table("Orders", None)).await;
    assert!(
        matches!(again, Err(Error::ResourceInUse { message, .. }) if message == "Table already exists: Orders")
    );

    db.create_table(table("Accounts", None)).await.expect("created");
    let listed = db.list_tables(ListTablesInput::default()).await.expect("listed");
    assert_eq!(listed.table_names, vec!["Accounts", "Orders"]);

    let described = db.describe_table("Orders".to_owned()).await.expect("described");
    assert_eq!(described.creation_date_time, created.creation_date_time);

    let deleted = db.delete_table("Orders".to_owned()).await.expect("deleted");
    assert_eq!(deleted.table_status, TableStatus::Deleting);
    // Table operations name the table; item operations do not (DynamoDB's texts,
    // docs/error-texts.md; DynamoDB Local: `Cannot do operations on a non-existent table`).
    for result in
        [db.describe_table("Orders".to_owned()).await, db.delete_table("Orders".to_owned()).await]
    {
        assert!(matches!(
            result,
            Err(Error::ResourceNotFound { message, .. }) if message == "Requested resource not found: Table: Orders not found"
        ));
    }
    let missing =
        db.get_item(GetItemInput { table_name: "Orders".to_owned(), ..Default::default() }).await;
    assert!(matches!(
        missing,
        Err(Error::ResourceNotFound { message, .. }) if message == "Requested resource not found"
    ));
    assert_eq!(
        db.list_tables(ListTablesInput::default()).await.expect("listed").table_names,
        vec!["Accounts"]
    );
}

#[tokio::test]
async fn list_tables_pages() {
    let db = MemoryBackend::new();
    let names: Vec<String> = (0..7).map(|i| format!("table-{i}")).collect();
    for name in names.iter().rev() {
        db.create_table(table(name, None)).await.expect("created");
    }
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let page = db
            .list_tables(ListTablesInput {
                exclusive_start_table_name: start.take(),
                limit: Some(3),
            })
            .await
            .expect("listed");
        assert!(page.table_names.len() <= 3);
        seen.extend(page.table_names);
        match page.last_evaluated_table_name {
            Some(last) => start = Some(last),
            None => break,
        }
    }
    assert_eq!(seen, names);
    assert!(validation(
        db.list_tables(ListTablesInput { limit: Some(0), ..Default::default() }).await
    )
    .contains("Member must have value greater than or equal to 1"));
    assert!(validation(
        db.list_tables(ListTablesInput { limit: Some(101), ..Default::default() }).await
    )
    .contains("Member must have value less than or equal to 100"));
}

#[tokio::test]
async fn create_table_validation() {
    let db = MemoryBackend::new();
    assert_eq!(
        validation(db.create_table(table("ab", None)).await),
        "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"
    );
    assert_eq!(
        validation(db.create_table(table("has space", None)).await),
        "1 validation error detected: Value 'has space' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    );

    let mut unused = table("Unused", None);
    unused.attribute_definitions.push(define("extra", ScalarType::S));
    assert_eq!(
        validation(db.create_table(unused).await),
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
    );

    let mut unused_with_index = table("Unused", None);
    unused_with_index.attribute_definitions.push(define("g", ScalarType::S));
    unused_with_index.attribute_definitions.push(define("extra", ScalarType::S));
    unused_with_index.global_secondary_indexes.push(index(
        "gsi1",
        vec![hash("g")],
        ProjectionSpec::All,
    ));
    assert_eq!(
        validation(db.create_table(unused_with_index).await),
        "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [extra, g, pk], keys used: [g, pk]"
    );

    let mut undefined = table("Undefined", None);
    undefined.global_secondary_indexes.push(index("gsi1", vec![hash("g")], ProjectionSpec::All));
    assert_eq!(
        validation(db.create_table(undefined).await),
        "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [g], AttributeDefinitions: [pk]"
    );

    let mut lsi_without_sort = table("NoSort", None);
    lsi_without_sort.attribute_definitions.push(define("l", ScalarType::S));
    lsi_without_sort.local_secondary_indexes.push(index(
        "lsi1",
        vec![hash("pk"), range("l")],
        ProjectionSpec::All,
    ));
    assert_eq!(
        validation(db.create_table(lsi_without_sort).await),
        "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"
    );

    let mut many_gsis = table("Many", None);
    many_gsis.attribute_definitions.push(define("g", ScalarType::S));
    for i in 0..21 {
        many_gsis.global_secondary_indexes.push(index(
            &format!("gsi{i}"),
            vec![hash("g")],
            ProjectionSpec::KeysOnly,
        ));
    }
    assert_eq!(
        validation(db.create_table(many_gsis).await),
        "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20"
    );

    let mut many_lsis = table("Many", Some(ScalarType::S));
    many_lsis.attribute_definitions.push(define("l", ScalarType::S));
    for i in 0..6 {
        many_lsis.local_secondary_indexes.push(index(
            &format!("lsi{i}"),
            vec![hash("pk"), range("l")],
            ProjectionSpec::All,
        ));
    }
    assert_eq!(
        validation(db.create_table(many_lsis).await),
        "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5"
    );

    let mut duplicate = table("Dup", None);
    duplicate.attribute_definitions.push(define("g", ScalarType::S));
    duplicate.global_secondary_indexes.push(index("same", vec![hash("g")], ProjectionSpec::All));
    duplicate.global_secondary_indexes.push(index("same", vec![hash("g")], ProjectionSpec::All));
    assert_eq!(
        validation(db.create_table(duplicate).await),
        "One or more parameter values were invalid: Duplicate index name: same"
    );

    let mut bad_index_name = table("BadIndex", None);
    bad_index_name.attribute_definitions.push(define("g", ScalarType::S));
    bad_index_name.global_secondary_indexes.push(index("gs", vec![hash("g")], ProjectionSpec::All));
    assert_eq!(
        validation(db.create_table(bad_index_name).await),
        "1 validation error detected: Value 'gs' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3"
    );

    let mut provisioned = table("Provisioned", None);
    provisioned.billing_mode = BillingMode::Provisioned { read: 0, write: 5 };
    assert_eq!(
        validation(db.create_table(provisioned).await),
        "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );

    // Nothing was created by the failed requests.
    assert!(db
        .list_tables(ListTablesInput::default())
        .await
        .expect("listed")
        .table_names
        .is_empty());
}

// ---------------------------------------------------------------------------------------
// Items

#[tokio::test]
async fn put_get_delete_round_trip() {
    let db = engine_with(table("Tab", Some(ScalarType::S))).await;
    let full = item(&[
        ("pk", s("p")),
        ("sk", s("s")),
        ("n", n("1.50")),
        ("b", b(&[0, 255])),
        ("flag", AttributeValue::Bool(false)),
        ("nothing", AttributeValue::Null),
        ("list", AttributeValue::L(vec![s(""), n("2")])),
        ("map", AttributeValue::M(item(&[("inner", s("x"))]))),
        ("ss", AttributeValue::Ss(vec!["a".to_owned(), String::new()])),
        ("empty", s("")),
    ]);
    db.put_item(PutItemInput {
        table_name: "Tab".to_owned(),
        item: full.clone(),
        ..Default::default()
    })
    .await
    .expect("put");
    assert_eq!(get(&db, "Tab", &[("pk", s("p")), ("sk", s("s"))]).await, Some(full.clone()));
    assert_eq!(get(&db, "Tab", &[("pk", s("p")), ("sk", s("other"))]).await, None);

    let described = db.describe_table("Tab".to_owned()).await.expect("described");
    assert_eq!(described.item_count, 1);
    assert_eq!(
        described.table_size_bytes,
        u64::try_from(singletable_core::size::item_size(&full)).expect("fits")
    );

    let deleted = db
        .delete_item(DeleteItemInput {
            table_name: "Tab".to_owned(),
            key: item(&[("pk", s("p")), ("sk", s("s"))]),
            return_values: ReturnValues::AllOld,
            ..Default::default()
        })
        .await
        .expect("deleted");
    assert_eq!(deleted.attributes, Some(full));
    assert_eq!(get(&db, "Tab", &[("pk", s("p")), ("sk", s("s"))]).await, None);
    let described = db.describe_table("Tab".to_owned()).await.expect("described");
    assert_eq!((described.item_count, described.table_size_bytes), (0, 0));

    // Deleting a missing item succeeds and returns nothing.
    let again = db
        .delete_item(DeleteItemInput {
            table_name: "Tab".to_owned(),
            key: item(&[("pk", s("p")), ("sk", s("s"))]),
            return_values: ReturnValues::AllOld,
            ..Default::default()
        })
        .await
        .expect("deleted");
    assert_eq!(again.attributes, None);
}

#[tokio::test]
async fn return_values() {
    let db = engine_with(table("Tab", None)).await;
    let first = db
        .put_item(PutItemInput {
            table_name: "Tab".to_owned(),
            item: item(&[("pk", s("k")), ("v", n("1"))]),
            return_values: ReturnValues::AllOld,
            ..Default::default()
        })
        .await
        .expect("put");
    assert_eq!(first.attributes, None, "nothing was replaced");
    let second = db
        .put_item(PutItemInput {
            table_name: "Tab".to_owned(),
            item: item(&[("pk", s("k")), ("v", n("2"))]),
            return_values: ReturnValues::AllOld,
            ..Default::default()
        })
        .await
        .expect("put");
    assert_eq!(second.attributes, Some(item(&[("pk", s("k")), ("v", n("1"))])));
    let quiet = db
        .put_item(PutItemInput {
            table_name: "Tab".to_owned(),
            item: item(&[("pk", s("k"))]),
            ..Default::default()
        })
        .await
        .expect("put");
    assert_eq!(quiet.attributes, None, "NONE returns nothing");

    for other in [ReturnValues::AllNew, ReturnValues::UpdatedOld, ReturnValues::UpdatedNew] {
        let put = db
            .put_item(PutItemInput {
                table_name: "Tab".to_owned(),
                item: item(&[("pk", s("k"))]),
                return_values: other,
                ..Default::default()
            })
            .await;
        assert_eq!(validation(put), "Return values set to invalid value");
        let delete = db
            .delete_item(DeleteItemInput {
                table_name: "Tab".to_owned(),
                key: item(&[("pk", s("k"))]),
                return_values: other,
                ..Default::default()
            })
            .await;
        assert_eq!(validation(delete), "Return values set to invalid value");
    }
}

#[tokio::test]
async fn put_item_validation() {
    let db = engine_with(table("Tab", Some(ScalarType::N))).await;
    let rejected = |pairs: Vec<(&'static str, AttributeValue)>| {
        let db = db.clone();
        async move {
            validation(
                db.put_item(PutItemInput {
                    table_name: "Tab".to_owned(),
                    item: item(&pairs),
                    ..Default::default()
                })
                .await,
            )
        }
    };
    assert_eq!(
        rejected(vec![("pk", s("a"))]).await,
        "One or more parameter values were invalid: Missing the key sk in the item"
    );
    assert_eq!(
        rejected(vec![("pk", s("a")), ("sk", s("1"))]).await,
        "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"
    );
    assert_eq!(
        rejected(vec![("pk", s("")), ("sk", n("1"))]).await,
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"
    );
    assert_eq!(
        rejected(vec![("pk", s(&"x".repeat(2049))), ("sk", n("1"))]).await,
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
    );
    assert_eq!(
        rejected(vec![("pk", s("a")), ("sk", n("1")), ("set", AttributeValue::Ss(vec![]))]).await,
        "One or more parameter values were invalid: An string set  may not be empty"
    );
    assert_eq!(
        rejected(vec![
            ("pk", s("a")),
            ("sk", n("1")),
            ("set", AttributeValue::Ss(vec!["x".to_owned(), "x".to_owned()]))
        ])
        .await,
        "One or more parameter values were invalid: Input collection [x, x] contains duplicates."
    );
    let one = Number::parse("1").expect("number");
    let also_one = Number::parse("1.0").expect("number");
    assert_eq!(
        rejected(vec![
            ("pk", s("a")),
            ("sk", n("1")),
            ("set", AttributeValue::Ns(vec![one, also_one]))
        ])
        .await,
        "Input collection contains duplicates"
    );
    let mut deep = s("leaf");
    for _ in 0..32 {
        deep = AttributeValue::L(vec![deep]);
    }
    assert_eq!(
        rejected(vec![("pk", s("a")), ("sk", n("1")), ("deep", deep)]).await,
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
    );
    assert_eq!(
        rejected(vec![("pk", s("a")), ("sk", n("1")), ("", s("x"))]).await,
        "Empty attribute name"
    );
    assert_eq!(db.describe_table("Tab".to_owned()).await.expect("described").item_count, 0);
}

#[tokio::test]
async fn item_size_limit_is_exact() {
    let db = engine_with(table("Tab", None)).await;
    // pk:"k" is 3 bytes, d plus 409,596 characters is 409,597: exactly 400 KB.
    let largest = item(&[("pk", s("k")), ("d", s(&"x".repeat(409_596)))]);
    db.put_item(PutItemInput { table_name: "Tab".to_owned(), item: largest, ..Default::default() })
        .await
        .expect("400 KB is allowed");
    let too_large = item(&[("pk", s("k")), ("d", s(&"x".repeat(409_597)))]);
    assert_eq!(
        validation(
            db.put_item(PutItemInput {
                table_name: "Tab".to_owned(),
                item: too_large,
                ..Default::default()
            })
            .await
        ),
        "Item size has exceeded the maximum allowed size"
    );
    assert_eq!(
        db.describe_table("Tab".to_owned()).await.expect("described").table_size_bytes,
        409_600
    );
}

#[tokio::test]
async fn key_must_match_the_schema() {
    let db = engine_with(table("Tab", Some(ScalarType::S))).await;
    let mismatch = "The provided key element does not match the schema";
    let keys = [
        item(&[("pk", s("a"))]),
        item(&[("pk", s("a")), ("sk", s("b")), ("extra", s("c"))]),
        item(&[("pk", s("a")), ("other", s("b"))]),
        item(&[("pk", n("1")), ("sk", s("b"))]),
        item(&[]),
    ];
    for key in keys {
        let got = db
            .get_item(GetItemInput {
                table_name: "Tab".to_owned(),
                key: key.clone(),
                ..Default::default()
            })
            .await;
        assert_eq!(validation(got), mismatch, "GetItem {key:?}");
        let deleted = db
            .delete_item(DeleteItemInput {
                table_name: "Tab".to_owned(),
                key: key.clone(),
                ..Default::default()
            })
            .await;
        assert_eq!(validation(deleted), mismatch, "DeleteItem {key:?}");
    }
    let empty = db
        .get_item(GetItemInput {
            table_name: "Tab".to_owned(),
            key: item(&[("pk", s("a")), ("sk", s(""))]),
            ..Default::default()
        })
        .await;
    assert_eq!(
        validation(empty),
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: sk"
    );
    let long = db
        .get_item(GetItemInput {
            table_name: "Tab".to_owned(),
            key: item(&[("pk", s("a")), ("sk", s(&"x".repeat(1025)))]),
            ..Default::default()
        })
        .await;
    assert_eq!(
        validation(long),
        "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
    );
}

#[tokio::test]
async fn projection_expressions() {
    let db = engine_with(table("Tab", None)).await;
    put(
        &db,
        "Tab",
        &[
            ("pk", s("k")),
            ("a", s("A")),
            (
                "m",
                AttributeValue::M(item(&[
                    ("x", s("X")),
                    ("y", s("Y")),
                    ("l", AttributeValue::L(vec![n("0"), n("1")])),
                ])),
            ),
            ("l", AttributeValue::L(vec![s("zero"), s("one"), s("two")])),
        ],
    )
    .await;
    let project = |paths: Vec<Path>| {
        let db = db.clone();
        async move {
            db.get_item(GetItemInput {
                table_name: "Tab".to_owned(),
                key: item(&[("pk", s("k"))]),
                projection: Some(paths),
                ..Default::default()
            })
            .await
        }
    };
    let got =
        project(vec![path("a"), path("missing"), path("m").key("l").index(1), path("l").index(2)])
            .await
            .expect("got")
            .item;
    assert_eq!(
        got,
        Some(item(&[
            ("a", s("A")),
            ("m", AttributeValue::M(item(&[("l", AttributeValue::L(vec![n("1")]))]))),
            ("l", AttributeValue::L(vec![s("two")])),
        ]))
    );
    assert_eq!(
        validation(project(vec![path("m"), path("m").key("x")]).await),
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, x]"
    );
}

// ---------------------------------------------------------------------------------------
// Conditions

#[tokio::test]
async fn conditional_puts_and_deletes() {
    let db = engine_with(table("Tab", None)).await;
    let create_only = |pairs: &[(&str, AttributeValue)], return_old: bool| PutItemInput {
        table_name: "Tab".to_owned(),
        item: item(pairs),
        condition: Some(Condition::AttributeNotExists(path("pk"))),
        return_old_on_condition_failure: return_old,
        ..Default::default()
    };
    db.put_item(create_only(&[("pk", s("k")), ("v", n("1"))], true)).await.expect("created");
    match db.put_item(create_only(&[("pk", s("k")), ("v", n("2"))], true)).await {
        Err(Error::ConditionalCheckFailed { item: Some(old), .. }) => {
            assert_eq!(*old, item(&[("pk", s("k")), ("v", n("1"))]));
        }
        other => panic!("expected a failed condition with the old item, got {other:?}"),
    }
    match db.put_item(create_only(&[("pk", s("k")), ("v", n("2"))], false)).await {
        Err(error @ Error::ConditionalCheckFailed { item: None, .. }) => {
            assert_eq!(error.dynamodb_type(), Some("ConditionalCheckFailedException"));
            assert_eq!(
                error.to_string(),
                "ConditionalCheckFailedException: The conditional request failed"
            );
        }
        other => panic!("expected a failed condition without the item, got {other:?}"),
    }
    assert_eq!(
        get(&db, "Tab", &[("pk", s("k"))]).await,
        Some(item(&[("pk", s("k")), ("v", n("1"))]))
    );

    // Optimistic locking: replace only when v = 1.
    let versioned = PutItemInput {
        table_name: "Tab".to_owned(),
        item: item(&[("pk", s("k")), ("v", n("2"))]),
        condition: Some(compare("v", Comparator::Eq, n("1"))),
        ..Default::default()
    };
    db.put_item(versioned.clone()).await.expect("v was 1");
    assert!(matches!(db.put_item(versioned).await, Err(Error::ConditionalCheckFailed { .. })));

    // A condition on a missing item sees an empty item; the old item is absent.
    let missing = db
        .delete_item(DeleteItemInput {
            table_name: "Tab".to_owned(),
            key: item(&[("pk", s("nobody"))]),
            condition: Some(Condition::AttributeExists(path("pk"))),
            return_old_on_condition_failure: true,
            ..Default::default()
        })
        .await;
    assert!(matches!(missing, Err(Error::ConditionalCheckFailed { item: None, .. })));
    let guarded = DeleteItemInput {
        table_name: "Tab".to_owned(),
        key: item(&[("pk", s("k"))]),
        condition: Some(
            compare("v", Comparator::Gt, n("5")).or(Condition::AttributeNotExists(path("v"))),
        ),
        ..Default::default()
    };
    assert!(matches!(
        db.delete_item(guarded.clone()).await,
        Err(Error::ConditionalCheckFailed { .. })
    ));
    let allowed = DeleteItemInput {
        condition: Some(
            compare("v", Comparator::Le, n("2"))
                .and(Condition::attribute_type(path("v"), singletable_core::AttributeType::N)),
        ),
        ..guarded
    };
    db.delete_item(allowed).await.expect("deleted");
    assert_eq!(get(&db, "Tab", &[("pk", s("k"))]).await, None);
}

#[tokio::test]
async fn invalid_conditions_are_rejected_before_evaluation() {
    let db = engine_with(table("Tab", None)).await;
    let with_condition = |condition: Condition| PutItemInput {
        table_name: "Tab".to_owned(),
        item: item(&[("pk", s("k"))]),
        condition: Some(condition),
        ..Default::default()
    };
    assert_eq!(
        validation(db.put_item(with_condition(compare("a", Comparator::Lt, AttributeValue::Ss(vec!["x".to_owned()])))).await),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: SS"
    );
    let same = Condition::Compare {
        left: Operand::Path(path("a")),
        op: Comparator::Eq,
        right: Operand::Path(path("a")),
    };
    assert_eq!(
        validation(db.put_item(with_condition(same)).await),
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"
    );
    let backwards = Condition::Between {
        operand: Operand::Path(path("a")),
        low: Operand::Value(n("5")),
        high: Operand::Value(n("1")),
    };
    assert_eq!(
        validation(db.put_item(with_condition(backwards)).await),
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"
    );
    assert_eq!(db.describe_table("Tab".to_owned()).await.expect("described").item_count, 0);
}

// ---------------------------------------------------------------------------------------
// Key order

#[tokio::test]
async fn number_sort_keys_order_numerically() {
    let db = engine_with(table("Tab", Some(ScalarType::N))).await;
    for sk in ["-10", "0.5", "100", "-1", "9", "-0.001", "10"] {
        put(&db, "Tab", &[("pk", s("p")), ("sk", n(sk))]).await;
    }
    let descending: Vec<AttributeValue> = db
        .partition_items("Tab", &s("p"))
        .expect("listed")
        .iter()
        .rev()
        .filter_map(|item| item.get("sk").cloned())
        .collect();
    let expected: Vec<AttributeValue> =
        ["100", "10", "9", "0.5", "-0.001", "-1", "-10"].into_iter().map(n).collect();
    assert_eq!(descending, expected);
}

#[tokio::test]
async fn string_sort_keys_order_by_utf8_bytes() {
    let db = engine_with(table("Tab", Some(ScalarType::S))).await;
    for sk in ["\u{1F600}", "¿", "z", "\u{FF5E}", "a", "A"] {
        put(&db, "Tab", &[("pk", s("p")), ("sk", s(sk))]).await;
    }
    let order: Vec<AttributeValue> = db
        .partition_items("Tab", &s("p"))
        .expect("listed")
        .iter()
        .filter_map(|item| item.get("sk").cloned())
        .collect();
    let expected: Vec<AttributeValue> =
        ["A", "a", "z", "¿", "\u{FF5E}", "\u{1F600}"].into_iter().map(s).collect();
    assert_eq!(order, expected);
}

#[tokio::test]
async fn binary_sort_keys_order_as_unsigned_bytes() {
    let db = engine_with(table("Tab", Some(ScalarType::B))).await;
    let values: [&[u8]; 6] = [&[0xFF], &[0x80], &[0x00, 0x00], &[0x7F], &[0x00], &[0x01]];
    for sk in values {
        put(&db, "Tab", &[("pk", s("p")), ("sk", b(sk))]).await;
    }
    let order: Vec<AttributeValue> = db
        .partition_items("Tab", &s("p"))
        .expect("listed")
        .iter()
        .filter_map(|item| item.get("sk").cloned())
        .collect();
    let expected: Vec<AttributeValue> =
        [&[0x00][..], &[0x00, 0x00], &[0x01], &[0x7F], &[0x80], &[0xFF]]
            .into_iter()
            .map(b)
            .collect();
    assert_eq!(order, expected);
    assert!(validation(db.partition_items("Tab", &n("1")))
        .contains("Condition parameter type does not match schema type"));
    assert!(matches!(db.partition_items("Nope", &s("p")), Err(Error::ResourceNotFound { .. })));
}

// ---------------------------------------------------------------------------------------
// Secondary indexes

fn indexed_table() -> CreateTableInput {
    let mut input = table("Tab", Some(ScalarType::S));
    input.attribute_definitions.extend([
        define("g", ScalarType::S),
        define("gs", ScalarType::N),
        define("tenant", ScalarType::S),
        define("region", ScalarType::N),
        define("day", ScalarType::S),
        define("seq", ScalarType::N),
        define("l", ScalarType::N),
    ]);
    input.global_secondary_indexes = vec![
        index("byG", vec![hash("g"), range("gs")], ProjectionSpec::All),
        index(
            "multi",
            vec![hash("tenant"), hash("region"), range("day"), range("seq")],
            ProjectionSpec::KeysOnly,
        ),
    ];
    input.local_secondary_indexes = vec![index(
        "byL",
        vec![hash("pk"), range("l")],
        ProjectionSpec::Include(vec!["note".to_owned()]),
    )];
    input
}

fn sort_keys(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item.get("sk") {
            Some(AttributeValue::S(text)) => text.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn sparse_gsi_follows_every_write() {
    let db = engine_with(indexed_table()).await;
    put(&db, "Tab", &[("pk", s("p")), ("sk", s("1")), ("g", s("G")), ("gs", n("2"))]).await;
    put(&db, "Tab", &[("pk", s("p")), ("sk", s("2")), ("g", s("G"))]).await; // no gs: not in byG
    put(&db, "Tab", &[("pk", s("p")), ("sk", s("3")), ("gs", n("1"))]).await; // no g: not in byG
    put(&db, "Tab", &[("pk", s("q")), ("sk", s("4")), ("g", s("G")), ("gs", n("-5"))]).await;
    let in_g = db.index_items("Tab", "byG", &[s("G")]).expect("listed");
    assert_eq!(sort_keys(&in_g), vec!["4", "1"], "ordered by gs: -5 before 2");
    assert_eq!(in_g[0].get("pk"), Some(&s("q")), "ALL projects every attribute");

    // Moving an item out of the index, into another partition, and deleting it.
    put(&db, "Tab", &[("pk", s("p")), ("sk", s("1")), ("g", s("H")), ("gs", n("2"))]).await;
    assert_eq!(sort_keys(&db.index_items("Tab", "byG", &[s("G")]).expect("listed")), vec!["4"]);
    assert_eq!(sort_keys(&db.index_items("Tab", "byG", &[s("H")]).expect("listed")), vec!["1"]);
    put(&db, "Tab", &[("pk", s("q")), ("sk", s("4")), ("g", s("G"))]).await;
    assert!(db.index_items("Tab", "byG", &[s("G")]).expect("listed").is_empty());
    db.delete_item(DeleteItemInput {
        table_name: "Tab".to_owned(),
        key: item(&[("pk", s("p")), ("sk", s("1"))]),
        ..Default::default()
    })
    .await
    .expect("deleted");
    assert!(db.index_items("Tab", "byG", &[s("H")]).expect("listed").is_empty());

    let described = db.describe_table("Tab".to_owned()).await.expect("described");
    let by_g =
        described.index_statistics.iter().find(|stats| stats.index_name == "byG").expect("stats");
    assert_eq!(by_g.item_count, 0);
    assert_eq!(described.item_count, 3);
}

#[tokio::test]
async fn equal_index_keys_are_ordered_by_table_key() {
    let db = engine_with(indexed_table()).await;
    for (pk, sk) in [("b", "2"), ("a", "9"), ("b", "1"), ("a", "10")] {
        put(&db, "Tab", &[("pk", s(pk)), ("sk", s(sk)), ("g", s("G")), ("gs", n("7"))]).await;
    }
    let entries = db.index_items("Tab", "byG", &[s("G")]).expect("listed");
    let keys: Vec<(AttributeValue, AttributeValue)> = entries
        .iter()
        .map(|entry| (entry.get("pk").cloned().expect("pk"), entry.get("sk").cloned().expect("sk")))
        .collect();
    assert_eq!(keys, vec![(s("a"), s("10")), (s("a"), s("9")), (s("b"), s("1")), (s("b"), s("2"))]);
}

#[tokio::test]
async fn multi_attribute_gsi_membership_and_order() {
    let db = engine_with(indexed_table()).await;
    let full = |sk: &str, tenant: &str, region: &str, day: &str, seq: &str| {
        vec![
            ("pk", s("p")),
            ("sk", s(sk)),
            ("tenant", s(tenant)),
            ("region", n(region)),
            ("day", s(day)),
            ("seq", n(seq)),
            ("other", s("not projected")),
        ]
    };
    put(&db, "Tab", &full("1", "acme", "1", "2024-01-02", "1")).await;
    put(&db, "Tab", &full("2", "acme", "1", "2024-01-01", "10")).await;
    put(&db, "Tab", &full("3", "acme", "1", "2024-01-01", "9")).await;
    put(&db, "Tab", &full("4", "acme", "2", "2024-01-01", "1")).await; // other partition (region 2)
    put(&db, "Tab", &full("5", "other", "1", "2024-01-01", "1")).await; // other partition (tenant)
    let mut missing_seq = full("6", "acme", "1", "2024-01-01", "1");
    missing_seq.retain(|(name, _)| *name != "seq");
    put(&db, "Tab", &missing_seq).await; // lacks one sort part: sparse
    let mut missing_region = full("7", "acme", "1", "2024-01-01", "1");
    missing_region.retain(|(name, _)| *name != "region");
    put(&db, "Tab", &missing_region).await; // lacks one partition part: sparse

    let entries = db.index_items("Tab", "multi", &[s("acme"), n("1")]).expect("listed");
    assert_eq!(sort_keys(&entries), vec!["3", "2", "1"], "day, then seq numerically (9 < 10)");
    let entry = &entries[0];
    let mut projected: Vec<&str> = entry.keys().map(String::as_str).collect();
    projected.sort_unstable();
    assert_eq!(projected, vec!["day", "pk", "region", "seq", "sk", "tenant"], "KEYS_ONLY");
    assert_eq!(
        sort_keys(&db.index_items("Tab", "multi", &[s("acme"), n("2")]).expect("listed")),
        vec!["4"]
    );
    assert_eq!(
        sort_keys(&db.index_items("Tab", "multi", &[s("other"), n("1")]).expect("listed")),
        vec!["5"]
    );

    // Each part keeps its own type, and every present part is type-checked on write.
    let mut wrong = full("8", "acme", "1", "2024-01-01", "1");
    wrong[3] = ("region", s("1"));
    let result = db
        .put_item(PutItemInput {
            table_name: "Tab".to_owned(),
            item: item(&wrong),
            ..Default::default()
        })
        .await;
    assert_eq!(
        validation(result),
        "One or more parameter values were invalid: Type mismatch for Index Key region Expected: N Actual: S IndexName: multi"
    );
    assert!(validation(db.index_items("Tab", "multi", &[s("acme")]))
        .starts_with("Query condition missed key schema element"));
    assert_eq!(
        validation(db.index_items("Tab", "nope", &[s("acme")])),
        "The table does not have the specified index: nope"
    );
}

#[tokio::test]
async fn index_keys_are_validated_on_write() {
    let db = engine_with(indexed_table()).await;
    let rejected = |pairs: Vec<(&'static str, AttributeValue)>| {
        let db = db.clone();
        async move {
            validation(
                db.put_item(PutItemInput {
                    table_name: "Tab".to_owned(),
                    item: item(&pairs),
                    ..Default::default()
                })
                .await,
            )
        }
    };
    assert_eq!(
        rejected(vec![("pk", s("p")), ("sk", s("1")), ("g", n("1"))]).await,
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: byG"
    );
    assert_eq!(
        rejected(vec![("pk", s("p")), ("sk", s("1")), ("g", AttributeValue::Null)]).await,
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: NULL IndexName: byG"
    );
    assert_eq!(
        rejected(vec![("pk", s("p")), ("sk", s("1")), ("g", s(""))]).await,
        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: byG, IndexKey: g"
    );
    assert_eq!(
        rejected(vec![("pk", s("p")), ("sk", s("1")), ("l", s("x"))]).await,
        "One or more parameter values were invalid: Type mismatch for Index Key l Expected: N Actual: S IndexName: byL"
    );
    assert_eq!(db.describe_table("Tab".to_owned()).await.expect("described").item_count, 0);
}

#[tokio::test]
async fn local_secondary_index() {
    let db = engine_with(indexed_table()).await;
    for (sk, l) in [("a", "3"), ("b", "1"), ("c", "2")] {
        put(
            &db,
            "Tab",
            &[("pk", s("p")), ("sk", s(sk)), ("l", n(l)), ("note", s(sk)), ("big", s("x"))],
        )
        .await;
    }
    put(&db, "Tab", &[("pk", s("p")), ("sk", s("d"))]).await; // no l: not in the LSI
    put(&db, "Tab", &[("pk", s("other")), ("sk", s("e")), ("l", n("0"))]).await;
    let entries = db.index_items("Tab", "byL", &[s("p")]).expect("listed");
    assert_eq!(sort_keys(&entries), vec!["b", "c", "a"]);
    let mut projected: Vec<&str> = entries[0].keys().map(String::as_str).collect();
    projected.sort_unstable();
    assert_eq!(projected, vec!["l", "note", "pk", "sk"], "INCLUDE note");
    let described = db.describe_table("Tab".to_owned()).await.expect("described");
    let by_l =
        described.index_statistics.iter().find(|stats| stats.index_name == "byL").expect("stats");
    assert_eq!(by_l.item_count, 4);
}

#[tokio::test]
async fn lsi_entries_count_toward_the_item_size_limit() {
    let mut input = table("Tab", Some(ScalarType::S));
    input.attribute_definitions.push(define("l", ScalarType::S));
    input.local_secondary_indexes =
        vec![index("byL", vec![hash("pk"), range("l")], ProjectionSpec::All)];
    let db = engine_with(input).await;
    let half = || s(&"x".repeat(250_000));
    put(&db, "Tab", &[("pk", s("p")), ("sk", s("1")), ("d", half())]).await; // not in the LSI
    let result = db
        .put_item(PutItemInput {
            table_name: "Tab".to_owned(),
            item: item(&[("pk", s("p")), ("sk", s("2")), ("l", s("x")), ("d", half())]),
            ..Default::default()
        })
        .await;
    assert_eq!(validation(result), "Item size has exceeded the maximum allowed size");
}

// ---------------------------------------------------------------------------------------
// Capacity

fn units(consumed: Option<ConsumedCapacity>) -> ConsumedCapacity {
    consumed.expect("consumed capacity was asked for")
}

#[tokio::test]
async fn read_capacity() {
    let db = engine_with(table("Tab", None)).await;
    put(&db, "Tab", &[("pk", s("k")), ("d", s(&"x".repeat(5000)))]).await; // 5,006 bytes: 2 units
    let read = |pk: &str, consistent: bool, mode: ReturnConsumedCapacity| {
        let db = db.clone();
        let key = item(&[("pk", s(pk))]);
        async move {
            db.get_item(GetItemInput {
                table_name: "Tab".to_owned(),
                key,
                consistent_read: consistent,
                return_consumed_capacity: mode,
                ..Default::default()
            })
            .await
            .expect("got")
            .consumed_capacity
        }
    };
    assert_eq!(read("k", true, ReturnConsumedCapacity::None).await, None);
    let strong = units(read("k", true, ReturnConsumedCapacity::Total).await);
    assert_eq!((strong.table_name.as_str(), strong.capacity_units), ("Tab", 2.0));
    assert_eq!(strong.read_capacity_units, 2.0);
    assert!(strong.table.is_none());
    assert_eq!(units(read("k", false, ReturnConsumedCapacity::Total).await).capacity_units, 1.0);
    assert_eq!(
        units(read("missing", false, ReturnConsumedCapacity::Total).await).capacity_units,
        0.5
    );
    assert_eq!(
        units(read("missing", true, ReturnConsumedCapacity::Total).await).capacity_units,
        1.0
    );
    let indexes = units(read("k", false, ReturnConsumedCapacity::Indexes).await);
    assert_eq!(indexes.table.map(|table| table.capacity_units), Some(1.0));

    // A projection does not lower the cost.
    let projected = db
        .get_item(GetItemInput {
            table_name: "Tab".to_owned(),
            key: item(&[("pk", s("k"))]),
            projection: Some(vec![path("pk")]),
            consistent_read: true,
            return_consumed_capacity: ReturnConsumedCapacity::Total,
        })
        .await
        .expect("got");
    assert_eq!(projected.item, Some(item(&[("pk", s("k"))])));
    assert_eq!(units(projected.consumed_capacity).capacity_units, 2.0);
}

#[tokio::test]
async fn write_capacity_with_indexes() {
    let mut input = table("Tab", None);
    input.attribute_definitions.extend([define("g", ScalarType::S), define("k", ScalarType::S)]);
    input.global_secondary_indexes = vec![
        index("all", vec![hash("g")], ProjectionSpec::All),
        index("keys", vec![hash("k")], ProjectionSpec::KeysOnly),
    ];
    let db = engine_with(input).await;
    // pk:"a" 3 + g:"G" 2 + data (4) + 1,527 characters = 1,536 bytes = 1.5 KB.
    let data = s(&"x".repeat(1527));
    let write = |pairs: Vec<(&'static str, AttributeValue)>| {
        let db = db.clone();
        async move {
            units(
                db.put_item(PutItemInput {
                    table_name: "Tab".to_owned(),
                    item: item(&pairs),
                    return_consumed_capacity: ReturnConsumedCapacity::Indexes,
                    ..Default::default()
                })
                .await
                .expect("put")
                .consumed_capacity,
            )
        }
    };
    let first = write(vec![("pk", s("a")), ("g", s("G")), ("data", data.clone())]).await;
    assert_eq!(first.table.map(|t| t.capacity_units), Some(2.0));
    assert_eq!(first.global_secondary_indexes.len(), 1);
    assert_eq!(first.global_secondary_indexes[0].0, "all");
    assert_eq!(first.global_secondary_indexes[0].1.capacity_units, 2.0);
    assert_eq!(first.capacity_units, 4.0);
    assert_eq!(first.write_capacity_units, 4.0);

    // Changing the index key deletes and puts the entry: 2 + 2.
    let moved = write(vec![("pk", s("a")), ("g", s("H")), ("data", data.clone())]).await;
    assert_eq!(moved.global_secondary_indexes[0].1.capacity_units, 4.0);
    assert_eq!(moved.capacity_units, 6.0);

    // A KEYS_ONLY entry newly filled is small: 1.
    let keyed =
        write(vec![("pk", s("a")), ("g", s("H")), ("k", s("K")), ("data", data.clone())]).await;
    let by_name = |report: &ConsumedCapacity, name: &str| {
        report
            .global_secondary_indexes
            .iter()
            .find(|(index, _)| index == name)
            .map(|(_, c)| c.capacity_units)
    };
    assert_eq!(by_name(&keyed, "keys"), Some(1.0));
    // Adding k also changed the ALL entry's attributes: one write of 2 units.
    assert_eq!(by_name(&keyed, "all"), Some(2.0));

    // Rewriting the same item changes no index entry.
    let same =
        write(vec![("pk", s("a")), ("g", s("H")), ("k", s("K")), ("data", data.clone())]).await;
    assert!(same.global_secondary_indexes.is_empty());
    assert_eq!(same.capacity_units, 2.0);

    // Put bills the larger of the old and the new item: a tiny item replacing 1.5 KB costs 2.
    let shrunk = write(vec![("pk", s("a"))]).await;
    assert_eq!(shrunk.table.map(|t| t.capacity_units), Some(2.0));
    // Both entries disappear: all (1.5 KB) 2 + keys 1.
    assert_eq!(by_name(&shrunk, "all"), Some(2.0));
    assert_eq!(by_name(&shrunk, "keys"), Some(1.0));

    let total = db
        .delete_item(DeleteItemInput {
            table_name: "Tab".to_owned(),
            key: item(&[("pk", s("missing"))]),
            return_consumed_capacity: ReturnConsumedCapacity::Total,
            ..Default::default()
        })
        .await
        .expect("deleted");
    let total = units(total.consumed_capacity);
    assert_eq!(total.capacity_units, 1.0, "deleting a missing item costs 1");
    assert!(total.table.is_none() && total.global_secondary_indexes.is_empty());
}

// ---------------------------------------------------------------------------------------
// Concurrency

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_different_keys() {
    let db = Arc::new(engine_with(indexed_table()).await);
    let tasks = 8;
    let per_task = 100;
    let mut handles = Vec::new();
    for task in 0..tasks {
        let db = Arc::clone(&db);
        handles.push(tokio::spawn(async move {
            for i in 0..per_task {
                let sk = format!("{task:02}-{i:03}");
                put(
                    &db,
                    "Tab",
                    &[("pk", s("p")), ("sk", s(&sk)), ("g", s("G")), ("gs", n(&i.to_string()))],
                )
                .await;
            }
            for i in (0..per_task).step_by(2) {
                let sk = format!("{task:02}-{i:03}");
                db.delete_item(DeleteItemInput {
                    table_name: "Tab".to_owned(),
                    key: item(&[("pk", s("p")), ("sk", s(&sk))]),
                    ..Default::default()
                })
                .await
                .expect("deleted");
            }
        }));
    }
    for handle in handles {
        handle.await.expect("task finished");
    }
    let remaining = tasks * per_task / 2;
    let described = db.describe_table("Tab".to_owned()).await.expect("described");
    assert_eq!(described.item_count, u64::try_from(remaining).expect("fits"));
    let items = db.partition_items("Tab", &s("p")).expect("listed");
    assert_eq!(items.len(), remaining);
    let keys = sort_keys(&items);
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "the partition stays ordered");
    assert!(
        keys.iter().all(|key| key.ends_with(['1', '3', '5', '7', '9'])),
        "only odd rows remain"
    );
    assert_eq!(db.index_items("Tab", "byG", &[s("G")]).expect("listed").len(), remaining);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_conditional_increments_on_one_key_are_serialized() {
    let db = engine_with(table("Tab", None)).await;
    put(&db, "Tab", &[("pk", s("counter")), ("v", n("0"))]).await;
    let tasks = 8;
    let per_task = 25;
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            let mut done = 0;
            let mut conflicts = 0;
            while done < per_task {
                let current = get(&db, "Tab", &[("pk", s("counter"))]).await.expect("the counter");
                let Some(AttributeValue::N(value)) = current.get("v").cloned() else {
                    panic!("v is a number")
                };
                let next = value.try_add(&Number::from(1u32)).expect("in range");
                let written = db
                    .put_item(PutItemInput {
                        table_name: "Tab".to_owned(),
                        item: item(&[("pk", s("counter")), ("v", AttributeValue::N(next))]),
                        condition: Some(compare("v", Comparator::Eq, AttributeValue::N(value))),
                        ..Default::default()
                    })
                    .await;
                match written {
                    Ok(_) => done += 1,
                    Err(Error::ConditionalCheckFailed { .. }) => conflicts += 1,
                    Err(other) => panic!("unexpected error {other}"),
                }
                tokio::task::yield_now().await;
            }
            conflicts
        }));
    }
    for handle in handles {
        handle.await.expect("task finished");
    }
    let counter = get(&db, "Tab", &[("pk", s("counter"))]).await.expect("the counter");
    assert_eq!(counter.get("v"), Some(&n(&(tasks * per_task).to_string())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_table_let_exactly_one_win() {
    let db = MemoryBackend::new();
    let mut handles = Vec::new();
    for _ in 0..16 {
        let db = db.clone();
        handles
            .push(tokio::spawn(async move { db.create_table(table("Race", None)).await.is_ok() }));
    }
    let mut winners = 0;
    for handle in handles {
        if handle.await.expect("task finished") {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn puts_and_deletes_racing_on_one_key_leave_a_consistent_table() {
    let db = engine_with(indexed_table()).await;
    let mut handles = Vec::new();
    for task in 0..8 {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..100 {
                if (task + i) % 3 == 0 {
                    db.delete_item(DeleteItemInput {
                        table_name: "Tab".to_owned(),
                        key: item(&[("pk", s("p")), ("sk", s("same"))]),
                        ..Default::default()
                    })
                    .await
                    .expect("deleted");
                } else {
                    put(
                        &db,
                        "Tab",
                        &[
                            ("pk", s("p")),
                            ("sk", s("same")),
                            ("g", s(&format!("G{}", i % 4))),
                            ("gs", n("1")),
                        ],
                    )
                    .await;
                }
            }
        }));
    }
    for handle in handles {
        handle.await.expect("task finished");
    }
    // Whatever won last, the table, its size and the index agree with each other.
    let stored = get(&db, "Tab", &[("pk", s("p")), ("sk", s("same"))]).await;
    let described = db.describe_table("Tab".to_owned()).await.expect("described");
    let in_index: usize = (0..4)
        .map(|g| db.index_items("Tab", "byG", &[s(&format!("G{g}"))]).expect("listed").len())
        .sum();
    match stored {
        Some(found) => {
            assert_eq!(described.item_count, 1);
            assert_eq!(
                described.table_size_bytes,
                u64::try_from(singletable_core::size::item_size(&found)).expect("fits")
            );
            assert_eq!(in_index, 1);
        }
        None => {
            assert_eq!((described.item_count, described.table_size_bytes), (0, 0));
            assert_eq!(in_index, 0);
        }
    }
}

#[tokio::test]
async fn clones_share_state_and_futures_are_lazy() {
    let db = engine_with(table("Tab", None)).await;
    let clone = db.clone();
    put(&clone, "Tab", &[("pk", s("k"))]).await;
    assert!(get(&db, "Tab", &[("pk", s("k"))]).await.is_some());
    // A request that is never awaited does nothing.
    drop(db.put_item(PutItemInput {
        table_name: "Tab".to_owned(),
        item: item(&[("pk", s("lazy"))]),
        ..Default::default()
    }));
    assert!(get(&db, "Tab", &[("pk", s("lazy"))]).await.is_none());
    assert!(format!("{db:?}").contains("\"Tab\""));
    // The engine is usable as a shared trait object.
    let shared: Arc<dyn Backend> = Arc::new(db);
    assert!(shared.describe_table("Tab".to_owned()).await.is_ok());
}

// ---------------------------------------------------------------------------------------
// UpdateItem, Query and Scan

fn keyed(pk: &str, sk: &str) -> Item {
    item(&[("pk", s(pk)), ("sk", s(sk))])
}

fn set_action(path: Path, value: AttributeValue) -> UpdateAction {
    UpdateAction::Set(path, SetValue::Operand(UpdateOperand::Value(value)))
}

fn update_input(table: &str, key: Item, updates: Vec<UpdateAction>) -> UpdateItemInput {
    UpdateItemInput { table_name: table.to_owned(), key, updates, ..Default::default() }
}

fn query_input(table: &str, pk: AttributeValue) -> QueryInput {
    QueryInput {
        table_name: table.to_owned(),
        key_condition: KeyCondition { partition: vec![("pk".to_owned(), pk)], sort: vec![] },
        ..Default::default()
    }
}

async fn all_pages(db: &MemoryBackend, input: QueryInput) -> Vec<PageOutput> {
    let mut pages = Vec::new();
    let mut start = None;
    loop {
        let page = db
            .query(QueryInput { exclusive_start_key: start, ..input.clone() })
            .await
            .expect("queried");
        start = page.last_evaluated_key.clone();
        pages.push(page);
        if start.is_none() {
            return pages;
        }
    }
}

#[tokio::test]
async fn updated_values_are_the_updated_paths() {
    let db = engine_with(table("Tab", Some(ScalarType::S))).await;
    put(
        &db,
        "Tab",
        &[
            ("pk", s("p")),
            ("sk", s("s")),
            ("m", AttributeValue::M(item(&[("a", s("old")), ("b", s("sibling"))]))),
            ("l", AttributeValue::L(vec![s("x"), s("y"), s("z")])),
            ("gone", n("1")),
        ],
    )
    .await;
    let run = |return_values: ReturnValues, updates: Vec<UpdateAction>| {
        let db = db.clone();
        async move {
            db.update_item(UpdateItemInput {
                return_values,
                ..update_input("Tab", keyed("p", "s"), updates)
            })
            .await
            .expect("updated")
            .attributes
        }
    };
    // DynamoDB returns the updated part of a map, not the whole attribute.
    let new = run(ReturnValues::UpdatedNew, vec![set_action(path("m").key("a"), s("new"))]).await;
    assert_eq!(new, Some(item(&[("m", AttributeValue::M(item(&[("a", s("new"))])))])));
    let old =
        run(ReturnValues::UpdatedOld, vec![set_action(path("m").key("b"), s("changed"))]).await;
    assert_eq!(old, Some(item(&[("m", AttributeValue::M(item(&[("b", s("sibling"))])))])));
    // A list element comes back as a one-element list; a write past the end is not
    // where it was asked for, so it returns nothing.
    let new = run(ReturnValues::UpdatedNew, vec![set_action(path("l").index(1), s("Y"))]).await;
    assert_eq!(new, Some(item(&[("l", AttributeValue::L(vec![s("Y")]))])));
    let appended =
        run(ReturnValues::UpdatedNew, vec![set_action(path("l").index(9), s("w"))]).await;
    assert_eq!(appended, None);
    let removed = run(ReturnValues::UpdatedOld, vec![UpdateAction::Remove(path("gone"))]).await;
    assert_eq!(removed, Some(item(&[("gone", n("1"))])));
    let all = run(ReturnValues::AllNew, vec![]).await.expect("ALL_NEW");
    assert_eq!(all["l"], AttributeValue::L(vec![s("x"), s("Y"), s("z"), s("w")]));
    assert!(!all.contains_key("gone"));
}

#[tokio::test]
async fn updates_move_index_entries_and_bill_them() {
    let mut input = table("Tab", None);
    input.attribute_definitions.extend([define("g", ScalarType::S), define("k", ScalarType::S)]);
    input.global_secondary_indexes = vec![
        index("all", vec![hash("g")], ProjectionSpec::All),
        index("keys", vec![hash("k")], ProjectionSpec::KeysOnly),
    ];
    let db = engine_with(input).await;
    // pk:"a" 3 + g:"G" 2 + data (4) + 1,527 characters = 1,536 bytes = 1.5 KB.
    put(&db, "Tab", &[("pk", s("a")), ("g", s("G")), ("data", s(&"x".repeat(1527)))]).await;
    let update = |updates: Vec<UpdateAction>| {
        let db = db.clone();
        async move {
            units(
                db.update_item(UpdateItemInput {
                    return_consumed_capacity: ReturnConsumedCapacity::Indexes,
                    ..update_input("Tab", item(&[("pk", s("a"))]), updates)
                })
                .await
                .expect("updated")
                .consumed_capacity,
            )
        }
    };
    // Changing the ALL index's key: delete + put of a 1.5 KB entry, 4 units.
    let moved = update(vec![set_action(path("g"), s("H"))]).await;
    assert_eq!(moved.table.map(|t| t.capacity_units), Some(2.0));
    assert_eq!(moved.global_secondary_indexes, vec![("all".to_owned(), capacity(4.0))]);
    assert!(db.index_items("Tab", "all", &[s("G")]).expect("listed").is_empty());
    assert_eq!(db.index_items("Tab", "all", &[s("H")]).expect("listed").len(), 1);
    // A KEYS_ONLY entry appearing: 1 unit.
    let filled = update(vec![set_action(path("k"), s("K"))]).await;
    assert_eq!(
        filled.global_secondary_indexes,
        vec![("all".to_owned(), capacity(2.0)), ("keys".to_owned(), capacity(1.0))]
    );
    // Removing both keys: both entries go.
    let emptied =
        update(vec![UpdateAction::Remove(path("g")), UpdateAction::Remove(path("k"))]).await;
    assert_eq!(emptied.capacity_units, 2.0 + 2.0 + 1.0);
    assert!(db.index_items("Tab", "keys", &[s("K")]).expect("listed").is_empty());
    let described = db.describe_table("Tab".to_owned()).await.expect("described");
    assert!(described.index_statistics.iter().all(|index| index.item_count == 0));
}

fn capacity(units: f64) -> singletable_core::backend::Capacity {
    singletable_core::backend::Capacity {
        capacity_units: units,
        read_capacity_units: 0.0,
        write_capacity_units: units,
    }
}

#[tokio::test]
async fn update_errors_leave_the_item_alone() {
    let db = engine_with(table("Tab", Some(ScalarType::S))).await;
    put(&db, "Tab", &[("pk", s("p")), ("sk", s("s")), ("n", n("1")), ("text", s("t"))]).await;
    let before = get(&db, "Tab", &[("pk", s("p")), ("sk", s("s"))]).await;
    let fails = |updates: Vec<UpdateAction>| {
        let db = db.clone();
        async move { validation(db.update_item(update_input("Tab", keyed("p", "s"), updates)).await) }
    };
    // The first action writes, the second fails at run time: nothing is written.
    let message = fails(vec![
        set_action(path("n"), n("2")),
        UpdateAction::Set(
            path("x"),
            SetValue::Plus(UpdateOperand::Path(path("text")), UpdateOperand::Value(n("1"))),
        ),
    ])
    .await;
    assert_eq!(message, "An operand in the update expression has an incorrect data type");
    assert_eq!(
        fails(vec![UpdateAction::Add(path("n"), n("1E-38"))]).await,
        "DynamoDB only supports precision up to 38 digits"
    );
    assert_eq!(
        fails(vec![set_action(path("deep").key("a"), s("x"))]).await,
        "The document path provided in the update expression is invalid for update"
    );
    assert_eq!(get(&db, "Tab", &[("pk", s("p")), ("sk", s("s"))]).await, before);
    // Nesting beyond 32 levels in the result.
    let mut deep = s("leaf");
    for _ in 0..32 {
        deep = AttributeValue::L(vec![deep]);
    }
    assert!(fails(vec![set_action(path("nested"), deep)])
        .await
        .starts_with("ExpressionAttributeValues contains invalid value: Nesting Levels"));
}

#[tokio::test]
async fn pages_stop_before_the_item_that_crosses_one_mb() {
    let db = engine_with(table("Tab", Some(ScalarType::S))).await;
    // pk:"p" 3 + sk:"N" 3 + pad 3 + 200,011 = 200,020 bytes; five are 1,000,100 bytes.
    for i in 0..6 {
        put(
            &db,
            "Tab",
            &[("pk", s("p")), ("sk", s(&i.to_string())), ("pad", s(&"x".repeat(200_011)))],
        )
        .await;
    }
    let pages = all_pages(
        &db,
        QueryInput {
            select: Some(Select::Count),
            return_consumed_capacity: ReturnConsumedCapacity::Total,
            ..query_input("Tab", s("p"))
        },
    )
    .await;
    let shape: Vec<(u32, Option<f64>)> = pages
        .iter()
        .map(|p| (p.scanned_count, p.consumed_capacity.as_ref().map(|c| c.capacity_units)))
        .collect();
    // 1,000,100 B = 245 units of 4 KB, halved; then 200,020 B = 49 units, halved.
    assert_eq!(shape, [(5, Some(122.5)), (1, Some(24.5))]);
    assert_eq!(pages[0].last_evaluated_key, Some(keyed("p", "4")));
    let scanned = db
        .scan(ScanInput { table_name: "Tab".to_owned(), limit: Some(3), ..Default::default() })
        .await
        .expect("scanned");
    assert_eq!(scanned.scanned_count, 3, "Limit stops first");
}

#[tokio::test]
async fn reads_of_nothing_cost_one_unit_and_lsi_fetches_bill_each_item() {
    let mut input = table("Tab", Some(ScalarType::S));
    input.attribute_definitions.push(define("l", ScalarType::S));
    input.local_secondary_indexes =
        vec![index("byL", vec![hash("pk"), range("l")], ProjectionSpec::KeysOnly)];
    let db = engine_with(input).await;
    for i in 0..3 {
        // 5,000 bytes of data: 2 units each, strongly consistent, when fetched.
        put(
            &db,
            "Tab",
            &[
                ("pk", s("p")),
                ("sk", s(&format!("s{i}"))),
                ("l", s(&format!("l{i}"))),
                ("d", s(&"x".repeat(5000))),
            ],
        )
        .await;
    }
    let empty = db
        .query(QueryInput {
            return_consumed_capacity: ReturnConsumedCapacity::Total,
            ..query_input("Tab", s("none"))
        })
        .await
        .expect("queried");
    assert_eq!(empty.consumed_capacity.map(|c| c.capacity_units), Some(0.5));
    let fetched = db
        .query(QueryInput {
            index_name: Some("byL".to_owned()),
            select: Some(Select::AllAttributes),
            consistent_read: true,
            return_consumed_capacity: ReturnConsumedCapacity::Indexes,
            filter: None,
            ..query_input("Tab", s("p"))
        })
        .await
        .expect("queried");
    assert_eq!(fetched.items.len(), 3);
    assert!(fetched.items.iter().all(|i| i.contains_key("d")));
    let report = units(fetched.consumed_capacity);
    assert_eq!(report.table.map(|t| t.capacity_units), Some(6.0), "3 items x 2 units");
    assert_eq!(report.local_secondary_indexes.len(), 1);
    assert_eq!(report.local_secondary_indexes[0].1.capacity_units, 1.0, "entries: one unit");
    assert_eq!(report.capacity_units, 7.0);
}

#[tokio::test]
async fn engine_messages_name_the_missing_key_element() {
    let db = engine_with(table("Tab", Some(ScalarType::S))).await;
    let no_partition = QueryInput {
        key_condition: KeyCondition {
            partition: vec![],
            sort: vec![("sk".to_owned(), SortKeyCondition::Eq(s("x")))],
        },
        ..query_input("Tab", s("p"))
    };
    assert_eq!(
        validation(db.query(no_partition).await),
        "Query condition missed key schema element: pk"
    );
    let empty = QueryInput { key_condition: KeyCondition::default(), ..query_input("Tab", s("p")) };
    assert_eq!(
        validation(db.query(empty).await),
        "Invalid KeyConditionExpression: The expression can not be empty;"
    );
    assert_eq!(
        validation(db.scan(ScanInput { table_name: "Tab".to_owned(), segment: Some((0, 0)), ..Default::default() }).await),
        "1 validation error detected: Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
}

#[tokio::test]
async fn parallel_scans_split_partitions_between_segments() {
    let db = engine_with(table("Tab", Some(ScalarType::N))).await;
    for p in 0..60 {
        for sk in 0..3 {
            put(&db, "Tab", &[("pk", s(&format!("user#{p}"))), ("sk", n(&sk.to_string()))]).await;
        }
    }
    let total = 7;
    let mut owner: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut seen = 0;
    for segment in 0..total {
        let mut start = None;
        let mut sizes = Vec::new();
        loop {
            let page = db
                .scan(ScanInput {
                    table_name: "Tab".to_owned(),
                    segment: Some((segment, total)),
                    limit: Some(4),
                    exclusive_start_key: start,
                    ..Default::default()
                })
                .await
                .expect("scanned");
            sizes.push(page.items.len());
            for item in &page.items {
                let AttributeValue::S(pk) = &item["pk"] else { panic!("{item:?}") };
                let first = *owner.entry(pk.clone()).or_insert(segment);
                assert_eq!(first, segment, "{pk} in two segments");
                seen += 1;
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        assert!(sizes.iter().rev().skip(1).all(|size| *size == 4), "{sizes:?}");
    }
    assert_eq!((seen, owner.len()), (180, 60), "every item once");
    assert!(owner.values().collect::<std::collections::HashSet<_>>().len() > 1);
}

// ---------------------------------------------------------------------------------------
// Random operation sequences against a model

mod model {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Put { pk: u8, sk: i8, g: Option<u8>, gs: i8 },
        Delete { pk: u8, sk: i8 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u8..3, -4i8..4, proptest::option::of(0u8..3), -3i8..3)
                .prop_map(|(pk, sk, g, gs)| Op::Put { pk, sk, g, gs }),
            1 => (0u8..3, -4i8..4).prop_map(|(pk, sk)| Op::Delete { pk, sk }),
        ]
    }

    fn stored(pk: u8, sk: i8, g: Option<u8>, gs: i8) -> Item {
        let mut item = item(&[
            ("pk", s(&format!("p{pk}"))),
            ("sk", n(&sk.to_string())),
            ("gs", n(&gs.to_string())),
        ]);
        if let Some(g) = g {
            item.insert("g".to_owned(), s(&format!("g{g}")));
        }
        item
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn the_engine_matches_a_sorted_map(ops in proptest::collection::vec(op(), 1..60)) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
            runtime.block_on(async {
                let mut input = table("Model", Some(ScalarType::N));
                input.attribute_definitions.extend([define("g", ScalarType::S), define("gs", ScalarType::N)]);
                input.global_secondary_indexes = vec![index("byG", vec![hash("g"), range("gs")], ProjectionSpec::All)];
                let db = engine_with(input).await;
                // (pk, sk) -> (g, gs), ordered as DynamoDB orders the keys.
                let mut model: BTreeMap<(u8, i8), (Option<u8>, i8)> = BTreeMap::new();
                for op in ops {
                    match op {
                        Op::Put { pk, sk, g, gs } => {
                            db.put_item(PutItemInput {
                                table_name: "Model".to_owned(),
                                item: stored(pk, sk, g, gs),
                                ..Default::default()
                            })
                            .await
                            .expect("put");
                            model.insert((pk, sk), (g, gs));
                        }
                        Op::Delete { pk, sk } => {
                            db.delete_item(DeleteItemInput {
                                table_name: "Model".to_owned(),
                                key: item(&[("pk", s(&format!("p{pk}"))), ("sk", n(&sk.to_string()))]),
                                ..Default::default()
                            })
                            .await
                            .expect("deleted");
                            model.remove(&(pk, sk));
                        }
                    }
                }

                let described = db.describe_table("Model".to_owned()).await.expect("described");
                prop_assert_eq!(described.item_count, u64::try_from(model.len()).expect("fits"));
                let size: usize = model
                    .iter()
                    .map(|(&(pk, sk), &(g, gs))| singletable_core::size::item_size(&stored(pk, sk, g, gs)))
                    .sum();
                prop_assert_eq!(described.table_size_bytes, u64::try_from(size).expect("fits"));

                for pk in 0u8..3 {
                    let got = db.partition_items("Model", &s(&format!("p{pk}"))).expect("listed");
                    let expected: Vec<Item> = model
                        .range((pk, i8::MIN)..=(pk, i8::MAX))
                        .map(|(&(pk, sk), &(g, gs))| stored(pk, sk, g, gs))
                        .collect();
                    prop_assert_eq!(got, expected);
                }
                for g in 0u8..3 {
                    let got = db.index_items("Model", "byG", &[s(&format!("g{g}"))]).expect("listed");
                    let mut expected: Vec<(i8, u8, i8)> = model
                        .iter()
                        .filter(|(_, (item_g, _))| *item_g == Some(g))
                        .map(|(&(pk, sk), &(_, gs))| (gs, pk, sk))
                        .collect();
                    expected.sort_unstable();
                    let expected: Vec<Item> =
                        expected.into_iter().map(|(gs, pk, sk)| stored(pk, sk, Some(g), gs)).collect();
                    prop_assert_eq!(got, expected);
                }
                Ok(())
            })?;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Random writes, then random queries paged to the end, against a sorted model

mod paging_model {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    /// Sort keys: short strings over a small alphabet, so that `begins_with` and the
    /// range tests have plenty to match.
    const SORT_KEYS: [&str; 9] = ["a", "aa", "ab", "b", "ba", "bb", "c", "ca", "d"];

    #[derive(Debug, Clone)]
    enum Op {
        Put {
            pk: u8,
            sk: usize,
            v: i8,
            g: Option<u8>,
        },
        /// `SET v = if_not_exists(v, 0) + delta`, and `g` set, removed or left.
        Update {
            pk: u8,
            sk: usize,
            delta: i8,
            g: Option<Option<u8>>,
        },
        Delete {
            pk: u8,
            sk: usize,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        let g = proptest::option::of(0u8..2);
        prop_oneof![
            3 => (0u8..2, 0..SORT_KEYS.len(), -5i8..5, g.clone())
                .prop_map(|(pk, sk, v, g)| Op::Put { pk, sk, v, g }),
            2 => (0u8..2, 0..SORT_KEYS.len(), -3i8..3, proptest::option::of(g))
                .prop_map(|(pk, sk, delta, g)| Op::Update { pk, sk, delta, g }),
            1 => (0u8..2, 0..SORT_KEYS.len()).prop_map(|(pk, sk)| Op::Delete { pk, sk }),
        ]
    }

    #[derive(Debug, Clone)]
    enum Test {
        All,
        Eq(usize),
        Lt(usize),
        Le(usize),
        Gt(usize),
        Ge(usize),
        Between(usize, usize),
        BeginsWith(&'static str),
    }

    fn test() -> impl Strategy<Value = Test> {
        let at = 0..SORT_KEYS.len();
        prop_oneof![
            Just(Test::All),
            at.clone().prop_map(Test::Eq),
            at.clone().prop_map(Test::Lt),
            at.clone().prop_map(Test::Le),
            at.clone().prop_map(Test::Gt),
            at.clone().prop_map(Test::Ge),
            (at.clone(), at).prop_map(|(a, b)| Test::Between(a.min(b), a.max(b))),
            prop_oneof![Just("a"), Just("b"), Just("c"), Just("ab"), Just("x")]
                .prop_map(Test::BeginsWith),
        ]
    }

    #[derive(Debug, Clone)]
    struct Read {
        /// Query the GSI `byG` (`g` / `v`) instead of the table.
        index: bool,
        pk: u8,
        test: Test,
        forward: bool,
        limit: Option<u32>,
        /// Keep only items with `f` (= `v`) above this.
        filter: Option<i8>,
    }

    fn read() -> impl Strategy<Value = Read> {
        (
            any::<bool>(),
            0u8..2,
            test(),
            any::<bool>(),
            proptest::option::of(1u32..5),
            proptest::option::of(-3i8..3),
        )
            .prop_map(|(index, pk, test, forward, limit, filter)| Read {
                index,
                pk,
                test,
                forward,
                limit,
                filter,
            })
    }

    fn stored(pk: u8, sk: usize, v: i64, g: Option<u8>) -> Item {
        let mut item = item(&[
            ("pk", s(&format!("p{pk}"))),
            ("sk", s(SORT_KEYS[sk])),
            ("v", n(&v.to_string())),
            // A copy of v outside every key, for filters.
            ("f", n(&v.to_string())),
        ]);
        if let Some(g) = g {
            item.insert("g".to_owned(), s(&format!("g{g}")));
        }
        item
    }

    /// The test on the table's S sort key, or on the index's N sort key (`v`, compared
    /// with the sort key positions read as numbers - 4 .. 4).
    fn condition(test: &Test, index: bool) -> Option<SortKeyCondition> {
        let value = |at: usize| {
            if index {
                n(&(i64::try_from(at).unwrap_or(0) - 4).to_string())
            } else {
                s(SORT_KEYS[at])
            }
        };
        Some(match test {
            Test::All => return None,
            Test::Eq(a) => SortKeyCondition::Eq(value(*a)),
            Test::Lt(a) => SortKeyCondition::Lt(value(*a)),
            Test::Le(a) => SortKeyCondition::Le(value(*a)),
            Test::Gt(a) => SortKeyCondition::Gt(value(*a)),
            Test::Ge(a) => SortKeyCondition::Ge(value(*a)),
            Test::Between(a, b) => SortKeyCondition::Between(value(*a), value(*b)),
            // begins_with is refused on a number: the index reads use the whole range.
            Test::BeginsWith(_) if index => return None,
            Test::BeginsWith(prefix) => SortKeyCondition::BeginsWith(s(prefix)),
        })
    }

    fn holds(test: &Test, index: bool, sk: &str, v: i64) -> bool {
        if index {
            let at = |a: &usize| i64::try_from(*a).unwrap_or(0) - 4;
            match test {
                Test::All | Test::BeginsWith(_) => true,
                Test::Eq(a) => v == at(a),
                Test::Lt(a) => v < at(a),
                Test::Le(a) => v <= at(a),
                Test::Gt(a) => v > at(a),
                Test::Ge(a) => v >= at(a),
                Test::Between(a, b) => at(a) <= v && v <= at(b),
            }
        } else {
            let at = |a: &usize| SORT_KEYS[*a];
            match test {
                Test::All => true,
                Test::Eq(a) => sk == at(a),
                Test::Lt(a) => sk < at(a),
                Test::Le(a) => sk <= at(a),
                Test::Gt(a) => sk > at(a),
                Test::Ge(a) => sk >= at(a),
                Test::Between(a, b) => at(a) <= sk && sk <= at(b),
                Test::BeginsWith(prefix) => sk.starts_with(prefix),
            }
        }
    }

    type Model = BTreeMap<(u8, usize), (i64, Option<u8>)>;

    /// The pages the model expects: the matching items in order, cut every `limit`
    /// evaluated items (a page that reaches the limit carries the last key, even at the
    /// end), each filtered.
    fn expected_pages(model: &Model, read: &Read) -> Vec<(Vec<Item>, Option<Item>)> {
        let mut matching: Vec<(i64, u8, usize, Option<u8>)> = model
            .iter()
            .filter(|((pk, sk), (v, g))| {
                let partition = if read.index { *g == Some(read.pk) } else { *pk == read.pk };
                partition && holds(&read.test, read.index, SORT_KEYS[*sk], *v)
            })
            .map(|((pk, sk), (v, g))| (if read.index { *v } else { 0 }, *pk, *sk, *g))
            .collect();
        // The table orders by sort key; the index by v, then by the table key.
        matching.sort_by(|a, b| (a.0, a.1, SORT_KEYS[a.2]).cmp(&(b.0, b.1, SORT_KEYS[b.2])));
        if !read.forward {
            matching.reverse();
        }
        let items: Vec<Item> = matching
            .into_iter()
            .map(|(_, pk, sk, g)| {
                let (v, _) = model[&(pk, sk)];
                stored(pk, sk, v, g)
            })
            .collect();
        let key_of = |item: &Item| -> Item {
            let names: &[&str] = if read.index { &["pk", "sk", "g", "v"] } else { &["pk", "sk"] };
            names.iter().map(|name| ((*name).to_owned(), item[*name].clone())).collect()
        };
        let keep = |item: &Item| match read.filter {
            None => true,
            Some(min) => matches!(
                &item["f"],
                AttributeValue::N(v) if *v > Number::parse(&min.to_string()).expect("a number")
            ),
        };
        let Some(limit) = read.limit else {
            return vec![(items.iter().filter(|i| keep(i)).cloned().collect(), None)];
        };
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut pages = Vec::new();
        let mut chunks = items.chunks(limit).peekable();
        loop {
            match chunks.next() {
                None => {
                    pages.push((Vec::new(), None));
                    return pages;
                }
                Some(chunk) => {
                    let full = chunk.len() == limit;
                    let kept = chunk.iter().filter(|i| keep(i)).cloned().collect();
                    pages.push((kept, full.then(|| key_of(&chunk[chunk.len() - 1]))));
                    if !full {
                        return pages;
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn pages_match_a_sorted_model(
            ops in proptest::collection::vec(op(), 1..50),
            reads in proptest::collection::vec(read(), 1..12),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
            runtime.block_on(async {
                let mut input = table("Model", Some(ScalarType::S));
                input.attribute_definitions.extend([define("g", ScalarType::S), define("v", ScalarType::N)]);
                input.global_secondary_indexes =
                    vec![index("byG", vec![hash("g"), range("v")], ProjectionSpec::All)];
                let db = engine_with(input).await;
                let mut model = Model::new();
                let key = |pk: u8, sk: usize| item(&[("pk", s(&format!("p{pk}"))), ("sk", s(SORT_KEYS[sk]))]);
                for op in ops {
                    match op {
                        Op::Put { pk, sk, v, g } => {
                            db.put_item(PutItemInput {
                                table_name: "Model".to_owned(),
                                item: stored(pk, sk, i64::from(v), g),
                                ..Default::default()
                            })
                            .await
                            .expect("put");
                            model.insert((pk, sk), (i64::from(v), g));
                        }
                        Op::Update { pk, sk, delta, g } => {
                            let mut updates = vec![UpdateAction::Set(
                                path("v"),
                                SetValue::Plus(
                                    UpdateOperand::IfNotExists(path("v"), Box::new(UpdateOperand::Value(n("0")))),
                                    UpdateOperand::Value(n(&delta.to_string())),
                                ),
                            ), UpdateAction::Set(
                                path("f"),
                                SetValue::Plus(
                                    UpdateOperand::IfNotExists(path("f"), Box::new(UpdateOperand::Value(n("0")))),
                                    UpdateOperand::Value(n(&delta.to_string())),
                                ),
                            )];
                            match g {
                                Some(Some(g)) => updates.push(set_action(path("g"), s(&format!("g{g}")))),
                                Some(None) => updates.push(UpdateAction::Remove(path("g"))),
                                None => {}
                            }
                            let new = db
                                .update_item(UpdateItemInput {
                                    return_values: ReturnValues::AllNew,
                                    ..update_input("Model", key(pk, sk), updates)
                                })
                                .await
                                .expect("updated")
                                .attributes;
                            let entry = model.entry((pk, sk)).or_insert((0, None));
                            entry.0 += i64::from(delta);
                            if let Some(g) = g {
                                entry.1 = g;
                            }
                            prop_assert_eq!(new, Some(stored(pk, sk, entry.0, entry.1)));
                        }
                        Op::Delete { pk, sk } => {
                            db.delete_item(DeleteItemInput {
                                table_name: "Model".to_owned(),
                                key: key(pk, sk),
                                ..Default::default()
                            })
                            .await
                            .expect("deleted");
                            model.remove(&(pk, sk));
                        }
                    }
                }

                for read in reads {
                    let partition = if read.index {
                        ("g".to_owned(), s(&format!("g{}", read.pk)))
                    } else {
                        ("pk".to_owned(), s(&format!("p{}", read.pk)))
                    };
                    let sort_name = if read.index { "v" } else { "sk" };
                    let input = QueryInput {
                        table_name: "Model".to_owned(),
                        index_name: read.index.then(|| "byG".to_owned()),
                        key_condition: KeyCondition {
                            partition: vec![partition],
                            sort: condition(&read.test, read.index)
                                .map(|test| (sort_name.to_owned(), test))
                                .into_iter()
                                .collect(),
                        },
                        filter: read.filter.map(|min| compare("f", Comparator::Gt, n(&min.to_string()))),
                        limit: read.limit,
                        scan_index_forward: read.forward,
                        ..Default::default()
                    };
                    let got: Vec<(Vec<Item>, Option<Item>)> = all_pages(&db, input)
                        .await
                        .into_iter()
                        .map(|page| (page.items, page.last_evaluated_key))
                        .collect();
                    prop_assert_eq!(got, expected_pages(&model, &read), "{:?}", read);
                }
                Ok(())
            })?;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Batches and transactions

fn key_of(pk: &str) -> Item {
    item(&[("pk", s(pk))])
}

fn add_one(table: &str, pk: &str, limit: Option<&str>) -> TransactWriteItem {
    TransactWriteItem::Update {
        table_name: table.to_owned(),
        key: key_of(pk),
        updates: vec![UpdateAction::Add(path("count"), n("1"))],
        condition: limit.map(|limit| compare("count", Comparator::Lt, n(limit))),
        return_old_on_condition_failure: false,
    }
}

fn count_of(item: Option<&Item>) -> i64 {
    match item.and_then(|item| item.get("count")) {
        Some(AttributeValue::N(number)) => number.to_string().parse().expect("an integer"),
        None => 0,
        other => panic!("unexpected count {other:?}"),
    }
}

/// True for a cancellation whose reasons are all `TransactionConflict` or `None` (at
/// least one conflict).
fn only_conflicts(error: &Error) -> bool {
    match error {
        Error::TransactionCanceled { reasons, .. } => {
            reasons.iter().any(|reason| reason.code == "TransactionConflict")
                && reasons.iter().all(|reason| {
                    reason.code == "None"
                        || (reason.code == "TransactionConflict"
                            && reason.message.as_deref()
                                == Some("Transaction is ongoing for the item."))
                })
        }
        _ => false,
    }
}

/// Many tasks run conflicting transactions on two counters in two tables, with a
/// condition that stops them at a limit (retrying those cancelled by a conflict): every
/// committed transaction moved both counters, no cancelled one moved either, and no
/// `TransactGetItems` ever saw one counter moved without the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_transactions_are_all_or_nothing() {
    let db = engine_with(table("acc-a", None)).await;
    db.create_table(table("acc-b", None)).await.expect("table created");
    put(&db, "acc-a", &[("pk", s("c")), ("count", n("0"))]).await;
    put(&db, "acc-b", &[("pk", s("c")), ("count", n("0"))]).await;
    let limit = 300;

    let reader = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut reads = 0;
            loop {
                let output = db
                    .transact_get_items(TransactGetItemsInput {
                        items: vec![
                            TransactGetItem {
                                table_name: "acc-a".to_owned(),
                                key: key_of("c"),
                                projection: None,
                            },
                            TransactGetItem {
                                table_name: "acc-b".to_owned(),
                                key: key_of("c"),
                                projection: None,
                            },
                        ],
                        ..Default::default()
                    })
                    .await;
                let output = match output {
                    Ok(output) => output,
                    // A transaction owned the items: DynamoDB cancels the read.
                    Err(error) if only_conflicts(&error) => {
                        tokio::task::yield_now().await;
                        continue;
                    }
                    Err(other) => panic!("unexpected error {other:?}"),
                };
                let a = count_of(output.responses[0].as_ref());
                let b = count_of(output.responses[1].as_ref());
                assert_eq!(a, b, "a reader saw half a transaction");
                reads += 1;
                if a == limit {
                    return reads;
                }
                tokio::task::yield_now().await;
            }
        })
    };

    let mut writers = Vec::new();
    for _ in 0..8 {
        let db = db.clone();
        writers.push(tokio::spawn(async move {
            let mut committed = 0;
            for _ in 0..50 {
                let limit = limit.to_string();
                // Retried while it conflicts with another transaction.
                loop {
                    let result = db
                        .transact_write_items(TransactWriteItemsInput {
                            items: vec![
                                add_one("acc-a", "c", Some(&limit)),
                                add_one("acc-b", "c", None),
                            ],
                            ..Default::default()
                        })
                        .await;
                    match result {
                        Ok(_) => committed += 1,
                        Err(error) if only_conflicts(&error) => {
                            tokio::task::yield_now().await;
                            continue;
                        }
                        Err(Error::TransactionCanceled { reasons, .. }) => {
                            assert_eq!(reasons[0].code, "ConditionalCheckFailed");
                            assert_eq!(reasons[1].code, "None");
                        }
                        Err(other) => panic!("unexpected error {other:?}"),
                    }
                    break;
                }
            }
            committed
        }));
    }
    let mut committed = 0;
    for writer in writers {
        committed += writer.await.expect("writer");
    }
    assert_eq!(committed, limit);
    let a = count_of(get(&db, "acc-a", &[("pk", s("c"))]).await.as_ref());
    let b = count_of(get(&db, "acc-b", &[("pk", s("c"))]).await.as_ref());
    assert_eq!((a, b), (committed, committed));
    assert!(reader.await.expect("reader") > 0);
}

#[tokio::test]
async fn a_failing_update_is_a_validation_error_reason() {
    let db = engine_with(table("tx-validation", None)).await;
    put(&db, "tx-validation", &[("pk", s("text")), ("count", s("not a number"))]).await;
    let result = db
        .transact_write_items(TransactWriteItemsInput {
            items: vec![
                add_one("tx-validation", "fresh", None),
                add_one("tx-validation", "text", None),
            ],
            ..Default::default()
        })
        .await;
    let Err(Error::TransactionCanceled { reasons, .. }) = result else {
        panic!("expected a cancellation, got {result:?}");
    };
    assert_eq!(reasons[0].code, "None");
    assert_eq!(reasons[1].code, "ValidationError");
    assert!(reasons[1].message.as_deref().is_some_and(|m| m.contains("incorrect data type")));
    assert_eq!(get(&db, "tx-validation", &[("pk", s("fresh"))]).await, None);

    // A bad token and a payload over 4 MB are refused before anything runs.
    let long_token = TransactWriteItemsInput {
        items: vec![add_one("tx-validation", "fresh", None)],
        client_request_token: Some("x".repeat(37)),
        ..Default::default()
    };
    validation(db.transact_write_items(long_token).await);
    let big = |i: usize| TransactWriteItem::Put {
        table_name: "tx-validation".to_owned(),
        item: item(&[("pk", s(&format!("big{i}"))), ("blob", s(&"x".repeat(400_000)))]),
        condition: None,
        return_old_on_condition_failure: false,
    };
    let message = validation(
        db.transact_write_items(TransactWriteItemsInput {
            items: (0..11).map(big).collect(),
            ..Default::default()
        })
        .await,
    );
    assert!(message.starts_with("Transaction payload size cannot exceed 4MB"), "{message}");
    assert_eq!(get(&db, "tx-validation", &[("pk", s("big0"))]).await, None);
}

#[tokio::test]
async fn transaction_capacity_is_doubled() {
    let db = engine_with(table("tx-capacity", None)).await;
    let output = db
        .transact_write_items(TransactWriteItemsInput {
            items: vec![TransactWriteItem::Put {
                table_name: "tx-capacity".to_owned(),
                item: item(&[("pk", s("p")), ("blob", s(&"x".repeat(1500)))]),
                condition: None,
                return_old_on_condition_failure: false,
            }],
            return_consumed_capacity: ReturnConsumedCapacity::Total,
            ..Default::default()
        })
        .await
        .expect("committed");
    assert_eq!(output.consumed_capacity.len(), 1);
    assert_eq!(output.consumed_capacity[0].write_capacity_units, 4.0);
}

fn faulty(throttle_rate: f64, unprocessed_rate: f64, seed: u64) -> MemoryBackend {
    MemoryBackend::with_faults(FaultConfig { throttle_rate, unprocessed_rate, seed })
}

/// Every throttled call and every unprocessed request, as a trace.
async fn fault_trace(db: &MemoryBackend) -> Vec<String> {
    db.create_table(table("faults", None)).await.expect("table created");
    let mut trace = Vec::new();
    for round in 0..20 {
        let requests: Vec<WriteRequest> =
            (0..10).map(|i| WriteRequest::Put { item: key_of(&format!("{round}-{i}")) }).collect();
        let result = db
            .batch_write_item(BatchWriteItemInput {
                request_items: [("faults".to_owned(), requests)].into(),
                ..Default::default()
            })
            .await;
        trace.push(match result {
            Ok(output) => format!("{:?}", output.unprocessed_items),
            Err(error) => error.dynamodb_type().unwrap_or_default().to_owned(),
        });
    }
    trace
}

#[tokio::test]
async fn faults_are_deterministic_for_a_seed() {
    let first = fault_trace(&faulty(0.2, 0.3, 42)).await;
    let second = fault_trace(&faulty(0.2, 0.3, 42)).await;
    let other = fault_trace(&faulty(0.2, 0.3, 43)).await;
    assert_eq!(first, second);
    assert_ne!(first, other);
    assert!(first.iter().any(|entry| entry.ends_with("Exception")), "{first:?}");
    assert!(first.iter().any(|entry| entry.contains("faults")), "{first:?}");

    let always = faulty(1.0, 0.0, 1);
    always.create_table(table("throttled", None)).await.expect("table ops are never faulted");
    let result = always
        .put_item(PutItemInput {
            table_name: "throttled".to_owned(),
            item: key_of("p"),
            ..Default::default()
        })
        .await;
    assert!(matches!(
        result.as_ref().err().and_then(Error::dynamodb_type),
        Some("ProvisionedThroughputExceededException" | "ThrottlingException")
    ));
    assert!(always.partition_items("throttled", &s("p")).expect("inspected").is_empty());
}

/// Under faults a batch returns exactly what it did not do: retrying the unprocessed
/// requests until none remain writes every item once, and reads every item once.
#[tokio::test]
async fn batches_under_faults_return_everything_they_did_not_do() {
    let db = faulty(0.3, 0.4, 7);
    db.create_table(table("retried", None)).await.expect("table created");
    let all: Vec<WriteRequest> = (0..25)
        .map(|i| WriteRequest::Put { item: item(&[("pk", s(&i.to_string())), ("v", n("1"))]) })
        .collect();
    let mut pending: std::collections::HashMap<String, Vec<WriteRequest>> =
        [("retried".to_owned(), all)].into();
    let mut calls = 0;
    while !pending.is_empty() {
        calls += 1;
        assert!(calls < 200, "retries never finished");
        let input = BatchWriteItemInput { request_items: pending.clone(), ..Default::default() };
        let Ok(output) = db.batch_write_item(input).await else { continue };
        let left: Vec<&WriteRequest> = output.unprocessed_items.values().flatten().collect();
        for request in pending.values().flatten() {
            let WriteRequest::Put { item } = request else { panic!("only puts") };
            let pk = item.get("pk").cloned().expect("a key");
            let written = !db.partition_items("retried", &pk).expect("inspected").is_empty();
            assert_eq!(written, !left.contains(&request), "{pk:?}: applied iff not returned");
        }
        pending = output.unprocessed_items;
    }
    assert!(calls > 1, "the faults left something unprocessed");

    let keys: Vec<Item> = (0..25).map(|i| key_of(&i.to_string())).collect();
    let mut pending: std::collections::HashMap<String, KeysAndAttributes> =
        [("retried".to_owned(), KeysAndAttributes { keys, ..Default::default() })].into();
    let mut found = Vec::new();
    let mut calls = 0;
    while !pending.is_empty() {
        calls += 1;
        assert!(calls < 200, "retries never finished");
        let input = BatchGetItemInput { request_items: pending.clone(), ..Default::default() };
        let Ok(output) = db.batch_get_item(input).await else { continue };
        found.extend(output.responses.into_values().flatten());
        pending = output.unprocessed_keys;
    }
    assert_eq!(found.len(), 25);
    let mut pks: Vec<String> = found
        .iter()
        .filter_map(|item| match item.get("pk") {
            Some(AttributeValue::S(pk)) => Some(pk.clone()),
            _ => None,
        })
        .collect();
    pks.sort();
    pks.dedup();
    assert_eq!(pks.len(), 25, "every item read exactly once");
}

/// A `BatchGetItem` response stops before 16 MB; the rest comes back in
/// `UnprocessedKeys`, in the request's shape.
#[tokio::test]
async fn batch_get_stops_at_16_mb() {
    let db = engine_with(table("big-items", None)).await;
    let blob = "x".repeat(300 * 1024);
    for i in 0..60 {
        put(&db, "big-items", &[("pk", s(&i.to_string())), ("blob", s(&blob))]).await;
    }
    let keys: Vec<Item> = (0..60).map(|i| key_of(&i.to_string())).collect();
    let input = BatchGetItemInput {
        request_items: [(
            "big-items".to_owned(),
            KeysAndAttributes { keys, consistent_read: true, projection: None },
        )]
        .into(),
        ..Default::default()
    };
    let output = db.batch_get_item(input).await.expect("read");
    let returned = output.responses.get("big-items").map_or(0, Vec::len);
    let left = output.unprocessed_keys.get("big-items").expect("unprocessed keys");
    assert_eq!(returned, 54, "54 items of 300 KB fit in 16 MB");
    assert_eq!(left.keys.len(), 6);
    assert!(left.consistent_read);
    let retry =
        BatchGetItemInput { request_items: output.unprocessed_keys.clone(), ..Default::default() };
    let rest = db.batch_get_item(retry).await.expect("read");
    assert_eq!(rest.responses.get("big-items").map_or(0, Vec::len), 6);
    assert!(rest.unprocessed_keys.is_empty());
}

// ---------------------------------------------------------------------------------------
// Transaction conflicts

/// Holds every transaction between its prepare and commit phases: `prepared` receives
/// one message per transaction that reached the window, each `release.add_permits(1)`
/// lets one through.
fn hold_transactions(
    db: &MemoryBackend,
) -> (tokio::sync::mpsc::UnboundedReceiver<()>, Arc<tokio::sync::Semaphore>) {
    let (sender, prepared) = tokio::sync::mpsc::unbounded_channel();
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let gate = Arc::clone(&release);
    db.on_transaction_prepared(move || {
        let sender = sender.clone();
        let gate = Arc::clone(&gate);
        async move {
            // The receiver may be gone at the end of a test: nothing to tell then.
            let _ = sender.send(());
            if let Ok(permit) = gate.acquire().await {
                permit.forget();
            }
        }
    });
    (prepared, release)
}

fn service_code(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(error) => error.dynamodb_type().unwrap_or("(client error)").to_owned(),
        Ok(output) => panic!("expected an error, got {output:?}"),
    }
}

fn codes(error: &Error) -> Vec<String> {
    match error {
        Error::TransactionCanceled { reasons, .. } => {
            reasons.iter().map(|reason| reason.code.clone()).collect()
        }
        other => panic!("expected a cancellation, got {other:?}"),
    }
}

/// A transaction held between prepare and commit: everything that touches one of its
/// items conflicts as in DynamoDB, readers see the items as they were, items outside the
/// transaction are untouched by it, and once released it commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_transaction_conflicts_with_everything_touching_its_items() {
    let db = engine_with(table("tx-conflict", None)).await;
    for pk in ["a", "b", "c"] {
        put(&db, "tx-conflict", &[("pk", s(pk)), ("count", n("0"))]).await;
    }
    let (mut prepared, release) = hold_transactions(&db);
    let first = {
        let db = db.clone();
        tokio::spawn(async move {
            db.transact_write_items(TransactWriteItemsInput {
                items: vec![add_one("tx-conflict", "a", None), add_one("tx-conflict", "b", None)],
                ..Default::default()
            })
            .await
        })
    };
    prepared.recv().await.expect("the first transaction prepared");
    db.clear_transaction_hook();

    // Another transaction on one of its items: cancelled, per action.
    let second = db
        .transact_write_items(TransactWriteItemsInput {
            items: vec![add_one("tx-conflict", "c", None), add_one("tx-conflict", "b", None)],
            ..Default::default()
        })
        .await
        .expect_err("conflicts");
    assert!(only_conflicts(&second), "{second:?}");
    assert_eq!(codes(&second), ["None", "TransactionConflict"]);

    // Single-item writes: TransactionConflictException.
    let conflict = "TransactionConflictException";
    let put_a = PutItemInput {
        table_name: "tx-conflict".to_owned(),
        item: item(&[("pk", s("a")), ("count", n("9"))]),
        ..Default::default()
    };
    assert_eq!(service_code(db.put_item(put_a.clone()).await), conflict);
    let bump_b =
        update_input("tx-conflict", key_of("b"), vec![UpdateAction::Add(path("count"), n("5"))]);
    assert_eq!(service_code(db.update_item(bump_b.clone()).await), conflict);
    let delete_a = DeleteItemInput {
        table_name: "tx-conflict".to_owned(),
        key: key_of("a"),
        ..Default::default()
    };
    assert_eq!(service_code(db.delete_item(delete_a.clone()).await), conflict);
    let error = db.put_item(put_a.clone()).await.expect_err("conflicts");
    assert!(error.to_string().contains("ongoing transaction"), "{error}");

    // TransactGetItems of an owned item: cancelled.
    let read = TransactGetItemsInput {
        items: ["c", "a"]
            .iter()
            .map(|pk| TransactGetItem {
                table_name: "tx-conflict".to_owned(),
                key: key_of(pk),
                projection: None,
            })
            .collect(),
        ..Default::default()
    };
    let cancelled = db.transact_get_items(read.clone()).await.expect_err("conflicts");
    assert_eq!(codes(&cancelled), ["None", "TransactionConflict"]);

    // GetItem, Query and Scan see the items as they were; c is free.
    assert_eq!(count_of(get(&db, "tx-conflict", &[("pk", s("a"))]).await.as_ref()), 0);
    let scanned = db
        .scan(ScanInput { table_name: "tx-conflict".to_owned(), ..Default::default() })
        .await
        .expect("scan");
    assert!(scanned.items.iter().all(|item| count_of(Some(item)) == 0), "{scanned:?}");
    db.update_item(update_input(
        "tx-conflict",
        key_of("c"),
        vec![UpdateAction::Add(path("count"), n("1"))],
    ))
    .await
    .expect("c is not in the transaction");

    // A batch applies what is free and returns what the transaction owns.
    let batch = db
        .batch_write_item(BatchWriteItemInput {
            request_items: [(
                "tx-conflict".to_owned(),
                vec![
                    WriteRequest::Put { item: item(&[("pk", s("a")), ("count", n("7"))]) },
                    WriteRequest::Put { item: item(&[("pk", s("d")), ("count", n("7"))]) },
                ],
            )]
            .into(),
            ..Default::default()
        })
        .await
        .expect("batch");
    assert_eq!(
        batch.unprocessed_items.get("tx-conflict").map(Vec::as_slice),
        Some(&[WriteRequest::Put { item: item(&[("pk", s("a")), ("count", n("7"))]) }][..])
    );
    assert_eq!(count_of(get(&db, "tx-conflict", &[("pk", s("d"))]).await.as_ref()), 7);

    // Released, the first transaction commits; its items are free again.
    release.add_permits(1);
    first.await.expect("task").expect("the first transaction commits");
    assert_eq!(count_of(get(&db, "tx-conflict", &[("pk", s("a"))]).await.as_ref()), 1);
    assert_eq!(count_of(get(&db, "tx-conflict", &[("pk", s("b"))]).await.as_ref()), 1);
    assert_eq!(count_of(get(&db, "tx-conflict", &[("pk", s("c"))]).await.as_ref()), 1);
    let after = db.transact_get_items(read).await.expect("no transaction runs");
    assert_eq!(count_of(after.responses[1].as_ref()), 1);
    db.update_item(bump_b).await.expect("b is free");
    db.delete_item(delete_a).await.expect("a is free");
    db.put_item(put_a).await.expect("a is free");
}

/// A transaction cancelled by its condition releases its items at once, and one that
/// conflicts claims nothing: the item it did not conflict on stays free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_transactions_release_their_items() {
    let db = engine_with(table("tx-release", None)).await;
    put(&db, "tx-release", &[("pk", s("a")), ("count", n("5"))]).await;
    let failing = db
        .transact_write_items(TransactWriteItemsInput {
            items: vec![add_one("tx-release", "a", Some("1")), add_one("tx-release", "b", None)],
            ..Default::default()
        })
        .await
        .expect_err("condition fails");
    assert_eq!(codes(&failing), ["ConditionalCheckFailed", "None"]);
    db.put_item(PutItemInput {
        table_name: "tx-release".to_owned(),
        item: key_of("b"),
        ..Default::default()
    })
    .await
    .expect("b was released");

    let (mut prepared, release) = hold_transactions(&db);
    let holder = {
        let db = db.clone();
        tokio::spawn(async move {
            db.transact_write_items(TransactWriteItemsInput {
                items: vec![add_one("tx-release", "a", None)],
                ..Default::default()
            })
            .await
        })
    };
    prepared.recv().await.expect("prepared");
    db.clear_transaction_hook();
    let conflicting = db
        .transact_write_items(TransactWriteItemsInput {
            items: vec![add_one("tx-release", "b", None), add_one("tx-release", "a", None)],
            ..Default::default()
        })
        .await
        .expect_err("conflicts on a");
    assert_eq!(codes(&conflicting), ["None", "TransactionConflict"]);
    // b was never claimed by the cancelled transaction.
    db.transact_write_items(TransactWriteItemsInput {
        items: vec![add_one("tx-release", "b", None)],
        ..Default::default()
    })
    .await
    .expect("b is free");
    release.add_permits(1);
    holder.await.expect("task").expect("commits");
    assert_eq!(count_of(get(&db, "tx-release", &[("pk", s("a"))]).await.as_ref()), 6);
    assert_eq!(count_of(get(&db, "tx-release", &[("pk", s("b"))]).await.as_ref()), 1);
}

/// One transfer: `amount` from `from` to `to`, logged in both items' `log` sets.
fn transfer(id: &str, from: &str, to: &str, amount: i64) -> Vec<TransactWriteItem> {
    let step = |pk: &str, delta: i64| TransactWriteItem::Update {
        table_name: "bank".to_owned(),
        key: key_of(pk),
        updates: vec![
            UpdateAction::Add(path("balance"), n(&delta.to_string())),
            UpdateAction::Add(path("log"), AttributeValue::Ss(vec![id.to_owned()])),
        ],
        condition: None,
        return_old_on_condition_failure: false,
    };
    vec![step(from, -amount), step(to, amount)]
}

fn balance(item: &Item) -> i64 {
    match item.get("balance") {
        Some(AttributeValue::N(number)) => number.to_string().parse().expect("an integer"),
        other => panic!("unexpected balance {other:?}"),
    }
}

fn log(item: &Item) -> std::collections::BTreeSet<String> {
    match item.get("log") {
        Some(AttributeValue::Ss(ids)) => ids.iter().cloned().collect(),
        None => std::collections::BTreeSet::new(),
        other => panic!("unexpected log {other:?}"),
    }
}

const ACCOUNTS: [&str; 4] = ["w", "x", "y", "z"];
const START: i64 = 1_000;

/// Many tasks on a multi-threaded runtime run conflicting transfers between four
/// accounts while readers watch. Every transfer either commits or is cancelled with
/// `TransactionConflict` only; each account ends at its start plus exactly the committed
/// transfers (so the sum is conserved); no cancelled transfer left a trace; no
/// `TransactGetItems` saw a sum other than the start; and a `GetItem` of one account
/// after another never saw a transfer in the first that the second lacked (half a
/// transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conflicting_transfers_conserve_the_sum_and_are_never_seen_half_done() {
    use std::collections::{BTreeMap, BTreeSet};

    let db = engine_with(table("bank", None)).await;
    for pk in ACCOUNTS {
        put(&db, "bank", &[("pk", s(pk)), ("balance", n(&START.to_string()))]).await;
    }
    // Widen the window between prepare and commit so that conflicts happen for sure.
    db.on_transaction_prepared(|| async {
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
    });
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));

    let snapshot_reader = {
        let (db, done) = (db.clone(), Arc::clone(&done));
        tokio::spawn(async move {
            let (mut reads, mut conflicts) = (0u32, 0u32);
            let input = TransactGetItemsInput {
                items: ACCOUNTS
                    .iter()
                    .map(|pk| TransactGetItem {
                        table_name: "bank".to_owned(),
                        key: key_of(pk),
                        projection: None,
                    })
                    .collect(),
                ..Default::default()
            };
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                match db.transact_get_items(input.clone()).await {
                    Ok(output) => {
                        let items: Vec<Item> = output
                            .responses
                            .into_iter()
                            .map(|item| item.expect("exists"))
                            .collect();
                        let sum: i64 = items.iter().map(balance).sum();
                        assert_eq!(sum, START * 4, "a snapshot saw half a transfer: {items:?}");
                        reads += 1;
                    }
                    Err(error) if only_conflicts(&error) => conflicts += 1,
                    Err(other) => panic!("unexpected error {other:?}"),
                }
                tokio::task::yield_now().await;
            }
            (reads, conflicts)
        })
    };
    // Reads one account, then another: every transfer of the first that involves the
    // second must already be in the second (the two were written at once).
    let item_reader = {
        let (db, done) = (db.clone(), Arc::clone(&done));
        tokio::spawn(async move {
            let mut observations = Vec::new();
            let mut round = 0usize;
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                let first = ACCOUNTS[round % 4];
                let second = ACCOUNTS[(round / 4 + round + 1) % 4];
                round += 1;
                if first == second {
                    continue;
                }
                let read = |pk: &'static str| {
                    let db = db.clone();
                    async move {
                        db.get_item(GetItemInput {
                            table_name: "bank".to_owned(),
                            key: key_of(pk),
                            consistent_read: true,
                            ..Default::default()
                        })
                        .await
                        .expect("get")
                        .item
                        .expect("exists")
                    }
                };
                let a = read(first).await;
                let b = read(second).await;
                observations.push(((first, a), (second, b)));
                tokio::task::yield_now().await;
            }
            observations
        })
    };

    let mut writers = Vec::new();
    for task in 0..12u64 {
        let db = db.clone();
        writers.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            let mut state = task.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            for i in 0..40 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let from_at = usize::try_from(state % 4).expect("small");
                let step = usize::try_from((state / 4) % 3).expect("small") + 1;
                let (from, to) = (ACCOUNTS[from_at], ACCOUNTS[(from_at + step) % 4]);
                let amount = i64::try_from(state % 50).expect("small") + 1;
                let id = format!("t{task}-{i}");
                let result = db
                    .transact_write_items(TransactWriteItemsInput {
                        items: transfer(&id, from, to, amount),
                        ..Default::default()
                    })
                    .await;
                let committed = match result {
                    Ok(_) => true,
                    Err(error) if only_conflicts(&error) => false,
                    Err(other) => panic!("unexpected error {other:?}"),
                };
                outcomes.push((id, from, to, amount, committed));
                tokio::task::yield_now().await;
            }
            outcomes
        }));
    }
    let mut outcomes = Vec::new();
    for writer in writers {
        outcomes.extend(writer.await.expect("writer"));
    }
    done.store(true, std::sync::atomic::Ordering::Release);
    let (snapshots, snapshot_conflicts) = snapshot_reader.await.expect("reader");
    let observations = item_reader.await.expect("reader");
    db.clear_transaction_hook();

    let committed: BTreeMap<&str, (&str, &str, i64)> = outcomes
        .iter()
        .filter(|outcome| outcome.4)
        .map(|(id, from, to, amount, _)| (id.as_str(), (*from, *to, *amount)))
        .collect();
    let conflicts = outcomes.len() - committed.len();
    assert!(
        !committed.is_empty() && conflicts > 0,
        "{} committed, {conflicts} conflicts",
        committed.len()
    );

    // Each account: its start plus exactly the committed transfers, logged exactly.
    let mut total = 0;
    for pk in ACCOUNTS {
        let stored = get(&db, "bank", &[("pk", s(pk))]).await.expect("exists");
        let expected: BTreeSet<String> = committed
            .iter()
            .filter(|(_, (from, to, _))| *from == pk || *to == pk)
            .map(|(id, _)| (*id).to_owned())
            .collect();
        assert_eq!(log(&stored), expected, "account {pk}");
        let moved: i64 = committed
            .values()
            .map(|(from, to, amount)| {
                if *from == pk {
                    -amount
                } else if *to == pk {
                    *amount
                } else {
                    0
                }
            })
            .sum();
        assert_eq!(balance(&stored), START + moved, "account {pk}");
        total += balance(&stored);
    }
    assert_eq!(total, START * 4);

    // Every GetItem saw whole transfers only.
    assert!(!observations.is_empty());
    for ((first, a), (second, b)) in &observations {
        let seen_in_b = log(b);
        for id in log(a) {
            let (from, to, _) =
                committed.get(id.as_str()).expect("only committed transfers are seen");
            if from == second || to == second {
                assert!(seen_in_b.contains(&id), "{first} showed {id} before {second} did");
            }
        }
        for item in [a, b] {
            let moved: i64 = log(item)
                .iter()
                .map(|id| {
                    let (from, to, amount) = committed[id.as_str()];
                    let pk = match item.get("pk") {
                        Some(AttributeValue::S(pk)) => pk.as_str(),
                        _ => "",
                    };
                    if from == pk {
                        -amount
                    } else if to == pk {
                        amount
                    } else {
                        0
                    }
                })
                .sum();
            assert_eq!(balance(item), START + moved, "{item:?}");
        }
    }
    assert!(snapshots + snapshot_conflicts > 0);
}

/// Two actions on one item are refused before any condition is evaluated, as DynamoDB
/// documents it, even when a condition would fail (DynamoDB Local answers a cancellation
/// then: docs/known-differences.md, "Two actions on one item"; found by the differential
/// test, seed 42).
#[tokio::test]
async fn two_actions_on_one_item_are_refused_before_conditions() {
    let db = engine_with(table("tx-twice", None)).await;
    let message = validation(
        db.transact_write_items(TransactWriteItemsInput {
            items: vec![
                TransactWriteItem::Delete {
                    table_name: "tx-twice".to_owned(),
                    key: key_of("a"),
                    condition: None,
                    return_old_on_condition_failure: false,
                },
                TransactWriteItem::ConditionCheck {
                    table_name: "tx-twice".to_owned(),
                    key: key_of("a"),
                    condition: Condition::AttributeExists(path("pk")),
                    return_old_on_condition_failure: false,
                },
            ],
            ..Default::default()
        })
        .await,
    );
    assert_eq!(message, "Transaction request cannot include multiple operations on one item");
}

/// A transaction's `Update` without actions is a `ValidationException` (`UpdateExpression`
/// is required there, unlike in `UpdateItem`); found by the differential test (seed 7).
#[tokio::test]
async fn a_transaction_update_needs_actions() {
    let db = engine_with(table("tx-empty-update", None)).await;
    let message = validation(
        db.transact_write_items(TransactWriteItemsInput {
            items: vec![TransactWriteItem::Update {
                table_name: "tx-empty-update".to_owned(),
                key: key_of("a"),
                updates: Vec::new(),
                condition: None,
                return_old_on_condition_failure: false,
            }],
            ..Default::default()
        })
        .await,
    );
    assert!(message.ends_with("Member must not be null"), "{message}");
    assert_eq!(get(&db, "tx-empty-update", &[("pk", s("a"))]).await, None);
}

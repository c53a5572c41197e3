//! DynamoDB's error texts where DynamoDB Local words them differently (the engine answers
//! DynamoDB's; each text's source is in docs/error-texts.md).

use std::collections::HashMap;

use singletable_core::backend::{
    AttributeDefinition, Backend, BatchGetItemInput, BatchWriteItemInput, CreateTableInput,
    GetItemInput, KeySchemaElement, KeyType, KeysAndAttributes, PutItemInput, QueryInput,
    ScanInput, TransactGetItem, TransactGetItemsInput, UpdateTableInput, WriteRequest,
};
use singletable_core::schema::{BillingMode, ScalarType};
use singletable_core::{AttributeValue, Error, Item};
use singletable_engine::MemoryBackend;

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn key(pk: &str) -> Item {
    [("pk".to_owned(), s(pk))].into()
}

fn table(name: &str) -> CreateTableInput {
    CreateTableInput {
        table_name: name.to_owned(),
        attribute_definitions: vec![AttributeDefinition {
            name: "pk".to_owned(),
            ty: ScalarType::S,
        }],
        key_schema: vec![KeySchemaElement {
            attribute_name: "pk".to_owned(),
            key_type: KeyType::Hash,
        }],
        global_secondary_indexes: Vec::new(),
        local_secondary_indexes: Vec::new(),
        billing_mode: BillingMode::PayPerRequest,
        stream: None,
    }
}

async fn engine() -> MemoryBackend {
    let db = MemoryBackend::new();
    db.create_table(table("Tab")).await.expect("table created");
    db
}

fn validation<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Validation { message, .. }) => message,
        other => panic!("expected a ValidationException, got {other:?}"),
    }
}

fn not_found<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::ResourceNotFound { message, .. }) => message,
        other => panic!("expected a ResourceNotFoundException, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_table_is_worded_per_operation() {
    let db = engine().await;
    let missing = || "Nope".to_owned();
    let item_ops = [
        not_found(
            db.get_item(GetItemInput {
                table_name: missing(),
                key: key("a"),
                ..Default::default()
            })
            .await,
        ),
        not_found(
            db.put_item(PutItemInput {
                table_name: missing(),
                item: key("a"),
                ..Default::default()
            })
            .await,
        ),
        not_found(db.scan(ScanInput { table_name: missing(), ..Default::default() }).await),
        not_found(
            db.batch_write_item(BatchWriteItemInput {
                request_items: [(missing(), vec![WriteRequest::Put { item: key("a") }])].into(),
                ..Default::default()
            })
            .await,
        ),
        not_found(
            db.transact_get_items(TransactGetItemsInput {
                items: vec![TransactGetItem {
                    table_name: missing(),
                    key: key("a"),
                    projection: None,
                }],
                ..Default::default()
            })
            .await,
        ),
    ];
    for message in item_ops {
        assert_eq!(message, "Requested resource not found");
    }
    for message in [
        not_found(db.describe_table(missing()).await),
        not_found(db.delete_table(missing()).await),
        not_found(db.describe_time_to_live(missing()).await),
        not_found(
            db.update_table(UpdateTableInput {
                table_name: missing(),
                billing_mode: Some(BillingMode::PayPerRequest),
                ..Default::default()
            })
            .await,
        ),
    ] {
        assert_eq!(message, "Requested resource not found: Table: Nope not found");
    }
}

#[tokio::test]
async fn parameter_constraints_are_reported_as_request_validation() {
    let db = engine().await;
    assert_eq!(
        validation(db.scan(ScanInput { table_name: "ab".to_owned(), ..Default::default() }).await),
        "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"
    );
    assert_eq!(
        validation(db.query(QueryInput { table_name: "Tab".to_owned(), limit: Some(0), ..Default::default() }).await),
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    // Several at once, in one message.
    assert_eq!(
        validation(db.scan(ScanInput { table_name: "a!".to_owned(), limit: Some(0), ..Default::default() }).await),
        "3 validation errors detected: Value 'a!' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value 'a!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    // The constraints come before the Segment rule.
    assert_eq!(
        validation(db.scan(ScanInput { table_name: "Tab".to_owned(), segment: Some((5, 5)), ..Default::default() }).await),
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 5 is not less than TotalSegments: 5"
    );
    assert!(validation(
        db.scan(ScanInput {
            table_name: "Tab".to_owned(),
            segment: Some((5, 5)),
            limit: Some(0),
            ..Default::default()
        })
        .await
    )
    .contains("at 'limit'"));
}

#[tokio::test]
async fn batches_use_dynamodb_texts() {
    let db = engine().await;
    assert_eq!(
        validation(db.batch_write_item(BatchWriteItemInput::default()).await),
        "The requestItems parameter is required for BatchWriteItem"
    );
    assert_eq!(
        validation(db.batch_get_item(BatchGetItemInput::default()).await),
        "The requestItems parameter is required for BatchGetItem"
    );
    let writes: Vec<WriteRequest> =
        (0..26).map(|i| WriteRequest::Put { item: key(&i.to_string()) }).collect();
    let message = validation(
        db.batch_write_item(BatchWriteItemInput {
            request_items: [("Tab".to_owned(), writes)].into(),
            ..Default::default()
        })
        .await,
    );
    assert!(message.starts_with("1 validation error detected: Value '{Tab=[WriteRequest(PutRequest=PutRequest(Item={pk=AttributeValue(S=0)}))"), "{message}");
    assert!(message.ends_with("]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"), "{message}");
    // Over 25 only in total: DynamoDB's own text.
    let split: HashMap<String, Vec<WriteRequest>> = [
        (
            "Tab".to_owned(),
            (0..13).map(|i| WriteRequest::Put { item: key(&i.to_string()) }).collect(),
        ),
        (
            "Other".to_owned(),
            (0..13).map(|i| WriteRequest::Put { item: key(&i.to_string()) }).collect(),
        ),
    ]
    .into();
    assert_eq!(
        validation(
            db.batch_write_item(BatchWriteItemInput { request_items: split, ..Default::default() })
                .await
        ),
        "Too many items requested for the BatchWriteItem call"
    );
    let keys: Vec<Item> = (0..101).map(|i| key(&i.to_string())).collect();
    assert_eq!(
        validation(
            db.batch_get_item(BatchGetItemInput {
                request_items: [("Tab".to_owned(), KeysAndAttributes { keys, ..Default::default() })].into(),
                ..Default::default()
            })
            .await
        ),
        "1 validation error detected: Value at 'RequestItems.Tab.member.Keys' failed to satisfy constraint: Member must have length less than or equal to 100"
    );
}

#[tokio::test]
async fn sets_use_dynamodb_texts() {
    let db = engine().await;
    let put = |value: AttributeValue| PutItemInput {
        table_name: "Tab".to_owned(),
        item: [("pk".to_owned(), s("a")), ("set".to_owned(), value)].into(),
        ..Default::default()
    };
    assert_eq!(
        validation(db.put_item(put(AttributeValue::Bs(Vec::new()))).await),
        "One or more parameter values were invalid: Binary sets should not be empty"
    );
    assert_eq!(
        validation(
            db.put_item(put(AttributeValue::Ss(vec!["a".to_owned(), "a".to_owned()]))).await
        ),
        "One or more parameter values were invalid: Input collection [a, a] contains duplicates."
    );
}

#[tokio::test]
async fn table_definitions_use_dynamodb_texts() {
    let db = engine().await;
    let mut twice = table("Twice");
    twice
        .key_schema
        .push(KeySchemaElement { attribute_name: "pk".to_owned(), key_type: KeyType::Range });
    assert_eq!(
        validation(db.create_table(twice).await),
        "Invalid KeySchema: Some index key attribute have no definition"
    );
    assert_eq!(
        validation(db.update_table(UpdateTableInput { table_name: "Tab".to_owned(), ..Default::default() }).await),
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required"
    );
    // Validation comes before the table is looked up.
    assert!(validation(
        db.update_table(UpdateTableInput { table_name: "Nope".to_owned(), ..Default::default() })
            .await
    )
    .starts_with("At least one of"));
}

#[tokio::test]
async fn a_malformed_transact_get_key_cancels_with_a_validation_error() {
    let db = engine().await;
    let get = |key: Item| TransactGetItem { table_name: "Tab".to_owned(), key, projection: None };
    let result = db
        .transact_get_items(TransactGetItemsInput {
            items: vec![get(key("a")), get(Item::new()), get([("x".to_owned(), s("b"))].into())],
            ..Default::default()
        })
        .await;
    match result {
        Err(Error::TransactionCanceled { reasons, .. }) => {
            let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
            assert_eq!(codes, ["None", "ValidationError", "ValidationError"]);
            assert_eq!(
                reasons[1].message.as_deref(),
                Some("The provided key element does not match the schema")
            );
        }
        other => panic!("expected a cancellation, got {other:?}"),
    }
}

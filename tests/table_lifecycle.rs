//! Table lifecycle on the typed client: `create_table` waits until the table is ACTIVE and
//! enables the model's TTL attribute; `describe_table` and `delete_table`. Everything but
//! the DynamoDB Local check (feature `aws`) runs with `--no-default-features`.

use std::sync::Arc;

use singletable::backend::counting::CountingBackend;
use singletable::backend::{TableStatus, TimeToLiveStatus};
use singletable::prelude::*;

#[derive(Table)]
#[table(name = "Sessions", pk = "PK", ttl = "expires_at")]
struct Sessions;

#[derive(Table)]
#[table(name = "Plain", pk = "PK")]
struct Plain;

#[tokio::test]
async fn create_table_is_active_and_applies_ttl() {
    let counting = CountingBackend::new(MemoryBackend::new());
    let db = TableClient::<Sessions>::from_shared(Arc::new(counting.clone()));
    let description = db.create_table().await.unwrap();
    assert_eq!(description.table_status, TableStatus::Active);
    assert_eq!(counting.counts().update_time_to_live, 1);
    let ttl = db.describe_time_to_live().await.unwrap();
    assert!(matches!(ttl.status, TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling));
    assert_eq!(ttl.attribute_name.as_deref(), Some("expires_at"));
    assert_eq!(db.describe_table().await.unwrap().table_name, "Sessions");
    db.delete_table().await.unwrap();
    assert!(db.describe_table().await.is_err());
}

#[tokio::test]
async fn a_table_without_ttl_sends_no_ttl_request() {
    let counting = CountingBackend::new(MemoryBackend::new());
    let db = TableClient::<Plain>::from_shared(Arc::new(counting.clone()));
    db.create_table().await.unwrap();
    assert_eq!(counting.counts().update_time_to_live, 0);
    assert_eq!(counting.counts().create_table, 1);
    let ttl = db.describe_time_to_live().await.unwrap();
    assert_eq!(ttl.status, TimeToLiveStatus::Disabled);
}

/// A model with every part `CreateTable` carries: a sort key, a GSI with a
/// multi-attribute key, a keys-only GSI, an LSI with an INCLUDE projection, a stream and
/// a TTL attribute.
#[derive(Table)]
#[table(
    name = "Exported",
    pk = "PK",
    sk = "SK",
    gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
    gsi(name = "ByTenant", pk = ["tenant_id", "region"], sk = ["score:N"], projection = keys_only),
    lsi(name = "LSI1", sk = "LSI1SK", projection = include("name")),
    ttl = "expires_at",
    stream = "new_and_old_images"
)]
struct Exported;

#[test]
fn the_create_table_json_is_the_model() {
    let db = TableClient::<Exported>::new(MemoryBackend::new());
    let json = db.create_table_json();
    assert_eq!(json, singletable::json::schema_create_table_json(&Exported::SCHEMA));
    assert_eq!(json["TableName"], "Exported");
    assert_eq!(json["KeySchema"][0]["AttributeName"], "PK");
    assert_eq!(json["KeySchema"][1]["KeyType"], "RANGE");
    assert_eq!(json["GlobalSecondaryIndexes"][1]["KeySchema"][1]["AttributeName"], "region");
    assert_eq!(json["GlobalSecondaryIndexes"][1]["Projection"]["ProjectionType"], "KEYS_ONLY");
    assert_eq!(json["LocalSecondaryIndexes"][0]["Projection"]["NonKeyAttributes"][0], "name");
    assert_eq!(json["StreamSpecification"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
    assert!(json.get("TimeToLiveSpecification").is_none(), "TTL is another request");
    let ttl = singletable::json::schema_time_to_live_json(&Exported::SCHEMA).expect("a TTL");
    assert_eq!(ttl["TimeToLiveSpecification"]["AttributeName"], "expires_at");
    assert_eq!(ttl["TimeToLiveSpecification"]["Enabled"], true);
    assert!(singletable::json::schema_time_to_live_json(&Plain::SCHEMA).is_none());
}

/// The exported documents are requests DynamoDB Local accepts as they are (POSTed to its
/// HTTP endpoint as `CreateTable` and `UpdateTimeToLive`), and `DescribeTable` then shows
/// the model's keys, attribute types, indexes, billing and stream. Reads back through
/// `AwsBackend`, so it needs the `aws` feature; the tests above run on the embedded
/// engine with `--no-default-features`.
#[cfg(feature = "aws")]
#[test]
fn dynamodb_local_accepts_the_exported_create_table_json() {
    let Some(local) = singletable_testkit::DynamoDbLocal::start_or_skip() else { return };
    let create = TableClient::<Exported>::new(MemoryBackend::new()).create_table_json();
    let (status, body) = local.raw_request("CreateTable", &create.to_string()).expect("request");
    assert_eq!(status, 200, "CreateTable refused: {body}");
    let ttl = singletable::json::schema_time_to_live_json(&Exported::SCHEMA).expect("a TTL");
    let (status, body) = local.raw_request("UpdateTimeToLive", &ttl.to_string()).expect("request");
    assert_eq!(status, 200, "UpdateTimeToLive refused: {body}");

    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        // DynamoDB Local keeps tables per access key and region: the raw requests signed
        // as `test` in us-east-1, so the SDK client does too.
        let config =
            singletable::backend::aws::local_config(local.endpoint(), "us-east-1", "test").build();
        let backend = AwsBackend::from_client(aws_sdk_dynamodb::Client::from_conf(config));
        let db = TableClient::<Exported>::new(backend);
        let described = db.describe_table().await.expect("described");
        let model = singletable::client::create_table_input(&Exported::SCHEMA);
        assert_eq!(described.table_name, "Exported");
        assert_eq!(described.key_schema, model.key_schema);
        let sorted = |mut definitions: Vec<singletable::backend::AttributeDefinition>| {
            definitions.sort_by(|a, b| a.name.cmp(&b.name));
            definitions
        };
        assert_eq!(sorted(described.attribute_definitions), sorted(model.attribute_definitions));
        let shape = |indexes: Vec<singletable::backend::SecondaryIndex>| {
            let mut shape: Vec<_> = indexes
                .into_iter()
                .map(|index| (index.index_name, index.key_schema, index.projection))
                .collect();
            shape.sort_by(|a, b| a.0.cmp(&b.0));
            shape
        };
        assert_eq!(
            shape(described.global_secondary_indexes),
            shape(model.global_secondary_indexes)
        );
        assert_eq!(shape(described.local_secondary_indexes), shape(model.local_secondary_indexes));
        assert_eq!(described.billing_mode, model.billing_mode);
        assert_eq!(described.stream, model.stream);
        let ttl = db.describe_time_to_live().await.expect("ttl");
        assert_eq!(ttl.attribute_name.as_deref(), Some("expires_at"));
        assert!(matches!(ttl.status, TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling));
    });
}

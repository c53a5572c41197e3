//! Table shapes in DynamoDB JSON: `CreateTable` requests and `TableDescription`s, with
//! their `AttributeDefinitions`, `KeySchema` and `Projection` parts. The typed client's
//! infrastructure helpers, `singletable export` and `singletable serve` all write them here.

use serde_json::{json, Map, Value};

use crate::backend::{
    AttributeDefinition, CreateTableInput, KeySchemaElement, KeyType, ProjectionSpec,
    RestoreSummary, SecondaryIndex, TableDescription, TableStatus,
};
use crate::schema::{BillingMode, TableSchema};

/// An `AttributeDefinitions` array: `[{"AttributeName": .., "AttributeType": "S"}, ..]`.
pub fn attribute_definitions_to_json(definitions: &[AttributeDefinition]) -> Value {
    Value::Array(
        definitions
            .iter()
            .map(|d| json!({"AttributeName": d.name, "AttributeType": d.ty.as_str()}))
            .collect(),
    )
}

/// An index's `Projection`: `{"ProjectionType": "INCLUDE", "NonKeyAttributes": [..]}`.
pub fn projection_to_json(projection: &ProjectionSpec) -> Value {
    match projection {
        ProjectionSpec::All => json!({"ProjectionType": "ALL"}),
        ProjectionSpec::KeysOnly => json!({"ProjectionType": "KEYS_ONLY"}),
        ProjectionSpec::Include(names) => {
            json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": names})
        }
    }
}

/// A `CreateTable` request as DynamoDB's JSON API takes it (the shape
/// `aws dynamodb create-table --cli-input-json` reads): `TableName`, `AttributeDefinitions`,
/// `KeySchema`, `GlobalSecondaryIndexes`, `LocalSecondaryIndexes`, `BillingMode`,
/// `ProvisionedThroughput` and `StreamSpecification`, each present only when it applies.
///
/// TTL is not part of `CreateTable` (DynamoDB sets it with `UpdateTimeToLive` once the
/// table is active), so it is not in this document.
pub fn create_table_to_json(input: &CreateTableInput) -> Value {
    let mut object = Map::new();
    object.insert("TableName".to_owned(), Value::String(input.table_name.clone()));
    object.insert(
        "AttributeDefinitions".to_owned(),
        attribute_definitions_to_json(&input.attribute_definitions),
    );
    object.insert("KeySchema".to_owned(), key_schema_to_json(&input.key_schema));
    let provisioned =
        |read: u64, write: u64| json!({"ReadCapacityUnits": read, "WriteCapacityUnits": write});
    let index = |index: &SecondaryIndex, global: bool| {
        let mut object = Map::new();
        object.insert("IndexName".to_owned(), Value::String(index.index_name.clone()));
        object.insert("KeySchema".to_owned(), key_schema_to_json(&index.key_schema));
        object.insert("Projection".to_owned(), projection_to_json(&index.projection));
        if global {
            if let (Some((read, write)), BillingMode::Provisioned { .. }) =
                (index.provisioned_throughput, input.billing_mode)
            {
                object.insert("ProvisionedThroughput".to_owned(), provisioned(read, write));
            }
        }
        Value::Object(object)
    };
    if !input.global_secondary_indexes.is_empty() {
        let gsis = input.global_secondary_indexes.iter().map(|i| index(i, true)).collect();
        object.insert("GlobalSecondaryIndexes".to_owned(), Value::Array(gsis));
    }
    if !input.local_secondary_indexes.is_empty() {
        let lsis = input.local_secondary_indexes.iter().map(|i| index(i, false)).collect();
        object.insert("LocalSecondaryIndexes".to_owned(), Value::Array(lsis));
    }
    match input.billing_mode {
        BillingMode::PayPerRequest => {
            object.insert("BillingMode".to_owned(), Value::String("PAY_PER_REQUEST".to_owned()));
        }
        BillingMode::Provisioned { read, write } => {
            object.insert("BillingMode".to_owned(), Value::String("PROVISIONED".to_owned()));
            object.insert("ProvisionedThroughput".to_owned(), provisioned(read, write));
        }
    }
    if let Some(view) = input.stream {
        object.insert(
            "StreamSpecification".to_owned(),
            json!({"StreamEnabled": true, "StreamViewType": view.as_str()}),
        );
    }
    Value::Object(object)
}

/// A `KeySchema` array: `[{"AttributeName": .., "KeyType": "HASH"}, ..]`.
pub fn key_schema_to_json(elements: &[KeySchemaElement]) -> Value {
    Value::Array(
        elements
            .iter()
            .map(|e| {
                let key_type = match e.key_type {
                    KeyType::Hash => "HASH",
                    KeyType::Range => "RANGE",
                };
                json!({"AttributeName": e.attribute_name, "KeyType": key_type})
            })
            .collect(),
    )
}

/// The `CreateTable` request of a table of the model, in DynamoDB JSON: what
/// `TableClient::create_table` (crate `singletable-runtime`) sends, for
/// infrastructure code (`aws dynamodb create-table --cli-input-json`, CloudFormation's
/// `AWS::DynamoDB::Table` properties, Terraform). The model's TTL setting is a separate
/// request: [`schema_time_to_live_json`].
///
/// ```
/// use singletable_core::json::schema_create_table_json;
/// use singletable_core::schema::{
///     BillingMode, IndexKind, IndexSchema, KeyAttribute, Projection, ScalarType, TableSchema,
/// };
///
/// static SCHEMA: TableSchema = TableSchema {
///     name: "App",
///     partition_key: KeyAttribute { name: "PK", ty: ScalarType::S },
///     sort_key: Some(KeyAttribute { name: "SK", ty: ScalarType::S }),
///     indexes: &[IndexSchema {
///         name: "GSI1",
///         kind: IndexKind::Global,
///         partition_key: &[KeyAttribute { name: "GSI1PK", ty: ScalarType::S }],
///         sort_key: &[],
///         projection: Projection::All,
///         throughput: None,
///     }],
///     ttl_attribute: None,
///     stream: None,
///     billing: BillingMode::PayPerRequest,
///     entity_type_attribute: "_type",
/// };
/// let json = schema_create_table_json(&SCHEMA);
/// assert_eq!(json["TableName"], "App");
/// assert_eq!(json["KeySchema"][1]["KeyType"], "RANGE");
/// assert_eq!(json["GlobalSecondaryIndexes"][0]["IndexName"], "GSI1");
/// assert_eq!(json["BillingMode"], "PAY_PER_REQUEST");
/// ```
pub fn schema_create_table_json(schema: &TableSchema) -> Value {
    create_table_to_json(&crate::backend::create_table_input(schema))
}

/// The `UpdateTimeToLive` request that enables the model's TTL attribute
/// (`{"TableName": .., "TimeToLiveSpecification": {"AttributeName": .., "Enabled": true}}`),
/// or `None` when the model has no TTL attribute. DynamoDB accepts it once the table is
/// `ACTIVE`.
pub fn schema_time_to_live_json(schema: &TableSchema) -> Option<Value> {
    schema.ttl_attribute.map(|attribute| {
        json!({
            "TableName": schema.name,
            "TimeToLiveSpecification": {"AttributeName": attribute, "Enabled": true}
        })
    })
}

/// A `TableDescription` as DynamoDB writes it (`DescribeTable`'s `Table`, and the
/// `TableDescription` of `CreateTable`, `DeleteTable` and `UpdateTable`), with the
/// stream's `LatestStreamLabel` when the table has a stream and the label is known.
pub fn table_description_to_json(
    description: &TableDescription,
    stream_label: Option<&str>,
) -> Value {
    let status = match description.table_status {
        TableStatus::Creating => "CREATING",
        TableStatus::Active => "ACTIVE",
        TableStatus::Deleting => "DELETING",
        TableStatus::Updating => "UPDATING",
    };
    let mut object = Map::new();
    object.insert("TableName".to_owned(), json!(description.table_name));
    object.insert("TableStatus".to_owned(), json!(status));
    object.insert(
        "AttributeDefinitions".to_owned(),
        attribute_definitions_to_json(&description.attribute_definitions),
    );
    object.insert("KeySchema".to_owned(), key_schema_to_json(&description.key_schema));
    let stats = |name: &str| {
        description
            .index_statistics
            .iter()
            .find(|s| s.index_name == name)
            .cloned()
            .unwrap_or_default()
    };
    let index_json = |index: &SecondaryIndex, global: bool| {
        let statistics = stats(&index.index_name);
        let mut object = Map::new();
        object.insert("IndexName".to_owned(), json!(index.index_name));
        object.insert("KeySchema".to_owned(), key_schema_to_json(&index.key_schema));
        object.insert("Projection".to_owned(), projection_to_json(&index.projection));
        if global {
            object.insert("IndexStatus".to_owned(), json!("ACTIVE"));
            let (read, write) = index.provisioned_throughput.unwrap_or((0, 0));
            object.insert("ProvisionedThroughput".to_owned(), throughput_json(read, write));
        }
        object.insert("IndexSizeBytes".to_owned(), json!(statistics.index_size_bytes));
        object.insert("ItemCount".to_owned(), json!(statistics.item_count));
        object.insert(
            "IndexArn".to_owned(),
            json!(format!("{}/index/{}", description.table_arn, index.index_name)),
        );
        Value::Object(object)
    };
    if !description.global_secondary_indexes.is_empty() {
        let gsis =
            description.global_secondary_indexes.iter().map(|i| index_json(i, true)).collect();
        object.insert("GlobalSecondaryIndexes".to_owned(), Value::Array(gsis));
    }
    if !description.local_secondary_indexes.is_empty() {
        let lsis =
            description.local_secondary_indexes.iter().map(|i| index_json(i, false)).collect();
        object.insert("LocalSecondaryIndexes".to_owned(), Value::Array(lsis));
    }
    match description.billing_mode {
        BillingMode::PayPerRequest => {
            object.insert(
                "BillingModeSummary".to_owned(),
                json!({"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": description.creation_date_time}),
            );
            object.insert("ProvisionedThroughput".to_owned(), throughput_json(0, 0));
        }
        BillingMode::Provisioned { read, write } => {
            object.insert("BillingModeSummary".to_owned(), json!({"BillingMode": "PROVISIONED"}));
            object.insert("ProvisionedThroughput".to_owned(), throughput_json(read, write));
        }
    }
    if let Some(view) = description.stream {
        object.insert(
            "StreamSpecification".to_owned(),
            json!({"StreamEnabled": true, "StreamViewType": view.as_str()}),
        );
        if let Some(label) = stream_label {
            object.insert("LatestStreamLabel".to_owned(), json!(label));
            object.insert(
                "LatestStreamArn".to_owned(),
                json!(format!("{}/stream/{label}", description.table_arn)),
            );
        }
    }
    object.insert("ItemCount".to_owned(), json!(description.item_count));
    object.insert("TableSizeBytes".to_owned(), json!(description.table_size_bytes));
    object.insert("TableArn".to_owned(), json!(description.table_arn));
    object.insert("CreationDateTime".to_owned(), json!(description.creation_date_time));
    object.insert("DeletionProtectionEnabled".to_owned(), json!(false));
    if let Some(summary) = &description.restore_summary {
        object.insert("RestoreSummary".to_owned(), restore_summary_json(summary));
    }
    Value::Object(object)
}

/// `RestoreSummary` of a restored table's description.
pub fn restore_summary_json(summary: &RestoreSummary) -> Value {
    let mut object = serde_json::Map::new();
    if let Some(arn) = &summary.source_backup_arn {
        object.insert("SourceBackupArn".to_owned(), json!(arn));
    }
    object.insert("SourceTableArn".to_owned(), json!(summary.source_table_arn));
    object.insert("RestoreDateTime".to_owned(), json!(summary.restore_date_time));
    object.insert("RestoreInProgress".to_owned(), json!(summary.restore_in_progress));
    Value::Object(object)
}

/// `ProvisionedThroughput` of a description: DynamoDB adds `NumberOfDecreasesToday`.
fn throughput_json(read: u64, write: u64) -> Value {
    json!({"ReadCapacityUnits": read, "WriteCapacityUnits": write, "NumberOfDecreasesToday": 0})
}

//! `CreateTable`, `DeleteTable`, `DescribeTable`, `ListTables` and `UpdateTable`: table
//! descriptions in DynamoDB's JSON.

use serde_json::{json, Map, Value};
use singletable_core::backend::{
    KeySchemaElement, KeyType, ListTablesOutput, ProjectionSpec, SecondaryIndex, TableDescription,
    TableStatus,
};
use singletable_core::schema::BillingMode;

/// The response of `CreateTable`, `DeleteTable` and `UpdateTable`.
pub fn table_description(description: &TableDescription, extras: &DescriptionExtras) -> Value {
    json!({"TableDescription": description_json(description, extras)})
}

/// The response of `DescribeTable`.
pub fn describe_table(description: &TableDescription, extras: &DescriptionExtras) -> Value {
    json!({"Table": description_json(description, extras)})
}

/// The response of `ListTables`.
pub fn list_tables(listed: ListTablesOutput) -> Value {
    let mut object = Map::new();
    object.insert("TableNames".to_owned(), json!(listed.table_names));
    if let Some(last) = listed.last_evaluated_table_name {
        object.insert("LastEvaluatedTableName".to_owned(), json!(last));
    }
    Value::Object(object)
}

/// A `KeySchema` array.
pub fn key_schema_json(elements: &[KeySchemaElement]) -> Value {
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

fn projection_json(projection: &ProjectionSpec) -> Value {
    match projection {
        ProjectionSpec::All => json!({"ProjectionType": "ALL"}),
        ProjectionSpec::KeysOnly => json!({"ProjectionType": "KEYS_ONLY"}),
        ProjectionSpec::Include(names) => {
            json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": names})
        }
    }
}

fn throughput_json(read: u64, write: u64) -> Value {
    json!({"ReadCapacityUnits": read, "WriteCapacityUnits": write, "NumberOfDecreasesToday": 0})
}

/// Extra facts of a table description that the engine's description does not carry.
#[derive(Debug, Clone, Default)]
pub struct DescriptionExtras {
    /// `LatestStreamLabel`, when the table has a stream.
    pub stream_label: Option<String>,
}

/// `TableDescription` as DynamoDB writes it.
pub fn description_json(description: &TableDescription, extras: &DescriptionExtras) -> Value {
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
        Value::Array(
            description
                .attribute_definitions
                .iter()
                .map(|d| json!({"AttributeName": d.name, "AttributeType": d.ty.as_str()}))
                .collect(),
        ),
    );
    object.insert("KeySchema".to_owned(), key_schema_json(&description.key_schema));
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
        object.insert("KeySchema".to_owned(), key_schema_json(&index.key_schema));
        object.insert("Projection".to_owned(), projection_json(&index.projection));
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
        if let Some(label) = &extras.stream_label {
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
    Value::Object(object)
}

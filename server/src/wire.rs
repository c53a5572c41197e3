//! Reading request members and writing response members in DynamoDB's JSON shapes.
//!
//! A request is a JSON object; [`Request`] reads its members with DynamoDB's checks:
//! a member of the wrong JSON type is a `SerializationException` naming it, a missing
//! required member a `ValidationException` in the request-validation layer's words
//! (`1 validation error detected: Value null at 'tableName' failed to satisfy constraint:
//! Member must not be null`), collected over the whole request as DynamoDB does.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use singletable_core::backend::{
    Capacity, ConsumedCapacity, KeySchemaElement, KeyType, ProjectionSpec, ReturnConsumedCapacity,
    ReturnValues, SecondaryIndex, TableDescription, TableStatus,
};
use singletable_core::json::{item_from_json, value_from_json, JsonError};
use singletable_core::json_serde::ItemRef;
use singletable_core::schema::BillingMode;
use singletable_core::{AttributeValue, Item};

use crate::api_error::ApiError;

/// Constraint violations of one request, reported together.
#[derive(Debug, Default)]
pub struct Violations {
    items: Vec<String>,
}

impl Violations {
    /// Records that `value` (already rendered: `null`, `'x'`) at `at` breaks `constraint`.
    pub fn push(&mut self, value: &str, at: &str, constraint: &str) {
        self.items
            .push(format!("Value {value} at '{at}' failed to satisfy constraint: {constraint}"));
    }

    /// A required member that is absent.
    pub fn null(&mut self, at: &str) {
        self.push("null", at, "Member must not be null");
    }

    /// A value outside an enumeration.
    pub fn enumeration(&mut self, value: &str, at: &str, allowed: &[&str]) {
        self.push(
            &format!("'{value}'"),
            at,
            &format!("Member must satisfy enum value set: [{}]", allowed.join(", ")),
        );
    }

    /// The violations as one `ValidationException`, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.items.len() {
            0 => Ok(()),
            1 => {
                Err(ApiError::validation(format!("1 validation error detected: {}", self.items[0])))
            }
            n => Err(ApiError::validation(format!(
                "{n} validation errors detected: {}",
                self.items.join("; ")
            ))),
        }
    }
}

/// The JSON body of one request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    object: &'a Map<String, Value>,
}

fn camel(member: &str) -> String {
    let mut chars = member.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn wrong_type(member: &str, expected: &str) -> ApiError {
    ApiError::serialization(format!("Member {member} must be {expected}"))
}

impl<'a> Request<'a> {
    /// Wraps a request body, which must be a JSON object.
    pub fn new(body: &'a Value) -> Result<Self, ApiError> {
        match body {
            Value::Object(object) => Ok(Request { object }),
            _ => Err(ApiError::serialization("The request body must be a JSON object")),
        }
    }

    /// A member, `None` when absent or `null`.
    pub fn get(&self, member: &str) -> Option<&'a Value> {
        self.object.get(member).filter(|value| !value.is_null())
    }

    /// True when the member is present.
    pub fn has(&self, member: &str) -> bool {
        self.get(member).is_some()
    }

    /// A string member.
    pub fn str(&self, member: &str) -> Result<Option<&'a str>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(wrong_type(member, "a string")),
        }
    }

    /// A required string member; records a violation when absent.
    pub fn required_str(
        &self,
        member: &str,
        violations: &mut Violations,
    ) -> Result<String, ApiError> {
        match self.str(member)? {
            Some(text) => Ok(text.to_owned()),
            None => {
                violations.null(&camel(member));
                Ok(String::new())
            }
        }
    }

    /// A boolean member.
    pub fn bool(&self, member: &str) -> Result<Option<bool>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(_) => Err(wrong_type(member, "a boolean")),
        }
    }

    /// An integer member.
    pub fn int(&self, member: &str) -> Result<Option<i64>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Number(number)) => {
                number.as_i64().map(Some).ok_or_else(|| wrong_type(member, "an integer"))
            }
            Some(_) => Err(wrong_type(member, "an integer")),
        }
    }

    /// An object member.
    pub fn object(&self, member: &str) -> Result<Option<&'a Map<String, Value>>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Object(object)) => Ok(Some(object)),
            Some(_) => Err(wrong_type(member, "an object")),
        }
    }

    /// A nested request (an object member).
    pub fn nested(&self, member: &str) -> Result<Option<Request<'a>>, ApiError> {
        Ok(self.object(member)?.map(|object| Request { object }))
    }

    /// An array member.
    pub fn array(&self, member: &str) -> Result<Option<&'a Vec<Value>>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Array(array)) => Ok(Some(array)),
            Some(_) => Err(wrong_type(member, "an array")),
        }
    }

    /// An item member (attribute values).
    pub fn item(&self, member: &str) -> Result<Option<Item>, ApiError> {
        self.get(member).map(|json| item_from_json(json).map_err(value_error)).transpose()
    }

    /// A required item member.
    pub fn required_item(
        &self,
        member: &str,
        violations: &mut Violations,
    ) -> Result<Item, ApiError> {
        match self.item(member)? {
            Some(item) => Ok(item),
            None => {
                violations.null(&camel(member));
                Ok(Item::new())
            }
        }
    }

    /// An array of strings.
    pub fn strings(&self, member: &str) -> Result<Option<Vec<String>>, ApiError> {
        let Some(array) = self.array(member)? else { return Ok(None) };
        array
            .iter()
            .map(|value| {
                value
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| wrong_type(member, "an array of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// `ExpressionAttributeNames`.
    pub fn names(&self) -> Result<Option<HashMap<String, String>>, ApiError> {
        let Some(object) = self.object("ExpressionAttributeNames")? else { return Ok(None) };
        object
            .iter()
            .map(|(key, value)| match value {
                Value::String(name) => Ok((key.clone(), name.clone())),
                _ => Err(wrong_type("ExpressionAttributeNames", "a map of strings")),
            })
            .collect::<Result<HashMap<_, _>, _>>()
            .map(Some)
    }

    /// `ExpressionAttributeValues`.
    pub fn values(&self) -> Result<Option<HashMap<String, AttributeValue>>, ApiError> {
        let Some(object) = self.object("ExpressionAttributeValues")? else { return Ok(None) };
        object
            .iter()
            .map(|(key, value)| Ok((key.clone(), value_from_json(value).map_err(value_error)?)))
            .collect::<Result<HashMap<_, _>, ApiError>>()
            .map(Some)
    }

    /// `ReturnConsumedCapacity`.
    pub fn return_consumed_capacity(
        &self,
        violations: &mut Violations,
    ) -> Result<ReturnConsumedCapacity, ApiError> {
        Ok(match self.str("ReturnConsumedCapacity")? {
            None | Some("NONE") => ReturnConsumedCapacity::None,
            Some("TOTAL") => ReturnConsumedCapacity::Total,
            Some("INDEXES") => ReturnConsumedCapacity::Indexes,
            Some(other) => {
                violations.enumeration(
                    other,
                    "returnConsumedCapacity",
                    &["INDEXES", "TOTAL", "NONE"],
                );
                ReturnConsumedCapacity::None
            }
        })
    }

    /// `ReturnValues`.
    pub fn return_values(&self, violations: &mut Violations) -> Result<ReturnValues, ApiError> {
        Ok(match self.str("ReturnValues")? {
            None | Some("NONE") => ReturnValues::None,
            Some("ALL_OLD") => ReturnValues::AllOld,
            Some("UPDATED_OLD") => ReturnValues::UpdatedOld,
            Some("ALL_NEW") => ReturnValues::AllNew,
            Some("UPDATED_NEW") => ReturnValues::UpdatedNew,
            Some(other) => {
                violations.enumeration(
                    other,
                    "returnValues",
                    &["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"],
                );
                ReturnValues::None
            }
        })
    }

    /// `ReturnValuesOnConditionCheckFailure`: true for `ALL_OLD`.
    pub fn return_old_on_failure(&self, violations: &mut Violations) -> Result<bool, ApiError> {
        Ok(match self.str("ReturnValuesOnConditionCheckFailure")? {
            None | Some("NONE") => false,
            Some("ALL_OLD") => true,
            Some(other) => {
                violations.enumeration(
                    other,
                    "returnValuesOnConditionCheckFailure",
                    &["ALL_OLD", "NONE"],
                );
                false
            }
        })
    }

    /// The members present, for "unknown member" checks and legacy detection.
    pub fn members(&self) -> impl Iterator<Item = &'a String> {
        self.object.keys()
    }
}

/// A malformed attribute value, as DynamoDB words it.
pub fn value_error(error: JsonError) -> ApiError {
    let message = &error.message;
    if message.starts_with("invalid number") {
        let text = message.rsplit_once(": ").map_or(message.as_str(), |(_, reason)| reason);
        return ApiError::validation(text.to_owned());
    }
    if message.contains("exactly one type key, found 0") {
        return ApiError::validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        );
    }
    if message.contains("exactly one type key") {
        return ApiError::validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of \
             the supported datatypes",
        );
    }
    if message.contains("`NULL` must hold true") {
        return ApiError::validation(
            "One or more parameter values were invalid: Null attribute value types must have the \
             value of true",
        );
    }
    ApiError::serialization(format!("{} at {}", error.message, error.path))
}

/// `ConsumedCapacity` as DynamoDB writes it.
pub fn capacity_json(capacity: &ConsumedCapacity) -> Value {
    fn units(capacity: &Capacity) -> Value {
        let mut object = Map::new();
        object.insert("CapacityUnits".to_owned(), json!(capacity.capacity_units));
        if capacity.read_capacity_units > 0.0 {
            object.insert("ReadCapacityUnits".to_owned(), json!(capacity.read_capacity_units));
        }
        if capacity.write_capacity_units > 0.0 {
            object.insert("WriteCapacityUnits".to_owned(), json!(capacity.write_capacity_units));
        }
        Value::Object(object)
    }
    let mut object = Map::new();
    object.insert("TableName".to_owned(), json!(capacity.table_name));
    object.insert("CapacityUnits".to_owned(), json!(capacity.capacity_units));
    if capacity.read_capacity_units > 0.0 {
        object.insert("ReadCapacityUnits".to_owned(), json!(capacity.read_capacity_units));
    }
    if capacity.write_capacity_units > 0.0 {
        object.insert("WriteCapacityUnits".to_owned(), json!(capacity.write_capacity_units));
    }
    if let Some(table) = &capacity.table {
        object.insert("Table".to_owned(), units(table));
    }
    let indexes = |list: &[(String, Capacity)]| -> Value {
        Value::Object(list.iter().map(|(name, c)| (name.clone(), units(c))).collect())
    };
    if !capacity.global_secondary_indexes.is_empty() {
        object.insert(
            "GlobalSecondaryIndexes".to_owned(),
            indexes(&capacity.global_secondary_indexes),
        );
    }
    if !capacity.local_secondary_indexes.is_empty() {
        object
            .insert("LocalSecondaryIndexes".to_owned(), indexes(&capacity.local_secondary_indexes));
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

// ---------------------------------------------------------------------------------------
// Typed requests and directly written responses (the hot item operations)
// ---------------------------------------------------------------------------------------

/// `ReturnConsumedCapacity` in a typed request: DynamoDB's enumeration. Any other value
/// fails the typed read, and the request takes the [`Request`] way, which reports it.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub enum TypedCapacity {
    /// `NONE`.
    #[serde(rename = "NONE")]
    None,
    /// `TOTAL`.
    #[serde(rename = "TOTAL")]
    Total,
    /// `INDEXES`.
    #[serde(rename = "INDEXES")]
    Indexes,
}

impl TypedCapacity {
    /// The engine's setting (absent: `NONE`).
    pub fn resolve(this: Option<TypedCapacity>) -> ReturnConsumedCapacity {
        match this {
            None | Some(TypedCapacity::None) => ReturnConsumedCapacity::None,
            Some(TypedCapacity::Total) => ReturnConsumedCapacity::Total,
            Some(TypedCapacity::Indexes) => ReturnConsumedCapacity::Indexes,
        }
    }
}

/// `ReturnValues` in a typed request.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub enum TypedReturnValues {
    /// `NONE`.
    #[serde(rename = "NONE")]
    None,
    /// `ALL_OLD`.
    #[serde(rename = "ALL_OLD")]
    AllOld,
    /// `UPDATED_OLD`.
    #[serde(rename = "UPDATED_OLD")]
    UpdatedOld,
    /// `ALL_NEW`.
    #[serde(rename = "ALL_NEW")]
    AllNew,
    /// `UPDATED_NEW`.
    #[serde(rename = "UPDATED_NEW")]
    UpdatedNew,
}

impl TypedReturnValues {
    /// The engine's setting (absent: `NONE`).
    pub fn resolve(this: Option<TypedReturnValues>) -> ReturnValues {
        match this {
            None | Some(TypedReturnValues::None) => ReturnValues::None,
            Some(TypedReturnValues::AllOld) => ReturnValues::AllOld,
            Some(TypedReturnValues::UpdatedOld) => ReturnValues::UpdatedOld,
            Some(TypedReturnValues::AllNew) => ReturnValues::AllNew,
            Some(TypedReturnValues::UpdatedNew) => ReturnValues::UpdatedNew,
        }
    }
}

/// `ReturnValuesOnConditionCheckFailure` in a typed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum TypedOldOnFailure {
    /// `NONE`.
    #[serde(rename = "NONE")]
    None,
    /// `ALL_OLD`.
    #[serde(rename = "ALL_OLD")]
    AllOld,
}

/// `ReturnItemCollectionMetrics` in a typed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum TypedMetrics {
    /// `NONE`.
    #[serde(rename = "NONE")]
    None,
    /// `SIZE`.
    #[serde(rename = "SIZE")]
    Size,
}

/// Defines a typed write request whose item member is `$member`.
macro_rules! typed_write {
    ($(#[$doc:meta])* $name:ident, $member:literal) => {
        $(#[$doc])*
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// `TableName`.
            #[serde(rename = "TableName")]
            pub table_name: String,
            /// The item (PutItem) or key (DeleteItem).
            #[serde(rename = $member)]
            pub item: singletable_core::json_serde::JsonItem,
            /// `ReturnValues`.
            #[serde(rename = "ReturnValues", default)]
            pub return_values: Option<TypedReturnValues>,
            /// `ReturnConsumedCapacity`.
            #[serde(rename = "ReturnConsumedCapacity", default)]
            pub return_consumed_capacity: Option<TypedCapacity>,
            /// `ReturnValuesOnConditionCheckFailure`.
            #[serde(rename = "ReturnValuesOnConditionCheckFailure", default)]
            pub return_old_on_condition_failure: Option<TypedOldOnFailure>,
            /// `ReturnItemCollectionMetrics`.
            #[serde(rename = "ReturnItemCollectionMetrics", default)]
            pub return_item_collection_metrics: Option<TypedMetrics>,
        }

        impl $name {
            /// The members, with absent settings at their defaults.
            pub fn into_members(self) -> WriteMembers {
                WriteMembers {
                    table_name: self.table_name,
                    item: self.item.0,
                    return_values: TypedReturnValues::resolve(self.return_values),
                    return_consumed_capacity: TypedCapacity::resolve(
                        self.return_consumed_capacity,
                    ),
                    return_old_on_condition_failure: self.return_old_on_condition_failure
                        == Some(TypedOldOnFailure::AllOld),
                    metrics: self.return_item_collection_metrics == Some(TypedMetrics::Size),
                }
            }
        }
    };
}

/// The members PutItem, UpdateItem and DeleteItem share, as the engine takes them.
#[derive(Debug, Clone)]
pub struct WriteMembers {
    /// `TableName`.
    pub table_name: String,
    /// `Item` (PutItem) or `Key`.
    pub item: Item,
    /// `ReturnValues`.
    pub return_values: ReturnValues,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
    pub return_old_on_condition_failure: bool,
    /// `ReturnItemCollectionMetrics: SIZE`.
    pub metrics: bool,
}

typed_write!(
    /// A `PutItem` without a condition: what SDKs send on the hot path. Read straight
    /// from the body with serde; a body with any other member, a member of another type,
    /// a value outside an enumeration or a malformed attribute value fails this read, and
    /// the request is read again as a [`Request`], which gives DynamoDB's message for the
    /// fault in DynamoDB's order.
    TypedPut,
    "Item"
);

typed_write!(
    /// A `DeleteItem` without a condition, read as [`TypedPut`] is.
    TypedDelete,
    "Key"
);

/// A `GetItem` without a projection, read as [`TypedPut`] is.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypedGet {
    /// `TableName`.
    #[serde(rename = "TableName")]
    pub table_name: String,
    /// `Key`.
    #[serde(rename = "Key")]
    pub key: singletable_core::json_serde::JsonItem,
    /// `ConsistentRead`.
    #[serde(rename = "ConsistentRead", default)]
    pub consistent_read: Option<bool>,
    /// `ReturnConsumedCapacity`.
    #[serde(rename = "ReturnConsumedCapacity", default)]
    pub return_consumed_capacity: Option<TypedCapacity>,
}

/// The response of `PutItem`, `UpdateItem` and `DeleteItem`, written directly.
#[derive(Debug, serde::Serialize)]
pub struct WriteOutput<'a> {
    /// `Attributes` (ReturnValues).
    #[serde(rename = "Attributes", skip_serializing_if = "Option::is_none")]
    pub attributes: Option<ItemRef<'a>>,
    /// `ItemCollectionMetrics`.
    #[serde(rename = "ItemCollectionMetrics", skip_serializing_if = "Option::is_none")]
    pub item_collection_metrics: Option<Value>,
    /// `ConsumedCapacity`.
    #[serde(rename = "ConsumedCapacity", skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<Value>,
}

/// The response of `GetItem`, written directly.
#[derive(Debug, serde::Serialize)]
pub struct GetOutput<'a> {
    /// `Item`, when there is one.
    #[serde(rename = "Item", skip_serializing_if = "Option::is_none")]
    pub item: Option<ItemRef<'a>>,
    /// `ConsumedCapacity`.
    #[serde(rename = "ConsumedCapacity", skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<Value>,
}

/// A list of items written as a JSON array of DynamoDB JSON items.
#[derive(Debug, Clone, Copy)]
pub struct ItemsRef<'a>(pub &'a [Item]);

impl serde::Serialize for ItemsRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ItemRef))
    }
}

/// The response of `Query` and `Scan`, written directly.
#[derive(Debug, serde::Serialize)]
pub struct PageOutput<'a> {
    /// `Items` (absent for `Select: COUNT`).
    #[serde(rename = "Items", skip_serializing_if = "Option::is_none")]
    pub items: Option<ItemsRef<'a>>,
    /// `Count`.
    #[serde(rename = "Count")]
    pub count: u32,
    /// `ScannedCount`.
    #[serde(rename = "ScannedCount")]
    pub scanned_count: u32,
    /// `LastEvaluatedKey`.
    #[serde(rename = "LastEvaluatedKey", skip_serializing_if = "Option::is_none")]
    pub last_evaluated_key: Option<ItemRef<'a>>,
    /// `ConsumedCapacity`.
    #[serde(rename = "ConsumedCapacity", skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<Value>,
}

/// A response body as bytes.
pub fn to_body(output: &impl serde::Serialize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::with_capacity(256);
    serde_json::to_writer(&mut body, output)
        .map_err(|e| ApiError::internal(format!("could not write the response: {e}")))?;
    Ok(body)
}

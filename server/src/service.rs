//! The operations: one DynamoDB JSON request in, one JSON response (or error) out, run
//! on the embedded engine.
//!
//! [`Engine`] executes requests; [`Service`] adds durability (mutating requests go
//! through [`Storage::write`](crate::storage_shim::Storage) so that the log order is the
//! apply order) and is what the HTTP layer calls.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{json, Map, Value};
use singletable_runtime::backend::{
    AttributeDefinition, Backend, BatchGetItemInput, BatchWriteItemInput, CreateTableInput,
    DeleteItemInput, GetItemInput, KeySchemaElement, KeyType, KeysAndAttributes, ListTablesInput,
    ProjectionSpec, PutItemInput, QueryInput, ScanInput, SecondaryIndex, Select, TableDescription,
    TimeToLiveSpecification, TimeToLiveStatus, TransactGetItem, TransactGetItemsInput,
    TransactWriteItem, TransactWriteItemsInput, UpdateItemInput, WriteItemOutput, WriteRequest,
};
use singletable_runtime::expr::{Condition, KeyCondition};
use singletable_runtime::json::item_to_json;
use singletable_runtime::schema::{BillingMode, ScalarType, StreamViewType};
use singletable_runtime::{Item, MemoryBackend};

use crate::api_error::{empty, ApiError};
use crate::exprs::{check_not_mixed, Exprs};
use crate::legacy;
use crate::operation::{Operation, UnknownOperation};
use crate::parse::ExpressionKind;
use crate::storage_shim::Storage;
use crate::wire::{
    capacity_json, description_json, to_body, DescriptionExtras, GetOutput, ItemsRef, PageOutput,
    Request, TypedCapacity, TypedDelete, TypedGet, TypedPut, Violations, WriteMembers, WriteOutput,
};
use singletable_runtime::json_serde::ItemRef;

/// The embedded engine and the state the API keeps beside it (tags).
#[derive(Debug, Default)]
pub struct Engine {
    backend: MemoryBackend,
    /// Tags by table ARN, in key order.
    tags: Mutex<HashMap<String, BTreeMap<String, String>>>,
    /// The address `DescribeEndpoints` reports.
    address: Mutex<Option<SocketAddr>>,
    /// Every request holds it shared; `UpdateTable`, which rebuilds a table, exclusively.
    gate: tokio::sync::RwLock<()>,
}

/// The tags of an [`Engine`], saved in snapshots of the data directory (the engine's own
/// state does not hold them).
#[derive(Debug)]
pub(crate) struct TagState(pub(crate) Arc<Engine>);

impl crate::storage::ExtraState for TagState {
    fn export(&self) -> Value {
        let all = self.0.tags.lock().unwrap_or_else(PoisonError::into_inner);
        let tags: serde_json::Map<String, Value> = all
            .iter()
            .map(|(arn, tags)| {
                let tags = tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
                (arn.clone(), Value::Object(tags))
            })
            .collect();
        json!({ "tags": tags })
    }

    fn import(&self, state: Value) -> Result<(), String> {
        let Some(Value::Object(by_arn)) = state.get("tags") else {
            return Err("extra state without a `tags` object".to_owned());
        };
        let mut all = self.0.tags.lock().unwrap_or_else(PoisonError::into_inner);
        for (arn, tags) in by_arn {
            let Value::Object(tags) = tags else {
                return Err(format!("tags of {arn} are not an object"));
            };
            let mut map = BTreeMap::new();
            for (key, value) in tags {
                let Value::String(value) = value else {
                    return Err(format!("tag {key} of {arn} is not a string"));
                };
                map.insert(key.clone(), value.clone());
            }
            all.insert(arn.clone(), map);
        }
        Ok(())
    }
}

/// The engine with its durability layer: what the HTTP layer calls.
#[derive(Debug)]
pub struct Service {
    engine: Arc<Engine>,
    storage: Storage,
}

fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::serialization(format!("Start of structure or map found where not expected: {e}"))
    })
}

impl Service {
    /// A service on `backend` with `storage`.
    pub fn new(engine: Arc<Engine>, storage: Storage) -> Self {
        Service { engine, storage }
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// True when writes are logged to disk.
    pub fn is_durable(&self) -> bool {
        self.storage.is_durable()
    }

    /// Runs one request: `operation` is what its `X-Amz-Target` header names
    /// ([`Operation::from_target`]), `body` the JSON body; returns the JSON response body.
    ///
    /// An unknown operation answers `UnknownOperationException`; when its target has a
    /// known API's prefix, the body is read first, as for any operation of that API (a
    /// malformed body answers `SerializationException`).
    pub async fn handle(
        &self,
        operation: Result<Operation, UnknownOperation>,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        let operation = match operation {
            Ok(operation) => operation,
            Err(unknown) => {
                if unknown.api().is_some() {
                    Request::new(&parse_body(body)?)?;
                }
                return Err(unknown.into());
            }
        };
        if operation.mutates() {
            let engine = &self.engine;
            self.storage.write(operation.target(), body, || engine.execute(operation, body)).await
        } else {
            self.engine.execute(operation, body).await
        }
    }
}

/// `object` with `ConsumedCapacity` (a list, one per table) when there is any.
fn output_with_capacities(
    object: Map<String, Value>,
    capacities: &[singletable_runtime::backend::ConsumedCapacity],
) -> Value {
    let capacity = (!capacities.is_empty())
        .then(|| Value::Array(capacities.iter().map(capacity_json).collect()));
    output(object, capacity)
}

fn output(mut object: Map<String, Value>, capacity: Option<Value>) -> Value {
    if let Some(capacity) = capacity {
        object.insert("ConsumedCapacity".to_owned(), capacity);
    }
    Value::Object(object)
}

impl Engine {
    /// An engine with no tables.
    pub fn new() -> Self {
        Self::default()
    }

    /// The embedded engine.
    pub fn backend(&self) -> &MemoryBackend {
        &self.backend
    }

    /// Records the address `DescribeEndpoints` reports.
    pub fn set_address(&self, address: SocketAddr) {
        *self.address.lock().unwrap_or_else(PoisonError::into_inner) = Some(address);
    }

    /// Replays a logged request (durable storage at start-up); errors are ignored, as
    /// the request failed the same way when it was first run.
    pub async fn replay(&self, target: &str, body: &[u8]) {
        if let Ok(operation) = Operation::from_target(target) {
            let _ = self.execute(operation, body).await;
        }
    }

    /// Runs one operation; returns the JSON response body.
    ///
    /// The hot item operations in their common form (`PutItem`, `GetItem` and
    /// `DeleteItem` without expressions) are read straight into typed requests (see
    /// [`crate::wire::TypedPut`]); every other request, and every one the typed read
    /// refuses, is read as a JSON value with DynamoDB's checks in DynamoDB's order.
    pub async fn execute(&self, operation: Operation, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        if let Some(output) = self.execute_typed(operation, body).await {
            return output;
        }
        let json = parse_body(body)?;
        let request = Request::new(&json)?;
        // `UpdateTable` rebuilds a table: it runs alone.
        let _exclusive;
        let _shared;
        if operation == Operation::UpdateTable {
            _exclusive = self.gate.write().await;
        } else {
            _shared = self.gate.read().await;
        }
        let value = match operation {
            Operation::PutItem => return self.put_item(&request).await,
            Operation::GetItem => return self.get_item(&request).await,
            Operation::UpdateItem => return self.update_item(&request).await,
            Operation::DeleteItem => return self.delete_item(&request).await,
            Operation::Query => return self.query(&request).await,
            Operation::Scan => return self.scan(&request).await,
            Operation::CreateTable => self.create_table(&request).await,
            Operation::DeleteTable => self.delete_table(&request).await,
            Operation::DescribeTable => self.describe_table(&request).await,
            Operation::ListTables => self.list_tables(&request).await,
            Operation::UpdateTable => crate::update_table::update_table(self, &request).await,
            Operation::BatchGetItem => self.batch_get_item(&request).await,
            Operation::BatchWriteItem => self.batch_write_item(&request).await,
            Operation::TransactWriteItems => self.transact_write_items(&request).await,
            Operation::TransactGetItems => self.transact_get_items(&request).await,
            Operation::UpdateTimeToLive => self.update_time_to_live(&request).await,
            Operation::DescribeTimeToLive => self.describe_time_to_live(&request).await,
            Operation::TagResource => self.tag_resource(&request).await,
            Operation::UntagResource => self.untag_resource(&request).await,
            Operation::ListTagsOfResource => self.list_tags_of_resource(&request).await,
            Operation::DescribeLimits => Ok(json!({
                "AccountMaxReadCapacityUnits": 80000,
                "AccountMaxWriteCapacityUnits": 80000,
                "TableMaxReadCapacityUnits": 40000,
                "TableMaxWriteCapacityUnits": 40000
            })),
            Operation::DescribeEndpoints => {
                let address = *self.address.lock().unwrap_or_else(PoisonError::into_inner);
                let address =
                    address.map_or_else(|| "localhost:8000".to_owned(), |a| a.to_string());
                Ok(json!({"Endpoints": [{"Address": address, "CachePeriodInMinutes": 1440}]}))
            }
            Operation::ListStreams => crate::streams::list_streams(self, &request).await,
            Operation::DescribeStream => crate::streams::describe_stream(self, &request).await,
            Operation::GetShardIterator => crate::streams::get_shard_iterator(self, &request).await,
            Operation::GetRecords => crate::streams::get_records(self, &request),
        }?;
        to_body(&value)
    }

    /// The typed way of [`Engine::execute`]: `None` when the operation has none or the
    /// body is not in the form it reads (the caller then reads the body as a JSON value,
    /// which reports any fault as DynamoDB does).
    async fn execute_typed(
        &self,
        operation: Operation,
        body: &[u8],
    ) -> Option<Result<Vec<u8>, ApiError>> {
        match operation {
            Operation::PutItem => {
                let put: TypedPut = serde_json::from_slice(body).ok()?;
                let _shared = self.gate.read().await;
                Some(self.write_item(WriteKind::Put, put.into_members(), None).await)
            }
            Operation::DeleteItem => {
                let delete: TypedDelete = serde_json::from_slice(body).ok()?;
                let _shared = self.gate.read().await;
                Some(self.write_item(WriteKind::Delete, delete.into_members(), None).await)
            }
            Operation::GetItem => {
                let get: TypedGet = serde_json::from_slice(body).ok()?;
                let input = GetItemInput {
                    table_name: get.table_name,
                    key: get.key.0,
                    consistent_read: get.consistent_read.unwrap_or(false),
                    projection: None,
                    return_consumed_capacity: TypedCapacity::resolve(get.return_consumed_capacity),
                };
                let _shared = self.gate.read().await;
                Some(self.get(input).await)
            }
            _ => None,
        }
    }

    /// A table description in DynamoDB's JSON, with the stream label when there is one.
    pub fn description(&self, description: &TableDescription) -> Value {
        let extras = DescriptionExtras { stream_label: crate::streams::label(self, description) };
        description_json(description, &extras)
    }

    // -----------------------------------------------------------------------------------
    // Tables
    // -----------------------------------------------------------------------------------

    async fn create_table(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let input = create_table_input(request)?;
        let description = self.backend.create_table(input).await?;
        Ok(json!({"TableDescription": self.description(&description)}))
    }

    async fn delete_table(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let mut violations = Violations::default();
        let name = request.required_str("TableName", &mut violations)?;
        violations.finish()?;
        let description = self.backend.delete_table(name).await?;
        self.tags.lock().unwrap_or_else(PoisonError::into_inner).remove(&description.table_arn);
        Ok(json!({"TableDescription": self.description(&description)}))
    }

    async fn describe_table(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let mut violations = Violations::default();
        let name = request.required_str("TableName", &mut violations)?;
        violations.finish()?;
        let description = self.backend.describe_table(name).await?;
        Ok(json!({"Table": self.description(&description)}))
    }

    async fn list_tables(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let limit =
            request.int("Limit")?.map(|limit| u32::try_from(limit.max(0)).unwrap_or(u32::MAX));
        let input = ListTablesInput {
            exclusive_start_table_name: request.str("ExclusiveStartTableName")?.map(str::to_owned),
            limit,
        };
        let listed = self.backend.list_tables(input).await?;
        let mut object = Map::new();
        object.insert("TableNames".to_owned(), json!(listed.table_names));
        if let Some(last) = listed.last_evaluated_table_name {
            object.insert("LastEvaluatedTableName".to_owned(), json!(last));
        }
        Ok(Value::Object(object))
    }

    async fn update_time_to_live(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let mut violations = Violations::default();
        let name = request.required_str("TableName", &mut violations)?;
        let spec = request.nested("TimeToLiveSpecification")?;
        let (attribute_name, enabled) = match &spec {
            None => {
                violations.null("timeToLiveSpecification");
                (String::new(), false)
            }
            Some(spec) => {
                let attribute = spec.required_str("AttributeName", &mut violations)?;
                let enabled = spec.bool("Enabled")?;
                if enabled.is_none() {
                    violations.null("timeToLiveSpecification.enabled");
                }
                (attribute, enabled.unwrap_or(false))
            }
        };
        violations.finish()?;
        let spec = self
            .backend
            .update_time_to_live(name, TimeToLiveSpecification { attribute_name, enabled })
            .await?;
        Ok(
            json!({"TimeToLiveSpecification": {"AttributeName": spec.attribute_name, "Enabled": spec.enabled}}),
        )
    }

    async fn describe_time_to_live(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let mut violations = Violations::default();
        let name = request.required_str("TableName", &mut violations)?;
        violations.finish()?;
        let description = self.backend.describe_time_to_live(name).await?;
        let status = match description.status {
            TimeToLiveStatus::Enabling => "ENABLING",
            TimeToLiveStatus::Disabling => "DISABLING",
            TimeToLiveStatus::Enabled => "ENABLED",
            TimeToLiveStatus::Disabled => "DISABLED",
        };
        let mut object = Map::new();
        object.insert("TimeToLiveStatus".to_owned(), json!(status));
        if let Some(attribute) = description.attribute_name {
            object.insert("AttributeName".to_owned(), json!(attribute));
        }
        Ok(json!({"TimeToLiveDescription": object}))
    }

    // -----------------------------------------------------------------------------------
    // Tags
    // -----------------------------------------------------------------------------------

    /// The table an ARN names, checked to exist; the ARN is returned as DynamoDB knows it.
    async fn resource(
        &self,
        request: &Request<'_>,
        violations: Violations,
    ) -> Result<String, ApiError> {
        let mut violations = violations;
        let arn = request.required_str("ResourceArn", &mut violations)?;
        violations.finish()?;
        let not_found = || {
            ApiError::not_found(format!(
                "Requested resource not found: ResourceArn: {arn} not found"
            ))
        };
        let Some((_, name)) = arn.split_once(":table/") else {
            return Err(ApiError::validation(format!(
                "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
            )));
        };
        let name = name.split('/').next().unwrap_or_default();
        match self.backend.describe_table(name.to_owned()).await {
            Ok(description) if description.table_arn == arn => Ok(arn),
            Ok(_) | Err(singletable_runtime::Error::ResourceNotFound { .. }) => Err(not_found()),
            Err(_) => Err(ApiError::validation(format!(
                "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
            ))),
        }
    }

    async fn tag_resource(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let mut violations = Violations::default();
        let tags = match request.array("Tags")? {
            None => {
                violations.null("tags");
                Vec::new()
            }
            Some(tags) => tags
                .iter()
                .map(|tag| {
                    let tag = Request::new(tag)?;
                    let key = tag.str("Key")?.unwrap_or_default().to_owned();
                    let value = tag.str("Value")?.unwrap_or_default().to_owned();
                    Ok((key, value))
                })
                .collect::<Result<Vec<_>, ApiError>>()?,
        };
        for (key, value) in &tags {
            if key.is_empty() || key.chars().count() > 128 {
                violations.push(
                    &format!("'{key}'"),
                    "tags.member.key",
                    "Member must have length between 1 and 128",
                );
            }
            if value.chars().count() > 256 {
                violations.push(
                    &format!("'{value}'"),
                    "tags.member.value",
                    "Member must have length less than or equal to 256",
                );
            }
        }
        let arn = self.resource(request, violations).await?;
        let mut all = self.tags.lock().unwrap_or_else(PoisonError::into_inner);
        let current = all.entry(arn).or_default();
        let new_keys = tags.iter().filter(|(key, _)| !current.contains_key(key)).count();
        if current.len() + new_keys > 50 {
            return Err(ApiError::dynamodb(
                "LimitExceededException",
                "The number of tags on the resource exceeds the limit of 50",
            ));
        }
        current.extend(tags);
        Ok(empty())
    }

    async fn untag_resource(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let mut violations = Violations::default();
        let keys = request.strings("TagKeys")?;
        if keys.is_none() {
            violations.null("tagKeys");
        }
        let arn = self.resource(request, violations).await?;
        let mut all = self.tags.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(current) = all.get_mut(&arn) {
            for key in keys.unwrap_or_default() {
                current.remove(&key);
            }
        }
        Ok(empty())
    }

    async fn list_tags_of_resource(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let arn = self.resource(request, Violations::default()).await?;
        let all = self.tags.lock().unwrap_or_else(PoisonError::into_inner);
        let tags: Vec<Value> = all
            .get(&arn)
            .into_iter()
            .flatten()
            .map(|(key, value)| json!({"Key": key, "Value": value}))
            .collect();
        Ok(json!({"Tags": tags}))
    }

    // -----------------------------------------------------------------------------------
    // Items
    // -----------------------------------------------------------------------------------

    async fn put_item(&self, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
        let members = write_members(request, "Item")?;
        let condition = write_condition(request)?;
        self.write_item(WriteKind::Put, members, condition).await
    }

    /// Runs a PutItem or DeleteItem of `members` under `condition`.
    async fn write_item(
        &self,
        kind: WriteKind,
        members: WriteMembers,
        condition: Option<Condition>,
    ) -> Result<Vec<u8>, ApiError> {
        let key_source =
            members.metrics.then(|| (members.table_name.clone(), members.item.clone()));
        let WriteMembers {
            table_name,
            item,
            return_values,
            return_consumed_capacity,
            return_old_on_condition_failure,
            ..
        } = members;
        let out = match kind {
            WriteKind::Put => {
                let input = PutItemInput {
                    table_name,
                    item,
                    condition,
                    return_values,
                    return_consumed_capacity,
                    return_old_on_condition_failure,
                };
                self.backend.put_item(input).await?
            }
            WriteKind::Delete => {
                let input = DeleteItemInput {
                    table_name,
                    key: item,
                    condition,
                    return_values,
                    return_consumed_capacity,
                    return_old_on_condition_failure,
                };
                self.backend.delete_item(input).await?
            }
        };
        self.write_response(out, key_source).await
    }

    async fn get_item(&self, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
        let mut violations = Violations::default();
        let table_name = request.required_str("TableName", &mut violations)?;
        let key = request.required_item("Key", &mut violations)?;
        let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
        violations.finish()?;
        check_not_mixed(request, &["AttributesToGet"], &["ProjectionExpression"])?;
        let exprs = Exprs::new(request, &["ProjectionExpression"])?;
        let projection = match exprs.projection(request)? {
            Some(projection) => Some(projection),
            None => legacy::attributes_to_get(request)?,
        };
        exprs.finish()?;
        self.get(GetItemInput {
            table_name,
            key,
            consistent_read: request.bool("ConsistentRead")?.unwrap_or(false),
            projection,
            return_consumed_capacity,
        })
        .await
    }

    /// Runs a GetItem.
    async fn get(&self, input: GetItemInput) -> Result<Vec<u8>, ApiError> {
        let out = self.backend.get_item(input).await?;
        to_body(&GetOutput {
            item: out.item.as_ref().map(ItemRef),
            consumed_capacity: out.consumed_capacity.as_ref().map(capacity_json),
        })
    }

    async fn update_item(&self, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
        let members = write_members(request, "Key")?;
        check_not_mixed(
            request,
            &["Expected", "ConditionalOperator", "AttributeUpdates"],
            &["ConditionExpression", "UpdateExpression"],
        )?;
        let exprs = Exprs::new(request, &["ConditionExpression", "UpdateExpression"])?;
        let updates = match exprs.update(request)? {
            Some(updates) => updates,
            None => legacy::attribute_updates(request)?.unwrap_or_default(),
        };
        let condition =
            match exprs.condition(request, "ConditionExpression", ExpressionKind::Condition)? {
                Some(condition) => Some(condition),
                None => legacy::expected(request)?,
            };
        exprs.finish()?;
        let key_source =
            members.metrics.then(|| (members.table_name.clone(), members.item.clone()));
        let out = self
            .backend
            .update_item(UpdateItemInput {
                table_name: members.table_name,
                key: members.item,
                updates,
                condition,
                return_values: members.return_values,
                return_consumed_capacity: members.return_consumed_capacity,
                return_old_on_condition_failure: members.return_old_on_condition_failure,
            })
            .await?;
        self.write_response(out, key_source).await
    }

    async fn delete_item(&self, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
        let members = write_members(request, "Key")?;
        let condition = write_condition(request)?;
        self.write_item(WriteKind::Delete, members, condition).await
    }

    /// `ItemCollectionMetrics` for a write to a table with LSIs (DynamoDB returns none
    /// for other tables). The engine keeps no collection sizes, so the estimate is the
    /// smallest range DynamoDB reports.
    /// The response of PutItem, UpdateItem and DeleteItem: `Attributes` (ReturnValues),
    /// `ItemCollectionMetrics` when asked for (`key_source` holds the item's key
    /// attributes), `ConsumedCapacity`.
    async fn write_response(
        &self,
        out: WriteItemOutput,
        key_source: Option<(String, Item)>,
    ) -> Result<Vec<u8>, ApiError> {
        let item_collection_metrics = match &key_source {
            Some((table, key)) => self.collection_metrics(table, key).await,
            None => None,
        };
        to_body(&WriteOutput {
            attributes: out.attributes.as_ref().map(ItemRef),
            item_collection_metrics,
            consumed_capacity: out.consumed_capacity.as_ref().map(capacity_json),
        })
    }

    async fn collection_metrics(&self, table: &str, key: &Item) -> Option<Value> {
        let description = self.backend.describe_table(table.to_owned()).await.ok()?;
        if description.local_secondary_indexes.is_empty() {
            return None;
        }
        let partition = description.key_schema.iter().find(|e| e.key_type == KeyType::Hash)?;
        let value = key.get(&partition.attribute_name)?;
        let collection_key: Item = [(partition.attribute_name.clone(), value.clone())].into();
        Some(
            json!({"ItemCollectionKey": item_to_json(&collection_key), "SizeEstimateRangeGB": [0.0, 1.0]}),
        )
    }

    // -----------------------------------------------------------------------------------
    // Query and Scan
    // -----------------------------------------------------------------------------------

    async fn query(&self, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
        let mut violations = Violations::default();
        let table_name = request.required_str("TableName", &mut violations)?;
        let select = select(request, &mut violations)?;
        let limit = limit(request)?;
        let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
        violations.finish()?;
        check_not_mixed(
            request,
            &["KeyConditions", "QueryFilter", "AttributesToGet", "ConditionalOperator"],
            &["KeyConditionExpression", "FilterExpression", "ProjectionExpression"],
        )?;
        if !request.has("KeyConditionExpression") && !request.has("KeyConditions") {
            return Err(ApiError::validation(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
            ));
        }
        let exprs = Exprs::new(
            request,
            &["KeyConditionExpression", "FilterExpression", "ProjectionExpression"],
        )?;
        let pairs = match exprs.key_condition(request)? {
            Some(pairs) => pairs,
            None => legacy::key_conditions(request)?.unwrap_or_default(),
        };
        let filter = match exprs.condition(request, "FilterExpression", ExpressionKind::Filter)? {
            Some(filter) => Some(filter),
            None => legacy::filter(request, "QueryFilter")?,
        };
        let projection = match exprs.projection(request)? {
            Some(projection) => Some(projection),
            None => legacy::attributes_to_get(request)?,
        };
        exprs.finish()?;
        // The engine resolves the tests against the table's or index's key schema and
        // answers DynamoDB's errors; it reads the partition and sort lists as one list.
        let key_condition = KeyCondition { partition: Vec::new(), sort: pairs };
        let page = self
            .backend
            .query(QueryInput {
                table_name,
                index_name: request.str("IndexName")?.map(str::to_owned),
                key_condition,
                filter,
                projection,
                select,
                limit,
                scan_index_forward: request.bool("ScanIndexForward")?.unwrap_or(true),
                exclusive_start_key: request.item("ExclusiveStartKey")?,
                consistent_read: request.bool("ConsistentRead")?.unwrap_or(false),
                return_consumed_capacity,
            })
            .await?;
        page_body(&page, select)
    }

    async fn scan(&self, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
        let mut violations = Violations::default();
        let table_name = request.required_str("TableName", &mut violations)?;
        let select = select(request, &mut violations)?;
        let limit = limit(request)?;
        let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
        let segment = request.int("Segment")?;
        let total = request.int("TotalSegments")?;
        if let Some(segment) = segment.filter(|s| *s < 0) {
            violations.push(
                &format!("'{segment}'"),
                "segment",
                "Member must have value greater than or equal to 0",
            );
        }
        if let Some(total) = total.filter(|t| *t < 1) {
            violations.push(
                &format!("'{total}'"),
                "totalSegments",
                "Member must have value greater than or equal to 1",
            );
        }
        violations.finish()?;
        let segment = match (segment, total) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(ApiError::validation(
                    "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
                ))
            }
            (None, Some(_)) => {
                return Err(ApiError::validation(
                    "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
                ))
            }
            (Some(segment), Some(total)) => Some((
                u32::try_from(segment).unwrap_or(u32::MAX),
                u32::try_from(total).unwrap_or(u32::MAX),
            )),
        };
        check_not_mixed(
            request,
            &["ScanFilter", "AttributesToGet", "ConditionalOperator"],
            &["FilterExpression", "ProjectionExpression"],
        )?;
        let exprs = Exprs::new(request, &["FilterExpression", "ProjectionExpression"])?;
        let filter = match exprs.condition(request, "FilterExpression", ExpressionKind::Filter)? {
            Some(filter) => Some(filter),
            None => legacy::filter(request, "ScanFilter")?,
        };
        let projection = match exprs.projection(request)? {
            Some(projection) => Some(projection),
            None => legacy::attributes_to_get(request)?,
        };
        exprs.finish()?;
        let page = self
            .backend
            .scan(ScanInput {
                table_name,
                index_name: request.str("IndexName")?.map(str::to_owned),
                filter,
                projection,
                select,
                limit,
                exclusive_start_key: request.item("ExclusiveStartKey")?,
                consistent_read: request.bool("ConsistentRead")?.unwrap_or(false),
                segment,
                return_consumed_capacity,
            })
            .await?;
        page_body(&page, select)
    }

    // -----------------------------------------------------------------------------------
    // Batches
    // -----------------------------------------------------------------------------------

    async fn batch_get_item(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let mut violations = Violations::default();
        let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
        let tables = request.object("RequestItems")?;
        if tables.is_none() {
            violations.null("requestItems");
        }
        violations.finish()?;
        let tables = tables.cloned().unwrap_or_default();
        if tables.is_empty() {
            return Err(ApiError::validation("BatchGetItem must have some requests set"));
        }
        let mut request_items = HashMap::new();
        for (table, entry) in &tables {
            let entry = Request::new(entry)?;
            check_not_mixed(&entry, &["AttributesToGet"], &["ProjectionExpression"])?;
            let exprs = Exprs::new(&entry, &["ProjectionExpression"])?;
            let projection = match exprs.projection(&entry)? {
                Some(projection) => Some(projection),
                None => legacy::attributes_to_get(&entry)?,
            };
            exprs.finish()?;
            let keys = match entry.array("Keys")? {
                Some(keys) => keys
                    .iter()
                    .map(|key| singletable_runtime::json::item_from_json(key).map_err(crate::wire::value_error))
                    .collect::<Result<Vec<_>, _>>()?,
                None => {
                    return Err(ApiError::validation(format!(
                        "1 validation error detected: Value null at 'requestItems.{table}.member.keys' failed to satisfy constraint: Member must not be null"
                    )))
                }
            };
            request_items.insert(
                table.clone(),
                KeysAndAttributes {
                    keys,
                    consistent_read: entry.bool("ConsistentRead")?.unwrap_or(false),
                    projection,
                },
            );
        }
        let out = self
            .backend
            .batch_get_item(BatchGetItemInput { request_items, return_consumed_capacity })
            .await?;
        let responses: Map<String, Value> = out
            .responses
            .iter()
            .map(|(table, items)| {
                (table.clone(), Value::Array(items.iter().map(item_to_json).collect()))
            })
            .collect();
        let unprocessed: Map<String, Value> = out
            .unprocessed_keys
            .iter()
            .map(|(table, keys)| {
                // The request's own entry for the table, with only the keys left.
                let mut entry =
                    tables.get(table).and_then(Value::as_object).cloned().unwrap_or_default();
                entry.insert(
                    "Keys".to_owned(),
                    Value::Array(keys.keys.iter().map(item_to_json).collect()),
                );
                (table.clone(), Value::Object(entry))
            })
            .collect();
        let mut object = Map::new();
        object.insert("Responses".to_owned(), Value::Object(responses));
        object.insert("UnprocessedKeys".to_owned(), Value::Object(unprocessed));
        Ok(output_with_capacities(object, &out.consumed_capacity))
    }

    async fn batch_write_item(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let mut violations = Violations::default();
        let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
        let metrics = item_collection_metrics_asked(request, &mut violations)?;
        let tables = request.object("RequestItems")?;
        if tables.is_none() {
            violations.null("requestItems");
        }
        violations.finish()?;
        let tables = tables.cloned().unwrap_or_default();
        if tables.is_empty() {
            return Err(ApiError::validation("BatchWriteItem must have some requests set"));
        }
        let mut request_items = HashMap::new();
        let mut written: Vec<(String, Item)> = Vec::new();
        for (table, requests) in &tables {
            let Some(requests) = requests.as_array() else {
                return Err(ApiError::serialization(format!(
                    "RequestItems.{table} must be an array"
                )));
            };
            let mut list = Vec::with_capacity(requests.len());
            for entry in requests {
                let entry = Request::new(entry)?;
                let request = match (entry.nested("PutRequest")?, entry.nested("DeleteRequest")?) {
                    (Some(put), None) => {
                        let mut v = Violations::default();
                        let item = put.required_item("Item", &mut v)?;
                        v.finish()?;
                        WriteRequest::Put { item }
                    }
                    (None, Some(delete)) => {
                        let mut v = Violations::default();
                        let key = delete.required_item("Key", &mut v)?;
                        v.finish()?;
                        WriteRequest::Delete { key }
                    }
                    _ => {
                        return Err(ApiError::validation(
                            "Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest",
                        ))
                    }
                };
                if metrics {
                    let key = match &request {
                        WriteRequest::Put { item } => item.clone(),
                        WriteRequest::Delete { key } => key.clone(),
                    };
                    written.push((table.clone(), key));
                }
                list.push(request);
            }
            request_items.insert(table.clone(), list);
        }
        let out = self
            .backend
            .batch_write_item(BatchWriteItemInput { request_items, return_consumed_capacity })
            .await?;
        let unprocessed: Map<String, Value> = out
            .unprocessed_items
            .iter()
            .map(|(table, requests)| {
                (table.clone(), Value::Array(requests.iter().map(write_request_json).collect()))
            })
            .collect();
        let mut object = Map::new();
        object.insert("UnprocessedItems".to_owned(), Value::Object(unprocessed));
        if metrics {
            let mut by_table: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for (table, key) in &written {
                if let Some(metric) = self.collection_metrics(table, key).await {
                    by_table.entry(table.clone()).or_default().push(metric);
                }
            }
            let by_table: Map<String, Value> =
                by_table.into_iter().map(|(table, list)| (table, Value::Array(list))).collect();
            object.insert("ItemCollectionMetrics".to_owned(), Value::Object(by_table));
        }
        Ok(output_with_capacities(object, &out.consumed_capacity))
    }

    // -----------------------------------------------------------------------------------
    // Transactions
    // -----------------------------------------------------------------------------------

    async fn transact_write_items(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let mut violations = Violations::default();
        let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
        let _ = item_collection_metrics_asked(request, &mut violations)?;
        let actions = request.array("TransactItems")?;
        if actions.is_none() {
            violations.null("transactItems");
        }
        let token = request.str("ClientRequestToken")?.map(str::to_owned);
        if let Some(token) = &token {
            if token.is_empty() || token.chars().count() > 36 {
                violations.push(
                    &format!("'{token}'"),
                    "clientRequestToken",
                    "Member must have length less than or equal to 36",
                );
            }
        }
        let actions = actions.cloned().unwrap_or_default();
        transact_items_length(request, actions.len(), &mut violations);
        violations.finish()?;
        let mut items = Vec::with_capacity(actions.len());
        for action in &actions {
            items.push(transact_write_action(&Request::new(action)?)?);
        }
        let out = self
            .backend
            .transact_write_items(TransactWriteItemsInput {
                items,
                client_request_token: token,
                return_consumed_capacity,
            })
            .await?;
        Ok(output_with_capacities(Map::new(), &out.consumed_capacity))
    }

    async fn transact_get_items(&self, request: &Request<'_>) -> Result<Value, ApiError> {
        let mut violations = Violations::default();
        let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
        let actions = request.array("TransactItems")?;
        if actions.is_none() {
            violations.null("transactItems");
        }
        let actions = actions.cloned().unwrap_or_default();
        transact_items_length(request, actions.len(), &mut violations);
        violations.finish()?;
        let mut items = Vec::with_capacity(actions.len());
        for action in &actions {
            let action = Request::new(action)?;
            let Some(get) = action.nested("Get")? else {
                return Err(ApiError::validation(
                    "1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: Member must not be null",
                ));
            };
            let mut v = Violations::default();
            let table_name = get.required_str("TableName", &mut v)?;
            let key = get.required_item("Key", &mut v)?;
            v.finish()?;
            let exprs = Exprs::new(&get, &["ProjectionExpression"])?;
            let projection = exprs.projection(&get)?;
            exprs.finish()?;
            items.push(TransactGetItem { table_name, key, projection });
        }
        let out = self
            .backend
            .transact_get_items(TransactGetItemsInput { items, return_consumed_capacity })
            .await?;
        let responses: Vec<Value> = out
            .responses
            .iter()
            .map(|item| match item {
                Some(item) => json!({"Item": item_to_json(item)}),
                None => json!({}),
            })
            .collect();
        let mut object = Map::new();
        object.insert("Responses".to_owned(), Value::Array(responses));
        Ok(output_with_capacities(object, &out.consumed_capacity))
    }
}

/// DynamoDB's length constraint on `TransactItems` (1 to 100 actions).
fn transact_items_length(request: &Request<'_>, count: usize, violations: &mut Violations) {
    if count > 100 {
        violations.push(
            "'[...]'",
            "transactItems",
            "Member must have length less than or equal to 100",
        );
    } else if count == 0 && request.has("TransactItems") {
        violations.push(
            "'[]'",
            "transactItems",
            "Member must have length greater than or equal to 1",
        );
    }
}

fn transact_write_action(action: &Request<'_>) -> Result<TransactWriteItem, ApiError> {
    let kinds = ["Put", "Update", "Delete", "ConditionCheck"];
    let present: Vec<&str> = kinds.iter().copied().filter(|k| action.has(k)).collect();
    let [kind] = present.as_slice() else {
        return Err(ApiError::validation(
            "TransactItems can only contain one of Check, Put, Update or Delete",
        ));
    };
    let Some(body) = action.nested(kind)? else {
        return Err(ApiError::serialization(format!("{kind} must be an object")));
    };
    let mut violations = Violations::default();
    let table_name = body.required_str("TableName", &mut violations)?;
    let return_old_on_condition_failure = body.return_old_on_failure(&mut violations)?;
    let expression_members: &[&str] = match *kind {
        "Update" => &["ConditionExpression", "UpdateExpression"],
        _ => &["ConditionExpression"],
    };
    let item =
        if *kind == "Put" { Some(body.required_item("Item", &mut violations)?) } else { None };
    let key = if *kind == "Put" { None } else { Some(body.required_item("Key", &mut violations)?) };
    if *kind == "Update" && !body.has("UpdateExpression") {
        violations.null("transactItems.1.member.update.updateExpression");
    }
    if *kind == "ConditionCheck" && !body.has("ConditionExpression") {
        violations.null("transactItems.1.member.conditionCheck.conditionExpression");
    }
    violations.finish()?;
    let exprs = Exprs::new(&body, expression_members)?;
    let updates = exprs.update(&body)?;
    let condition = exprs.condition(&body, "ConditionExpression", ExpressionKind::Condition)?;
    exprs.finish()?;
    Ok(match *kind {
        "Put" => TransactWriteItem::Put {
            table_name,
            item: item.unwrap_or_default(),
            condition,
            return_old_on_condition_failure,
        },
        "Update" => TransactWriteItem::Update {
            table_name,
            key: key.unwrap_or_default(),
            updates: updates.unwrap_or_default(),
            condition,
            return_old_on_condition_failure,
        },
        "Delete" => TransactWriteItem::Delete {
            table_name,
            key: key.unwrap_or_default(),
            condition,
            return_old_on_condition_failure,
        },
        _ => match condition {
            Some(condition) => TransactWriteItem::ConditionCheck {
                table_name,
                key: key.unwrap_or_default(),
                condition,
                return_old_on_condition_failure,
            },
            None => return Err(ApiError::validation("The expression can not be empty;")),
        },
    })
}

fn write_request_json(request: &WriteRequest) -> Value {
    match request {
        WriteRequest::Put { item } => json!({"PutRequest": {"Item": item_to_json(item)}}),
        WriteRequest::Delete { key } => json!({"DeleteRequest": {"Key": item_to_json(key)}}),
    }
}

/// The response body of a Query or Scan page.
fn page_body(
    page: &singletable_runtime::backend::PageOutput,
    select: Option<Select>,
) -> Result<Vec<u8>, ApiError> {
    to_body(&PageOutput {
        items: (select != Some(Select::Count)).then_some(ItemsRef(&page.items)),
        count: page.count,
        scanned_count: page.scanned_count,
        last_evaluated_key: page.last_evaluated_key.as_ref().map(ItemRef),
        consumed_capacity: page.consumed_capacity.as_ref().map(capacity_json),
    })
}

fn select(request: &Request<'_>, violations: &mut Violations) -> Result<Option<Select>, ApiError> {
    Ok(match request.str("Select")? {
        None => None,
        Some("ALL_ATTRIBUTES") => Some(Select::AllAttributes),
        Some("ALL_PROJECTED_ATTRIBUTES") => Some(Select::AllProjectedAttributes),
        Some("SPECIFIC_ATTRIBUTES") => Some(Select::SpecificAttributes),
        Some("COUNT") => Some(Select::Count),
        Some(other) => {
            violations.enumeration(
                other,
                "select",
                &["SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"],
            );
            None
        }
    })
}

/// `Limit`; below 1 it reaches the engine as 0, which answers DynamoDB's
/// `Limit must be greater than or equal to 1`.
fn limit(request: &Request<'_>) -> Result<Option<u32>, ApiError> {
    Ok(request.int("Limit")?.map(|limit| u32::try_from(limit.max(0)).unwrap_or(u32::MAX)))
}

/// The condition of a PutItem or DeleteItem: `ConditionExpression`, or the legacy
/// `Expected` (never both).
fn write_condition(request: &Request<'_>) -> Result<Option<Condition>, ApiError> {
    check_not_mixed(request, &["Expected", "ConditionalOperator"], &["ConditionExpression"])?;
    let exprs = Exprs::new(request, &["ConditionExpression"])?;
    let condition =
        match exprs.condition(request, "ConditionExpression", ExpressionKind::Condition)? {
            Some(condition) => Some(condition),
            None => legacy::expected(request)?,
        };
    exprs.finish()?;
    Ok(condition)
}

/// PutItem or DeleteItem.
#[derive(Debug, Clone, Copy)]
enum WriteKind {
    Put,
    Delete,
}

/// Reads the members PutItem, UpdateItem and DeleteItem share with DynamoDB's checks in
/// DynamoDB's order (violations reported together); `item_member` is `Item` or `Key`.
fn write_members(request: &Request<'_>, item_member: &str) -> Result<WriteMembers, ApiError> {
    let mut violations = Violations::default();
    let table_name = request.required_str("TableName", &mut violations)?;
    let item = request.required_item(item_member, &mut violations)?;
    let return_values = request.return_values(&mut violations)?;
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    let return_old_on_condition_failure = request.return_old_on_failure(&mut violations)?;
    let metrics = item_collection_metrics_asked(request, &mut violations)?;
    violations.finish()?;
    Ok(WriteMembers {
        table_name,
        item,
        return_values,
        return_consumed_capacity,
        return_old_on_condition_failure,
        metrics,
    })
}

fn item_collection_metrics_asked(
    request: &Request<'_>,
    violations: &mut Violations,
) -> Result<bool, ApiError> {
    Ok(match request.str("ReturnItemCollectionMetrics")? {
        None | Some("NONE") => false,
        Some("SIZE") => true,
        Some(other) => {
            violations.enumeration(other, "returnItemCollectionMetrics", &["SIZE", "NONE"]);
            false
        }
    })
}

fn scalar_type(text: &str) -> Option<ScalarType> {
    match text {
        "S" => Some(ScalarType::S),
        "N" => Some(ScalarType::N),
        "B" => Some(ScalarType::B),
        _ => None,
    }
}

/// `KeySchema` of a table or an index.
pub(crate) fn key_schema(
    request: &Request<'_>,
    at: &str,
    violations: &mut Violations,
) -> Result<Vec<KeySchemaElement>, ApiError> {
    let Some(elements) = request.array("KeySchema")? else {
        violations.null(at);
        return Ok(Vec::new());
    };
    let mut schema = Vec::with_capacity(elements.len());
    for element in elements {
        let element = Request::new(element)?;
        let name = element.str("AttributeName")?.unwrap_or_default().to_owned();
        let key_type = match element.str("KeyType")? {
            Some("HASH") => KeyType::Hash,
            Some("RANGE") => KeyType::Range,
            Some(other) => {
                violations.enumeration(other, &format!("{at}.member.keyType"), &["HASH", "RANGE"]);
                KeyType::Hash
            }
            None => {
                violations.null(&format!("{at}.member.keyType"));
                KeyType::Hash
            }
        };
        schema.push(KeySchemaElement { attribute_name: name, key_type });
    }
    Ok(schema)
}

/// `Projection` of an index.
pub(crate) fn projection(request: &Request<'_>) -> Result<ProjectionSpec, ApiError> {
    let Some(projection) = request.nested("Projection")? else {
        return Err(ApiError::validation(
            "One or more parameter values were invalid: Projection must be specified for an index",
        ));
    };
    Ok(match projection.str("ProjectionType")? {
        None | Some("ALL") => ProjectionSpec::All,
        Some("KEYS_ONLY") => ProjectionSpec::KeysOnly,
        Some("INCLUDE") => ProjectionSpec::Include(projection.strings("NonKeyAttributes")?.unwrap_or_default()),
        Some(other) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]"
            )))
        }
    })
}

/// `ProvisionedThroughput` as (read, write).
pub(crate) fn throughput(request: &Request<'_>) -> Result<Option<(u64, u64)>, ApiError> {
    let Some(throughput) = request.nested("ProvisionedThroughput")? else { return Ok(None) };
    let read = throughput.int("ReadCapacityUnits")?.unwrap_or(0);
    let write = throughput.int("WriteCapacityUnits")?.unwrap_or(0);
    Ok(Some((u64::try_from(read).unwrap_or(0), u64::try_from(write).unwrap_or(0))))
}

/// One `GlobalSecondaryIndexes` / `LocalSecondaryIndexes` element.
pub(crate) fn secondary_index(
    index: &Request<'_>,
    at: &str,
    violations: &mut Violations,
) -> Result<SecondaryIndex, ApiError> {
    let index_name = index.required_str("IndexName", violations)?;
    let key_schema = key_schema(index, &format!("{at}.member.keySchema"), violations)?;
    Ok(SecondaryIndex {
        index_name,
        key_schema,
        projection: projection(index)?,
        provisioned_throughput: throughput(index)?,
    })
}

/// `AttributeDefinitions`.
pub(crate) fn attribute_definitions(
    request: &Request<'_>,
    violations: &mut Violations,
) -> Result<Vec<AttributeDefinition>, ApiError> {
    let Some(definitions) = request.array("AttributeDefinitions")? else {
        violations.null("attributeDefinitions");
        return Ok(Vec::new());
    };
    let mut list = Vec::with_capacity(definitions.len());
    for definition in definitions {
        let definition = Request::new(definition)?;
        let name = definition.str("AttributeName")?.unwrap_or_default().to_owned();
        let ty = match definition.str("AttributeType")? {
            Some(text) => match scalar_type(text) {
                Some(ty) => ty,
                None => {
                    violations.enumeration(
                        text,
                        "attributeDefinitions.member.attributeType",
                        &["B", "N", "S"],
                    );
                    ScalarType::S
                }
            },
            None => {
                violations.null("attributeDefinitions.member.attributeType");
                ScalarType::S
            }
        };
        list.push(AttributeDefinition { name, ty });
    }
    Ok(list)
}

/// `BillingMode` with `ProvisionedThroughput`.
pub(crate) fn billing_mode(
    request: &Request<'_>,
    violations: &mut Violations,
) -> Result<Option<BillingMode>, ApiError> {
    let throughput = throughput(request)?;
    Ok(match request.str("BillingMode")? {
        Some("PAY_PER_REQUEST") => {
            if throughput.is_some() {
                return Err(ApiError::validation(
                    "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                ));
            }
            Some(BillingMode::PayPerRequest)
        }
        Some("PROVISIONED") | None => {
            throughput.map(|(read, write)| BillingMode::Provisioned { read, write })
        }
        Some(other) => {
            violations.enumeration(other, "billingMode", &["PROVISIONED", "PAY_PER_REQUEST"]);
            None
        }
    })
}

/// `StreamSpecification`.
pub(crate) fn stream_specification(
    request: &Request<'_>,
) -> Result<Option<Option<StreamViewType>>, ApiError> {
    let Some(spec) = request.nested("StreamSpecification")? else { return Ok(None) };
    let enabled = spec.bool("StreamEnabled")?.unwrap_or(false);
    if !enabled {
        return Ok(Some(None));
    }
    let view = match spec.str("StreamViewType")? {
        Some("KEYS_ONLY") => StreamViewType::KeysOnly,
        Some("NEW_IMAGE") => StreamViewType::NewImage,
        Some("OLD_IMAGE") => StreamViewType::OldImage,
        Some("NEW_AND_OLD_IMAGES") => StreamViewType::NewAndOldImages,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]"
            )))
        }
        None => {
            return Err(ApiError::validation(
                "One or more parameter values were invalid: StreamViewType must be specified when StreamEnabled is true",
            ))
        }
    };
    Ok(Some(Some(view)))
}

fn create_table_input(request: &Request<'_>) -> Result<CreateTableInput, ApiError> {
    let mut violations = Violations::default();
    let attribute_definitions = attribute_definitions(request, &mut violations)?;
    let table_name = request.required_str("TableName", &mut violations)?;
    let key_schema = key_schema(request, "keySchema", &mut violations)?;
    let billing = billing_mode(request, &mut violations)?;
    let mut global_secondary_indexes = Vec::new();
    for index in request.array("GlobalSecondaryIndexes")?.into_iter().flatten() {
        global_secondary_indexes.push(secondary_index(
            &Request::new(index)?,
            "globalSecondaryIndexes",
            &mut violations,
        )?);
    }
    let mut local_secondary_indexes = Vec::new();
    for index in request.array("LocalSecondaryIndexes")?.into_iter().flatten() {
        local_secondary_indexes.push(secondary_index(
            &Request::new(index)?,
            "localSecondaryIndexes",
            &mut violations,
        )?);
    }
    violations.finish()?;
    let billing_mode = billing.ok_or_else(|| {
        ApiError::validation(
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        )
    })?;
    let stream = stream_specification(request)?.flatten();
    Ok(CreateTableInput {
        table_name,
        attribute_definitions,
        key_schema,
        global_secondary_indexes,
        local_secondary_indexes,
        billing_mode,
        stream,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(engine: &Engine, operation: Operation, body: &Value) -> Result<Value, ApiError> {
        let body = serde_json::to_vec(body).map_err(|e| ApiError::internal(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let output = runtime.block_on(engine.execute(operation, &body))?;
        serde_json::from_slice(&output).map_err(|e| ApiError::internal(e.to_string()))
    }

    fn engine_with_table() -> Engine {
        let engine = Engine::new();
        let created = run(
            &engine,
            Operation::CreateTable,
            &json!({
                "TableName": "Tbl",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST"
            }),
        );
        assert!(created.is_ok(), "{created:?}");
        engine
    }

    /// The typed way and the JSON-value way (forced by a member the typed read does not
    /// take, `Expected: null`, which the value way ignores) answer the same.
    #[test]
    fn typed_and_value_paths_answer_the_same() {
        let typed = engine_with_table();
        let value = engine_with_table();
        let item = json!({"pk": {"S": "a"}, "n": {"N": "1.5"}, "b": {"B": "AAE="},
            "l": {"L": [{"NULL": true}, {"BOOL": false}]}, "m": {"M": {"s": {"SS": ["x"]}}},
            "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AA=="]}, "e": {"S": "é\"\\"}});
        let put = json!({"TableName": "Tbl", "Item": item, "ReturnConsumedCapacity": "TOTAL"});
        let mut forced = put.clone();
        forced["Expected"] = Value::Null;
        assert_eq!(run(&typed, Operation::PutItem, &put), run(&value, Operation::PutItem, &forced));
        let again =
            json!({"TableName": "Tbl", "Item": {"pk": {"S": "a"}}, "ReturnValues": "ALL_OLD"});
        let mut forced = again.clone();
        forced["Expected"] = Value::Null;
        let old = run(&typed, Operation::PutItem, &again);
        assert_eq!(old, run(&value, Operation::PutItem, &forced));
        assert_eq!(old.ok().and_then(|o| o.get("Attributes").cloned()), Some(item.clone()));
        for (operation, body) in [
            (
                Operation::GetItem,
                json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}}, "ConsistentRead": true}),
            ),
            (Operation::GetItem, json!({"TableName": "Tbl", "Key": {"pk": {"S": "nope"}}})),
            (
                Operation::DeleteItem,
                json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}}, "ReturnValues": "ALL_OLD"}),
            ),
            (Operation::GetItem, json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}}})),
        ] {
            let mut forced = body.clone();
            forced[if operation == Operation::GetItem { "AttributesToGet" } else { "Expected" }] =
                Value::Null;
            let answer = run(&typed, operation, &body);
            assert!(answer.is_ok(), "{operation} {body}: {answer:?}");
            assert_eq!(answer, run(&value, operation, &forced), "{operation} {body}");
        }
    }

    /// Requests the typed read refuses get the value way's DynamoDB errors.
    #[test]
    fn faults_keep_dynamodb_messages_and_order() {
        let engine = engine_with_table();
        let error = |operation: Operation, body: Value| match run(&engine, operation, &body) {
            Err(error) => (error.name, error.message),
            Ok(output) => panic!("{operation} {body} succeeded: {output}"),
        };
        assert_eq!(
            error(Operation::PutItem, json!({"Item": {"pk": {"S": "a"}}, "ReturnValues": "SOME"})),
            (
                "ValidationException".to_owned(),
                "2 validation errors detected: Value null at 'tableName' failed to satisfy \
                 constraint: Member must not be null; Value 'SOME' at 'returnValues' failed to \
                 satisfy constraint: Member must satisfy enum value set: [NONE, ALL_OLD, \
                 UPDATED_OLD, ALL_NEW, UPDATED_NEW]"
                    .to_owned()
            )
        );
        assert_eq!(
            error(Operation::PutItem, json!({"TableName": 5, "Item": {"pk": {"S": "a"}}})),
            ("SerializationException".to_owned(), "Member TableName must be a string".to_owned())
        );
        assert_eq!(
            error(
                Operation::PutItem,
                json!({"TableName": "Tbl", "Item": {"pk": {"S": "a"}, "n": {"N": "x1"}}})
            )
            .0,
            "ValidationException"
        );
        assert_eq!(
            error(Operation::GetItem, json!({"TableName": "Tbl", "Key": {"pk": {}}})),
            (
                "ValidationException".to_owned(),
                "Supplied AttributeValue is empty, must contain exactly one of the supported \
                 datatypes"
                    .to_owned()
            )
        );
        assert_eq!(
            error(
                Operation::DeleteItem,
                json!({"TableName": "Tbl", "Key": {"pk": {"NULL": false}}})
            )
            .1,
            "One or more parameter values were invalid: Null attribute value types must have \
             the value of true"
        );
        assert_eq!(
            error(Operation::PutItem, json!({"TableName": "Missing", "Item": {"pk": {"S": "a"}}}))
                .0,
            "ResourceNotFoundException"
        );
    }
}

//! The [`Backend`] trait and its DynamoDB-shaped requests and responses.
//!
//! A backend executes DynamoDB operations. The typed API (`TableClient`, crate `singletable-runtime`)
//! builds these requests from the model and decodes the responses, so every backend
//! (the embedded `MemoryBackend`, the AWS SDK backend, a served engine) sees the same
//! operations with the same parameters, errors and capacity figures as DynamoDB's API.
//!
//! # Why object-safe
//!
//! `Backend` returns boxed futures ([`BoxFuture`]) so that it is object-safe: a client
//! holds an `Arc<dyn Backend>`, and a program can choose at run time between the
//! embedded engine and DynamoDB (an `--endpoint` flag) without making every type of the
//! program generic over the backend. One allocation per request is negligible beside a
//! network round trip, and small beside the work the embedded engine does per request.
//! Every future is `Send`, and every backend is `Send + Sync`, so a client can be shared
//! by many tasks.

mod partiql;

pub use partiql::{
    BatchExecuteStatementInput, BatchExecuteStatementOutput, BatchStatementError,
    BatchStatementRequest, BatchStatementResponse, ExecuteStatementInput, ExecuteStatementOutput,
    ExecuteTransactionInput, ExecuteTransactionOutput, ParameterizedStatement,
};

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use crate::error::Result;
use crate::expr::{Condition, KeyCondition, Path, UpdateAction};
use crate::schema::{BillingMode, KeyAttribute, Projection, ScalarType, StreamViewType};
use crate::value::Item;

mod backups;
mod catalog;

pub use self::backups::{
    BackupDescription, BackupDetails, BackupStatus, BackupSummary, BackupType, BackupTypeFilter,
    ContinuousBackupsDescription, ContinuousBackupsStatus, ListBackupsInput, ListBackupsOutput,
    PointInTimeRecoveryDescription, PointInTimeRecoverySpecification, RestoreOverrides,
    RestoreSummary, RestoreTableFromBackupInput, RestoreTableOutput,
    RestoreTableToPointInTimeInput, SourceTableDetails, SourceTableFeatureDetails,
};
pub use self::catalog::{GlobalSecondaryIndexUpdate, StreamSpecification, Tag, UpdateTableInput};

/// A boxed, `Send` future: what [`Backend`] methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Executes DynamoDB operations. See the [module docs](self) for the design.
pub trait Backend: Send + Sync + 'static {
    /// `CreateTable`.
    fn create_table(&self, input: CreateTableInput) -> BoxFuture<'_, Result<TableDescription>>;
    /// `DeleteTable`; returns the table's description as it was.
    fn delete_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>>;
    /// `DescribeTable`.
    fn describe_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>>;
    /// `ListTables`, one page.
    fn list_tables(&self, input: ListTablesInput) -> BoxFuture<'_, Result<ListTablesOutput>>;
    /// `GetItem`.
    fn get_item(&self, input: GetItemInput) -> BoxFuture<'_, Result<GetItemOutput>>;
    /// `PutItem`.
    fn put_item(&self, input: PutItemInput) -> BoxFuture<'_, Result<WriteItemOutput>>;
    /// `DeleteItem`.
    fn delete_item(&self, input: DeleteItemInput) -> BoxFuture<'_, Result<WriteItemOutput>>;
    /// `UpdateItem`.
    fn update_item(&self, input: UpdateItemInput) -> BoxFuture<'_, Result<WriteItemOutput>>;
    /// `Query`, one page.
    fn query(&self, input: QueryInput) -> BoxFuture<'_, Result<PageOutput>>;
    /// `Scan`, one page (of one segment, for a parallel scan).
    fn scan(&self, input: ScanInput) -> BoxFuture<'_, Result<PageOutput>>;
    /// `BatchGetItem`: up to 100 keys over any tables.
    fn batch_get_item(&self, input: BatchGetItemInput)
        -> BoxFuture<'_, Result<BatchGetItemOutput>>;
    /// `BatchWriteItem`: up to 25 puts and deletes over any tables.
    fn batch_write_item(
        &self,
        input: BatchWriteItemInput,
    ) -> BoxFuture<'_, Result<BatchWriteItemOutput>>;
    /// `TransactWriteItems`: 1–100 actions, all or nothing.
    fn transact_write_items(
        &self,
        input: TransactWriteItemsInput,
    ) -> BoxFuture<'_, Result<TransactWriteItemsOutput>>;
    /// `TransactGetItems`: 1–100 reads, one consistent snapshot.
    fn transact_get_items(
        &self,
        input: TransactGetItemsInput,
    ) -> BoxFuture<'_, Result<TransactGetItemsOutput>>;
    /// `UpdateTimeToLive`.
    fn update_time_to_live(
        &self,
        table_name: String,
        specification: TimeToLiveSpecification,
    ) -> BoxFuture<'_, Result<TimeToLiveSpecification>>;
    /// `DescribeTimeToLive`.
    fn describe_time_to_live(
        &self,
        table_name: String,
    ) -> BoxFuture<'_, Result<TimeToLiveDescription>>;

    /// Waits `duration` on the backend's own clock when that clock is simulated (the
    /// embedded engine on a [`ManualClock`](crate::clock::ManualClock)): the clock moves
    /// forward and the answer is true, so a retry's backoff takes no real time and a
    /// capacity model on that clock refills as if the time had passed. Backends on real
    /// time answer false (the default), and the caller sleeps for real. Wrappers forward
    /// it to the backend they wrap.
    fn simulated_sleep(&self, duration: std::time::Duration) -> bool {
        let _ = duration;
        false
    }

    /// `UpdateTable` (see [`UpdateTableInput`]): what a migration needs to add or remove
    /// an index, or change the stream or the billing. The typed client never sends it; a
    /// backend that cannot change tables keeps this default, which fails with
    /// `UnknownOperationException` naming the operation.
    fn update_table(&self, input: UpdateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        let table = input.table_name;
        Box::pin(async move {
            Err(crate::error::Error::Service {
                code: "UnknownOperationException".to_owned(),
                message: format!("this backend cannot run UpdateTable (table {table})"),
                source: None,
            })
        })
    }
}

/// A key attribute with its role, as in `CreateTable`'s `KeySchema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// Partition key (`HASH`).
    Hash,
    /// Sort key (`RANGE`).
    Range,
}

/// One element of a key schema: `{AttributeName, KeyType}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySchemaElement {
    /// The attribute name.
    pub attribute_name: String,
    /// `HASH` or `RANGE`.
    pub key_type: KeyType,
}

/// One element of `AttributeDefinitions`: a key attribute and its scalar type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttributeDefinition {
    /// `AttributeName`.
    pub name: String,
    /// `AttributeType`.
    pub ty: ScalarType,
}

impl From<KeyAttribute> for AttributeDefinition {
    fn from(attribute: KeyAttribute) -> Self {
        AttributeDefinition { name: attribute.name.to_owned(), ty: attribute.ty }
    }
}

/// A secondary index in a `CreateTable` request or a table description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondaryIndex {
    /// The index name.
    pub index_name: String,
    /// Its key schema: `HASH` elements first (1–4 for a GSI), then `RANGE` (0–4).
    pub key_schema: Vec<KeySchemaElement>,
    /// Its projection (owned names).
    pub projection: ProjectionSpec,
    /// Provisioned throughput (read, write) of a GSI on a provisioned table.
    pub provisioned_throughput: Option<(u64, u64)>,
}

/// An owned [`Projection`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectionSpec {
    /// `ALL`.
    All,
    /// `KEYS_ONLY`.
    KeysOnly,
    /// `INCLUDE` with `NonKeyAttributes`.
    Include(Vec<String>),
}

impl From<Projection> for ProjectionSpec {
    fn from(projection: Projection) -> Self {
        match projection {
            Projection::All => ProjectionSpec::All,
            Projection::KeysOnly => ProjectionSpec::KeysOnly,
            Projection::Include(names) => {
                ProjectionSpec::Include(names.iter().map(|n| (*n).to_owned()).collect())
            }
        }
    }
}

/// `CreateTable`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTableInput {
    /// `TableName`.
    pub table_name: String,
    /// `AttributeDefinitions`: every key attribute of the table and its indexes.
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// `KeySchema`.
    pub key_schema: Vec<KeySchemaElement>,
    /// `GlobalSecondaryIndexes`.
    pub global_secondary_indexes: Vec<SecondaryIndex>,
    /// `LocalSecondaryIndexes`.
    pub local_secondary_indexes: Vec<SecondaryIndex>,
    /// `BillingMode` (with `ProvisionedThroughput`).
    pub billing_mode: BillingMode,
    /// `StreamSpecification`.
    pub stream: Option<StreamViewType>,
}

/// The lifecycle state of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStatus {
    /// Being created.
    Creating,
    /// Ready.
    Active,
    /// Being deleted.
    Deleting,
    /// Being updated.
    Updating,
}

/// `DescribeTable`'s `Table`.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDescription {
    /// `TableName`.
    pub table_name: String,
    /// `TableStatus`.
    pub table_status: TableStatus,
    /// `AttributeDefinitions`.
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// `KeySchema`.
    pub key_schema: Vec<KeySchemaElement>,
    /// `GlobalSecondaryIndexes`.
    pub global_secondary_indexes: Vec<SecondaryIndex>,
    /// `LocalSecondaryIndexes`.
    pub local_secondary_indexes: Vec<SecondaryIndex>,
    /// `BillingModeSummary` / `ProvisionedThroughput`.
    pub billing_mode: BillingMode,
    /// `StreamSpecification`.
    pub stream: Option<StreamViewType>,
    /// `ItemCount` (DynamoDB refreshes it about every six hours; the engine is exact).
    pub item_count: u64,
    /// `TableSizeBytes`.
    pub table_size_bytes: u64,
    /// `TableArn`.
    pub table_arn: String,
    /// `CreationDateTime`, Unix epoch seconds.
    pub creation_date_time: f64,
    /// `ItemCount` and `IndexSizeBytes` of each secondary index (GSIs, then LSIs).
    pub index_statistics: Vec<IndexStatistics>,
    /// `RestoreSummary`: where a restored table came from; `None` for a table that was
    /// created, not restored.
    pub restore_summary: Option<RestoreSummary>,
}

/// The figures DynamoDB reports for one secondary index in a table description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStatistics {
    /// `IndexName`.
    pub index_name: String,
    /// `ItemCount`: the entries in the index.
    pub item_count: u64,
    /// `IndexSizeBytes`: the summed size of the entries.
    pub index_size_bytes: u64,
    /// `IndexStatus` of a GSI (`CREATING` while DynamoDB backfills a new index, then
    /// `ACTIVE`); `None` where the description has none (LSIs).
    pub index_status: Option<TableStatus>,
}

/// `ListTables`'s parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListTablesInput {
    /// `ExclusiveStartTableName`.
    pub exclusive_start_table_name: Option<String>,
    /// `Limit` (1–100; 100 when absent).
    pub limit: Option<u32>,
}

/// `ListTables`'s result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListTablesOutput {
    /// `TableNames`, in ascending order.
    pub table_names: Vec<String>,
    /// `LastEvaluatedTableName`, when more remain.
    pub last_evaluated_table_name: Option<String>,
}

/// `ReturnConsumedCapacity`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReturnConsumedCapacity {
    /// `NONE`.
    #[default]
    None,
    /// `TOTAL`.
    Total,
    /// `INDEXES`.
    Indexes,
}

/// Capacity units consumed by one table or index.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Capacity {
    /// `CapacityUnits`.
    pub capacity_units: f64,
    /// `ReadCapacityUnits`.
    pub read_capacity_units: f64,
    /// `WriteCapacityUnits`.
    pub write_capacity_units: f64,
}

/// `ConsumedCapacity` as DynamoDB reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsumedCapacity {
    /// `TableName`.
    pub table_name: String,
    /// `CapacityUnits` (total).
    pub capacity_units: f64,
    /// `ReadCapacityUnits` (total).
    pub read_capacity_units: f64,
    /// `WriteCapacityUnits` (total).
    pub write_capacity_units: f64,
    /// `Table` (with `INDEXES`).
    pub table: Option<Capacity>,
    /// `GlobalSecondaryIndexes` by name (with `INDEXES`).
    pub global_secondary_indexes: Vec<(String, Capacity)>,
    /// `LocalSecondaryIndexes` by name (with `INDEXES`).
    pub local_secondary_indexes: Vec<(String, Capacity)>,
}

/// `ReturnValues`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReturnValues {
    /// `NONE`.
    #[default]
    None,
    /// `ALL_OLD`.
    AllOld,
    /// `UPDATED_OLD` (UpdateItem only).
    UpdatedOld,
    /// `ALL_NEW` (UpdateItem only).
    AllNew,
    /// `UPDATED_NEW` (UpdateItem only).
    UpdatedNew,
}

/// `GetItem`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetItemInput {
    /// `TableName`.
    pub table_name: String,
    /// `Key`: exactly the table's key attributes.
    pub key: Item,
    /// `ConsistentRead`.
    pub consistent_read: bool,
    /// `ProjectionExpression`, as paths; `None` returns the whole item.
    pub projection: Option<Vec<Path>>,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

/// `GetItem`'s result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetItemOutput {
    /// `Item`, absent when no item has the key.
    pub item: Option<Item>,
    /// `ConsumedCapacity`, when asked for.
    pub consumed_capacity: Option<ConsumedCapacity>,
}

/// `PutItem`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PutItemInput {
    /// `TableName`.
    pub table_name: String,
    /// `Item`.
    pub item: Item,
    /// `ConditionExpression`.
    pub condition: Option<Condition>,
    /// `ReturnValues`: `NONE` or `ALL_OLD`.
    pub return_values: ReturnValues,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
    /// `ReturnValuesOnConditionCheckFailure=ALL_OLD` when true.
    pub return_old_on_condition_failure: bool,
}

/// `DeleteItem`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeleteItemInput {
    /// `TableName`.
    pub table_name: String,
    /// `Key`.
    pub key: Item,
    /// `ConditionExpression`.
    pub condition: Option<Condition>,
    /// `ReturnValues`: `NONE` or `ALL_OLD`.
    pub return_values: ReturnValues,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
    /// `ReturnValuesOnConditionCheckFailure=ALL_OLD` when true.
    pub return_old_on_condition_failure: bool,
}

/// The result of `PutItem`, `DeleteItem` (and later `UpdateItem`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteItemOutput {
    /// `Attributes`, per `ReturnValues`.
    pub attributes: Option<Item>,
    /// `ConsumedCapacity`, when asked for.
    pub consumed_capacity: Option<ConsumedCapacity>,
}

/// `UpdateItem`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateItemInput {
    /// `TableName`.
    pub table_name: String,
    /// `Key`.
    pub key: Item,
    /// `UpdateExpression`, as actions (none: the item is created or left as is).
    pub updates: Vec<UpdateAction>,
    /// `ConditionExpression`.
    pub condition: Option<Condition>,
    /// `ReturnValues`: any of the five.
    pub return_values: ReturnValues,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
    /// `ReturnValuesOnConditionCheckFailure=ALL_OLD` when true.
    pub return_old_on_condition_failure: bool,
}

/// `Select`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// `ALL_ATTRIBUTES` (the default on a table).
    AllAttributes,
    /// `ALL_PROJECTED_ATTRIBUTES` (the default on an index; indexes only).
    AllProjectedAttributes,
    /// `SPECIFIC_ATTRIBUTES` (implied by a projection).
    SpecificAttributes,
    /// `COUNT`: only `Count` and `ScannedCount` come back.
    Count,
}

/// `Query`'s parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryInput {
    /// `TableName`.
    pub table_name: String,
    /// `IndexName`, to query a secondary index.
    pub index_name: Option<String>,
    /// `KeyConditionExpression`.
    pub key_condition: KeyCondition,
    /// `FilterExpression` (applied after reading; cannot name key attributes).
    pub filter: Option<Condition>,
    /// `ProjectionExpression`.
    pub projection: Option<Vec<Path>>,
    /// `Select`; `None` is DynamoDB's default for the table or index.
    pub select: Option<Select>,
    /// `Limit`: the most items to *evaluate* (before the filter).
    pub limit: Option<u32>,
    /// `ScanIndexForward` (true: ascending sort-key order; the default).
    pub scan_index_forward: bool,
    /// `ExclusiveStartKey`: the previous page's `LastEvaluatedKey`.
    pub exclusive_start_key: Option<Item>,
    /// `ConsistentRead` (tables and LSIs only).
    pub consistent_read: bool,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

impl Default for QueryInput {
    fn default() -> Self {
        QueryInput {
            table_name: String::new(),
            index_name: None,
            key_condition: KeyCondition::default(),
            filter: None,
            projection: None,
            select: None,
            limit: None,
            scan_index_forward: true,
            exclusive_start_key: None,
            consistent_read: false,
            return_consumed_capacity: ReturnConsumedCapacity::None,
        }
    }
}

/// `Scan`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanInput {
    /// `TableName`.
    pub table_name: String,
    /// `IndexName`, to scan a secondary index.
    pub index_name: Option<String>,
    /// `FilterExpression`.
    pub filter: Option<Condition>,
    /// `ProjectionExpression`.
    pub projection: Option<Vec<Path>>,
    /// `Select`.
    pub select: Option<Select>,
    /// `Limit`: the most items to evaluate.
    pub limit: Option<u32>,
    /// `ExclusiveStartKey`.
    pub exclusive_start_key: Option<Item>,
    /// `ConsistentRead`.
    pub consistent_read: bool,
    /// `(Segment, TotalSegments)` for a parallel scan.
    pub segment: Option<(u32, u32)>,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

/// One page of a `Query` or `Scan`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageOutput {
    /// `Items` (empty with `Select=COUNT`).
    pub items: Vec<Item>,
    /// `Count`: items after the filter.
    pub count: u32,
    /// `ScannedCount`: items evaluated, before the filter.
    pub scanned_count: u32,
    /// `LastEvaluatedKey`: present when the operation stopped before the end (even on
    /// an empty page); absent only at the end.
    pub last_evaluated_key: Option<Item>,
    /// `ConsumedCapacity`, when asked for.
    pub consumed_capacity: Option<ConsumedCapacity>,
}

/// One request of a `BatchWriteItem`.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteRequest {
    /// `PutRequest`.
    Put {
        /// The item.
        item: Item,
    },
    /// `DeleteRequest`.
    Delete {
        /// The key.
        key: Item,
    },
}

/// `BatchWriteItem`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchWriteItemInput {
    /// `RequestItems`: table name to its requests.
    pub request_items: HashMap<String, Vec<WriteRequest>>,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

/// `BatchWriteItem`'s result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchWriteItemOutput {
    /// `UnprocessedItems`, in the request's shape: retry them.
    pub unprocessed_items: HashMap<String, Vec<WriteRequest>>,
    /// `ConsumedCapacity`, one entry per table.
    pub consumed_capacity: Vec<ConsumedCapacity>,
}

/// The keys to read from one table in a `BatchGetItem`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeysAndAttributes {
    /// `Keys`.
    pub keys: Vec<Item>,
    /// `ConsistentRead`.
    pub consistent_read: bool,
    /// `ProjectionExpression`.
    pub projection: Option<Vec<Path>>,
}

/// `BatchGetItem`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchGetItemInput {
    /// `RequestItems`: table name to its keys.
    pub request_items: HashMap<String, KeysAndAttributes>,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

/// `BatchGetItem`'s result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchGetItemOutput {
    /// `Responses`: table name to the items found (in no particular order).
    pub responses: HashMap<String, Vec<Item>>,
    /// `UnprocessedKeys`, in the request's shape: retry them.
    pub unprocessed_keys: HashMap<String, KeysAndAttributes>,
    /// `ConsumedCapacity`, one entry per table.
    pub consumed_capacity: Vec<ConsumedCapacity>,
}

/// One action of a `TransactWriteItems`.
#[derive(Debug, Clone, PartialEq)]
pub enum TransactWriteItem {
    /// `Put`.
    Put {
        /// `TableName`.
        table_name: String,
        /// `Item`.
        item: Item,
        /// `ConditionExpression`.
        condition: Option<Condition>,
        /// `ReturnValuesOnConditionCheckFailure=ALL_OLD`.
        return_old_on_condition_failure: bool,
    },
    /// `Update`.
    Update {
        /// `TableName`.
        table_name: String,
        /// `Key`.
        key: Item,
        /// `UpdateExpression`, as actions.
        updates: Vec<UpdateAction>,
        /// `ConditionExpression`.
        condition: Option<Condition>,
        /// `ReturnValuesOnConditionCheckFailure=ALL_OLD`.
        return_old_on_condition_failure: bool,
    },
    /// `Delete`.
    Delete {
        /// `TableName`.
        table_name: String,
        /// `Key`.
        key: Item,
        /// `ConditionExpression`.
        condition: Option<Condition>,
        /// `ReturnValuesOnConditionCheckFailure=ALL_OLD`.
        return_old_on_condition_failure: bool,
    },
    /// `ConditionCheck`.
    ConditionCheck {
        /// `TableName`.
        table_name: String,
        /// `Key`.
        key: Item,
        /// `ConditionExpression` (required).
        condition: Condition,
        /// `ReturnValuesOnConditionCheckFailure=ALL_OLD`.
        return_old_on_condition_failure: bool,
    },
}

/// `TransactWriteItems`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactWriteItemsInput {
    /// `TransactItems`.
    pub items: Vec<TransactWriteItem>,
    /// `ClientRequestToken` (1–36 characters; idempotent for 10 minutes).
    pub client_request_token: Option<String>,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

/// `TransactWriteItems`'s result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactWriteItemsOutput {
    /// `ConsumedCapacity`, one entry per table.
    pub consumed_capacity: Vec<ConsumedCapacity>,
}

/// One read of a `TransactGetItems`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactGetItem {
    /// `TableName`.
    pub table_name: String,
    /// `Key`.
    pub key: Item,
    /// `ProjectionExpression`.
    pub projection: Option<Vec<Path>>,
}

/// `TransactGetItems`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactGetItemsInput {
    /// `TransactItems`.
    pub items: Vec<TransactGetItem>,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

/// `TransactGetItems`'s result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactGetItemsOutput {
    /// `Responses`: one per read, in request order; `None` where no item has the key.
    pub responses: Vec<Option<Item>>,
    /// `ConsumedCapacity`, one entry per table.
    pub consumed_capacity: Vec<ConsumedCapacity>,
}

/// `TimeToLiveSpecification`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeToLiveSpecification {
    /// `AttributeName`: a top-level `N` of epoch seconds.
    pub attribute_name: String,
    /// `Enabled`.
    pub enabled: bool,
}

/// `TimeToLiveStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeToLiveStatus {
    /// `ENABLING`.
    Enabling,
    /// `DISABLING`.
    Disabling,
    /// `ENABLED`.
    Enabled,
    /// `DISABLED`.
    Disabled,
}

/// `TimeToLiveDescription`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeToLiveDescription {
    /// `TimeToLiveStatus`.
    pub status: TimeToLiveStatus,
    /// `AttributeName`, when enabled or changing.
    pub attribute_name: Option<String>,
}

/// The `CreateTable` request for a table of the model: its key attributes, every GSI and
/// LSI with its keys and projection, billing mode and stream. The one lowering of a
/// [`TableSchema`](crate::schema::TableSchema) to `CreateTable`, used by the typed
/// client's `create_table` and by `singletable export`.
pub fn create_table_input(schema: &crate::schema::TableSchema) -> CreateTableInput {
    let mut definitions: Vec<AttributeDefinition> = Vec::new();
    let mut define = |attribute: KeyAttribute| {
        if !definitions.iter().any(|d| d.name == attribute.name) {
            definitions.push(attribute.into());
        }
    };
    define(schema.partition_key);
    let mut key_schema = vec![KeySchemaElement {
        attribute_name: schema.partition_key.name.to_owned(),
        key_type: KeyType::Hash,
    }];
    if let Some(sort) = schema.sort_key {
        define(sort);
        key_schema.push(KeySchemaElement {
            attribute_name: sort.name.to_owned(),
            key_type: KeyType::Range,
        });
    }
    let mut global = Vec::new();
    let mut local = Vec::new();
    for index in schema.indexes {
        let mut index_keys = Vec::new();
        for attribute in index.partition_key {
            define(*attribute);
            index_keys.push(KeySchemaElement {
                attribute_name: attribute.name.to_owned(),
                key_type: KeyType::Hash,
            });
        }
        for attribute in index.sort_key {
            define(*attribute);
            index_keys.push(KeySchemaElement {
                attribute_name: attribute.name.to_owned(),
                key_type: KeyType::Range,
            });
        }
        let spec = SecondaryIndex {
            index_name: index.name.to_owned(),
            key_schema: index_keys,
            projection: index.projection.into(),
            provisioned_throughput: index.throughput,
        };
        match index.kind {
            crate::schema::IndexKind::Global => global.push(spec),
            crate::schema::IndexKind::Local => local.push(spec),
        }
    }
    CreateTableInput {
        table_name: schema.name.to_owned(),
        attribute_definitions: definitions,
        key_schema,
        global_secondary_indexes: global,
        local_secondary_indexes: local,
        billing_mode: schema.billing,
        stream: schema.stream,
    }
}

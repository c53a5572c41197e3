//! The embedded engine: an in-process DynamoDB.
//!
//! [`MemoryBackend`] executes DynamoDB operations on in-memory tables with DynamoDB's
//! rules: the same validation and error messages, the same key order, secondary indexes
//! kept in step with every write (sparse, multi-attribute GSI keys, LSIs), condition
//! expressions, projections and capacity figures. It is the default backend of tests and
//! examples, and the engine `singletable serve` puts behind DynamoDB's wire protocol.
//!
//! ```
//! use singletable_core::backend::{
//!     AttributeDefinition, Backend, CreateTableInput, GetItemInput, KeySchemaElement, KeyType,
//!     PutItemInput,
//! };
//! use singletable_core::schema::{BillingMode, ScalarType};
//! use singletable_core::{AttributeValue, Item};
//! use singletable_engine::MemoryBackend;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> singletable_core::Result<()> {
//! let db = MemoryBackend::new();
//! db.create_table(CreateTableInput {
//!     table_name: "Users".to_owned(),
//!     attribute_definitions: vec![AttributeDefinition { name: "pk".to_owned(), ty: ScalarType::S }],
//!     key_schema: vec![KeySchemaElement { attribute_name: "pk".to_owned(), key_type: KeyType::Hash }],
//!     global_secondary_indexes: vec![],
//!     local_secondary_indexes: vec![],
//!     billing_mode: BillingMode::PayPerRequest,
//!     stream: None,
//! })
//! .await?;
//! let item: Item = [("pk".to_owned(), AttributeValue::S("u1".to_owned()))].into();
//! db.put_item(PutItemInput { table_name: "Users".to_owned(), item: item.clone(), ..Default::default() }).await?;
//! let got = db.get_item(GetItemInput { table_name: "Users".to_owned(), key: item.clone(), ..Default::default() }).await?;
//! assert_eq!(got.item, Some(item));
//! # Ok(())
//! # }
//! ```
//!
//! # Design
//!
//! The engine core is synchronous; the [`Backend`] methods run it inside the returned
//! future, which never waits on anything (and, like every future, does nothing until it
//! is polled). State is shared through an `Arc`, so clones of a `MemoryBackend` see the
//! same tables. Where DynamoDB and DynamoDB Local word an error differently, the engine
//! uses real DynamoDB's text, and the code names Local's next to it. Modules, one idea
//! each:
//!
//! - `catalog`: the tables that exist, table-level operations, the locking rules, and
//!   how requests stay consistent while `UpdateTable` changes a definition (no global
//!   gate: each request checks and runs against one definition, retrying if it changed);
//! - `create_table`: `CreateTable` validation into a table definition (`definition`);
//!   `update_table`: `UpdateTable` (GSI create with backfill, delete, throughput,
//!   billing, stream), see [`MemoryBackend::update_table`]; `tags`: resource tags, see
//!   [`MemoryBackend::tag_resource`];
//! - `table` and `index`: item storage and secondary index storage;
//! - `key_value`: key values ordered as DynamoDB orders them;
//! - `items`: `GetItem`, `PutItem`, `DeleteItem`; `update`: `UpdateItem`;
//! - `read`: `Query` and `Scan` (key conditions, pages, start keys, parallel scans);
//! - `validate`: request, item and key validation; `eval`: conditions;
//!   `projection`: `ProjectionExpression`; `capacity`: consumed capacity;
//! - `batch`: `BatchWriteItem`, `BatchGetItem`; `transact`: `TransactWriteItems`,
//!   `TransactGetItems`, idempotency tokens and the isolation design (a transaction
//!   claims its items, prepares under its tables' read locks and commits under their
//!   write locks; anything touching a claimed item meanwhile conflicts, as in DynamoDB:
//!   `TransactionConflict` for transactions, `TransactionConflictException` for
//!   single-item writes); `inflight`: the items claimed by running transactions;
//!   `ttl`: the TTL setting;
//! - `partiql`: PartiQL (`ExecuteStatement`, `BatchExecuteStatement`,
//!   `ExecuteTransaction`), parsed and lowered onto the operations above, see
//!   [`MemoryBackend::execute_statement`];
//! - `backups`: on-demand backups (`CreateBackup`, `ListBackups`, `RestoreTableFromBackup`,
//!   ...), see [`MemoryBackend::create_backup`]; `pitr` and `history`: point-in-time
//!   recovery (a per-table undo log of item versions over the recovery period), see
//!   [`MemoryBackend::update_continuous_backups`]; `restore`: what both restores share;
//! - `faults`: fault injection (throttling, unprocessed batch requests) for testing
//!   retry code, see [`MemoryBackend::with_faults`].
//! - `stream`: the change feed of tables with a stream (DynamoDB Streams in process), see
//!   [`MemoryBackend::change_records`] and [`MemoryBackend::changes`]; `sweep`: the TTL
//!   sweep, see [`MemoryBackend::sweep_expired`] and [`MemoryBackend::with_ttl_sweep`].

mod backups;
mod batch;
mod capacity;
mod catalog;
mod create_table;
mod definition;
mod echo;
mod eval;
mod faults;
mod history;
mod index;
mod inflight;
mod items;
mod key_value;
mod partiql;
mod pitr;
mod projection;
mod read;
mod restore;
mod snapshot;
mod stream;
mod sweep;
mod table;
mod tags;
mod transact;
mod ttl;
mod update;
mod update_table;
mod validate;

use std::fmt;
use std::sync::Arc;

pub use self::backups::BackupState;
pub use self::faults::FaultConfig;
pub use self::pitr::{HistoryEntry, PitrState};
pub use self::snapshot::{EngineState, TableState};
pub use self::stream::{
    ChangeEvent, ChangeRecord, ChangeStream, StreamInfo, DEFAULT_RETENTION_RECORDS, RETENTION_MS,
};
pub use self::sweep::{TtlSweeper, TTL_MAX_AGE_SECONDS};

use self::catalog::Catalog;
use self::faults::Faults;
use self::inflight::InFlight;
use self::key_value::{KeyTuple, KeyValue};
use self::transact::Tokens;
use singletable_core::backend::{
    Backend, BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput,
    BoxFuture, CreateTableInput, DeleteItemInput, GetItemInput, GetItemOutput, ListTablesInput,
    ListTablesOutput, PageOutput, PutItemInput, QueryInput, ScanInput, TableDescription, Tag,
    TimeToLiveDescription, TimeToLiveSpecification, TransactGetItemsInput, TransactGetItemsOutput,
    TransactWriteItemsInput, TransactWriteItemsOutput, UpdateItemInput, UpdateTableInput,
    WriteItemOutput,
};
use singletable_core::error::{Error, Result};
use singletable_core::value::{AttributeValue, Item};

/// The embedded DynamoDB engine. Cheap to clone: clones share the same tables.
///
/// Safe to use from many tasks and threads at once: the catalog and every table have
/// their own locks, and each operation is atomic, as in DynamoDB.
#[derive(Clone, Default)]
pub struct MemoryBackend {
    catalog: Arc<Catalog>,
    tokens: Arc<Tokens>,
    faults: Option<Arc<Faults>>,
    inflight: Arc<InFlight>,
}

impl fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryBackend").field("tables", &self.catalog.table_names()).finish()
    }
}

impl MemoryBackend {
    /// An engine with no tables.
    pub fn new() -> Self {
        Self::default()
    }

    /// An engine with no tables that throttles requests and leaves batch requests
    /// unprocessed at the rates of `config`, deterministically for a seed (see
    /// [`FaultConfig`]): data operations fail with `ProvisionedThroughputExceededException`
    /// or `ThrottlingException` before doing anything, and batches return part of their
    /// requests in `UnprocessedItems` / `UnprocessedKeys` without having applied (or read)
    /// them. Nothing is ever lost or half applied. Clones share the generator.
    pub fn with_faults(config: FaultConfig) -> Self {
        MemoryBackend { faults: Some(Arc::new(Faults::new(config))), ..Self::default() }
    }

    fn throttle(&self) -> Result<()> {
        match self.faults.as_deref().and_then(Faults::throttle) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// The items of one partition of a table, in sort key order (as a `Query` with
    /// `ScanIndexForward=true` and no limit would return them). An inspection aid for
    /// tests and tools; programs use the operations of [`Backend`].
    ///
    /// Fails with `ResourceNotFoundException` for a missing table and
    /// `ValidationException` when `partition_key` does not have the key's type.
    pub fn partition_items(
        &self,
        table_name: &str,
        partition_key: &AttributeValue,
    ) -> Result<Vec<Item>> {
        let handle = self.catalog.table(table_name)?;
        let table = handle.read();
        let key = KeyValue::from_attribute(partition_key, table.def().partition_key.ty)
            .ok_or_else(type_mismatch)?;
        let items: Vec<Arc<Item>> =
            table.partition(&key).map(|stored| Arc::clone(&stored.item)).collect();
        drop(table);
        Ok(items.into_iter().map(Arc::unwrap_or_clone).collect())
    }

    /// The entries of one partition of a secondary index, in index order: by the index
    /// sort key attribute by attribute, then by the table's primary key. Each entry holds
    /// the attributes the index projects. `partition_key` lists the values of the index's
    /// partition key attributes in key-schema order (one for an LSI or a single-attribute
    /// GSI). An inspection aid for tests and tools.
    ///
    /// Fails with `ResourceNotFoundException` for a missing table and
    /// `ValidationException` for a missing index or mismatched partition values.
    pub fn index_items(
        &self,
        table_name: &str,
        index_name: &str,
        partition_key: &[AttributeValue],
    ) -> Result<Vec<Item>> {
        let handle = self.catalog.table(table_name)?;
        let table = handle.read();
        let (position, index) = table.def().index(index_name).ok_or_else(|| {
            Error::validation(format!("The table does not have the specified index: {index_name}"))
        })?;
        if partition_key.len() != index.partition.len() {
            let missing = index
                .partition
                .get(partition_key.len())
                .map_or("", |attribute| attribute.name.as_str());
            return Err(Error::validation(format!(
                "Query condition missed key schema element: {missing}"
            )));
        }
        let key: KeyTuple = index
            .partition
            .iter()
            .zip(partition_key)
            .map(|(attribute, value)| {
                KeyValue::from_attribute(value, attribute.ty).ok_or_else(type_mismatch)
            })
            .collect::<Result<_>>()?;
        let entries: Vec<Arc<Item>> = table
            .index(position)
            .into_iter()
            .flat_map(|store| store.partition(&key))
            .map(|(_, entry)| Arc::clone(&entry.item))
            .collect();
        drop(table);
        Ok(entries.into_iter().map(Arc::unwrap_or_clone).collect())
    }

    /// A test aid: every `TransactWriteItems` awaits the future `hook` returns between
    /// its prepare phase (its items claimed, its conditions checked) and its commit.
    /// While it waits, the transaction's items are in flight: another transaction
    /// touching one is cancelled with `TransactionConflict`, a `PutItem`, `UpdateItem` or
    /// `DeleteItem` of one fails with `TransactionConflictException`, a `TransactGetItems`
    /// reading one is cancelled with `TransactionConflict`, and readers still see the
    /// items as they were. Replaces any previous hook; clones of the engine share it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use singletable_engine::MemoryBackend;
    ///
    /// let db = MemoryBackend::new();
    /// let gate = Arc::new(tokio::sync::Notify::new());
    /// let wait = Arc::clone(&gate);
    /// // Transactions now pause until `gate.notify_one()` lets one through.
    /// db.on_transaction_prepared(move || {
    ///     let wait = Arc::clone(&wait);
    ///     async move { wait.notified().await }
    /// });
    /// db.clear_transaction_hook();
    /// ```
    pub fn on_transaction_prepared<F, Fut>(&self, hook: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        self.inflight.set_hook(Some(inflight::hook(hook)));
    }

    /// Removes the hook set by [`on_transaction_prepared`](Self::on_transaction_prepared).
    pub fn clear_transaction_hook(&self) {
        self.inflight.set_hook(None);
    }

    /// `UpdateTable`: creates (and fills from the table's items) or deletes one global
    /// secondary index, changes GSIs' provisioned throughput, the billing mode, or
    /// enables or disables the stream; returns the new description. The table is
    /// `ACTIVE` again when the call returns.
    ///
    /// Requests running meanwhile see the table either before or after the change,
    /// never a mix (see the crate's design notes). An existing item whose attribute has
    /// another type than a new index key's is left out of the index, as DynamoDB's
    /// backfill does; writes after the update are checked against the new key.
    ///
    /// Fails with `ValidationException` when nothing is asked for, for an invalid
    /// definition (as `CreateTable` checks it), an index name that exists, a stream
    /// enabled twice or disabled without one; `ResourceNotFoundException` for a missing
    /// table or index; [`Error::Service`] `LimitExceededException` for more than one
    /// index creation or deletion in one call.
    ///
    /// ```
    /// use singletable_core::backend::{
    ///     AttributeDefinition, Backend, CreateTableInput, GlobalSecondaryIndexUpdate,
    ///     KeySchemaElement, KeyType, ProjectionSpec, SecondaryIndex, UpdateTableInput,
    /// };
    /// use singletable_core::schema::{BillingMode, ScalarType};
    /// use singletable_engine::MemoryBackend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> singletable_core::Result<()> {
    /// let key = |name: &str, key_type| KeySchemaElement { attribute_name: name.to_owned(), key_type };
    /// let db = MemoryBackend::new();
    /// db.create_table(CreateTableInput {
    ///     table_name: "Users".to_owned(),
    ///     attribute_definitions: vec![AttributeDefinition { name: "pk".to_owned(), ty: ScalarType::S }],
    ///     key_schema: vec![key("pk", KeyType::Hash)],
    ///     global_secondary_indexes: vec![],
    ///     local_secondary_indexes: vec![],
    ///     billing_mode: BillingMode::PayPerRequest,
    ///     stream: None,
    /// })
    /// .await?;
    /// let updated = db
    ///     .update_table(UpdateTableInput {
    ///         table_name: "Users".to_owned(),
    ///         attribute_definitions: vec![AttributeDefinition { name: "email".to_owned(), ty: ScalarType::S }],
    ///         global_secondary_index_updates: vec![GlobalSecondaryIndexUpdate::Create(SecondaryIndex {
    ///             index_name: "ByEmail".to_owned(),
    ///             key_schema: vec![key("email", KeyType::Hash)],
    ///             projection: ProjectionSpec::All,
    ///             provisioned_throughput: None,
    ///         })],
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// assert_eq!(updated.global_secondary_indexes[0].index_name, "ByEmail");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_table(&self, input: UpdateTableInput) -> Result<TableDescription> {
        update_table::update_table(&self.catalog, input)
    }

    /// `TagResource`: adds `tags` to the table whose ARN is `resource_arn` (a key it has
    /// gets the new value).
    ///
    /// Fails with `ValidationException` for a key of 0 or more than 128 characters, a
    /// value of more than 256, or an ARN that does not name a table;
    /// `ResourceNotFoundException` when no table has this ARN (DynamoDB's text:
    /// `Requested resource not found: ResourceArn: <arn> not found`); and
    /// [`Error::Service`] `LimitExceededException` when the table would carry more than
    /// 50 tags.
    pub async fn tag_resource(&self, resource_arn: &str, tags: Vec<Tag>) -> Result<()> {
        tags::tag_resource(&self.catalog, resource_arn, tags)
    }

    /// `UntagResource`: removes the tags with these keys (keys the table does not have
    /// are ignored). Fails as [`tag_resource`](Self::tag_resource) does for the ARN.
    pub async fn untag_resource(&self, resource_arn: &str, keys: &[String]) -> Result<()> {
        tags::untag_resource(&self.catalog, resource_arn, keys)
    }

    /// `ListTagsOfResource`: the table's tags, in key order. Fails as
    /// [`tag_resource`](Self::tag_resource) does for the ARN.
    pub async fn list_tags_of_resource(&self, resource_arn: &str) -> Result<Vec<Tag>> {
        tags::list_tags_of_resource(&self.catalog, resource_arn)
    }
}

fn type_mismatch() -> Error {
    Error::validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
}

impl Backend for MemoryBackend {
    fn batch_get_item(
        &self,
        input: BatchGetItemInput,
    ) -> BoxFuture<'_, Result<BatchGetItemOutput>> {
        Box::pin(async move {
            self.throttle()?;
            batch::batch_get_item(&self.catalog, self.faults.as_deref(), input)
        })
    }

    fn batch_write_item(
        &self,
        input: BatchWriteItemInput,
    ) -> BoxFuture<'_, Result<BatchWriteItemOutput>> {
        Box::pin(async move {
            self.throttle()?;
            batch::batch_write_item(&self.catalog, &self.inflight, self.faults.as_deref(), input)
        })
    }

    fn transact_write_items(
        &self,
        input: TransactWriteItemsInput,
    ) -> BoxFuture<'_, Result<TransactWriteItemsOutput>> {
        Box::pin(async move {
            self.throttle()?;
            transact::transact_write_items(&self.catalog, &self.tokens, &self.inflight, input).await
        })
    }

    fn transact_get_items(
        &self,
        input: TransactGetItemsInput,
    ) -> BoxFuture<'_, Result<TransactGetItemsOutput>> {
        Box::pin(async move {
            self.throttle()?;
            transact::transact_get_items(&self.catalog, &self.inflight, input)
        })
    }

    fn update_time_to_live(
        &self,
        table_name: String,
        specification: TimeToLiveSpecification,
    ) -> BoxFuture<'_, Result<TimeToLiveSpecification>> {
        Box::pin(async move { ttl::update_time_to_live(&self.catalog, &table_name, specification) })
    }

    fn describe_time_to_live(
        &self,
        table_name: String,
    ) -> BoxFuture<'_, Result<TimeToLiveDescription>> {
        Box::pin(async move { ttl::describe_time_to_live(&self.catalog, &table_name) })
    }

    fn create_table(&self, input: CreateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        Box::pin(async move { self.catalog.create_table(input) })
    }

    fn delete_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        Box::pin(async move { self.catalog.delete_table(&table_name) })
    }

    fn describe_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        Box::pin(async move { self.catalog.describe_table(&table_name) })
    }

    fn list_tables(&self, input: ListTablesInput) -> BoxFuture<'_, Result<ListTablesOutput>> {
        Box::pin(async move { self.catalog.list_tables(&input) })
    }

    fn get_item(&self, input: GetItemInput) -> BoxFuture<'_, Result<GetItemOutput>> {
        Box::pin(async move {
            self.throttle()?;
            items::get_item(&self.catalog, input)
        })
    }

    fn put_item(&self, input: PutItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        Box::pin(async move {
            self.throttle()?;
            self.inflight.check_put(&self.catalog, &input.table_name, &input.item)?;
            items::put_item(&self.catalog, input)
        })
    }

    fn delete_item(&self, input: DeleteItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        Box::pin(async move {
            self.throttle()?;
            self.inflight.check_key(&self.catalog, &input.table_name, &input.key)?;
            items::delete_item(&self.catalog, input)
        })
    }

    fn update_item(&self, input: UpdateItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        Box::pin(async move {
            self.throttle()?;
            self.inflight.check_key(&self.catalog, &input.table_name, &input.key)?;
            update::update_item(&self.catalog, input)
        })
    }

    fn query(&self, input: QueryInput) -> BoxFuture<'_, Result<PageOutput>> {
        Box::pin(async move {
            self.throttle()?;
            read::query(&self.catalog, input)
        })
    }

    fn scan(&self, input: ScanInput) -> BoxFuture<'_, Result<PageOutput>> {
        Box::pin(async move {
            self.throttle()?;
            read::scan(&self.catalog, input)
        })
    }
}

/// The constraint violations of a table or index name found at request path `at`
/// (`tableName`, `globalSecondaryIndexes.1.member.indexName`), each worded as DynamoDB's
/// request validation words it (`Value 'ab' at 'tableName' failed to satisfy constraint:
/// Member must have length greater than or equal to 3`); empty for a valid name. For a
/// server that reports them together with the violations of its own decoding.
pub fn name_violations(name: &str, at: &str) -> Vec<String> {
    let mut constraints = validate::Constraints::default();
    constraints.name(name, at);
    constraints.into_violations()
}

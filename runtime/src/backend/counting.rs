//! [`CountingBackend`]: a [`Backend`] wrapper that counts requests per operation and the
//! capacity they consumed — to test that operations send exactly the requests DynamoDB
//! needs (1,000 batch writes = 40 `BatchWriteItem`s), and that refused requests send none.
//!
//! ```
//! use std::sync::Arc;
//! use singletable_runtime::backend::counting::CountingBackend;
//! use singletable_runtime::backend::{Backend, ListTablesInput};
//! use singletable_engine::MemoryBackend;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> singletable_runtime::Result<()> {
//! let counting = CountingBackend::new(MemoryBackend::new());
//! let shared: Arc<dyn Backend> = Arc::new(counting.clone()); // clones share the counts
//! shared.list_tables(ListTablesInput::default()).await?;
//! assert_eq!(counting.counts().list_tables, 1);
//! assert_eq!(counting.counts().total(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! Every request that carries `ReturnConsumedCapacity` is sent with `INDEXES` when the
//! caller asked for `NONE` (and the figures are removed from the response again), so the
//! wrapper sees the capacity of every request without changing what callers get.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::backend::{
    Backend, BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput,
    BoxFuture, ConsumedCapacity, CreateTableInput, DeleteItemInput, GetItemInput, GetItemOutput,
    ListTablesInput, ListTablesOutput, PageOutput, PutItemInput, QueryInput,
    ReturnConsumedCapacity, ScanInput, TableDescription, TimeToLiveDescription,
    TimeToLiveSpecification, TransactGetItemsInput, TransactGetItemsOutput,
    TransactWriteItemsInput, TransactWriteItemsOutput, UpdateItemInput, UpdateTableInput,
    WriteItemOutput,
};
use crate::error::Result;

/// Requests sent, per operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct RequestCounts {
    pub create_table: u64,
    pub delete_table: u64,
    pub describe_table: u64,
    pub list_tables: u64,
    pub get_item: u64,
    pub put_item: u64,
    pub delete_item: u64,
    pub update_item: u64,
    pub query: u64,
    pub scan: u64,
    pub batch_get_item: u64,
    pub batch_write_item: u64,
    pub transact_write_items: u64,
    pub transact_get_items: u64,
    pub update_time_to_live: u64,
    pub describe_time_to_live: u64,
    pub update_table: u64,
}

impl RequestCounts {
    /// Every request, all operations together.
    pub fn total(&self) -> u64 {
        self.create_table
            + self.delete_table
            + self.describe_table
            + self.list_tables
            + self.get_item
            + self.put_item
            + self.delete_item
            + self.update_item
            + self.query
            + self.scan
            + self.batch_get_item
            + self.batch_write_item
            + self.transact_write_items
            + self.transact_get_items
            + self.update_time_to_live
            + self.describe_time_to_live
            + self.update_table
    }
}

/// Capacity units consumed, summed over every request.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CapacityTotals {
    /// Read capacity units (`GetItem`, `Query`, `Scan`, `BatchGetItem`,
    /// `TransactGetItems`).
    pub read_units: f64,
    /// Write capacity units (puts, updates, deletes, batch writes, transactions).
    pub write_units: f64,
}

#[derive(Debug, Default)]
struct State {
    counts: RequestCounts,
    capacity: CapacityTotals,
    /// The label of requests sent from now on (an access pattern's name).
    label: Option<String>,
    /// Requests per label (or operation name, unlabelled).
    requests: BTreeMap<String, u64>,
    /// Units per (label or operation, table or `Table/GSI`): (read, write).
    units: BTreeMap<(String, String), (f64, f64)>,
}

/// A [`Backend`] that delegates to `B` and counts requests and consumed capacity.
/// Clones share the counts (and clone `B`).
#[derive(Debug, Clone)]
pub struct CountingBackend<B> {
    inner: B,
    state: Arc<Mutex<State>>,
}

impl<B: Backend> CountingBackend<B> {
    /// Wraps `inner`.
    pub fn new(inner: B) -> Self {
        CountingBackend { inner, state: Arc::new(Mutex::new(State::default())) }
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    fn state(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Requests sent so far, per operation.
    pub fn counts(&self) -> RequestCounts {
        self.state().counts
    }

    /// Capacity consumed so far.
    pub fn capacity(&self) -> CapacityTotals {
        self.state().capacity
    }

    /// Starts counting from zero.
    pub fn reset(&self) {
        *self.state() = State::default();
    }

    /// Labels the requests sent from now on (until [`clear_label`](Self::clear_label)),
    /// e.g. with the access pattern's name, so that [`workload`](Self::workload) reports
    /// them under it; unlabelled requests are reported under their operation's name.
    pub fn set_label(&self, label: impl Into<String>) {
        self.state().label = Some(label.into());
    }

    /// Stops labelling requests.
    pub fn clear_label(&self) {
        self.state().label = None;
    }

    /// The recorded requests as a cost workload, their rates taken over `seconds` of
    /// recording: one line per label (or operation) and table or GSI, with the capacity
    /// each request consumed on average (`singletable_core::cost::report` prices it).
    /// GSI capacity is split out where the backend reports it (`INDEXES`); LSI capacity
    /// is the table's.
    pub fn workload(&self, seconds: f64) -> singletable_core::cost::Workload {
        let state = self.state();
        let seconds = if seconds > 0.0 { seconds } else { 1.0 };
        let lines = state
            .units
            .iter()
            .map(|((name, target), (read, write))| {
                let requests = state.requests.get(name).copied().unwrap_or(0).max(1) as f64;
                singletable_core::cost::Line {
                    name: name.clone(),
                    target: target.clone(),
                    requests_per_second: requests / seconds,
                    read_units_per_request: read / requests,
                    write_units_per_request: write / requests,
                    note: format!("recorded: {requests} requests in {seconds} s"),
                }
            })
            .collect();
        singletable_core::cost::Workload { lines, storage_bytes: None }
    }

    fn count(&self, name: &str, op: impl FnOnce(&mut RequestCounts) -> &mut u64) {
        let mut state = self.state();
        *op(&mut state.counts) += 1;
        let key = state.label.clone().unwrap_or_else(|| name.to_owned());
        *state.requests.entry(key).or_default() += 1;
    }

    fn record<'c>(
        &self,
        name: &str,
        read: bool,
        consumed: impl IntoIterator<Item = &'c ConsumedCapacity>,
    ) {
        let mut state = self.state();
        let key = state.label.clone().unwrap_or_else(|| name.to_owned());
        let add = |state: &mut State, target: String, units: f64| {
            let entry = state.units.entry((key.clone(), target)).or_default();
            if read {
                entry.0 += units;
            } else {
                entry.1 += units;
            }
        };
        for consumed in consumed {
            if read {
                state.capacity.read_units += consumed.capacity_units;
            } else {
                state.capacity.write_units += consumed.capacity_units;
            }
            // With INDEXES: the table's part (LSIs bill the table) and each GSI's.
            let gsi: f64 =
                consumed.global_secondary_indexes.iter().map(|(_, c)| c.capacity_units).sum();
            for (index, capacity) in &consumed.global_secondary_indexes {
                add(
                    &mut state,
                    format!("{}/{index}", consumed.table_name),
                    capacity.capacity_units,
                );
            }
            add(&mut state, consumed.table_name.clone(), consumed.capacity_units - gsi);
        }
    }
}

/// Asks for `INDEXES` (the total, split by table and index) when the caller asked for nothing; returns whether to strip the
/// figures from the response.
fn ask(field: &mut ReturnConsumedCapacity) -> bool {
    if *field == ReturnConsumedCapacity::None {
        *field = ReturnConsumedCapacity::Indexes;
        true
    } else {
        false
    }
}

impl<B: Backend> Backend for CountingBackend<B> {
    fn simulated_sleep(&self, duration: std::time::Duration) -> bool {
        self.inner.simulated_sleep(duration)
    }

    fn create_table(&self, input: CreateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        self.count("create_table", |c| &mut c.create_table);
        self.inner.create_table(input)
    }

    fn delete_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.count("delete_table", |c| &mut c.delete_table);
        self.inner.delete_table(table_name)
    }

    fn describe_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.count("describe_table", |c| &mut c.describe_table);
        self.inner.describe_table(table_name)
    }

    fn list_tables(&self, input: ListTablesInput) -> BoxFuture<'_, Result<ListTablesOutput>> {
        self.count("list_tables", |c| &mut c.list_tables);
        self.inner.list_tables(input)
    }

    fn get_item(&self, mut input: GetItemInput) -> BoxFuture<'_, Result<GetItemOutput>> {
        self.count("get_item", |c| &mut c.get_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.get_item(input).await?;
            self.record("get_item", true, &output.consumed_capacity);
            if strip {
                output.consumed_capacity = None;
            }
            Ok(output)
        })
    }

    fn put_item(&self, mut input: PutItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.count("put_item", |c| &mut c.put_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.put_item(input).await?;
            self.record("put_item", false, &output.consumed_capacity);
            if strip {
                output.consumed_capacity = None;
            }
            Ok(output)
        })
    }

    fn delete_item(&self, mut input: DeleteItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.count("delete_item", |c| &mut c.delete_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.delete_item(input).await?;
            self.record("delete_item", false, &output.consumed_capacity);
            if strip {
                output.consumed_capacity = None;
            }
            Ok(output)
        })
    }

    fn update_item(&self, mut input: UpdateItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.count("update_item", |c| &mut c.update_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.update_item(input).await?;
            self.record("update_item", false, &output.consumed_capacity);
            if strip {
                output.consumed_capacity = None;
            }
            Ok(output)
        })
    }

    fn query(&self, mut input: QueryInput) -> BoxFuture<'_, Result<PageOutput>> {
        self.count("query", |c| &mut c.query);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.query(input).await?;
            self.record("query", true, &output.consumed_capacity);
            if strip {
                output.consumed_capacity = None;
            }
            Ok(output)
        })
    }

    fn scan(&self, mut input: ScanInput) -> BoxFuture<'_, Result<PageOutput>> {
        self.count("scan", |c| &mut c.scan);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.scan(input).await?;
            self.record("scan", true, &output.consumed_capacity);
            if strip {
                output.consumed_capacity = None;
            }
            Ok(output)
        })
    }

    fn batch_get_item(
        &self,
        mut input: BatchGetItemInput,
    ) -> BoxFuture<'_, Result<BatchGetItemOutput>> {
        self.count("batch_get_item", |c| &mut c.batch_get_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.batch_get_item(input).await?;
            self.record("batch_get_item", true, &output.consumed_capacity);
            if strip {
                output.consumed_capacity.clear();
            }
            Ok(output)
        })
    }

    fn batch_write_item(
        &self,
        mut input: BatchWriteItemInput,
    ) -> BoxFuture<'_, Result<BatchWriteItemOutput>> {
        self.count("batch_write_item", |c| &mut c.batch_write_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.batch_write_item(input).await?;
            self.record("batch_write_item", false, &output.consumed_capacity);
            if strip {
                output.consumed_capacity.clear();
            }
            Ok(output)
        })
    }

    fn transact_write_items(
        &self,
        mut input: TransactWriteItemsInput,
    ) -> BoxFuture<'_, Result<TransactWriteItemsOutput>> {
        self.count("transact_write_items", |c| &mut c.transact_write_items);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.transact_write_items(input).await?;
            self.record("transact_write_items", false, &output.consumed_capacity);
            if strip {
                output.consumed_capacity.clear();
            }
            Ok(output)
        })
    }

    fn transact_get_items(
        &self,
        mut input: TransactGetItemsInput,
    ) -> BoxFuture<'_, Result<TransactGetItemsOutput>> {
        self.count("transact_get_items", |c| &mut c.transact_get_items);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.transact_get_items(input).await?;
            self.record("transact_get_items", true, &output.consumed_capacity);
            if strip {
                output.consumed_capacity.clear();
            }
            Ok(output)
        })
    }

    fn update_time_to_live(
        &self,
        table_name: String,
        specification: TimeToLiveSpecification,
    ) -> BoxFuture<'_, Result<TimeToLiveSpecification>> {
        self.count("update_time_to_live", |c| &mut c.update_time_to_live);
        self.inner.update_time_to_live(table_name, specification)
    }

    fn describe_time_to_live(
        &self,
        table_name: String,
    ) -> BoxFuture<'_, Result<TimeToLiveDescription>> {
        self.count("describe_time_to_live", |c| &mut c.describe_time_to_live);
        self.inner.describe_time_to_live(table_name)
    }

    fn update_table(&self, input: UpdateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        self.count("update_table", |c| &mut c.update_table);
        self.inner.update_table(input)
    }
}

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
//! Every request that carries `ReturnConsumedCapacity` is sent with `TOTAL` when the
//! caller asked for `NONE` (and the figures are removed from the response again), so the
//! wrapper sees the capacity of every request without changing what callers get.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::backend::{
    Backend, BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput,
    BoxFuture, ConsumedCapacity, CreateTableInput, DeleteItemInput, GetItemInput, GetItemOutput,
    ListTablesInput, ListTablesOutput, PageOutput, PutItemInput, QueryInput,
    ReturnConsumedCapacity, ScanInput, TableDescription, TimeToLiveDescription,
    TimeToLiveSpecification, TransactGetItemsInput, TransactGetItemsOutput,
    TransactWriteItemsInput, TransactWriteItemsOutput, UpdateItemInput, WriteItemOutput,
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

    fn count(&self, op: impl FnOnce(&mut RequestCounts) -> &mut u64) {
        *op(&mut self.state().counts) += 1;
    }

    fn record<'c>(&self, read: bool, consumed: impl IntoIterator<Item = &'c ConsumedCapacity>) {
        let units: f64 = consumed.into_iter().map(|c| c.capacity_units).sum();
        let mut state = self.state();
        if read {
            state.capacity.read_units += units;
        } else {
            state.capacity.write_units += units;
        }
    }
}

/// Asks for `TOTAL` when the caller asked for nothing; returns whether to strip the
/// figures from the response.
fn ask(field: &mut ReturnConsumedCapacity) -> bool {
    if *field == ReturnConsumedCapacity::None {
        *field = ReturnConsumedCapacity::Total;
        true
    } else {
        false
    }
}

impl<B: Backend> Backend for CountingBackend<B> {
    fn create_table(&self, input: CreateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        self.count(|c| &mut c.create_table);
        self.inner.create_table(input)
    }

    fn delete_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.count(|c| &mut c.delete_table);
        self.inner.delete_table(table_name)
    }

    fn describe_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.count(|c| &mut c.describe_table);
        self.inner.describe_table(table_name)
    }

    fn list_tables(&self, input: ListTablesInput) -> BoxFuture<'_, Result<ListTablesOutput>> {
        self.count(|c| &mut c.list_tables);
        self.inner.list_tables(input)
    }

    fn get_item(&self, mut input: GetItemInput) -> BoxFuture<'_, Result<GetItemOutput>> {
        self.count(|c| &mut c.get_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.get_item(input).await?;
            self.record(true, &output.consumed_capacity);
            if strip {
                output.consumed_capacity = None;
            }
            Ok(output)
        })
    }

    fn put_item(&self, mut input: PutItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.count(|c| &mut c.put_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.put_item(input).await?;
            self.record(false, &output.consumed_capacity);
            if strip {
                output.consumed_capacity = None;
            }
            Ok(output)
        })
    }

    fn delete_item(&self, mut input: DeleteItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.count(|c| &mut c.delete_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.delete_item(input).await?;
            self.record(false, &output.consumed_capacity);
            if strip {
                output.consumed_capacity = None;
            }
            Ok(output)
        })
    }

    fn update_item(&self, mut input: UpdateItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.count(|c| &mut c.update_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.update_item(input).await?;
            self.record(false, &output.consumed_capacity);
            if strip {
                output.consumed_capacity = None;
            }
            Ok(output)
        })
    }

    fn query(&self, mut input: QueryInput) -> BoxFuture<'_, Result<PageOutput>> {
        self.count(|c| &mut c.query);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.query(input).await?;
            self.record(true, &output.consumed_capacity);
            if strip {
                output.consumed_capacity = None;
            }
            Ok(output)
        })
    }

    fn scan(&self, mut input: ScanInput) -> BoxFuture<'_, Result<PageOutput>> {
        self.count(|c| &mut c.scan);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.scan(input).await?;
            self.record(true, &output.consumed_capacity);
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
        self.count(|c| &mut c.batch_get_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.batch_get_item(input).await?;
            self.record(true, &output.consumed_capacity);
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
        self.count(|c| &mut c.batch_write_item);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.batch_write_item(input).await?;
            self.record(false, &output.consumed_capacity);
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
        self.count(|c| &mut c.transact_write_items);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.transact_write_items(input).await?;
            self.record(false, &output.consumed_capacity);
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
        self.count(|c| &mut c.transact_get_items);
        let strip = ask(&mut input.return_consumed_capacity);
        Box::pin(async move {
            let mut output = self.inner.transact_get_items(input).await?;
            self.record(true, &output.consumed_capacity);
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
        self.count(|c| &mut c.update_time_to_live);
        self.inner.update_time_to_live(table_name, specification)
    }

    fn describe_time_to_live(
        &self,
        table_name: String,
    ) -> BoxFuture<'_, Result<TimeToLiveDescription>> {
        self.count(|c| &mut c.describe_time_to_live);
        self.inner.describe_time_to_live(table_name)
    }
}

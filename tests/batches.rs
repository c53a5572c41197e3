//! Batches of any length: chunking into the fewest requests (1,000 writes = 40
//! `BatchWriteItem`s, 250 keys = 3 `BatchGetItem`s), duplicates and oversized items
//! refused before sending, leftovers and throttling retried until nothing is lost, and
//! exactly the unwritten items reported when retries run out.
//!
//! `Flaky` serves `BatchWriteItem` / `BatchGetItem` from the engine's single-item
//! operations and injects DynamoDB's partial results (`UnprocessedItems`,
//! `UnprocessedKeys`) and `ThrottlingException`s at a chosen rate, so the client's
//! retry logic is exercised deterministically.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use singletable::backend::counting::CountingBackend;
use singletable::backend::memory::FaultConfig;
use singletable::backend::{
    BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput, BoxFuture,
    CreateTableInput, DeleteItemInput, GetItemInput, GetItemOutput, KeysAndAttributes,
    ListTablesInput, ListTablesOutput, PageOutput, PutItemInput, QueryInput, ScanInput,
    TableDescription, TimeToLiveDescription, TimeToLiveSpecification, TransactGetItemsInput,
    TransactGetItemsOutput, TransactWriteItemsInput, TransactWriteItemsOutput, UpdateItemInput,
    WriteItemOutput, WriteRequest,
};
use singletable::prelude::*;
use singletable::{Error, LimitError, Result, RetryPolicy};

#[derive(Table)]
#[table(name = "Batches", pk = "PK", sk = "SK")]
struct Batches;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Batches, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
    name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Batches, pk = "USER#{user_id}", sk = "NOTE#{seq}")]
struct Note {
    user_id: String,
    seq: u32,
    text: String,
}

/// How `Flaky` misbehaves: the share of requests answered with a `ThrottlingException`
/// and the share of the remaining items left unprocessed, in percent.
#[derive(Clone, Copy)]
struct Faults {
    throttle_percent: u64,
    unprocessed_percent: u64,
}

#[derive(Clone)]
struct Flaky {
    engine: MemoryBackend,
    faults: Faults,
    seed: Arc<Mutex<u64>>,
}

impl Flaky {
    fn new(faults: Faults) -> Self {
        Flaky { engine: MemoryBackend::new(), faults, seed: Arc::new(Mutex::new(0x9E37_79B9)) }
    }

    fn roll(&self, percent: u64) -> bool {
        let mut seed = self.seed.lock().unwrap();
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed % 100 < percent
    }

    fn throttled(&self) -> Result<()> {
        if self.roll(self.faults.throttle_percent) {
            Err(Error::Service {
                code: "ThrottlingException".into(),
                message: "Rate of requests exceeds the allowed throughput.".into(),
                source: None,
            })
        } else {
            Ok(())
        }
    }
}

impl Backend for Flaky {
    fn create_table(&self, input: CreateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        self.engine.create_table(input)
    }
    fn delete_table(&self, name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.engine.delete_table(name)
    }
    fn describe_table(&self, name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.engine.describe_table(name)
    }
    fn list_tables(&self, input: ListTablesInput) -> BoxFuture<'_, Result<ListTablesOutput>> {
        self.engine.list_tables(input)
    }
    fn get_item(&self, input: GetItemInput) -> BoxFuture<'_, Result<GetItemOutput>> {
        self.engine.get_item(input)
    }
    fn put_item(&self, input: PutItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.engine.put_item(input)
    }
    fn delete_item(&self, input: DeleteItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.engine.delete_item(input)
    }
    fn update_item(&self, input: UpdateItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.engine.update_item(input)
    }
    fn query(&self, input: QueryInput) -> BoxFuture<'_, Result<PageOutput>> {
        self.engine.query(input)
    }
    fn scan(&self, input: ScanInput) -> BoxFuture<'_, Result<PageOutput>> {
        self.engine.scan(input)
    }
    fn batch_get_item(
        &self,
        input: BatchGetItemInput,
    ) -> BoxFuture<'_, Result<BatchGetItemOutput>> {
        Box::pin(async move {
            let keys: usize = input.request_items.values().map(|k| k.keys.len()).sum();
            assert!(keys <= 100, "{keys} keys in one BatchGetItem");
            self.throttled()?;
            let mut output = BatchGetItemOutput::default();
            for (table, request) in input.request_items {
                for key in request.keys {
                    if self.roll(self.faults.unprocessed_percent) {
                        output
                            .unprocessed_keys
                            .entry(table.clone())
                            .or_insert_with(|| KeysAndAttributes {
                                consistent_read: request.consistent_read,
                                ..KeysAndAttributes::default()
                            })
                            .keys
                            .push(key);
                        continue;
                    }
                    let got = self
                        .engine
                        .get_item(GetItemInput {
                            table_name: table.clone(),
                            key,
                            consistent_read: request.consistent_read,
                            ..GetItemInput::default()
                        })
                        .await?;
                    if let Some(item) = got.item {
                        output.responses.entry(table.clone()).or_default().push(item);
                    }
                }
            }
            Ok(output)
        })
    }
    fn batch_write_item(
        &self,
        input: BatchWriteItemInput,
    ) -> BoxFuture<'_, Result<BatchWriteItemOutput>> {
        Box::pin(async move {
            let writes: usize = input.request_items.values().map(Vec::len).sum();
            assert!(writes <= 25, "{writes} writes in one BatchWriteItem");
            self.throttled()?;
            let mut output = BatchWriteItemOutput::default();
            for (table, requests) in input.request_items {
                for request in requests {
                    if self.roll(self.faults.unprocessed_percent) {
                        output.unprocessed_items.entry(table.clone()).or_default().push(request);
                        continue;
                    }
                    match request {
                        WriteRequest::Put { item } => {
                            self.engine
                                .put_item(PutItemInput {
                                    table_name: table.clone(),
                                    item,
                                    ..PutItemInput::default()
                                })
                                .await?;
                        }
                        WriteRequest::Delete { key } => {
                            self.engine
                                .delete_item(DeleteItemInput {
                                    table_name: table.clone(),
                                    key,
                                    ..DeleteItemInput::default()
                                })
                                .await?;
                        }
                    }
                }
            }
            Ok(output)
        })
    }
    fn transact_write_items(
        &self,
        input: TransactWriteItemsInput,
    ) -> BoxFuture<'_, Result<TransactWriteItemsOutput>> {
        self.engine.transact_write_items(input)
    }
    fn transact_get_items(
        &self,
        input: TransactGetItemsInput,
    ) -> BoxFuture<'_, Result<TransactGetItemsOutput>> {
        self.engine.transact_get_items(input)
    }
    fn update_time_to_live(
        &self,
        name: String,
        specification: TimeToLiveSpecification,
    ) -> BoxFuture<'_, Result<TimeToLiveSpecification>> {
        self.engine.update_time_to_live(name, specification)
    }
    fn describe_time_to_live(&self, name: String) -> BoxFuture<'_, Result<TimeToLiveDescription>> {
        self.engine.describe_time_to_live(name)
    }
}

const NO_FAULTS: Faults = Faults { throttle_percent: 0, unprocessed_percent: 0 };

const FAST: RetryPolicy = RetryPolicy {
    max_attempts: 30,
    base_delay: Duration::from_micros(50),
    max_delay: Duration::from_millis(2),
};

async fn fresh(faults: Faults) -> (TableClient<Batches>, CountingBackend<Flaky>) {
    let counting = CountingBackend::new(Flaky::new(faults));
    let db = TableClient::<Batches>::from_shared(Arc::new(counting.clone()));
    db.create_table().await.unwrap();
    counting.reset();
    (db, counting)
}

fn users(n: usize) -> Vec<User> {
    (0..n).map(|i| User { user_id: format!("u{i:04}"), name: format!("User {i}") }).collect()
}

#[tokio::test]
async fn a_thousand_writes_are_exactly_forty_requests() {
    let (db, counting) = fresh(NO_FAULTS).await;
    let all = users(1_000);
    db.batch_write().put_all(&all).await.unwrap();
    let counts = counting.counts();
    assert_eq!(counts.batch_write_item, 40);
    assert_eq!(counts.total(), 40);
    counting.reset();
    let keys = all.iter().take(250).map(|u| User::key(u.user_id.clone()));
    let read = db.batch_get(keys).await.unwrap();
    assert_eq!(counting.counts().batch_get_item, 3);
    assert_eq!(counting.counts().total(), 3);
    assert_eq!(read, all[..250].to_vec(), "results come back in key order");
}

#[tokio::test]
async fn missing_items_are_left_out_and_deletes_mix_with_puts() {
    let (db, _) = fresh(NO_FAULTS).await;
    let all = users(30);
    db.batch_write().put_all(&all).await.unwrap();
    let note = Note { user_id: "u0000".into(), seq: 1, text: "hi".into() };
    db.batch_write()
        .delete_all((0..10).map(|i| User::key(format!("u{i:04}"))))
        .put(&note)
        .await
        .unwrap();
    let read = db.batch_get((0..40).map(|i| User::key(format!("u{i:04}")))).await.unwrap();
    assert_eq!(read, all[10..].to_vec());
    assert_eq!(db.batch_get([Note::key("u0000", 1u32)]).await.unwrap(), vec![note]);
    assert_eq!(db.batch_get(Vec::<Key<User>>::new()).await.unwrap(), vec![]);
}

#[tokio::test]
async fn thirty_percent_faults_lose_nothing() {
    let faults = Faults { throttle_percent: 30, unprocessed_percent: 30 };
    let (db, counting) = fresh(faults).await;
    let all = users(1_200);
    db.batch_write().put_all(&all).retry(FAST).await.unwrap();
    assert!(counting.counts().batch_write_item > 48, "faults cost extra requests");
    let keys = all.iter().map(|u| User::key(u.user_id.clone()));
    let read = db.batch_get(keys).retry(FAST).await.unwrap();
    assert_eq!(read, all, "every write landed and every key was read");
    // And deletes under faults.
    db.batch_write()
        .delete_all(all.iter().map(|u| User::key(u.user_id.clone())))
        .retry(FAST)
        .await
        .unwrap();
    let keys = all.iter().map(|u| User::key(u.user_id.clone()));
    assert_eq!(db.batch_get(keys).retry(FAST).await.unwrap(), vec![]);
}

#[tokio::test]
async fn exhausted_retries_name_exactly_the_unwritten_items() {
    let faults = Faults { throttle_percent: 0, unprocessed_percent: 50 };
    let (db, _) = fresh(faults).await;
    let all = users(200);
    let policy = RetryPolicy { max_attempts: 2, ..FAST };
    let err = db.batch_write().put_all(&all).retry(policy).await.unwrap_err();
    let Error::BatchIncomplete(unprocessed) = err else { panic!("{err:?}") };
    assert!(!unprocessed.writes.is_empty());
    let missing: Vec<String> =
        unprocessed.keys_of::<User>().into_iter().map(|k| k.unwrap().0).collect();
    assert_eq!(missing.len(), unprocessed.writes.len());
    // Read back with a clean backend view: exactly the reported items are absent.
    let engine = TableClient::<Batches>::from_shared(Arc::new(NoFaultView(db.clone())));
    for user in &all {
        let stored = engine.get(User::key(user.user_id.clone())).await.unwrap();
        assert_eq!(stored.is_none(), missing.contains(&user.user_id), "{}", user.user_id);
    }
}

/// Reads through a client's backend with single-item `GetItem`s (never faulty).
struct NoFaultView(TableClient<Batches>);

impl Backend for NoFaultView {
    fn create_table(&self, input: CreateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        self.0.backend().create_table(input)
    }
    fn delete_table(&self, name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.0.backend().delete_table(name)
    }
    fn describe_table(&self, name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.0.backend().describe_table(name)
    }
    fn list_tables(&self, input: ListTablesInput) -> BoxFuture<'_, Result<ListTablesOutput>> {
        self.0.backend().list_tables(input)
    }
    fn get_item(&self, input: GetItemInput) -> BoxFuture<'_, Result<GetItemOutput>> {
        self.0.backend().get_item(input)
    }
    fn put_item(&self, input: PutItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.0.backend().put_item(input)
    }
    fn delete_item(&self, input: DeleteItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.0.backend().delete_item(input)
    }
    fn update_item(&self, input: UpdateItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        self.0.backend().update_item(input)
    }
    fn query(&self, input: QueryInput) -> BoxFuture<'_, Result<PageOutput>> {
        self.0.backend().query(input)
    }
    fn scan(&self, input: ScanInput) -> BoxFuture<'_, Result<PageOutput>> {
        self.0.backend().scan(input)
    }
    fn batch_get_item(
        &self,
        input: BatchGetItemInput,
    ) -> BoxFuture<'_, Result<BatchGetItemOutput>> {
        self.0.backend().batch_get_item(input)
    }
    fn batch_write_item(
        &self,
        input: BatchWriteItemInput,
    ) -> BoxFuture<'_, Result<BatchWriteItemOutput>> {
        self.0.backend().batch_write_item(input)
    }
    fn transact_write_items(
        &self,
        input: TransactWriteItemsInput,
    ) -> BoxFuture<'_, Result<TransactWriteItemsOutput>> {
        self.0.backend().transact_write_items(input)
    }
    fn transact_get_items(
        &self,
        input: TransactGetItemsInput,
    ) -> BoxFuture<'_, Result<TransactGetItemsOutput>> {
        self.0.backend().transact_get_items(input)
    }
    fn update_time_to_live(
        &self,
        name: String,
        specification: TimeToLiveSpecification,
    ) -> BoxFuture<'_, Result<TimeToLiveSpecification>> {
        self.0.backend().update_time_to_live(name, specification)
    }
    fn describe_time_to_live(&self, name: String) -> BoxFuture<'_, Result<TimeToLiveDescription>> {
        self.0.backend().describe_time_to_live(name)
    }
}

#[tokio::test]
async fn duplicates_and_oversized_items_are_refused_before_sending() {
    let (db, counting) = fresh(NO_FAULTS).await;
    let ann = users(1).remove(0);
    let err = db.batch_write().put(&ann).delete(User::key("u0000")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Limit(LimitError::DuplicateItem {
                operation: "BatchWriteItem",
                first: 0,
                second: 1,
                ..
            })
        ),
        "{err:?}"
    );
    let err = db.batch_get([User::key("a"), User::key("b"), User::key("a")]).await.unwrap_err();
    assert!(
        matches!(err, Error::Limit(LimitError::DuplicateItem { first: 0, second: 2, .. })),
        "{err}"
    );
    let huge = User { user_id: "big".into(), name: "x".repeat(409_600) };
    let err = db.batch_write().put(&ann).put(&huge).await.unwrap_err();
    assert!(
        matches!(err, Error::Limit(LimitError::ItemTooLarge { index: 1, entity: "User", .. })),
        "{err}"
    );
    assert_eq!(counting.counts().total(), 0, "nothing was sent");
    assert_eq!(err.dynamodb_type(), None, "refused on the client");
}

#[tokio::test]
async fn non_retryable_errors_stop_and_report_everything_unwritten() {
    let (db, _) = fresh(NO_FAULTS).await;
    db.delete_table().await.unwrap();
    let all = users(60);
    let err = db.batch_write().put_all(&all).await.unwrap_err();
    let Error::BatchIncomplete(unprocessed) = err else { panic!("{err:?}") };
    assert_eq!(unprocessed.writes.len(), 60);
    assert!(matches!(unprocessed.source, Some(Error::ResourceNotFound { .. })));
    let mut keys: Vec<String> =
        unprocessed.keys_of::<User>().into_iter().map(|k| k.unwrap().0).collect();
    keys.sort();
    assert_eq!(keys, all.iter().map(|u| u.user_id.clone()).collect::<Vec<_>>());
}

/// The same guarantees on the engine's own `BatchWriteItem` / `BatchGetItem`.
async fn engine(backend: MemoryBackend) -> (TableClient<Batches>, CountingBackend<MemoryBackend>) {
    let counting = CountingBackend::new(backend);
    let db = TableClient::<Batches>::from_shared(Arc::new(counting.clone()));
    db.create_table().await.unwrap();
    counting.reset();
    (db, counting)
}

#[tokio::test]
async fn on_the_engine_a_thousand_writes_are_forty_requests() {
    let (db, counting) = engine(MemoryBackend::new()).await;
    let all = users(1_000);
    db.batch_write().put_all(&all).await.unwrap();
    assert_eq!(counting.counts().batch_write_item, 40);
    assert_eq!(counting.counts().total(), 40);
    assert!(counting.capacity().write_units >= 1_000.0, "{:?}", counting.capacity());
    counting.reset();
    let read = db.batch_get(all.iter().take(250).map(|u| User::key(u.user_id.clone()))).await;
    assert_eq!(read.unwrap(), all[..250].to_vec());
    assert_eq!(counting.counts().batch_get_item, 3);
    assert_eq!(counting.counts().total(), 3);
}

#[tokio::test]
async fn on_the_engine_thirty_percent_faults_lose_nothing() {
    let faults = FaultConfig { throttle_rate: 0.3, unprocessed_rate: 0.3, seed: 42 };
    let (db, counting) = engine(MemoryBackend::with_faults(faults)).await;
    let all = users(1_500);
    db.batch_write().put_all(&all).retry(FAST).await.unwrap();
    assert!(counting.counts().batch_write_item > 60);
    let read = db.batch_get(all.iter().map(|u| User::key(u.user_id.clone()))).retry(FAST).await;
    assert_eq!(read.unwrap(), all, "everything written, everything read back");
}

#[tokio::test]
async fn mixed_entities_share_requests_and_come_back_typed() {
    let (db, counting) = engine(MemoryBackend::new()).await;
    let all = users(150);
    let notes: Vec<Note> = (0..60u32)
        .map(|seq| Note { user_id: "u0001".into(), seq, text: format!("n{seq}") })
        .collect();
    db.batch_write().put_all(&all).put_all(&notes).await.unwrap();
    counting.reset();
    let (read_users, read_notes) = db
        .batch_get_many()
        .keys(all.iter().map(|u| User::key(u.user_id.clone())))
        .keys((0..70u32).map(|seq| Note::key("u0001", seq)))
        .await
        .unwrap();
    assert_eq!(read_users, all);
    assert_eq!(read_notes, notes, "missing notes are left out");
    assert_eq!(counting.counts().batch_get_item, 3, "220 keys in 3 shared requests");
    let err = db.batch_get_many().keys([User::key("a")]).keys([User::key("a")]).await.unwrap_err();
    assert!(matches!(err, Error::Limit(LimitError::DuplicateItem { .. })), "{err}");
}

//! The change feed of a table with a stream: DynamoDB Streams, in process.
//!
//! Every table created with [`CreateTableInput::stream`](singletable_core::backend::CreateTableInput)
//! keeps a feed of [`ChangeRecord`]s: one per item-level change, `INSERT`, `MODIFY` or
//! `REMOVE`, with the item's key attributes and the images the table's
//! [`StreamViewType`] asks for. Records are appended by the storage layer
//! ([`Table::put`](super::table::Table::put) and `Table::delete`), under the table's
//! write lock, so every write path (`PutItem`, `UpdateItem`, `DeleteItem`, batches,
//! transactions, the TTL sweep) records, in commit order, and a transaction's records
//! appear together or not at all: readers of the feed take the table's read lock, which
//! a transaction holds for writing from its first check to its last write.
//!
//! # DynamoDB's rules, followed
//!
//! - A write that changes nothing (a put of an identical item, an update that sets the
//!   values already there, a delete of a missing item) writes no record
//!   (DynamoDB Streams developer guide: "If you perform a PutItem or UpdateItem operation
//!   that does not change any data in an item, DynamoDB Streams does not write a stream
//!   record for that operation").
//! - Images by view type: `KEYS_ONLY` none, `NEW_IMAGE` the item after the change (none
//!   for `REMOVE`), `OLD_IMAGE` the item before (none for `INSERT`), `NEW_AND_OLD_IMAGES`
//!   both that exist.
//! - `SizeBytes` is the item size of the keys plus the images carried (DynamoDB Local's
//!   figure: `INSERT {pk:"a", v:1}` with `NEW_IMAGE` is 9 bytes).
//! - Sequence numbers increase by one per record, per table, from 1.
//! - Deletions by the TTL sweep are `REMOVE` records with `system_delete` set (DynamoDB's
//!   `userIdentity {"type":"Service","principalId":"dynamodb.amazonaws.com"}`).
//!
//! # Retention
//!
//! DynamoDB keeps records 24 hours. The engine keeps records at most 24 hours by its
//! [`Clock`] and at most [`DEFAULT_RETENTION_RECORDS`] records per table (set with
//! [`MemoryBackend::with_change_retention`]); older records are trimmed, and reading
//! from before the oldest retained record fails with `TrimmedDataAccessException`, as a
//! shard iterator into trimmed data does.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::task::{Context, Poll, Waker};

use super::catalog::TableHandle;
use super::definition::TableDef;
use super::MemoryBackend;
pub use singletable_core::change::{ChangeEvent, ChangeRecord, StreamInfo};
use singletable_core::clock::{Clock, SystemClock};
use singletable_core::error::{Error, Result};
use singletable_core::schema::StreamViewType;
use singletable_core::size::item_size;
use singletable_core::value::Item;

/// How many records a table's feed keeps by default (set with
/// [`MemoryBackend::with_change_retention`]). DynamoDB keeps records 24 hours; the engine
/// keeps them at most 24 hours ([`RETENTION_MS`], by its clock) and at most this many per
/// table, trimming the oldest. Reading from before the oldest retained record fails with
/// `TrimmedDataAccessException`, as a shard iterator into trimmed data does.
pub const DEFAULT_RETENTION_RECORDS: usize = 100_000;

/// The region of an engine not given one: DynamoDB Local's, `ddblocal`.
pub const DEFAULT_REGION: &str = "ddblocal";

/// How long DynamoDB keeps stream records: 24 hours, in milliseconds.
pub const RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

/// The engine-wide settings of change feeds, shared by every table's feed so that
/// changing them applies at once.
#[derive(Debug)]
pub(crate) struct FeedSettings {
    retention_records: AtomicUsize,
    clock: RwLock<Arc<dyn Clock>>,
    /// The engine's region: in table ARNs and replica write versions.
    region: RwLock<String>,
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            retention_records: AtomicUsize::new(DEFAULT_RETENTION_RECORDS),
            clock: RwLock::new(Arc::new(SystemClock)),
            region: RwLock::new(DEFAULT_REGION.to_owned()),
        }
    }
}

impl FeedSettings {
    /// The time now, by the engine's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.read().unwrap_or_else(PoisonError::into_inner).now().unix_millis()
    }

    /// The engine's clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The engine's region.
    pub fn region(&self) -> String {
        self.region.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Sets the engine's region.
    pub fn set_region(&self, region: String) {
        *self.region.write().unwrap_or_else(PoisonError::into_inner) = region;
    }

    /// The `TableArn` of table `name` in the engine's region.
    pub fn table_arn(&self, name: &str) -> String {
        super::create_table::table_arn_in(&self.region(), name)
    }

    fn set_clock(&self, clock: Arc<dyn Clock>) {
        *self.clock.write().unwrap_or_else(PoisonError::into_inner) = clock;
    }

    fn retention_records(&self) -> usize {
        self.retention_records.load(Ordering::Relaxed).max(1)
    }
}

/// What a feed shares with its [`ChangeStream`]s: the tasks waiting for a record, and,
/// once the table is deleted, the records it still held.
#[derive(Debug, Default)]
struct Shared {
    wakers: Vec<Waker>,
    remains: Option<Arc<VecDeque<ChangeRecord>>>,
}

type SharedHandle = Arc<Mutex<Shared>>;

fn lock(shared: &SharedHandle) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The change feed of one table, stored with its items (under the table's lock).
#[derive(Debug)]
pub(crate) struct ChangeFeed {
    view_type: StreamViewType,
    settings: Arc<FeedSettings>,
    records: VecDeque<ChangeRecord>,
    /// The sequence number of the next record.
    next_sequence: u64,
    /// What the feed shares with its streams ([`ChangeStream`]).
    shared: SharedHandle,
}

impl ChangeFeed {
    /// An empty feed for a table with a stream of `view_type`.
    pub fn new(view_type: StreamViewType, settings: Arc<FeedSettings>) -> Self {
        ChangeFeed {
            view_type,
            settings,
            records: VecDeque::new(),
            next_sequence: 1,
            shared: Arc::default(),
        }
    }

    /// Records the change of the item with key attributes taken from `old` or `new`:
    /// nothing when the item did not change.
    pub fn record(
        &mut self,
        def: &TableDef,
        old: Option<&Item>,
        new: Option<&Item>,
        system_delete: bool,
    ) {
        let event = match (old, new) {
            (None, None) => return,
            (Some(old), Some(new)) if old == new => return,
            (None, Some(_)) => ChangeEvent::Insert,
            (Some(_), Some(_)) => ChangeEvent::Modify,
            (Some(_), None) => ChangeEvent::Remove,
        };
        let Some(source) = new.or(old) else { return };
        let keys: Item = def
            .key_attributes()
            .filter_map(|key| Some((key.name.clone(), source.get(&key.name)?.clone())))
            .collect();
        let (keep_old, keep_new) = match self.view_type {
            StreamViewType::KeysOnly => (false, false),
            StreamViewType::NewImage => (false, true),
            StreamViewType::OldImage => (true, false),
            StreamViewType::NewAndOldImages => (true, true),
        };
        let old_image = old.filter(|_| keep_old).cloned();
        let new_image = new.filter(|_| keep_new).cloned();
        let size = item_size(&keys)
            + old_image.as_ref().map_or(0, item_size)
            + new_image.as_ref().map_or(0, item_size);
        let now = self.settings.now_ms();
        self.records.push_back(ChangeRecord {
            sequence_number: self.next_sequence,
            event,
            keys,
            old_image,
            new_image,
            approximate_creation_time_ms: now,
            system_delete,
            size_bytes: u64::try_from(size).unwrap_or(u64::MAX),
        });
        self.next_sequence += 1;
        self.trim(now);
        let waiting = std::mem::take(&mut lock(&self.shared).wakers);
        for waker in waiting {
            waker.wake();
        }
    }

    fn trim(&mut self, now: i64) {
        let cap = self.settings.retention_records();
        while self.records.len() > cap {
            self.records.pop_front();
        }
        while self.records.front().is_some_and(|oldest| {
            now.saturating_sub(oldest.approximate_creation_time_ms) > RETENTION_MS
        }) {
            self.records.pop_front();
        }
    }

    /// The sequence number of the last record written (0 before the first).
    pub fn last_sequence(&self) -> u64 {
        self.next_sequence - 1
    }

    /// Up to `limit` records after sequence number `after` (from the oldest retained
    /// with `None`); `TrimmedDataAccessException` when records after `after` were
    /// trimmed.
    pub fn records_after(
        &self,
        table: &str,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<ChangeRecord>> {
        // The first sequence number still retained (the next one when none is).
        let oldest = self.records.front().map_or(self.next_sequence, |r| r.sequence_number);
        let start = match after {
            None => oldest,
            Some(after) => {
                let start = after.saturating_add(1);
                if start < oldest {
                    return Err(Error::Service {
                        code: "TrimmedDataAccessException".to_owned(),
                        message: format!(
                            "The records of table {table} after sequence number {after} are beyond the trim horizon (oldest retained: {oldest})"
                        ),
                        source: None,
                    });
                }
                start
            }
        };
        let skip = usize::try_from(start - oldest).unwrap_or(usize::MAX);
        Ok(self.records.iter().skip(skip).take(limit).cloned().collect())
    }

    fn register(&self, waker: &Waker) {
        let wakers = &mut lock(&self.shared).wakers;
        if !wakers.iter().any(|known| known.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }
}

impl Drop for ChangeFeed {
    /// The table is gone: its streams yield the records they have not seen yet, then end.
    fn drop(&mut self) {
        let waiting = {
            let mut shared = lock(&self.shared);
            shared.remains = Some(Arc::new(std::mem::take(&mut self.records)));
            std::mem::take(&mut shared.wakers)
        };
        for waker in waiting {
            waker.wake();
        }
    }
}

/// The change records of one table from the moment it was created on, as an async
/// [`Stream`](futures_core::Stream) of `Result<ChangeRecord>`: see
/// [`MemoryBackend::changes`].
pub struct ChangeStream {
    table: String,
    handle: Weak<TableHandle>,
    /// The sequence number of the last record yielded.
    last: u64,
    buffer: VecDeque<ChangeRecord>,
    shared: SharedHandle,
    /// Nothing more will come: an error was yielded, or the table was deleted.
    finished: bool,
}

impl fmt::Debug for ChangeStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeStream")
            .field("table", &self.table)
            .field("last", &self.last)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl ChangeStream {
    /// Ends the stream after the records its ended feed held that it has not yielded.
    /// Pending while the feed is still being dropped: a deleted table's handle can no
    /// longer be upgraded a moment before its feed hands over what it held (`Arc` drops
    /// the value after the last strong count is gone), and ending then would lose the
    /// table's last records.
    fn finish(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<ChangeRecord>>> {
        let remains = {
            let mut shared = lock(&self.shared);
            match shared.remains.clone() {
                Some(remains) => remains,
                None => {
                    // Registered under the lock the feed's `Drop` takes: no lost wake-up.
                    let waker = cx.waker();
                    if !shared.wakers.iter().any(|known| known.will_wake(waker)) {
                        shared.wakers.push(waker.clone());
                    }
                    return Poll::Pending;
                }
            }
        };
        self.finished = true;
        let last = self.last;
        self.buffer.extend(remains.iter().filter(|r| r.sequence_number > last).cloned());
        Poll::Ready(self.buffer.pop_front().map(Ok))
    }

    /// The next record: `stream.recv().await`, for code without a `StreamExt` at hand.
    /// `None` once the stream has ended.
    pub async fn recv(&mut self) -> Option<Result<ChangeRecord>> {
        std::future::poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut *self), cx)).await
    }
}

/// How many records a [`ChangeStream`] takes from the feed at a time.
const STREAM_BATCH: usize = 1000;

impl futures_core::Stream for ChangeStream {
    type Item = Result<ChangeRecord>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(record) = this.buffer.pop_front() {
            return Poll::Ready(Some(Ok(record)));
        }
        if this.finished {
            return Poll::Ready(None);
        }
        let Some(handle) = this.handle.upgrade() else {
            // The table was deleted: what it held, then the end.
            return this.finish(cx);
        };
        let table = handle.read();
        // The feed this stream follows, unless `UpdateTable` disabled the table's stream
        // (and maybe enabled a new one) since: then what it held, then the end.
        let Some(feed) = table.feed().filter(|feed| Arc::ptr_eq(&feed.shared, &this.shared)) else {
            drop(table);
            return this.finish(cx);
        };
        match feed.records_after(&this.table, Some(this.last), STREAM_BATCH) {
            Err(error) => {
                this.finished = true;
                Poll::Ready(Some(Err(error)))
            }
            Ok(records) if records.is_empty() => {
                // Registered under the read lock: no record can be written in between.
                feed.register(cx.waker());
                Poll::Pending
            }
            Ok(records) => {
                drop(table);
                this.buffer.extend(records);
                // Buffered records count as seen: they are yielded before the next read.
                if let Some(newest) = this.buffer.back() {
                    this.last = newest.sequence_number;
                }
                Poll::Ready(this.buffer.pop_front().map(Ok))
            }
        }
    }
}

fn no_stream(table: &str) -> Error {
    Error::resource_not_found(format!("Requested resource not found: Table {table} has no stream"))
}

/// DynamoDB's `StreamLabel`: ISO 8601 in UTC with milliseconds, no zone designator.
fn stream_label(created_ms: i64) -> String {
    // The fixed-width RFC 3339 text (`2026-11-25T16:37:25.123Z`) without its zone.
    match singletable_core::Timestamp::from_unix_millis(created_ms).to_rfc3339() {
        Ok(text) => text.trim_end_matches('Z').to_owned(),
        Err(_) => created_ms.to_string(),
    }
}

#[allow(clippy::cast_possible_truncation)]
fn seconds_to_ms(seconds: f64) -> i64 {
    // A table's creation time, a positive number of seconds well inside i64's range.
    (seconds * 1000.0).round() as i64
}

impl MemoryBackend {
    /// Up to `limit` change records of `table` after sequence number `after`, oldest
    /// first (from the oldest retained record with `None`): the engine's `GetRecords`.
    ///
    /// Fails with `ResourceNotFoundException` for a missing table or a table without a
    /// stream, and with [`Error::Service`] `TrimmedDataAccessException` when records after
    /// `after` have been trimmed (see [`DEFAULT_RETENTION_RECORDS`]).
    pub fn change_records(
        &self,
        table: &str,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<ChangeRecord>> {
        let handle = self.catalog.table(table)?;
        let data = handle.read();
        let feed = data.feed().ok_or_else(|| no_stream(table))?;
        feed.records_after(table, after, limit)
    }

    /// The stream of `table`, `None` when it has none. Fails with
    /// `ResourceNotFoundException` for a missing table.
    pub fn stream_info(&self, table: &str) -> Result<Option<StreamInfo>> {
        let def = self.catalog.table(table)?.def();
        Ok(def.stream.map(|view_type| {
            let created_ms = seconds_to_ms(def.stream_date_time);
            StreamInfo { label: stream_label(created_ms), view_type, created_ms }
        }))
    }

    /// The change records of `table` written from now on, as an async
    /// [`Stream`](futures_core::Stream), for in-process event-driven code and tests. The
    /// stream waits (without polling) for the next record, yields each record once in
    /// commit order, and ends when the table is deleted or its stream disabled (after the records written
    /// before). A consumer that falls behind the
    /// retention (see [`DEFAULT_RETENTION_RECORDS`]) gets one `TrimmedDataAccessException` error, then the
    /// end of the stream.
    ///
    /// Fails with `ResourceNotFoundException` for a missing table or a table without a
    /// stream.
    ///
    /// ```
    /// use singletable_engine::ChangeEvent;
    /// use singletable_core::backend::{
    ///     AttributeDefinition, Backend, CreateTableInput, KeySchemaElement, KeyType, PutItemInput,
    /// };
    /// use singletable_core::schema::{BillingMode, ScalarType, StreamViewType};
    /// use singletable_core::{AttributeValue, Item};
    /// use singletable_engine::MemoryBackend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> singletable_core::Result<()> {
    /// let db = MemoryBackend::new();
    /// db.create_table(CreateTableInput {
    ///     table_name: "Users".to_owned(),
    ///     attribute_definitions: vec![AttributeDefinition { name: "pk".to_owned(), ty: ScalarType::S }],
    ///     key_schema: vec![KeySchemaElement { attribute_name: "pk".to_owned(), key_type: KeyType::Hash }],
    ///     global_secondary_indexes: vec![],
    ///     local_secondary_indexes: vec![],
    ///     billing_mode: BillingMode::PayPerRequest,
    ///     stream: Some(StreamViewType::NewAndOldImages),
    /// })
    /// .await?;
    /// let mut changes = db.changes("Users")?;
    /// let item: Item = [("pk".to_owned(), AttributeValue::S("u1".to_owned()))].into();
    /// db.put_item(PutItemInput { table_name: "Users".to_owned(), item: item.clone(), ..Default::default() }).await?;
    /// let record = changes.recv().await.expect("the stream is open")?;
    /// assert_eq!(record.event, ChangeEvent::Insert);
    /// assert_eq!(record.new_image, Some(item));
    /// # Ok(())
    /// # }
    /// ```
    pub fn changes(&self, table: &str) -> Result<ChangeStream> {
        let handle = self.catalog.table(table)?;
        let (last, shared) = {
            let data = handle.read();
            let feed = data.feed().ok_or_else(|| no_stream(table))?;
            (feed.last_sequence(), Arc::clone(&feed.shared))
        };
        Ok(ChangeStream {
            table: table.to_owned(),
            handle: Arc::downgrade(&handle),
            last,
            buffer: VecDeque::new(),
            shared,
            finished: false,
        })
    }

    /// This engine, keeping at most `records` change records per table (at least 1;
    /// [`DEFAULT_RETENTION_RECORDS`] by default) besides DynamoDB's 24 hours. Applies to
    /// every table of the engine (and its clones) from the next record on.
    #[must_use]
    pub fn with_change_retention(self, records: usize) -> Self {
        self.catalog.feeds().retention_records.store(records.max(1), Ordering::Relaxed);
        self
    }

    /// This engine, reading the time from `clock` (the system clock by default): it
    /// dates change records and decides which items the TTL sweep finds expired. Applies
    /// to the engine and its clones.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use singletable_core::clock::ManualClock;
    /// use singletable_core::Timestamp;
    /// use singletable_engine::MemoryBackend;
    ///
    /// let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(1_700_000_000)));
    /// let db = MemoryBackend::new().with_clock(clock.clone());
    /// clock.advance(Duration::from_secs(60)); // a minute later, for the engine too
    /// # drop(db);
    /// ```
    #[must_use]
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        self.set_clock(clock);
        self
    }

    /// The clock the engine reads (the system clock unless set with
    /// [`with_clock`](Self::with_clock)).
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.catalog.feeds().clock()
    }

    /// Makes this engine and every clone of it read the time from `clock`, as
    /// [`with_clock`](Self::with_clock) does, without consuming the handle.
    pub fn set_clock(&self, clock: Arc<dyn Clock>) {
        self.catalog.feeds().set_clock(clock);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_labels_are_dynamodb_shaped() {
        assert_eq!(stream_label(1_431_379_293_291), "2015-05-11T21:21:33.291");
        assert_eq!(stream_label(0), "1970-01-01T00:00:00.000");
    }
}

//! [`CachedBackend`]: a DAX-style read-through, write-through cache in front of any
//! [`Backend`].
//!
//! It follows the rules of DynamoDB Accelerator (DAX), as the DynamoDB Developer Guide
//! describes them ("DAX: How it works", "DAX and DynamoDB consistency models"):
//!
//! - **Item cache** for `GetItem` and `BatchGetItem` (each key of a batch is treated as
//!   one `GetItem`), keyed by table, primary key and projection. A key that has no item
//!   is cached too (*negative caching*): the next read of it is answered "no item"
//!   without asking the backend.
//! - **Query cache** for `Query`, keyed by the whole request (table, index, key
//!   condition, filter, projection, `Select`, `Limit`, direction, start key). Empty
//!   result pages are cached like any other. `Scan` passes through by default (a scan
//!   reads the whole table, and a cached scan is rarely what a test or an application
//!   wants); DAX itself caches scans in its query cache too, and
//!   [`CacheConfig::cache_scans`] turns that on (keyed by the whole request, segment
//!   included).
//! - **Time to live**: entries expire after [`CacheConfig::item_ttl`] and
//!   [`CacheConfig::query_ttl`] (5 minutes each by default, as in DAX), measured on the
//!   [`Clock`] of the config, so tests move time with a
//!   [`ManualClock`](singletable_core::clock::ManualClock).
//! - **Write-through**: this backend's own successful `PutItem`, `UpdateItem`,
//!   `DeleteItem`, `BatchWriteItem` and `TransactWriteItems` update the item cache: a put
//!   stores the new item, a delete stores "no item", an update stores the new item
//!   (see below) — each with a fresh TTL, replacing every cached projection of that key.
//! - **Writes do not touch the query cache.** As in DAX, a cached `Query` or `Scan`
//!   result stays as it was until its TTL runs out, even after this client changes an
//!   item it contains: choose [`CacheConfig::query_ttl`] by how stale a query may be.
//! - **Eventually consistent reads only**: a read with `ConsistentRead=true` and every
//!   `TransactGetItems` goes to the backend and its result is not cached.
//! - **Bounded memory**: each cache holds at most its byte budget
//!   ([`CacheConfig::item_cache_bytes`], [`CacheConfig::query_cache_bytes`]), weighing
//!   entries by DynamoDB's item size; the least valuable entries are evicted first
//!   ([`quick_cache`]'s CLOCK-Pro policy, where DAX uses LRU).
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use singletable_core::clock::ManualClock;
//! use singletable_core::Timestamp;
//! use singletable_runtime::backend::cached::{CacheConfig, CachedBackend};
//! use singletable_runtime::backend::{Backend, GetItemInput};
//! use singletable_engine::MemoryBackend;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> singletable_runtime::Result<()> {
//! let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(1_700_000_000)));
//! let config = CacheConfig {
//!     item_ttl: Duration::from_secs(60),
//!     clock: clock.clone(),
//!     ..CacheConfig::default()
//! };
//! let cached = CachedBackend::with_config(MemoryBackend::new(), config);
//! # use singletable_runtime::backend::*;
//! # use singletable_core::schema::{BillingMode, ScalarType};
//! # cached.create_table(CreateTableInput {
//! #     table_name: "Users".into(),
//! #     attribute_definitions: vec![AttributeDefinition { name: "PK".into(), ty: ScalarType::S }],
//! #     key_schema: vec![KeySchemaElement { attribute_name: "PK".into(), key_type: KeyType::Hash }],
//! #     global_secondary_indexes: vec![], local_secondary_indexes: vec![],
//! #     billing_mode: BillingMode::PayPerRequest, stream: None,
//! # }).await?;
//! let key = [("PK".to_owned(), singletable_core::AttributeValue::S("a".into()))].into();
//! let get = GetItemInput { table_name: "Users".into(), key, ..GetItemInput::default() };
//! cached.get_item(get.clone()).await?; // a miss: read from the engine, "no item" cached
//! cached.get_item(get.clone()).await?; // a hit
//! clock.advance(Duration::from_secs(61));
//! cached.get_item(get).await?; // expired: a miss again
//! let stats = cached.stats();
//! assert_eq!((stats.item_hits, stats.item_misses), (1, 2));
//! # Ok(())
//! # }
//! ```
//!
//! # Differences from DAX
//!
//! - DAX refreshes the item cache after a `TransactWriteItems` with a background
//!   `TransactGetItems`; here a transaction's puts and deletes are written through, and
//!   the keys it updates are dropped from the item cache (read again on the next get),
//!   which costs no extra request.
//! - An `UpdateItem` sent with `ReturnValues=NONE` is sent with `ALL_NEW` (and the
//!   attributes removed from the answer), so the new item can be cached as DAX does; one
//!   that asks for `ALL_OLD`, `UPDATED_OLD` or `UPDATED_NEW` drops the key from the item
//!   cache instead.
//! - A write that fails drops its keys from the item cache (DAX leaves the cache as it
//!   was): a timeout may hide a write that happened.
//! - A cache hit reports no `ConsumedCapacity` (it consumed none).
//! - A read that was already under way when this client wrote the same key does not put
//!   its (older) result over the written one.
//! - The cache lives in this process: clones of a `CachedBackend` share it, other
//!   processes and clients do not (DAX is a cluster shared by every DAX client).

mod key;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use quick_cache::sync::{Cache, EntryAction, EntryResult};
use quick_cache::Weighter;
use singletable_core::clock::{Clock, SystemClock};
use singletable_core::size::item_size;
use singletable_core::Item;

use crate::backend::{
    Backend, BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput,
    BoxFuture, CreateTableInput, DeleteItemInput, GetItemInput, GetItemOutput, KeysAndAttributes,
    ListTablesInput, ListTablesOutput, PageOutput, PutItemInput, QueryInput, ReturnValues,
    ScanInput, TableDescription, TimeToLiveDescription, TimeToLiveSpecification,
    TransactGetItemsInput, TransactGetItemsOutput, TransactWriteItem, TransactWriteItemsInput,
    TransactWriteItemsOutput, UpdateItemInput, UpdateTableInput, WriteItemOutput, WriteRequest,
};
use crate::error::Result;

/// How a [`CachedBackend`] caches.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// How long an item (or "no item") stays in the item cache; DAX's default, 5 minutes.
    pub item_ttl: Duration,
    /// How long a `Query` or `Scan` page stays in the query cache; DAX's default,
    /// 5 minutes.
    pub query_ttl: Duration,
    /// The item cache's budget in bytes (items weighed by DynamoDB's item size, plus
    /// their keys); default 64 MiB.
    pub item_cache_bytes: u64,
    /// The query cache's budget in bytes; default 64 MiB.
    pub query_cache_bytes: u64,
    /// Whether eventually consistent `Scan` pages are cached in the query cache, as DAX
    /// does. Off by default: scans pass through to the backend uncached.
    pub cache_scans: bool,
    /// Where "now" comes from, for expiry; the system clock by default.
    pub clock: Arc<dyn Clock>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            item_ttl: Duration::from_secs(300),
            query_ttl: Duration::from_secs(300),
            item_cache_bytes: 64 << 20,
            query_cache_bytes: 64 << 20,
            cache_scans: false,
            clock: Arc::new(SystemClock),
        }
    }
}

/// What a [`CachedBackend`] has answered, since it was made or since [`reset_stats`](CachedBackend::reset_stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Keys of `GetItem` and `BatchGetItem` answered from the item cache (negative
    /// entries included).
    pub item_hits: u64,
    /// Keys of eventually consistent `GetItem` and `BatchGetItem` read from the backend.
    pub item_misses: u64,
    /// `Query` and `Scan` pages answered from the query cache.
    pub query_hits: u64,
    /// Eventually consistent `Query` and `Scan` pages read from the backend.
    pub query_misses: u64,
    /// Reads passed to the backend uncached: consistent reads, `TransactGetItems`, and
    /// scans unless [`CacheConfig::cache_scans`] is on.
    pub pass_through: u64,
}

/// The item cache's key: a table and a primary key's canonical bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ItemKey {
    table: String,
    key: Vec<u8>,
}

/// Everything cached for one primary key: one variant per projection read.
#[derive(Debug, Clone, Default)]
struct Slot {
    variants: Vec<Variant>,
    /// The write sequence number of this client's last write of the key: a read that
    /// started before it does not overwrite what the write put here.
    written: u64,
}

#[derive(Debug, Clone)]
struct Variant {
    /// The projection's canonical bytes; `None`: the whole item.
    projection: Option<Box<[u8]>>,
    /// The item, or `None` when the key has no item (a negative entry).
    item: Option<Item>,
    /// Unix milliseconds after which the variant is stale.
    expires_at: i64,
    weight: u64,
}

impl Variant {
    fn new(projection: Option<Box<[u8]>>, item: Option<Item>, expires_at: i64) -> Self {
        let weight = 48
            + projection.as_ref().map_or(0, |p| p.len() as u64)
            + item.as_ref().map_or(0, |item| item_size(item) as u64);
        Variant { projection, item, expires_at, weight }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct SlotWeighter;

impl Weighter<ItemKey, Arc<Slot>> for SlotWeighter {
    fn weight(&self, key: &ItemKey, slot: &Arc<Slot>) -> u64 {
        64 + key.table.len() as u64
            + key.key.len() as u64
            + slot.variants.iter().map(|v| v.weight).sum::<u64>()
    }
}

#[derive(Debug)]
struct CachedPage {
    page: PageOutput,
    expires_at: i64,
    weight: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct PageWeighter;

impl Weighter<Vec<u8>, Arc<CachedPage>> for PageWeighter {
    fn weight(&self, key: &Vec<u8>, page: &Arc<CachedPage>) -> u64 {
        key.len() as u64 + page.weight
    }
}

#[derive(Default)]
struct Counters {
    item_hits: AtomicU64,
    item_misses: AtomicU64,
    query_hits: AtomicU64,
    query_misses: AtomicU64,
    pass_through: AtomicU64,
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

struct Shared {
    items: Cache<ItemKey, Arc<Slot>, SlotWeighter>,
    queries: Cache<Vec<u8>, Arc<CachedPage>, PageWeighter>,
    config: CacheConfig,
    counters: Counters,
    /// Incremented by every write: see [`Slot::written`].
    writes: AtomicU64,
    /// Each table's key attribute names, learned from the keys of successful requests
    /// (a `PutItem` carries no key: its key is cut from the item with these names).
    key_names: RwLock<HashMap<String, Vec<String>>>,
}

/// A [`Backend`] that answers eventually consistent reads from an in-process cache with
/// DAX's rules, and writes through to `B`. See the [module docs](self).
///
/// Clones share the cache.
#[derive(Clone)]
pub struct CachedBackend<B> {
    inner: B,
    shared: Arc<Shared>,
}

impl<B: fmt::Debug> fmt::Debug for CachedBackend<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedBackend")
            .field("inner", &self.inner)
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

/// A budget's estimated entry count, for the cache's initial sizing.
fn estimated_entries(bytes: u64) -> usize {
    usize::try_from(bytes / 1024).unwrap_or(usize::MAX).clamp(16, 1 << 20)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl<B: Backend> CachedBackend<B> {
    /// Wraps `inner` with the default [`CacheConfig`] (DAX's 5-minute TTLs, 64 MiB per
    /// cache, the system clock).
    pub fn new(inner: B) -> Self {
        Self::with_config(inner, CacheConfig::default())
    }

    /// Wraps `inner` with `config`.
    pub fn with_config(inner: B, config: CacheConfig) -> Self {
        let items = Cache::with_weighter(
            estimated_entries(config.item_cache_bytes),
            config.item_cache_bytes.max(1),
            SlotWeighter,
        );
        let queries = Cache::with_weighter(
            estimated_entries(config.query_cache_bytes),
            config.query_cache_bytes.max(1),
            PageWeighter,
        );
        let shared = Shared {
            items,
            queries,
            config,
            counters: Counters::default(),
            writes: AtomicU64::new(0),
            key_names: RwLock::new(HashMap::new()),
        };
        CachedBackend { inner, shared: Arc::new(shared) }
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// The configuration.
    pub fn config(&self) -> &CacheConfig {
        &self.shared.config
    }

    /// Hits, misses and pass-throughs so far.
    pub fn stats(&self) -> CacheStats {
        let c = &self.shared.counters;
        CacheStats {
            item_hits: c.item_hits.load(Ordering::Relaxed),
            item_misses: c.item_misses.load(Ordering::Relaxed),
            query_hits: c.query_hits.load(Ordering::Relaxed),
            query_misses: c.query_misses.load(Ordering::Relaxed),
            pass_through: c.pass_through.load(Ordering::Relaxed),
        }
    }

    /// The bytes the item cache and the query cache hold now (by their weighing).
    pub fn weights(&self) -> (u64, u64) {
        (self.shared.items.weight(), self.shared.queries.weight())
    }

    /// Empties both caches (the stats stay).
    pub fn clear(&self) {
        self.shared.items.clear();
        self.shared.queries.clear();
    }

    /// Sets the stats to zero (the caches stay).
    pub fn reset_stats(&self) {
        let c = &self.shared.counters;
        for counter in
            [&c.item_hits, &c.item_misses, &c.query_hits, &c.query_misses, &c.pass_through]
        {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

impl Shared {
    fn now(&self) -> i64 {
        self.config.clock.now().unix_millis()
    }

    fn item_expiry(&self) -> i64 {
        self.now().saturating_add(millis(self.config.item_ttl))
    }

    fn learn_key_names(&self, table: &str, key: &Item) {
        let known = self.key_names.read().map(|names| names.contains_key(table)).unwrap_or(true);
        if !known {
            let mut names: Vec<String> = key.keys().cloned().collect();
            names.sort_unstable();
            if let Ok(mut map) = self.key_names.write() {
                map.insert(table.to_owned(), names);
            }
        }
    }

    fn key_names(&self, table: &str) -> Option<Vec<String>> {
        self.key_names.read().ok()?.get(table).cloned()
    }

    fn item_key(table: &str, key: &Item) -> ItemKey {
        ItemKey { table: table.to_owned(), key: key::primary_key(key) }
    }

    /// A fresh cached answer for `key` read with `projection`: `Some(item or None)`.
    fn lookup(&self, key: &ItemKey, projection: Option<&[u8]>) -> Option<Option<Item>> {
        let slot = self.items.get(key)?;
        let now = self.now();
        slot.variants
            .iter()
            .find(|v| v.projection.as_deref() == projection && v.expires_at > now)
            .map(|v| v.item.clone())
    }

    /// Stores what a read that started at write sequence `started` found, unless this
    /// client wrote the key since.
    fn fill(&self, key: ItemKey, projection: Option<Box<[u8]>>, item: Option<Item>, started: u64) {
        let now = self.now();
        let variant = Variant::new(projection, item, self.item_expiry());
        let result = self.items.entry(&key, None, |_, slot| {
            if slot.written > started {
                return EntryAction::Retain(());
            }
            let slot = Arc::make_mut(slot);
            slot.variants.retain(|v| v.projection != variant.projection && v.expires_at > now);
            slot.variants.push(variant.clone());
            EntryAction::Retain(())
        });
        if let EntryResult::Vacant(guard) = result {
            let _ = guard.insert(Arc::new(Slot { variants: vec![variant], written: 0 }));
        }
    }

    /// This client wrote `key`: the whole item is now `item` (`Some(None)`: no item), or
    /// unknown (`None`: every variant dropped).
    fn written(&self, table: &str, key: &Item, item: Option<Option<Item>>) {
        let sequence = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        let variants = match item {
            Some(item) => vec![Variant::new(None, item, self.item_expiry())],
            None => Vec::new(),
        };
        let slot = Arc::new(Slot { variants, written: sequence });
        self.items.insert(Self::item_key(table, key), slot);
    }

    /// This client put `item` into `table`.
    fn put_written(&self, table: &str, item: &Item) {
        // Without the key names no read of the table has been cached: nothing to update.
        if let Some(names) = self.key_names(table) {
            if let Some(key) = key::key_of(item, &names) {
                self.written(table, &key, Some(Some(item.clone())));
            }
        }
    }

    fn write_sequence(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    fn forget_table(&self, table: &str) {
        self.items.retain(|key, _| key.table != table);
        let prefix = query_prefix(table);
        self.queries.retain(|key, _| !of_table(key, &prefix));
        if let Ok(mut names) = self.key_names.write() {
            names.remove(table);
        }
    }

    fn cached_page(&self, key: &[u8]) -> Option<PageOutput> {
        let page = self.queries.get(key)?;
        if page.expires_at > self.now() {
            return Some(page.page.clone());
        }
        self.queries.remove_if(key, |current| Arc::ptr_eq(current, &page));
        None
    }

    fn store_page(&self, key: Vec<u8>, page: &PageOutput) {
        let mut page = page.clone();
        page.consumed_capacity = None;
        let weight = 64
            + page.items.iter().map(|item| item_size(item) as u64).sum::<u64>()
            + page.last_evaluated_key.as_ref().map_or(0, |k| item_size(k) as u64);
        let expires_at = self.now().saturating_add(millis(self.config.query_ttl));
        self.queries.insert(key, Arc::new(CachedPage { page, expires_at, weight }));
    }
}

/// The bytes every query-cache key of `table` starts with (`Q` or `S`, then the
/// length-prefixed table name), less the first byte.
fn query_prefix(table: &str) -> Vec<u8> {
    let mut prefix = Vec::with_capacity(table.len() + 8);
    prefix.extend_from_slice(&(table.len() as u64).to_le_bytes());
    prefix.extend_from_slice(table.as_bytes());
    prefix
}

/// True when the query-cache `key` is of the table whose [`query_prefix`] is `prefix`.
fn of_table(key: &[u8], prefix: &[u8]) -> bool {
    key.get(1..).is_some_and(|rest| rest.starts_with(prefix))
}

impl<B: Backend> CachedBackend<B> {
    async fn batch_get(&self, mut input: BatchGetItemInput) -> Result<BatchGetItemOutput> {
        let shared = &self.shared;
        let mut hits: HashMap<String, Vec<Item>> = HashMap::new();
        let mut hit_count = 0u64;
        let mut miss_count = 0u64;
        // Per table, the keys still to read (all of them for a consistent read).
        for (table, request) in &mut input.request_items {
            if request.consistent_read {
                bump(&shared.counters.pass_through, request.keys.len() as u64);
                continue;
            }
            let projection = key::projection(request.projection.as_deref());
            let mut seen = HashSet::new();
            if request.keys.iter().any(|k| !seen.insert(key::primary_key(k))) {
                // Duplicate keys: DynamoDB refuses the request; let it say so.
                continue;
            }
            request.keys.retain(|k| {
                match shared.lookup(&Shared::item_key(table, k), projection.as_deref()) {
                    Some(found) => {
                        hit_count += 1;
                        if let Some(item) = found {
                            hits.entry(table.clone()).or_default().push(item);
                        } else {
                            hits.entry(table.clone()).or_default();
                        }
                        false
                    }
                    None => {
                        miss_count += 1;
                        true
                    }
                }
            });
        }
        bump(&shared.counters.item_hits, hit_count);
        bump(&shared.counters.item_misses, miss_count);
        input.request_items.retain(|_, request| !request.keys.is_empty());
        if input.request_items.is_empty() {
            let responses = hits.into_iter().filter(|(_, items)| !items.is_empty()).collect();
            return Ok(BatchGetItemOutput { responses, ..BatchGetItemOutput::default() });
        }
        let started = shared.write_sequence();
        let sent = input.request_items.clone();
        let mut output = self.inner.batch_get_item(input).await?;
        for (table, request) in sent {
            if request.consistent_read {
                continue;
            }
            self.fill_batch(&table, request, &output, started);
        }
        for (table, items) in hits {
            if !items.is_empty() {
                output.responses.entry(table).or_default().extend(items);
            }
        }
        Ok(output)
    }

    /// Caches what a `BatchGetItem` read from `table`: each item under its key, and "no
    /// item" for every processed key that came back without one.
    fn fill_batch(
        &self,
        table: &str,
        request: KeysAndAttributes,
        output: &BatchGetItemOutput,
        started: u64,
    ) {
        let shared = &self.shared;
        let Some(first) = request.keys.first() else { return };
        let mut names: Vec<String> = first.keys().cloned().collect();
        names.sort_unstable();
        shared.learn_key_names(table, first);
        let projection = key::projection(request.projection.as_deref());
        let mut found: HashMap<Vec<u8>, &Item> = HashMap::new();
        for item in output.responses.get(table).into_iter().flatten() {
            // A projection without the key attributes: the items cannot be matched to
            // their keys, so nothing of this table is cached.
            let Some(key) = key::key_of(item, &names) else { return };
            found.insert(key::primary_key(&key), item);
        }
        let unprocessed: HashSet<Vec<u8>> = output
            .unprocessed_keys
            .get(table)
            .into_iter()
            .flat_map(|r| r.keys.iter().map(key::primary_key))
            .collect();
        for requested in &request.keys {
            let bytes = key::primary_key(requested);
            if unprocessed.contains(&bytes) {
                continue;
            }
            let item = found.get(&bytes).map(|item| (*item).clone());
            let key = ItemKey { table: table.to_owned(), key: bytes };
            shared.fill(key, projection.clone(), item, started);
        }
    }
}

impl<B: Backend> Backend for CachedBackend<B> {
    fn simulated_sleep(&self, duration: std::time::Duration) -> bool {
        self.inner.simulated_sleep(duration)
    }

    fn create_table(&self, input: CreateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        self.shared.forget_table(&input.table_name);
        self.inner.create_table(input)
    }

    fn delete_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.shared.forget_table(&table_name);
        self.inner.delete_table(table_name)
    }

    fn describe_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        self.inner.describe_table(table_name)
    }

    fn list_tables(&self, input: ListTablesInput) -> BoxFuture<'_, Result<ListTablesOutput>> {
        self.inner.list_tables(input)
    }

    fn get_item(&self, input: GetItemInput) -> BoxFuture<'_, Result<GetItemOutput>> {
        Box::pin(async move {
            let shared = &self.shared;
            if input.consistent_read {
                bump(&shared.counters.pass_through, 1);
                return self.inner.get_item(input).await;
            }
            let key = Shared::item_key(&input.table_name, &input.key);
            let projection = key::projection(input.projection.as_deref());
            if let Some(item) = shared.lookup(&key, projection.as_deref()) {
                bump(&shared.counters.item_hits, 1);
                return Ok(GetItemOutput { item, consumed_capacity: None });
            }
            bump(&shared.counters.item_misses, 1);
            let started = shared.write_sequence();
            let table = input.table_name.clone();
            let request_key = input.key.clone();
            let output = self.inner.get_item(input).await?;
            shared.learn_key_names(&table, &request_key);
            shared.fill(key, projection, output.item.clone(), started);
            Ok(output)
        })
    }

    fn put_item(&self, input: PutItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        Box::pin(async move {
            let table = input.table_name.clone();
            let item = input.item.clone();
            let result = self.inner.put_item(input).await;
            match &result {
                Ok(_) => self.shared.put_written(&table, &item),
                Err(_) => {
                    if let Some(key) =
                        self.shared.key_names(&table).and_then(|n| key::key_of(&item, &n))
                    {
                        self.shared.written(&table, &key, None);
                    }
                }
            }
            result
        })
    }

    fn delete_item(&self, input: DeleteItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        Box::pin(async move {
            let table = input.table_name.clone();
            let key = input.key.clone();
            let result = self.inner.delete_item(input).await;
            if result.is_ok() {
                self.shared.learn_key_names(&table, &key);
                self.shared.written(&table, &key, Some(None));
            } else {
                self.shared.written(&table, &key, None);
            }
            result
        })
    }

    fn update_item(&self, mut input: UpdateItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        Box::pin(async move {
            let table = input.table_name.clone();
            let key = input.key.clone();
            let asked = input.return_values;
            if asked == ReturnValues::None {
                input.return_values = ReturnValues::AllNew;
            }
            let result = self.inner.update_item(input).await;
            match result {
                Ok(mut output) => {
                    self.shared.learn_key_names(&table, &key);
                    match asked {
                        ReturnValues::None => {
                            let item = output.attributes.take();
                            self.shared.written(&table, &key, item.map(Some));
                        }
                        ReturnValues::AllNew => {
                            let item = output.attributes.clone();
                            self.shared.written(&table, &key, item.map(Some));
                        }
                        _ => self.shared.written(&table, &key, None),
                    }
                    Ok(output)
                }
                Err(error) => {
                    self.shared.written(&table, &key, None);
                    Err(error)
                }
            }
        })
    }

    fn query(&self, input: QueryInput) -> BoxFuture<'_, Result<PageOutput>> {
        Box::pin(async move {
            let shared = &self.shared;
            if input.consistent_read {
                bump(&shared.counters.pass_through, 1);
                return self.inner.query(input).await;
            }
            let key = key::query(&input);
            if let Some(page) = shared.cached_page(&key) {
                bump(&shared.counters.query_hits, 1);
                return Ok(page);
            }
            bump(&shared.counters.query_misses, 1);
            let output = self.inner.query(input).await?;
            shared.store_page(key, &output);
            Ok(output)
        })
    }

    fn scan(&self, input: ScanInput) -> BoxFuture<'_, Result<PageOutput>> {
        Box::pin(async move {
            let shared = &self.shared;
            if input.consistent_read || !shared.config.cache_scans {
                bump(&shared.counters.pass_through, 1);
                return self.inner.scan(input).await;
            }
            let key = key::scan(&input);
            if let Some(page) = shared.cached_page(&key) {
                bump(&shared.counters.query_hits, 1);
                return Ok(page);
            }
            bump(&shared.counters.query_misses, 1);
            let output = self.inner.scan(input).await?;
            shared.store_page(key, &output);
            Ok(output)
        })
    }

    fn batch_get_item(
        &self,
        input: BatchGetItemInput,
    ) -> BoxFuture<'_, Result<BatchGetItemOutput>> {
        Box::pin(self.batch_get(input))
    }

    fn batch_write_item(
        &self,
        input: BatchWriteItemInput,
    ) -> BoxFuture<'_, Result<BatchWriteItemOutput>> {
        Box::pin(async move {
            let sent = input.request_items.clone();
            let result = self.inner.batch_write_item(input).await;
            let shared = &self.shared;
            for (table, requests) in &sent {
                let names = shared.key_names(table);
                let unprocessed = match &result {
                    Ok(output) => output.unprocessed_items.get(table),
                    Err(_) => None,
                };
                for request in requests {
                    let done = result.is_ok()
                        && !unprocessed.is_some_and(|pending| pending.contains(request));
                    match request {
                        WriteRequest::Put { item } if done => shared.put_written(table, item),
                        WriteRequest::Put { item } => {
                            if let Some(key) = names.as_ref().and_then(|n| key::key_of(item, n)) {
                                shared.written(table, &key, None);
                            }
                        }
                        WriteRequest::Delete { key } if done => {
                            shared.written(table, key, Some(None));
                        }
                        WriteRequest::Delete { key } => {
                            // Not done (yet): unchanged if unprocessed, unknown on error.
                            if result.is_err() {
                                shared.written(table, key, None);
                            }
                        }
                    }
                }
            }
            result
        })
    }

    fn transact_write_items(
        &self,
        input: TransactWriteItemsInput,
    ) -> BoxFuture<'_, Result<TransactWriteItemsOutput>> {
        Box::pin(async move {
            let actions = input.items.clone();
            let result = self.inner.transact_write_items(input).await;
            let shared = &self.shared;
            let ok = result.is_ok();
            for action in &actions {
                match action {
                    TransactWriteItem::Put { table_name, item, .. } => {
                        if ok {
                            shared.put_written(table_name, item);
                        } else if let Some(key) =
                            shared.key_names(table_name).and_then(|n| key::key_of(item, &n))
                        {
                            shared.written(table_name, &key, None);
                        }
                    }
                    TransactWriteItem::Delete { table_name, key, .. } => {
                        shared.written(table_name, key, ok.then_some(None));
                    }
                    TransactWriteItem::Update { table_name, key, .. } => {
                        shared.written(table_name, key, None);
                    }
                    TransactWriteItem::ConditionCheck { .. } => {}
                }
            }
            result
        })
    }

    fn transact_get_items(
        &self,
        input: TransactGetItemsInput,
    ) -> BoxFuture<'_, Result<TransactGetItemsOutput>> {
        bump(&self.shared.counters.pass_through, 1);
        self.inner.transact_get_items(input)
    }

    fn update_time_to_live(
        &self,
        table_name: String,
        specification: TimeToLiveSpecification,
    ) -> BoxFuture<'_, Result<TimeToLiveSpecification>> {
        self.inner.update_time_to_live(table_name, specification)
    }

    fn describe_time_to_live(
        &self,
        table_name: String,
    ) -> BoxFuture<'_, Result<TimeToLiveDescription>> {
        self.inner.describe_time_to_live(table_name)
    }

    fn update_table(&self, input: UpdateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        self.inner.update_table(input)
    }
}

//! Batches of any length: [`BatchWrite`] (`BatchWriteItem`) and [`BatchGet`]
//! (`BatchGetItem`).
//!
//! A batch is split into as few requests as DynamoDB allows (25 writes and at most 16 MB
//! per `BatchWriteItem`, 100 keys per `BatchGetItem`), so 1,000 writes are exactly 40
//! requests when nothing is throttled. Leftovers (`UnprocessedItems`,
//! `UnprocessedKeys`) and throttled requests (`ThrottlingException`,
//! `ProvisionedThroughputExceededException`) are retried with exponential backoff and
//! full jitter under a [`RetryPolicy`]; leftovers travel in the next request together
//! with fresh work. The same item twice, or an item over 400 KB, is refused before
//! anything is sent. When retries run out, [`Error::BatchIncomplete`] names exactly the
//! writes (or keys) that did not happen; everything else did.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::IntoFuture;
use std::marker::PhantomData;

use crate::backend::{
    Backend, BatchGetItemInput, BatchWriteItemInput, BoxFuture, KeysAndAttributes, WriteRequest,
};
use crate::entity::{Entity, Key, Table};
use crate::error::{DecodeError, Error, Result};
pub use crate::error::{Unprocessed, UnprocessedKey, UnprocessedWrite};
use crate::lifecycle::{is_expired, prepare_put, Versioning};
use crate::limits::{
    item_identity, key_of, LimitError, MAX_BATCH_BYTES, MAX_BATCH_KEYS, MAX_BATCH_WRITES,
};
use crate::retry::{is_retryable, pause, RetryPolicy};
use crate::schema::TableSchema;
use crate::size::{item_size, MAX_ITEM_SIZE};
use crate::timestamp::Timestamp;
use crate::value::Item;

/// Typed reads of what a batch left undone: [`Unprocessed::keys_of`](UnprocessedKeys::keys_of).
pub trait UnprocessedKeys {
    /// The key fields of the unwritten items and unread keys of entity `E`, decoded
    /// (`E::KeyFields`: the key template fields, in order).
    fn keys_of<E: Entity>(&self) -> Vec<Result<E::KeyFields, DecodeError>>;
}

impl UnprocessedKeys for Unprocessed {
    fn keys_of<E: Entity>(&self) -> Vec<Result<E::KeyFields, DecodeError>> {
        self.keys_in(E::Table::SCHEMA.name, E::SCHEMA.rust_name).map(E::decode_key).collect()
    }
}

fn table_key_names(schema: &TableSchema) -> Vec<&'static str> {
    let mut names = vec![schema.partition_key.name];
    if let Some(sort) = schema.sort_key {
        names.push(sort.name);
    }
    names
}

struct WriteEntry {
    table: &'static str,
    key_names: Vec<&'static str>,
    entity: &'static str,
    key: Item,
    request: WriteRequest,
    size: usize,
    attempts: u32,
}

impl WriteEntry {
    fn unprocessed(self) -> UnprocessedWrite {
        UnprocessedWrite {
            table_name: self.table.to_owned(),
            entity: self.entity,
            key: self.key,
            request: self.request,
        }
    }
}

/// A `BatchWriteItem` of any length, over entities of any tables of one backend. Run it
/// with `.await`; see the [module docs](self).
#[must_use = "a batch does nothing until it is awaited"]
pub struct BatchWrite<'a> {
    backend: &'a dyn Backend,
    entries: Vec<WriteEntry>,
    policy: RetryPolicy,
    error: Option<Error>,
    now: Timestamp,
    /// The first versioned entity put, refused unless `unversioned`.
    versioned: Option<&'static str>,
    unversioned: bool,
}

impl fmt::Debug for BatchWrite<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchWrite")
            .field("writes", &self.entries.len())
            .field("policy", &self.policy)
            .finish()
    }
}

impl<'a> BatchWrite<'a> {
    /// An empty batch over `backend`.
    pub fn new(backend: &'a dyn Backend) -> Self {
        BatchWrite {
            backend,
            entries: Vec::new(),
            policy: RetryPolicy::default(),
            error: None,
            now: Timestamp::now(),
            versioned: None,
            unversioned: false,
        }
    }

    /// Stamps `created_at` / `updated_at` with `now` (the client's clock).
    pub(crate) fn with_now(mut self, now: Timestamp) -> Self {
        self.now = now;
        self
    }

    /// Accepts versioned entities (`#[entity(version)]`): `BatchWriteItem` cannot carry
    /// conditions, so their versions are written as held, unchecked and not bumped.
    /// Without this, a batch holding a versioned put fails with
    /// [`Error::VersionedBatchWrite`] and sends nothing.
    pub fn unversioned(mut self) -> Self {
        self.unversioned = true;
        self
    }

    fn fail(&mut self, error: impl Into<Error>) {
        if self.error.is_none() {
            self.error = Some(error.into());
        }
    }

    /// Puts `entity`, replacing any item with its key.
    pub fn put<E: Entity>(mut self, entity: &E) -> Self {
        if let Some(field) = crate::lifecycle::unique_fields::<E>().next() {
            // A guard item needs a condition, which a batch write cannot carry.
            self.fail(Error::Invalid {
                entity: E::SCHEMA.rust_name,
                field: Some(field.name),
                message: "a batch write cannot check a unique guard: use put or a transaction"
                    .to_owned(),
            });
            return self;
        }
        if self.versioned.is_none() && crate::lifecycle::version_attribute::<E>().is_some() {
            self.versioned = Some(E::SCHEMA.rust_name);
        }
        match prepare_put(entity, self.now, Versioning::Unchecked) {
            Ok((item, _)) => {
                let schema = E::Table::SCHEMA;
                let key_names = table_key_names(&schema);
                let key = key_of(&item, &key_names);
                let size = item_size(&item);
                self.entries.push(WriteEntry {
                    table: schema.name,
                    key_names,
                    entity: E::SCHEMA.rust_name,
                    key,
                    request: WriteRequest::Put { item },
                    size,
                    attempts: 0,
                });
            }
            Err(e) => self.fail(e),
        }
        self
    }

    /// Puts every entity.
    pub fn put_all<'e, E: Entity>(mut self, entities: impl IntoIterator<Item = &'e E>) -> Self {
        for entity in entities {
            self = self.put(entity);
        }
        self
    }

    /// Deletes the item with `key` (deleting a missing item succeeds).
    pub fn delete<E: Entity>(mut self, key: Key<E>) -> Self {
        match key.into_attributes() {
            Ok(key) => {
                let schema = E::Table::SCHEMA;
                let size = item_size(&key);
                self.entries.push(WriteEntry {
                    table: schema.name,
                    key_names: table_key_names(&schema),
                    entity: E::SCHEMA.rust_name,
                    key: key.clone(),
                    request: WriteRequest::Delete { key },
                    size,
                    attempts: 0,
                });
            }
            Err(e) => self.fail(e.at_field(E::SCHEMA.rust_name)),
        }
        self
    }

    /// Deletes the items with `keys`.
    pub fn delete_all<E: Entity>(mut self, keys: impl IntoIterator<Item = Key<E>>) -> Self {
        for key in keys {
            self = self.delete(key);
        }
        self
    }

    /// Retries leftovers and throttled requests under `policy` (default:
    /// [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The number of writes in the batch.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the batch holds no writes.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn check(&self) -> Result<()> {
        let mut seen: HashMap<String, usize> = HashMap::with_capacity(self.entries.len());
        for (index, entry) in self.entries.iter().enumerate() {
            if let WriteRequest::Put { .. } = entry.request {
                if entry.size > MAX_ITEM_SIZE {
                    return Err(LimitError::ItemTooLarge {
                        operation: "BatchWriteItem",
                        index,
                        entity: entry.entity,
                        size: entry.size,
                        max: MAX_ITEM_SIZE,
                    }
                    .into());
                }
            }
            if let Some(first) = seen.insert(item_identity(entry.table, &entry.key), index) {
                return Err(LimitError::DuplicateItem {
                    operation: "BatchWriteItem",
                    table: entry.table.to_owned(),
                    entity: entry.entity,
                    key: entry.key.clone(),
                    first,
                    second: index,
                }
                .into());
            }
        }
        Ok(())
    }

    async fn run(self) -> Result<()> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if let (Some(entity), false) = (self.versioned, self.unversioned) {
            return Err(Error::VersionedBatchWrite { entity });
        }
        self.check()?;
        let BatchWrite { backend, entries, policy, .. } = self;
        let mut pending: VecDeque<WriteEntry> = entries.into();
        let mut failed: Vec<WriteEntry> = Vec::new();
        let mut last_error = None;
        while !pending.is_empty() {
            let mut chunk: HashMap<String, WriteEntry> = HashMap::new();
            let mut bytes = 0;
            let mut retry = 0;
            while let Some(front) = pending.front() {
                if chunk.len() == MAX_BATCH_WRITES
                    || (!chunk.is_empty() && bytes + front.size > MAX_BATCH_BYTES)
                {
                    break;
                }
                let Some(entry) = pending.pop_front() else { break };
                bytes += entry.size;
                retry = retry.max(entry.attempts);
                chunk.insert(item_identity(entry.table, &entry.key), entry);
            }
            if retry > 0 {
                pause(backend, policy.delay(retry)).await;
            }
            let mut request_items: HashMap<String, Vec<WriteRequest>> = HashMap::new();
            for entry in chunk.values() {
                request_items
                    .entry(entry.table.to_owned())
                    .or_default()
                    .push(entry.request.clone());
            }
            let key_names: HashMap<&'static str, Vec<&'static str>> =
                chunk.values().map(|e| (e.table, e.key_names.clone())).collect();
            let input = BatchWriteItemInput { request_items, ..BatchWriteItemInput::default() };
            let mut returned: Vec<WriteEntry> = Vec::new();
            match backend.batch_write_item(input).await {
                Ok(output) => {
                    for (table, requests) in output.unprocessed_items {
                        let names = key_names.get(table.as_str()).cloned().unwrap_or_default();
                        for request in requests {
                            let key = match &request {
                                WriteRequest::Put { item } => key_of(item, &names),
                                WriteRequest::Delete { key } => key.clone(),
                            };
                            if let Some(entry) = chunk.remove(&item_identity(&table, &key)) {
                                returned.push(entry);
                            }
                        }
                    }
                }
                Err(error) if is_retryable(&error) => {
                    returned.extend(chunk.into_values());
                    last_error = Some(error);
                }
                Err(error) => {
                    let writes = chunk
                        .into_values()
                        .chain(pending)
                        .chain(failed)
                        .map(WriteEntry::unprocessed)
                        .collect();
                    return Err(Error::BatchIncomplete(Box::new(Unprocessed {
                        writes,
                        keys: Vec::new(),
                        source: Some(error),
                    })));
                }
            }
            for mut entry in returned.into_iter().rev() {
                entry.attempts += 1;
                if entry.attempts >= policy.attempts() {
                    failed.push(entry);
                } else {
                    pending.push_front(entry);
                }
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Error::BatchIncomplete(Box::new(Unprocessed {
                writes: failed.into_iter().map(WriteEntry::unprocessed).collect(),
                keys: Vec::new(),
                source: last_error,
            })))
        }
    }
}

impl<'a> IntoFuture for BatchWrite<'a> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(crate::pattern::labelled("BatchWrite", self.run()))
    }
}

struct GetEntry {
    table: &'static str,
    entity: &'static str,
    key: Item,
    attempts: u32,
}

/// Reads `keys` (all of one table and entity per entry) with as few `BatchGetItem`
/// requests as possible; returns the items found, by key identity.
async fn batch_get_items(
    backend: &dyn Backend,
    entries: Vec<GetEntry>,
    key_names: HashMap<&'static str, Vec<&'static str>>,
    consistent: bool,
    policy: RetryPolicy,
) -> Result<HashMap<String, Item>> {
    let mut found: HashMap<String, Item> = HashMap::with_capacity(entries.len());
    let mut pending: VecDeque<GetEntry> = entries.into();
    let mut failed: Vec<GetEntry> = Vec::new();
    let mut last_error = None;
    let unprocessed = |entries: Vec<GetEntry>, source| {
        Error::BatchIncomplete(Box::new(Unprocessed {
            writes: Vec::new(),
            keys: entries
                .into_iter()
                .map(|e| UnprocessedKey {
                    table_name: e.table.to_owned(),
                    entity: e.entity,
                    key: e.key,
                })
                .collect(),
            source,
        }))
    };
    while !pending.is_empty() {
        let take = pending.len().min(MAX_BATCH_KEYS);
        let mut chunk: HashMap<String, GetEntry> = HashMap::with_capacity(take);
        let mut retry = 0;
        for entry in pending.drain(..take) {
            retry = retry.max(entry.attempts);
            chunk.insert(item_identity(entry.table, &entry.key), entry);
        }
        if retry > 0 {
            pause(backend, policy.delay(retry)).await;
        }
        let mut request_items: HashMap<String, KeysAndAttributes> = HashMap::new();
        for entry in chunk.values() {
            let keys = request_items.entry(entry.table.to_owned()).or_insert_with(|| {
                KeysAndAttributes { consistent_read: consistent, ..KeysAndAttributes::default() }
            });
            keys.keys.push(entry.key.clone());
        }
        let input = BatchGetItemInput { request_items, ..BatchGetItemInput::default() };
        let mut returned = Vec::new();
        match backend.batch_get_item(input).await {
            Ok(output) => {
                for (table, keys) in output.unprocessed_keys {
                    for key in keys.keys {
                        if let Some(entry) = chunk.remove(&item_identity(&table, &key)) {
                            returned.push(entry);
                        }
                    }
                }
                for (table, items) in output.responses {
                    let names = key_names.get(table.as_str()).cloned().unwrap_or_default();
                    for item in items {
                        let id = item_identity(&table, &key_of(&item, &names));
                        found.insert(id, item);
                    }
                }
            }
            Err(error) if is_retryable(&error) => {
                returned.extend(chunk.into_values());
                last_error = Some(error);
            }
            Err(error) => {
                let rest = chunk.into_values().chain(pending).chain(failed).collect();
                return Err(unprocessed(rest, Some(error)));
            }
        }
        for mut entry in returned.into_iter().rev() {
            entry.attempts += 1;
            if entry.attempts >= policy.attempts() {
                failed.push(entry);
            } else {
                pending.push_front(entry);
            }
        }
    }
    if failed.is_empty() {
        Ok(found)
    } else {
        Err(unprocessed(failed, last_error))
    }
}

/// The table items under `keys` (table key attributes), one `BatchGetItem` per 100
/// keys with leftovers retried under `policy`: the items in the order of `keys`, `None`
/// for a key with no item (deleted since it was read). `entity` names what is read in
/// errors (a collection's members may be of several entities).
pub(crate) async fn get_in_order_of(
    backend: &dyn Backend,
    schema: TableSchema,
    entity: &'static str,
    keys: &[Item],
    policy: RetryPolicy,
) -> Result<Vec<Option<Item>>> {
    let mut entries = Vec::with_capacity(keys.len());
    let mut seen = std::collections::HashSet::with_capacity(keys.len());
    let mut order = Vec::with_capacity(keys.len());
    for key in keys {
        let id = item_identity(schema.name, key);
        // A repeated key is a ValidationException for BatchGetItem: ask once.
        if seen.insert(id.clone()) {
            entries.push(GetEntry { table: schema.name, entity, key: key.clone(), attempts: 0 });
        }
        order.push(id);
    }
    let key_names = HashMap::from([(schema.name, table_key_names(&schema))]);
    let found = batch_get_items(backend, entries, key_names, false, policy).await?;
    Ok(order.into_iter().map(|id| found.get(&id).cloned()).collect())
}

/// A `BatchGetItem` of any number of keys of one entity. Run it with `.await`: the
/// entities found, in the order of their keys (missing items are left out).
#[must_use = "a batch does nothing until it is awaited"]
pub struct BatchGet<'a, E> {
    backend: &'a dyn Backend,
    keys: Vec<Key<E>>,
    consistent: bool,
    policy: RetryPolicy,
    hide_expired: bool,
    now: Timestamp,
    entity: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for BatchGet<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchGet")
            .field("keys", &self.keys.len())
            .field("consistent", &self.consistent)
            .field("policy", &self.policy)
            .finish()
    }
}

impl<'a, E: Entity> BatchGet<'a, E> {
    /// A batch read of `keys` over `backend`.
    pub fn new(backend: &'a dyn Backend, keys: impl IntoIterator<Item = Key<E>>) -> Self {
        BatchGet {
            backend,
            keys: keys.into_iter().collect(),
            consistent: false,
            policy: RetryPolicy::default(),
            hide_expired: false,
            now: Timestamp::now(),
            entity: PhantomData,
        }
    }

    pub(crate) fn expiry(mut self, hide: bool, now: Timestamp) -> Self {
        self.hide_expired = hide;
        self.now = now;
        self
    }

    /// Leaves out items whose TTL attribute is at or before the clock's current second
    /// (DynamoDB deletes expired items lazily).
    pub fn hide_expired(mut self) -> Self {
        self.hide_expired = true;
        self
    }

    /// Keeps expired items (overrides the client's
    /// [`hide_expired`](crate::TableClient::hide_expired)).
    pub fn show_expired(mut self) -> Self {
        self.hide_expired = false;
        self
    }

    /// Strongly consistent reads.
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Retries leftovers and throttled requests under `policy`.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    async fn run(self) -> Result<Vec<E>> {
        let schema = E::Table::SCHEMA;
        let mut entries = Vec::with_capacity(self.keys.len());
        let mut order = Vec::with_capacity(self.keys.len());
        let mut seen: HashMap<String, usize> = HashMap::with_capacity(self.keys.len());
        for (index, key) in self.keys.into_iter().enumerate() {
            let key = key.into_attributes().map_err(|e| e.at_field(E::SCHEMA.rust_name))?;
            let id = item_identity(schema.name, &key);
            if let Some(first) = seen.insert(id.clone(), index) {
                return Err(LimitError::DuplicateItem {
                    operation: "BatchGetItem",
                    table: schema.name.to_owned(),
                    entity: E::SCHEMA.rust_name,
                    key,
                    first,
                    second: index,
                }
                .into());
            }
            order.push(id);
            entries.push(GetEntry {
                table: schema.name,
                entity: E::SCHEMA.rust_name,
                key,
                attempts: 0,
            });
        }
        let key_names = HashMap::from([(schema.name, table_key_names(&schema))]);
        let mut found =
            batch_get_items(self.backend, entries, key_names, self.consistent, self.policy).await?;
        let mut entities = Vec::with_capacity(found.len());
        for id in order {
            if let Some(item) = found.remove(&id) {
                if self.hide_expired && is_expired(&schema, &item, self.now) {
                    continue;
                }
                entities.push(
                    E::from_item(item)
                        .map_err(|e| Error::Decode(e.at_field(E::SCHEMA.rust_name)))?,
                );
            }
        }
        Ok(entities)
    }
}

impl<'a, E: Entity> IntoFuture for BatchGet<'a, E> {
    type Output = Result<Vec<E>>;
    type IntoFuture = BoxFuture<'a, Result<Vec<E>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(crate::pattern::labelled("BatchGet", self.run()))
    }
}

/// The entities a [`BatchGetMany`] reads, as a tuple type: `()`, `(User,)`,
/// `(User, Order)`, … (up to 8). Its [`Output`](Self::Output) is the tuple of `Vec`s
/// that the read returns.
pub trait GetGroups {
    /// `(Vec<User>, Vec<Order>)` for `(User, Order)`.
    type Output;
    /// Decodes the items found for each group, in order.
    fn decode(groups: Vec<Vec<Item>>) -> Result<Self::Output>;
}

/// Adds one entity to a [`GetGroups`].
pub trait PushGroup<N> {
    /// The list with `N` at the end.
    type Pushed;
}

fn decode_group<E: Entity>(groups: &mut std::vec::IntoIter<Vec<Item>>) -> Result<Vec<E>> {
    groups
        .next()
        .unwrap_or_default()
        .into_iter()
        .map(|item| E::from_item(item).map_err(|e| Error::Decode(e.at_field(E::SCHEMA.rust_name))))
        .collect()
}

impl GetGroups for () {
    type Output = ();
    fn decode(_: Vec<Vec<Item>>) -> Result<()> {
        Ok(())
    }
}

impl<N> PushGroup<N> for () {
    type Pushed = (N,);
}

macro_rules! get_groups {
    ($($t:ident)+) => {
        impl<$($t: Entity),+> GetGroups for ($($t,)+) {
            type Output = ($(Vec<$t>,)+);
            fn decode(groups: Vec<Vec<Item>>) -> Result<Self::Output> {
                let mut groups = groups.into_iter();
                Ok(($(decode_group::<$t>(&mut groups)?,)+))
            }
        }
    };
}

macro_rules! push_groups {
    ($($t:ident)+) => {
        impl<$($t,)+ N> PushGroup<N> for ($($t,)+) {
            type Pushed = ($($t,)+ N,);
        }
    };
}

get_groups!(A);
get_groups!(A B);
get_groups!(A B C);
get_groups!(A B C D);
get_groups!(A B C D F);
get_groups!(A B C D F G);
get_groups!(A B C D F G H);
get_groups!(A B C D F G H I);
push_groups!(A);
push_groups!(A B);
push_groups!(A B C);
push_groups!(A B C D);
push_groups!(A B C D F);
push_groups!(A B C D F G);
push_groups!(A B C D F G H);

struct Group {
    table: &'static str,
    /// The table's schema, for its TTL attribute.
    schema: TableSchema,
    entity: &'static str,
    key_names: Vec<&'static str>,
    keys: Vec<Item>,
}

/// A batch read of keys of several entities (of any tables of one backend), returned as
/// a typed tuple of `Vec`s: `db.batch_get_many().keys(user_keys).keys(order_keys).await?`
/// is `(Vec<User>, Vec<Order>)`, each in the order of its keys. Requests are shared
/// between the entities (100 keys each), with [`BatchGet`]'s retries and checks, and
/// its treatment of expired items ([`hide_expired`](Self::hide_expired)).
#[must_use = "a batch does nothing until it is awaited"]
pub struct BatchGetMany<'a, L> {
    backend: &'a dyn Backend,
    groups: Vec<Group>,
    consistent: bool,
    policy: RetryPolicy,
    hide_expired: bool,
    now: Timestamp,
    error: Option<Error>,
    list: PhantomData<fn() -> L>,
}

impl<L> fmt::Debug for BatchGetMany<'_, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchGetMany")
            .field(
                "groups",
                &self.groups.iter().map(|g| (g.entity, g.keys.len())).collect::<Vec<_>>(),
            )
            .field("consistent", &self.consistent)
            .field("policy", &self.policy)
            .field("hide_expired", &self.hide_expired)
            .finish()
    }
}

impl<'a> BatchGetMany<'a, ()> {
    /// An empty read over `backend` (keeping expired items, as [`BatchGet::new`] does).
    pub fn new(backend: &'a dyn Backend) -> Self {
        BatchGetMany {
            backend,
            groups: Vec::new(),
            consistent: false,
            policy: RetryPolicy::default(),
            hide_expired: false,
            now: Timestamp::now(),
            error: None,
            list: PhantomData,
        }
    }
}

impl<'a, L: GetGroups> BatchGetMany<'a, L> {
    /// Reads the items with `keys`, all of entity `E`: the next `Vec` of the result.
    pub fn keys<E: Entity>(
        mut self,
        keys: impl IntoIterator<Item = Key<E>>,
    ) -> BatchGetMany<'a, L::Pushed>
    where
        L: PushGroup<E>,
        L::Pushed: GetGroups,
    {
        let schema = E::Table::SCHEMA;
        let mut items = Vec::new();
        for key in keys {
            match key.into_attributes() {
                Ok(key) => items.push(key),
                Err(e) => {
                    if self.error.is_none() {
                        self.error = Some(e.at_field(E::SCHEMA.rust_name).into());
                    }
                }
            }
        }
        self.groups.push(Group {
            table: schema.name,
            schema,
            entity: E::SCHEMA.rust_name,
            key_names: table_key_names(&schema),
            keys: items,
        });
        BatchGetMany {
            backend: self.backend,
            groups: self.groups,
            consistent: self.consistent,
            policy: self.policy,
            hide_expired: self.hide_expired,
            now: self.now,
            error: self.error,
            list: PhantomData,
        }
    }

    pub(crate) fn expiry(mut self, hide: bool, now: Timestamp) -> Self {
        self.hide_expired = hide;
        self.now = now;
        self
    }

    /// Leaves out items whose TTL attribute is at or before the clock's current second
    /// (DynamoDB deletes expired items lazily), in every group whose table has a TTL
    /// attribute.
    pub fn hide_expired(mut self) -> Self {
        self.hide_expired = true;
        self
    }

    /// Keeps expired items (overrides the client's
    /// [`hide_expired`](crate::TableClient::hide_expired)).
    pub fn show_expired(mut self) -> Self {
        self.hide_expired = false;
        self
    }

    /// Strongly consistent reads.
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Retries leftovers and throttled requests under `policy`.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    async fn run(self) -> Result<L::Output> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mut entries = Vec::new();
        let mut orders: Vec<(TableSchema, Vec<String>)> = Vec::with_capacity(self.groups.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut key_names = HashMap::new();
        for group in self.groups {
            key_names.insert(group.table, group.key_names);
            let mut order = Vec::with_capacity(group.keys.len());
            for key in group.keys {
                let index = seen.len();
                let id = item_identity(group.table, &key);
                if let Some(first) = seen.insert(id.clone(), index) {
                    return Err(LimitError::DuplicateItem {
                        operation: "BatchGetItem",
                        table: group.table.to_owned(),
                        entity: group.entity,
                        key,
                        first,
                        second: index,
                    }
                    .into());
                }
                order.push(id);
                entries.push(GetEntry {
                    table: group.table,
                    entity: group.entity,
                    key,
                    attempts: 0,
                });
            }
            orders.push((group.schema, order));
        }
        let mut found =
            batch_get_items(self.backend, entries, key_names, self.consistent, self.policy).await?;
        let (hide, now) = (self.hide_expired, self.now);
        let groups = orders
            .into_iter()
            .map(|(schema, order)| {
                order
                    .iter()
                    .filter_map(|id| found.remove(id))
                    .filter(|item| !(hide && is_expired(&schema, item, now)))
                    .collect()
            })
            .collect();
        L::decode(groups)
    }
}

impl<'a, L: GetGroups + 'a> IntoFuture for BatchGetMany<'a, L>
where
    L::Output: Send,
{
    type Output = Result<L::Output>;
    type IntoFuture = BoxFuture<'a, Result<L::Output>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(crate::pattern::labelled("BatchGet", self.run()))
    }
}

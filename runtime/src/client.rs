//! The typed client: [`TableClient`] and its operation builders.
//!
//! Builders read like sentences and run on `.await` (they implement [`IntoFuture`]):
//! `db.put(&user).if_not_exists().await?`, `db.get(User::key("u1")).consistent().await?`,
//! `db.delete(User::key("u1")).return_old().await?`. The `singletable` crate's docs
//! show them at work with derived entities.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::backend::TransactWriteItem;
use crate::backend::{
    Backend, BoxFuture, DeleteItemInput, GetItemInput, PutItemInput, ReturnValues,
    TableDescription, TableStatus, TimeToLiveDescription, TimeToLiveSpecification,
};
use crate::batch::{BatchGet, BatchGetMany, BatchWrite};
use crate::clock::Clock;
use crate::entity::{Entity, Key, Table};
use crate::error::{Error, Result};
use crate::expr::{Condition, Path};
use crate::lifecycle::{
    self, has_unique, prepare_put, stored_version, Settings, VersionCheck, Versioning,
};
use crate::retry::{sleep, RetryPolicy};
use crate::schema::TableSchema;
use crate::timestamp::Timestamp;
use crate::transact::{TransactGet, Transaction};
use crate::update::Update;
use crate::value::Item;

/// A client for one table of the model, over any [`Backend`].
///
/// Cheap to clone: clones share the backend.
pub struct TableClient<T> {
    backend: Arc<dyn Backend>,
    cursor_secret: Option<Arc<[u8]>>,
    settings: Settings,
    table: PhantomData<fn() -> T>,
}

impl<T> Clone for TableClient<T> {
    fn clone(&self) -> Self {
        TableClient {
            backend: Arc::clone(&self.backend),
            cursor_secret: self.cursor_secret.clone(),
            settings: self.settings.clone(),
            table: PhantomData,
        }
    }
}

impl<T: Table> TableClient<T> {
    /// A client over `backend`.
    pub fn new(backend: impl Backend) -> Self {
        Self::from_shared(Arc::new(backend))
    }

    /// A client over a backend shared with other clients.
    pub fn from_shared(backend: Arc<dyn Backend>) -> Self {
        TableClient {
            backend,
            cursor_secret: None,
            settings: Settings::default(),
            table: PhantomData,
        }
    }

    /// The backend, to share with clients of other tables.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// Signs pagination cursors with HMAC-SHA256 under `secret`: cursors become
    /// tamper-proof (only holders of the secret can mint one), not just tamper-evident.
    /// Use the same secret on every server that takes the cursors back; see
    /// [`Cursor`](crate::Cursor).
    #[must_use]
    pub fn with_cursor_secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.cursor_secret = Some(Arc::from(secret.as_ref()));
        self
    }

    pub(crate) fn cursor_secret(&self) -> Option<Arc<[u8]>> {
        self.cursor_secret.clone()
    }

    /// Takes the time for `created_at` / `updated_at` and for
    /// [hiding expired items](Self::hide_expired) from `clock` (the
    /// [`SystemClock`](crate::clock::SystemClock) by default). Tests pass a
    /// [`ManualClock`](crate::clock::ManualClock).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.settings.clock = clock;
        self
    }

    /// The clock this client stamps writes with.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.settings.clock
    }

    /// With `true`, every read of this client (get, query, scan, collections, batch get)
    /// leaves out items whose TTL attribute is at or before the clock's current second,
    /// which DynamoDB deletes only lazily. Off by default; per request, reads have
    /// `.hide_expired()` / `.show_expired()`. See [`lifecycle`].
    #[must_use]
    pub fn hide_expired(mut self, hide: bool) -> Self {
        self.settings.hide_expired = hide;
        self
    }

    /// True when reads hide expired items by default.
    pub fn hides_expired(&self) -> bool {
        self.settings.hide_expired
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.settings.clock.now()
    }

    /// The filter hiding expired items, when reads hide them (`per_request` overrides
    /// the client's setting) and the table has a TTL attribute.
    pub(crate) fn unexpired_filter(&self, per_request: Option<bool>) -> Option<Condition> {
        if per_request.unwrap_or(self.settings.hide_expired) {
            crate::lifecycle::unexpired_filter(&T::SCHEMA, self.now())
        } else {
            None
        }
    }

    /// Creates the table as the model describes it (keys, GSIs, LSIs, billing, stream),
    /// waits until it is `ACTIVE` (polling `DescribeTable` with a bounded backoff: up to
    /// about two minutes), and enables the model's TTL attribute, when it has one, with
    /// `UpdateTimeToLive`. Returns the active table's description.
    pub async fn create_table(&self) -> Result<TableDescription> {
        let created = self.backend.create_table(create_table_input(&T::SCHEMA)).await?;
        let description = if created.table_status == TableStatus::Active {
            created
        } else {
            self.wait_until_active().await?
        };
        if let Some(attribute) = T::SCHEMA.ttl_attribute {
            self.backend
                .update_time_to_live(
                    T::SCHEMA.name.to_owned(),
                    TimeToLiveSpecification { attribute_name: attribute.to_owned(), enabled: true },
                )
                .await?;
        }
        Ok(description)
    }

    async fn wait_until_active(&self) -> Result<TableDescription> {
        const POLLS: u32 = 40;
        let backoff = RetryPolicy {
            max_attempts: POLLS,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
        };
        for poll in 1..=POLLS {
            let description = self.backend.describe_table(T::SCHEMA.name.to_owned()).await?;
            if description.table_status == TableStatus::Active {
                return Ok(description);
            }
            sleep(backoff.delay_cap(poll)).await;
        }
        Err(Error::validation(format!(
            "table {} did not become ACTIVE after {POLLS} DescribeTable polls",
            T::SCHEMA.name
        )))
    }

    /// Describes the table's time to live (`DescribeTimeToLive`).
    pub async fn describe_time_to_live(&self) -> Result<TimeToLiveDescription> {
        self.backend.describe_time_to_live(T::SCHEMA.name.to_owned()).await
    }

    /// A transaction (`TransactWriteItems`) over this client's backend: its actions may be
    /// on entities of any table of the backend. See [`Transaction`].
    pub fn transact(&self) -> Transaction<'_> {
        Transaction::new(&*self.backend).with_now(self.now())
    }

    /// A transactional read (`TransactGetItems`) over this client's backend, typed as a
    /// tuple: `.get(User::key("u1")).get(Order::key(..)).send().await?` is
    /// `(Option<User>, Option<Order>)`. See [`TransactGet`].
    pub fn transact_get(&self) -> TransactGet<'_, ()> {
        TransactGet::new(&*self.backend)
    }

    /// Reads the items with `keys`, any number of them, in `BatchGetItem`s of 100 keys,
    /// retrying leftovers; the entities found, in the order of their keys. See
    /// [`BatchGet`].
    pub fn batch_get<E: Entity<Table = T>>(
        &self,
        keys: impl IntoIterator<Item = Key<E>>,
    ) -> BatchGet<'_, E> {
        BatchGet::new(&*self.backend, keys).expiry(self.settings.hide_expired, self.now())
    }

    /// Reads keys of several entities (of any tables of the backend) with shared
    /// `BatchGetItem`s, as a typed tuple of `Vec`s: `.keys(user_keys).keys(order_keys)`
    /// is `(Vec<User>, Vec<Order>)`. See [`BatchGetMany`].
    pub fn batch_get_many(&self) -> BatchGetMany<'_, ()> {
        BatchGetMany::new(&*self.backend).expiry(self.settings.hide_expired, self.now())
    }

    /// A batch of puts and deletes of any length (entities of any table of the backend),
    /// in `BatchWriteItem`s of 25, retrying leftovers. See [`BatchWrite`].
    pub fn batch_write(&self) -> BatchWrite<'_> {
        BatchWrite::new(&*self.backend).with_now(self.now())
    }

    /// Deletes the table and every item in it.
    pub async fn delete_table(&self) -> Result<TableDescription> {
        self.backend.delete_table(T::SCHEMA.name.to_owned()).await
    }

    /// Describes the table.
    pub async fn describe_table(&self) -> Result<TableDescription> {
        self.backend.describe_table(T::SCHEMA.name.to_owned()).await
    }

    /// Writes `entity`, replacing any item with the same key (`PutItem`).
    pub fn put<'a, E: Entity<Table = T>>(&'a self, entity: &'a E) -> Put<'a, E> {
        Put { backend: &*self.backend, entity, condition: None, now: self.now(), reject: false }
    }

    /// Creates or updates the item in one `UpdateItem`: from a whole entity
    /// (`db.upsert(&user)`), or from a key to which the builder adds fields
    /// (`db.upsert(PageViews::key("home")).add(PageViews::COUNT, 1)`). Read-only fields and
    /// `created_at` are written only when absent; see [`upsert`](crate::upsert).
    pub fn upsert<E: Entity<Table = T>>(
        &self,
        target: impl crate::upsert::IntoUpsert<E>,
    ) -> crate::upsert::Upsert<'_, E> {
        target.into_upsert(&*self.backend, self.now())
    }

    /// Reads the item with `key` (`GetItem`); `None` when there is none.
    pub fn get<E: Entity<Table = T>>(&self, key: Key<E>) -> Get<'_, E> {
        Get {
            backend: &*self.backend,
            key,
            consistent: false,
            hide_expired: self.settings.hide_expired,
            now: self.now(),
        }
    }

    /// Updates the existing item with `key` (`UpdateItem`): see [`Update`] for the
    /// actions and the rules that keep keys and index keys consistent. An update never
    /// creates an item: a missing one fails with [`Error::ConditionalCheckFailed`].
    pub fn update<E: Entity<Table = T>>(&self, key: Key<E>) -> Update<'_, E> {
        Update::new(&*self.backend, key).with_now(self.now())
    }

    /// Deletes the item with `key` (`DeleteItem`); deleting a missing item succeeds.
    pub fn delete<E: Entity<Table = T>>(&self, key: Key<E>) -> Delete<'_, E> {
        Delete {
            backend: &*self.backend,
            key,
            condition: None,
            version: None,
            reject: false,
            failed: None,
        }
    }

    /// Deletes the item of `entity` (by its key); for a versioned entity, only if the
    /// stored version is the one `entity` holds ([`Error::VersionConflict`] otherwise;
    /// a held version of 0, never stored, deletes unchecked).
    pub fn delete_entity<E: Entity<Table = T>>(&self, entity: &E) -> Delete<'_, E> {
        let delete = self.delete(entity.primary_key());
        match crate::lifecycle::version_attribute::<E>() {
            Some(attribute) => match entity.to_item() {
                Ok(item) => match stored_version(&item, attribute) {
                    Some(held) if held > 0 => delete.expect_version(held),
                    _ => delete,
                },
                Err(_) => delete,
            },
            None => delete,
        }
    }

    /// The model's `CreateTable` request in DynamoDB JSON (the document
    /// [`create_table`](Self::create_table) sends), for infrastructure code; see
    /// [`json::schema_create_table_json`](crate::json::schema_create_table_json). The TTL
    /// setting, which DynamoDB takes in a separate request, is
    /// [`json::schema_time_to_live_json`](crate::json::schema_time_to_live_json).
    pub fn create_table_json(&self) -> serde_json::Value {
        crate::json::schema_create_table_json(&T::SCHEMA)
    }
}

/// The `CreateTable` request for a table of the model (see
/// [`create_table_input`]).
pub use singletable_core::backend::create_table_input;

fn attribute_not_exists(schema: &TableSchema) -> Condition {
    Condition::AttributeNotExists(Path::attribute(schema.partition_key.name))
}

fn attribute_exists(schema: &TableSchema) -> Condition {
    Condition::AttributeExists(Path::attribute(schema.partition_key.name))
}

fn decode_optional<E: Entity>(item: Option<Item>) -> Result<Option<E>> {
    item.map(E::from_item).transpose().map_err(|e| Error::Decode(e.at_field(E::SCHEMA.rust_name)))
}

/// A `PutItem` of one entity. Run it with `.await`.
#[must_use = "a put does nothing until it is awaited"]
pub struct Put<'a, E> {
    backend: &'a dyn Backend,
    entity: &'a E,
    condition: Option<Condition>,
    now: Timestamp,
    reject: bool,
}

impl<'a, E: Entity> Put<'a, E> {
    /// Only create: fail with [`Error::ConditionalCheckFailed`] if an item with the
    /// same key exists.
    pub fn if_not_exists(mut self) -> Self {
        self.condition = Some(attribute_not_exists(&E::Table::SCHEMA));
        self
    }

    /// Only replace: fail with [`Error::ConditionalCheckFailed`] unless an item with the
    /// same key exists.
    pub fn if_exists(mut self) -> Self {
        self.condition = Some(attribute_exists(&E::Table::SCHEMA));
        self
    }

    /// Returns the item the put replaced, decoded (`ReturnValues=ALL_OLD`).
    pub fn return_old(self) -> PutReturningOld<'a, E> {
        PutReturningOld { put: self }
    }

    /// Asks DynamoDB for the item as it was when a condition fails
    /// (`ReturnValuesOnConditionCheckFailure=ALL_OLD`, no read cost) and gives it,
    /// decoded, in a [`Rejected`](crate::rejected::Rejected) error.
    pub fn return_on_condition_failure(mut self) -> crate::rejected::Rejecting<'a, Self, E> {
        self.reject = true;
        crate::rejected::Rejecting::new(self)
    }

    /// The `PutItem` request this builder sends (after the validation hooks, the
    /// timestamps and the version bump), and the version check it carries.
    fn prepared(
        &self,
        return_values: ReturnValues,
    ) -> Result<(PutItemInput, Option<VersionCheck>)> {
        let (item, check) = prepare_put(self.entity, self.now, Versioning::Checked)?;
        let schema = E::Table::SCHEMA;
        let condition = match (&check, self.condition.clone()) {
            (Some(check), Some(own)) => Some(check.condition(&schema).and(own)),
            (Some(check), None) => Some(check.condition(&schema)),
            (None, own) => own,
        };
        Ok((
            PutItemInput {
                table_name: schema.name.to_owned(),
                item,
                condition,
                return_values,
                return_old_on_condition_failure: check.is_some() || self.reject,
                ..PutItemInput::default()
            },
            check,
        ))
    }

    /// The `PutItem` request this builder sends: the entity's item after the
    /// validation hooks, the timestamps and the version bump, with the version check
    /// (see [`lifecycle`]).
    pub fn input(&self) -> Result<PutItemInput> {
        self.prepared(ReturnValues::None).map(|(input, _)| input)
    }
}

async fn send_put(
    backend: &dyn Backend,
    prepared: Result<(PutItemInput, Option<VersionCheck>)>,
) -> Result<Option<Item>> {
    let (input, check) = prepared?;
    match backend.put_item(input).await {
        Ok(output) => Ok(output.attributes),
        Err(error) => Err(match check {
            Some(check) => check.explain(error, true),
            None => error,
        }),
    }
}

/// A put of an entity with `#[entity(unique)]` fields: read the item (consistent), then
/// one transaction of the put (conditioned on the read staying true) and the guard moves.
/// Returns the item as read.
async fn send_put_guarded<E: Entity>(
    backend: &dyn Backend,
    prepared: Result<(PutItemInput, Option<VersionCheck>)>,
) -> Result<Option<Item>> {
    let (input, check) = prepared?;
    let key = lifecycle::key_of::<E>(&input.item);
    let old = lifecycle::read_current(backend, E::Table::SCHEMA.name, &key).await?;
    if let Some(check) = &check {
        if check.fails_on(old.as_ref()) {
            return Err(check.conflict(old.as_ref()));
        }
    }
    let plan = lifecycle::guard_plan::<E>(&key, old.as_ref(), Some(&input.item))?;
    let condition = match input.condition {
        Some(own) => own.and(plan.condition),
        None => plan.condition,
    };
    let own = TransactWriteItem::Put {
        table_name: input.table_name,
        item: input.item,
        condition: Some(condition),
        return_old_on_condition_failure: false,
    };
    lifecycle::commit_guarded::<E>(backend, own, plan.actions, check, old.as_ref()).await?;
    Ok(old)
}

impl<'a, E: Entity> IntoFuture for Put<'a, E> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        let prepared = self.prepared(ReturnValues::None);
        let backend = self.backend;
        Box::pin(crate::pattern::labelled(format!("{}.put", E::SCHEMA.rust_name), async move {
            if has_unique::<E>() {
                send_put_guarded::<E>(backend, prepared).await?;
            } else {
                send_put(backend, prepared).await?;
            }
            Ok(())
        }))
    }
}

/// A `PutItem` that returns the replaced item. Run it with `.await`.
#[must_use = "a put does nothing until it is awaited"]
pub struct PutReturningOld<'a, E> {
    put: Put<'a, E>,
}

impl<'a, E: Entity> PutReturningOld<'a, E> {
    /// Asks DynamoDB for the item as it was when a condition fails and gives it, decoded,
    /// in a [`Rejected`](crate::rejected::Rejected) error.
    pub fn return_on_condition_failure(mut self) -> crate::rejected::Rejecting<'a, Self, E> {
        self.put.reject = true;
        crate::rejected::Rejecting::new(self)
    }
}

impl<'a, E: Entity> IntoFuture for PutReturningOld<'a, E> {
    type Output = Result<Option<E>>;
    type IntoFuture = BoxFuture<'a, Result<Option<E>>>;

    fn into_future(self) -> Self::IntoFuture {
        let prepared = self.put.prepared(ReturnValues::AllOld);
        let backend = self.put.backend;
        Box::pin(crate::pattern::labelled(format!("{}.put", E::SCHEMA.rust_name), async move {
            let old = if has_unique::<E>() {
                send_put_guarded::<E>(backend, prepared).await?
            } else {
                send_put(backend, prepared).await?
            };
            decode_optional(old)
        }))
    }
}

/// A `GetItem` of one entity. Run it with `.await`.
#[must_use = "a get does nothing until it is awaited"]
pub struct Get<'a, E> {
    backend: &'a dyn Backend,
    key: Key<E>,
    consistent: bool,
    hide_expired: bool,
    now: Timestamp,
}

impl<E: Entity> Get<'_, E> {
    /// A strongly consistent read (twice the read cost).
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Answers `None` when the item's TTL attribute is at or before the clock's current
    /// second (DynamoDB deletes expired items lazily).
    pub fn hide_expired(mut self) -> Self {
        self.hide_expired = true;
        self
    }

    /// Returns the item even when it has expired (overrides the client's
    /// [`hide_expired`](TableClient::hide_expired)).
    pub fn show_expired(mut self) -> Self {
        self.hide_expired = false;
        self
    }
}

impl<'a, E: Entity> IntoFuture for Get<'a, E> {
    type Output = Result<Option<E>>;
    type IntoFuture = BoxFuture<'a, Result<Option<E>>>;

    fn into_future(self) -> Self::IntoFuture {
        let Get { backend, key, consistent, hide_expired, now } = self;
        Box::pin(crate::pattern::labelled(format!("{}.get", E::SCHEMA.rust_name), async move {
            let key = key.into_attributes().map_err(|e| e.at_field(E::SCHEMA.rust_name))?;
            let output = backend
                .get_item(GetItemInput {
                    table_name: E::Table::SCHEMA.name.to_owned(),
                    key,
                    consistent_read: consistent,
                    ..GetItemInput::default()
                })
                .await?;
            let schema = E::Table::SCHEMA;
            let item = output
                .item
                .filter(|item| !(hide_expired && crate::lifecycle::is_expired(&schema, item, now)));
            decode_optional(item)
        }))
    }
}

/// A `DeleteItem` of one entity. Run it with `.await`.
#[must_use = "a delete does nothing until it is awaited"]
pub struct Delete<'a, E> {
    backend: &'a dyn Backend,
    key: Key<E>,
    condition: Option<Condition>,
    version: Option<VersionCheck>,
    reject: bool,
    failed: Option<Error>,
}

impl<'a, E: Entity> Delete<'a, E> {
    /// Fail with [`Error::ConditionalCheckFailed`] when no item has the key.
    pub fn if_exists(mut self) -> Self {
        self.condition = Some(attribute_exists(&E::Table::SCHEMA));
        self
    }

    /// Deletes only if the item's `#[entity(version)]` is `version`; otherwise fails
    /// with [`Error::VersionConflict`] (also when the item is gone). Without effect on
    /// an entity without a version field.
    pub fn expect_version(mut self, version: u64) -> Self {
        self.version = VersionCheck::of::<E>(Some(version));
        self
    }

    /// Returns the deleted item, decoded (`ReturnValues=ALL_OLD`).
    pub fn return_old(self) -> DeleteReturningOld<'a, E> {
        DeleteReturningOld { delete: self }
    }

    /// Only if `condition` holds (joined with `AND` to earlier conditions).
    pub fn condition<R>(mut self, condition: crate::attr::Cond<E, R>) -> Self {
        match condition.into_condition() {
            Ok(condition) => {
                self.condition = Some(match self.condition.take() {
                    Some(earlier) => earlier.and(condition),
                    None => condition,
                });
            }
            Err(error) => {
                if self.failed.is_none() {
                    self.failed = Some(Error::Encode(error));
                }
            }
        }
        self
    }

    /// Asks DynamoDB for the item as it was when a condition fails
    /// (`ReturnValuesOnConditionCheckFailure=ALL_OLD`, no read cost) and gives it,
    /// decoded, in a [`Rejected`](crate::rejected::Rejected) error.
    pub fn return_on_condition_failure(mut self) -> crate::rejected::Rejecting<'a, Self, E> {
        self.reject = true;
        crate::rejected::Rejecting::new(self)
    }

    fn send(self, return_values: ReturnValues) -> impl Future<Output = Result<Option<Item>>> + 'a {
        let Delete { backend, key, condition, version, reject, failed } = self;
        async move {
            if let Some(error) = failed {
                return Err(error);
            }
            let key = key.into_attributes().map_err(|e| e.at_field(E::SCHEMA.rust_name))?;
            let schema = E::Table::SCHEMA;
            let condition = match (&version, condition) {
                (Some(check), Some(own)) => Some(check.condition(&schema).and(own)),
                (Some(check), None) => Some(check.condition(&schema)),
                (None, own) => own,
            };
            // Read the item for its unique values; delete it and its guards together.
            let old = match has_unique::<E>() {
                true => lifecycle::read_current(backend, schema.name, &key).await?,
                false => None,
            };
            if let (None, Some(check)) = (&old, &version) {
                if has_unique::<E>() {
                    return Err(check.conflict(None));
                }
            }
            if let Some(current) = old.as_ref() {
                if let Some(check) = &version {
                    if check.fails_on(Some(current)) {
                        return Err(check.conflict(Some(current)));
                    }
                }
                let plan = lifecycle::guard_plan::<E>(&key, Some(current), None)?;
                let condition = match condition {
                    Some(own) => own.and(plan.condition),
                    None => plan.condition,
                };
                let own = TransactWriteItem::Delete {
                    table_name: schema.name.to_owned(),
                    key,
                    condition: Some(condition),
                    return_old_on_condition_failure: false,
                };
                lifecycle::commit_guarded::<E>(backend, own, plan.actions, version, old.as_ref())
                    .await?;
                return Ok(old);
            }
            let sent = backend
                .delete_item(DeleteItemInput {
                    table_name: schema.name.to_owned(),
                    key,
                    condition,
                    return_values,
                    return_old_on_condition_failure: version.is_some() || reject,
                    ..DeleteItemInput::default()
                })
                .await;
            match (sent, version) {
                (Ok(output), _) => Ok(output.attributes),
                (Err(error), Some(check)) => Err(check.explain(error, true)),
                (Err(error), None) => Err(error),
            }
        }
    }
}

impl<'a, E: Entity> IntoFuture for Delete<'a, E> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        let sent = self.send(ReturnValues::None);
        Box::pin(crate::pattern::labelled(format!("{}.delete", E::SCHEMA.rust_name), async move {
            sent.await?;
            Ok(())
        }))
    }
}

/// A `DeleteItem` that returns the deleted item. Run it with `.await`.
#[must_use = "a delete does nothing until it is awaited"]
pub struct DeleteReturningOld<'a, E> {
    delete: Delete<'a, E>,
}

impl<'a, E: Entity> DeleteReturningOld<'a, E> {
    /// Asks DynamoDB for the item as it was when a condition fails and gives it, decoded,
    /// in a [`Rejected`](crate::rejected::Rejected) error.
    pub fn return_on_condition_failure(mut self) -> crate::rejected::Rejecting<'a, Self, E> {
        self.delete.reject = true;
        crate::rejected::Rejecting::new(self)
    }
}

impl<'a, E: Entity> IntoFuture for DeleteReturningOld<'a, E> {
    type Output = Result<Option<E>>;
    type IntoFuture = BoxFuture<'a, Result<Option<E>>>;

    fn into_future(self) -> Self::IntoFuture {
        let sent = self.delete.send(ReturnValues::AllOld);
        Box::pin(crate::pattern::labelled(format!("{}.delete", E::SCHEMA.rust_name), async move {
            decode_optional(sent.await?)
        }))
    }
}

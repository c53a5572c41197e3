//! Transactions: [`Transaction`] (`TransactWriteItems`, all or nothing) and
//! [`TransactGet`] (`TransactGetItems`, one consistent snapshot, typed as a tuple).
//!
//! A transaction takes actions on entities of any tables of one backend, so it is built
//! from a [`TableClient`](crate::TableClient) (`db.transact()`) or from the backend
//! (`Transaction::new(&*backend)`), and its limits are checked before anything is sent:
//! 1–100 actions, one action per item, no item over 400 KB, at most 4 MB in all
//! ([`LimitError`]). A failed condition cancels the whole transaction with
//! [`Error::TransactionCanceled`]; [`Transaction::commit_detailed`] pairs each
//! cancellation reason with its action and decodes the item as it was.

use std::fmt;
use std::future::IntoFuture;
use std::marker::PhantomData;

use crate::attr::Cond;
use crate::backend::{
    Backend, BoxFuture, TransactGetItem, TransactGetItemsInput, TransactWriteItem,
    TransactWriteItemsInput,
};
use crate::entity::{Entity, Key, Table};
use crate::error::{CancellationReason, Error, Result};
use crate::expr::{Comparator, Condition, Operand, Path, SetValue, UpdateAction, UpdateOperand};
use crate::lifecycle::{prepare_put, stored_version, VersionCheck, Versioning};
use crate::limits::{item_identity, LimitError, MAX_TRANSACTION_ACTIONS, MAX_TRANSACTION_BYTES};
use crate::size::{attribute_value_size, item_size, MAX_ITEM_SIZE};
use crate::timestamp::Timestamp;
use crate::update::{Update, WriteMode};
use crate::upsert::Upsert;
use crate::value::{AttributeValue, Item};

/// Conditions on a whole item, for every entity: `User::exists()`,
/// `User::not_exists()` (in the prelude).
pub trait EntityCond: Entity {
    /// The item exists, as this entity (its entity-type attribute names it).
    fn exists() -> Cond<Self> {
        Cond::new(Condition::Compare {
            left: Operand::Path(Path::attribute(Self::Table::SCHEMA.entity_type_attribute)),
            op: Comparator::Eq,
            right: Operand::Value(AttributeValue::S(Self::SCHEMA.entity_type.to_owned())),
        })
    }

    /// No item has the key.
    fn not_exists() -> Cond<Self> {
        Cond::new(Condition::AttributeNotExists(Path::attribute(
            Self::Table::SCHEMA.partition_key.name,
        )))
    }
}

impl<E: Entity> EntityCond for E {}

/// The kind of a transaction action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// `Put`.
    Put,
    /// `Update`.
    Update,
    /// `Delete`.
    Delete,
    /// `ConditionCheck`.
    ConditionCheck,
}

/// What a transaction knows about one of its actions: which entity and item it is on.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionInfo {
    /// Its position in the transaction.
    pub index: usize,
    /// Put, update, delete or condition check.
    pub kind: ActionKind,
    /// The table.
    pub table_name: &'static str,
    /// The entity's Rust name.
    pub entity: &'static str,
    /// The item's key attributes.
    pub key: Item,
}

/// A cancelled transaction, with each action beside its cancellation reason; from
/// [`Transaction::commit_detailed`]. Converts into [`Error`] with `?`.
#[derive(Debug)]
pub struct CommitError {
    /// The error: [`Error::TransactionCanceled`] for a cancellation, else any error
    /// (a limit, a validation error) with no reasons.
    pub error: Error,
    /// The transaction's actions, in order.
    pub actions: Vec<ActionInfo>,
}

/// One action of a cancelled transaction and why it failed.
#[derive(Debug, Clone, Copy)]
pub struct FailedAction<'e> {
    /// The action.
    pub action: &'e ActionInfo,
    /// DynamoDB's reason.
    pub reason: &'e CancellationReason,
}

impl FailedAction<'_> {
    /// DynamoDB's code: `ConditionalCheckFailed`, `TransactionConflict`, …
    pub fn code(&self) -> &str {
        &self.reason.code
    }

    /// The item as it was, decoded as `E`, when the action asked for it with
    /// [`Transaction::return_old_on_failure`] and the item existed. `Ok(None)` also when
    /// the action is on another entity than `E`.
    pub fn old<E: Entity>(&self) -> Result<Option<E>> {
        if self.action.entity != E::SCHEMA.rust_name
            || self.action.table_name != E::Table::SCHEMA.name
        {
            return Ok(None);
        }
        self.reason
            .item
            .clone()
            .map(E::from_item)
            .transpose()
            .map_err(|e| Error::Decode(e.at_field(E::SCHEMA.rust_name)))
    }
}

impl CommitError {
    /// The cancellation reasons, one per action, in order (empty when the error is not a
    /// cancellation).
    pub fn reasons(&self) -> &[CancellationReason] {
        match &self.error {
            Error::TransactionCanceled { reasons, .. } => reasons,
            _ => &[],
        }
    }

    /// The actions that failed (reason code other than `None`), with their reasons.
    pub fn failed(&self) -> Vec<FailedAction<'_>> {
        self.actions
            .iter()
            .zip(self.reasons())
            .filter(|(_, reason)| reason.code != "None")
            .map(|(action, reason)| FailedAction { action, reason })
            .collect()
    }
}

impl fmt::Display for CommitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        for failed in self.failed() {
            write!(
                f,
                "; action {} ({:?} {} {:?}): {}",
                failed.action.index,
                failed.action.kind,
                failed.action.entity,
                failed.action.key,
                failed.reason.code
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for CommitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<CommitError> for Error {
    fn from(error: CommitError) -> Self {
        error.error
    }
}

struct Action {
    info: ActionInfo,
    request: TransactWriteItem,
    version: Option<VersionCheck>,
    /// The unique attribute, for a guard item's action.
    guard: Option<&'static str>,
}

/// A `TransactWriteItems`: up to 100 puts, updates, deletes and condition checks on
/// entities of any tables of one backend, applied all together or not at all. Run it
/// with [`commit`](Self::commit).
#[must_use = "a transaction does nothing until it is committed"]
pub struct Transaction<'a> {
    backend: &'a dyn Backend,
    actions: Vec<Action>,
    token: Option<String>,
    error: Option<Error>,
    now: Timestamp,
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("actions", &self.actions.iter().map(|a| &a.info).collect::<Vec<_>>())
            .field("token", &self.token)
            .finish()
    }
}

fn key_of_item<E: Entity>(item: &Item) -> Item {
    let schema = E::Table::SCHEMA;
    let mut names = vec![schema.partition_key.name];
    if let Some(sort) = schema.sort_key {
        names.push(sort.name);
    }
    crate::limits::key_of(item, &names)
}

fn update_values_size(actions: &[UpdateAction]) -> usize {
    fn operand(value: &UpdateOperand) -> usize {
        match value {
            UpdateOperand::Value(value) => attribute_value_size(value),
            UpdateOperand::IfNotExists(_, inner) => operand(inner),
            UpdateOperand::ListAppend(a, b) => operand(a) + operand(b),
            UpdateOperand::Path(_) => 0,
        }
    }
    actions
        .iter()
        .map(|action| match action {
            UpdateAction::Set(_, SetValue::Operand(value)) => operand(value),
            UpdateAction::Set(_, SetValue::Plus(a, b) | SetValue::Minus(a, b)) => {
                operand(a) + operand(b)
            }
            UpdateAction::Remove(_) => 0,
            UpdateAction::Add(_, value) | UpdateAction::Delete(_, value) => {
                attribute_value_size(value)
            }
        })
        .sum()
}

impl<'a> Transaction<'a> {
    /// An empty transaction over `backend`.
    pub fn new(backend: &'a dyn Backend) -> Self {
        Transaction {
            backend,
            actions: Vec::new(),
            token: None,
            error: None,
            now: Timestamp::now(),
        }
    }

    /// Stamps `created_at` / `updated_at` with `now` (the client's clock).
    pub(crate) fn with_now(mut self, now: Timestamp) -> Self {
        self.now = now;
        self
    }

    fn fail(&mut self, error: impl Into<Error>) {
        if self.error.is_none() {
            self.error = Some(error.into());
        }
    }

    fn push<E: Entity>(&mut self, kind: ActionKind, key: Item, request: TransactWriteItem) {
        let index = self.actions.len();
        self.actions.push(Action {
            info: ActionInfo {
                index,
                kind,
                table_name: E::Table::SCHEMA.name,
                entity: E::SCHEMA.rust_name,
                key,
            },
            request,
            version: None,
            guard: None,
        });
    }

    fn set_version(&mut self, check: Option<VersionCheck>) {
        if let (Some(action), Some(_)) = (self.actions.last_mut(), check) {
            action.version = check;
            match &mut action.request {
                TransactWriteItem::Put { return_old_on_condition_failure, .. }
                | TransactWriteItem::Update { return_old_on_condition_failure, .. }
                | TransactWriteItem::Delete { return_old_on_condition_failure, .. }
                | TransactWriteItem::ConditionCheck { return_old_on_condition_failure, .. } => {
                    *return_old_on_condition_failure = true
                }
            }
        }
    }

    fn put_item<E: Entity>(mut self, entity: &E, condition: Option<Condition>) -> Self {
        match prepare_put(entity, self.now, Versioning::Checked) {
            Ok((item, check)) => {
                let key = key_of_item::<E>(&item);
                // The guards of the unique values written (claimed, or already owned).
                // Releasing the guards of replaced values needs the old item: the
                // client's own put/update/delete do that.
                let guards = match crate::lifecycle::guard_plan::<E>(&key, None, Some(&item)) {
                    Ok(plan) => plan.actions,
                    Err(e) => {
                        self.fail(e);
                        return self;
                    }
                };
                let schema = E::Table::SCHEMA;
                let condition = match (&check, condition) {
                    (Some(check), Some(own)) => Some(check.condition(&schema).and(own)),
                    (Some(check), None) => Some(check.condition(&schema)),
                    (None, own) => own,
                };
                let request = TransactWriteItem::Put {
                    table_name: schema.name.to_owned(),
                    item,
                    condition,
                    return_old_on_condition_failure: false,
                };
                self.push::<E>(ActionKind::Put, key, request);
                self.set_version(check);
                self.push_guards::<E>(guards);
            }
            Err(e) => self.fail(e),
        }
        self
    }

    /// Puts `entity`, replacing any item with its key.
    pub fn put<E: Entity>(self, entity: &E) -> Self {
        self.put_item(entity, None)
    }

    /// Puts `entity` only if no item has its key.
    pub fn put_if_not_exists<E: Entity>(self, entity: &E) -> Self {
        self.put_item(
            entity,
            Some(Condition::AttributeNotExists(Path::attribute(
                E::Table::SCHEMA.partition_key.name,
            ))),
        )
    }

    /// Puts `entity` only if `condition` holds on the item it replaces.
    pub fn put_with_condition<E: Entity, R>(mut self, entity: &E, condition: Cond<E, R>) -> Self {
        match condition.into_condition() {
            Ok(condition) => self.put_item(entity, Some(condition)),
            Err(e) => {
                self.fail(e.at_field(E::SCHEMA.rust_name));
                self
            }
        }
    }

    /// Applies an update built with `db.update(key)…` (its condition included: the item
    /// exists as the entity, and any `.condition(..)`).
    pub fn update<E: Entity>(self, update: Update<'_, E>) -> Self {
        self.update_item(update)
    }

    /// Applies an upsert built with `db.upsert(..)…` (ElectroDB's `upsert` in a
    /// `transactWrite`): the same `UpdateItem`, creating the item when it is missing,
    /// its condition included (absent, or this entity; any `.condition(..)`; a version
    /// check). An upsert writing a unique attribute claims the guard of the value and
    /// requires the stored value to be that value or absent: it cannot replace a held
    /// value here (no read first), see [`crate::upsert`].
    pub fn upsert<E: Entity>(self, upsert: Upsert<'_, E>) -> Self {
        self.update_item(upsert)
    }

    fn update_item<E: Entity, K: WriteMode>(mut self, update: Update<'_, E, K>) -> Self {
        match update.input_checked() {
            Ok((input, check, guards)) => {
                let request = TransactWriteItem::Update {
                    table_name: input.table_name,
                    key: input.key.clone(),
                    updates: input.updates,
                    condition: input.condition,
                    return_old_on_condition_failure: false,
                };
                self.push::<E>(ActionKind::Update, input.key, request);
                self.set_version(check);
                self.push_guards::<E>(guards);
            }
            Err(e) => self.fail(e),
        }
        self
    }

    /// The guard actions of a put, update or upsert: claims (each remembering its unique
    /// attribute) and releases.
    fn push_guards<E: Entity>(&mut self, guards: Vec<(Option<&'static str>, TransactWriteItem)>) {
        for (attribute, guard) in guards {
            match &guard {
                TransactWriteItem::Put { item, .. } => {
                    let key = key_of_item::<E>(item);
                    self.push::<E>(ActionKind::Put, key, guard);
                    if let Some(action) = self.actions.last_mut() {
                        action.guard = attribute;
                    }
                }
                TransactWriteItem::Delete { key, .. } => {
                    let key = key.clone();
                    self.push::<E>(ActionKind::Delete, key, guard);
                }
                _ => {}
            }
        }
    }

    fn delete_item<E: Entity>(mut self, key: Key<E>, condition: Option<Condition>) -> Self {
        match key.into_attributes() {
            Ok(key) => {
                let request = TransactWriteItem::Delete {
                    table_name: E::Table::SCHEMA.name.to_owned(),
                    key: key.clone(),
                    condition,
                    return_old_on_condition_failure: false,
                };
                self.push::<E>(ActionKind::Delete, key, request);
            }
            Err(e) => self.fail(e.at_field(E::SCHEMA.rust_name)),
        }
        self
    }

    /// Deletes the item with `key` (a missing item is no failure).
    pub fn delete<E: Entity>(self, key: Key<E>) -> Self {
        self.delete_item(key, None)
    }

    /// Deletes the item of `entity`; for a versioned entity, only if the stored version
    /// is the one `entity` holds (a conflict cancels the transaction, and
    /// [`commit`](Self::commit) reports [`Error::VersionConflict`]).
    pub fn delete_entity<E: Entity>(self, entity: &E) -> Self {
        let held = crate::lifecycle::version_attribute::<E>().and_then(|attribute| {
            entity.to_item().ok().and_then(|item| stored_version(&item, attribute))
        });
        match held.filter(|held| *held > 0) {
            Some(held) => self.delete_expecting_version(entity.primary_key(), held),
            None => self.delete_item(entity.primary_key(), None),
        }
    }

    /// Deletes the item with `key` only if its `#[entity(version)]` is `version`.
    pub fn delete_expecting_version<E: Entity>(self, key: Key<E>, version: u64) -> Self {
        let check = VersionCheck::of::<E>(Some(version));
        let condition = check.map(|check| check.condition(&E::Table::SCHEMA));
        let mut this = self.delete_item(key, condition);
        this.set_version(check);
        this
    }

    /// Deletes the item with `key` only if `condition` holds on it.
    pub fn delete_if<E: Entity, R>(mut self, key: Key<E>, condition: Cond<E, R>) -> Self {
        match condition.into_condition() {
            Ok(condition) => self.delete_item(key, Some(condition)),
            Err(e) => {
                self.fail(e.at_field(E::SCHEMA.rust_name));
                self
            }
        }
    }

    /// Fails the transaction unless `condition` holds on the item with `key` (which is
    /// not changed): `.condition_check(User::key("u1"), User::exists())`.
    pub fn condition_check<E: Entity, R>(mut self, key: Key<E>, condition: Cond<E, R>) -> Self {
        let condition = match condition.into_condition() {
            Ok(condition) => condition,
            Err(e) => {
                self.fail(e.at_field(E::SCHEMA.rust_name));
                return self;
            }
        };
        match key.into_attributes() {
            Ok(key) => {
                let request = TransactWriteItem::ConditionCheck {
                    table_name: E::Table::SCHEMA.name.to_owned(),
                    key: key.clone(),
                    condition,
                    return_old_on_condition_failure: false,
                };
                self.push::<E>(ActionKind::ConditionCheck, key, request);
            }
            Err(e) => self.fail(e.at_field(E::SCHEMA.rust_name)),
        }
        self
    }

    /// Asks for the item as it was when the *last added* action's condition fails
    /// (`ReturnValuesOnConditionCheckFailure=ALL_OLD`); read it with
    /// [`FailedAction::old`].
    pub fn return_old_on_failure(mut self) -> Self {
        if let Some(action) = self.actions.last_mut() {
            match &mut action.request {
                TransactWriteItem::Put { return_old_on_condition_failure, .. }
                | TransactWriteItem::Update { return_old_on_condition_failure, .. }
                | TransactWriteItem::Delete { return_old_on_condition_failure, .. }
                | TransactWriteItem::ConditionCheck { return_old_on_condition_failure, .. } => {
                    *return_old_on_condition_failure = true
                }
            }
        }
        self
    }

    /// A `ClientRequestToken` (1–36 characters): committing again with the same token
    /// and the same actions within 10 minutes succeeds without applying them twice.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The number of actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// True when the transaction holds no action.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// The actions, in order.
    pub fn actions(&self) -> impl Iterator<Item = &ActionInfo> {
        self.actions.iter().map(|action| &action.info)
    }

    /// The `TransactWriteItems` request, after checking DynamoDB's limits (nothing is
    /// sent).
    pub fn input(&self) -> Result<TransactWriteItemsInput> {
        if let Some(error) = &self.error {
            return Err(clone_client_error(error));
        }
        if self.actions.len() > MAX_TRANSACTION_ACTIONS {
            return Err(LimitError::TooManyActions {
                operation: "TransactWriteItems",
                count: self.actions.len(),
                max: MAX_TRANSACTION_ACTIONS,
            }
            .into());
        }
        if let Some(token) = &self.token {
            let len = token.chars().count();
            if !(1..=36).contains(&len) {
                return Err(LimitError::InvalidToken { len }.into());
            }
        }
        let mut seen = std::collections::HashMap::with_capacity(self.actions.len());
        let mut total = 0usize;
        for action in &self.actions {
            let info = &action.info;
            if let Some(first) = seen.insert(item_identity(info.table_name, &info.key), info.index)
            {
                return Err(LimitError::DuplicateItem {
                    operation: "TransactWriteItems",
                    table: info.table_name.to_owned(),
                    entity: info.entity,
                    key: info.key.clone(),
                    first,
                    second: info.index,
                }
                .into());
            }
            let size = match &action.request {
                TransactWriteItem::Put { item, .. } => {
                    let size = item_size(item);
                    if size > MAX_ITEM_SIZE {
                        return Err(LimitError::ItemTooLarge {
                            operation: "TransactWriteItems",
                            index: info.index,
                            entity: info.entity,
                            size,
                            max: MAX_ITEM_SIZE,
                        }
                        .into());
                    }
                    size
                }
                TransactWriteItem::Update { key, updates, .. } => {
                    item_size(key) + update_values_size(updates)
                }
                TransactWriteItem::Delete { key, .. }
                | TransactWriteItem::ConditionCheck { key, .. } => item_size(key),
            };
            total += size;
        }
        if total > MAX_TRANSACTION_BYTES {
            return Err(LimitError::RequestTooLarge {
                operation: "TransactWriteItems",
                size: total,
                max: MAX_TRANSACTION_BYTES,
            }
            .into());
        }
        Ok(TransactWriteItemsInput {
            items: self.actions.iter().map(|action| action.request.clone()).collect(),
            client_request_token: self.token.clone(),
            ..TransactWriteItemsInput::default()
        })
    }

    /// Sends the transaction: every action applies, or none does. An empty transaction
    /// sends nothing. Limits are checked first ([`Error::Limit`], nothing sent); a
    /// failed condition is [`Error::TransactionCanceled`].
    ///
    /// A cancellation caused by the version check of a versioned entity's action is
    /// reported as [`Error::VersionConflict`], one caused by a taken unique value as
    /// [`Error::UniqueConflict`] (use
    /// [`commit_detailed`](Self::commit_detailed) for the raw reasons).
    pub async fn commit(self) -> Result<()> {
        let checks: Vec<Option<VersionCheck>> = self.actions.iter().map(|a| a.version).collect();
        let guards: Vec<(Option<&'static str>, &'static str)> =
            self.actions.iter().map(|a| (a.guard, a.info.entity)).collect();
        self.commit_detailed().await.map_err(|error| {
            let error = Error::from(error);
            if let Error::TransactionCanceled { reasons, .. } = &error {
                for (reason, (guard, entity)) in reasons.iter().zip(&guards) {
                    if let (Some(attribute), "ConditionalCheckFailed") =
                        (guard, reason.code.as_str())
                    {
                        return Error::UniqueConflict { entity, attribute };
                    }
                }
                for (reason, check) in reasons.iter().zip(&checks) {
                    if let (Some(check), "ConditionalCheckFailed") = (check, reason.code.as_str()) {
                        let old = reason.item.as_ref();
                        if (old.is_some() || check.expected.is_some()) && check.fails_on(old) {
                            return check.conflict(old);
                        }
                    }
                }
            }
            error
        })
    }

    /// As [`commit`](Self::commit), with each cancellation reason paired with its action
    /// ([`CommitError::failed`]) and the old items decodable ([`FailedAction::old`]).
    pub async fn commit_detailed(self) -> Result<(), CommitError> {
        let actions: Vec<ActionInfo> = self.actions.iter().map(|a| a.info.clone()).collect();
        if self.error.is_none() && actions.is_empty() {
            return Ok(());
        }
        let input = match self.input() {
            Ok(input) => input,
            Err(error) => return Err(CommitError { error, actions }),
        };
        match self.backend.transact_write_items(input).await {
            Ok(_) => Ok(()),
            Err(error) => Err(CommitError { error, actions }),
        }
    }
}

/// Client-side errors kept by a builder are re-raised by [`Transaction::input`], which
/// borrows; encode errors and limits are cloneable, others are described.
fn clone_client_error(error: &Error) -> Error {
    match error {
        Error::Encode(e) => Error::Encode(e.clone()),
        Error::Decode(e) => Error::Decode(e.clone()),
        Error::Limit(e) => Error::Limit(e.clone()),
        Error::Invalid { entity, field, message } => {
            Error::Invalid { entity, field: *field, message: message.clone() }
        }
        other => Error::validation(other.to_string()),
    }
}

/// The entities a [`TransactGet`] has read so far, as a tuple type: `()`, `(User,)`,
/// `(User, Order)`, … (up to 12). Its [`Output`](Self::Output) is the tuple of
/// `Option`s that `send` returns.
pub trait GetList {
    /// `(Option<User>, Option<Order>)` for `(User, Order)`.
    type Output;
    /// Decodes the responses, in order.
    fn decode(items: Vec<Option<Item>>) -> Result<Self::Output>;
}

/// Adds one entity to a [`GetList`].
pub trait PushGet<N> {
    /// The list with `N` at the end.
    type Pushed;
}

fn decode_at<E: Entity>(items: &mut std::vec::IntoIter<Option<Item>>) -> Result<Option<E>> {
    items
        .next()
        .flatten()
        .map(E::from_item)
        .transpose()
        .map_err(|e| Error::Decode(e.at_field(E::SCHEMA.rust_name)))
}

impl GetList for () {
    type Output = ();
    fn decode(_: Vec<Option<Item>>) -> Result<()> {
        Ok(())
    }
}

impl<N> PushGet<N> for () {
    type Pushed = (N,);
}

macro_rules! get_lists {
    ($($t:ident)+) => {
        impl<$($t: Entity),+> GetList for ($($t,)+) {
            type Output = ($(Option<$t>,)+);
            fn decode(items: Vec<Option<Item>>) -> Result<Self::Output> {
                let mut items = items.into_iter();
                Ok(($(decode_at::<$t>(&mut items)?,)+))
            }
        }
    };
}

macro_rules! push_gets {
    ($($t:ident)+) => {
        impl<$($t,)+ N> PushGet<N> for ($($t,)+) {
            type Pushed = ($($t,)+ N,);
        }
    };
}

get_lists!(A);
get_lists!(A B);
get_lists!(A B C);
get_lists!(A B C D);
get_lists!(A B C D F);
get_lists!(A B C D F G);
get_lists!(A B C D F G H);
get_lists!(A B C D F G H I);
get_lists!(A B C D F G H I J);
get_lists!(A B C D F G H I J K);
get_lists!(A B C D F G H I J K L);
get_lists!(A B C D F G H I J K L M);
push_gets!(A);
push_gets!(A B);
push_gets!(A B C);
push_gets!(A B C D);
push_gets!(A B C D F);
push_gets!(A B C D F G);
push_gets!(A B C D F G H);
push_gets!(A B C D F G H I);
push_gets!(A B C D F G H I J);
push_gets!(A B C D F G H I J K);
push_gets!(A B C D F G H I J K L);

/// A `TransactGetItems`: reads of entities of any tables, from one consistent snapshot,
/// returned as a typed tuple: `db.transact_get().get(User::key("u1"))
/// .get(Order::key(..)).send().await? -> (Option<User>, Option<Order>)`.
#[must_use = "a read does nothing until it is sent"]
pub struct TransactGet<'a, L> {
    backend: &'a dyn Backend,
    items: Vec<TransactGetItem>,
    error: Option<Error>,
    list: PhantomData<fn() -> L>,
}

impl<L> fmt::Debug for TransactGet<'_, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransactGet").field("items", &self.items).finish()
    }
}

impl<'a> TransactGet<'a, ()> {
    /// An empty read over `backend`.
    pub fn new(backend: &'a dyn Backend) -> Self {
        TransactGet { backend, items: Vec::new(), error: None, list: PhantomData }
    }
}

impl<'a, L: GetList> TransactGet<'a, L> {
    /// Reads the item with `key`; its place in the result tuple is its place here.
    pub fn get<E: Entity>(mut self, key: Key<E>) -> TransactGet<'a, L::Pushed>
    where
        L: PushGet<E>,
        L::Pushed: GetList,
    {
        match key.into_attributes() {
            Ok(key) => self.items.push(TransactGetItem {
                table_name: E::Table::SCHEMA.name.to_owned(),
                key,
                projection: None,
            }),
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(e.at_field(E::SCHEMA.rust_name).into());
                }
            }
        }
        TransactGet {
            backend: self.backend,
            items: self.items,
            error: self.error,
            list: PhantomData,
        }
    }

    /// Sends the reads (after checking that no item is read twice) and decodes each
    /// item as its entity; `None` where no item has the key.
    pub async fn send(self) -> Result<L::Output> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.items.is_empty() {
            return L::decode(Vec::new());
        }
        let mut seen = std::collections::HashMap::with_capacity(self.items.len());
        for (index, item) in self.items.iter().enumerate() {
            if let Some(first) = seen.insert(item_identity(&item.table_name, &item.key), index) {
                return Err(LimitError::DuplicateItem {
                    operation: "TransactGetItems",
                    table: item.table_name.clone(),
                    entity: "",
                    key: item.key.clone(),
                    first,
                    second: index,
                }
                .into());
            }
        }
        let count = self.items.len();
        let output = self
            .backend
            .transact_get_items(TransactGetItemsInput {
                items: self.items,
                ..TransactGetItemsInput::default()
            })
            .await?;
        if output.responses.len() != count {
            return Err(Error::validation(format!(
                "TransactGetItems returned {} responses for {count} reads",
                output.responses.len()
            )));
        }
        L::decode(output.responses)
    }
}

impl<'a, L: GetList + 'a> IntoFuture for TransactGet<'a, L>
where
    L::Output: Send,
{
    type Output = Result<L::Output>;
    type IntoFuture = BoxFuture<'a, Result<L::Output>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(crate::pattern::labelled("Transaction", self.send()))
    }
}

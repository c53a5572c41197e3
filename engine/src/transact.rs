//! `TransactWriteItems` and `TransactGetItems`.
//!
//! # Checks, in DynamoDB's order
//!
//! 1. The request (`ValidationException`, nothing read): 1–100 actions, a
//!    `ClientRequestToken` of 1–36 characters, every table name, every table exists
//!    (`ResourceNotFoundException`), every key, item, condition and update expression
//!    valid on its own (as `PutItem`, `UpdateItem`, `DeleteItem` check them), at most one
//!    action per item, at most 4 MB of items and keys.
//! 2. The token: a token seen in the last 10 minutes with the same actions answers
//!    success without doing anything again; with other actions it is an
//!    `IdempotentParameterMismatchException`; while the first call with it still runs,
//!    a `TransactionInProgressException`. Only a transaction that committed keeps its
//!    token.
//! 3. Its items claimed, under its tables' locks: every action is evaluated against the items as they are (the
//!    conditions, then each update's new item and its validity). If any action fails
//!    the transaction is cancelled with one [`CancellationReason`] per action, in request
//!    order: `None` for the actions that would have succeeded, `ConditionalCheckFailed`
//!    (with the old item when `ReturnValuesOnConditionCheckFailure=ALL_OLD` asked for it
//!    and it exists), `ValidationError` for an update that fails on the item's data (a
//!    missing operand, a wrong type, a number out of range, an item over 400 KB).
//!    Nothing is written. Otherwise every action is applied.
//!
//! # Isolation: two phases, real conflicts
//!
//! As in DynamoDB, transactions run concurrently and conflict instead of waiting:
//!
//! 1. **Claim.** The transaction claims every item it touches in the engine's in-flight
//!    set (module `inflight`), all or none. If another transaction owns one of them, the
//!    transaction is cancelled before reading anything: `TransactionConflict`
//!    (`Transaction is ongoing for the item.`) for each such action, `None` for the
//!    others.
//! 2. **Prepare.** Under the read locks of its tables (taken in name order), every action
//!    is evaluated as described above, and the new items computed. A failure cancels the
//!    transaction and releases its claims.
//! 3. **Commit.** Under the write locks of all its tables (name order, so transactions
//!    never deadlock with each other or with single-table operations), every item is
//!    checked to be the one prepared, every write is applied and the claims are
//!    released, before any lock is let go.
//!
//! Between prepare and commit no lock is held, yet nothing changes the claimed items: a
//! single-item write to one fails with `TransactionConflictException`, another
//! transaction touching one is cancelled with `TransactionConflict`, and a
//! `TransactGetItems` reading one is cancelled with `TransactionConflict` (DynamoDB's
//! three conflict cases). Single-item writes check the claims without claiming (one
//! atomic load while no transaction runs); one that checked just before the claim and
//! lands after the prepare is caught at commit, which finds the item changed since it
//! was prepared and cancels the transaction with `TransactionConflict` instead, writing
//! nothing. Readers never see half a transaction: the writes are applied
//! under all the write locks at once, `GetItem`, `Query` and `Scan` read under their
//! table's lock, and `TransactGetItems` reads all its items under all its tables' read
//! locks. A `BatchWriteItem` request for an owned item is left in `UnprocessedItems`
//! (retried by the batch helpers); the other requests of the batch are applied.
//!
//! The window between prepare and commit can be held open in tests with
//! [`MemoryBackend::on_transaction_prepared`](super::MemoryBackend::on_transaction_prepared),
//! which makes conflicts deterministic.
//!
//! # Capacity
//!
//! Transactional units: each item costs twice its standard units (prepare and commit),
//! the table's and each index's, reported once per table. A `ConditionCheck` costs the
//! write units of the item it checks. `TransactGetItems` costs twice a strongly
//! consistent read per item (a missing item too).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use super::capacity::{consumed, index_write_units, read_units, write_units, Access};
use super::catalog::{Catalog, TableHandle};
use super::definition::TableDef;
use super::inflight::{InFlight, TransactionClaim};
use super::items::{
    check_condition, check_condition_holds, check_condition_keys, local_index_entries_size,
};
use super::key_value::PrimaryKey;
use super::projection::Projection;
use super::table::{StoredItem, Table};
use super::update::{check_new_item, Actions};
use super::validate::{
    check_index_keys, check_item_size, check_item_values, check_scalar_key_paths, item_primary_key,
    request_primary_key,
};
use singletable_core::backend::{
    TransactGetItem, TransactGetItemsInput, TransactGetItemsOutput, TransactWriteItem,
    TransactWriteItemsInput, TransactWriteItemsOutput,
};
use singletable_core::error::{CancellationReason, Error, Result};
use singletable_core::expr::Condition;
use singletable_core::size::{item_size, MAX_ITEM_SIZE};
use singletable_core::value::Item;

/// The message of a `TransactionConflict` cancellation reason.
const CONFLICT_REASON: &str = "Transaction is ongoing for the item.";
use singletable_core::limits::{
    MAX_TRANSACTION_ACTIONS as MAX_ACTIONS, MAX_TRANSACTION_BYTES as MAX_PAYLOAD_BYTES,
};
/// The longest `ClientRequestToken`.
const MAX_TOKEN_CHARS: usize = 36;
/// How long a token is remembered after its transaction committed.
const TOKEN_WINDOW: Duration = Duration::from_secs(600);

/// What the engine remembers of one `ClientRequestToken`.
#[derive(Debug)]
enum TokenState {
    /// A transaction with the token is running.
    Running(Vec<TransactWriteItem>),
    /// A transaction with the token committed at this instant.
    Committed(Vec<TransactWriteItem>, Instant),
}

/// The idempotency tokens of one engine.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    tokens: Mutex<HashMap<String, TokenState>>,
}

/// What to do with a request carrying a token.
enum Claim {
    /// Run it (the token is now marked running).
    Run,
    /// Answer success without running it again.
    Repeat,
}

impl Tokens {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, TokenState>> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn claim(&self, token: &str, items: &[TransactWriteItem]) -> Result<Claim> {
        let mut tokens = self.map();
        let now = Instant::now();
        tokens.retain(|_, state| match state {
            TokenState::Running(_) => true,
            TokenState::Committed(_, at) => now.duration_since(*at) < TOKEN_WINDOW,
        });
        match tokens.get(token) {
            None => {
                tokens.insert(token.to_owned(), TokenState::Running(items.to_vec()));
                Ok(Claim::Run)
            }
            Some(TokenState::Running(_)) => Err(service(
                "TransactionInProgressException",
                "The transaction with the given request token is already in progress.",
            )),
            Some(TokenState::Committed(previous, _)) if previous.as_slice() == items => {
                Ok(Claim::Repeat)
            }
            Some(TokenState::Committed(..)) => Err(service(
                "IdempotentParameterMismatchException",
                "The request uses the same client token as a previous, but non-identical request.",
            )),
        }
    }

    fn finish(&self, token: &str, committed: bool) {
        let mut tokens = self.map();
        if committed {
            if let Some(state) = tokens.remove(token) {
                let items = match state {
                    TokenState::Running(items) | TokenState::Committed(items, _) => items,
                };
                tokens.insert(token.to_owned(), TokenState::Committed(items, Instant::now()));
            }
        } else {
            tokens.remove(token);
        }
    }
}

fn service(code: &str, message: &str) -> Error {
    Error::Service { code: code.to_owned(), message: message.to_owned(), source: None }
}

fn count_error(count: usize, what: &str) -> Option<Error> {
    if count == 0 {
        Some(Error::validation(format!(
            "1 validation error detected: Value '[]' at '{what}' failed to satisfy constraint: Member must have length greater than or equal to 1"
        )))
    } else if count > MAX_ACTIONS {
        Some(Error::validation(format!(
            "1 validation error detected: Value at '{what}' failed to satisfy constraint: Member must have length less than or equal to 100"
        )))
    } else {
        None
    }
}

fn one_action_per_item() -> Error {
    Error::validation("Transaction request cannot include multiple operations on one item")
}

/// What one action does once its condition holds.
enum Op<'a> {
    Put(Arc<Item>, usize),
    Update(Actions<'a>, &'a Item),
    Delete,
    Check,
}

/// One validated action.
struct Action<'a> {
    table: &'a str,
    key: PrimaryKey,
    condition: Option<&'a Condition>,
    return_old: bool,
    op: Op<'a>,
}

/// The new item an action writes, computed under the locks.
enum Write {
    Put(Arc<Item>, usize),
    Delete,
    Nothing,
}

/// `TransactWriteItems`.
pub(crate) async fn transact_write_items(
    catalog: &Catalog,
    tokens: &Tokens,
    inflight: &InFlight,
    input: TransactWriteItemsInput,
) -> Result<TransactWriteItemsOutput> {
    let TransactWriteItemsInput { items, client_request_token, return_consumed_capacity } = input;
    if let Some(error) = count_error(items.len(), "transactItems") {
        return Err(error);
    }
    if let Some(token) = &client_request_token {
        let chars = token.chars().count();
        if chars == 0 || chars > MAX_TOKEN_CHARS {
            return Err(Error::validation(format!(
                "1 validation error detected: Value '{token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length {}",
                if chars == 0 { "greater than or equal to 1" } else { "less than or equal to 36" }
            )));
        }
    }
    let mut claimed = false;
    loop {
        let checked = check_actions(catalog, &items);
        let (handles, actions) = match checked {
            Ok(checked) => checked,
            Err(error) => {
                if let (true, Some(token)) = (claimed, &client_request_token) {
                    tokens.finish(token, false);
                }
                return Err(error);
            }
        };
        if let (false, Some(token)) = (claimed, &client_request_token) {
            if let Claim::Repeat = tokens.claim(token, &items)? {
                return Ok(TransactWriteItemsOutput::default());
            }
        }
        claimed = true;
        let result = match run(&handles, &actions, return_consumed_capacity, inflight).await {
            // A table's definition changed since the actions were checked: check again.
            Ok(None) => continue,
            Ok(Some(output)) => Ok(output),
            Err(error) => Err(error),
        };
        if let Some(token) = &client_request_token {
            tokens.finish(token, result.is_ok());
        }
        return result;
    }
}

/// The tables of a transaction, in name order, each with the definition its actions
/// were checked against.
type Handles<'a> = BTreeMap<&'a str, (Arc<TableHandle>, Arc<TableDef>)>;

/// Checks every action of a transaction against the tables' current definitions.
fn check_actions<'a>(
    catalog: &Catalog,
    items: &'a [TransactWriteItem],
) -> Result<(Handles<'a>, Vec<Action<'a>>)> {
    let mut handles: Handles<'a> = BTreeMap::new();
    let mut actions = Vec::with_capacity(items.len());
    let mut seen = HashSet::with_capacity(items.len());
    let mut payload = 0usize;
    for item in items {
        let action = check_action(catalog, &mut handles, item, &mut payload)?;
        if !seen.insert((action.table, action.key.clone())) {
            return Err(one_action_per_item());
        }
        actions.push(action);
    }
    if payload > MAX_PAYLOAD_BYTES {
        return Err(Error::validation(format!(
            "Transaction payload size cannot exceed 4MB. Payload Size: {payload}"
        )));
    }
    Ok((handles, actions))
}

/// True when every table still has the definition its actions were checked against.
fn current<G: std::ops::Deref<Target = Table>>(
    handles: &Handles<'_>,
    guards: &BTreeMap<&str, G>,
) -> bool {
    handles.iter().all(|(name, (_, def))| {
        guards.get(name).is_some_and(|table| Arc::ptr_eq(table.def_arc(), def))
    })
}

fn check_action<'a>(
    catalog: &Catalog,
    handles: &mut Handles<'a>,
    item: &'a TransactWriteItem,
    payload: &mut usize,
) -> Result<Action<'a>> {
    let (table, condition, return_old) = match item {
        TransactWriteItem::Put {
            table_name, condition, return_old_on_condition_failure, ..
        }
        | TransactWriteItem::Update {
            table_name,
            condition,
            return_old_on_condition_failure,
            ..
        }
        | TransactWriteItem::Delete {
            table_name,
            condition,
            return_old_on_condition_failure,
            ..
        } => (table_name.as_str(), condition.as_ref(), *return_old_on_condition_failure),
        TransactWriteItem::ConditionCheck {
            table_name,
            condition,
            return_old_on_condition_failure,
            ..
        } => (table_name.as_str(), Some(condition), *return_old_on_condition_failure),
    };
    check_condition(condition)?;
    if let TransactWriteItem::Update { updates, .. } = item {
        // `UpdateExpression` is required in a transaction's `Update` [A:Update], unlike
        // in `UpdateItem`.
        if updates.is_empty() {
            return Err(Error::validation(
                "1 validation error detected: Value null at 'transactItems.member.update.updateExpression' failed to satisfy constraint: Member must not be null",
            ));
        }
        Actions::check(updates)?;
    }
    let def = match handles.get(table) {
        Some((_, def)) => Arc::clone(def),
        None => {
            let handle = catalog.table(table)?;
            let def = handle.def();
            handles.insert(table, (handle, Arc::clone(&def)));
            def
        }
    };
    let def = &*def;
    check_condition_keys(def, condition)?;
    let (key, op) = match item {
        TransactWriteItem::Put { item, .. } => {
            check_item_values(item)?;
            let key = item_primary_key(def, item)?;
            check_index_keys(def, item)?;
            let size = item_size(item);
            let shared = Arc::new(item.clone());
            check_item_size(size.saturating_add(local_index_entries_size(def, &shared, size)))?;
            *payload = payload.saturating_add(size);
            (key, Op::Put(shared, size))
        }
        TransactWriteItem::Update { key, updates, .. } => {
            let primary = request_primary_key(def, key)?;
            let actions = Actions::check(updates)?;
            actions.check_keys(def)?;
            check_scalar_key_paths(def, actions.paths().iter().copied())?;
            *payload = payload.saturating_add(item_size(key));
            (primary, Op::Update(actions, key))
        }
        TransactWriteItem::Delete { key, .. } => {
            *payload = payload.saturating_add(item_size(key));
            (request_primary_key(def, key)?, Op::Delete)
        }
        TransactWriteItem::ConditionCheck { key, .. } => {
            *payload = payload.saturating_add(item_size(key));
            (request_primary_key(def, key)?, Op::Check)
        }
    };
    Ok(Action { table, key, condition, return_old, op })
}

fn reason(code: &str, message: Option<String>, item: Option<Item>) -> CancellationReason {
    CancellationReason { code: code.to_owned(), message, item }
}

/// Evaluates one action against the item as it is.
fn evaluate(action: &Action<'_>, table: &Table) -> Result<Write, CancellationReason> {
    let old: Option<&StoredItem> = table.get(&action.key);
    if let Err(error) = check_condition_holds(action.condition, old, action.return_old) {
        let item = match error {
            Error::ConditionalCheckFailed { item, .. } => item.map(|item| *item),
            _ => None,
        };
        return Err(reason(
            "ConditionalCheckFailed",
            Some("The conditional request failed".to_owned()),
            item,
        ));
    }
    let validation = |error: Error| {
        let message = match error {
            Error::Validation { message, .. } => message,
            other => other.to_string(),
        };
        reason("ValidationError", Some(message), None)
    };
    match &action.op {
        Op::Put(item, size) => Ok(Write::Put(Arc::clone(item), *size)),
        Op::Delete => Ok(Write::Delete),
        Op::Check => Ok(Write::Nothing),
        Op::Update(actions, key) => {
            let base = old.map_or_else(|| Item::clone(key), |old| Item::clone(&old.item));
            let new_item = actions.apply(base).map_err(validation)?;
            check_new_item(table.def(), &new_item).map_err(validation)?;
            let size = item_size(&new_item);
            let new_item = Arc::new(new_item);
            let lsi = local_index_entries_size(table.def(), &new_item, size);
            if size.saturating_add(lsi) > MAX_ITEM_SIZE {
                return Err(reason(
                    "ValidationError",
                    Some("Item size to update has exceeded the maximum allowed size".to_owned()),
                    None,
                ));
            }
            Ok(Write::Put(new_item, size))
        }
    }
}

/// Per-table capacity sums: table units and each index's.
#[derive(Default)]
struct Units {
    table: f64,
    indexes: Vec<f64>,
}

/// The cancellation of a transaction that found some of its items claimed.
fn conflict(taken: &[bool]) -> Error {
    let reasons = taken
        .iter()
        .map(|taken| {
            if *taken {
                reason("TransactionConflict", Some(CONFLICT_REASON.to_owned()), None)
            } else {
                reason("None", None, None)
            }
        })
        .collect();
    Error::TransactionCanceled { reasons, source: None }
}

/// Claim, prepare, commit (see the module's isolation notes).
/// `None` when a table's definition changed since the actions were checked (nothing
/// was written; the caller checks them again).
async fn run(
    handles: &Handles<'_>,
    actions: &[Action<'_>],
    mode: singletable_core::backend::ReturnConsumedCapacity,
    inflight: &InFlight,
) -> Result<Option<TransactWriteItemsOutput>> {
    let ids = actions.iter().map(|action| (action.table.to_owned(), action.key.clone())).collect();
    let claim = inflight.claim_transaction(ids).map_err(|taken| conflict(&taken))?;

    let Some((writes, seen)) = prepare(handles, actions)? else { return Ok(None) };
    if let Some(hook) = inflight.hook() {
        hook.await;
    }
    commit(handles, actions, writes, &seen, mode, claim)
}

/// The item an action saw when it was prepared (kept alive, so that an unchanged item
/// is recognised by its allocation).
type Seen = Option<Arc<Item>>;

/// Evaluates every action under the read locks of all tables: the writes and the items
/// they were computed from, or the cancellation.
fn prepare(
    handles: &Handles<'_>,
    actions: &[Action<'_>],
) -> Result<Option<(Vec<Write>, Vec<Seen>)>> {
    // Every table's read lock, taken in name order (BTreeMap order).
    let guards: BTreeMap<&str, RwLockReadGuard<'_, Table>> =
        handles.iter().map(|(name, (handle, _))| (*name, handle.read())).collect();
    if !current(handles, &guards) {
        return Ok(None);
    }
    let mut writes = Vec::with_capacity(actions.len());
    let mut seen = Vec::with_capacity(actions.len());
    let mut reasons = Vec::with_capacity(actions.len());
    let mut failed = false;
    for action in actions {
        let Some(table) = guards.get(action.table) else {
            return Err(super::catalog::not_found());
        };
        seen.push(table.get(&action.key).map(|stored| Arc::clone(&stored.item)));
        match evaluate(action, table) {
            Ok(write) => {
                writes.push(write);
                reasons.push(reason("None", None, None));
            }
            Err(cancel) => {
                failed = true;
                writes.push(Write::Nothing);
                reasons.push(cancel);
            }
        }
    }
    if failed {
        return Err(Error::TransactionCanceled { reasons, source: None });
    }
    Ok(Some((writes, seen)))
}

/// Applies every write under the write locks of all tables, and releases the claims
/// before letting the locks go. A single-item write that checked its item just before
/// the claim may have changed it since the prepare phase: then nothing is applied and
/// the transaction is cancelled with `TransactionConflict` for the changed items.
fn commit(
    handles: &Handles<'_>,
    actions: &[Action<'_>],
    writes: Vec<Write>,
    seen: &[Seen],
    mode: singletable_core::backend::ReturnConsumedCapacity,
    claim: TransactionClaim<'_>,
) -> Result<Option<TransactWriteItemsOutput>> {
    // Every table's write lock, taken in name order (BTreeMap order), held to the end.
    let mut guards: BTreeMap<&str, RwLockWriteGuard<'_, Table>> =
        handles.iter().map(|(name, (handle, _))| (*name, handle.write())).collect();
    if !current(handles, &guards) {
        // `UpdateTable` ran while the transaction waited between its phases.
        claim.release();
        return Ok(None);
    }
    let changed: Vec<bool> = actions
        .iter()
        .zip(seen)
        .map(|(action, seen)| {
            let now = guards.get(action.table).and_then(|table| table.get(&action.key));
            match (now, seen) {
                (None, None) => false,
                (Some(now), Some(seen)) => !Arc::ptr_eq(&now.item, seen),
                _ => true,
            }
        })
        .collect();
    if changed.iter().any(|changed| *changed) {
        claim.release();
        return Err(conflict(&changed));
    }
    let mut units: BTreeMap<&str, Units> = BTreeMap::new();
    for (action, write) in actions.iter().zip(writes) {
        let Some(table) = guards.get_mut(action.table) else { continue };
        let sums = units
            .entry(action.table)
            .or_insert_with(|| Units { table: 0.0, indexes: vec![0.0; table.def().indexes.len()] });
        let outcome = match write {
            Write::Put(item, size) => {
                let outcome = table.put(action.key.clone(), item, size);
                sums.table += write_units(size.max(outcome.old.as_ref().map_or(0, |o| o.size)));
                outcome
            }
            Write::Delete => {
                let outcome = table.delete(&action.key);
                sums.table += write_units(outcome.old.as_ref().map_or(0, |o| o.size));
                outcome
            }
            Write::Nothing => {
                sums.table += write_units(table.get(&action.key).map_or(0, |o| o.size));
                continue;
            }
        };
        for (sum, change) in sums.indexes.iter_mut().zip(&outcome.index_changes) {
            *sum += index_write_units(*change);
        }
    }
    claim.release();
    drop(guards);

    let consumed_capacity = units
        .into_iter()
        .filter_map(|(name, sums)| {
            let (_, def) = handles.get(name)?;
            let indexes: Vec<f64> = sums.indexes.iter().map(|units| units * 2.0).collect();
            consumed(mode, def, Access::Write, sums.table * 2.0, &indexes)
        })
        .collect();
    Ok(Some(TransactWriteItemsOutput { consumed_capacity }))
}

/// `TransactGetItems`: every read from one snapshot.
pub(crate) fn transact_get_items(
    catalog: &Catalog,
    inflight: &InFlight,
    input: TransactGetItemsInput,
) -> Result<TransactGetItemsOutput> {
    let TransactGetItemsInput { items, return_consumed_capacity } = input;
    if let Some(error) = count_error(items.len(), "transactItems") {
        return Err(error);
    }
    loop {
        // `None`: a table's definition changed since the reads were checked.
        if let Some(output) = transact_get(catalog, inflight, &items, return_consumed_capacity)? {
            return Ok(output);
        }
    }
}

/// One attempt of `TransactGetItems`: `None` when a table's definition changed between
/// the checks and the reads.
fn transact_get(
    catalog: &Catalog,
    inflight: &InFlight,
    items: &[TransactGetItem],
    return_consumed_capacity: singletable_core::backend::ReturnConsumedCapacity,
) -> Result<Option<TransactGetItemsOutput>> {
    let mut handles: Handles<'_> = BTreeMap::new();
    let mut reads = Vec::with_capacity(items.len());
    let mut invalid: Vec<(usize, Error)> = Vec::new();
    let mut seen = HashSet::with_capacity(items.len());
    for get in items {
        let projection = get.projection.as_deref().map(Projection::new).transpose()?;
        let def = match handles.get(get.table_name.as_str()) {
            Some((_, def)) => Arc::clone(def),
            None => {
                let handle = catalog.table(&get.table_name)?;
                let def = handle.def();
                handles.insert(get.table_name.as_str(), (handle, Arc::clone(&def)));
                def
            }
        };
        check_scalar_key_paths(&def, get.projection.iter().flatten())?;
        // A key that does not match its table's schema is the action's own failure:
        // DynamoDB cancels the transaction with a `ValidationError` reason for it (and
        // `None` for the others) rather than failing the request (docs/error-texts.md).
        let key = match request_primary_key(&def, &get.key) {
            Ok(key) => key,
            Err(error) => {
                invalid.push((reads.len() + invalid.len(), error));
                continue;
            }
        };
        if !seen.insert((get.table_name.as_str(), key.clone())) {
            return Err(one_action_per_item());
        }
        reads.push((get.table_name.as_str(), key, projection));
    }
    if !invalid.is_empty() {
        let mut reasons = vec![reason("None", None, None); items.len()];
        for (position, error) in invalid {
            let message = match error {
                Error::Validation { message, .. } => message,
                other => other.to_string(),
            };
            if let Some(slot) = reasons.get_mut(position) {
                *slot = reason("ValidationError", Some(message), None);
            }
        }
        return Err(Error::TransactionCanceled { reasons, source: None });
    }

    let stored: Vec<Option<StoredItem>> = {
        // Every table's read lock, in name order, held while all items are read.
        let guards: BTreeMap<&str, RwLockReadGuard<'_, Table>> =
            handles.iter().map(|(name, (handle, _))| (*name, handle.read())).collect();
        if !current(&handles, &guards) {
            return Ok(None);
        }
        // An item a transaction owns (claimed, not yet committed) cancels the read.
        let taken =
            inflight.owned_by_transactions(reads.iter().map(|(table, key, _)| (*table, key)));
        if taken.iter().any(|taken| *taken) {
            return Err(conflict(&taken));
        }
        reads
            .iter()
            .map(|(table, key, _)| guards.get(table).and_then(|table| table.get(key).cloned()))
            .collect()
    };

    let mut units: BTreeMap<&str, f64> = BTreeMap::new();
    let mut responses = Vec::with_capacity(reads.len());
    for ((table, _, projection), stored) in reads.iter().zip(stored) {
        *units.entry(table).or_default() +=
            2.0 * read_units(stored.as_ref().map_or(0, |s| s.size), true);
        responses.push(stored.map(|stored| match projection {
            Some(projection) => projection.apply(&stored.item),
            None => Arc::unwrap_or_clone(stored.item),
        }));
    }
    let consumed_capacity = units
        .into_iter()
        .filter_map(|(name, units)| {
            let (_, def) = handles.get(name)?;
            consumed(return_consumed_capacity, def, Access::Read, units, &[])
        })
        .collect();
    Ok(Some(TransactGetItemsOutput { responses, consumed_capacity }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::{get_item, put_item};
    use singletable_core::backend::{
        CreateTableInput, GetItemInput, KeySchemaElement, KeyType, PutItemInput,
        ReturnConsumedCapacity,
    };
    use singletable_core::expr::{Path, UpdateAction};
    use singletable_core::schema::{BillingMode, KeyAttribute, ScalarType};
    use singletable_core::value::AttributeValue;
    use singletable_core::Number;

    fn catalog() -> Catalog {
        let catalog = Catalog::default();
        catalog
            .create_table(CreateTableInput {
                table_name: "tx-unit".to_owned(),
                attribute_definitions: vec![KeyAttribute { name: "pk", ty: ScalarType::S }.into()],
                key_schema: vec![KeySchemaElement {
                    attribute_name: "pk".to_owned(),
                    key_type: KeyType::Hash,
                }],
                global_secondary_indexes: Vec::new(),
                local_secondary_indexes: Vec::new(),
                billing_mode: BillingMode::PayPerRequest,
                stream: None,
            })
            .expect("created");
        catalog
    }

    fn item(pk: &str, count: &str) -> Item {
        [
            ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
            ("count".to_owned(), AttributeValue::N(Number::parse(count).expect("a number"))),
        ]
        .into()
    }

    fn stored(catalog: &Catalog, pk: &str) -> Option<Item> {
        let key = [("pk".to_owned(), AttributeValue::S(pk.to_owned()))].into();
        get_item(
            catalog,
            GetItemInput { table_name: "tx-unit".to_owned(), key, ..Default::default() },
        )
        .expect("read")
        .item
    }

    /// A single-item write that checked the claims just before the transaction claimed
    /// its item, and landed after the prepare phase, cancels the transaction at commit
    /// with `TransactionConflict`: nothing of the transaction is written, the write
    /// stays.
    #[test]
    fn a_write_between_prepare_and_commit_cancels_the_commit() {
        let catalog = catalog();
        let put =
            |item| PutItemInput { table_name: "tx-unit".to_owned(), item, ..Default::default() };
        put_item(&catalog, put(item("a", "1"))).expect("put");
        let requests = [
            TransactWriteItem::Update {
                table_name: "tx-unit".to_owned(),
                key: [("pk".to_owned(), AttributeValue::S("a".to_owned()))].into(),
                updates: vec![UpdateAction::Add(
                    Path::attribute("count"),
                    AttributeValue::N(Number::parse("10").expect("a number")),
                )],
                condition: None,
                return_old_on_condition_failure: false,
            },
            TransactWriteItem::Put {
                table_name: "tx-unit".to_owned(),
                item: item("b", "5"),
                condition: None,
                return_old_on_condition_failure: false,
            },
        ];
        let mut handles = BTreeMap::new();
        let mut payload = 0;
        let actions: Vec<Action<'_>> = requests
            .iter()
            .map(|request| check_action(&catalog, &mut handles, request, &mut payload))
            .collect::<Result<_>>()
            .expect("valid");
        let inflight = InFlight::default();
        let ids = actions.iter().map(|a| (a.table.to_owned(), a.key.clone())).collect();
        let claim = inflight.claim_transaction(ids).expect("claimed");
        let (writes, seen) = prepare(&handles, &actions).expect("prepared").expect("current");

        // The write that slipped through (it checked before the claim).
        put_item(&catalog, put(item("a", "7"))).expect("put");

        let result = commit(&handles, &actions, writes, &seen, ReturnConsumedCapacity::None, claim);
        let Err(Error::TransactionCanceled { reasons, .. }) = result else {
            panic!("expected a cancellation, got {result:?}");
        };
        let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["TransactionConflict", "None"]);
        assert_eq!(stored(&catalog, "a"), Some(item("a", "7")));
        assert_eq!(stored(&catalog, "b"), None);
        assert!(inflight.owned_by_transactions([("tx-unit", &actions[0].key)]) == [false]);

        // Unchanged items commit.
        let claim = inflight
            .claim_transaction(
                actions.iter().map(|a| (a.table.to_owned(), a.key.clone())).collect(),
            )
            .expect("claimed again");
        let (writes, seen) = prepare(&handles, &actions).expect("prepared").expect("current");
        commit(&handles, &actions, writes, &seen, ReturnConsumedCapacity::None, claim)
            .expect("committed");
        assert_eq!(stored(&catalog, "a"), Some(item("a", "17")));
        assert_eq!(stored(&catalog, "b"), Some(item("b", "5")));
    }
}

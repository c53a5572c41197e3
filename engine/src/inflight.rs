//! Items in flight: which items running transactions own.
//!
//! A `TransactWriteItems` claims every item it touches before it reads any of them, and
//! keeps them until its writes are applied (see the isolation notes of `transact`). A
//! claim is exclusive: a transaction that finds one of its items claimed by another is
//! cancelled with `TransactionConflict`; a single-item write (`PutItem`, `UpdateItem`,
//! `DeleteItem`, a `BatchWriteItem` request) that finds its item claimed fails with
//! `TransactionConflictException` (a batch request is left unprocessed).
//!
//! Single-item writes only look: they do not claim. A write that looked just before a
//! transaction claimed its item may still land between the transaction's prepare and
//! commit; the commit sees that the item changed since it was prepared and cancels the
//! transaction with `TransactionConflict` instead (DynamoDB's outcome for a transaction
//! that meets a concurrent write). While no transaction owns anything, a write does not
//! even take this module's lock: one atomic load.
//!
//! Lock order: this module's mutex is taken either alone or after table locks, never the
//! other way round, so it cannot deadlock with them.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::catalog::Catalog;
use super::key_value::PrimaryKey;
use super::validate::{item_primary_key, request_primary_key};
use singletable_core::backend::BoxFuture;
use singletable_core::error::{Error, Result};
use singletable_core::value::Item;

/// DynamoDB's message of `TransactionConflictException`.
const CONFLICT_MESSAGE: &str =
    "Operation was rejected because there is an ongoing transaction for the item.";

/// One item: its table's name and its primary key.
pub(crate) type ItemId = (String, PrimaryKey);

/// A hook run by every transaction between its prepare and commit phases.
type Hook = Arc<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>;

/// The items in flight of one engine, and the test hook of its transactions.
#[derive(Default)]
pub(crate) struct InFlight {
    items: Mutex<HashSet<ItemId>>,
    /// How many items transactions own (`items.len()`, readable without the lock).
    owned: AtomicUsize,
    hook: Mutex<Option<Hook>>,
}

impl std::fmt::Debug for InFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InFlight").field("items", &self.map().len()).finish_non_exhaustive()
    }
}

/// The error of a single-item write to an item a transaction owns.
pub(crate) fn conflict_error() -> Error {
    Error::Service {
        code: "TransactionConflictException".to_owned(),
        message: CONFLICT_MESSAGE.to_owned(),
        source: None,
    }
}

impl InFlight {
    fn map(&self) -> MutexGuard<'_, HashSet<ItemId>> {
        self.items.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Claims every item of a transaction, or none: `Err` holds, per item, whether it
    /// was already claimed.
    pub fn claim_transaction(&self, ids: Vec<ItemId>) -> Result<TransactionClaim<'_>, Vec<bool>> {
        let mut map = self.map();
        let taken: Vec<bool> = ids.iter().map(|id| map.contains(id)).collect();
        if taken.iter().any(|taken| *taken) {
            return Err(taken);
        }
        map.extend(ids.iter().cloned());
        self.owned.store(map.len(), Ordering::Release);
        Ok(TransactionClaim { owner: self, ids: Some(ids) })
    }

    /// Which of these items a transaction owns now (call it under the tables' locks).
    pub fn owned_by_transactions<'k>(
        &self,
        ids: impl IntoIterator<Item = (&'k str, &'k PrimaryKey)>,
    ) -> Vec<bool> {
        if self.idle() {
            return ids.into_iter().map(|_| false).collect();
        }
        let map = self.map();
        ids.into_iter().map(|(table, key)| map.contains(&(table.to_owned(), key.clone()))).collect()
    }

    /// Whether any transaction owns anything now.
    fn idle(&self) -> bool {
        self.owned.load(Ordering::Acquire) == 0
    }

    /// Fails with `TransactionConflictException` when a transaction owns the item.
    pub fn check_write(&self, table_name: &str, key: &PrimaryKey) -> Result<()> {
        if self.idle() {
            return Ok(());
        }
        if self.map().contains(&(table_name.to_owned(), key.clone())) {
            return Err(conflict_error());
        }
        Ok(())
    }

    /// [`check_write`](Self::check_write) for the item a `PutItem` writes. A request
    /// whose table or item is invalid passes (the operation then reports what is wrong).
    pub fn check_put(&self, catalog: &Catalog, table_name: &str, item: &Item) -> Result<()> {
        if self.idle() {
            return Ok(());
        }
        let Ok(handle) = catalog.table(table_name) else { return Ok(()) };
        let Ok(key) = item_primary_key(&handle.def(), item) else { return Ok(()) };
        self.check_write(table_name, &key)
    }

    /// [`check_write`](Self::check_write) for the item of an `UpdateItem` or
    /// `DeleteItem`, by its key (see [`check_put`](Self::check_put)).
    pub fn check_key(&self, catalog: &Catalog, table_name: &str, key: &Item) -> Result<()> {
        if self.idle() {
            return Ok(());
        }
        let Ok(handle) = catalog.table(table_name) else { return Ok(()) };
        let Ok(key) = request_primary_key(&handle.def(), key) else { return Ok(()) };
        self.check_write(table_name, &key)
    }

    /// Sets (or with `None` removes) the hook every transaction awaits between its
    /// prepare and commit phases.
    pub fn set_hook(&self, hook: Option<Hook>) {
        *self.hook.lock().unwrap_or_else(PoisonError::into_inner) = hook;
    }

    /// The future of the hook, when one is set.
    pub fn hook(&self) -> Option<BoxFuture<'static, ()>> {
        let hook = self.hook.lock().unwrap_or_else(PoisonError::into_inner).clone();
        hook.map(|hook| hook())
    }
}

/// Wraps a closure returning a future into the stored hook shape.
pub(crate) fn hook<F, Fut>(hook: F) -> Hook
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move || Box::pin(hook()))
}

/// The items a transaction owns, released by [`release`](Self::release) (under the
/// tables' locks, at commit) or when dropped (on cancellation or error).
#[derive(Debug)]
pub(crate) struct TransactionClaim<'a> {
    owner: &'a InFlight,
    ids: Option<Vec<ItemId>>,
}

impl TransactionClaim<'_> {
    /// Releases the items now.
    pub fn release(mut self) {
        self.release_now();
    }

    fn release_now(&mut self) {
        if let Some(ids) = self.ids.take() {
            let mut map = self.owner.map();
            for id in ids {
                map.remove(&id);
            }
            self.owner.owned.store(map.len(), Ordering::Release);
        }
    }
}

impl Drop for TransactionClaim<'_> {
    fn drop(&mut self) {
        self.release_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_value::KeyValue;

    fn id(name: &str) -> ItemId {
        ("t".to_owned(), PrimaryKey { partition: KeyValue::S(name.to_owned()), sort: None })
    }

    #[test]
    fn transactions_exclude_each_other_and_writes() {
        let inflight = InFlight::default();
        assert!(inflight.idle());
        let first = inflight.claim_transaction(vec![id("a"), id("b")]).expect("claimed");
        assert!(!inflight.idle());
        assert_eq!(
            inflight.claim_transaction(vec![id("c"), id("b")]).map(|_| ()),
            Err(vec![false, true])
        );
        // Nothing of the refused claim stayed behind.
        assert!(inflight.check_write("t", &id("c").1).is_ok());
        assert_eq!(
            inflight.check_write("t", &id("a").1).map_err(|e| e.dynamodb_type().map(str::to_owned)),
            Err(Some("TransactionConflictException".to_owned()))
        );
        assert!(inflight.check_write("other", &id("a").1).is_ok(), "another table's item");
        assert_eq!(
            inflight.owned_by_transactions([("t", &id("a").1), ("t", &id("c").1)]),
            [true, false]
        );
        first.release();
        assert!(inflight.idle());
        assert_eq!(inflight.owned_by_transactions([("t", &id("a").1)]), [false]);
        assert!(inflight.check_write("t", &id("a").1).is_ok());
    }

    #[test]
    fn a_dropped_claim_releases_its_items() {
        let inflight = InFlight::default();
        let claim = inflight.claim_transaction(vec![id("a")]).expect("claimed");
        assert!(inflight.claim_transaction(vec![id("a")]).is_err());
        drop(claim);
        assert!(inflight.idle());
        let again = inflight.claim_transaction(vec![id("a")]).expect("free again");
        drop(again);
        assert!(inflight.map().is_empty());
    }
}

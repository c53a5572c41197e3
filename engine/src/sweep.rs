//! The TTL sweep: deleting expired items, as DynamoDB's background TTL process does.
//!
//! An item is expired when its table has TTL enabled (`UpdateTimeToLive`) and the item's
//! TTL attribute is a top-level number of Unix epoch seconds earlier than now (by the
//! engine's [`Clock`](singletable_core::clock::Clock), see
//! [`MemoryBackend::with_clock`]). As in DynamoDB, an attribute of another type (a string,
//! a list…) is ignored, and so is a number more than five years in the past (DynamoDB
//! Developer Guide, "Using time to live": "items with an expiration time older than five
//! years are not deleted"). A number in milliseconds lies far in the future and is never
//! reached.
//!
//! Each deletion is a normal delete for the indexes, the counts and the table size, and a
//! `REMOVE` change record with [`system_delete`](super::ChangeRecord::system_delete) set
//! (DynamoDB's `userIdentity` of type `Service`, principal `dynamodb.amazonaws.com`).
//!
//! DynamoDB deletes expired items within days, so until a sweep runs an expired item is
//! still read, queried and updated, on DynamoDB and here. Sweep on demand with
//! [`MemoryBackend::sweep_expired`], or in the background with
//! [`MemoryBackend::start_ttl_sweep`] / [`MemoryBackend::with_ttl_sweep`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use super::catalog::Catalog;
use super::inflight::InFlight;
use super::key_value::PrimaryKey;
use super::MemoryBackend;
use singletable_core::value::{AttributeValue, Item};

/// Items whose TTL lies more than this many seconds in the past are not deleted: five
/// years (of 365 days).
pub const TTL_MAX_AGE_SECONDS: i64 = 5 * 365 * 24 * 60 * 60;

/// Whether `item` is expired at `now_seconds` by the TTL attribute `attribute`.
fn is_expired(item: &Item, attribute: &str, now_seconds: i64) -> bool {
    let Some(AttributeValue::N(number)) = item.get(attribute) else { return false };
    let expires = number.to_f64();
    if !expires.is_finite() {
        return false;
    }
    // Within i64 and compared in seconds: DynamoDB reads the value as epoch seconds.
    #[allow(clippy::cast_precision_loss)]
    let now = now_seconds as f64;
    #[allow(clippy::cast_precision_loss)]
    let oldest = now_seconds.saturating_sub(TTL_MAX_AGE_SECONDS) as f64;
    expires < now && expires >= oldest
}

/// Deletes the expired items of every table of `catalog`; returns how many. An item a
/// running transaction owns is left for the next sweep (the transaction decides its
/// fate; DynamoDB's TTL deletions are no faster).
fn sweep(catalog: &Catalog, inflight: &InFlight) -> usize {
    let now_seconds = catalog.feeds().now_ms().div_euclid(1000);
    let mut deleted = 0;
    for name in catalog.table_names() {
        // A table deleted since the names were read is skipped.
        let Ok(handle) = catalog.table(&name) else { continue };
        let Some(attribute) = handle.ttl().clone() else { continue };
        let mut table = handle.write();
        let expired: Vec<PrimaryKey> = table
            .partitions_from(std::ops::Bound::Unbounded)
            .flat_map(|(partition, items)| {
                items
                    .iter()
                    .filter(|(_, stored)| is_expired(&stored.item, &attribute, now_seconds))
                    .map(|(sort, _)| PrimaryKey {
                        partition: partition.clone(),
                        sort: sort.clone(),
                    })
            })
            .filter(|key| inflight.check_write(&name, key).is_ok())
            .collect();
        for key in &expired {
            if table.delete_expired(key).old.is_some() {
                deleted += 1;
            }
        }
    }
    deleted
}

/// A background TTL sweeper started by [`MemoryBackend::start_ttl_sweep`]. The thread
/// holds only a weak reference to the engine: it stops by itself once every clone of the
/// engine is dropped (at its next wake-up), or when [`stop`](Self::stop) is called.
/// Dropping the handle leaves the sweeper running.
#[derive(Debug)]
pub struct TtlSweeper {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl TtlSweeper {
    /// Whether the sweeper thread still runs.
    pub fn is_running(&self) -> bool {
        !self.thread.is_finished()
    }

    /// Stops the sweeper and waits for its thread to end (at most one interval).
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.thread().unpark();
        // The thread only sweeps and sleeps: it cannot panic on data, and a panic would
        // already have ended it.
        let _ = self.thread.join();
    }
}

fn run(catalog: &Weak<Catalog>, inflight: &Weak<InFlight>, interval: Duration, stop: &AtomicBool) {
    loop {
        std::thread::park_timeout(interval);
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match (catalog.upgrade(), inflight.upgrade()) {
            (Some(catalog), Some(inflight)) => {
                sweep(&catalog, &inflight);
            }
            _ => return,
        }
    }
}

impl MemoryBackend {
    /// Deletes every expired item of every table with TTL enabled, now; returns how many
    /// items it deleted. Expired: the item's TTL attribute is a number of Unix epoch
    /// seconds before now (by the engine's clock, see [`with_clock`](Self::with_clock)),
    /// but not more than five years before ([`TTL_MAX_AGE_SECONDS`]); other types are
    /// ignored, as in DynamoDB. Each deletion is recorded in
    /// the table's change feed as a `REMOVE` with `system_delete` set.
    pub fn sweep_expired(&self) -> usize {
        sweep(&self.catalog, &self.inflight)
    }

    /// Starts a thread that calls [`sweep_expired`](Self::sweep_expired) every
    /// `interval`, until the engine is dropped or [`TtlSweeper::stop`] is called.
    pub fn start_ttl_sweep(&self, interval: Duration) -> std::io::Result<TtlSweeper> {
        let catalog = Arc::downgrade(&self.catalog);
        let inflight = Arc::downgrade(&self.inflight);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("singletable-ttl-sweep".to_owned())
            .spawn(move || run(&catalog, &inflight, interval, &flag))?;
        Ok(TtlSweeper { stop, thread })
    }

    /// This engine, with a background TTL sweep every `interval` that stops when the
    /// engine (every clone of it) is dropped: DynamoDB's background deletion of expired
    /// items. Fails only when the operating system cannot start a thread.
    ///
    /// ```
    /// use std::time::Duration;
    /// use singletable_engine::MemoryBackend;
    ///
    /// let db = MemoryBackend::new().with_ttl_sweep(Duration::from_secs(1))?;
    /// # drop(db);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_ttl_sweep(self, interval: Duration) -> std::io::Result<Self> {
        self.start_ttl_sweep(interval)?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use singletable_core::number::Number;

    fn item(value: AttributeValue) -> Item {
        [("exp".to_owned(), value)].into()
    }

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(text).expect("a valid number"))
    }

    #[test]
    fn expiry_follows_dynamodb_rules() {
        let now = 1_700_000_000;
        assert!(is_expired(&item(n("1699999999")), "exp", now));
        assert!(is_expired(&item(n("1699999999.5")), "exp", now));
        assert!(!is_expired(&item(n("1700000000")), "exp", now));
        assert!(!is_expired(&item(n("1700000001")), "exp", now));
        // More than five years old: ignored.
        let too_old = (now - TTL_MAX_AGE_SECONDS - 1).to_string();
        assert!(!is_expired(&item(n(&too_old)), "exp", now));
        let just_in = (now - TTL_MAX_AGE_SECONDS).to_string();
        assert!(is_expired(&item(n(&just_in)), "exp", now));
        // Milliseconds: far in the future.
        assert!(!is_expired(&item(n("1699999999000")), "exp", now));
        // Other types and other attributes: ignored.
        assert!(!is_expired(&item(AttributeValue::S("1".to_owned())), "exp", now));
        assert!(!is_expired(&item(n("1")), "other", now));
    }
}

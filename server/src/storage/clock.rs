//! The engine clock of a durable server: the engine's own clock, pinned to one instant
//! while a write is applied or replayed.
//!
//! Point-in-time recovery and backups read the engine's clock (a write's place in a
//! table's history, a backup's creation time and ARN, the latest restorable time), so a
//! request replayed from the log must see the time it first ran at, or the replayed
//! state would differ (a backup with another ARN, a history with other times). Each
//! logged record therefore carries the instant its write was applied at
//! ([`Storage::write`](super::Storage::write) pins the clock to it for the write), and
//! recovery pins the clock to each record's instant while it replays the record.
//! Records written before times were logged replay at the current time, as they did.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use singletable_core::clock::Clock;
use singletable_core::Timestamp;

/// No instant pinned.
const UNPINNED: i64 = i64::MIN;

/// A clock that shows its base clock's time unless pinned to an instant.
pub(crate) struct PinnedClock {
    base: Arc<dyn Clock>,
    pinned: AtomicI64,
}

impl fmt::Debug for PinnedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinnedClock").field("pinned", &self.pinned.load(Ordering::SeqCst)).finish()
    }
}

impl PinnedClock {
    /// A clock over `base`, not pinned.
    pub fn new(base: Arc<dyn Clock>) -> Self {
        PinnedClock { base, pinned: AtomicI64::new(UNPINNED) }
    }

    /// The base clock's time, epoch milliseconds.
    pub fn base_now_ms(&self) -> i64 {
        self.base.now().unix_millis()
    }

    /// Shows `time_ms` until [`unpin`](Self::unpin) (`None`: the base clock's time).
    pub fn pin(&self, time_ms: Option<i64>) {
        self.pinned.store(time_ms.unwrap_or(UNPINNED), Ordering::SeqCst);
    }

    /// Shows the base clock's time again.
    pub fn unpin(&self) {
        self.pinned.store(UNPINNED, Ordering::SeqCst);
    }
}

impl Clock for PinnedClock {
    fn now(&self) -> Timestamp {
        match self.pinned.load(Ordering::SeqCst) {
            UNPINNED => self.base.now(),
            pinned => Timestamp::from_unix_millis(pinned),
        }
    }
}

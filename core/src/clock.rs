//! Clocks: where lifecycle timestamps (`created_at`, `updated_at`) and the "now" of
//! hiding expired items (`TableClient::hide_expired`) come from.
//!
//! A `TableClient` (crate `singletable-runtime`) reads the [`SystemClock`] unless given
//! another one with `TableClient::with_clock`; tests use a [`ManualClock`]
//! to pin and move time.
//!
//! ```
//! use std::time::Duration;
//! use singletable_core::clock::{Clock, ManualClock};
//! use singletable_core::Timestamp;
//!
//! let clock = ManualClock::new(Timestamp::from_unix_seconds(1_700_000_000));
//! clock.advance(Duration::from_secs(60));
//! assert_eq!(clock.now(), Timestamp::from_unix_seconds(1_700_000_060));
//! ```

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::timestamp::Timestamp;

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;

    /// Waits `duration` on this clock if it is a simulated one: a [`ManualClock`] moves
    /// forward by `duration` and answers true, so that code sleeping on it (a retry's
    /// backoff) takes no real time. Clocks that follow real time answer false (the
    /// default): the caller sleeps for real.
    fn simulated_sleep(&self, duration: Duration) -> bool {
        let _ = duration;
        false
    }
}

/// The system's wall clock ([`Timestamp::now`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until told to move: for tests. Shared (behind an `Arc`)
/// between the client and the test, which [`set`](Self::set)s or
/// [`advance`](Self::advance)s it.
#[derive(Debug, Default)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: Timestamp) -> Self {
        ManualClock { millis: AtomicI64::new(now.unix_millis()) }
    }

    /// Shows `now` from here on.
    pub fn set(&self, now: Timestamp) {
        self.millis.store(now.unix_millis(), Ordering::SeqCst);
    }

    /// Moves the clock forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let _ = self.millis.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |millis| {
            Some(millis.saturating_add(by))
        });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_millis(self.millis.load(Ordering::SeqCst))
    }

    fn simulated_sleep(&self, duration: Duration) -> bool {
        self.advance(duration);
        true
    }
}

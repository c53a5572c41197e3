//! The history of a table with point-in-time recovery: an undo log of item versions.
//!
//! # Design
//!
//! While point-in-time recovery is enabled, every write to the table (through
//! [`Table::put`](super::table::Table::put) and `Table::delete`, so every write path:
//! items, batches, transactions, PartiQL, the TTL sweep) appends one [`Change`] under
//! the table's write lock: the time of the write by the engine's clock, the item's
//! primary key and the item **as it was before** the write (`None` when there was
//! none). The table's current items plus this undo log give the table at any instant
//! `t` of the window: start from the current items and undo, newest first, every change
//! made after `t` ([`History::items_at`]).
//!
//! The log is trimmed as it grows: a change older than the recovery period (by the
//! engine's clock) can no longer be needed, since no restore may go back before
//! `now - period`. The window is `[max(enabled_at, now - period), now]`.
//!
//! # Cost
//!
//! Per write: one clock read and one entry pushed on a `VecDeque` (the key's values are
//! cloned; the old item is an `Arc` the table already held, so it is not copied). Memory:
//! about 80 bytes per write in the window plus the key's bytes, and every overwritten or
//! deleted item version of the window stays alive. A table written at 1,000 writes per
//! second keeps about 86 million entries over a day: point-in-time recovery is meant for
//! the tables of tests and development, or for short recovery periods under heavy load.
//! Without point-in-time recovery nothing is recorded and nothing is kept.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use super::key_value::PrimaryKey;
use super::stream::FeedSettings;
use singletable_core::value::Item;

/// Milliseconds in a day.
pub(crate) const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// DynamoDB's default (and longest) recovery period, in days.
pub(crate) const DEFAULT_RECOVERY_PERIOD_DAYS: u32 = 35;

/// One write, as the undo log keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    /// When the write happened, Unix epoch milliseconds by the engine's clock.
    pub time_ms: i64,
    /// The item's primary key.
    pub key: PrimaryKey,
    /// The item before the write; `None` when the write created it.
    pub old: Option<Arc<Item>>,
}

/// The point-in-time recovery state of one table: its settings and its undo log.
#[derive(Debug)]
pub(crate) struct History {
    settings: Arc<FeedSettings>,
    /// `RecoveryPeriodInDays`.
    period_days: u32,
    /// When point-in-time recovery was (last) enabled, epoch milliseconds.
    enabled_at_ms: i64,
    changes: VecDeque<Change>,
}

impl History {
    /// An empty history, enabled now (by `settings`' clock), keeping `period_days`.
    pub fn new(settings: &Arc<FeedSettings>, period_days: u32) -> Self {
        let enabled_at_ms = settings.now_ms();
        Self::restored(settings, period_days, enabled_at_ms, Vec::new())
    }

    /// A history with its settings and changes as a snapshot kept them.
    pub fn restored(
        settings: &Arc<FeedSettings>,
        period_days: u32,
        enabled_at_ms: i64,
        changes: Vec<Change>,
    ) -> Self {
        History {
            settings: Arc::clone(settings),
            period_days,
            enabled_at_ms,
            changes: changes.into(),
        }
    }

    /// `RecoveryPeriodInDays`.
    pub fn period_days(&self) -> u32 {
        self.period_days
    }

    /// Changes the recovery period (a shorter one trims at once).
    pub fn set_period_days(&mut self, period_days: u32) {
        self.period_days = period_days;
        self.trim(self.settings.now_ms());
    }

    /// When point-in-time recovery was enabled, epoch milliseconds.
    pub fn enabled_at_ms(&self) -> i64 {
        self.enabled_at_ms
    }

    /// The changes kept, oldest first.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter()
    }

    /// The restorable window now: `(earliest, latest)`, epoch milliseconds.
    pub fn window_ms(&self) -> (i64, i64) {
        let now = self.settings.now_ms();
        let period = i64::from(self.period_days).saturating_mul(DAY_MS);
        (self.enabled_at_ms.max(now.saturating_sub(period)).min(now), now)
    }

    /// Records a write of the item with `key`, which was `old` before it.
    pub fn record(&mut self, key: &PrimaryKey, old: Option<Arc<Item>>) {
        let now = self.settings.now_ms();
        self.changes.push_back(Change { time_ms: now, key: key.clone(), old });
        self.trim(now);
    }

    fn trim(&mut self, now: i64) {
        let period = i64::from(self.period_days).saturating_mul(DAY_MS);
        let horizon = now.saturating_sub(period);
        while self.changes.front().is_some_and(|oldest| oldest.time_ms < horizon) {
            self.changes.pop_front();
        }
    }

    /// The items at `time_ms`, in primary key order, given the items now (`current`):
    /// every change after `time_ms` undone, newest first. Changes are in commit order,
    /// which is time order while the clock does not go back.
    pub fn items_at(
        &self,
        current: impl Iterator<Item = (PrimaryKey, Arc<Item>)>,
        time_ms: i64,
    ) -> BTreeMap<PrimaryKey, Arc<Item>> {
        let mut items: BTreeMap<PrimaryKey, Arc<Item>> = current.collect();
        for change in self.changes.iter().rev().take_while(|change| change.time_ms > time_ms) {
            match &change.old {
                Some(old) => {
                    items.insert(change.key.clone(), Arc::clone(old));
                }
                None => {
                    items.remove(&change.key);
                }
            }
        }
        items
    }
}

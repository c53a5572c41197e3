//! The changes of a time window, from the point-in-time recovery history: what an
//! incremental export (`ExportType=INCREMENTAL_EXPORT`) writes.
//!
//! # The rules
//!
//! From the developer guide ("DynamoDB table export output format", incremental export
//! output, and "Incremental export" in "DynamoDB data export to Amazon S3: how it works")
//! and the `IncrementalExportSpecification` API reference:
//!
//! - The window is `[ExportFromTime, ExportToTime)`: inclusive start, exclusive end.
//!   `ExportToTime` defaults to the latest restorable time. Both must lie in the
//!   point-in-time recovery window; the period is at least 15 minutes and at most 24
//!   hours.
//! - Output is **compacted**: one record per item written in the window, holding its
//!   state just before the window's first write of it (`OldImage`) and just before the
//!   window's end (`NewImage`; none when the item was deleted). An item created and then
//!   deleted inside the window writes nothing; so does an item whose writes left it as it
//!   was (the engine's choice: DynamoDB's streams also skip writes that change nothing).
//! - `Metadata.WriteTimestampMicros` is the time of the item's last write in the window.
//!
//! The error texts of the window checks are the engine's own (DynamoDB's are not
//! recorded in a public source); docs/known-differences.md says so.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::backups::service;
use super::key_value::{KeyValue, PrimaryKey};
use super::pitr::{handle, millis, unavailable};
use super::MemoryBackend;
use singletable_core::error::{Error, Result};
use singletable_core::value::{AttributeValue, Item};

/// The shortest incremental export period DynamoDB accepts: 15 minutes.
pub const MIN_INCREMENTAL_PERIOD_MS: i64 = 15 * 60 * 1000;
/// The longest: 24 hours.
pub const MAX_INCREMENTAL_PERIOD_MS: i64 = 24 * 60 * 60 * 1000;

/// One item's change over a window ([`MemoryBackend::changes_between`]).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowChange {
    /// The item's primary key attributes (`Keys`).
    pub keys: Item,
    /// The item just before the window's first write of it; `None` when it did not
    /// exist (`OldImage`).
    pub old_image: Option<Arc<Item>>,
    /// The item at the window's end; `None` when it was deleted (`NewImage`).
    pub new_image: Option<Arc<Item>>,
    /// The time of the item's last write in the window, Unix epoch milliseconds.
    pub last_write_ms: i64,
}

/// A window's changes and its bounds (epoch milliseconds).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowChanges {
    /// The window's start (inclusive).
    pub from_ms: i64,
    /// The window's end (exclusive).
    pub to_ms: i64,
    /// One change per item, in primary key order.
    pub changes: Vec<WindowChange>,
}

impl MemoryBackend {
    /// The changes of table `table_name` in `[from, to)` (Unix epoch seconds, to the
    /// millisecond; `to` defaults to the latest restorable time), compacted to one
    /// record per item as an incremental export writes them (see the module docs).
    ///
    /// Fails with `TableNotFoundException` for a missing table,
    /// `PointInTimeRecoveryUnavailableException` when point-in-time recovery is off,
    /// `InvalidExportTimeException` when the window leaves the recovery window, and
    /// `ValidationException` for a period shorter than 15 minutes or longer than 24
    /// hours.
    pub fn changes_between(
        &self,
        table_name: &str,
        from: f64,
        to: Option<f64>,
    ) -> Result<WindowChanges> {
        let handle = handle(&self.catalog, table_name)?;
        let table = handle.read();
        let def = table.def();
        let history = table.history().ok_or_else(|| unavailable(&def.name))?;
        let (earliest, latest) = history.window_ms();
        let from_ms = millis(from);
        let to_ms = to.map_or(latest, millis);
        check_window(from_ms, to_ms, earliest, latest)?;

        // Per key: the state before its first write in the window and the time of its
        // last; then the state at the window's end: the `old` of its first write at or
        // after the end, else the item now.
        let mut written: BTreeMap<&PrimaryKey, (Option<Arc<Item>>, i64)> = BTreeMap::new();
        let mut after: BTreeMap<&PrimaryKey, Option<Arc<Item>>> = BTreeMap::new();
        for change in history.changes() {
            if change.time_ms < from_ms {
                continue;
            }
            if change.time_ms < to_ms {
                written.entry(&change.key).or_insert((change.old.clone(), change.time_ms)).1 =
                    change.time_ms;
            } else if written.contains_key(&change.key) {
                after.entry(&change.key).or_insert_with(|| change.old.clone());
            }
        }
        let mut changes = Vec::with_capacity(written.len());
        for (key, (old_image, last_write_ms)) in written {
            let new_image = match after.remove(key) {
                Some(state) => state,
                None => table.get(key).map(|stored| Arc::clone(&stored.item)),
            };
            if old_image == new_image {
                continue;
            }
            changes.push(WindowChange {
                keys: key_item(def.key_attributes().map(|a| a.name.as_str()), key),
                old_image,
                new_image,
                last_write_ms,
            });
        }
        Ok(WindowChanges { from_ms, to_ms, changes })
    }
}

fn check_window(from_ms: i64, to_ms: i64, earliest: i64, latest: i64) -> Result<()> {
    if to_ms <= from_ms {
        return Err(Error::validation(
            "ExportFromTime must be earlier than ExportToTime for an incremental export",
        ));
    }
    let period = to_ms - from_ms;
    if period < MIN_INCREMENTAL_PERIOD_MS {
        return Err(Error::validation(
            "The incremental export period (ExportFromTime to ExportToTime) must be at least 15 minutes",
        ));
    }
    if period > MAX_INCREMENTAL_PERIOD_MS {
        return Err(Error::validation(
            "The incremental export period (ExportFromTime to ExportToTime) must be at most 24 hours",
        ));
    }
    if from_ms < earliest || to_ms > latest {
        return Err(service(
            "InvalidExportTimeException",
            "ExportFromTime and ExportToTime must be within the table's point-in-time recovery \
             window (EarliestRestorableDateTime to LatestRestorableDateTime)"
                .to_owned(),
        ));
    }
    Ok(())
}

/// The key attributes named `names` (partition first) of `key`, as an item.
pub(crate) fn key_item<'a>(names: impl Iterator<Item = &'a str>, key: &PrimaryKey) -> Item {
    let mut values =
        std::iter::once(Some(&key.partition)).chain(std::iter::once(key.sort.as_ref()));
    names
        .filter_map(|name| {
            let value = values.next().flatten()?;
            let value = match value {
                KeyValue::S(text) => AttributeValue::S(text.clone()),
                KeyValue::N(number) => AttributeValue::N(number.clone()),
                KeyValue::B(bytes) => AttributeValue::B(bytes.clone()),
            };
            Some((name.to_owned(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use singletable_core::backend::{
        Backend, CreateTableInput, DeleteItemInput, KeySchemaElement, KeyType,
        PointInTimeRecoverySpecification, PutItemInput,
    };
    use singletable_core::clock::ManualClock;
    use singletable_core::schema::{BillingMode, KeyAttribute, ScalarType};
    use singletable_core::timestamp::Timestamp;

    const START: i64 = 1_700_000_000;

    fn item(pk: &str, n: &str) -> Item {
        Item::from([
            ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
            ("n".to_owned(), AttributeValue::N(n.parse().expect("number"))),
        ])
    }

    async fn setup() -> (MemoryBackend, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(START)));
        let db = MemoryBackend::new().with_clock(clock.clone());
        db.create_table(CreateTableInput {
            table_name: "events".to_owned(),
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
        .await
        .expect("table");
        db.update_continuous_backups(
            "events",
            PointInTimeRecoverySpecification {
                point_in_time_recovery_enabled: true,
                recovery_period_in_days: None,
            },
        )
        .await
        .expect("pitr");
        (db, clock)
    }

    async fn put(db: &MemoryBackend, item: Item) {
        db.put_item(PutItemInput { table_name: "events".to_owned(), item, ..Default::default() })
            .await
            .expect("put");
    }

    async fn delete(db: &MemoryBackend, pk: &str) {
        let key = Item::from([("pk".to_owned(), AttributeValue::S(pk.to_owned()))]);
        db.delete_item(DeleteItemInput {
            table_name: "events".to_owned(),
            key,
            ..Default::default()
        })
        .await
        .expect("delete");
    }

    fn seconds(offset: i64) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let seconds = (START + offset) as f64;
        seconds
    }

    #[tokio::test]
    async fn a_window_is_compacted_to_one_record_per_item() {
        let (db, clock) = setup().await;
        put(&db, item("before", "1")).await; // only before the window
        put(&db, item("changed", "1")).await;
        put(&db, item("deleted", "1")).await;
        put(&db, item("same", "1")).await;
        clock.advance(Duration::from_secs(60));
        // The window: [START + 60, START + 60 + 20 min).
        put(&db, item("changed", "2")).await;
        put(&db, item("changed", "3")).await;
        delete(&db, "deleted").await;
        put(&db, item("created", "1")).await;
        put(&db, item("brief", "1")).await;
        delete(&db, "brief").await;
        put(&db, item("same", "2")).await;
        put(&db, item("same", "1")).await;
        clock.advance(Duration::from_secs(10 * 60));
        put(&db, item("created", "2")).await; // the last write of `created` in the window
        clock.advance(Duration::from_secs(10 * 60));
        put(&db, item("changed", "4")).await; // after the window: not in NewImage
        clock.advance(Duration::from_secs(60));

        let window = db
            .changes_between("events", seconds(60), Some(seconds(60 + 20 * 60)))
            .expect("changes");
        let summary: Vec<(String, Option<Item>, Option<Item>, i64)> = window
            .changes
            .iter()
            .map(|c| {
                let Some(AttributeValue::S(pk)) = c.keys.get("pk") else { panic!("{c:?}") };
                (
                    pk.clone(),
                    c.old_image.as_deref().cloned(),
                    c.new_image.as_deref().cloned(),
                    c.last_write_ms,
                )
            })
            .collect();
        let at = |offset: i64| (START + offset) * 1000;
        assert_eq!(
            summary,
            vec![
                (
                    "changed".to_owned(),
                    Some(item("changed", "1")),
                    Some(item("changed", "3")),
                    at(60)
                ),
                ("created".to_owned(), None, Some(item("created", "2")), at(60 + 10 * 60)),
                ("deleted".to_owned(), Some(item("deleted", "1")), None, at(60)),
            ]
        );
        assert_eq!((window.from_ms, window.to_ms), (at(60), at(60 + 20 * 60)));
    }

    #[tokio::test]
    async fn the_window_is_checked() {
        let (db, clock) = setup().await;
        clock.advance(Duration::from_secs(2 * 60 * 60));
        let code = |result: Result<WindowChanges>| match result {
            Err(Error::Validation { message, .. }) => format!("ValidationException: {message}"),
            Err(error) => error.dynamodb_type().unwrap_or_default().to_owned(),
            Ok(_) => "ok".to_owned(),
        };
        // 14 minutes: too short; 15 minutes: the shortest accepted.
        assert!(code(db.changes_between("events", seconds(0), Some(seconds(14 * 60))))
            .contains("at least 15 minutes"));
        assert_eq!(code(db.changes_between("events", seconds(0), Some(seconds(15 * 60)))), "ok");
        assert!(code(db.changes_between("events", seconds(60), Some(seconds(0))))
            .contains("earlier than ExportToTime"));
        // Before point-in-time recovery was enabled, or past the latest restorable time.
        assert_eq!(
            code(db.changes_between("events", seconds(-60), Some(seconds(20 * 60)))),
            "InvalidExportTimeException"
        );
        assert_eq!(
            code(db.changes_between(
                "events",
                seconds(2 * 60 * 60 - 60),
                Some(seconds(3 * 60 * 60))
            )),
            "InvalidExportTimeException"
        );
        // Up to now by default.
        assert_eq!(code(db.changes_between("events", seconds(60 * 60), None)), "ok");
        clock.advance(Duration::from_secs(24 * 60 * 60));
        assert!(code(db.changes_between("events", seconds(0), None)).contains("at most 24 hours"));
        assert_eq!(code(db.changes_between("missing", seconds(0), None)), "TableNotFoundException");
    }
}

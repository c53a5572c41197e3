//! Point-in-time recovery: `UpdateContinuousBackups`, `DescribeContinuousBackups` and
//! `RestoreTableToPointInTime` (see [`MemoryBackend::update_continuous_backups`]), on
//! the per-table undo log of `history`.
//!
//! # The window
//!
//! `EarliestRestorableDateTime` is the later of the time point-in-time recovery was
//! enabled and `now - RecoveryPeriodInDays`; `LatestRestorableDateTime` is **now** (by
//! the engine's clock): the engine records every write as it commits, so it can restore
//! to the last millisecond, where DynamoDB's latest restorable time trails the present by
//! about five minutes (developer guide, "Point-in-time recovery: how it works":
//! "LatestRestorableDateTime is typically 5 minutes before the current time"). A restore
//! time is taken to the millisecond: the restored table holds every write made at or
//! before it.
//!
//! Error texts: `PointInTimeRecoveryUnavailableException` "Point in time recovery is not
//! enabled for table '\<name>'" (the text serve's exports already use);
//! `InvalidRestoreTimeException` "RestoreDateTime must be between
//! EarliestRestorableDateTime and LatestRestorableDateTime." (the exception's
//! description in the DynamoDB API reference); `SourceTableNotFoundException` "Source
//! table not found: \<name>" and `TableNotFoundException` "Table not found: \<name>"
//! (moto, whose texts follow DynamoDB's).

use std::sync::Arc;

use super::backups::service;
use super::catalog::{Catalog, TableHandle};
use super::history::{Change, History, DEFAULT_RECOVERY_PERIOD_DAYS};
use super::key_value::PrimaryKey;
use super::restore::{create_input, restore_table, Source};
use super::validate::{check_name, item_primary_key, Constraints};
use super::MemoryBackend;
use singletable_core::backend::{
    ContinuousBackupsDescription, ContinuousBackupsStatus, PointInTimeRecoveryDescription,
    PointInTimeRecoverySpecification, RestoreSummary, RestoreTableOutput,
    RestoreTableToPointInTimeInput,
};
use singletable_core::error::{Error, Result};
use singletable_core::value::Item;

/// A table's point-in-time recovery state in the engine's exported state
/// ([`TableState::point_in_time_recovery`](crate::TableState)).
#[derive(Debug, Clone, PartialEq)]
pub struct PitrState {
    /// `RecoveryPeriodInDays`.
    pub recovery_period_in_days: u32,
    /// When point-in-time recovery was enabled, Unix epoch milliseconds.
    pub enabled_at_ms: i64,
    /// The undo log, oldest first.
    pub changes: Vec<HistoryEntry>,
}

/// One write of a table's history: when, which item, and the item before it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// When the write happened, Unix epoch milliseconds.
    pub time_ms: i64,
    /// The item's key attributes.
    pub key: Item,
    /// The item before the write (`None`: the write created it).
    pub old: Option<Arc<Item>>,
}

fn table_not_found(name: &str) -> Error {
    service("TableNotFoundException", format!("Table not found: {name}"))
}

pub(crate) fn unavailable(name: &str) -> Error {
    service(
        "PointInTimeRecoveryUnavailableException",
        format!("Point in time recovery is not enabled for table '{name}'"),
    )
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Epoch seconds as milliseconds (to the nearest: `f64` seconds of a millisecond time
/// are not exact).
pub(crate) fn millis(seconds: f64) -> i64 {
    let ms = (seconds * 1000.0).round();
    // `as` saturates at the bounds of `i64` (and maps NaN to 0): no wrap, and any time
    // that far out is outside every window anyway.
    #[allow(clippy::cast_possible_truncation)]
    let ms = ms as i64;
    ms
}

fn describe(history: Option<&History>) -> ContinuousBackupsDescription {
    let point_in_time_recovery_description = match history {
        None => PointInTimeRecoveryDescription {
            point_in_time_recovery_status: ContinuousBackupsStatus::Disabled,
            recovery_period_in_days: None,
            earliest_restorable_date_time: None,
            latest_restorable_date_time: None,
        },
        Some(history) => {
            let (earliest, latest) = history.window_ms();
            PointInTimeRecoveryDescription {
                point_in_time_recovery_status: ContinuousBackupsStatus::Enabled,
                recovery_period_in_days: Some(history.period_days()),
                earliest_restorable_date_time: Some(seconds(earliest)),
                latest_restorable_date_time: Some(seconds(latest)),
            }
        }
    };
    ContinuousBackupsDescription {
        continuous_backups_status: ContinuousBackupsStatus::Enabled,
        point_in_time_recovery_description,
    }
}

pub(crate) fn handle(catalog: &Catalog, table_name: &str) -> Result<Arc<TableHandle>> {
    check_name(table_name)?;
    catalog.table(table_name).map_err(|_| table_not_found(table_name))
}

/// `UpdateContinuousBackups`.
pub(crate) fn update_continuous_backups(
    catalog: &Catalog,
    table_name: &str,
    specification: PointInTimeRecoverySpecification,
) -> Result<ContinuousBackupsDescription> {
    if let Some(days) = specification.recovery_period_in_days {
        let mut constraints = Constraints::default();
        let at = "pointInTimeRecoverySpecification.recoveryPeriodInDays";
        if days < 1 {
            constraints.push(
                &days.to_string(),
                at,
                "Member must have value greater than or equal to 1",
            );
        } else if days > 35 {
            constraints.push(
                &days.to_string(),
                at,
                "Member must have value less than or equal to 35",
            );
        }
        constraints.finish()?;
    }
    let handle = handle(catalog, table_name)?;
    let mut table = handle.write();
    if specification.point_in_time_recovery_enabled {
        let days = specification.recovery_period_in_days.unwrap_or(DEFAULT_RECOVERY_PERIOD_DAYS);
        match table.history_mut() {
            Some(history) => history.set_period_days(days),
            None => table.set_history(Some(History::new(catalog.feeds(), days))),
        }
    } else {
        if specification.recovery_period_in_days.is_some() {
            return Err(Error::validation(
                "RecoveryPeriodInDays can only be specified when PointInTimeRecoveryEnabled is true",
            ));
        }
        table.set_history(None);
    }
    Ok(describe(table.history()))
}

/// `DescribeContinuousBackups`.
pub(crate) fn describe_continuous_backups(
    catalog: &Catalog,
    table_name: &str,
) -> Result<ContinuousBackupsDescription> {
    let handle = handle(catalog, table_name)?;
    let table = handle.read();
    Ok(describe(table.history()))
}

/// The items of `handle`'s table at `time_ms` (in primary key order) and the time used;
/// `None` for the latest restorable time. Fails when point-in-time recovery is off or
/// the time is outside the window.
fn items_at(handle: &TableHandle, time_ms: Option<i64>) -> Result<(Vec<Arc<Item>>, i64)> {
    let table = handle.read();
    let name = &table.def().name;
    let history = table.history().ok_or_else(|| unavailable(name))?;
    let (earliest, latest) = history.window_ms();
    let time_ms = time_ms.unwrap_or(latest);
    if time_ms < earliest || time_ms > latest {
        return Err(service(
            "InvalidRestoreTimeException",
            "RestoreDateTime must be between EarliestRestorableDateTime and LatestRestorableDateTime."
                .to_owned(),
        ));
    }
    let current =
        table.partitions_from(std::ops::Bound::Unbounded).flat_map(|(partition, items)| {
            items.iter().map(move |(sort, stored)| {
                let key = PrimaryKey { partition: partition.clone(), sort: sort.clone() };
                (key, Arc::clone(&stored.item))
            })
        });
    let items = history.items_at(current, time_ms).into_values().collect();
    Ok((items, time_ms))
}

/// `RestoreTableToPointInTime`.
pub(crate) fn restore_table_to_point_in_time(
    catalog: &Catalog,
    input: RestoreTableToPointInTimeInput,
) -> Result<RestoreTableOutput> {
    let source_name = match (&input.source_table_arn, &input.source_table_name) {
        (Some(arn), _) => {
            arn.rsplit_once(":table/").map(|(_, name)| name).unwrap_or(arn).to_owned()
        }
        (None, Some(name)) => name.clone(),
        (None, None) => {
            return Err(Error::validation(
                "Either SourceTableArn or SourceTableName must be specified",
            ))
        }
    };
    let time_ms = match (input.use_latest_restorable_time, input.restore_date_time) {
        (true, Some(_)) => {
            return Err(Error::validation(
                "Only one of RestoreDateTime or UseLatestRestorableTime can be specified",
            ))
        }
        (false, None) => {
            return Err(Error::validation(
                "Either RestoreDateTime or UseLatestRestorableTime must be specified",
            ))
        }
        (true, None) => None,
        (false, Some(time)) => Some(millis(time)),
    };
    let source_missing = || {
        service("SourceTableNotFoundException", format!("Source table not found: {source_name}"))
    };
    let handle = catalog.table(&source_name).map_err(|_| source_missing())?;
    if let Some(arn) = &input.source_table_arn {
        if handle.def().arn != *arn {
            return Err(source_missing());
        }
    }
    check_name(&input.target_table_name)?;
    if catalog.table(&input.target_table_name).is_ok() {
        return Err(service(
            "TableAlreadyExistsException",
            format!("Table already exists: {}", input.target_table_name),
        ));
    }
    let (items, time_ms) = items_at(&handle, time_ms)?;
    let def = handle.def();
    let summary = RestoreSummary {
        source_backup_arn: None,
        source_table_arn: def.arn.clone(),
        restore_date_time: seconds(time_ms),
        restore_in_progress: false,
    };
    let source = Source { definition: create_input(&def), items };
    let table_description = restore_table(
        catalog,
        &input.target_table_name,
        source,
        &input.overrides,
        summary.clone(),
    )?;
    Ok(RestoreTableOutput { table_description, restore_summary: summary })
}

/// A table's history for the exported state.
pub(crate) fn export_history(history: &History, def: &super::definition::TableDef) -> PitrState {
    PitrState {
        recovery_period_in_days: history.period_days(),
        enabled_at_ms: history.enabled_at_ms(),
        changes: history
            .changes()
            .map(|change| HistoryEntry {
                time_ms: change.time_ms,
                key: key_item(def, change),
                old: change.old.clone(),
            })
            .collect(),
    }
}

/// The key attributes of a change, as an item.
fn key_item(def: &super::definition::TableDef, change: &Change) -> Item {
    super::incremental::key_item(def.key_attributes().map(|a| a.name.as_str()), &change.key)
}

/// A history from the exported state, for the table `def`.
pub(crate) fn import_history(
    catalog: &Catalog,
    def: &super::definition::TableDef,
    state: PitrState,
) -> Result<History> {
    let changes = state
        .changes
        .into_iter()
        .map(|entry| {
            let key = item_primary_key(def, &entry.key).map_err(|error| {
                Error::validation(format!(
                    "Cannot restore the point-in-time history of table {}: {error}",
                    def.name
                ))
            })?;
            Ok(Change { time_ms: entry.time_ms, key, old: entry.old })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(History::restored(
        catalog.feeds(),
        state.recovery_period_in_days,
        state.enabled_at_ms,
        changes,
    ))
}

impl MemoryBackend {
    /// `UpdateContinuousBackups`: enables point-in-time recovery on a table (keeping
    /// `RecoveryPeriodInDays`, 1–35, 35 when absent; enabling it again changes only the
    /// period) or disables it (dropping the history: enabling it later starts a new
    /// window, as in DynamoDB). From then on every write to the table is kept in its
    /// history for the recovery period, by the engine's clock (see the `history` module
    /// for the memory it costs).
    ///
    /// Fails with `ValidationException` for a period outside 1–35 (or one given while
    /// disabling) and [`Error::Service`] `TableNotFoundException` for a missing table.
    pub async fn update_continuous_backups(
        &self,
        table_name: &str,
        specification: PointInTimeRecoverySpecification,
    ) -> Result<ContinuousBackupsDescription> {
        update_continuous_backups(&self.catalog, table_name, specification)
    }

    /// `DescribeContinuousBackups`: the table's point-in-time recovery status and window
    /// (`LatestRestorableDateTime` is now: see the module docs). Fails with
    /// `TableNotFoundException` for a missing table.
    pub async fn describe_continuous_backups(
        &self,
        table_name: &str,
    ) -> Result<ContinuousBackupsDescription> {
        describe_continuous_backups(&self.catalog, table_name)
    }

    /// `RestoreTableToPointInTime`: a new table `TargetTableName` holding the source
    /// table's items as they were at `RestoreDateTime` (or now, with
    /// `UseLatestRestorableTime`), with the source's **current** definition and the
    /// overrides (as DynamoDB restores: indexes and throughput "come from the current
    /// settings of the source table at the time of restore"); no stream, TTL, tags or
    /// point-in-time recovery. `ACTIVE` when the call returns.
    ///
    /// Fails with `ValidationException` (no source, both or neither of the times, an
    /// invalid target or overrides), [`Error::Service`] `SourceTableNotFoundException`,
    /// `TableAlreadyExistsException`, `PointInTimeRecoveryUnavailableException` (not
    /// enabled on the source) or `InvalidRestoreTimeException` (outside the window).
    pub async fn restore_table_to_point_in_time(
        &self,
        input: RestoreTableToPointInTimeInput,
    ) -> Result<RestoreTableOutput> {
        restore_table_to_point_in_time(&self.catalog, input)
    }

    /// The items of table `table_name` as they were at `time` (Unix epoch seconds, to
    /// the millisecond), in primary key order: what `RestoreTableToPointInTime` would
    /// restore, and what an export at `ExportTime` writes. Fails as that restore does
    /// for a missing table (`TableNotFoundException`), point-in-time recovery not
    /// enabled, or a time outside the window.
    pub fn items_at_time(&self, table_name: &str, time: f64) -> Result<Vec<Arc<Item>>> {
        let handle = handle(&self.catalog, table_name)?;
        items_at(&handle, Some(millis(time))).map(|(items, _)| items)
    }
}

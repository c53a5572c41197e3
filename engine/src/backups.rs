//! On-demand backups: `CreateBackup`, `DescribeBackup`, `ListBackups`, `DeleteBackup`
//! and `RestoreTableFromBackup` (see [`MemoryBackend::create_backup`]).
//!
//! A backup is a consistent cut of one table, taken under the table's read lock: its
//! definition as it is then (indexes, billing, stream, TTL attribute) and its items,
//! shared with the table (one pointer per item; an item is copied only when the table
//! changes it later, since items are immutable `Arc`s). Backups live in the catalog
//! beside the tables and outlive the table they were made from, as in DynamoDB. They
//! are part of the engine's exported state ([`EngineState::backups`](crate::EngineState)),
//! so `singletable serve --data-dir` keeps them across restarts.
//!
//! A backup is `AVAILABLE` as soon as `CreateBackup` returns (DynamoDB answers
//! `CREATING` and finishes in the background), and a restore is complete when its call
//! returns; nothing is ever `CREATING`, so `BackupInUseException` never happens.
//!
//! Error texts, as DynamoDB words them (recorded by moto, `moto/dynamodb/exceptions.py`,
//! whose texts follow DynamoDB's): `TableNotFoundException` "Table not found: \<name>",
//! `BackupNotFoundException` "Backup not found: \<arn>", `TableAlreadyExistsException`
//! "Table already exists: \<name>".

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::catalog::{Catalog, TableHandle};
use super::restore::{create_input, restore_table, Source};
use super::snapshot::TableState;
use super::validate::{check_name, Constraints};
use super::MemoryBackend;
use singletable_core::backend::{
    BackupDescription, BackupDetails, BackupStatus, BackupType, CreateTableInput, ListBackupsInput,
    ListBackupsOutput, RestoreSummary, RestoreTableFromBackupInput, RestoreTableOutput,
    SourceTableDetails, SourceTableFeatureDetails,
};
use singletable_core::error::{Error, Result};
use singletable_core::size::item_size;
use singletable_core::value::Item;

/// `ListBackups` returns at most this many backups per page.
const MAX_LIST_LIMIT: u32 = 100;
/// Days a system backup is kept.
const SYSTEM_BACKUP_DAYS: f64 = 35.0;

/// A backup as the engine's exported state holds it (see [`EngineState`](crate::EngineState)).
#[derive(Debug, Clone, PartialEq)]
pub struct BackupState {
    /// `BackupArn`.
    pub backup_arn: String,
    /// `BackupName`.
    pub backup_name: String,
    /// `BackupCreationDateTime`, Unix epoch seconds.
    pub backup_creation_date_time: f64,
    /// The source table's `TableId`.
    pub table_id: String,
    /// `BackupType`: `USER` (`CreateBackup`) or `SYSTEM` (made when a table with
    /// point-in-time recovery enabled was deleted).
    pub backup_type: BackupType,
    /// The source table as backed up: its definition, ARN, creation time, TTL attribute
    /// and items (no tags, no point-in-time recovery history).
    pub table: TableState,
}

/// One backup: its description and what a restore needs.
#[derive(Debug, Clone)]
pub(crate) struct Backup {
    description: BackupDescription,
    definition: CreateTableInput,
    items: Arc<Vec<Arc<Item>>>,
}

/// The backups of one engine, by ARN.
#[derive(Debug, Default)]
pub(crate) struct BackupStore {
    backups: Mutex<BTreeMap<String, Backup>>,
}

impl BackupStore {
    pub(crate) fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Backup>> {
        self.backups.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A DynamoDB exception the engine raises by name.
pub(crate) fn service(code: &str, message: String) -> Error {
    Error::Service { code: code.to_owned(), message, source: None }
}

/// FNV-1a over `parts`: the deterministic "random" parts of ARNs and ids, so that a
/// request replayed from `singletable serve`'s log on the same state names the same
/// backup.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The `TableId` of a table: a UUID-shaped value derived from its ARN and creation time.
pub(crate) fn table_id(arn: &str, creation_date_time: f64) -> String {
    let bits = creation_date_time.to_bits().to_le_bytes();
    let high = fnv(&[arn.as_bytes(), &bits]);
    let low = fnv(&[&bits, arn.as_bytes()]);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

fn table_not_found(name: &str) -> Error {
    service("TableNotFoundException", format!("Table not found: {name}"))
}

fn backup_not_found(arn: &str) -> Error {
    service("BackupNotFoundException", format!("Backup not found: {arn}"))
}

/// The source table's description in a backup, from the table state `table`.
fn describe(
    backup_arn: String,
    backup_name: String,
    created: f64,
    table_id: String,
    backup_type: BackupType,
    table: &TableState,
) -> BackupDescription {
    let size: u64 = table.items.iter().map(|item| item_size(item) as u64).sum();
    let definition = &table.definition;
    BackupDescription {
        backup_details: BackupDetails {
            backup_arn,
            backup_name,
            backup_size_bytes: size,
            backup_status: BackupStatus::Available,
            backup_type,
            backup_creation_date_time: created,
            // A system backup is kept 35 days ("retains it for 35 days",
            // PointInTimeRecovery_Howitworks, deleting a table with PITR enabled).
            backup_expiry_date_time: (backup_type == BackupType::System)
                .then_some(created + SYSTEM_BACKUP_DAYS * 86_400.0),
        },
        source_table_details: SourceTableDetails {
            table_name: definition.table_name.clone(),
            table_id,
            table_arn: table.arn.clone(),
            table_size_bytes: size,
            key_schema: definition.key_schema.clone(),
            table_creation_date_time: table.creation_date_time,
            billing_mode: definition.billing_mode,
            item_count: table.items.len() as u64,
        },
        source_table_feature_details: SourceTableFeatureDetails {
            global_secondary_indexes: definition.global_secondary_indexes.clone(),
            local_secondary_indexes: definition.local_secondary_indexes.clone(),
            stream: definition.stream,
            time_to_live_attribute: table.time_to_live_attribute.clone(),
        },
    }
}

impl Backup {
    fn from_state(state: BackupState) -> Self {
        let description = describe(
            state.backup_arn,
            state.backup_name,
            state.backup_creation_date_time,
            state.table_id,
            state.backup_type,
            &state.table,
        );
        Backup {
            description,
            definition: state.table.definition,
            items: Arc::new(state.table.items),
        }
    }

    fn to_state(&self) -> BackupState {
        let details = &self.description.backup_details;
        let source = &self.description.source_table_details;
        BackupState {
            backup_arn: details.backup_arn.clone(),
            backup_name: details.backup_name.clone(),
            backup_creation_date_time: details.backup_creation_date_time,
            table_id: source.table_id.clone(),
            backup_type: details.backup_type,
            table: TableState {
                definition: self.definition.clone(),
                arn: source.table_arn.clone(),
                creation_date_time: source.table_creation_date_time,
                stream_date_time: None,
                time_to_live_attribute: self
                    .description
                    .source_table_feature_details
                    .time_to_live_attribute
                    .clone(),
                tags: Vec::new(),
                items: self.items.as_ref().clone(),
                point_in_time_recovery: None,
                restore_summary: None,
            },
        }
    }
}

/// The state of `handle` now (definition, TTL, items), for a backup.
pub(crate) fn table_state(handle: &TableHandle) -> TableState {
    let time_to_live_attribute = handle.ttl().clone();
    let table = handle.read();
    let def = table.def();
    let items = table
        .partitions_from(std::ops::Bound::Unbounded)
        .flat_map(|(_, partition)| partition.values())
        .map(|stored| Arc::clone(&stored.item))
        .collect();
    TableState {
        definition: create_input(def),
        arn: def.arn.clone(),
        creation_date_time: def.creation_date_time,
        stream_date_time: None,
        time_to_live_attribute,
        tags: Vec::new(),
        items,
        point_in_time_recovery: None,
        restore_summary: None,
    }
}

fn check_backup_name(name: &str) -> Result<()> {
    let mut constraints = Constraints::default();
    constraints.length(name, name.chars().count(), "backupName", 3, 255);
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        constraints.push(
            name,
            "backupName",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        );
    }
    constraints.finish()
}

/// `CreateBackup`.
pub(crate) fn create_backup(
    catalog: &Catalog,
    table_name: &str,
    backup_name: &str,
) -> Result<BackupDetails> {
    check_backup_name(backup_name)?;
    check_name(table_name)?;
    let handle = catalog.table(table_name).map_err(|_| table_not_found(table_name))?;
    let state = table_state(&handle);
    drop(handle);
    Ok(insert_backup(catalog, state, backup_name, BackupType::User))
}

/// The system backup DynamoDB makes of a table with point-in-time recovery enabled as it
/// is deleted: named `<table>$DeletedTableBackup` ("All system backups follow a standard
/// naming convention of table-name$DeletedTableBackup"), of type `SYSTEM`, kept 35 days,
/// restorable to the state just before the deletion. Nothing for a table without it.
pub(crate) fn system_backup_of_deleted(catalog: &Catalog, handle: &TableHandle) {
    if handle.read().history().is_none() {
        return;
    }
    let state = table_state(handle);
    let name = format!("{}$DeletedTableBackup", state.definition.table_name);
    insert_backup(catalog, state, &name, BackupType::System);
}

/// Stores a backup of `state` under a new ARN made from the table, the time and the name.
fn insert_backup(
    catalog: &Catalog,
    state: TableState,
    backup_name: &str,
    backup_type: BackupType,
) -> BackupDetails {
    let now_ms = catalog.feeds().now_ms();
    let millis = u64::try_from(now_ms).unwrap_or(0);
    let mut backups = catalog.backups().map();
    let mut attempt = 0u64;
    let arn = loop {
        let hash = fnv(&[
            state.arn.as_bytes(),
            &millis.to_le_bytes(),
            backup_name.as_bytes(),
            &attempt.to_le_bytes(),
        ]);
        let arn = format!("{}/backup/{millis:014}-{:08x}", state.arn, hash & 0xffff_ffff);
        if !backups.contains_key(&arn) {
            break arn;
        }
        attempt += 1;
    };
    let table_id = table_id(&state.arn, state.creation_date_time);
    let created = now_ms as f64 / 1000.0;
    let backup = Backup::from_state(BackupState {
        backup_arn: arn.clone(),
        backup_name: backup_name.to_owned(),
        backup_creation_date_time: created,
        table_id,
        backup_type,
        table: state,
    });
    let details = backup.description.backup_details.clone();
    backups.insert(arn, backup);
    details
}

/// Forgets the system backups whose 35 days are over (by the engine's clock).
fn forget_expired(catalog: &Catalog, backups: &mut BTreeMap<String, Backup>) {
    let now = catalog.feeds().now_ms() as f64 / 1000.0;
    backups.retain(|_, backup| {
        backup.description.backup_details.backup_expiry_date_time.is_none_or(|end| end > now)
    });
}

/// `DescribeBackup`.
pub(crate) fn describe_backup(catalog: &Catalog, arn: &str) -> Result<BackupDescription> {
    let mut backups = catalog.backups().map();
    forget_expired(catalog, &mut backups);
    backups.get(arn).map(|backup| backup.description.clone()).ok_or_else(|| backup_not_found(arn))
}

/// `DeleteBackup`: the backup's description with status `DELETED`.
pub(crate) fn delete_backup(catalog: &Catalog, arn: &str) -> Result<BackupDescription> {
    let mut backups = catalog.backups().map();
    forget_expired(catalog, &mut backups);
    let backup = backups.remove(arn).ok_or_else(|| backup_not_found(arn))?;
    let mut description = backup.description;
    description.backup_details.backup_status = BackupStatus::Deleted;
    Ok(description)
}

/// `ListBackups`: oldest first (then by ARN), filtered, in pages.
pub(crate) fn list_backups(
    catalog: &Catalog,
    input: &ListBackupsInput,
) -> Result<ListBackupsOutput> {
    let mut constraints = Constraints::default();
    let limit = input.limit.unwrap_or(MAX_LIST_LIMIT);
    if limit < 1 {
        constraints.push(
            &limit.to_string(),
            "limit",
            "Member must have value greater than or equal to 1",
        );
    } else if limit > MAX_LIST_LIMIT {
        constraints.push(
            &limit.to_string(),
            "limit",
            "Member must have value less than or equal to 100",
        );
    }
    if let Some(name) = &input.table_name {
        constraints.length(name, name.len(), "tableName", 3, 255);
    }
    constraints.finish()?;
    if let (Some(lower), Some(upper)) = (input.time_range_lower_bound, input.time_range_upper_bound)
    {
        if lower > upper {
            return Err(Error::validation(
                "TimeRangeUpperBound must be greater than TimeRangeLowerBound",
            ));
        }
    }
    let filter = input.backup_type.unwrap_or_default();
    let mut backups = catalog.backups().map();
    forget_expired(catalog, &mut backups);
    let mut matching: Vec<&BackupDescription> = backups
        .values()
        .map(|backup| &backup.description)
        .filter(|d| {
            let created = d.backup_details.backup_creation_date_time;
            input.table_name.as_ref().is_none_or(|name| d.source_table_details.table_name == *name)
                && filter.admits(d.backup_details.backup_type)
                && input.time_range_lower_bound.is_none_or(|lower| created >= lower)
                && input.time_range_upper_bound.is_none_or(|upper| created < upper)
        })
        .collect();
    matching.sort_by(|a, b| {
        let (a, b) = (&a.backup_details, &b.backup_details);
        a.backup_creation_date_time
            .total_cmp(&b.backup_creation_date_time)
            .then_with(|| a.backup_arn.cmp(&b.backup_arn))
    });
    let start = match &input.exclusive_start_backup_arn {
        None => 0,
        Some(arn) => match matching.iter().position(|d| d.backup_details.backup_arn == *arn) {
            Some(position) => position + 1,
            None => {
                // Not one of the listed backups: resume after its place in the order.
                let Some(after) = backups.get(arn) else {
                    return Err(backup_not_found(arn));
                };
                let key = (after.description.backup_details.backup_creation_date_time, arn);
                matching
                    .iter()
                    .position(|d| {
                        let details = &d.backup_details;
                        (details.backup_creation_date_time, &details.backup_arn) > (key.0, key.1)
                    })
                    .unwrap_or(matching.len())
            }
        },
    };
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let page: Vec<&BackupDescription> = matching.iter().skip(start).take(limit).copied().collect();
    let more = start + page.len() < matching.len();
    Ok(ListBackupsOutput {
        last_evaluated_backup_arn: if more {
            page.last().map(|d| d.backup_details.backup_arn.clone())
        } else {
            None
        },
        backup_summaries: page.into_iter().map(BackupDescription::summary).collect(),
    })
}

/// `RestoreTableFromBackup`.
pub(crate) fn restore_table_from_backup(
    catalog: &Catalog,
    input: RestoreTableFromBackupInput,
) -> Result<RestoreTableOutput> {
    let backup = {
        let mut backups = catalog.backups().map();
        forget_expired(catalog, &mut backups);
        backups
            .get(&input.backup_arn)
            .cloned()
            .ok_or_else(|| backup_not_found(&input.backup_arn))?
    };
    let items = Arc::unwrap_or_clone(backup.items);
    let details = &backup.description.backup_details;
    let summary = RestoreSummary {
        source_backup_arn: Some(details.backup_arn.clone()),
        source_table_arn: backup.description.source_table_details.table_arn.clone(),
        restore_date_time: details.backup_creation_date_time,
        restore_in_progress: false,
    };
    let source = Source { definition: backup.definition, items };
    let table_description = restore_table(
        catalog,
        &input.target_table_name,
        source,
        &input.overrides,
        summary.clone(),
    )?;
    Ok(RestoreTableOutput { table_description, restore_summary: summary })
}

/// The backups, for the engine's exported state.
pub(crate) fn export_backups(catalog: &Catalog) -> Vec<BackupState> {
    catalog.backups().map().values().map(Backup::to_state).collect()
}

/// Adds backups from an exported state (an ARN present already is replaced).
pub(crate) fn import_backups(catalog: &Catalog, backups: Vec<BackupState>) {
    let mut map = catalog.backups().map();
    for state in backups {
        map.insert(state.backup_arn.clone(), Backup::from_state(state));
    }
}

impl MemoryBackend {
    /// `CreateBackup`: a backup named `backup_name` of the table `table_name` as it is
    /// now (definition, TTL attribute, items), `AVAILABLE` at once. Its ARN is
    /// `<table ARN>/backup/<14-digit epoch millis>-<8 hex digits>`, the time by the
    /// engine's clock ([`with_clock`](Self::with_clock)).
    ///
    /// Fails with `ValidationException` for a backup name of other than 3–255 characters
    /// of `[a-zA-Z0-9_.-]`, and [`Error::Service`] `TableNotFoundException` ("Table not
    /// found: \<name>") for a missing table.
    pub async fn create_backup(
        &self,
        table_name: &str,
        backup_name: &str,
    ) -> Result<BackupDetails> {
        create_backup(&self.catalog, table_name, backup_name)
    }

    /// `DescribeBackup`. Fails with [`Error::Service`] `BackupNotFoundException`
    /// ("Backup not found: \<arn>").
    pub async fn describe_backup(&self, backup_arn: &str) -> Result<BackupDescription> {
        describe_backup(&self.catalog, backup_arn)
    }

    /// `ListBackups`: the backups that pass `input`'s filters (table name, creation time
    /// in `[lower, upper)`, backup type: `USER` unless told), oldest first, at most
    /// `Limit` (1–100) per page, after `ExclusiveStartBackupArn`; the last one's ARN as
    /// `LastEvaluatedBackupArn` when more remain.
    pub async fn list_backups(&self, input: ListBackupsInput) -> Result<ListBackupsOutput> {
        list_backups(&self.catalog, &input)
    }

    /// `DeleteBackup`: removes the backup; answers its description with status
    /// `DELETED`. Fails as [`describe_backup`](Self::describe_backup) does.
    pub async fn delete_backup(&self, backup_arn: &str) -> Result<BackupDescription> {
        delete_backup(&self.catalog, backup_arn)
    }

    /// `RestoreTableFromBackup`: a new table `TargetTableName` with the backup's
    /// definition (with the overrides applied: billing mode and throughput, GSIs, LSIs;
    /// no stream, no TTL, no tags, no point-in-time recovery, as DynamoDB restores) and
    /// its items, `ACTIVE` when the call returns.
    ///
    /// Fails with [`Error::Service`] `BackupNotFoundException`,
    /// `TableAlreadyExistsException` ("Table already exists: \<name>"), or
    /// `ValidationException` for a target name or overrides `CreateTable` would refuse.
    pub async fn restore_table_from_backup(
        &self,
        input: RestoreTableFromBackupInput,
    ) -> Result<RestoreTableOutput> {
        restore_table_from_backup(&self.catalog, input)
    }
}

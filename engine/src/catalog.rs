//! The catalog: which tables exist, and the table-level operations (`CreateTable`,
//! `DeleteTable`, `DescribeTable`, `ListTables`; `UpdateTable` in `update_table`, tags in
//! `tags`).
//!
//! # Locking
//!
//! The catalog map sits behind one `RwLock`, held only long enough to look a table up,
//! add or remove one; each table sits behind its own `RwLock`. The catalog lock is never
//! held while a table lock is taken, and an operation that locks several tables (a
//! transaction) takes them in table-name order, so no two requests can wait on each
//! other. A poisoned lock is recovered, not propagated: every write leaves a table
//! consistent before it can fail.
//!
//! # Definitions that change (`UpdateTable`)
//!
//! A table's definition (`TableDef`: its indexes, billing mode, stream) can change while
//! requests run, without any engine-wide gate. The definition in force is the one the
//! table's data holds ([`Table::def`], under the table lock): index stores and the
//! change feed always match it. [`TableHandle`] also publishes it in an
//! [`ArcSwap`], so that a request can check its parameters against it *before* taking
//! the lock (DynamoDB's validation comes first, and keeping it out of the lock keeps
//! writers short). `UpdateTable` builds the new definition and its index stores under
//! the table's write lock, then swaps both the table's and the published definition
//! before releasing it.
//!
//! A request therefore validates against a loaded definition `d`, then takes the lock
//! with [`TableHandle::read_current`] / [`TableHandle::write_current`], which hand out
//! the guard only if the table's definition is still `d` (pointer equality). When an
//! `UpdateTable` came in between, the request starts over with the new definition. So
//! every request sees one definition from its first check to its last write, the old
//! or the new one, never a mix; and since definition changes are rare, the retry costs
//! nothing in the common case. Multi-item requests follow the same rule per table (see
//! `batch` and `transact`).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;

use super::backups::BackupStore;
use super::create_table::table_def;
use super::definition::TableDef;
use super::stream::FeedSettings;
use super::table::Table;
use super::validate::{check_name, Constraints};
use singletable_core::backend::{
    CreateTableInput, IndexStatistics, ListTablesInput, ListTablesOutput, TableDescription,
    TableStatus,
};
use singletable_core::error::{Error, Result};

/// `ListTables` returns at most this many names per page.
const MAX_LIST_LIMIT: u32 = 100;

/// One table: its definition (published for reading without the lock), its data and
/// its settings.
#[derive(Debug)]
pub(crate) struct TableHandle {
    /// The definition in force, as published by the last `UpdateTable` (see the module
    /// docs): equal to the data's own definition whenever the data lock is free.
    def: ArcSwap<TableDef>,
    data: RwLock<Table>,
    /// The `TimeToLive` attribute name, while TTL is enabled.
    ttl: Mutex<Option<String>>,
    /// The table's tags, by key.
    tags: Mutex<BTreeMap<String, String>>,
}

impl TableHandle {
    /// A handle over `data`, with its TTL setting and tags.
    pub fn new(data: Table, ttl: Option<String>, tags: BTreeMap<String, String>) -> Self {
        TableHandle {
            def: ArcSwap::new(Arc::clone(data.def_arc())),
            data: RwLock::new(data),
            ttl: Mutex::new(ttl),
            tags: Mutex::new(tags),
        }
    }

    /// The definition in force now: what a request validates against before it takes
    /// the lock with [`read_current`](Self::read_current) or
    /// [`write_current`](Self::write_current).
    pub fn def(&self) -> Arc<TableDef> {
        self.def.load_full()
    }

    /// Shared access to the data, whatever its definition (for readers that take the
    /// definition from the guard: [`Table::def`]).
    pub fn read(&self) -> RwLockReadGuard<'_, Table> {
        self.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Exclusive access to the data, whatever its definition (for writers that take the
    /// definition from the guard).
    pub fn write(&self) -> RwLockWriteGuard<'_, Table> {
        self.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Shared access to the data if its definition is still `def`; `None` when an
    /// `UpdateTable` replaced it since `def` was loaded (the caller starts over).
    pub fn read_current(&self, def: &Arc<TableDef>) -> Option<RwLockReadGuard<'_, Table>> {
        let table = self.read();
        Arc::ptr_eq(table.def_arc(), def).then_some(table)
    }

    /// Exclusive access to the data if its definition is still `def`; `None` when an
    /// `UpdateTable` replaced it since `def` was loaded (the caller starts over).
    pub fn write_current(&self, def: &Arc<TableDef>) -> Option<RwLockWriteGuard<'_, Table>> {
        let table = self.write();
        Arc::ptr_eq(table.def_arc(), def).then_some(table)
    }

    /// Publishes the definition the data now holds (`UpdateTable`, under the write
    /// lock `table`).
    pub fn publish(&self, table: &Table) {
        self.def.store(Arc::clone(table.def_arc()));
    }

    /// The `TimeToLive` attribute name, while TTL is enabled.
    pub fn ttl(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.ttl.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The table's tags, by key.
    pub fn tags(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.tags.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The table's description, with `table_status`.
    pub fn describe(&self, table_status: TableStatus) -> TableDescription {
        let table = self.read();
        let def = table.def();
        let index_statistics = def
            .indexes
            .iter()
            .enumerate()
            .map(|(position, index)| IndexStatistics {
                index_name: index.name.clone(),
                item_count: table.index(position).map_or(0, |store| store.item_count()),
                index_size_bytes: table.index(position).map_or(0, |store| store.size_bytes()),
                // The engine fills a new index before `UpdateTable` returns.
                index_status: Some(TableStatus::Active),
            })
            .collect();
        TableDescription {
            table_name: def.name.clone(),
            table_status,
            attribute_definitions: def.attribute_definitions.clone(),
            key_schema: def.key_schema.clone(),
            global_secondary_indexes: def.global_secondary_indexes.clone(),
            local_secondary_indexes: def.local_secondary_indexes.clone(),
            billing_mode: def.billing_mode,
            stream: def.stream,
            item_count: table.item_count(),
            table_size_bytes: table.size_bytes(),
            table_arn: def.arn.clone(),
            creation_date_time: def.creation_date_time,
            index_statistics,
            restore_summary: def.restore_summary.clone(),
        }
    }
}

/// The tables of one engine.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    tables: RwLock<BTreeMap<String, Arc<TableHandle>>>,
    /// The settings of every table's change feed (`stream`).
    feeds: Arc<FeedSettings>,
    /// The on-demand backups (`backups`).
    backups: BackupStore,
}

/// A missing table, as the data-plane operations (items, queries, scans, batches,
/// transactions) answer it: `Requested resource not found` (DynamoDB Local: `Cannot do
/// operations on a non-existent table`; docs/error-texts.md).
pub(crate) fn not_found() -> Error {
    Error::resource_not_found("Requested resource not found")
}

/// A missing table, as the table operations (`DescribeTable`, `DeleteTable`,
/// `UpdateTable`, `DescribeTimeToLive`, `UpdateTimeToLive`) answer it.
pub(crate) fn table_not_found(name: &str) -> Error {
    Error::resource_not_found(format!("Requested resource not found: Table: {name} not found"))
}

/// `ResourceInUseException` for a `CreateTable` (or restore) whose name is taken, in
/// DynamoDB's words, `Table already exists: <name>` (DynamoDB Local says
/// `Cannot create preexisting table`; docs/error-texts.md gives the source).
pub(crate) fn table_exists(name: &str) -> Error {
    Error::ResourceInUse { message: format!("Table already exists: {name}"), source: None }
}

/// The time now, Unix epoch seconds.
pub(crate) fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

impl Catalog {
    fn map(&self) -> RwLockReadGuard<'_, BTreeMap<String, Arc<TableHandle>>> {
        self.tables.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn map_mut(&self) -> RwLockWriteGuard<'_, BTreeMap<String, Arc<TableHandle>>> {
        self.tables.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The table named `name` (checked against the naming rules first), for a data-plane
    /// operation.
    pub fn table(&self, name: &str) -> Result<Arc<TableHandle>> {
        check_name(name)?;
        self.map().get(name).cloned().ok_or_else(not_found)
    }

    /// The table named `name` (checked against the naming rules first), for a table
    /// operation: a missing table is named in the error.
    pub fn named_table(&self, name: &str) -> Result<Arc<TableHandle>> {
        check_name(name)?;
        self.map().get(name).cloned().ok_or_else(|| table_not_found(name))
    }

    /// `CreateTable`: the table is `ACTIVE` at once.
    pub fn create_table(&self, input: CreateTableInput) -> Result<TableDescription> {
        let mut def = table_def(input, now())?;
        def.arn = self.feeds.table_arn(&def.name);
        let def = Arc::new(def);
        let name = def.name.clone();
        let handle =
            Arc::new(TableHandle::new(Table::with_feed(def, &self.feeds), None, BTreeMap::new()));
        {
            let mut tables = self.map_mut();
            if tables.contains_key(&name) {
                return Err(table_exists(&name));
            }
            tables.insert(name, Arc::clone(&handle));
        }
        Ok(handle.describe(TableStatus::Active))
    }

    /// `DeleteTable`: removes the table and describes it as `DELETING`. A table with
    /// point-in-time recovery enabled leaves a `SYSTEM` backup of its last state.
    pub fn delete_table(&self, name: &str) -> Result<TableDescription> {
        check_name(name)?;
        let handle = self.map_mut().remove(name).ok_or_else(|| table_not_found(name))?;
        crate::backups::system_backup_of_deleted(self, &handle);
        Ok(handle.describe(TableStatus::Deleting))
    }

    /// `DescribeTable`.
    pub fn describe_table(&self, name: &str) -> Result<TableDescription> {
        Ok(self.named_table(name)?.describe(TableStatus::Active))
    }

    /// `ListTables`: names in ascending order, after `ExclusiveStartTableName`, at most
    /// `Limit` of them; `LastEvaluatedTableName` when more remain.
    pub fn list_tables(&self, input: &ListTablesInput) -> Result<ListTablesOutput> {
        let mut constraints = Constraints::default();
        if let Some(start) = &input.exclusive_start_table_name {
            constraints.length(start, start.len(), "exclusiveStartTableName", 3, 255);
            if !start.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            {
                constraints.push(
                    start,
                    "exclusiveStartTableName",
                    "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
                );
            }
        }
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
        constraints.finish()?;

        let tables = self.map();
        let start = match &input.exclusive_start_table_name {
            Some(name) => Bound::Excluded(name.as_str()),
            None => Bound::Unbounded,
        };
        let mut names = tables.range::<str, _>((start, Bound::Unbounded)).map(|(name, _)| name);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let table_names: Vec<String> = names.by_ref().take(limit).cloned().collect();
        let more = names.next().is_some();
        let last_evaluated_table_name = if more { table_names.last().cloned() } else { None };
        Ok(ListTablesOutput { table_names, last_evaluated_table_name })
    }

    /// The names of all tables, in order.
    pub fn table_names(&self) -> Vec<String> {
        self.map().keys().cloned().collect()
    }

    /// The settings of every table's change feed.
    pub fn feeds(&self) -> &Arc<FeedSettings> {
        &self.feeds
    }

    /// The on-demand backups.
    pub fn backups(&self) -> &BackupStore {
        &self.backups
    }

    /// Adds a table restored from a snapshot (`snapshot`): its data (with its
    /// definition), its TTL setting and its tags. Fails with `ResourceInUseException`
    /// when the name is taken.
    pub fn restore_table(
        &self,
        data: Table,
        ttl: Option<String>,
        tags: BTreeMap<String, String>,
    ) -> Result<()> {
        let name = data.def().name.clone();
        let handle = Arc::new(TableHandle::new(data, ttl, tags));
        let mut tables = self.map_mut();
        if tables.contains_key(&name) {
            return Err(table_exists(&name));
        }
        tables.insert(name, handle);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use singletable_core::backend::{KeySchemaElement, KeyType};
    use singletable_core::schema::{BillingMode, KeyAttribute, ScalarType};

    fn input(name: &str) -> CreateTableInput {
        CreateTableInput {
            table_name: name.to_owned(),
            attribute_definitions: vec![KeyAttribute { name: "pk", ty: ScalarType::S }.into()],
            key_schema: vec![KeySchemaElement {
                attribute_name: "pk".to_owned(),
                key_type: KeyType::Hash,
            }],
            global_secondary_indexes: Vec::new(),
            local_secondary_indexes: Vec::new(),
            billing_mode: BillingMode::PayPerRequest,
            stream: None,
        }
    }

    #[test]
    fn create_describe_delete() {
        let catalog = Catalog::default();
        let created = catalog.create_table(input("one")).expect("created");
        assert_eq!(created.table_status, TableStatus::Active);
        assert_eq!(created.item_count, 0);
        assert!(created.creation_date_time > 0.0);
        assert!(matches!(
            catalog.create_table(input("one")),
            Err(Error::ResourceInUse { message, .. }) if message == "Table already exists: one"
        ));
        assert_eq!(
            catalog.describe_table("one").map(|d| d.table_name).ok(),
            Some("one".to_owned())
        );
        let deleted = catalog.delete_table("one").expect("deleted");
        assert_eq!(deleted.table_status, TableStatus::Deleting);
        assert!(matches!(
            catalog.describe_table("one"),
            Err(Error::ResourceNotFound { message, .. }) if message == "Requested resource not found: Table: one not found"
        ));
        assert!(matches!(
            catalog.table("one"),
            Err(Error::ResourceNotFound { message, .. }) if message == "Requested resource not found"
        ));
        assert!(matches!(catalog.delete_table("one"), Err(Error::ResourceNotFound { .. })));
        assert!(matches!(catalog.table("x"), Err(Error::Validation { .. })));
    }

    #[test]
    fn list_tables_pages_in_order() {
        let catalog = Catalog::default();
        for name in ["ccc", "aaa", "bbb", "ddd"] {
            catalog.create_table(input(name)).expect("created");
        }
        let all = catalog.list_tables(&ListTablesInput::default()).expect("listed");
        assert_eq!(all.table_names, vec!["aaa", "bbb", "ccc", "ddd"]);
        assert_eq!(all.last_evaluated_table_name, None);

        let first = catalog
            .list_tables(&ListTablesInput { limit: Some(2), ..Default::default() })
            .expect("listed");
        assert_eq!(first.table_names, vec!["aaa", "bbb"]);
        assert_eq!(first.last_evaluated_table_name.as_deref(), Some("bbb"));
        let second = catalog
            .list_tables(&ListTablesInput {
                limit: Some(2),
                exclusive_start_table_name: first.last_evaluated_table_name,
            })
            .expect("listed");
        assert_eq!(second.table_names, vec!["ccc", "ddd"]);
        assert_eq!(second.last_evaluated_table_name, None);
        assert_eq!(catalog.table_names().len(), 4);
    }

    #[test]
    fn list_tables_checks_its_parameters() {
        let catalog = Catalog::default();
        let message = |input: ListTablesInput| match catalog.list_tables(&input) {
            Err(Error::Validation { message, .. }) => message,
            other => panic!("expected a validation error, got {other:?}"),
        };
        assert_eq!(
            message(ListTablesInput { limit: Some(0), ..Default::default() }),
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
        assert!(message(ListTablesInput { limit: Some(101), ..Default::default() })
            .ends_with("Member must have value less than or equal to 100"));
        assert!(message(ListTablesInput {
            exclusive_start_table_name: Some("a!".to_owned()),
            limit: Some(0)
        })
        .starts_with("3 validation errors detected: Value 'a!' at 'exclusiveStartTableName'"));
    }
}

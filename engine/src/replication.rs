//! Last-writer-wins versions for replica tables: what `singletable serve` needs to run
//! DynamoDB global tables (version 2019.11.21) between regional engines.
//!
//! DynamoDB resolves concurrent writes to the same item in different regions with a
//! "last writer wins" reconciliation, "in which DynamoDB makes a best effort to determine
//! the last writer", so that all replicas "converge toward a state in which they all have
//! identical data" (DynamoDB Developer Guide, *Global Tables: How It Works*, "Consistency
//! and Conflict Resolution"). The engine models it as follows:
//!
//! - Once [`MemoryBackend::start_replication`] is called on a table, every write of an
//!   item (put, update, delete, batch, transaction, TTL sweep) stamps the item's key with a
//!   [`WriteVersion`]: the engine's clock in milliseconds and the engine's region. A
//!   deletion keeps its version (a tombstone), so an older write arriving later cannot
//!   bring the item back.
//! - Versions are ordered by time, then by region name (the tie-break for writes in the
//!   same millisecond: DynamoDB does not document one; any fixed order makes replicas
//!   agree). A local write always applies; its version is made greater than the version
//!   it overwrites (one millisecond past it when the clock has not moved past it yet), so
//!   a write that saw another region's value supersedes it everywhere.
//! - A replicated write ([`MemoryBackend::apply_replicated`]) applies only when its
//!   version is greater than the version of the key in the receiving table; otherwise the
//!   receiving table keeps its (later) write. Applying it writes a change record in the
//!   receiving table's stream, as DynamoDB writes replicated changes to each replica's
//!   stream.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::key_value::PrimaryKey;
use super::stream::FeedSettings;
use super::validate::{item_primary_key, request_primary_key};
use super::MemoryBackend;
use singletable_core::backend::CreateTableInput;
use singletable_core::error::{Error, Result};
use singletable_core::size::item_size;
use singletable_core::value::Item;

/// A write's place in last-writer-wins order: later `time_ms` wins; in the same
/// millisecond, the greater region name wins.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WriteVersion {
    /// When the write was made, in milliseconds since the Unix epoch, by the clock of the
    /// engine that made it.
    pub time_ms: i64,
    /// The region of the engine that made the write.
    pub region: String,
}

impl WriteVersion {
    /// True when a write of this version replaces one of version `other`: it is later.
    pub fn supersedes(&self, other: &WriteVersion) -> bool {
        self > other
    }
}

impl fmt::Display for WriteVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.time_ms, self.region)
    }
}

/// One item of a replica table as replication ships it: the item (or `None` for a
/// deleted one) and the version of its last write.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicatedItem {
    /// The item's primary key attributes.
    pub keys: Item,
    /// The item, `None` when its last write deleted it.
    pub item: Option<Item>,
    /// The version of the item's last write.
    pub version: WriteVersion,
}

/// The versions of a replica table's keys (tombstones included), kept with its items.
#[derive(Debug)]
pub(crate) struct WriteVersions {
    versions: HashMap<PrimaryKey, WriteVersion>,
    settings: Arc<FeedSettings>,
}

impl WriteVersions {
    fn new(settings: Arc<FeedSettings>) -> Self {
        WriteVersions { versions: HashMap::new(), settings }
    }

    /// Stamps a local write of `key`: now, in this engine's region, and past the version
    /// it overwrites.
    pub fn record_local(&mut self, key: &PrimaryKey) {
        let mut version =
            WriteVersion { time_ms: self.settings.now_ms(), region: self.settings.region() };
        if let Some(previous) = self.versions.get(key) {
            if !version.supersedes(previous) {
                version.time_ms = previous.time_ms.saturating_add(1);
            }
        }
        self.versions.insert(key.clone(), version);
    }

    fn get(&self, key: &PrimaryKey) -> Option<&WriteVersion> {
        self.versions.get(key)
    }

    fn set(&mut self, key: PrimaryKey, version: WriteVersion) {
        self.versions.insert(key, version);
    }
}

fn key_attributes(def: &super::definition::TableDef, item: &Item) -> Item {
    def.key_attributes()
        .filter_map(|key| Some((key.name.clone(), item.get(&key.name)?.clone())))
        .collect()
}

fn not_replicated(table: &str) -> Error {
    Error::validation(format!("Table {table} is not a replica of a global table"))
}

impl MemoryBackend {
    /// This engine, as the engine of `region`: tables it creates get ARNs
    /// `arn:aws:dynamodb:<region>:000000000000:table/<name>` (`ddblocal` by default, as
    /// DynamoDB Local), and replica writes are stamped with it. Applies to the engine
    /// and its clones.
    #[must_use]
    pub fn with_region(self, region: impl Into<String>) -> Self {
        self.catalog.feeds().set_region(region.into());
        self
    }

    /// The engine's region (`ddblocal` unless set with [`with_region`](Self::with_region)).
    pub fn region(&self) -> String {
        self.catalog.feeds().region()
    }

    /// Makes `table` a replica: from now on every write of an item stamps it with a
    /// [`WriteVersion`] (see the module documentation of `replication`). Items already in
    /// the table are stamped now. Returns every item with its version: what a new replica
    /// of the table starts from. Calling it again on a replica stamps nothing and
    /// returns the items with their versions.
    ///
    /// Fails with `ResourceNotFoundException` for a missing table.
    pub fn start_replication(&self, table: &str) -> Result<Vec<ReplicatedItem>> {
        let handle = self.catalog.named_table(table)?;
        let mut data = handle.write();
        if data.versions().is_none() {
            let mut versions = WriteVersions::new(Arc::clone(self.catalog.feeds()));
            let keys: Vec<PrimaryKey> = data
                .partitions_from(std::ops::Bound::Unbounded)
                .flat_map(|(partition, items)| {
                    items.keys().map(move |sort| PrimaryKey {
                        partition: partition.clone(),
                        sort: sort.clone(),
                    })
                })
                .collect();
            for key in &keys {
                versions.record_local(key);
            }
            data.set_versions(Some(versions));
        }
        let def = Arc::clone(data.def_arc());
        let Some(versions) = data.versions() else { return Err(not_replicated(table)) };
        let mut items = Vec::new();
        for (partition, partition_items) in data.partitions_from(std::ops::Bound::Unbounded) {
            for (sort, stored) in partition_items {
                let key = PrimaryKey { partition: partition.clone(), sort: sort.clone() };
                if let Some(version) = versions.get(&key) {
                    items.push(ReplicatedItem {
                        keys: key_attributes(&def, &stored.item),
                        item: Some(Item::clone(&stored.item)),
                        version: version.clone(),
                    });
                }
            }
        }
        Ok(items)
    }

    /// The definition of `table` as `CreateTable` takes it (keys, indexes, billing,
    /// stream), reflecting later `UpdateTable`s: what a new replica is created with.
    /// Fails with `ResourceNotFoundException` for a missing table.
    pub fn table_definition(&self, table: &str) -> Result<CreateTableInput> {
        let handle = self.catalog.named_table(table)?;
        let def = handle.def();
        Ok(super::restore::create_input(&def))
    }

    /// Makes `table` an ordinary table again: writes are no longer versioned and the
    /// versions kept (tombstones included) are dropped. Nothing happens to a table that
    /// is not a replica. Fails with `ResourceNotFoundException` for a missing table.
    pub fn stop_replication(&self, table: &str) -> Result<()> {
        let handle = self.catalog.named_table(table)?;
        handle.write().set_versions(None);
        Ok(())
    }

    /// True when `table` is a replica ([`start_replication`](Self::start_replication)).
    pub fn is_replica(&self, table: &str) -> Result<bool> {
        let handle = self.catalog.named_table(table)?;
        let replica = handle.read().versions().is_some();
        Ok(replica)
    }

    /// The item of replica `table` with primary key attributes `keys` as replication
    /// ships it: the item (or `None` when deleted) with the version of its last write;
    /// `None` when no write of the key was versioned.
    ///
    /// Fails with `ResourceNotFoundException` for a missing table, and
    /// `ValidationException` when the table is not a replica or `keys` is not its key.
    pub fn replica_item(&self, table: &str, keys: &Item) -> Result<Option<ReplicatedItem>> {
        let handle = self.catalog.table(table)?;
        let def = handle.def();
        let key = request_primary_key(&def, keys)?;
        let data = handle.read();
        let versions = data.versions().ok_or_else(|| not_replicated(table))?;
        let Some(version) = versions.get(&key).cloned() else { return Ok(None) };
        let item = data.get(&key).map(|stored| Item::clone(&stored.item));
        Ok(Some(ReplicatedItem { keys: keys.clone(), item, version }))
    }

    /// Applies a write replicated from another region to replica `table`, if it is the
    /// last writer: when `change.version` supersedes the version of the key here (or the
    /// key has none). Returns whether it applied. An applied write updates the indexes
    /// and writes a change record in the table's stream, as any write does; the key then
    /// carries `change.version`.
    ///
    /// Fails with `ResourceNotFoundException` for a missing table, and
    /// `ValidationException` when the table is not a replica or the item does not fit its
    /// key schema.
    pub fn apply_replicated(&self, table: &str, change: ReplicatedItem) -> Result<bool> {
        let handle = self.catalog.table(table)?;
        let item = change.item.map(Arc::new);
        loop {
            let def = handle.def();
            let key = match &item {
                Some(item) => item_primary_key(&def, item)?,
                None => request_primary_key(&def, &change.keys)?,
            };
            // A definition replaced meanwhile: check again (see `catalog`).
            let Some(mut data) = handle.write_current(&def) else { continue };
            let versions = data.versions().ok_or_else(|| not_replicated(table))?;
            if versions.get(&key).is_some_and(|current| !change.version.supersedes(current)) {
                return Ok(false);
            }
            match &item {
                Some(item) => {
                    data.put(key.clone(), Arc::clone(item), item_size(item));
                }
                None => {
                    data.delete(&key);
                }
            }
            if let Some(versions) = data.versions_mut() {
                versions.set(key, change.version);
            }
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use singletable_core::backend::{
        AttributeDefinition, Backend, CreateTableInput, DeleteItemInput, GetItemInput,
        KeySchemaElement, KeyType, PutItemInput,
    };
    use singletable_core::clock::ManualClock;
    use singletable_core::schema::{BillingMode, ScalarType, StreamViewType};
    use singletable_core::{AttributeValue, Timestamp};

    fn version(time_ms: i64, region: &str) -> WriteVersion {
        WriteVersion { time_ms, region: region.to_owned() }
    }

    fn item(pk: &str, value: &str) -> Item {
        [
            ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
            ("v".to_owned(), AttributeValue::S(value.to_owned())),
        ]
        .into()
    }

    fn keys(pk: &str) -> Item {
        [("pk".to_owned(), AttributeValue::S(pk.to_owned()))].into()
    }

    /// Two regional engines on one manual clock, each with replica table `T`.
    fn regions() -> (MemoryBackend, MemoryBackend, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(1_700_000_000)));
        let east = MemoryBackend::new().with_region("us-east-1").with_clock(clock.clone());
        let west = MemoryBackend::new().with_region("eu-west-1").with_clock(clock.clone());
        for engine in [&east, &west] {
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            runtime
                .block_on(engine.create_table(CreateTableInput {
                    table_name: "Tbl".to_owned(),
                    attribute_definitions: vec![AttributeDefinition {
                        name: "pk".to_owned(),
                        ty: ScalarType::S,
                    }],
                    key_schema: vec![KeySchemaElement {
                        attribute_name: "pk".to_owned(),
                        key_type: KeyType::Hash,
                    }],
                    global_secondary_indexes: vec![],
                    local_secondary_indexes: vec![],
                    billing_mode: BillingMode::PayPerRequest,
                    stream: Some(StreamViewType::NewAndOldImages),
                }))
                .expect("table");
            assert!(engine.start_replication("Tbl").expect("replica").is_empty());
        }
        (east, west, clock)
    }

    fn block<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(future)
    }

    fn put(engine: &MemoryBackend, pk: &str, value: &str) {
        block(engine.put_item(PutItemInput {
            table_name: "Tbl".to_owned(),
            item: item(pk, value),
            ..Default::default()
        }))
        .expect("put");
    }

    fn get(engine: &MemoryBackend, pk: &str) -> Option<Item> {
        block(engine.get_item(GetItemInput {
            table_name: "Tbl".to_owned(),
            key: keys(pk),
            ..Default::default()
        }))
        .expect("get")
        .item
    }

    fn shipped(engine: &MemoryBackend, pk: &str) -> ReplicatedItem {
        engine.replica_item("Tbl", &keys(pk)).expect("replica item").expect("a versioned write")
    }

    #[test]
    fn later_time_wins_then_greater_region_breaks_ties() {
        assert!(version(2, "a").supersedes(&version(1, "z")));
        assert!(!version(1, "z").supersedes(&version(2, "a")));
        assert!(version(5, "us-east-1").supersedes(&version(5, "eu-west-1")));
        assert!(!version(5, "eu-west-1").supersedes(&version(5, "us-east-1")));
        // A write does not supersede itself: a change shipped back is not applied again.
        assert!(!version(5, "eu-west-1").supersedes(&version(5, "eu-west-1")));
    }

    #[test]
    fn local_writes_are_stamped_with_the_clock_and_region() {
        let (east, _, clock) = regions();
        put(&east, "a", "1");
        assert_eq!(shipped(&east, "a").version, version(1_700_000_000_000, "us-east-1"));
        clock.advance(Duration::from_millis(250));
        put(&east, "a", "2");
        let latest = shipped(&east, "a");
        assert_eq!(latest.version, version(1_700_000_000_250, "us-east-1"));
        assert_eq!(latest.item, Some(item("a", "2")));
    }

    #[test]
    fn a_local_write_supersedes_the_replicated_write_it_overwrites() {
        let (east, _, _) = regions();
        // A write from a region that sorts after us-east-1, in this very millisecond.
        let remote = ReplicatedItem {
            keys: keys("a"),
            item: Some(item("a", "west")),
            version: version(1_700_000_000_000, "zz-west-9"),
        };
        assert_eq!(east.apply_replicated("Tbl", remote.clone()).ok(), Some(true));
        put(&east, "a", "east");
        let local = shipped(&east, "a").version;
        assert_eq!(local, version(1_700_000_000_001, "us-east-1"));
        assert!(local.supersedes(&remote.version));
    }

    #[test]
    fn an_older_replicated_write_is_not_applied() {
        let (east, _, clock) = regions();
        clock.advance(Duration::from_millis(10));
        put(&east, "a", "newer");
        let older = ReplicatedItem {
            keys: keys("a"),
            item: Some(item("a", "older")),
            version: version(1_700_000_000_005, "zz-west-9"),
        };
        assert_eq!(east.apply_replicated("Tbl", older).ok(), Some(false));
        assert_eq!(get(&east, "a"), Some(item("a", "newer")));
        let newer = ReplicatedItem {
            keys: keys("a"),
            item: Some(item("a", "newest")),
            version: version(1_700_000_000_011, "aa-south-1"),
        };
        assert_eq!(east.apply_replicated("Tbl", newer.clone()).ok(), Some(true));
        assert_eq!(get(&east, "a"), Some(item("a", "newest")));
        assert_eq!(shipped(&east, "a"), newer);
    }

    #[test]
    fn a_deletion_is_a_tombstone_that_older_writes_cannot_pass() {
        let (east, _, clock) = regions();
        put(&east, "a", "1");
        clock.advance(Duration::from_millis(10));
        block(east.delete_item(DeleteItemInput {
            table_name: "Tbl".to_owned(),
            key: keys("a"),
            ..Default::default()
        }))
        .expect("delete");
        let tombstone = shipped(&east, "a");
        assert_eq!(tombstone.item, None);
        assert_eq!(tombstone.version, version(1_700_000_000_010, "us-east-1"));
        let stale = ReplicatedItem {
            keys: keys("a"),
            item: Some(item("a", "stale")),
            version: version(1_700_000_000_005, "eu-west-1"),
        };
        assert_eq!(east.apply_replicated("Tbl", stale).ok(), Some(false));
        assert_eq!(get(&east, "a"), None);
    }

    /// The same key written in two regions before either write replicates: shipping each
    /// region's state to the other leaves both with the later write, whichever arrives
    /// first.
    #[test]
    fn concurrent_writes_converge_on_the_later_one_in_both_regions() {
        let (east, west, clock) = regions();
        put(&east, "k", "east");
        clock.advance(Duration::from_millis(3));
        put(&west, "k", "west");
        let from_east = shipped(&east, "k");
        let from_west = shipped(&west, "k");
        assert_eq!(west.apply_replicated("Tbl", from_east).ok(), Some(false));
        assert_eq!(east.apply_replicated("Tbl", from_west.clone()).ok(), Some(true));
        assert_eq!(get(&east, "k"), Some(item("k", "west")));
        assert_eq!(get(&west, "k"), Some(item("k", "west")));
        // Shipping the winner back changes nothing (no loop, no extra stream record).
        let before = west.change_records("Tbl", None, 100).expect("records").len();
        assert_eq!(west.apply_replicated("Tbl", shipped(&east, "k")).ok(), Some(false));
        assert_eq!(west.change_records("Tbl", None, 100).expect("records").len(), before);
        assert_eq!(shipped(&east, "k"), from_west);
    }

    #[test]
    fn replicated_writes_are_recorded_in_the_receiving_stream() {
        let (east, west, _) = regions();
        put(&east, "a", "1");
        assert_eq!(west.apply_replicated("Tbl", shipped(&east, "a")).ok(), Some(true));
        let records = west.change_records("Tbl", None, 10).expect("records");
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].event, singletable_core::change::ChangeEvent::Insert);
        assert_eq!(records[0].new_image, Some(item("a", "1")));
    }

    #[test]
    fn regions_name_the_arns_and_non_replicas_refuse_replicated_writes() {
        let (east, _, _) = regions();
        assert_eq!(east.region(), "us-east-1");
        let arn = block(east.describe_table("Tbl".to_owned())).expect("describe").table_arn;
        assert_eq!(arn, "arn:aws:dynamodb:us-east-1:000000000000:table/Tbl");
        assert_eq!(MemoryBackend::new().region(), "ddblocal");
        east.stop_replication("Tbl").expect("stop");
        assert_eq!(east.is_replica("Tbl").ok(), Some(false));
        let refused = east.apply_replicated(
            "Tbl",
            ReplicatedItem { keys: keys("a"), item: None, version: version(1, "x") },
        );
        assert!(matches!(refused, Err(Error::Validation { .. })), "{refused:?}");
    }
}

//! Storage of one table: its items and the secondary indexes kept in step with them.
//!
//! # Layout
//!
//! `partitions: BTreeMap<KeyValue, BTreeMap<Option<KeyValue>, StoredItem>>`: partition key
//! value to the partition's items, ordered by sort key (`None` is the only sort key of a
//! table without one). Partitions and sort keys use [`KeyValue`]'s order, which is
//! DynamoDB's (UTF-8 bytes, numeric, unsigned bytes), so a query is one ordered range
//! over one inner map, in either direction, and a scan (or a parallel-scan segment, or a
//! page resumed from `ExclusiveStartKey`) is a range over the outer map.
//!
//! Items are `Arc<Item>`: a read clones a pointer under the lock and copies the item
//! (or just its projection) after the lock is released; an `ALL` index shares the same
//! allocation. Each item carries its size so that `TableSizeBytes`, capacity and index
//! accounting never re-measure it.
//!
//! Every write goes through [`Table::put`] or [`Table::delete`] (or
//! [`Table::delete_expired`], the TTL sweep's), which update the item count, the table
//! size, every index and the table's change feed (when it has a stream) in the same step.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use super::definition::TableDef;
use super::history::History;
use super::index::{IndexChange, IndexStore};
use super::key_value::{KeyValue, PrimaryKey};
use super::replication::WriteVersions;
use super::stream::{ChangeFeed, FeedSettings};
use singletable_core::value::Item;

/// An item as stored, with its size.
#[derive(Debug, Clone)]
pub(crate) struct StoredItem {
    /// The item.
    pub item: Arc<Item>,
    /// Its `item_size`.
    pub size: usize,
}

/// What a write replaced and how it moved each index.
#[derive(Debug)]
pub(crate) struct WriteOutcome {
    /// The item as it was before the write.
    pub old: Option<StoredItem>,
    /// One change per index, in [`TableDef::indexes`] order.
    pub index_changes: Vec<IndexChange>,
}

/// The items of one partition, by sort key (`None` on a table without one).
pub(crate) type Partition = BTreeMap<Option<KeyValue>, StoredItem>;

/// One table's items and indexes.
#[derive(Debug)]
pub(crate) struct Table {
    def: Arc<TableDef>,
    partitions: BTreeMap<KeyValue, Partition>,
    indexes: Vec<IndexStore>,
    item_count: u64,
    size_bytes: u64,
    /// The change feed, when the table has a stream.
    feed: Option<ChangeFeed>,
    /// The undo log, while point-in-time recovery is enabled (see `history`).
    history: Option<History>,
    /// The last-writer-wins versions of a replica table's keys (see `replication`).
    versions: Option<WriteVersions>,
}

fn to_u64(size: usize) -> u64 {
    u64::try_from(size).unwrap_or(u64::MAX)
}

impl Table {
    /// An empty table; its change feed (if it has a stream) has settings of its own.
    pub fn new(def: Arc<TableDef>) -> Self {
        Self::with_feed(def, &Arc::default())
    }

    /// An empty table whose change feed (if it has a stream) follows `settings`.
    pub fn with_feed(def: Arc<TableDef>, settings: &Arc<FeedSettings>) -> Self {
        let indexes = def.indexes.iter().map(|_| IndexStore::default()).collect();
        let feed = def.stream.map(|view_type| ChangeFeed::new(view_type, Arc::clone(settings)));
        Table {
            def,
            partitions: BTreeMap::new(),
            indexes,
            item_count: 0,
            size_bytes: 0,
            feed,
            history: None,
            versions: None,
        }
    }

    /// The change feed, when the table has a stream.
    pub fn feed(&self) -> Option<&ChangeFeed> {
        self.feed.as_ref()
    }

    /// The last-writer-wins versions, while the table is a replica.
    pub fn versions(&self) -> Option<&WriteVersions> {
        self.versions.as_ref()
    }

    /// The last-writer-wins versions, to stamp a replicated write.
    pub fn versions_mut(&mut self) -> Option<&mut WriteVersions> {
        self.versions.as_mut()
    }

    /// Makes the table a replica (`Some`) or an ordinary table (`None`).
    pub fn set_versions(&mut self, versions: Option<WriteVersions>) {
        self.versions = versions;
    }

    /// The point-in-time recovery history, while it is enabled.
    pub fn history(&self) -> Option<&History> {
        self.history.as_ref()
    }

    /// The point-in-time recovery history, to change its settings.
    pub fn history_mut(&mut self) -> Option<&mut History> {
        self.history.as_mut()
    }

    /// Enables (`Some`) or disables (`None`) point-in-time recovery: a new history
    /// replaces any previous one.
    pub fn set_history(&mut self, history: Option<History>) {
        self.history = history;
    }

    /// The table's schema.
    pub fn def(&self) -> &TableDef {
        &self.def
    }

    /// The table's schema, shared.
    pub fn def_arc(&self) -> &Arc<TableDef> {
        &self.def
    }

    /// Moves the table to a new definition `def` (`UpdateTable`): the indexes `def`
    /// keeps (by name) keep their entries, a new one is filled from the items (an item
    /// whose attribute has another type than the new key's is left out, as DynamoDB's
    /// backfill does), a dropped one goes. A stream `def` enables starts a new feed
    /// following `settings`; one it disables ends the feed (its streams yield what they
    /// have not seen, then end).
    pub fn redefine(&mut self, def: Arc<TableDef>, settings: &Arc<FeedSettings>) {
        let mut old: Vec<(String, IndexStore)> = self
            .def
            .indexes
            .iter()
            .map(|index| index.name.clone())
            .zip(std::mem::take(&mut self.indexes))
            .collect();
        self.indexes = def
            .indexes
            .iter()
            .map(|index| {
                if let Some(position) = old.iter().position(|(name, _)| *name == index.name) {
                    return old.swap_remove(position).1;
                }
                let mut store = IndexStore::default();
                for (partition, items) in &self.partitions {
                    for (sort, stored) in items {
                        let key = PrimaryKey { partition: partition.clone(), sort: sort.clone() };
                        store.apply(index, &key, None, Some((&stored.item, stored.size)));
                    }
                }
                store
            })
            .collect();
        if def.stream != self.def.stream {
            self.feed =
                def.stream.map(|view_type| ChangeFeed::new(view_type, Arc::clone(settings)));
        }
        self.def = def;
    }

    /// The item with this key.
    pub fn get(&self, key: &PrimaryKey) -> Option<&StoredItem> {
        self.partitions.get(&key.partition)?.get(&key.sort)
    }

    /// Stores `item` (of `size` bytes) under `key`, replacing any item there.
    pub fn put(&mut self, key: PrimaryKey, item: Arc<Item>, size: usize) -> WriteOutcome {
        let new = StoredItem { item, size };
        let old = self
            .partitions
            .entry(key.partition.clone())
            .or_default()
            .insert(key.sort.clone(), new.clone());
        if old.is_none() {
            self.item_count += 1;
        }
        self.size_bytes =
            self.size_bytes.saturating_sub(old.as_ref().map_or(0, |o| to_u64(o.size)));
        self.size_bytes = self.size_bytes.saturating_add(to_u64(size));
        let index_changes = self.update_indexes(&key, old.as_ref(), Some(&new));
        if let Some(history) = &mut self.history {
            history.record(&key, old.as_ref().map(|o| Arc::clone(&o.item)));
        }
        if let Some(versions) = &mut self.versions {
            if old.as_ref().is_none_or(|old| old.item != new.item) {
                versions.record_local(&key);
            }
        }
        if let Some(feed) = &mut self.feed {
            feed.record(&self.def, old.as_ref().map(|o| &*o.item), Some(&new.item), false);
        }
        WriteOutcome { old, index_changes }
    }

    /// Removes the item with this key, if there is one.
    pub fn delete(&mut self, key: &PrimaryKey) -> WriteOutcome {
        self.remove(key, false)
    }

    /// Removes the item with this key on behalf of the service (the TTL sweep): its
    /// change record is a system deletion.
    pub fn delete_expired(&mut self, key: &PrimaryKey) -> WriteOutcome {
        self.remove(key, true)
    }

    fn remove(&mut self, key: &PrimaryKey, system_delete: bool) -> WriteOutcome {
        let old = match self.partitions.get_mut(&key.partition) {
            None => None,
            Some(partition) => {
                let old = partition.remove(&key.sort);
                if partition.is_empty() {
                    self.partitions.remove(&key.partition);
                }
                old
            }
        };
        if let Some(old) = &old {
            self.item_count = self.item_count.saturating_sub(1);
            self.size_bytes = self.size_bytes.saturating_sub(to_u64(old.size));
            if let Some(history) = &mut self.history {
                history.record(key, Some(Arc::clone(&old.item)));
            }
            if let Some(versions) = &mut self.versions {
                versions.record_local(key);
            }
        }
        let index_changes = self.update_indexes(key, old.as_ref(), None);
        if let Some(feed) = &mut self.feed {
            feed.record(&self.def, old.as_ref().map(|o| &*o.item), None, system_delete);
        }
        WriteOutcome { old, index_changes }
    }

    fn update_indexes(
        &mut self,
        key: &PrimaryKey,
        old: Option<&StoredItem>,
        new: Option<&StoredItem>,
    ) -> Vec<IndexChange> {
        self.def
            .indexes
            .iter()
            .zip(self.indexes.iter_mut())
            .map(|(def, store)| {
                store.apply(def, key, old.map(|o| &o.item), new.map(|n| (&n.item, n.size)))
            })
            .collect()
    }

    /// The items of one partition, in sort key order.
    pub fn partition(&self, partition: &KeyValue) -> impl DoubleEndedIterator<Item = &StoredItem> {
        self.partitions.get(partition).into_iter().flat_map(|items| items.values())
    }

    /// The items of one partition, for range reads (`Query`).
    pub fn partition_map(&self, partition: &KeyValue) -> Option<&Partition> {
        self.partitions.get(partition)
    }

    /// The partitions in key order, from `start` on (`Scan`).
    pub fn partitions_from(
        &self,
        start: Bound<&KeyValue>,
    ) -> impl Iterator<Item = (&KeyValue, &Partition)> {
        self.partitions.range::<KeyValue, _>((start, Bound::Unbounded))
    }

    /// The index at `position` in [`TableDef::indexes`].
    pub fn index(&self, position: usize) -> Option<&IndexStore> {
        self.indexes.get(position)
    }

    /// `ItemCount`.
    pub fn item_count(&self) -> u64 {
        self.item_count
    }

    /// `TableSizeBytes`: the summed size of the items.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// Replaces the change feed: none (while a snapshot's items are loaded, which are
    /// not changes), or a new one following `settings` when the table has a stream.
    pub fn set_feed(&mut self, settings: Option<&Arc<FeedSettings>>) {
        self.feed = settings.and_then(|settings| {
            self.def.stream.map(|view_type| ChangeFeed::new(view_type, Arc::clone(settings)))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{IndexDef, KeyAttr};
    use crate::key_value::KeyTuple;
    use singletable_core::number::Number;
    use singletable_core::schema::{BillingMode, IndexKind, ScalarType};
    use singletable_core::size::item_size;
    use singletable_core::value::AttributeValue;

    fn attr(name: &str, ty: ScalarType) -> KeyAttr {
        KeyAttr { name: name.to_owned(), ty }
    }

    fn def() -> Arc<TableDef> {
        Arc::new(TableDef {
            name: "t".to_owned(),
            arn: String::new(),
            partition_key: attr("pk", ScalarType::S),
            sort_key: Some(attr("sk", ScalarType::N)),
            indexes: vec![
                IndexDef {
                    name: "gsi".to_owned(),
                    kind: IndexKind::Global,
                    partition: vec![attr("g", ScalarType::S)],
                    sort: Vec::new(),
                    projected: None,
                },
                IndexDef {
                    name: "lsi".to_owned(),
                    kind: IndexKind::Local,
                    partition: vec![attr("pk", ScalarType::S)],
                    sort: vec![attr("l", ScalarType::S)],
                    projected: Some(vec!["pk".to_owned(), "sk".to_owned(), "l".to_owned()]),
                },
            ],
            attribute_definitions: Vec::new(),
            key_schema: Vec::new(),
            global_secondary_indexes: Vec::new(),
            local_secondary_indexes: Vec::new(),
            billing_mode: BillingMode::PayPerRequest,
            stream: None,
            creation_date_time: 0.0,
            stream_date_time: 0.0,
            restore_summary: None,
        })
    }

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(text).expect("a valid number"))
    }

    fn put(table: &mut Table, pairs: &[(&str, AttributeValue)]) -> WriteOutcome {
        let item: Item =
            pairs.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect();
        let key = table.def.primary_key_of(&item).expect("a keyed item");
        let size = item_size(&item);
        table.put(key, Arc::new(item), size)
    }

    fn key(pk: &str, sk: &str) -> PrimaryKey {
        let number = Number::parse(sk).expect("a valid number");
        PrimaryKey { partition: KeyValue::S(pk.to_owned()), sort: Some(KeyValue::N(number)) }
    }

    #[test]
    fn put_get_overwrite_delete_keep_counts_exact() {
        let mut table = Table::new(def());
        let first = put(&mut table, &[("pk", s("a")), ("sk", n("1")), ("v", s("x"))]);
        assert!(first.old.is_none());
        assert_eq!(table.item_count(), 1);
        // pk:"a" 3 + sk:1 4 + v:"x" 2.
        assert_eq!(table.size_bytes(), 9);

        let second = put(&mut table, &[("pk", s("a")), ("sk", n("1")), ("v", s("xyz"))]);
        assert_eq!(second.old.map(|o| o.size), Some(9));
        assert_eq!(table.item_count(), 1);
        assert_eq!(table.size_bytes(), 11);
        assert_eq!(table.get(&key("a", "1")).map(|stored| stored.size), Some(11));

        let removed = table.delete(&key("a", "1"));
        assert_eq!(removed.old.map(|o| o.size), Some(11));
        assert_eq!(table.item_count(), 0);
        assert_eq!(table.size_bytes(), 0);
        assert!(table.get(&key("a", "1")).is_none());
        assert!(table.delete(&key("a", "1")).old.is_none());
        assert_eq!(table.partition(&KeyValue::S("a".to_owned())).count(), 0);
    }

    #[test]
    fn partitions_are_sorted_by_sort_key() {
        let mut table = Table::new(def());
        for sk in ["10", "-1", "9", "0.5", "100", "-10", "-0.001"] {
            put(&mut table, &[("pk", s("p")), ("sk", n(sk))]);
        }
        put(&mut table, &[("pk", s("other")), ("sk", n("0"))]);
        let descending: Vec<AttributeValue> = table
            .partition(&KeyValue::S("p".to_owned()))
            .rev()
            .filter_map(|stored| stored.item.get("sk").cloned())
            .collect();
        let expected: Vec<AttributeValue> =
            ["100", "10", "9", "0.5", "-0.001", "-1", "-10"].into_iter().map(n).collect();
        assert_eq!(descending, expected);
    }

    #[test]
    fn indexes_follow_every_write() {
        let mut table = Table::new(def());
        let outcome = put(&mut table, &[("pk", s("a")), ("sk", n("1")), ("g", s("G"))]);
        assert!(matches!(
            outcome.index_changes[..],
            [IndexChange::Added { .. }, IndexChange::Absent]
        ));
        let outcome = put(&mut table, &[("pk", s("a")), ("sk", n("1")), ("l", s("L"))]);
        assert!(matches!(
            outcome.index_changes[..],
            [IndexChange::Removed { .. }, IndexChange::Added { .. }]
        ));
        let gsi_partition: KeyTuple = vec![KeyValue::S("G".to_owned())].into_boxed_slice();
        let lsi_partition: KeyTuple = vec![KeyValue::S("a".to_owned())].into_boxed_slice();
        let gsi = table.index(0).expect("gsi");
        let lsi = table.index(1).expect("lsi");
        assert_eq!(gsi.partition(&gsi_partition).count(), 0);
        assert_eq!(lsi.partition(&lsi_partition).count(), 1);
        let outcome = table.delete(&key("a", "1"));
        assert!(matches!(
            outcome.index_changes[..],
            [IndexChange::Absent, IndexChange::Removed { .. }]
        ));
        let lsi = table.index(1).expect("lsi");
        assert_eq!(lsi.item_count(), 0);
        assert!(table.index(2).is_none());
    }
}

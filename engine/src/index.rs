//! Storage of one secondary index.
//!
//! `partitions: BTreeMap<KeyTuple, BTreeMap<IndexEntryKey, IndexEntry>>`: index partition
//! key (all its attributes, in key-schema order) to the partition's entries, ordered by
//! the index sort key (attribute by attribute) and then by the table's primary key, so
//! entries with equal index keys still have one stable order and are each stored once.
//! A query reads one partition map in order, forwards or backwards; a scan walks all.
//!
//! An `ALL` index shares the table's `Arc<Item>`; `KEYS_ONLY` and `INCLUDE` entries hold
//! a copy of the projected attributes only.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use super::definition::IndexDef;
use super::key_value::{KeyTuple, PrimaryKey};
use singletable_core::size::item_size;
use singletable_core::value::Item;

/// Where an entry sits inside its index partition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct IndexEntryKey {
    /// The index sort key (empty for a GSI without one).
    pub sort: KeyTuple,
    /// The table item's primary key: the tie-breaker between equal index keys.
    pub table: PrimaryKey,
}

/// One index entry: the projected item and its size in bytes.
#[derive(Debug, Clone)]
pub(crate) struct IndexEntry {
    /// The projected attributes.
    pub item: Arc<Item>,
    /// `item_size` of the projected attributes.
    pub size: usize,
}

/// What a table write did to one index, for capacity accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IndexChange {
    /// The item is in the index neither before nor after.
    Absent,
    /// An entry appeared.
    Added {
        /// The new entry's size.
        size: usize,
    },
    /// An entry disappeared.
    Removed {
        /// The old entry's size.
        size: usize,
    },
    /// The index key changed: the old entry was deleted and a new one put.
    KeyChanged {
        /// The old entry's size.
        old_size: usize,
        /// The new entry's size.
        new_size: usize,
    },
    /// The entry kept its key.
    Updated {
        /// The old entry's size.
        old_size: usize,
        /// The new entry's size.
        new_size: usize,
        /// True when a projected attribute changed.
        changed: bool,
    },
}

/// The entries of one index partition, in index order.
pub(crate) type IndexPartition = BTreeMap<IndexEntryKey, IndexEntry>;

/// The entries of one secondary index.
#[derive(Debug, Default)]
pub(crate) struct IndexStore {
    partitions: BTreeMap<KeyTuple, IndexPartition>,
    item_count: u64,
    size_bytes: u64,
}

impl IndexStore {
    /// Moves the table item at `table_key` from `old` to `new` (`(item, size)`) in this
    /// index, and says what changed.
    pub fn apply(
        &mut self,
        def: &IndexDef,
        table_key: &PrimaryKey,
        old: Option<&Arc<Item>>,
        new: Option<(&Arc<Item>, usize)>,
    ) -> IndexChange {
        let old_key = old.and_then(|item| def.key_of(item));
        let removed = old_key.as_ref().and_then(|(partition, sort)| {
            self.remove(partition, &IndexEntryKey { sort: sort.clone(), table: table_key.clone() })
        });
        let added = new.and_then(|(item, size)| {
            let (partition, sort) = def.key_of(item)?;
            let projected = def.project(item);
            let entry_size = if def.projected.is_none() { size } else { item_size(&projected) };
            let entry = IndexEntry { item: projected, size: entry_size };
            self.insert(
                partition.clone(),
                IndexEntryKey { sort: sort.clone(), table: table_key.clone() },
                entry.clone(),
            );
            Some(((partition, sort), entry))
        });
        match (old_key.zip(removed), added) {
            (None, None) => IndexChange::Absent,
            (None, Some((_, entry))) => IndexChange::Added { size: entry.size },
            (Some((_, entry)), None) => IndexChange::Removed { size: entry.size },
            (Some((old_key, old_entry)), Some((new_key, new_entry))) => {
                if old_key == new_key {
                    let changed = !Arc::ptr_eq(&old_entry.item, &new_entry.item)
                        && *old_entry.item != *new_entry.item;
                    IndexChange::Updated {
                        old_size: old_entry.size,
                        new_size: new_entry.size,
                        changed,
                    }
                } else {
                    IndexChange::KeyChanged { old_size: old_entry.size, new_size: new_entry.size }
                }
            }
        }
    }

    fn insert(&mut self, partition: KeyTuple, key: IndexEntryKey, entry: IndexEntry) {
        let size = u64::try_from(entry.size).unwrap_or(u64::MAX);
        if let Some(previous) = self.partitions.entry(partition).or_default().insert(key, entry) {
            // A table key has one entry at most; replacing one keeps the count.
            self.size_bytes =
                self.size_bytes.saturating_sub(u64::try_from(previous.size).unwrap_or(u64::MAX));
        } else {
            self.item_count += 1;
        }
        self.size_bytes = self.size_bytes.saturating_add(size);
    }

    fn remove(&mut self, partition: &KeyTuple, key: &IndexEntryKey) -> Option<IndexEntry> {
        let entries = self.partitions.get_mut(partition)?;
        let removed = entries.remove(key)?;
        if entries.is_empty() {
            self.partitions.remove(partition);
        }
        self.item_count = self.item_count.saturating_sub(1);
        self.size_bytes =
            self.size_bytes.saturating_sub(u64::try_from(removed.size).unwrap_or(u64::MAX));
        Some(removed)
    }

    /// The entries of one index partition, in index order (sort key, then table key).
    pub fn partition(
        &self,
        partition: &KeyTuple,
    ) -> impl DoubleEndedIterator<Item = (&IndexEntryKey, &IndexEntry)> {
        self.partitions.get(partition).into_iter().flat_map(|entries| entries.iter())
    }

    /// The entries of one index partition, for range reads (`Query`).
    pub fn partition_map(&self, partition: &KeyTuple) -> Option<&IndexPartition> {
        self.partitions.get(partition)
    }

    /// The index partitions in key order, from `start` on (`Scan`).
    pub fn partitions_from(
        &self,
        start: Bound<&KeyTuple>,
    ) -> impl Iterator<Item = (&KeyTuple, &IndexPartition)> {
        self.partitions.range::<KeyTuple, _>((start, Bound::Unbounded))
    }

    /// The number of entries.
    pub fn item_count(&self) -> u64 {
        self.item_count
    }

    /// The summed size of the entries.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::KeyAttr;
    use crate::key_value::KeyValue;
    use singletable_core::number::Number;
    use singletable_core::schema::{IndexKind, ScalarType};
    use singletable_core::value::AttributeValue;

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(text).expect("a valid number"))
    }

    fn item(pairs: &[(&str, AttributeValue)]) -> Arc<Item> {
        Arc::new(pairs.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect())
    }

    fn key(pk: &str) -> PrimaryKey {
        PrimaryKey { partition: KeyValue::S(pk.to_owned()), sort: None }
    }

    fn index(projected: Option<Vec<String>>) -> IndexDef {
        IndexDef {
            name: "gsi".to_owned(),
            kind: IndexKind::Global,
            partition: vec![KeyAttr { name: "g".to_owned(), ty: ScalarType::S }],
            sort: vec![KeyAttr { name: "r".to_owned(), ty: ScalarType::N }],
            projected,
        }
    }

    fn partition(value: &str) -> KeyTuple {
        vec![KeyValue::S(value.to_owned())].into_boxed_slice()
    }

    #[test]
    fn entries_appear_move_and_disappear() {
        let def = index(None);
        let mut store = IndexStore::default();
        let first = item(&[("pk", s("a")), ("g", s("G")), ("r", n("2"))]);
        let change = store.apply(&def, &key("a"), None, Some((&first, 10)));
        assert_eq!(change, IndexChange::Added { size: 10 });
        assert_eq!(store.item_count(), 1);
        assert_eq!(store.size_bytes(), 10);

        let moved = item(&[("pk", s("a")), ("g", s("H")), ("r", n("2"))]);
        let change = store.apply(&def, &key("a"), Some(&first), Some((&moved, 12)));
        assert_eq!(change, IndexChange::KeyChanged { old_size: 10, new_size: 12 });
        assert_eq!(store.partition(&partition("G")).count(), 0);
        assert_eq!(store.partition(&partition("H")).count(), 1);

        let same_key = item(&[("pk", s("a")), ("g", s("H")), ("r", n("2")), ("x", s("new"))]);
        let change = store.apply(&def, &key("a"), Some(&moved), Some((&same_key, 20)));
        assert_eq!(change, IndexChange::Updated { old_size: 12, new_size: 20, changed: true });

        let sparse = item(&[("pk", s("a")), ("g", s("H"))]);
        let change = store.apply(&def, &key("a"), Some(&same_key), Some((&sparse, 5)));
        assert_eq!(change, IndexChange::Removed { size: 20 });
        assert_eq!(store.item_count(), 0);
        assert_eq!(store.size_bytes(), 0);
        assert_eq!(store.partition(&partition("H")).count(), 0);

        let change = store.apply(&def, &key("a"), Some(&sparse), None);
        assert_eq!(change, IndexChange::Absent);
    }

    #[test]
    fn keys_only_entries_are_projected_and_sized_on_their_own() {
        let def = index(Some(vec!["pk".to_owned(), "g".to_owned(), "r".to_owned()]));
        let mut store = IndexStore::default();
        let stored =
            item(&[("pk", s("a")), ("g", s("G")), ("r", n("1")), ("big", s(&"x".repeat(100)))]);
        let change = store.apply(&def, &key("a"), None, Some((&stored, 500)));
        // pk:"a" = 3, g:"G" = 2, r:1 = 1 + 2.
        assert_eq!(change, IndexChange::Added { size: 8 });
        let (_, entry) = store.partition(&partition("G")).next().expect("one entry");
        assert!(!entry.item.contains_key("big"));

        // Changing an attribute outside the projection leaves the entry as it was.
        let other = item(&[("pk", s("a")), ("g", s("G")), ("r", n("1")), ("big", s("y"))]);
        let change = store.apply(&def, &key("a"), Some(&stored), Some((&other, 20)));
        assert_eq!(change, IndexChange::Updated { old_size: 8, new_size: 8, changed: false });
    }

    #[test]
    fn entries_are_ordered_by_sort_key_then_table_key() {
        let def = index(None);
        let mut store = IndexStore::default();
        for (pk, r) in [("c", "10"), ("a", "9"), ("b", "10"), ("d", "-1")] {
            let stored = item(&[("pk", s(pk)), ("g", s("G")), ("r", n(r))]);
            store.apply(&def, &key(pk), None, Some((&stored, 1)));
        }
        let order: Vec<String> = store
            .partition(&partition("G"))
            .map(|(entry_key, _)| match &entry_key.table.partition {
                KeyValue::S(text) => text.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(order, vec!["d", "a", "b", "c"]);
        let last = store.partition(&partition("G")).next_back().map(|(k, _)| k.table.clone());
        assert_eq!(last, Some(key("c")));
    }
}

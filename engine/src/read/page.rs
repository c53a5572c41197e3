//! Reading: the candidates of a query or scan in order, and one page of them (limit,
//! 1 MB, filter, projection, capacity).

use super::*;

/// One item or entry in reading order: the stored item (or entry), its size, and for an
/// index entry the table key of its item.
pub(super) type Candidate<'t> = (&'t Arc<Item>, usize, Option<&'t PrimaryKey>);
pub(super) type Candidates<'t> = Box<dyn Iterator<Item = Candidate<'t>> + 't>;

/// True when `(lower, upper)` holds nothing (`BTreeMap::range` panics on such ranges).
pub(super) fn is_empty_range<T: Ord>(lower: &Bound<T>, upper: &Bound<T>) -> bool {
    use Bound::{Excluded, Included};
    match (lower, upper) {
        (Included(low), Included(high)) => low > high,
        (Included(low) | Excluded(low), Included(high) | Excluded(high)) => low >= high,
        _ => false,
    }
}

pub(super) fn table_range<'t>(
    partition: &'t Partition,
    bounds: (Bound<Option<KeyValue>>, Bound<Option<KeyValue>>),
    forward: bool,
) -> Candidates<'t> {
    if is_empty_range(&bounds.0, &bounds.1) {
        return Box::new(std::iter::empty());
    }
    let items = partition.range(bounds).map(|(_, stored)| (&stored.item, stored.size, None));
    if forward {
        Box::new(items)
    } else {
        Box::new(items.rev())
    }
}

pub(super) fn index_range<'t>(
    partition: &'t IndexPartition,
    bounds: (Bound<IndexEntryKey>, Bound<IndexEntryKey>),
    forward: bool,
) -> Candidates<'t> {
    if is_empty_range(&bounds.0, &bounds.1) {
        return Box::new(std::iter::empty());
    }
    let entries =
        partition.range(bounds).map(|(key, entry)| (&entry.item, entry.size, Some(&key.table)));
    if forward {
        Box::new(entries)
    } else {
        Box::new(entries.rev())
    }
}

pub(super) fn query_candidates<'t>(
    table: &'t Table,
    target: &Target<'_>,
    query: &KeyQuery,
    start: Option<&Start>,
    forward: bool,
) -> Candidates<'t> {
    match target.index {
        None => {
            let Some(partition) = query.partition.first().and_then(|p| table.partition_map(p))
            else {
                return Box::new(std::iter::empty());
            };
            let (mut lower, mut upper) = query.table_bounds();
            if let Some(Start::Table(key)) = start {
                if forward {
                    lower = Bound::Excluded(key.sort.clone());
                } else {
                    upper = Bound::Excluded(key.sort.clone());
                }
            }
            table_range(partition, (lower, upper), forward)
        }
        Some((position, _)) => {
            let tuple: KeyTuple = query.partition.clone().into_boxed_slice();
            let Some(partition) =
                table.index(position).and_then(|store| store.partition_map(&tuple))
            else {
                return Box::new(std::iter::empty());
            };
            let (mut lower, mut upper) = query.index_bounds();
            if let Some(Start::Index(_, entry)) = start {
                if forward {
                    lower = Bound::Excluded(entry.clone());
                } else {
                    upper = Bound::Excluded(entry.clone());
                }
            }
            index_range(partition, (lower, upper), forward)
        }
    }
}

/// The parallel-scan segment of a partition key (see the module docs).
pub(super) fn segment_of<'k>(values: impl IntoIterator<Item = &'k KeyValue>, total: u32) -> u32 {
    let mut hash = FNV_OFFSET;
    for value in values {
        value.stable_hash(&mut hash);
    }
    u32::try_from(hash % u64::from(total.max(1))).unwrap_or(0)
}

pub(super) fn scan_candidates<'t>(
    table: &'t Table,
    target: &Target<'_>,
    start: Option<&Start>,
    segment: Option<(u32, u32)>,
) -> Candidates<'t> {
    let in_segment = move |values: &[KeyValue]| {
        segment.is_none_or(|(segment, total)| segment_of(values, total) == segment)
    };
    match (target.index, start) {
        (None, start) => {
            let start = match start {
                Some(Start::Table(key)) => Some(key.clone()),
                _ => None,
            };
            let first = start.as_ref().map(|key| key.partition.clone());
            let partitions = table
                .partitions_from(first.as_ref().map_or(Bound::Unbounded, Bound::Included))
                .filter(move |(partition, _)| in_segment(std::slice::from_ref(*partition)));
            Box::new(partitions.flat_map(move |(partition, items)| {
                let lower = match &start {
                    Some(key) if key.partition == *partition => Bound::Excluded(key.sort.clone()),
                    _ => Bound::Unbounded,
                };
                table_range(items, (lower, Bound::Unbounded), true)
            }))
        }
        (Some((position, _)), start) => {
            let Some(store) = table.index(position) else { return Box::new(std::iter::empty()) };
            let start = match start {
                Some(Start::Index(partition, entry)) => Some((partition.clone(), entry.clone())),
                _ => None,
            };
            let first = start.as_ref().map(|(partition, _)| partition.clone());
            let partitions = store
                .partitions_from(first.as_ref().map_or(Bound::Unbounded, Bound::Included))
                .filter(move |(partition, _)| in_segment(partition));
            Box::new(partitions.flat_map(move |(partition, entries)| {
                let lower = match &start {
                    Some((first, entry)) if first == partition => Bound::Excluded(entry.clone()),
                    _ => Bound::Unbounded,
                };
                index_range(entries, (lower, Bound::Unbounded), true)
            }))
        }
    }
}

/// One evaluated item or entry.
pub(super) struct Evaluated {
    pub(super) item: Arc<Item>,
    /// The table item, for an LSI read of unprojected attributes.
    pub(super) fetched: Option<StoredItem>,
}

/// The evaluated items of a page, and whether it stopped before the end.
pub(super) struct Page {
    pub(super) evaluated: Vec<Evaluated>,
    pub(super) bytes: usize,
    pub(super) truncated: bool,
}

/// Evaluates candidates up to `limit` items or 1 MB (see the module docs).
pub(super) fn collect(
    candidates: Candidates<'_>,
    table: &Table,
    fetch: bool,
    limit: Option<usize>,
) -> Page {
    let mut page = Page { evaluated: Vec::new(), bytes: 0, truncated: false };
    for (item, size, table_key) in candidates {
        if !page.evaluated.is_empty() && page.bytes.saturating_add(size) > PAGE_BYTES {
            page.truncated = true;
            break;
        }
        page.bytes = page.bytes.saturating_add(size);
        let fetched = if fetch { table_key.and_then(|key| table.get(key)).cloned() } else { None };
        page.evaluated.push(Evaluated { item: Arc::clone(item), fetched });
        if limit.is_some_and(|limit| page.evaluated.len() >= limit) {
            page.truncated = true;
            break;
        }
    }
    page
}

/// Filters and shapes a page, and reports its keys and capacity.
pub(super) fn finish(
    page: Page,
    shape: &Shape,
    filter: Option<&Condition>,
    target: &Target<'_>,
    consistent: bool,
    mode: ReturnConsumedCapacity,
) -> PageOutput {
    let scanned_count = u32::try_from(page.evaluated.len()).unwrap_or(u32::MAX);
    let last_evaluated_key = if page.truncated {
        page.evaluated.last().map(|last| {
            target
                .start_key_attributes()
                .into_iter()
                .filter_map(|attribute| {
                    last.item.get(&attribute.name).map(|v| (attribute.name.clone(), v.clone()))
                })
                .collect::<Item>()
        })
    } else {
        None
    };
    let mut count: u32 = 0;
    let mut items = Vec::new();
    let mut fetched_units = 0.0;
    for evaluated in &page.evaluated {
        if filter.is_some_and(|filter| !eval::evaluate(filter, &evaluated.item)) {
            continue;
        }
        count = count.saturating_add(1);
        if shape.count_only {
            continue;
        }
        let source = match &evaluated.fetched {
            Some(stored) => {
                fetched_units += read_units(stored.size, consistent);
                &stored.item
            }
            None => &evaluated.item,
        };
        items.push(match &shape.projection {
            Some(projection) => projection.apply(source),
            None => Item::clone(source),
        });
    }
    let read = read_units(page.bytes, consistent);
    let consumed_capacity = match target.index {
        None => consumed(mode, target.def, Access::Read, read, &[]),
        Some((position, _)) => {
            let mut index_units = vec![0.0; target.def.indexes.len()];
            if let Some(units) = index_units.get_mut(position) {
                *units = read;
            }
            consumed(mode, target.def, Access::Read, fetched_units, &index_units)
        }
    };
    PageOutput { items, count, scanned_count, last_evaluated_key, consumed_capacity }
}

//! Capacity units, as DynamoDB computes and reports them.
//!
//! - Reads: 4 KB units, rounded up, at least one; an eventually consistent read costs
//!   half. A missing item still costs one unit (0.5 eventually consistent).
//! - Writes: 1 KB units, rounded up, at least one. `PutItem` bills the larger of the old
//!   and new item; `DeleteItem` the deleted item (1 when there was none).
//! - Each secondary index bills its own writes, sized on the index entry: an entry that
//!   appears or disappears costs one write, a changed index key two (delete + put), an
//!   entry whose projected attributes changed one, and an unchanged or absent entry none.

use super::definition::TableDef;
use super::index::IndexChange;
use singletable_core::backend::{Capacity, ConsumedCapacity, ReturnConsumedCapacity};

const READ_UNIT_BYTES: usize = 4 * 1024;
const WRITE_UNIT_BYTES: usize = 1024;

fn units(size: usize, unit: usize) -> f64 {
    let count = size.div_ceil(unit).max(1);
    f64::from(u32::try_from(count).unwrap_or(u32::MAX))
}

/// Read units for one item of `size` bytes (0 for a missing item).
pub(crate) fn read_units(size: usize, consistent: bool) -> f64 {
    let full = units(size, READ_UNIT_BYTES);
    if consistent {
        full
    } else {
        full / 2.0
    }
}

/// Write units for one item of `size` bytes (0 for a missing item).
pub(crate) fn write_units(size: usize) -> f64 {
    units(size, WRITE_UNIT_BYTES)
}

/// Write units one index bills for one table write.
pub(crate) fn index_write_units(change: IndexChange) -> f64 {
    match change {
        IndexChange::Absent | IndexChange::Updated { changed: false, .. } => 0.0,
        IndexChange::Added { size } | IndexChange::Removed { size } => write_units(size),
        IndexChange::KeyChanged { old_size, new_size } => {
            write_units(old_size) + write_units(new_size)
        }
        IndexChange::Updated { old_size, new_size, changed: true } => {
            write_units(old_size.max(new_size))
        }
    }
}

/// Whether units were read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Read units.
    Read,
    /// Write units.
    Write,
}

fn capacity(access: Access, units: f64) -> Capacity {
    match access {
        Access::Read => Capacity {
            capacity_units: units,
            read_capacity_units: units,
            write_capacity_units: 0.0,
        },
        Access::Write => Capacity {
            capacity_units: units,
            read_capacity_units: 0.0,
            write_capacity_units: units,
        },
    }
}

/// The `ConsumedCapacity` to return: `None` unless asked for; `TOTAL` gives the sum;
/// `INDEXES` adds the table's share and each index that consumed units.
/// `index_units` follows [`TableDef::indexes`] (empty for reads of the table only).
pub(crate) fn consumed(
    mode: ReturnConsumedCapacity,
    def: &TableDef,
    access: Access,
    table_units: f64,
    index_units: &[f64],
) -> Option<ConsumedCapacity> {
    if mode == ReturnConsumedCapacity::None {
        return None;
    }
    let total = table_units + index_units.iter().sum::<f64>();
    let sum = capacity(access, total);
    let mut report = ConsumedCapacity {
        table_name: def.name.clone(),
        capacity_units: sum.capacity_units,
        read_capacity_units: sum.read_capacity_units,
        write_capacity_units: sum.write_capacity_units,
        ..ConsumedCapacity::default()
    };
    if mode == ReturnConsumedCapacity::Indexes {
        report.table = Some(capacity(access, table_units));
        for (index, units) in def.indexes.iter().zip(index_units) {
            if *units > 0.0 {
                let entry = (index.name.clone(), capacity(access, *units));
                if index.is_global() {
                    report.global_secondary_indexes.push(entry);
                } else {
                    report.local_secondary_indexes.push(entry);
                }
            }
        }
    }
    Some(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{IndexDef, KeyAttr};
    use singletable_core::schema::{BillingMode, IndexKind, ScalarType};

    #[test]
    fn reads_round_up_to_4_kb() {
        assert_eq!(read_units(0, true), 1.0, "a missing item costs a unit");
        assert_eq!(read_units(0, false), 0.5);
        assert_eq!(read_units(1, true), 1.0);
        assert_eq!(read_units(4096, true), 1.0);
        assert_eq!(read_units(4097, true), 2.0);
        assert_eq!(read_units(4097, false), 1.0);
        assert_eq!(read_units(409_600, true), 100.0);
        assert_eq!(read_units(409_600, false), 50.0);
        // Facts: 1,200,120 B in 4 KB units is 293, halved 146.5.
        assert_eq!(read_units(1_200_120, false), 146.5);
    }

    #[test]
    fn writes_round_up_to_1_kb() {
        assert_eq!(write_units(0), 1.0);
        assert_eq!(write_units(500), 1.0);
        assert_eq!(write_units(1024), 1.0);
        assert_eq!(write_units(1025), 2.0);
        assert_eq!(write_units(1536), 2.0, "1.5 KB");
        assert_eq!(write_units(3584), 4.0, "3.5 KB");
        assert_eq!(write_units(409_600), 400.0);
    }

    #[test]
    fn index_writes_follow_the_entry() {
        assert_eq!(index_write_units(IndexChange::Absent), 0.0);
        assert_eq!(index_write_units(IndexChange::Added { size: 1536 }), 2.0);
        assert_eq!(index_write_units(IndexChange::Removed { size: 100 }), 1.0);
        assert_eq!(
            index_write_units(IndexChange::KeyChanged { old_size: 1536, new_size: 1536 }),
            4.0
        );
        assert_eq!(
            index_write_units(IndexChange::Updated {
                old_size: 900,
                new_size: 1100,
                changed: true
            }),
            2.0
        );
        assert_eq!(
            index_write_units(IndexChange::Updated {
                old_size: 900,
                new_size: 1100,
                changed: false
            }),
            0.0
        );
    }

    fn def() -> TableDef {
        let key = |name: &str| KeyAttr { name: name.to_owned(), ty: ScalarType::S };
        TableDef {
            name: "t".to_owned(),
            arn: String::new(),
            partition_key: key("pk"),
            sort_key: Some(key("sk")),
            indexes: vec![
                IndexDef {
                    name: "g".to_owned(),
                    kind: IndexKind::Global,
                    partition: vec![key("g")],
                    sort: vec![],
                    projected: None,
                },
                IndexDef {
                    name: "h".to_owned(),
                    kind: IndexKind::Global,
                    partition: vec![key("h")],
                    sort: vec![],
                    projected: None,
                },
                IndexDef {
                    name: "l".to_owned(),
                    kind: IndexKind::Local,
                    partition: vec![key("pk")],
                    sort: vec![key("l")],
                    projected: None,
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
        }
    }

    #[test]
    fn reports_follow_return_consumed_capacity() {
        let def = def();
        assert_eq!(
            consumed(ReturnConsumedCapacity::None, &def, Access::Write, 2.0, &[2.0, 0.0, 1.0]),
            None
        );

        let total =
            consumed(ReturnConsumedCapacity::Total, &def, Access::Write, 2.0, &[2.0, 0.0, 1.0])
                .expect("a report");
        assert_eq!(total.table_name, "t");
        assert_eq!(total.capacity_units, 5.0);
        assert_eq!(total.write_capacity_units, 5.0);
        assert_eq!(total.read_capacity_units, 0.0);
        assert!(total.table.is_none());
        assert!(total.global_secondary_indexes.is_empty());

        let indexes =
            consumed(ReturnConsumedCapacity::Indexes, &def, Access::Write, 2.0, &[2.0, 0.0, 1.0])
                .expect("a report");
        assert_eq!(indexes.capacity_units, 5.0);
        assert_eq!(indexes.table.map(|t| t.capacity_units), Some(2.0));
        assert_eq!(indexes.global_secondary_indexes.len(), 1);
        assert_eq!(indexes.global_secondary_indexes[0].0, "g");
        assert_eq!(indexes.global_secondary_indexes[0].1.write_capacity_units, 2.0);
        assert_eq!(indexes.local_secondary_indexes.len(), 1);
        assert_eq!(indexes.local_secondary_indexes[0].1.capacity_units, 1.0);

        let read = consumed(ReturnConsumedCapacity::Indexes, &def, Access::Read, 0.5, &[])
            .expect("a report");
        assert_eq!(read.capacity_units, 0.5);
        assert_eq!(read.read_capacity_units, 0.5);
        assert_eq!(read.table.map(|t| t.read_capacity_units), Some(0.5));
        assert!(
            read.global_secondary_indexes.is_empty() && read.local_secondary_indexes.is_empty()
        );
    }
}

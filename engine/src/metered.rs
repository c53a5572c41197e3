//! The data operations under the capacity model (`throughput`): each asks the model
//! before it runs, and charges it with exactly the units its `ConsumedCapacity` reports
//! (the request is run with `INDEXES`, and the caller gets the report it asked for).
//!
//! - Writes (`PutItem`, `UpdateItem`, `DeleteItem`) are admitted or throttled *before*
//!   they run, so a throttled write changes nothing. A write whose condition fails is
//!   charged too, as DynamoDB charges it: the new item's size for a put, one unit
//!   otherwise.
//! - Reads (`GetItem`, `Query`, `Scan`) run first and are checked after: a read has no
//!   effect, so a request that is both invalid and throttled answers its validation
//!   error, as DynamoDB (which validates first) does.
//! - `BatchWriteItem` and `BatchGetItem` are metered item by item in `batch`: throttled
//!   items come back in `UnprocessedItems` / `UnprocessedKeys`, and the whole request
//!   fails only when every item was throttled (API reference, `BatchWriteItem`).
//! - Transactions are admitted item by item before they run; any refusal cancels the
//!   transaction (`TransactionCanceledException`, reason `ProvisionedThroughputExceeded`
//!   or `ThrottlingError` on the items refused, `None` on the others). Their table's
//!   units are shared evenly among the partitions of the table's items.
//!
//! PartiQL statements, TTL deletes, imports and restores are not metered (TTL deletes
//! consume no capacity in DynamoDB either; PartiQL is a known gap, docs/capacity.md).

use std::sync::Arc;

use super::capacity::{write_units, Access};
use super::definition::TableDef;
use super::throughput::{partition_label, table_partition, CapacityModel, Target};
use super::{items, read, transact, update, MemoryBackend};
use singletable_core::backend::{
    ConsumedCapacity, DeleteItemInput, GetItemInput, GetItemOutput, PageOutput, PutItemInput,
    QueryInput, ReturnConsumedCapacity, ScanInput, TransactGetItemsInput, TransactGetItemsOutput,
    TransactWriteItem, TransactWriteItemsInput, TransactWriteItemsOutput, UpdateItemInput,
    WriteItemOutput,
};
use singletable_core::error::{CancellationReason, Error, Result};
use singletable_core::size::item_size;
use singletable_core::value::Item;

/// The report the caller asked for, from the `INDEXES` report the model was charged with.
pub(crate) fn trim(
    report: Option<ConsumedCapacity>,
    asked: ReturnConsumedCapacity,
) -> Option<ConsumedCapacity> {
    match asked {
        ReturnConsumedCapacity::None => None,
        ReturnConsumedCapacity::Indexes => report,
        ReturnConsumedCapacity::Total => report.map(|mut report| {
            report.table = None;
            report.global_secondary_indexes.clear();
            report.local_secondary_indexes.clear();
            report
        }),
    }
}

fn ask_indexes(field: &mut ReturnConsumedCapacity) -> ReturnConsumedCapacity {
    std::mem::replace(field, ReturnConsumedCapacity::Indexes)
}

/// The GSI named `index`, if it is one (an LSI reads the table's capacity).
fn global<'a>(def: &TableDef, index: Option<&'a str>) -> Option<&'a str> {
    index.filter(|name| def.index(name).is_some_and(|(_, index)| index.is_global()))
}

impl MemoryBackend {
    /// The time now by the engine's clock, epoch milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        self.catalog.feeds().now_ms()
    }

    fn def_of(&self, table_name: &str) -> Result<Arc<TableDef>> {
        Ok(self.catalog.table(table_name)?.def())
    }
}

/// `GetItem` under the model.
pub(crate) fn get_item(
    db: &MemoryBackend,
    model: &CapacityModel,
    mut input: GetItemInput,
) -> Result<GetItemOutput> {
    let asked = ask_indexes(&mut input.return_consumed_capacity);
    let def = db.def_of(&input.table_name).ok();
    let label = def.as_ref().and_then(|def| table_partition(def, &input.key));
    // The read first: its validation errors come before any throttle.
    let mut output = items::get_item(&db.catalog, input)?;
    let Some(def) = def else {
        output.consumed_capacity = trim(output.consumed_capacity, asked);
        return Ok(output);
    };
    let target =
        Target { def: &def, access: Access::Read, index: None, partition: label.as_deref() };
    finish_read(db, model, &target, output.consumed_capacity.as_ref())?;
    output.consumed_capacity = trim(output.consumed_capacity, asked);
    Ok(output)
}

/// `Query` under the model: the table's (or the GSI's) partition the key condition names.
pub(crate) fn query(
    db: &MemoryBackend,
    model: &CapacityModel,
    mut input: QueryInput,
) -> Result<PageOutput> {
    let asked = ask_indexes(&mut input.return_consumed_capacity);
    let (table_name, index_name) = (input.table_name.clone(), input.index_name.clone());
    let parts = &input.key_condition.partition;
    let label = (!parts.is_empty())
        .then(|| partition_label(parts.iter().map(|(name, value)| (name.as_str(), value))));
    let mut output = read::query(&db.catalog, input)?;
    let def = db.def_of(&table_name)?;
    let index = global(&def, index_name.as_deref()).map(str::to_owned);
    let target = Target {
        def: &def,
        access: Access::Read,
        index: index.as_deref(),
        partition: label.as_deref(),
    };
    finish_read(db, model, &target, output.consumed_capacity.as_ref())?;
    output.consumed_capacity = trim(output.consumed_capacity, asked);
    Ok(output)
}

/// `Scan` under the model: the table's (or the GSI's) capacity, no one partition.
pub(crate) fn scan(
    db: &MemoryBackend,
    model: &CapacityModel,
    mut input: ScanInput,
) -> Result<PageOutput> {
    let asked = ask_indexes(&mut input.return_consumed_capacity);
    let (table_name, index_name) = (input.table_name.clone(), input.index_name.clone());
    let mut output = read::scan(&db.catalog, input)?;
    let def = db.def_of(&table_name)?;
    let index = global(&def, index_name.as_deref()).map(str::to_owned);
    let target =
        Target { def: &def, access: Access::Read, index: index.as_deref(), partition: None };
    finish_read(db, model, &target, output.consumed_capacity.as_ref())?;
    output.consumed_capacity = trim(output.consumed_capacity, asked);
    Ok(output)
}

/// A read that ran: throttled if the model refuses it now, else charged.
fn finish_read(
    db: &MemoryBackend,
    model: &CapacityModel,
    target: &Target<'_>,
    report: Option<&ConsumedCapacity>,
) -> Result<()> {
    let now = db.now_ms();
    model.admit(target, now).map_err(|throttle| model.throttled(target, &throttle))?;
    if let Some(report) = report {
        model.charge(target, report, now);
        model.observe(target, report);
    }
    Ok(())
}

/// `PutItem` under the model.
pub(crate) fn put_item(
    db: &MemoryBackend,
    model: &CapacityModel,
    mut input: PutItemInput,
) -> Result<WriteItemOutput> {
    let asked = ask_indexes(&mut input.return_consumed_capacity);
    let failed_units = write_units(item_size(&input.item));
    let def = db.def_of(&input.table_name).ok();
    let label = def.as_ref().and_then(|def| table_partition(def, &input.item));
    write(model, db.now_ms(), def, label, failed_units, asked, || {
        db.inflight.check_put(&db.catalog, &input.table_name, &input.item)?;
        items::put_item(&db.catalog, input)
    })
}

/// `UpdateItem` under the model.
pub(crate) fn update_item(
    db: &MemoryBackend,
    model: &CapacityModel,
    mut input: UpdateItemInput,
) -> Result<WriteItemOutput> {
    let asked = ask_indexes(&mut input.return_consumed_capacity);
    let def = db.def_of(&input.table_name).ok();
    let label = def.as_ref().and_then(|def| table_partition(def, &input.key));
    write(model, db.now_ms(), def, label, 1.0, asked, || {
        db.inflight.check_key(&db.catalog, &input.table_name, &input.key)?;
        update::update_item(&db.catalog, input)
    })
}

/// `DeleteItem` under the model.
pub(crate) fn delete_item(
    db: &MemoryBackend,
    model: &CapacityModel,
    mut input: DeleteItemInput,
) -> Result<WriteItemOutput> {
    let asked = ask_indexes(&mut input.return_consumed_capacity);
    let def = db.def_of(&input.table_name).ok();
    let label = def.as_ref().and_then(|def| table_partition(def, &input.key));
    write(model, db.now_ms(), def, label, 1.0, asked, || {
        db.inflight.check_key(&db.catalog, &input.table_name, &input.key)?;
        items::delete_item(&db.catalog, input)
    })
}

/// A single-item write: admitted first (a throttled write changes nothing), then run
/// and charged; a failed condition is charged `failed_units`.
fn write(
    model: &CapacityModel,
    now: i64,
    def: Option<Arc<TableDef>>,
    label: Option<String>,
    failed_units: f64,
    asked: ReturnConsumedCapacity,
    run: impl FnOnce() -> Result<WriteItemOutput>,
) -> Result<WriteItemOutput> {
    // A missing table or an invalid name: the write fails on its own, with all its
    // validation errors.
    let Some(def) = def else {
        return run().map(|mut output| {
            output.consumed_capacity = trim(output.consumed_capacity, asked);
            output
        });
    };
    let target =
        Target { def: &def, access: Access::Write, index: None, partition: label.as_deref() };
    model.admit(&target, now).map_err(|throttle| model.throttled(&target, &throttle))?;
    match run() {
        Ok(mut output) => {
            if let Some(report) = &output.consumed_capacity {
                model.charge(&target, report, now);
                model.observe(&target, report);
            }
            output.consumed_capacity = trim(output.consumed_capacity, asked);
            Ok(output)
        }
        Err(error @ Error::ConditionalCheckFailed { .. }) => {
            model.charge_units(&target, failed_units, &[], now);
            model.observe_units(&target, failed_units);
            Err(error)
        }
        Err(error) => Err(error),
    }
}

/// The table, key and partition of one transaction item.
fn transact_key(item: &TransactWriteItem) -> (&str, &Item) {
    match item {
        TransactWriteItem::Put { table_name, item, .. } => (table_name, item),
        TransactWriteItem::Update { table_name, key, .. }
        | TransactWriteItem::Delete { table_name, key, .. }
        | TransactWriteItem::ConditionCheck { table_name, key, .. } => (table_name, key),
    }
}

/// Admits every item of a transaction, or cancels it: `None` reasons for the items that
/// could go ahead, the throttle's reason for the others. `Ok` carries each item's
/// definition and partition label, for charging.
fn admit_all<'a>(
    db: &MemoryBackend,
    model: &CapacityModel,
    access: Access,
    items: impl Iterator<Item = (&'a str, &'a Item)>,
    now: i64,
) -> Result<Option<Vec<Admitted>>> {
    let mut admitted = Vec::new();
    let mut reasons = Vec::new();
    let mut refused = false;
    for (table_name, key) in items {
        // A missing table or an invalid key: the transaction fails on its own.
        let Ok(def) = db.def_of(table_name) else { return Ok(None) };
        let label = table_partition(&def, key);
        let target = Target { def: &def, access, index: None, partition: label.as_deref() };
        match model.admit(&target, now) {
            Ok(()) => reasons.push(none_reason()),
            Err(throttle) => {
                refused = true;
                model.record_throttle(&target, &throttle);
                reasons.push(throttle.cancellation_reason());
            }
        }
        admitted.push((def, label));
    }
    if refused {
        return Err(Error::TransactionCanceled { reasons, source: None });
    }
    Ok(Some(admitted))
}

/// One admitted transaction item: its table's definition and its partition label.
type Admitted = (Arc<TableDef>, Option<String>);

fn none_reason() -> CancellationReason {
    CancellationReason { code: "None".to_owned(), message: None, item: None }
}

/// Charges a transaction's per-table reports: each table's units shared evenly among the
/// partitions of its items, its GSIs' units charged once.
fn charge_transaction(
    model: &CapacityModel,
    access: Access,
    admitted: &[Admitted],
    reports: &[ConsumedCapacity],
    now: i64,
) {
    for report in reports {
        let items: Vec<&Admitted> =
            admitted.iter().filter(|(def, _)| def.name == report.table_name).collect();
        let Some(count) = u32::try_from(items.len()).ok().filter(|count| *count > 0) else {
            continue;
        };
        let table = report.table.map_or(0.0, |table| table.capacity_units)
            + report.local_secondary_indexes.iter().map(|(_, c)| c.capacity_units).sum::<f64>();
        let gsis: Vec<(&str, f64)> = report
            .global_secondary_indexes
            .iter()
            .map(|(name, c)| (name.as_str(), c.capacity_units))
            .collect();
        for (position, (def, label)) in items.into_iter().enumerate() {
            let target = Target { def, access, index: None, partition: label.as_deref() };
            let share = table / f64::from(count);
            let gsis = if position == 0 { &gsis[..] } else { &[] };
            model.charge_units(&target, share, gsis, now);
        }
        if let Some((def, label)) = admitted.iter().find(|(def, _)| def.name == report.table_name) {
            let target = Target { def, access, index: None, partition: label.as_deref() };
            model.observe(&target, report);
        }
    }
}

/// `TransactWriteItems` under the model.
pub(crate) async fn transact_write_items(
    db: &MemoryBackend,
    model: &CapacityModel,
    mut input: TransactWriteItemsInput,
) -> Result<TransactWriteItemsOutput> {
    let asked = ask_indexes(&mut input.return_consumed_capacity);
    let now = db.now_ms();
    let admitted = admit_all(db, model, Access::Write, input.items.iter().map(transact_key), now)?;
    let mut output =
        transact::transact_write_items(&db.catalog, &db.tokens, &db.inflight, input).await?;
    if let Some(admitted) = admitted {
        charge_transaction(model, Access::Write, &admitted, &output.consumed_capacity, now);
    }
    output.consumed_capacity =
        output.consumed_capacity.into_iter().filter_map(|r| trim(Some(r), asked)).collect();
    Ok(output)
}

/// `TransactGetItems` under the model.
pub(crate) fn transact_get_items(
    db: &MemoryBackend,
    model: &CapacityModel,
    mut input: TransactGetItemsInput,
) -> Result<TransactGetItemsOutput> {
    let asked = ask_indexes(&mut input.return_consumed_capacity);
    let now = db.now_ms();
    let items = input.items.iter().map(|item| (item.table_name.as_str(), &item.key));
    let admitted = admit_all(db, model, Access::Read, items, now)?;
    let mut output = transact::transact_get_items(&db.catalog, &db.inflight, input)?;
    if let Some(admitted) = admitted {
        charge_transaction(model, Access::Read, &admitted, &output.consumed_capacity, now);
    }
    output.consumed_capacity =
        output.consumed_capacity.into_iter().filter_map(|r| trim(Some(r), asked)).collect();
    Ok(output)
}

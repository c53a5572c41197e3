//! `BatchWriteItem` and `BatchGetItem`.
//!
//! A batch is validated whole before anything is read or written: the request counts,
//! every table, every key and item (as `PutItem` and `DeleteItem` check them), repeated
//! keys and the sizes. Any invalid request rejects the whole batch. Then each request
//! runs on its own under its table's lock: each put or delete is atomic, the batch as a
//! whole is not (as in DynamoDB). Tables are visited in name order, requests in the order
//! given.
//!
//! Capacity is reported once per table, adding each item's units rounded separately; a
//! key of `BatchGetItem` that finds no item costs nothing (as DynamoDB Local reports it).
//!
//! A write request for an item that a running transaction owns (see `transact`) is not
//! applied: it is returned in `UnprocessedItems`, like a throttled request. So is a
//! request (a key in `UnprocessedKeys`, for `BatchGetItem`) whose table's definition an
//! `UpdateTable` replaced after the batch was checked (see `catalog`): its retry is
//! checked against the new definition.
//!
//! With [fault injection](super::FaultConfig) a random subset of the requests is left
//! out and returned in `UnprocessedItems` / `UnprocessedKeys`, in the request's shape;
//! what is returned there was not applied (or read), and everything else was.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::capacity::{consumed, index_write_units, read_units, write_units, Access};
use super::catalog::{Catalog, TableHandle};
use super::definition::TableDef;
use super::echo;
use super::faults::Faults;
use super::inflight::InFlight;
use super::items::local_index_entries_size;
use super::key_value::PrimaryKey;
use super::projection::Projection;
use super::throughput::{table_partition, CapacityModel, Target, Throttle};
use super::validate::{
    check_index_keys, check_item_size, check_item_values, check_scalar_key_paths, item_primary_key,
    request_primary_key,
};
use singletable_core::backend::{
    BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput,
    KeysAndAttributes, ReturnConsumedCapacity, WriteRequest,
};
use singletable_core::error::{Error, Result};
use singletable_core::size::item_size;
use singletable_core::value::Item;

use singletable_core::limits::{
    MAX_BATCH_BYTES, MAX_BATCH_KEYS as MAX_BATCH_GET, MAX_BATCH_WRITES as MAX_BATCH_WRITE,
};

fn duplicates() -> Error {
    Error::validation("Provided list of item keys contains duplicates")
}

/// One validated write request.
struct Checked {
    key: PrimaryKey,
    /// The item and its size, for a put.
    put: Option<(Arc<Item>, usize)>,
    request: WriteRequest,
}

/// The checked writes of one table, with its handle and the definition they were
/// checked against.
type TableWrites = (Arc<TableHandle>, Arc<TableDef>, Vec<Checked>);

/// `BatchWriteItem`.
pub(crate) fn batch_write_item(
    catalog: &Catalog,
    inflight: &InFlight,
    faults: Option<&Faults>,
    model: Option<(&CapacityModel, i64)>,
    input: BatchWriteItemInput,
) -> Result<BatchWriteItemOutput> {
    let BatchWriteItemInput { request_items, return_consumed_capacity } = input;
    if request_items.is_empty() {
        // DynamoDB Local: `1 validation error detected: Value '{}' at 'requestItems' ...`.
        return Err(Error::validation("The requestItems parameter is required for BatchWriteItem"));
    }
    if request_items
        .values()
        .any(|requests| requests.is_empty() || requests.len() > MAX_BATCH_WRITE)
    {
        // DynamoDB echoes the whole map (in its Java form) and lists both constraints of a
        // map value; DynamoDB Local: `Too many items requested for the BatchWriteItem call`.
        return Err(Error::validation(format!(
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to {MAX_BATCH_WRITE}, Member must have length greater than or equal to 1]",
            echo::write_requests(&request_items)
        )));
    }
    let total: usize = request_items.values().map(Vec::len).sum();
    if total > MAX_BATCH_WRITE {
        return Err(Error::validation("Too many items requested for the BatchWriteItem call"));
    }
    let mut tables: BTreeMap<String, TableWrites> = BTreeMap::new();
    let mut request_bytes = 0usize;
    for (table_name, requests) in request_items {
        let handle = catalog.table(&table_name)?;
        let def = handle.def();
        let mut seen = HashSet::with_capacity(requests.len());
        let mut checked = Vec::with_capacity(requests.len());
        for request in requests {
            let (key, put) = match &request {
                WriteRequest::Put { item } => {
                    check_item_values(item)?;
                    let key = item_primary_key(&def, item)?;
                    check_index_keys(&def, item)?;
                    let size = item_size(item);
                    let shared = Arc::new(item.clone());
                    check_item_size(
                        size.saturating_add(local_index_entries_size(&def, &shared, size)),
                    )?;
                    request_bytes = request_bytes.saturating_add(size);
                    (key, Some((shared, size)))
                }
                WriteRequest::Delete { key } => {
                    request_bytes = request_bytes.saturating_add(item_size(key));
                    (request_primary_key(&def, key)?, None)
                }
            };
            if !seen.insert(key.clone()) {
                return Err(duplicates());
            }
            checked.push(Checked { key, put, request });
        }
        tables.insert(table_name, (handle, def, checked));
    }
    if request_bytes > MAX_BATCH_BYTES {
        return Err(Error::validation(
            "Item size has exceeded the maximum allowed size of the BatchWriteItem request",
        ));
    }

    let mut output = BatchWriteItemOutput::default();
    let mut processed = 0usize;
    let mut throttles: Vec<Throttle> = Vec::new();
    for (table_name, (handle, def, checked)) in tables {
        let mut table_units = 0.0;
        let mut index_units = vec![0.0; def.indexes.len()];
        let mut unprocessed = Vec::new();
        for Checked { key, put, request } in checked {
            if faults.is_some_and(Faults::leave_unprocessed) {
                unprocessed.push(request);
                continue;
            }
            // The capacity model: a throttled item is left for a retry.
            let label = model.and_then(|_| match &request {
                WriteRequest::Put { item } => table_partition(&def, item),
                WriteRequest::Delete { key } => table_partition(&def, key),
            });
            let target = Target {
                def: &def,
                access: Access::Write,
                index: None,
                partition: label.as_deref(),
            };
            if let Some((model, now)) = model {
                if let Err(throttle) = model.admit(&target, now) {
                    model.record_throttle(&target, &throttle);
                    throttles.push(throttle);
                    unprocessed.push(request);
                    continue;
                }
            }
            // An item a running transaction owns is left for a retry.
            if inflight.check_write(&table_name, &key).is_err() {
                unprocessed.push(request);
                continue;
            }
            // The requests were checked against `def`: when `UpdateTable` replaced it
            // meanwhile, they are left for a retry, which checks them again.
            let Some(mut table) = handle.write_current(&def) else {
                unprocessed.push(request);
                continue;
            };
            let (outcome, item_units) = match put {
                Some((item, size)) => {
                    let outcome = table.put(key, item, size);
                    let units =
                        write_units(size.max(outcome.old.as_ref().map_or(0, |old| old.size)));
                    (outcome, units)
                }
                None => {
                    let outcome = table.delete(&key);
                    let units = write_units(outcome.old.as_ref().map_or(0, |old| old.size));
                    (outcome, units)
                }
            };
            drop(table);
            processed += 1;
            table_units += item_units;
            let mut local_units = 0.0;
            let mut global_units: Vec<(&str, f64)> = Vec::new();
            for ((sum, change), index) in
                index_units.iter_mut().zip(&outcome.index_changes).zip(&def.indexes)
            {
                let units = index_write_units(*change);
                *sum += units;
                if index.is_global() {
                    global_units.push((index.name.as_str(), units));
                } else {
                    local_units += units;
                }
            }
            if let Some((model, now)) = model {
                model.charge_units(&target, item_units + local_units, &global_units, now);
                let report = consumed(
                    ReturnConsumedCapacity::Indexes,
                    &def,
                    Access::Write,
                    item_units,
                    &outcome
                        .index_changes
                        .iter()
                        .map(|change| index_write_units(*change))
                        .collect::<Vec<f64>>(),
                );
                if let Some(report) = report {
                    model.observe(&target, &report);
                }
            }
        }
        if !unprocessed.is_empty() {
            output.unprocessed_items.insert(table_name, unprocessed);
        }
        if let Some(report) =
            consumed(return_consumed_capacity, &def, Access::Write, table_units, &index_units)
        {
            output.consumed_capacity.push(report);
        }
    }
    // Every item throttled: the request fails as a whole (API reference,
    // `BatchWriteItem`); nothing was applied.
    if processed == 0 && !throttles.is_empty() && throttles.len() == total {
        return Err(throttles[0].error());
    }
    Ok(output)
}

/// `BatchGetItem`.
pub(crate) fn batch_get_item(
    catalog: &Catalog,
    faults: Option<&Faults>,
    model: Option<(&CapacityModel, i64)>,
    input: BatchGetItemInput,
) -> Result<BatchGetItemOutput> {
    let BatchGetItemInput { request_items, return_consumed_capacity } = input;
    if request_items.is_empty() {
        // DynamoDB Local: `BatchGetItem must have some requests set`.
        return Err(Error::validation("The requestItems parameter is required for BatchGetItem"));
    }
    // One table's keys over the cap is a constraint on that member (named without its
    // value); over the cap only in total, DynamoDB's own message.
    let mut over: Vec<&String> = request_items
        .iter()
        .filter(|(_, request)| request.keys.len() > MAX_BATCH_GET)
        .map(|(name, _)| name)
        .collect();
    over.sort();
    if let Some(table_name) = over.first() {
        return Err(Error::validation(format!(
            "1 validation error detected: Value at 'RequestItems.{table_name}.member.Keys' failed to satisfy constraint: Member must have length less than or equal to {MAX_BATCH_GET}"
        )));
    }
    let total: usize = request_items.values().map(|request| request.keys.len()).sum();
    if total > MAX_BATCH_GET {
        return Err(Error::validation("Too many items requested for the BatchGetItem call"));
    }
    struct Checked {
        handle: Arc<TableHandle>,
        def: Arc<TableDef>,
        keys: Vec<(PrimaryKey, Item)>,
        consistent_read: bool,
        projection: Option<Projection>,
        paths: Option<Vec<singletable_core::expr::Path>>,
    }
    let mut tables: BTreeMap<String, Checked> = BTreeMap::new();
    for (table_name, request) in request_items {
        let KeysAndAttributes { keys, consistent_read, projection: paths } = request;
        if keys.is_empty() {
            return Err(Error::validation(format!(
                "1 validation error detected: Value '[]' at 'requestItems.{table_name}.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )));
        }
        let projection = paths.as_deref().map(Projection::new).transpose()?;
        let handle = catalog.table(&table_name)?;
        let def = handle.def();
        check_scalar_key_paths(&def, paths.iter().flatten())?;
        let mut seen = HashSet::with_capacity(keys.len());
        let mut checked = Vec::with_capacity(keys.len());
        for key in keys {
            let primary = request_primary_key(&def, &key)?;
            if !seen.insert(primary.clone()) {
                return Err(duplicates());
            }
            checked.push((primary, key));
        }
        tables.insert(
            table_name,
            Checked { handle, def, keys: checked, consistent_read, projection, paths },
        );
    }

    let mut output = BatchGetItemOutput::default();
    let mut response_bytes = 0usize;
    let mut processed = 0usize;
    let mut throttles: Vec<Throttle> = Vec::new();
    for (table_name, checked) in tables {
        let Checked { handle, def, keys, consistent_read, projection, paths } = checked;
        let mut units = 0.0;
        let mut found = Vec::new();
        let mut unprocessed = Vec::new();
        for (primary, key) in keys {
            if response_bytes >= MAX_BATCH_BYTES || faults.is_some_and(Faults::leave_unprocessed) {
                unprocessed.push(key);
                continue;
            }
            // The capacity model: a throttled key is left for a retry.
            let label = model.and_then(|_| table_partition(&def, &key));
            let target = Target {
                def: &def,
                access: Access::Read,
                index: None,
                partition: label.as_deref(),
            };
            if let Some((model, now)) = model {
                if let Err(throttle) = model.admit(&target, now) {
                    model.record_throttle(&target, &throttle);
                    throttles.push(throttle);
                    unprocessed.push(key);
                    continue;
                }
            }
            // Checked against `def`: when `UpdateTable` replaced it meanwhile, the key is
            // left for a retry, which checks it again.
            let Some(table) = handle.read_current(&def) else {
                unprocessed.push(key);
                continue;
            };
            let stored = table.get(&primary).cloned();
            drop(table);
            processed += 1;
            // A missing key costs nothing (DynamoDB Local's figures).
            if let Some(stored) = stored {
                // The response never exceeds 16 MB: an item that would take it over is
                // left for the next call (the first item always fits: 400 KB at most).
                if response_bytes.saturating_add(stored.size) > MAX_BATCH_BYTES {
                    response_bytes = MAX_BATCH_BYTES;
                    unprocessed.push(key);
                    continue;
                }
                let item_units = read_units(stored.size, consistent_read);
                units += item_units;
                if let Some((model, now)) = model {
                    model.charge_units(&target, item_units, &[], now);
                    model.observe_units(&target, item_units);
                }
                response_bytes = response_bytes.saturating_add(stored.size);
                found.push(match &projection {
                    Some(projection) => projection.apply(&stored.item),
                    None => Arc::unwrap_or_clone(stored.item),
                });
            }
        }
        output.responses.insert(table_name.clone(), found);
        if !unprocessed.is_empty() {
            output.unprocessed_keys.insert(
                table_name.clone(),
                KeysAndAttributes { keys: unprocessed, consistent_read, projection: paths },
            );
        }
        if let Some(report) = consumed(return_consumed_capacity, &def, Access::Read, units, &[]) {
            output.consumed_capacity.push(report);
        }
    }
    // Every key throttled: the request fails as a whole (API reference, `BatchGetItem`).
    if processed == 0 && !throttles.is_empty() && throttles.len() == total {
        return Err(throttles[0].error());
    }
    Ok(output)
}

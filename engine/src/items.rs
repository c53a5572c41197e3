//! The single-item operations: `GetItem`, `PutItem`, `DeleteItem` (and the helpers
//! `UpdateItem` shares with them).
//!
//! Each one validates everything it can before taking the table's lock (parameters,
//! expressions, the item and its keys, its size), holds the lock only to read or to
//! evaluate the condition and write, and copies items out after releasing it.

use std::sync::Arc;

use super::capacity::{consumed, index_write_units, read_units, write_units, Access};
use super::catalog::Catalog;
use super::definition::TableDef;
use super::eval::{self, ExpressionKind};
use super::index::IndexChange;
use super::projection::Projection;
use super::table::StoredItem;
use super::validate::{
    check_index_keys, check_item_size, check_item_values, check_name,
    check_put_delete_return_values, check_scalar_key_paths, item_primary_key, request_primary_key,
};
use singletable_core::backend::{
    DeleteItemInput, GetItemInput, GetItemOutput, PutItemInput, ReturnConsumedCapacity,
    ReturnValues, WriteItemOutput,
};
use singletable_core::error::{Error, Result};
use singletable_core::expr::Condition;
use singletable_core::size::item_size;
use singletable_core::value::Item;

/// `GetItem`.
pub(crate) fn get_item(catalog: &Catalog, input: GetItemInput) -> Result<GetItemOutput> {
    check_name(&input.table_name)?;
    let projection = input.projection.as_deref().map(Projection::new).transpose()?;
    let handle = catalog.table(&input.table_name)?;
    let (def, stored) = loop {
        let def = handle.def();
        check_scalar_key_paths(&def, input.projection.iter().flatten())?;
        let key = request_primary_key(&def, &input.key)?;
        // A definition replaced meanwhile: start over (see `catalog`).
        let Some(table) = handle.read_current(&def) else { continue };
        let stored = table.get(&key).cloned();
        drop(table);
        break (def, stored);
    };
    let size = stored.as_ref().map_or(0, |stored| stored.size);
    let item = stored.map(|stored| match &projection {
        Some(projection) => projection.apply(&stored.item),
        None => Arc::unwrap_or_clone(stored.item),
    });
    let units = read_units(size, input.consistent_read);
    let consumed_capacity =
        consumed(input.return_consumed_capacity, &def, Access::Read, units, &[]);
    Ok(GetItemOutput { item, consumed_capacity })
}

/// `PutItem`.
pub(crate) fn put_item(catalog: &Catalog, input: PutItemInput) -> Result<WriteItemOutput> {
    let PutItemInput {
        table_name,
        item,
        condition,
        return_values,
        return_consumed_capacity,
        return_old_on_condition_failure,
    } = input;
    check_name(&table_name)?;
    check_put_delete_return_values(return_values)?;
    check_condition(condition.as_ref())?;
    check_item_values(&item)?;
    let handle = catalog.table(&table_name)?;
    let size = item_size(&item);
    let item = Arc::new(item);
    let (def, outcome) = loop {
        let def = handle.def();
        check_condition_keys(&def, condition.as_ref())?;
        let key = item_primary_key(&def, &item)?;
        check_index_keys(&def, &item)?;
        check_item_size(size.saturating_add(local_index_entries_size(&def, &item, size)))?;
        // A definition replaced meanwhile: check again (see `catalog`).
        let Some(mut table) = handle.write_current(&def) else { continue };
        let old = table.get(&key);
        check_condition_holds(condition.as_ref(), old, return_old_on_condition_failure)?;
        let outcome = table.put(key, Arc::clone(&item), size);
        drop(table);
        break (def, outcome);
    };
    drop(item);
    let old_size = outcome.old.as_ref().map_or(0, |old| old.size);
    let table_units = write_units(size.max(old_size));
    Ok(finish_write(
        &def,
        return_values,
        return_consumed_capacity,
        outcome.old,
        table_units,
        &outcome.index_changes,
    ))
}

/// `DeleteItem`.
pub(crate) fn delete_item(catalog: &Catalog, input: DeleteItemInput) -> Result<WriteItemOutput> {
    let DeleteItemInput {
        table_name,
        key,
        condition,
        return_values,
        return_consumed_capacity,
        return_old_on_condition_failure,
    } = input;
    check_name(&table_name)?;
    check_put_delete_return_values(return_values)?;
    check_condition(condition.as_ref())?;
    let handle = catalog.table(&table_name)?;
    let (def, outcome) = loop {
        let def = handle.def();
        check_condition_keys(&def, condition.as_ref())?;
        let primary = request_primary_key(&def, &key)?;
        // A definition replaced meanwhile: check again (see `catalog`).
        let Some(mut table) = handle.write_current(&def) else { continue };
        let old = table.get(&primary);
        check_condition_holds(condition.as_ref(), old, return_old_on_condition_failure)?;
        let outcome = table.delete(&primary);
        drop(table);
        break (def, outcome);
    };
    // Deleting a missing item still costs one unit.
    let table_units = write_units(outcome.old.as_ref().map_or(0, |old| old.size));
    Ok(finish_write(
        &def,
        return_values,
        return_consumed_capacity,
        outcome.old,
        table_units,
        &outcome.index_changes,
    ))
}

/// A condition may not look inside key attributes (see [`check_scalar_key_paths`]).
pub(crate) fn check_condition_keys(def: &TableDef, condition: Option<&Condition>) -> Result<()> {
    let mut paths = Vec::new();
    if let Some(condition) = condition {
        eval::condition_paths(condition, &mut paths);
    }
    check_scalar_key_paths(def, paths)
}

/// Rejects what DynamoDB rejects in a `ConditionExpression` before reading the item.
pub(crate) fn check_condition(condition: Option<&Condition>) -> Result<()> {
    condition.map_or(Ok(()), |condition| eval::check(condition, ExpressionKind::Condition))
}

/// Evaluates the condition against the current item (an absent item is an empty one).
pub(crate) fn check_condition_holds(
    condition: Option<&Condition>,
    old: Option<&StoredItem>,
    return_old_on_failure: bool,
) -> Result<()> {
    let Some(condition) = condition else { return Ok(()) };
    let empty = Item::new();
    let current = old.map_or(&empty, |old| &*old.item);
    if eval::evaluate(condition, current) {
        return Ok(());
    }
    let item =
        if return_old_on_failure { old.map(|old| Box::new(Item::clone(&old.item))) } else { None };
    Err(Error::ConditionalCheckFailed { item, source: None })
}

/// The summed size of the item's entries in the table's LSIs: DynamoDB's 400 KB cap
/// covers the item together with them.
pub(crate) fn local_index_entries_size(def: &TableDef, item: &Arc<Item>, size: usize) -> usize {
    def.indexes
        .iter()
        .filter(|index| !index.is_global() && index.key_of(item).is_some())
        .map(|index| if index.projected.is_none() { size } else { item_size(&index.project(item)) })
        .sum()
}

/// The `ConsumedCapacity` of a single-item write: the table's units and each index's.
pub(crate) fn write_capacity(
    def: &TableDef,
    mode: ReturnConsumedCapacity,
    table_units: f64,
    index_changes: &[IndexChange],
) -> Option<singletable_core::backend::ConsumedCapacity> {
    let index_units: Vec<f64> =
        index_changes.iter().map(|change| index_write_units(*change)).collect();
    consumed(mode, def, Access::Write, table_units, &index_units)
}

fn finish_write(
    def: &TableDef,
    return_values: ReturnValues,
    return_consumed_capacity: ReturnConsumedCapacity,
    old: Option<StoredItem>,
    table_units: f64,
    index_changes: &[IndexChange],
) -> WriteItemOutput {
    let consumed_capacity =
        write_capacity(def, return_consumed_capacity, table_units, index_changes);
    let attributes = match return_values {
        ReturnValues::AllOld => old.map(|old| Arc::unwrap_or_clone(old.item)),
        _ => None,
    };
    WriteItemOutput { attributes, consumed_capacity }
}

//! `TransactWriteItems` and `TransactGetItems`.

use serde_json::{json, Map, Value};
use singletable_core::backend::{TransactGetItemsOutput, TransactWriteItemsOutput};
use singletable_core::json::item_to_json;

use super::with_capacities;

/// The response of `TransactWriteItems`.
pub fn transact_write_items(out: &TransactWriteItemsOutput) -> Value {
    with_capacities(Map::new(), &out.consumed_capacity)
}

/// The response of `TransactGetItems`: one entry per action, `{}` for a missing item.
pub fn transact_get_items(out: &TransactGetItemsOutput) -> Value {
    let responses: Vec<Value> = out
        .responses
        .iter()
        .map(|item| match item {
            Some(item) => json!({"Item": item_to_json(item)}),
            None => json!({}),
        })
        .collect();
    let mut object = Map::new();
    object.insert("Responses".to_owned(), Value::Array(responses));
    with_capacities(object, &out.consumed_capacity)
}

//! `BatchGetItem` and `BatchWriteItem`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use singletable_core::backend::{BatchGetItemOutput, BatchWriteItemOutput, WriteRequest};
use singletable_core::json::item_to_json;

use super::with_capacities;

/// The response of `BatchGetItem`; `request_items` is the request's `RequestItems`:
/// each table's entry in `UnprocessedKeys` is the request's own, with only the keys left.
pub fn batch_get_item(out: &BatchGetItemOutput, request_items: &Map<String, Value>) -> Value {
    let responses: Map<String, Value> = out
        .responses
        .iter()
        .map(|(table, items)| {
            (table.clone(), Value::Array(items.iter().map(item_to_json).collect()))
        })
        .collect();
    let unprocessed: Map<String, Value> = out
        .unprocessed_keys
        .iter()
        .map(|(table, keys)| {
            let mut entry =
                request_items.get(table).and_then(Value::as_object).cloned().unwrap_or_default();
            entry.insert(
                "Keys".to_owned(),
                Value::Array(keys.keys.iter().map(item_to_json).collect()),
            );
            (table.clone(), Value::Object(entry))
        })
        .collect();
    let mut object = Map::new();
    object.insert("Responses".to_owned(), Value::Object(responses));
    object.insert("UnprocessedKeys".to_owned(), Value::Object(unprocessed));
    with_capacities(object, &out.consumed_capacity)
}

/// The response of `BatchWriteItem`; `metrics` are the `ItemCollectionMetrics` by table
/// when they were asked for.
pub fn batch_write_item(
    out: &BatchWriteItemOutput,
    metrics: Option<BTreeMap<String, Vec<Value>>>,
) -> Value {
    let unprocessed: Map<String, Value> = out
        .unprocessed_items
        .iter()
        .map(|(table, requests)| {
            (table.clone(), Value::Array(requests.iter().map(write_request_json).collect()))
        })
        .collect();
    let mut object = Map::new();
    object.insert("UnprocessedItems".to_owned(), Value::Object(unprocessed));
    if let Some(by_table) = metrics {
        let by_table: Map<String, Value> =
            by_table.into_iter().map(|(table, list)| (table, Value::Array(list))).collect();
        object.insert("ItemCollectionMetrics".to_owned(), Value::Object(by_table));
    }
    with_capacities(object, &out.consumed_capacity)
}

fn write_request_json(request: &WriteRequest) -> Value {
    match request {
        WriteRequest::Put { item } => json!({"PutRequest": {"Item": item_to_json(item)}}),
        WriteRequest::Delete { key } => json!({"DeleteRequest": {"Key": item_to_json(key)}}),
    }
}

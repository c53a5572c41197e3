//! Writing responses: the engine's outputs in DynamoDB's JSON shapes.
//!
//! One module per group of operations (as the handlers), each with a function per
//! operation's response. The hot responses (`PutItem`, `GetItem`, `DeleteItem`,
//! `UpdateItem`, `Query`, `Scan`) are serialized straight to bytes; the others are built
//! as JSON values and written by the dispatch with [`to_body`].

pub mod account;
pub mod backups;
pub mod batches;
pub mod items;
pub mod partiql;
pub mod reads;
pub mod streams;
pub mod tables;
pub mod tags;
pub mod transactions;
pub mod ttl;

use serde_json::{json, Map, Value};
use singletable_core::backend::{Capacity, ConsumedCapacity};

use crate::api_error::ApiError;

/// A response body as bytes.
pub fn to_body(output: &impl serde::Serialize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::with_capacity(256);
    serde_json::to_writer(&mut body, output)
        .map_err(|e| ApiError::internal(format!("could not write the response: {e}")))?;
    Ok(body)
}

/// `ConsumedCapacity` as DynamoDB writes it.
pub fn capacity_json(capacity: &ConsumedCapacity) -> Value {
    fn units(capacity: &Capacity) -> Value {
        let mut object = Map::new();
        object.insert("CapacityUnits".to_owned(), json!(capacity.capacity_units));
        if capacity.read_capacity_units > 0.0 {
            object.insert("ReadCapacityUnits".to_owned(), json!(capacity.read_capacity_units));
        }
        if capacity.write_capacity_units > 0.0 {
            object.insert("WriteCapacityUnits".to_owned(), json!(capacity.write_capacity_units));
        }
        Value::Object(object)
    }
    let mut object = Map::new();
    object.insert("TableName".to_owned(), json!(capacity.table_name));
    object.insert("CapacityUnits".to_owned(), json!(capacity.capacity_units));
    if capacity.read_capacity_units > 0.0 {
        object.insert("ReadCapacityUnits".to_owned(), json!(capacity.read_capacity_units));
    }
    if capacity.write_capacity_units > 0.0 {
        object.insert("WriteCapacityUnits".to_owned(), json!(capacity.write_capacity_units));
    }
    if let Some(table) = &capacity.table {
        object.insert("Table".to_owned(), units(table));
    }
    let indexes = |list: &[(String, Capacity)]| -> Value {
        Value::Object(list.iter().map(|(name, c)| (name.clone(), units(c))).collect())
    };
    if !capacity.global_secondary_indexes.is_empty() {
        object.insert(
            "GlobalSecondaryIndexes".to_owned(),
            indexes(&capacity.global_secondary_indexes),
        );
    }
    if !capacity.local_secondary_indexes.is_empty() {
        object
            .insert("LocalSecondaryIndexes".to_owned(), indexes(&capacity.local_secondary_indexes));
    }
    Value::Object(object)
}

/// `object` with `ConsumedCapacity` (a list, one per table) when there is any.
pub fn with_capacities(mut object: Map<String, Value>, capacities: &[ConsumedCapacity]) -> Value {
    if !capacities.is_empty() {
        let capacities = capacities.iter().map(capacity_json).collect();
        object.insert("ConsumedCapacity".to_owned(), Value::Array(capacities));
    }
    Value::Object(object)
}

/// An empty JSON object, the answer of operations with no output members.
pub fn empty() -> Value {
    json!({})
}

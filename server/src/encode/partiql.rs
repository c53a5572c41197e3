//! `ExecuteStatement`, `BatchExecuteStatement` and `ExecuteTransaction`.

use serde_json::{json, Map, Value};
use singletable_core::backend::{
    BatchExecuteStatementOutput, ExecuteStatementOutput, ExecuteTransactionOutput,
};
use singletable_core::json::item_to_json;

use super::{capacity_json, with_capacities};

/// The response of `ExecuteStatement`.
pub fn execute_statement(out: &ExecuteStatementOutput) -> Value {
    let mut object = Map::new();
    object.insert("Items".to_owned(), Value::Array(out.items.iter().map(item_to_json).collect()));
    if let Some(token) = &out.next_token {
        object.insert("NextToken".to_owned(), json!(token));
    }
    if let Some(key) = &out.last_evaluated_key {
        object.insert("LastEvaluatedKey".to_owned(), item_to_json(key));
    }
    if let Some(capacity) = &out.consumed_capacity {
        object.insert("ConsumedCapacity".to_owned(), capacity_json(capacity));
    }
    Value::Object(object)
}

/// The response of `BatchExecuteStatement`: one entry per statement.
pub fn batch_execute_statement(out: &BatchExecuteStatementOutput) -> Value {
    let responses = out
        .responses
        .iter()
        .map(|response| {
            let mut object = Map::new();
            if let Some(table) = &response.table_name {
                object.insert("TableName".to_owned(), json!(table));
            }
            if let Some(item) = &response.item {
                object.insert("Item".to_owned(), item_to_json(item));
            }
            if let Some(error) = &response.error {
                let mut e = Map::new();
                e.insert("Code".to_owned(), json!(error.code));
                e.insert("Message".to_owned(), json!(error.message));
                if let Some(item) = &error.item {
                    e.insert("Item".to_owned(), item_to_json(item));
                }
                object.insert("Error".to_owned(), Value::Object(e));
            }
            Value::Object(object)
        })
        .collect();
    let mut object = Map::new();
    object.insert("Responses".to_owned(), Value::Array(responses));
    with_capacities(object, &out.consumed_capacity)
}

/// The response of `ExecuteTransaction`: `{"Item": …}` or `{}` per read.
pub fn execute_transaction(out: &ExecuteTransactionOutput) -> Value {
    let responses = out
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

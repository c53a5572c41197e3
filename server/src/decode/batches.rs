//! `BatchGetItem` and `BatchWriteItem`.

use std::collections::HashMap;

use serde_json::{Map, Value};
use singletable_core::backend::{
    BatchGetItemInput, BatchWriteItemInput, KeysAndAttributes, WriteRequest,
};
use singletable_core::json::item_from_json;
use singletable_core::Item;

use super::expressions::{check_not_mixed, Exprs};
use super::items::item_collection_metrics_asked;
use super::{legacy, value_error, Request, Violations};
use crate::api_error::ApiError;

/// A `BatchGetItem`.
#[derive(Debug, Clone)]
pub struct BatchGet {
    /// The engine's input.
    pub input: BatchGetItemInput,
    /// `RequestItems` as sent: `UnprocessedKeys` repeats each table's entry.
    pub request_items: Map<String, Value>,
}

/// A `BatchWriteItem`.
#[derive(Debug, Clone)]
pub struct BatchWrite {
    /// The engine's input.
    pub input: BatchWriteItemInput,
    /// With `ReturnItemCollectionMetrics: SIZE`, the table and item (or key) of every
    /// write, in request order.
    pub metrics: Option<Vec<(String, Item)>>,
}

/// `BatchGetItem`.
pub fn batch_get_item(request: &Request<'_>) -> Result<BatchGet, ApiError> {
    let mut violations = Violations::default();
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    let tables = request.object("RequestItems")?;
    if tables.is_none() {
        violations.null("requestItems");
    }
    violations.finish()?;
    let tables = tables.cloned().unwrap_or_default();
    if tables.is_empty() {
        return Err(ApiError::validation(
            "The requestItems parameter is required for BatchGetItem",
        ));
    }
    let mut request_items = HashMap::new();
    for (table, entry) in &tables {
        let entry = Request::new(entry)?;
        check_not_mixed(&entry, &["AttributesToGet"], &["ProjectionExpression"])?;
        let exprs = Exprs::new(&entry, &["ProjectionExpression"])?;
        let projection = match exprs.projection(&entry)? {
            Some(projection) => Some(projection),
            None => legacy::attributes_to_get(&entry)?,
        };
        exprs.finish()?;
        let keys = match entry.array("Keys")? {
            Some(keys) => keys
                .iter()
                .map(|key| item_from_json(key).map_err(value_error))
                .collect::<Result<Vec<_>, _>>()?,
            None => {
                return Err(ApiError::validation(format!(
                    "1 validation error detected: Value null at 'requestItems.{table}.member.keys' failed to satisfy constraint: Member must not be null"
                )))
            }
        };
        request_items.insert(
            table.clone(),
            KeysAndAttributes {
                keys,
                consistent_read: entry.bool("ConsistentRead")?.unwrap_or(false),
                projection,
            },
        );
    }
    Ok(BatchGet {
        input: BatchGetItemInput { request_items, return_consumed_capacity },
        request_items: tables,
    })
}

/// `BatchWriteItem`.
pub fn batch_write_item(request: &Request<'_>) -> Result<BatchWrite, ApiError> {
    let mut violations = Violations::default();
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    let metrics = item_collection_metrics_asked(request, &mut violations)?;
    let tables = request.object("RequestItems")?;
    if tables.is_none() {
        violations.null("requestItems");
    }
    violations.finish()?;
    let tables = tables.cloned().unwrap_or_default();
    if tables.is_empty() {
        return Err(ApiError::validation(
            "The requestItems parameter is required for BatchWriteItem",
        ));
    }
    let mut request_items = HashMap::new();
    let mut written: Vec<(String, Item)> = Vec::new();
    for (table, requests) in &tables {
        let Some(requests) = requests.as_array() else {
            return Err(ApiError::serialization(format!("RequestItems.{table} must be an array")));
        };
        let mut list = Vec::with_capacity(requests.len());
        for entry in requests {
            let entry = Request::new(entry)?;
            let request = match (entry.nested("PutRequest")?, entry.nested("DeleteRequest")?) {
                (Some(put), None) => {
                    let mut v = Violations::default();
                    let item = put.required_item("Item", &mut v)?;
                    v.finish()?;
                    WriteRequest::Put { item }
                }
                (None, Some(delete)) => {
                    let mut v = Violations::default();
                    let key = delete.required_item("Key", &mut v)?;
                    v.finish()?;
                    WriteRequest::Delete { key }
                }
                _ => return Err(ApiError::validation(
                    "Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest",
                )),
            };
            if metrics {
                let key = match &request {
                    WriteRequest::Put { item } => item.clone(),
                    WriteRequest::Delete { key } => key.clone(),
                };
                written.push((table.clone(), key));
            }
            list.push(request);
        }
        request_items.insert(table.clone(), list);
    }
    Ok(BatchWrite {
        input: BatchWriteItemInput { request_items, return_consumed_capacity },
        metrics: metrics.then_some(written),
    })
}

//! `PutItem`, `GetItem`, `UpdateItem` and `DeleteItem`, written straight to bytes.

use serde_json::{json, Value};
use singletable_core::backend::{GetItemOutput, WriteItemOutput};
use singletable_core::json::item_to_json;
use singletable_core::json_serde::ItemRef;
use singletable_core::Item;

use super::{capacity_json, to_body};
use crate::api_error::ApiError;

/// The response of `GetItem`.
pub fn get_item(out: &GetItemOutput) -> Result<Vec<u8>, ApiError> {
    to_body(&GetOutput {
        item: out.item.as_ref().map(ItemRef),
        consumed_capacity: out.consumed_capacity.as_ref().map(capacity_json),
    })
}

/// The response of `PutItem`, `UpdateItem` and `DeleteItem`: `Attributes`
/// (ReturnValues), `ItemCollectionMetrics` when asked for, `ConsumedCapacity`.
pub fn write_item(
    out: &WriteItemOutput,
    item_collection_metrics: Option<Value>,
) -> Result<Vec<u8>, ApiError> {
    to_body(&WriteOutput {
        attributes: out.attributes.as_ref().map(ItemRef),
        item_collection_metrics,
        consumed_capacity: out.consumed_capacity.as_ref().map(capacity_json),
    })
}

/// One `ItemCollectionMetrics`: the item collection's key (its partition key attribute)
/// and the size estimate. The engine keeps no collection sizes, so the estimate is the
/// smallest range DynamoDB reports.
pub fn collection_metrics(collection_key: &Item) -> Value {
    json!({"ItemCollectionKey": item_to_json(collection_key), "SizeEstimateRangeGB": [0.0, 1.0]})
}

/// The response of `PutItem`, `UpdateItem` and `DeleteItem`, written directly.
#[derive(Debug, serde::Serialize)]
pub struct WriteOutput<'a> {
    /// `Attributes` (ReturnValues).
    #[serde(rename = "Attributes", skip_serializing_if = "Option::is_none")]
    pub attributes: Option<ItemRef<'a>>,
    /// `ItemCollectionMetrics`.
    #[serde(rename = "ItemCollectionMetrics", skip_serializing_if = "Option::is_none")]
    pub item_collection_metrics: Option<Value>,
    /// `ConsumedCapacity`.
    #[serde(rename = "ConsumedCapacity", skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<Value>,
}

/// The response of `GetItem`, written directly.
#[derive(Debug, serde::Serialize)]
pub struct GetOutput<'a> {
    /// `Item`, when there is one.
    #[serde(rename = "Item", skip_serializing_if = "Option::is_none")]
    pub item: Option<ItemRef<'a>>,
    /// `ConsumedCapacity`.
    #[serde(rename = "ConsumedCapacity", skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<Value>,
}

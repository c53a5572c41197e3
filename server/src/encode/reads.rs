//! `Query` and `Scan`, written straight to bytes.

use serde_json::Value;
use singletable_core::backend::{PageOutput as Page, Select};
use singletable_core::json_serde::ItemRef;
use singletable_core::Item;

use super::{capacity_json, to_body};
use crate::api_error::ApiError;

/// The response of a `Query` or `Scan` page (no `Items` for `Select: COUNT`).
pub fn page(page: &Page, select: Option<Select>) -> Result<Vec<u8>, ApiError> {
    to_body(&PageOutput {
        items: (select != Some(Select::Count)).then_some(ItemsRef(&page.items)),
        count: page.count,
        scanned_count: page.scanned_count,
        last_evaluated_key: page.last_evaluated_key.as_ref().map(ItemRef),
        consumed_capacity: page.consumed_capacity.as_ref().map(capacity_json),
    })
}

/// A list of items written as a JSON array of DynamoDB JSON items.
#[derive(Debug, Clone, Copy)]
pub struct ItemsRef<'a>(pub &'a [Item]);

impl serde::Serialize for ItemsRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ItemRef))
    }
}

/// The response of `Query` and `Scan`, written directly.
#[derive(Debug, serde::Serialize)]
pub struct PageOutput<'a> {
    /// `Items` (absent for `Select: COUNT`).
    #[serde(rename = "Items", skip_serializing_if = "Option::is_none")]
    pub items: Option<ItemsRef<'a>>,
    /// `Count`.
    #[serde(rename = "Count")]
    pub count: u32,
    /// `ScannedCount`.
    #[serde(rename = "ScannedCount")]
    pub scanned_count: u32,
    /// `LastEvaluatedKey`.
    #[serde(rename = "LastEvaluatedKey", skip_serializing_if = "Option::is_none")]
    pub last_evaluated_key: Option<ItemRef<'a>>,
    /// `ConsumedCapacity`.
    #[serde(rename = "ConsumedCapacity", skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<Value>,
}

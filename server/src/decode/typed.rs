//! The hot item operations read straight from the body with serde: `PutItem`, `GetItem`
//! and `DeleteItem` in the form SDKs send on the hot path (no expressions, no legacy
//! parameters). A body in any other form fails this read, and the request is read again
//! as a [`Request`](super::Request), which answers DynamoDB's message for the fault in
//! DynamoDB's order.

use singletable_core::backend::{GetItemInput, ReturnConsumedCapacity, ReturnValues};

use super::items::WriteMembers;

/// `ReturnConsumedCapacity` in a typed request: DynamoDB's enumeration. Any other value
/// fails the typed read, and the request takes the [`Request`](super::Request) way, which
/// reports it.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub enum TypedCapacity {
    /// `NONE`.
    #[serde(rename = "NONE")]
    None,
    /// `TOTAL`.
    #[serde(rename = "TOTAL")]
    Total,
    /// `INDEXES`.
    #[serde(rename = "INDEXES")]
    Indexes,
}

impl TypedCapacity {
    /// The engine's setting (absent: `NONE`).
    pub fn resolve(this: Option<TypedCapacity>) -> ReturnConsumedCapacity {
        match this {
            None | Some(TypedCapacity::None) => ReturnConsumedCapacity::None,
            Some(TypedCapacity::Total) => ReturnConsumedCapacity::Total,
            Some(TypedCapacity::Indexes) => ReturnConsumedCapacity::Indexes,
        }
    }
}

/// `ReturnValues` in a typed request.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub enum TypedReturnValues {
    /// `NONE`.
    #[serde(rename = "NONE")]
    None,
    /// `ALL_OLD`.
    #[serde(rename = "ALL_OLD")]
    AllOld,
    /// `UPDATED_OLD`.
    #[serde(rename = "UPDATED_OLD")]
    UpdatedOld,
    /// `ALL_NEW`.
    #[serde(rename = "ALL_NEW")]
    AllNew,
    /// `UPDATED_NEW`.
    #[serde(rename = "UPDATED_NEW")]
    UpdatedNew,
}

impl TypedReturnValues {
    /// The engine's setting (absent: `NONE`).
    pub fn resolve(this: Option<TypedReturnValues>) -> ReturnValues {
        match this {
            None | Some(TypedReturnValues::None) => ReturnValues::None,
            Some(TypedReturnValues::AllOld) => ReturnValues::AllOld,
            Some(TypedReturnValues::UpdatedOld) => ReturnValues::UpdatedOld,
            Some(TypedReturnValues::AllNew) => ReturnValues::AllNew,
            Some(TypedReturnValues::UpdatedNew) => ReturnValues::UpdatedNew,
        }
    }
}

/// `ReturnValuesOnConditionCheckFailure` in a typed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum TypedOldOnFailure {
    /// `NONE`.
    #[serde(rename = "NONE")]
    None,
    /// `ALL_OLD`.
    #[serde(rename = "ALL_OLD")]
    AllOld,
}

/// `ReturnItemCollectionMetrics` in a typed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum TypedMetrics {
    /// `NONE`.
    #[serde(rename = "NONE")]
    None,
    /// `SIZE`.
    #[serde(rename = "SIZE")]
    Size,
}

/// Defines a typed write request whose item member is `$member`.
macro_rules! typed_write {
    ($(#[$doc:meta])* $name:ident, $member:literal) => {
        $(#[$doc])*
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// `TableName`.
            #[serde(rename = "TableName")]
            pub table_name: String,
            /// The item (PutItem) or key (DeleteItem).
            #[serde(rename = $member)]
            pub item: singletable_core::json_serde::JsonItem,
            /// `ReturnValues`.
            #[serde(rename = "ReturnValues", default)]
            pub return_values: Option<TypedReturnValues>,
            /// `ReturnConsumedCapacity`.
            #[serde(rename = "ReturnConsumedCapacity", default)]
            pub return_consumed_capacity: Option<TypedCapacity>,
            /// `ReturnValuesOnConditionCheckFailure`.
            #[serde(rename = "ReturnValuesOnConditionCheckFailure", default)]
            pub return_old_on_condition_failure: Option<TypedOldOnFailure>,
            /// `ReturnItemCollectionMetrics`.
            #[serde(rename = "ReturnItemCollectionMetrics", default)]
            pub return_item_collection_metrics: Option<TypedMetrics>,
        }

        impl $name {
            /// The members, with absent settings at their defaults.
            pub fn into_members(self) -> WriteMembers {
                WriteMembers {
                    table_name: self.table_name,
                    item: self.item.0,
                    return_values: TypedReturnValues::resolve(self.return_values),
                    return_consumed_capacity: TypedCapacity::resolve(
                        self.return_consumed_capacity,
                    ),
                    return_old_on_condition_failure: self.return_old_on_condition_failure
                        == Some(TypedOldOnFailure::AllOld),
                    metrics: self.return_item_collection_metrics == Some(TypedMetrics::Size),
                }
            }
        }
    };
}

typed_write!(
    /// A `PutItem` without a condition: what SDKs send on the hot path. Read straight
    /// from the body with serde; a body with any other member, a member of another type,
    /// a value outside an enumeration or a malformed attribute value fails this read, and
    /// the request is read again as a [`Request`](super::Request), which gives DynamoDB's
    /// message for the fault in DynamoDB's order.
    TypedPut,
    "Item"
);

typed_write!(
    /// A `DeleteItem` without a condition, read as [`TypedPut`] is.
    TypedDelete,
    "Key"
);

/// A `GetItem` without a projection, read as [`TypedPut`] is.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypedGet {
    /// `TableName`.
    #[serde(rename = "TableName")]
    pub table_name: String,
    /// `Key`.
    #[serde(rename = "Key")]
    pub key: singletable_core::json_serde::JsonItem,
    /// `ConsistentRead`.
    #[serde(rename = "ConsistentRead", default)]
    pub consistent_read: Option<bool>,
    /// `ReturnConsumedCapacity`.
    #[serde(rename = "ReturnConsumedCapacity", default)]
    pub return_consumed_capacity: Option<TypedCapacity>,
}

impl TypedGet {
    /// The engine's input.
    pub fn into_input(self) -> GetItemInput {
        GetItemInput {
            table_name: self.table_name,
            key: self.key.0,
            consistent_read: self.consistent_read.unwrap_or(false),
            projection: None,
            return_consumed_capacity: TypedCapacity::resolve(self.return_consumed_capacity),
        }
    }
}

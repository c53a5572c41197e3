//! DynamoDB's request limits, checked on the client before anything is sent, and the
//! typed [`LimitError`] that reports a breach.
//!
//! | Limit | Value |
//! |---|---|
//! | item size (names included, [`item_size`](crate::size::item_size)) | 400 KB = 409,600 bytes |
//! | actions per `TransactWriteItems` / `TransactGetItems` | 100 |
//! | `TransactWriteItems` payload | 4 MB |
//! | writes per `BatchWriteItem` request | 25 |
//! | keys per `BatchGetItem` request | 100 |
//! | `BatchWriteItem` request | 16 MB |

use std::fmt;

use crate::value::{AttributeValue, Item};

/// Actions in one transaction.
pub const MAX_TRANSACTION_ACTIONS: usize = 100;
/// The payload of one transaction, in bytes (4 MB).
pub const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;
/// Put and delete requests in one `BatchWriteItem`.
pub const MAX_BATCH_WRITES: usize = 25;
/// Keys in one `BatchGetItem`.
pub const MAX_BATCH_KEYS: usize = 100;
/// One `BatchWriteItem` request or `BatchGetItem` response, in bytes (16 MB).
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;
/// A partition key value, in bytes (UTF-8 for S, raw for B).
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// A sort key value, in bytes.
pub const MAX_SORT_KEY_BYTES: usize = 1024;
/// How many `L`/`M` levels a top-level attribute may wrap: DynamoDB's 32 levels of
/// nesting count the item itself as one.
pub const MAX_NESTED_CONTAINERS: usize = 31;

/// A DynamoDB limit a request would break; nothing was sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// More actions than the operation takes.
    #[error("{operation}: {count} actions, over DynamoDB's limit of {max}")]
    TooManyActions {
        /// `TransactWriteItems` or `TransactGetItems`.
        operation: &'static str,
        /// The actions asked for.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Two actions on the same item (same table and key): DynamoDB refuses the whole
    /// request.
    #[error(
        "{operation}: actions {first} and {second} are on the same item ({entity} in table {table}, key {key:?}); DynamoDB allows one action per item"
    )]
    DuplicateItem {
        /// The operation.
        operation: &'static str,
        /// The table.
        table: String,
        /// The entity of the second action.
        entity: &'static str,
        /// The key attributes.
        key: Item,
        /// Index of the first action on the item.
        first: usize,
        /// Index of the second.
        second: usize,
    },
    /// One item over 400 KB.
    #[error(
        "{operation}: action {index} ({entity}) writes an item of {size} bytes, over DynamoDB's limit of {max} bytes"
    )]
    ItemTooLarge {
        /// The operation.
        operation: &'static str,
        /// Index of the action (or of the request in a batch).
        index: usize,
        /// The entity.
        entity: &'static str,
        /// The item's size by DynamoDB's rules.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The whole request over its size limit (4 MB for a transaction).
    #[error("{operation}: the request is {size} bytes, over DynamoDB's limit of {max} bytes")]
    RequestTooLarge {
        /// The operation.
        operation: &'static str,
        /// The payload size: items, keys and update values by DynamoDB's size rules.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A `ClientRequestToken` that is not 1–36 characters.
    #[error("ClientRequestToken must be 1 to 36 characters, got {len}")]
    InvalidToken {
        /// Its length in characters.
        len: usize,
    },
}

/// A canonical text form of a table and key, for detecting the same item twice
/// (attribute order does not matter).
pub fn item_identity(table: &str, key: &Item) -> String {
    let mut attributes: Vec<(&String, &AttributeValue)> = key.iter().collect();
    attributes.sort_by(|a, b| a.0.cmp(b.0));
    let mut text = String::with_capacity(table.len() + 32);
    text.push_str(table);
    text.push('\u{0}');
    use fmt::Write as _;
    for (name, value) in attributes {
        let _ = write!(text, "{name}={value:?};");
    }
    text
}

/// The key attributes of `item` for a table whose key attributes are `names`.
pub fn key_of(item: &Item, names: &[&str]) -> Item {
    names
        .iter()
        .filter_map(|name| item.get(*name).map(|value| ((*name).to_owned(), value.clone())))
        .collect()
}

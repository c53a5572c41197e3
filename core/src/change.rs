//! Change records: one item-level change of a table, as a DynamoDB stream record
//! carries it. The embedded engine's change feed produces them; the typed client turns
//! them into typed changes; `singletable serve` writes them as the Streams API does.

use std::fmt;

use crate::schema::StreamViewType;
use crate::value::Item;

/// The kind of an item-level change: DynamoDB's `eventName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeEvent {
    /// A new item was added.
    Insert,
    /// An existing item was changed.
    Modify,
    /// An item was deleted.
    Remove,
}

impl ChangeEvent {
    /// DynamoDB's spelling: `INSERT`, `MODIFY`, `REMOVE`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ChangeEvent::Insert => "INSERT",
            ChangeEvent::Modify => "MODIFY",
            ChangeEvent::Remove => "REMOVE",
        }
    }
}

impl fmt::Display for ChangeEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One item-level change of a table: a DynamoDB stream record.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    /// Increases by one per record of the table, from 1 (DynamoDB's `SequenceNumber`).
    pub sequence_number: u64,
    /// `INSERT`, `MODIFY` or `REMOVE` (DynamoDB's `eventName`).
    pub event: ChangeEvent,
    /// The item's primary key attributes (`Keys`).
    pub keys: Item,
    /// The item before the change, when the view type carries it and there was one.
    pub old_image: Option<Item>,
    /// The item after the change, when the view type carries it and there is one.
    pub new_image: Option<Item>,
    /// When the change was made, in milliseconds since the Unix epoch, by the engine's
    /// [`Clock`](crate::clock::Clock) (DynamoDB rounds `ApproximateCreationDateTime` down to the second; the
    /// record keeps the milliseconds).
    pub approximate_creation_time_ms: i64,
    /// A deletion by TTL, made by the service rather than a request (DynamoDB's
    /// `userIdentity` of type `Service`, principal `dynamodb.amazonaws.com`).
    pub system_delete: bool,
    /// The item size of the keys plus the images carried (`SizeBytes`).
    pub size_bytes: u64,
}

/// A table's stream: what `DescribeTable`'s `LatestStreamLabel` and `DescribeStream`
/// report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// The stream's creation time in ISO 8601, UTC, with milliseconds and no zone
    /// designator, as DynamoDB's `StreamLabel` (`2026-11-25T16:37:25.123`).
    pub label: String,
    /// What the records carry.
    pub view_type: StreamViewType,
    /// The stream's creation time (the table's), in milliseconds since the Unix epoch.
    pub created_ms: i64,
}

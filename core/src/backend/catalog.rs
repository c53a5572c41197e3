//! The catalog operations beyond the [`Backend`](super::Backend) trait: `UpdateTable`
//! and resource tags (`TagResource`, `UntagResource`, `ListTagsOfResource`).
//!
//! They change tables rather than items, and the typed client never needs them, so they
//! are not part of the trait: the embedded engine offers them as inherent methods
//! (`MemoryBackend::update_table`, `MemoryBackend::tag_resource`, ...), and
//! `singletable serve` answers them over DynamoDB's wire protocol.

use super::{AttributeDefinition, SecondaryIndex};
use crate::schema::{BillingMode, StreamViewType};

/// `UpdateTable`'s parameters.
///
/// At least one change must be asked for (`BillingMode`/`ProvisionedThroughput`, a
/// global secondary index update, or `StreamSpecification`); DynamoDB creates or deletes
/// at most one global secondary index per call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateTableInput {
    /// `TableName`.
    pub table_name: String,
    /// `AttributeDefinitions`: the key attributes of an index being created (the
    /// table's own definitions need not be repeated).
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// `BillingMode` with `ProvisionedThroughput`, when the billing changes.
    pub billing_mode: Option<BillingMode>,
    /// `GlobalSecondaryIndexUpdates`, in request order.
    pub global_secondary_index_updates: Vec<GlobalSecondaryIndexUpdate>,
    /// `StreamSpecification`, when the stream is enabled or disabled.
    pub stream_specification: Option<StreamSpecification>,
}

/// One element of `UpdateTable`'s `GlobalSecondaryIndexUpdates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobalSecondaryIndexUpdate {
    /// `Create`: a new global secondary index, filled from the table's items.
    Create(SecondaryIndex),
    /// `Update`: a new provisioned throughput (read, write) for an existing index.
    Update {
        /// `IndexName`.
        index_name: String,
        /// `ProvisionedThroughput` as (read, write) capacity units.
        provisioned_throughput: Option<(u64, u64)>,
    },
    /// `Delete`: removes the index and its entries.
    Delete {
        /// `IndexName`.
        index_name: String,
    },
}

/// `StreamSpecification` of `UpdateTable`: enable a stream with a view type, or disable
/// the table's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamSpecification {
    /// `StreamEnabled`.
    pub stream_enabled: bool,
    /// `StreamViewType`: required when enabling.
    pub stream_view_type: Option<StreamViewType>,
}

/// A resource tag: `{Key, Value}`.
///
/// DynamoDB's rules: a key of 1 to 128 characters, a value of 0 to 256, at most 50 tags
/// per table; tagging a key that exists replaces its value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
}

//! The [`Backend`] trait and its DynamoDB-shaped requests and responses (defined in
//! `singletable-core`, re-exported here), and backend adapters of the typed layer.

pub use singletable_core::backend::*;

pub mod cached;
pub mod counting;
pub mod metrics;

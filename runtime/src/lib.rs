//! The typed client of [singletable](https://docs.rs/singletable): the `Entity` and
//! `Table` traits, the item codec, key templates, typed paths and conditions, query,
//! update, batch and transaction builders, cursors, the entity lifecycle and typed
//! changes. It speaks to any [`Backend`] of `singletable-core`, and depends on no backend:
//! the `singletable` facade adds the embedded engine and the AWS backend (its features
//! `engine` and `aws`) and re-exports everything here together with the derive macros.
//!
//! The modules of `singletable-core` are re-exported under their names (`value`,
//! `number`, `expr`, `schema`, …), so `singletable::value::Item` and friends keep one path.

pub mod access;
pub mod adopt;
pub mod attr;
pub mod backend;
pub mod batch;
pub mod client;
pub mod codec;
pub mod collection;
pub mod cursor;
pub mod entity;
pub mod key;
pub mod key_only;
pub mod lifecycle;
pub mod migrate;
pub mod nested;
pub mod pattern;
pub mod query;
pub mod rejected;
pub mod retry;
pub mod stream;
pub mod transact;
pub mod update;
pub mod upgrade;
pub mod upsert;

#[doc(hidden)]
pub mod __private;

pub use singletable_core::{
    change, clock, error, expr, json, json_serde, limits, number, schema, size, timestamp, value,
};

pub use attr::{Attr, Cond, Partial};
pub use backend::cached::{CacheConfig, CacheStats, CachedBackend};
pub use backend::counting::CountingBackend;
pub use backend::Backend;
pub use batch::{BatchGet, BatchGetMany, BatchWrite, UnprocessedKeys};
pub use client::TableClient;
pub use codec::Attribute;
pub use collection::{
    Collection, CollectionPage, CollectionPages, CollectionQuery, HydratedCollection,
    IntoCollectionQuery,
};
pub use cursor::Cursor;
pub use entity::{Entity, IndexKey, Key, Table};
pub use error::{
    CancellationReason, DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, Error, Result,
    Unprocessed, UnprocessedKey, UnprocessedWrite,
};
pub use key::{KeyComponent, ScalarAttribute};
pub use key_only::{KeyOnly, StoredAttribute};
pub use limits::LimitError;
pub use number::{Number, NumberError};
pub use query::{Find, IntoQuery, Page, Query, Scan};
pub use rejected::{Rejected, Rejecting};
pub use retry::{RetryPolicy, RetryingBackend};
pub use stream::{Change, Changes, RawChange, StreamError};
pub use timestamp::Timestamp;
pub use transact::{CommitError, EntityCond, TransactGet, Transaction};
pub use update::{Composite, Existing, Update, UpdateReturning, Upserting, WriteMode};
pub use upsert::{IntoUpsert, Upsert, UpsertSettable};
pub use value::{AttributeType, AttributeValue, Item};

/// Exact decimal numbers up to DynamoDB's 38 significant digits: the same type as
/// [`Number`], under the name people look for.
pub type Decimal = Number;

/// `uuid::Uuid`, stored as its hyphenated lowercase string.
pub use uuid::Uuid;

//! Runtime of [singletable](https://docs.rs/singletable): values, the item codec, key
//! templates, expressions, operations and backends. Use it through the `singletable`
//! facade crate, which re-exports everything here together with the derive macros.

pub mod attr;
pub mod backend;
pub mod batch;
pub mod client;
pub mod clock;
pub mod codec;
pub mod collection;
pub mod cursor;
pub mod entity;
pub mod error;
pub mod expr;
pub mod json;
pub mod json_serde;
pub mod key;
pub mod lifecycle;
pub mod limits;
pub mod number;
pub mod query;
pub mod retry;
pub mod schema;
pub mod size;
pub mod stream;
pub mod timestamp;
pub mod transact;
pub mod update;
pub mod value;

#[doc(hidden)]
pub mod __private;

pub use attr::{Attr, Cond, Partial};
pub use backend::counting::CountingBackend;
#[cfg(feature = "aws")]
pub use backend::AwsBackend;
pub use backend::{Backend, MemoryBackend};
pub use batch::{BatchGet, BatchGetMany, BatchWrite, Unprocessed};
pub use client::TableClient;
pub use codec::Attribute;
pub use collection::{Collection, CollectionPage, CollectionQuery, IntoCollectionQuery};
pub use cursor::Cursor;
pub use entity::{Entity, IndexKey, Key, Table};
pub use error::{
    CancellationReason, DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, Error, Result,
};
pub use key::{KeyComponent, ScalarAttribute};
pub use limits::LimitError;
pub use number::{Number, NumberError};
pub use query::{IntoQuery, Page, Query, Scan};
pub use retry::{RetryPolicy, RetryingBackend};
pub use stream::{Change, Changes, RawChange, StreamError};
pub use timestamp::Timestamp;
pub use transact::{CommitError, EntityCond, TransactGet, Transaction};
pub use update::{Composite, Update};
pub use value::{AttributeType, AttributeValue, Item};

/// Exact decimal numbers up to DynamoDB's 38 significant digits: the same type as
/// [`Number`], under the name people look for.
pub type Decimal = Number;

/// `uuid::Uuid`, stored as its hyphenated lowercase string.
pub use uuid::Uuid;

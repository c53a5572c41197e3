//! What every layer of [singletable](https://docs.rs/singletable) speaks: attribute
//! values and exact numbers, timestamps and the clock, the table schema, DynamoDB's item
//! sizes and limits, expression ASTs with DynamoDB's expression rules, the [`Backend`]
//! trait with its DynamoDB-shaped requests and responses, errors, change records, and
//! DynamoDB JSON.
//!
//! The backends (`singletable-engine`, `singletable-aws`), `singletable serve` and the
//! typed client (`singletable-runtime`) depend on this crate and on nothing above it. Use
//! it through the `singletable` facade, which re-exports everything here.

pub mod backend;
pub mod change;
pub mod clock;
pub mod cost;
pub mod error;
pub mod expr;
pub mod json;
pub mod json_serde;
pub mod limits;
pub mod number;
#[cfg(feature = "s3-export")]
pub mod s3_export;
pub mod schema;
pub mod size;
pub mod timestamp;
pub mod value;

pub use backend::Backend;
pub use error::{
    CancellationReason, DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, Error, Result,
    Throttled, ThrottlingReason, Unprocessed, UnprocessedKey, UnprocessedWrite,
};
pub use limits::LimitError;
pub use number::{Number, NumberError};
pub use timestamp::Timestamp;
pub use value::{AttributeType, AttributeValue, Item};

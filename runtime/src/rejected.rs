//! The item a conditional write was rejected by: `.return_on_condition_failure()` on a
//! put, update, upsert or delete (ElectroDB's `rejected` item).
//!
//! DynamoDB returns the item as it was when a write's condition fails, if the request
//! asks with `ReturnValuesOnConditionCheckFailure=ALL_OLD`; no read units are consumed
//! for it. The builder's output becomes `Result<T, Rejected<E>>`:
//!
//! ```text
//! match db.put(&user).if_not_exists().return_on_condition_failure().await {
//!     Ok(()) => {}
//!     Err(Rejected::Condition { current: Some(stored), .. }) => { /* who got there first */ }
//!     Err(other) => return Err(other.into()),
//! }
//! ```
//!
//! A failed version check (`#[entity(version)]`) is a rejection too: `error` is then the
//! [`Error::VersionConflict`], which also carries the raw item (`current`). When no item
//! exists (an `if_exists` write, an update of a missing item) `current` is `None`.
//! Writes of entities with `#[entity(unique)]` fields run as transactions; their caller
//! conditions fail as [`Error::TransactionCanceled`] and come back as
//! [`Rejected::Failed`].

use std::fmt;
use std::future::IntoFuture;
use std::marker::PhantomData;

use crate::backend::BoxFuture;
use crate::entity::Entity;
use crate::error::{DecodeError, Error};
use crate::value::Item;

/// Why a write sent with `.return_on_condition_failure()` failed.
pub enum Rejected<E> {
    /// A condition of the write was false: the caller's, the built-in one (an update's
    /// "exists as this entity", an upsert's "absent or this entity"), or a version check
    /// (`error` is then [`Error::VersionConflict`]). `current` is the item as it was,
    /// decoded; `None` when there was no item.
    Condition {
        /// The item as it was when the condition failed.
        current: Option<E>,
        /// The error the write failed with.
        error: Error,
    },
    /// A condition was false and the item as it was does not decode as `E` (an item of
    /// another entity under the same key, or a shape the entity cannot read).
    Undecodable {
        /// The item as it was, raw.
        item: Item,
        /// Why it does not decode.
        decode: DecodeError,
        /// The error the write failed with.
        error: Error,
    },
    /// Any other failure.
    Failed(Error),
}

impl<E> Rejected<E> {
    /// The item the write was rejected by, when a condition failed and it decoded.
    pub fn current(&self) -> Option<&E> {
        match self {
            Rejected::Condition { current, .. } => current.as_ref(),
            _ => None,
        }
    }

    /// The underlying error.
    pub fn error(&self) -> &Error {
        match self {
            Rejected::Condition { error, .. }
            | Rejected::Undecodable { error, .. }
            | Rejected::Failed(error) => error,
        }
    }

    /// The underlying error, dropping the item.
    pub fn into_error(self) -> Error {
        match self {
            Rejected::Condition { error, .. }
            | Rejected::Undecodable { error, .. }
            | Rejected::Failed(error) => error,
        }
    }
}

impl<E: Entity> Rejected<E> {
    /// Classifies `error`: a failed condition with the item it returned, decoded.
    pub fn from_error(error: Error) -> Self {
        let raw = match &error {
            Error::ConditionalCheckFailed { item, .. } => item.as_deref().cloned(),
            Error::VersionConflict { current, .. } => current.as_deref().cloned(),
            _ => return Rejected::Failed(error),
        };
        match raw {
            None => Rejected::Condition { current: None, error },
            Some(item) => match E::from_item(item.clone()) {
                Ok(current) => Rejected::Condition { current: Some(current), error },
                Err(decode) => Rejected::Undecodable {
                    item,
                    decode: decode.at_field(E::SCHEMA.rust_name),
                    error,
                },
            },
        }
    }
}

impl<E> From<Rejected<E>> for Error {
    fn from(rejected: Rejected<E>) -> Self {
        rejected.into_error()
    }
}

impl<E: fmt::Debug> fmt::Debug for Rejected<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejected::Condition { current, error } => {
                f.debug_struct("Condition").field("current", current).field("error", error).finish()
            }
            Rejected::Undecodable { item, decode, error } => f
                .debug_struct("Undecodable")
                .field("item", item)
                .field("decode", decode)
                .field("error", error)
                .finish(),
            Rejected::Failed(error) => f.debug_tuple("Failed").field(error).finish(),
        }
    }
}

impl<E> fmt::Display for Rejected<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejected::Condition { error, .. } => write!(f, "rejected: {error}"),
            Rejected::Undecodable { decode, error, .. } => {
                write!(f, "rejected: {error} (the current item does not decode: {decode})")
            }
            Rejected::Failed(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Rejected<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.error())
    }
}

/// The phantom of a [`Rejecting`]: the borrow of the client, the entity decoded.
type Marker<'a, E> = (&'a (), fn() -> E);

/// A write whose failed condition comes back with the item it was rejected by. Made by
/// `.return_on_condition_failure()`; run it with `.await`.
#[must_use = "a write does nothing until it is awaited"]
pub struct Rejecting<'a, B, E> {
    write: B,
    marker: PhantomData<Marker<'a, E>>,
}

impl<B, E> Rejecting<'_, B, E> {
    pub(crate) fn new(write: B) -> Self {
        Rejecting { write, marker: PhantomData }
    }
}

impl<B: fmt::Debug, E> fmt::Debug for Rejecting<'_, B, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejecting").field("write", &self.write).finish()
    }
}

impl<'a, B, E, T> IntoFuture for Rejecting<'a, B, E>
where
    B: IntoFuture<Output = Result<T, Error>, IntoFuture = BoxFuture<'a, Result<T, Error>>>,
    E: Entity,
    T: Send + 'a,
{
    type Output = Result<T, Rejected<E>>;
    type IntoFuture = BoxFuture<'a, Result<T, Rejected<E>>>;

    fn into_future(self) -> Self::IntoFuture {
        let write = self.write.into_future();
        Box::pin(async move { write.await.map_err(Rejected::from_error) })
    }
}

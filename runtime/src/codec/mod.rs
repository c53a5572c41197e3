//! The item codec: Rust values to [`AttributeValue`]s and back.
//!
//! [`Attribute`] is implemented for the standard types (strings, every integer and float,
//! `bool`, `Vec<u8>` as `B`, `Option<T>`, `Vec<T>`, sets, maps), for the runtime's own
//! [`Number`](crate::Number), [`Timestamp`](crate::Timestamp) and `uuid::Uuid`, and by
//! `#[derive(Attribute)]` for nested structs and enums.
//!
//! Generated entity code calls the shared functions of this module (`encode_field`,
//! `decode_field`) instead of carrying its own copy of the logic, which keeps expansions
//! small and compile times low.

use crate::error::{DecodeError, EncodeError};
use crate::value::{AttributeValue, Item};

mod impls;
mod serde_bridge;

pub use impls::{SetMember, SetStorage};
pub use serde_bridge::{from_attribute_value_serde, to_attribute_value_serde};

/// A Rust type stored as one DynamoDB attribute value.
///
/// ```
/// use singletable_runtime::{Attribute, AttributeValue, Number};
/// assert_eq!(42u32.to_attribute_value().unwrap(), AttributeValue::N(Number::from(42u32)));
/// assert_eq!(u32::from_attribute_value(AttributeValue::N(Number::from(42u32))).unwrap(), 42);
/// ```
pub trait Attribute: Sized {
    /// Encodes the value.
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError>;

    /// Decodes a stored value; a value of the wrong type is a
    /// [`DecodeErrorKind::TypeMismatch`](crate::DecodeErrorKind::TypeMismatch).
    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError>;

    /// True when the value is stored as *no attribute at all* inside an item or map:
    /// `None`, and empty sets (DynamoDB refuses empty sets).
    fn is_absent(&self) -> bool {
        false
    }

    /// The value of an absent attribute: an error for required types, `None` for
    /// `Option`, the empty set for sets.
    fn from_missing() -> Result<Self, DecodeError> {
        Err(DecodeError::missing())
    }

    /// Encodes a `Vec<Self>`; `L` unless the element type says otherwise (`u8`
    /// makes `Vec<u8>` a binary `B`).
    #[doc(hidden)]
    fn encode_vec(values: &[Self]) -> Result<AttributeValue, EncodeError> {
        let mut list = Vec::with_capacity(values.len());
        for (index, value) in values.iter().enumerate() {
            list.push(value.to_attribute_value().map_err(|e| e.at_index(index))?);
        }
        Ok(AttributeValue::L(list))
    }

    /// Decodes a `Vec<Self>`, the counterpart of [`Attribute::encode_vec`].
    #[doc(hidden)]
    fn decode_vec(value: AttributeValue) -> Result<Vec<Self>, DecodeError> {
        match value {
            AttributeValue::L(list) => list
                .into_iter()
                .enumerate()
                .map(|(index, v)| Self::from_attribute_value(v).map_err(|e| e.at_index(index)))
                .collect(),
            other => Err(DecodeError::type_mismatch("L", other.attribute_type())),
        }
    }
}

/// Inserts `value` under `name` unless it is absent (`None`, an empty set).
///
/// The error names the field.
pub fn encode_field<T: Attribute>(
    item: &mut Item,
    name: &'static str,
    value: &T,
) -> Result<(), EncodeError> {
    if !value.is_absent() {
        let encoded = value.to_attribute_value().map_err(|e| e.at_field(name))?;
        item.insert(name.to_owned(), encoded);
    }
    Ok(())
}

/// Removes and decodes the attribute `name`; an absent attribute decodes through
/// [`Attribute::from_missing`]. The error names the field.
pub fn decode_field<T: Attribute>(item: &mut Item, name: &'static str) -> Result<T, DecodeError> {
    match item.remove(name) {
        Some(value) => T::from_attribute_value(value),
        None => T::from_missing(),
    }
    .map_err(|e| e.at_field(name))
}

/// Like [`decode_field`], but an absent attribute takes `default()` (`#[entity(default)]`).
pub fn decode_field_or<T: Attribute>(
    item: &mut Item,
    name: &'static str,
    default: impl FnOnce() -> T,
) -> Result<T, DecodeError> {
    match item.remove(name) {
        Some(value) => T::from_attribute_value(value).map_err(|e| e.at_field(name)),
        None => Ok(default()),
    }
}

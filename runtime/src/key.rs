//! Key templates: values in keys, escaping, and order-preserving text.
//!
//! HELPER-OWNED: the codec helper replaces these bodies.

use crate::codec::Attribute;
use crate::error::{DecodeError, EncodeError};
use crate::schema::{KeyTemplateSchema, ScalarType};
use crate::value::AttributeValue;

/// Which key a value is for (the limits differ: 2048 bytes for a partition key,
/// 1024 for a sort key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// Partition key.
    Partition,
    /// Sort key.
    Sort,
}

/// A value usable in a key template.
pub trait KeyComponent: Sized {
    /// Appends the value's key text, unescaped.
    fn write_key_text(&self, out: &mut String) -> Result<(), EncodeError>;
    /// Parses key text (already unescaped) back.
    fn parse_key_text(text: &str) -> Result<Self, DecodeError>;
}

/// A type stored as a DynamoDB scalar (`S`, `N`, `B`): usable as a native key attribute.
pub trait ScalarAttribute: Attribute {
    /// Its scalar type.
    const SCALAR: ScalarType;
}

/// Appends `value`'s key text to `out`, escaped.
pub fn push_key_component<T: KeyComponent>(out: &mut String, value: &T) -> Result<(), EncodeError> {
    let _ = (out, value);
    todo!()
}

/// Checks a rendered key (non-empty, within the length limit) and returns it as `S`.
pub fn finish_key(text: String, role: KeyRole) -> Result<AttributeValue, EncodeError> {
    let _ = (text, role);
    todo!()
}

/// Splits key `text` by `template` into the unescaped texts of its fields, in order.
pub fn parse_key_template(
    template: &KeyTemplateSchema,
    text: &str,
) -> Result<Vec<String>, DecodeError> {
    let _ = (template, text);
    todo!()
}

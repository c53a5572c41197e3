//! DynamoDB's data model, independent of any backend: [`AttributeValue`], [`Item`] and
//! the exact decimal [`Number`].

use std::collections::HashMap;

pub use crate::number::Number;

/// One stored item, or one map value: attribute name to value.
pub type Item = HashMap<String, AttributeValue>;

/// A DynamoDB attribute value, one variant per DynamoDB data type.
///
/// Sets are kept as vectors: DynamoDB defines no order for set members, and refuses
/// empty sets and duplicate members (the engine checks both on write).
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// `S`: a UTF-8 string.
    S(String),
    /// `N`: a number, exact to 38 significant digits.
    N(Number),
    /// `B`: binary data.
    B(Vec<u8>),
    /// `BOOL`.
    Bool(bool),
    /// `NULL` (always `{"NULL": true}` on the wire).
    Null,
    /// `L`: an ordered list of values of any types.
    L(Vec<AttributeValue>),
    /// `M`: a map from attribute names to values.
    M(Item),
    /// `SS`: a set of strings.
    Ss(Vec<String>),
    /// `NS`: a set of numbers.
    Ns(Vec<Number>),
    /// `BS`: a set of binary values.
    Bs(Vec<Vec<u8>>),
}

/// The DynamoDB type of an [`AttributeValue`], as DynamoDB spells it (`S`, `N`, `SS`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributeType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
    /// Boolean.
    Bool,
    /// Null.
    Null,
    /// List.
    L,
    /// Map.
    M,
    /// String set.
    Ss,
    /// Number set.
    Ns,
    /// Binary set.
    Bs,
}

impl AttributeType {
    /// DynamoDB's name of the type: `S`, `N`, `B`, `BOOL`, `NULL`, `L`, `M`, `SS`, `NS`, `BS`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AttributeType::S => "S",
            AttributeType::N => "N",
            AttributeType::B => "B",
            AttributeType::Bool => "BOOL",
            AttributeType::Null => "NULL",
            AttributeType::L => "L",
            AttributeType::M => "M",
            AttributeType::Ss => "SS",
            AttributeType::Ns => "NS",
            AttributeType::Bs => "BS",
        }
    }
}

impl std::fmt::Display for AttributeType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AttributeValue {
    /// The DynamoDB type of this value.
    pub const fn attribute_type(&self) -> AttributeType {
        match self {
            AttributeValue::S(_) => AttributeType::S,
            AttributeValue::N(_) => AttributeType::N,
            AttributeValue::B(_) => AttributeType::B,
            AttributeValue::Bool(_) => AttributeType::Bool,
            AttributeValue::Null => AttributeType::Null,
            AttributeValue::L(_) => AttributeType::L,
            AttributeValue::M(_) => AttributeType::M,
            AttributeValue::Ss(_) => AttributeType::Ss,
            AttributeValue::Ns(_) => AttributeType::Ns,
            AttributeValue::Bs(_) => AttributeType::Bs,
        }
    }
}

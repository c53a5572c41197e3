//! Expression ASTs: conditions, filters and their operands.
//!
//! Expressions are data, never strings built from user input. The embedded engine
//! evaluates these trees directly with DynamoDB's semantics; the AWS backend renders them
//! with `#name` / `:value` placeholders.

pub mod render;
mod update;

pub use update::{
    add_delete_operand_error, KeyCondition, SetValue, SortKeyCondition, UpdateAction, UpdateOperand,
};

use crate::value::{AttributeType, AttributeValue};

/// One step of a document path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathElement {
    /// A top-level attribute or a map key.
    Attribute(String),
    /// A list element.
    Index(usize),
}

/// A document path: `a.b[2].c`. The first element is always an attribute name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    /// The steps, outermost first.
    pub elements: Vec<PathElement>,
}

impl Path {
    /// The path of a top-level attribute.
    pub fn attribute(name: impl Into<String>) -> Self {
        Path { elements: vec![PathElement::Attribute(name.into())] }
    }

    /// This path followed by a map key.
    #[must_use]
    pub fn key(mut self, name: impl Into<String>) -> Self {
        self.elements.push(PathElement::Attribute(name.into()));
        self
    }

    /// This path followed by a list index.
    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        self.elements.push(PathElement::Index(index));
        self
    }
}

/// A value in a comparison: an attribute, a literal, or `size(path)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// The value at a path in the item (absent when the path is missing).
    Path(Path),
    /// A literal value (rendered as a `:value` placeholder).
    Value(AttributeValue),
    /// `size(path)`.
    Size(Path),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A condition or filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `left op right`.
    Compare {
        /// Left operand.
        left: Operand,
        /// The operator.
        op: Comparator,
        /// Right operand.
        right: Operand,
    },
    /// `operand BETWEEN low AND high`.
    Between {
        /// The tested operand.
        operand: Operand,
        /// Lower bound (inclusive).
        low: Operand,
        /// Upper bound (inclusive).
        high: Operand,
    },
    /// `operand IN (list…)` (1–100 operands).
    In {
        /// The tested operand.
        operand: Operand,
        /// The candidates.
        list: Vec<Operand>,
    },
    /// `attribute_exists(path)`.
    AttributeExists(Path),
    /// `attribute_not_exists(path)`.
    AttributeNotExists(Path),
    /// `attribute_type(path, :type)`.
    AttributeType(Path, AttributeType),
    /// `begins_with(path, operand)`.
    BeginsWith(Path, Operand),
    /// `contains(path, operand)`.
    Contains(Path, Operand),
    /// `left AND right`.
    And(Box<Condition>, Box<Condition>),
    /// `left OR right`.
    Or(Box<Condition>, Box<Condition>),
    /// `NOT inner`.
    Not(Box<Condition>),
}

impl Condition {
    /// `self AND other`.
    #[must_use]
    pub fn and(self, other: Condition) -> Condition {
        Condition::And(Box::new(self), Box::new(other))
    }

    /// `self OR other`.
    #[must_use]
    pub fn or(self, other: Condition) -> Condition {
        Condition::Or(Box::new(self), Box::new(other))
    }

    /// `NOT self`.
    #[must_use]
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Condition {
        Condition::Not(Box::new(self))
    }
}

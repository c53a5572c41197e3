//! Expression ASTs: conditions, filters and their operands.
//!
//! Expressions are data, never strings built from user input. The embedded engine
//! evaluates these trees directly with DynamoDB's semantics; the AWS backend renders them
//! with `#name` / `:value` placeholders.

pub mod render;
pub mod rules;
mod update;

pub use update::{
    add_delete_operand_error, KeyCondition, SetValue, SortKeyCondition, UpdateAction, UpdateOperand,
};

use crate::value::{AttributeType, AttributeValue};

/// DynamoDB's rule for the operands of `<`, `<=`, `>`, `>=` and `BETWEEN`: a literal must
/// be an S, N or B (paths and `size()` are only known per item, where other types simply
/// make the comparison false). `None` when every operand is allowed, else DynamoDB's
/// message for the first one that is not (without the `Invalid …Expression: ` prefix).
/// One rule for the engine and for the expression parser of `singletable serve`.
///
/// ```
/// use singletable_core::expr::{orderable_operands_error, Operand, Path};
/// use singletable_core::AttributeValue;
///
/// let number = Operand::Value(AttributeValue::N(1u8.into()));
/// let list = Operand::Value(AttributeValue::L(vec![]));
/// let path = Operand::Path(Path::attribute("a"));
/// assert_eq!(orderable_operands_error("<", [&path, &number]), None);
/// assert_eq!(
///     orderable_operands_error("BETWEEN", [&path, &list, &number]).as_deref(),
///     Some("Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: L")
/// );
/// ```
pub fn orderable_operands_error<'a>(
    operator: &str,
    operands: impl IntoIterator<Item = &'a Operand>,
) -> Option<String> {
    operands.into_iter().find_map(|operand| match operand {
        Operand::Value(
            value @ (AttributeValue::Bool(_)
            | AttributeValue::Null
            | AttributeValue::Ss(_)
            | AttributeValue::Ns(_)
            | AttributeValue::Bs(_)
            | AttributeValue::L(_)
            | AttributeValue::M(_)),
        ) => Some(incorrect_operand_type(operator, value.attribute_type())),
        Operand::Value(_) | Operand::Path(_) | Operand::Size(_) => None,
    })
}

/// DynamoDB's rule for the two operands of `begins_with`: a literal must be an S or a B,
/// and `size()` (a number) is refused. `None` when both are allowed, else DynamoDB's
/// message for the first that is not (without the `Invalid …Expression: ` prefix). One
/// rule for the engine and for the expression parser of `singletable serve`.
pub fn begins_with_operands_error<'a>(
    operands: impl IntoIterator<Item = &'a Operand>,
) -> Option<String> {
    operands.into_iter().find_map(|operand| match operand {
        Operand::Size(_) => Some(incorrect_operand_type("begins_with", AttributeType::N)),
        Operand::Value(AttributeValue::S(_) | AttributeValue::B(_)) | Operand::Path(_) => None,
        Operand::Value(value) => {
            Some(incorrect_operand_type("begins_with", value.attribute_type()))
        }
    })
}

/// `Incorrect operand type for operator or function; …`: DynamoDB's message.
fn incorrect_operand_type(operator: &str, ty: AttributeType) -> String {
    format!(
        "Incorrect operand type for operator or function; operator or function: {operator}, operand type: {ty}"
    )
}

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

/// A value in a comparison or a function: an attribute, a literal, or `size(path)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// The value at a path in the item (absent when the path is missing).
    Path(Path),
    /// A literal value (rendered as a `:value` placeholder).
    Value(AttributeValue),
    /// `size(path)`.
    Size(Path),
}

impl From<Path> for Operand {
    /// The value at `path`: [`Operand::Path`].
    fn from(path: Path) -> Self {
        Operand::Path(path)
    }
}

impl From<AttributeValue> for Operand {
    /// A literal: [`Operand::Value`].
    fn from(value: AttributeValue) -> Self {
        Operand::Value(value)
    }
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
    /// `attribute_type(operand, :type)`: the operand's value has this type. The operand is
    /// usually a document path; DynamoDB also takes a literal (`attribute_type(:v, :t)`)
    /// or `size(path)` (a number). Build the usual form with [`Condition::attribute_type`].
    AttributeType(Operand, AttributeType),
    /// `begins_with(operand, operand)`: the first S (or B) starts with the second of the
    /// same type. The first operand is usually a document path; DynamoDB also takes a
    /// literal (`begins_with(:v, a)`). Build it with [`Condition::begins_with`].
    BeginsWith(Operand, Operand),
    /// `contains(operand, operand)`: a substring of an S, a byte run of a B, a member of a
    /// set, an element of a list. The first operand is usually a document path; DynamoDB
    /// also takes a literal (`contains(:v, a)`) or `size(path)` (a number, which contains
    /// nothing). Build it with [`Condition::contains`].
    Contains(Operand, Operand),
    /// `left AND right`.
    And(Box<Condition>, Box<Condition>),
    /// `left OR right`.
    Or(Box<Condition>, Box<Condition>),
    /// `NOT inner`.
    Not(Box<Condition>),
}

impl Condition {
    /// `attribute_type(subject, :type)`; `subject` is a [`Path`] or any [`Operand`].
    ///
    /// ```
    /// use singletable_core::expr::{Condition, Operand, Path};
    /// use singletable_core::{AttributeType, AttributeValue};
    ///
    /// let of_path = Condition::attribute_type(Path::attribute("tags"), AttributeType::Ss);
    /// assert_eq!(
    ///     of_path,
    ///     Condition::AttributeType(Operand::Path(Path::attribute("tags")), AttributeType::Ss)
    /// );
    /// let of_literal = Condition::attribute_type(AttributeValue::Null, AttributeType::Null);
    /// assert!(matches!(of_literal, Condition::AttributeType(Operand::Value(_), _)));
    /// ```
    pub fn attribute_type(subject: impl Into<Operand>, ty: AttributeType) -> Condition {
        Condition::AttributeType(subject.into(), ty)
    }

    /// `begins_with(subject, prefix)`; each is a [`Path`], an [`AttributeValue`] or any
    /// [`Operand`].
    ///
    /// ```
    /// use singletable_core::expr::{Condition, Operand, Path};
    /// use singletable_core::AttributeValue;
    ///
    /// let prefix = AttributeValue::S("ORDER#".into());
    /// let condition = Condition::begins_with(Path::attribute("SK"), prefix.clone());
    /// assert_eq!(
    ///     condition,
    ///     Condition::BeginsWith(Operand::Path(Path::attribute("SK")), Operand::Value(prefix))
    /// );
    /// ```
    pub fn begins_with(subject: impl Into<Operand>, prefix: impl Into<Operand>) -> Condition {
        Condition::BeginsWith(subject.into(), prefix.into())
    }

    /// `contains(subject, needle)`; each is a [`Path`], an [`AttributeValue`] or any
    /// [`Operand`].
    ///
    /// ```
    /// use singletable_core::expr::{Condition, Operand, Path};
    /// use singletable_core::AttributeValue;
    ///
    /// // Is the attribute `role` one of these words? (a literal searched for a path)
    /// let words = AttributeValue::Ss(vec!["admin".into(), "owner".into()]);
    /// let condition = Condition::contains(words, Path::attribute("role"));
    /// assert!(matches!(condition, Condition::Contains(Operand::Value(_), Operand::Path(_))));
    /// ```
    pub fn contains(subject: impl Into<Operand>, needle: impl Into<Operand>) -> Condition {
        Condition::Contains(subject.into(), needle.into())
    }

    /// Every document path the condition reads, in the order they are written, added to
    /// `out` (the engine's checks of key attributes in filters, the typed client's
    /// refusal of filters on native index keys).
    ///
    /// ```
    /// use singletable_core::expr::{Condition, Path};
    /// use singletable_core::AttributeValue;
    ///
    /// let c = Condition::begins_with(Path::attribute("sk"), AttributeValue::S("A#".into()))
    ///     .and(Condition::AttributeExists(Path::attribute("owner")));
    /// let mut paths = Vec::new();
    /// c.collect_paths(&mut paths);
    /// assert_eq!(paths, [&Path::attribute("sk"), &Path::attribute("owner")]);
    /// ```
    pub fn collect_paths<'c>(&'c self, out: &mut Vec<&'c Path>) {
        let operand = |operand: &'c Operand, out: &mut Vec<&'c Path>| match operand {
            Operand::Path(path) | Operand::Size(path) => out.push(path),
            Operand::Value(_) => {}
        };
        match self {
            Condition::Compare { left, right, .. } => {
                operand(left, out);
                operand(right, out);
            }
            Condition::Between { operand: tested, low, high } => {
                for o in [tested, low, high] {
                    operand(o, out);
                }
            }
            Condition::In { operand: tested, list } => {
                operand(tested, out);
                for o in list {
                    operand(o, out);
                }
            }
            Condition::AttributeExists(path) | Condition::AttributeNotExists(path) => {
                out.push(path);
            }
            Condition::AttributeType(subject, _) => operand(subject, out),
            Condition::BeginsWith(subject, other) | Condition::Contains(subject, other) => {
                operand(subject, out);
                operand(other, out);
            }
            Condition::And(left, right) | Condition::Or(left, right) => {
                left.collect_paths(out);
                right.collect_paths(out);
            }
            Condition::Not(inner) => inner.collect_paths(out),
        }
    }

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

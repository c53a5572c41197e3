//! DynamoDB's expression rules, once: the limits, the order of scalars, `size()`, and how
//! DynamoDB's messages print paths, literals and comparators. The embedded engine (which
//! evaluates typed ASTs) and `singletable serve`'s expression parser (which reads
//! DynamoDB's expression language) both answer with these, so they fail alike.

use std::cmp::Ordering;
use std::fmt;

use crate::expr::{Comparator, Operand, Path, PathElement};
use crate::value::AttributeValue;

/// `IN` takes at most this many operands.
pub const MAX_IN_OPERANDS: usize = 100;

/// The longest expression DynamoDB accepts, in UTF-16 code units (DynamoDB counts the
/// characters of a Java string).
pub const MAX_EXPRESSION_SIZE: usize = 4096;

/// Which request parameter an expression came from: it names the expression in messages
/// (`Invalid ConditionExpression: …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpressionKind {
    /// `ConditionExpression`.
    Condition,
    /// `FilterExpression`.
    Filter,
    /// `KeyConditionExpression`.
    KeyCondition,
    /// `UpdateExpression`.
    Update,
    /// `ProjectionExpression`.
    Projection,
}

impl ExpressionKind {
    /// The parameter's name: `ConditionExpression`, `FilterExpression`, …
    pub const fn parameter(self) -> &'static str {
        match self {
            ExpressionKind::Condition => "ConditionExpression",
            ExpressionKind::Filter => "FilterExpression",
            ExpressionKind::KeyCondition => "KeyConditionExpression",
            ExpressionKind::Update => "UpdateExpression",
            ExpressionKind::Projection => "ProjectionExpression",
        }
    }

    /// DynamoDB's message for an invalid expression of this kind:
    /// `Invalid <parameter>: <message>`.
    pub fn message(self, message: impl fmt::Display) -> String {
        format!("Invalid {}: {message}", self.parameter())
    }
}

impl Comparator {
    /// The comparator as the expression language writes it: `=`, `<>`, `<`, `<=`, `>`, `>=`.
    pub const fn symbol(self) -> &'static str {
        match self {
            Comparator::Eq => "=",
            Comparator::Ne => "<>",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }
}

/// `[a, b, [1]]`: a path as DynamoDB's messages print it.
///
/// ```
/// use singletable_core::expr::{rules::render_path, Path};
///
/// assert_eq!(render_path(&Path::attribute("m").key("deep").index(1)), "[m, deep, [1]]");
/// ```
pub fn render_path(path: &Path) -> String {
    let parts: Vec<String> = path
        .elements
        .iter()
        .map(|element| match element {
            PathElement::Attribute(name) => name.clone(),
            PathElement::Index(index) => format!("[{index}]"),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// `AttributeValue: {N:5}`: a literal as DynamoDB's BETWEEN messages print it.
pub fn render_literal(value: &AttributeValue) -> String {
    let body = match value {
        AttributeValue::S(s) => format!("S:{s}"),
        AttributeValue::N(n) => format!("N:{}", n.as_str()),
        // DynamoDB (a Java service) prints binary bounds as the buffer object.
        AttributeValue::B(b) => {
            format!("B:java.nio.HeapByteBuffer[pos=0 lim={0} cap={0}]", b.len())
        }
        other => other.attribute_type().as_str().to_owned(),
    };
    format!("AttributeValue: {{{body}}}")
}

/// The order of two scalars of one type: S by UTF-8 bytes, N numerically, B as unsigned
/// bytes. Anything else (other types, or two types) has no order.
pub fn scalar_order(left: &AttributeValue, right: &AttributeValue) -> Option<Ordering> {
    match (left, right) {
        (AttributeValue::S(l), AttributeValue::S(r)) => Some(l.as_bytes().cmp(r.as_bytes())),
        (AttributeValue::N(l), AttributeValue::N(r)) => Some(l.cmp(r)),
        (AttributeValue::B(l), AttributeValue::B(r)) => Some(l.cmp(r)),
        _ => None,
    }
}

/// `size()` of a value: S in UTF-16 code units (as DynamoDB, a Java service, counts), B in
/// bytes, the element count of a set, list or map; `None` for N, BOOL and NULL, which
/// have no size.
pub fn value_size(value: &AttributeValue) -> Option<usize> {
    Some(match value {
        AttributeValue::S(s) => s.encode_utf16().count(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Ss(set) => set.len(),
        AttributeValue::Ns(set) => set.len(),
        AttributeValue::Bs(set) => set.len(),
        AttributeValue::L(list) => list.len(),
        AttributeValue::M(map) => map.len(),
        AttributeValue::N(_) | AttributeValue::Bool(_) | AttributeValue::Null => return None,
    })
}

/// DynamoDB's message when the first operand of a comparison, `BETWEEN`, `IN` or a
/// function reappears among the others (`a = a`, `a BETWEEN a AND :b`); literals may
/// repeat, and so may `size(a)`. `None` when the operands are fine.
pub fn distinct_operands_error<'a>(
    operator: &str,
    first: &Operand,
    others: impl IntoIterator<Item = &'a Operand>,
) -> Option<String> {
    let Operand::Path(path) = first else { return None };
    others.into_iter().any(|other| other == first).then(|| {
        format!(
            "The first operand must be distinct from the remaining operands for this operator or function; operator: {operator}, first operand: {}",
            render_path(path)
        )
    })
}

/// DynamoDB's message when two literal `BETWEEN` bounds cannot bound anything: of two
/// types, or the upper below the lower. `None` when `low <= high`.
pub fn between_bounds_error(low: &AttributeValue, high: &AttributeValue) -> Option<String> {
    let problem = match scalar_order(low, high) {
        None => "requires same data type for lower and upper bounds",
        Some(Ordering::Greater) => {
            "requires upper bound to be greater than or equal to lower bound"
        }
        Some(_) => return None,
    };
    Some(format!(
        "The BETWEEN operator {problem}; lower bound operand: {}, upper bound operand: {}",
        render_literal(low),
        render_literal(high)
    ))
}

/// How two document paths of one update or projection clash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathClash {
    /// One is a prefix of the other (`a`, `a.b`).
    Overlap,
    /// They go through one place as a map and as a list (`a.b`, `a[0]`).
    Conflict,
}

impl PathClash {
    /// How `one` and `two` clash, if they do.
    pub fn of(one: &Path, two: &Path) -> Option<PathClash> {
        for (a, b) in one.elements.iter().zip(&two.elements) {
            match (a, b) {
                (PathElement::Attribute(x), PathElement::Attribute(y)) if x == y => {}
                (PathElement::Index(x), PathElement::Index(y)) if x == y => {}
                (PathElement::Attribute(_), PathElement::Attribute(_))
                | (PathElement::Index(_), PathElement::Index(_)) => return None,
                _ => return Some(PathClash::Conflict),
            }
        }
        Some(PathClash::Overlap)
    }

    /// DynamoDB's message: `Two document paths overlap with each other; …`.
    pub fn message(self, one: &Path, two: &Path) -> String {
        let how = match self {
            PathClash::Overlap => "overlap",
            PathClash::Conflict => "conflict",
        };
        format!(
            "Two document paths {how} with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
            render_path(one),
            render_path(two)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::Number;

    #[test]
    fn scalars_order_within_their_type_only() {
        let s = |t: &str| AttributeValue::S(t.to_owned());
        let n = |v: i64| AttributeValue::N(Number::from(v));
        assert_eq!(scalar_order(&s("a"), &s("b")), Some(Ordering::Less));
        // S compares UTF-8 bytes: 'é' (0xC3…) sorts after 'z'.
        assert_eq!(scalar_order(&s("é"), &s("z")), Some(Ordering::Greater));
        assert_eq!(scalar_order(&n(10), &n(9)), Some(Ordering::Greater));
        assert_eq!(
            scalar_order(&AttributeValue::B(vec![0x80]), &AttributeValue::B(vec![1])),
            Some(Ordering::Greater)
        );
        assert_eq!(scalar_order(&s("1"), &n(1)), None);
        assert_eq!(scalar_order(&AttributeValue::Bool(true), &AttributeValue::Bool(true)), None);
    }

    #[test]
    fn sizes_count_utf16_units_bytes_and_elements() {
        assert_eq!(value_size(&AttributeValue::S("😀a".to_owned())), Some(3));
        assert_eq!(value_size(&AttributeValue::B(vec![1, 2])), Some(2));
        assert_eq!(value_size(&AttributeValue::L(vec![AttributeValue::Null])), Some(1));
        assert_eq!(value_size(&AttributeValue::N(Number::from(7))), None);
    }

    #[test]
    fn messages_print_as_dynamodb_does() {
        assert_eq!(render_literal(&AttributeValue::N(Number::from(5))), "AttributeValue: {N:5}");
        assert_eq!(
            render_literal(&AttributeValue::B(vec![1, 2, 3])),
            "AttributeValue: {B:java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]}"
        );
        assert_eq!(render_literal(&AttributeValue::Bool(true)), "AttributeValue: {BOOL}");
        assert_eq!(ExpressionKind::Filter.message("x"), "Invalid FilterExpression: x");
        assert_eq!(Comparator::Ne.symbol(), "<>");
    }

    #[test]
    fn between_bounds_and_distinct_operands() {
        let n = |v: i64| AttributeValue::N(Number::from(v));
        assert_eq!(between_bounds_error(&n(1), &n(1)), None);
        assert!(between_bounds_error(&n(5), &n(1))
            .is_some_and(|m| m.contains("upper bound to be greater")));
        assert!(between_bounds_error(&n(1), &AttributeValue::S("a".to_owned()))
            .is_some_and(|m| m.contains("same data type")));
        let a = Operand::Path(Path::attribute("a"));
        let b = Operand::Path(Path::attribute("b"));
        assert_eq!(distinct_operands_error("=", &a, [&b]), None);
        assert_eq!(
            distinct_operands_error("=", &a, [&b, &a]).as_deref(),
            Some("The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]")
        );
        let value = Operand::Value(n(1));
        assert_eq!(distinct_operands_error("=", &value, [&value]), None);
    }

    #[test]
    fn paths_overlap_or_conflict() {
        let a = Path::attribute("a");
        assert_eq!(PathClash::of(&a, &a.clone().key("b")), Some(PathClash::Overlap));
        assert_eq!(
            PathClash::of(&a.clone().key("b"), &a.clone().index(0)),
            Some(PathClash::Conflict)
        );
        assert_eq!(PathClash::of(&a.clone().key("b"), &a.clone().key("c")), None);
        assert!(PathClash::Overlap.message(&a, &a).starts_with("Two document paths overlap"));
    }
}

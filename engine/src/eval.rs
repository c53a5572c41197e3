//! Condition (and filter) evaluation with DynamoDB's semantics.
//!
//! Two steps, as DynamoDB does them:
//!
//! 1. [`check`] rejects what DynamoDB rejects before looking at any item
//!    (`ValidationException`): ordering a set, list, map, BOOL or NULL literal; the same
//!    path on both sides of an operator; BETWEEN bounds of two types or in the wrong order;
//!    IN with no or more than 100 operands; begins_with on a non-S/B literal or on
//!    `size()`; invalid literal values (empty sets, nesting).
//! 2. [`evaluate`] then never fails: a missing attribute makes `<>` true and every other
//!    comparison, BETWEEN, IN and function (except `attribute_not_exists`) false; values of
//!    different types are never equal and never ordered. The first operand of `contains`,
//!    `begins_with` and `attribute_type` is resolved like any operand (a path, a literal or
//!    `size(path)`), then tested as DynamoDB Local tests it: `contains(:v, a)` searches the
//!    literal, `contains(size(a), :v)` is always false (a number contains nothing),
//!    `attribute_type(:v, :t)` is the literal's type, `attribute_type(size(a), :t)` is N
//!    when `a` has a size.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::hash::Hash;

use super::validate::check_value;
use singletable_core::error::{Error, Result};
use singletable_core::expr::rules::{
    between_bounds_error, distinct_operands_error, scalar_order, value_size, MAX_IN_OPERANDS,
};
pub(crate) use singletable_core::expr::rules::{render_path, ExpressionKind};
use singletable_core::expr::{
    begins_with_operands_error, orderable_operands_error, Comparator, Condition, Operand, Path,
    PathElement,
};
use singletable_core::number::Number;
use singletable_core::value::{AttributeValue, Item};

/// Deeper trees cannot come from a 4 KB expression; refusing them bounds the recursion.
const MAX_DEPTH: usize = 1024;

/// Rejects what DynamoDB rejects in a condition before evaluating it.
pub(crate) fn check(condition: &Condition, kind: ExpressionKind) -> Result<()> {
    Checker { kind }.condition(condition, 0)
}

/// True when `condition` holds for `item` (an absent item is an empty one). Call
/// [`check`] first: evaluation assumes a checked condition.
pub(crate) fn evaluate(condition: &Condition, item: &Item) -> bool {
    // Only the connectives recurse, in a small frame, so deep trees fit the stack.
    match condition {
        Condition::And(left, right) => evaluate(left, item) && evaluate(right, item),
        Condition::Or(left, right) => evaluate(left, item) || evaluate(right, item),
        Condition::Not(inner) => !evaluate(inner, item),
        leaf => evaluate_leaf(leaf, item),
    }
}

#[inline(never)]
fn evaluate_leaf(condition: &Condition, item: &Item) -> bool {
    match condition {
        Condition::Compare { left, op, right } => {
            compare(*op, operand(left, item).as_deref(), operand(right, item).as_deref())
        }
        Condition::Between { operand: tested, low, high } => {
            match (operand(tested, item), operand(low, item), operand(high, item)) {
                (Some(value), Some(low), Some(high)) => {
                    is_le(scalar_order(&low, &value)) && is_le(scalar_order(&value, &high))
                }
                _ => false,
            }
        }
        Condition::In { operand: tested, list } => operand(tested, item).is_some_and(|value| {
            list.iter()
                .any(|candidate| operand(candidate, item).is_some_and(|c| values_equal(&value, &c)))
        }),
        Condition::AttributeExists(path) => resolve(item, path).is_some(),
        Condition::AttributeNotExists(path) => resolve(item, path).is_none(),
        Condition::AttributeType(subject, ty) => {
            operand(subject, item).is_some_and(|value| value.attribute_type() == *ty)
        }
        Condition::BeginsWith(subject, prefix) => {
            match (operand(subject, item).as_deref(), operand(prefix, item).as_deref()) {
                (Some(AttributeValue::S(value)), Some(AttributeValue::S(prefix))) => {
                    value.starts_with(prefix.as_str())
                }
                (Some(AttributeValue::B(value)), Some(AttributeValue::B(prefix))) => {
                    value.starts_with(prefix)
                }
                _ => false,
            }
        }
        Condition::Contains(subject, needle) => {
            match (operand(subject, item), operand(needle, item)) {
                (Some(haystack), Some(needle)) => contains(&haystack, &needle),
                _ => false,
            }
        }
        // Connectives are walked by `evaluate`.
        Condition::And(..) | Condition::Or(..) | Condition::Not(_) => evaluate(condition, item),
    }
}

/// The value at `path` in `item`, if there is one.
pub(crate) fn resolve<'a>(item: &'a Item, path: &Path) -> Option<&'a AttributeValue> {
    let mut elements = path.elements.iter();
    let first = match elements.next()? {
        PathElement::Attribute(name) => item.get(name)?,
        PathElement::Index(_) => return None,
    };
    elements.try_fold(first, |value, element| match (value, element) {
        (AttributeValue::M(map), PathElement::Attribute(name)) => map.get(name),
        (AttributeValue::L(list), PathElement::Index(index)) => list.get(*index),
        _ => None,
    })
}

/// Every document path a condition reads, in the order they are written
/// ([`Condition::collect_paths`]).
pub(crate) fn condition_paths<'c>(condition: &'c Condition, out: &mut Vec<&'c Path>) {
    condition.collect_paths(out);
}

fn operand<'a>(operand: &'a Operand, item: &'a Item) -> Option<Cow<'a, AttributeValue>> {
    match operand {
        Operand::Path(path) => resolve(item, path).map(Cow::Borrowed),
        Operand::Value(value) => Some(Cow::Borrowed(value)),
        Operand::Size(path) => {
            resolve(item, path).and_then(size).map(|n| Cow::Owned(AttributeValue::N(n)))
        }
    }
}

/// `size(path)` as a number (see [`value_size`]).
fn size(value: &AttributeValue) -> Option<Number> {
    value_size(value).map(Number::from)
}

fn compare(op: Comparator, left: Option<&AttributeValue>, right: Option<&AttributeValue>) -> bool {
    let (Some(left), Some(right)) = (left, right) else {
        return op == Comparator::Ne;
    };
    match op {
        Comparator::Eq => values_equal(left, right),
        Comparator::Ne => !values_equal(left, right),
        Comparator::Lt => scalar_order(left, right) == Some(Ordering::Less),
        Comparator::Le => is_le(scalar_order(left, right)),
        Comparator::Gt => scalar_order(left, right) == Some(Ordering::Greater),
        Comparator::Ge => {
            matches!(scalar_order(left, right), Some(Ordering::Greater | Ordering::Equal))
        }
    }
}

fn is_le(order: Option<Ordering>) -> bool {
    matches!(order, Some(Ordering::Less | Ordering::Equal))
}

/// DynamoDB's equality: same type and value; numbers numerically; sets as sets (member
/// order ignored); lists element by element; maps key by key.
pub(crate) fn values_equal(left: &AttributeValue, right: &AttributeValue) -> bool {
    match (left, right) {
        (AttributeValue::S(l), AttributeValue::S(r)) => l == r,
        (AttributeValue::N(l), AttributeValue::N(r)) => l == r,
        (AttributeValue::B(l), AttributeValue::B(r)) => l == r,
        (AttributeValue::Bool(l), AttributeValue::Bool(r)) => l == r,
        (AttributeValue::Null, AttributeValue::Null) => true,
        (AttributeValue::L(l), AttributeValue::L(r)) => {
            l.len() == r.len() && l.iter().zip(r).all(|(a, b)| values_equal(a, b))
        }
        (AttributeValue::M(l), AttributeValue::M(r)) => {
            l.len() == r.len()
                && l.iter().all(|(key, a)| r.get(key).is_some_and(|b| values_equal(a, b)))
        }
        (AttributeValue::Ss(l), AttributeValue::Ss(r)) => same_members(l, r),
        (AttributeValue::Ns(l), AttributeValue::Ns(r)) => same_members(l, r),
        (AttributeValue::Bs(l), AttributeValue::Bs(r)) => same_members(l, r),
        _ => false,
    }
}

fn same_members<T: Hash + Eq>(left: &[T], right: &[T]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    let right: HashSet<&T> = right.iter().collect();
    right.len() == left.len() && left.iter().all(|member| right.contains(member))
}

/// `contains`: a substring of an S, a byte subsequence of a B, a member of a set of the
/// needle's type, an element of a list.
fn contains(haystack: &AttributeValue, needle: &AttributeValue) -> bool {
    match (haystack, needle) {
        (AttributeValue::S(s), AttributeValue::S(part)) => s.contains(part.as_str()),
        (AttributeValue::B(bytes), AttributeValue::B(part)) => {
            part.is_empty() || bytes.windows(part.len()).any(|window| window == part.as_slice())
        }
        (AttributeValue::Ss(set), AttributeValue::S(member)) => set.contains(member),
        (AttributeValue::Ns(set), AttributeValue::N(member)) => set.contains(member),
        (AttributeValue::Bs(set), AttributeValue::B(member)) => set.contains(member),
        (AttributeValue::L(list), element) => list.iter().any(|e| values_equal(e, element)),
        _ => false,
    }
}

struct Checker {
    kind: ExpressionKind,
}

impl Checker {
    fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::validation(self.kind.message(message))
    }

    fn condition(&self, condition: &Condition, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(self.error("Expression size has exceeded the maximum allowed size"));
        }
        // Only the connectives recurse, in a small frame, so deep trees fit the stack.
        match condition {
            Condition::And(left, right) | Condition::Or(left, right) => {
                self.condition(left, depth + 1)?;
                self.condition(right, depth + 1)
            }
            Condition::Not(inner) => self.condition(inner, depth + 1),
            leaf => self.leaf(leaf),
        }
    }

    #[inline(never)]
    fn leaf(&self, condition: &Condition) -> Result<()> {
        match condition {
            Condition::Compare { left, op, right } => {
                let symbol = op.symbol();
                self.literals([left, right])?;
                self.distinct(symbol, left, [right])?;
                if !matches!(op, Comparator::Eq | Comparator::Ne) {
                    self.orderable(symbol, [left, right])?;
                }
                Ok(())
            }
            Condition::Between { operand, low, high } => {
                self.literals([operand, low, high])?;
                self.distinct("BETWEEN", operand, [low, high])?;
                self.orderable("BETWEEN", [operand, low, high])?;
                if let (Operand::Value(low), Operand::Value(high)) = (low, high) {
                    if let Some(message) = between_bounds_error(low, high) {
                        return Err(self.error(message));
                    }
                }
                Ok(())
            }
            Condition::In { operand, list } => {
                if list.is_empty() {
                    return Err(self.error("Syntax error; token: \")\", near: \"IN ()\""));
                }
                if list.len() > MAX_IN_OPERANDS {
                    return Err(self.error(format!(
                        "The IN operator is provided with too many operands; number of operands: {}",
                        list.len()
                    )));
                }
                self.literals(std::iter::once(operand).chain(list))?;
                self.distinct("IN", operand, list)
            }
            Condition::AttributeExists(_) | Condition::AttributeNotExists(_) => Ok(()),
            Condition::AttributeType(subject, _) => self.literals([subject]),
            Condition::BeginsWith(subject, prefix) => {
                self.literals([subject, prefix])?;
                self.distinct("begins_with", subject, [prefix])?;
                match begins_with_operands_error([subject, prefix]) {
                    Some(message) => Err(self.error(message)),
                    None => Ok(()),
                }
            }
            Condition::Contains(subject, needle) => {
                self.literals([subject, needle])?;
                self.distinct("contains", subject, [needle])
            }
            // Connectives are walked by `condition`.
            Condition::And(..) | Condition::Or(..) | Condition::Not(_) => Ok(()),
        }
    }

    /// Literal values must be valid attribute values.
    fn literals<'a>(&self, operands: impl IntoIterator<Item = &'a Operand>) -> Result<()> {
        for operand in operands {
            if let Operand::Value(value) = operand {
                check_value(value).map_err(|message| {
                    Error::validation(format!(
                        "ExpressionAttributeValues contains invalid value: {message}"
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// Only S, N and B literals can be ordered ([`orderable_operands_error`], the rule
    /// the serve parser applies too).
    fn orderable<'a>(
        &self,
        operator: &str,
        operands: impl IntoIterator<Item = &'a Operand>,
    ) -> Result<()> {
        match orderable_operands_error(operator, operands) {
            Some(message) => Err(self.error(message)),
            None => Ok(()),
        }
    }

    /// The first operand may not reappear among the others (`a = a`); literals may, and
    /// so may `size(a)` (DynamoDB Local accepts `size(a) = size(a)`).
    fn distinct<'a>(
        &self,
        operator: &str,
        first: &Operand,
        others: impl IntoIterator<Item = &'a Operand>,
    ) -> Result<()> {
        match distinct_operands_error(operator, first, others) {
            Some(message) => Err(self.error(message)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use singletable_core::value::AttributeType;

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(text).expect("a valid number"))
    }

    fn num(text: &str) -> Number {
        Number::parse(text).expect("a valid number")
    }

    fn b(bytes: &[u8]) -> AttributeValue {
        AttributeValue::B(bytes.to_vec())
    }

    fn map(pairs: &[(&str, AttributeValue)]) -> Item {
        pairs.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect()
    }

    fn path(name: &str) -> Path {
        Path::attribute(name)
    }

    fn at(name: &str) -> Operand {
        Operand::Path(path(name))
    }

    fn val(value: AttributeValue) -> Operand {
        Operand::Value(value)
    }

    fn cmp(left: Operand, op: Comparator, right: Operand) -> Condition {
        Condition::Compare { left, op, right }
    }

    /// Checks, then evaluates.
    fn holds(condition: &Condition, item: &Item) -> bool {
        check(condition, ExpressionKind::Condition).expect("a valid condition");
        evaluate(condition, item)
    }

    fn rejected(condition: &Condition) -> String {
        match check(condition, ExpressionKind::Condition) {
            Err(Error::Validation { message, .. }) => message,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn sample() -> Item {
        map(&[
            ("s", s("hello")),
            ("n", n("10")),
            ("b", b(&[1, 2, 3])),
            ("t", AttributeValue::Bool(true)),
            ("z", AttributeValue::Null),
            ("ss", AttributeValue::Ss(vec!["a".to_owned(), "b".to_owned()])),
            ("ns", AttributeValue::Ns(vec![num("1"), num("2.5")])),
            ("bs", AttributeValue::Bs(vec![vec![0], vec![0, 0]])),
            ("l", AttributeValue::L(vec![s("x"), n("1"), AttributeValue::L(vec![])])),
            (
                "m",
                AttributeValue::M(map(&[
                    ("k", s("v")),
                    ("deep", AttributeValue::L(vec![n("7"), n("8")])),
                ])),
            ),
            ("emoji", s("é😀")),
        ])
    }

    #[test]
    fn paths_resolve_into_maps_and_lists() {
        let item = sample();
        assert_eq!(resolve(&item, &path("m").key("k")), Some(&s("v")));
        assert_eq!(resolve(&item, &path("m").key("deep").index(1)), Some(&n("8")));
        assert_eq!(resolve(&item, &path("l").index(5)), None);
        assert_eq!(resolve(&item, &path("l").key("k")), None);
        assert_eq!(resolve(&item, &path("m").index(0)), None);
        assert_eq!(resolve(&item, &path("missing")), None);
        assert_eq!(resolve(&item, &Path { elements: vec![] }), None);
        assert_eq!(resolve(&item, &Path { elements: vec![PathElement::Index(0)] }), None);
        assert_eq!(render_path(&path("m").key("deep").index(1)), "[m, deep, [1]]");
    }

    #[test]
    fn equality_on_every_type() {
        let item = sample();
        let eq = |name: &str, value: AttributeValue| {
            holds(&cmp(at(name), Comparator::Eq, val(value)), &item)
        };
        assert!(eq("s", s("hello")));
        assert!(!eq("s", s("Hello")));
        assert!(eq("n", n("10.00")), "numbers compare numerically");
        assert!(!eq("n", s("10")), "N never equals S");
        assert!(eq("b", b(&[1, 2, 3])));
        assert!(eq("t", AttributeValue::Bool(true)));
        assert!(!eq("t", AttributeValue::Bool(false)));
        assert!(eq("z", AttributeValue::Null));
        assert!(
            eq("ss", AttributeValue::Ss(vec!["b".to_owned(), "a".to_owned()])),
            "sets ignore order"
        );
        assert!(!eq("ss", AttributeValue::Ss(vec!["a".to_owned()])));
        assert!(eq("ns", AttributeValue::Ns(vec![num("2.50"), num("1")])));
        assert!(eq("bs", AttributeValue::Bs(vec![vec![0, 0], vec![0]])));
        assert!(eq("l", AttributeValue::L(vec![s("x"), n("1"), AttributeValue::L(vec![])])));
        assert!(
            !eq("l", AttributeValue::L(vec![n("1"), s("x"), AttributeValue::L(vec![])])),
            "lists keep order"
        );
        assert!(eq(
            "m",
            AttributeValue::M(map(&[
                ("deep", AttributeValue::L(vec![n("7"), n("8")])),
                ("k", s("v"))
            ]))
        ));
        assert!(!eq("m", AttributeValue::M(map(&[("k", s("v"))]))));
        let ne = |name: &str, value: AttributeValue| {
            holds(&cmp(at(name), Comparator::Ne, val(value)), &item)
        };
        assert!(ne("s", s("x")));
        assert!(!ne("n", n("10")));
        assert!(ne("n", s("10")), "different types are unequal");
    }

    #[test]
    fn ordering_by_type() {
        let item = sample();
        let test = |name: &str, op: Comparator, value: AttributeValue| {
            holds(&cmp(at(name), op, val(value)), &item)
        };
        assert!(test("n", Comparator::Gt, n("9")));
        assert!(test("n", Comparator::Lt, n("10.5")));
        assert!(test("n", Comparator::Le, n("10")));
        assert!(test("n", Comparator::Ge, n("10")));
        assert!(!test("n", Comparator::Lt, n("-100")));
        assert!(test("s", Comparator::Gt, s("Hello")), "h (68) > H (48)");
        assert!(test("s", Comparator::Lt, s("hellp")));
        assert!(test("s", Comparator::Gt, s("hell")), "a prefix sorts first");
        let emoji_after_ff5e = cmp(val(s("\u{1F600}")), Comparator::Gt, val(s("\u{FF5E}")));
        assert!(holds(&emoji_after_ff5e, &item), "UTF-8, not UTF-16, order");
        assert!(test("b", Comparator::Gt, b(&[1, 2])));
        assert!(test("b", Comparator::Lt, b(&[0x80])), "unsigned bytes");
        assert!(!test("n", Comparator::Lt, s("z")), "types never order against each other");
        assert!(!test("n", Comparator::Ge, s("0")));
        // Ordering paths that hold sets or booleans is simply false.
        assert!(!holds(&cmp(at("ss"), Comparator::Lt, at("ns")), &item));
        assert!(!holds(&cmp(at("t"), Comparator::Ge, at("t2")), &item));
    }

    #[test]
    fn missing_attributes_make_only_not_equal_true() {
        let item = sample();
        for op in [Comparator::Eq, Comparator::Lt, Comparator::Le, Comparator::Gt, Comparator::Ge] {
            assert!(!holds(&cmp(at("missing"), op, val(n("1"))), &item));
            assert!(!holds(&cmp(val(n("1")), op, at("missing")), &item));
        }
        assert!(holds(&cmp(at("missing"), Comparator::Ne, val(n("1"))), &item));
        assert!(holds(&cmp(val(n("1")), Comparator::Ne, at("missing")), &item));
        assert!(!holds(
            &Condition::Between { operand: at("missing"), low: val(n("1")), high: val(n("2")) },
            &item
        ));
        assert!(!holds(&Condition::In { operand: at("missing"), list: vec![val(n("1"))] }, &item));
        assert!(!holds(&Condition::begins_with(path("missing"), val(s("a"))), &item));
        assert!(!holds(&Condition::contains(path("missing"), val(s("a"))), &item));
        assert!(!holds(&Condition::attribute_type(path("missing"), AttributeType::S), &item));
        assert!(!holds(&Condition::AttributeExists(path("missing")), &item));
        assert!(holds(&Condition::AttributeNotExists(path("missing")), &item));
        assert!(!holds(&cmp(Operand::Size(path("missing")), Comparator::Ge, val(n("0"))), &item));
        // On an absent item every attribute is missing.
        assert!(holds(&Condition::AttributeNotExists(path("s")), &Item::new()));
    }

    #[test]
    fn literals_compare_with_literals() {
        let empty = Item::new();
        assert!(holds(&cmp(val(n("1")), Comparator::Eq, val(n("1"))), &empty));
        assert!(holds(&cmp(val(s("a")), Comparator::Lt, val(s("b"))), &empty));
    }

    #[test]
    fn between_is_inclusive_and_typed() {
        let item = sample();
        let between = |name: &str, low: AttributeValue, high: AttributeValue| {
            holds(&Condition::Between { operand: at(name), low: val(low), high: val(high) }, &item)
        };
        assert!(between("n", n("10"), n("10")));
        assert!(between("n", n("-1"), n("100")));
        assert!(!between("n", n("11"), n("100")));
        assert!(between("s", s("h"), s("i")));
        assert!(!between("s", s("a"), s("b")));
        assert!(between("b", b(&[1]), b(&[2])));
        assert!(!between("n", s("a"), s("z")), "types must match");
        // Bounds from paths are not checked up front: reversed bounds are just false.
        let item = map(&[("v", n("5")), ("lo", n("9")), ("hi", n("1"))]);
        assert!(!holds(
            &Condition::Between { operand: at("v"), low: at("lo"), high: at("hi") },
            &item
        ));
    }

    #[test]
    fn in_matches_any_candidate_of_the_same_type() {
        let item = sample();
        let is_in = |name: &str, list: Vec<AttributeValue>| {
            holds(
                &Condition::In { operand: at(name), list: list.into_iter().map(val).collect() },
                &item,
            )
        };
        assert!(is_in("n", vec![n("1"), n("10.0")]));
        assert!(!is_in("n", vec![s("10"), n("11")]));
        assert!(is_in("ss", vec![AttributeValue::Ss(vec!["b".to_owned(), "a".to_owned()])]));
        assert!(is_in("s", vec![s("hello")]));
    }

    #[test]
    fn begins_with_on_strings_and_binaries() {
        let item = sample();
        let begins = |name: &str, prefix: AttributeValue| {
            holds(&Condition::begins_with(path(name), val(prefix)), &item)
        };
        assert!(begins("s", s("he")));
        assert!(begins("s", s("")));
        assert!(begins("s", s("hello")));
        assert!(!begins("s", s("hello!")));
        assert!(begins("b", b(&[1, 2])));
        assert!(!begins("b", b(&[2])));
        assert!(!begins("s", b(&[0x68])), "S against B");
        assert!(!begins("ss", s("a")), "sets have no prefix");
        assert!(!begins("n", s("1")));
    }

    #[test]
    fn contains_on_strings_sets_and_lists() {
        let item = sample();
        let has = |name: &str, needle: AttributeValue| {
            holds(&Condition::contains(path(name), val(needle)), &item)
        };
        assert!(has("s", s("ell")));
        assert!(!has("s", s("elk")));
        assert!(has("b", b(&[2, 3])));
        assert!(!has("b", b(&[3, 2])));
        assert!(has("ss", s("a")));
        assert!(!has("ss", s("c")));
        assert!(has("ns", n("2.50")));
        assert!(!has("ns", s("1")));
        assert!(has("bs", b(&[0, 0])));
        assert!(has("l", s("x")));
        assert!(has("l", n("1.0")));
        assert!(has("l", AttributeValue::L(vec![])));
        assert!(!has("l", s("y")));
        assert!(!has("n", n("1")), "numbers contain nothing");
        assert!(!has("m", s("k")), "maps are not searched");
    }

    /// `contains(:v, a)`, `contains(size(a), :v)`: the truth values DynamoDB Local gives
    /// (probed through a conditional PutItem, see server/tests/expr_vs_local.rs).
    #[test]
    fn contains_searches_a_literal_or_a_size() {
        let item = map(&[
            ("part", s("ell")),
            ("n", n("2")),
            ("b", b(&[1, 2])),
            ("word", s("x")),
            ("l", AttributeValue::L(vec![s("x")])),
        ]);
        let has =
            |subject: Operand, needle: Operand| holds(&Condition::contains(subject, needle), &item);
        let ns = AttributeValue::Ns(vec![num("1"), num("2")]);
        let list = AttributeValue::L(vec![s("x"), s("ell")]);
        assert!(has(val(s("hello")), at("part")), "a substring of the literal");
        assert!(!has(val(s("he")), at("part")));
        assert!(has(val(b(&[1, 2, 3])), at("b")), "a byte run of the literal");
        assert!(!has(val(b(&[1])), at("b")));
        assert!(has(val(ns.clone()), at("n")), "a member of the literal set");
        assert!(!has(val(ns), at("part")), "a set holds only its own type");
        assert!(has(val(list.clone()), at("part")), "an element of the literal list");
        assert!(!has(val(list), at("l")), "a list element, not a sub-list");
        assert!(!has(val(s("hello")), at("n")), "an S never contains an N");
        assert!(!has(val(n("22")), at("n")), "a number contains nothing");
        assert!(!has(val(AttributeValue::Bool(true)), at("word")));
        assert!(!has(val(s("hello")), at("missing")), "a missing needle is false");
        assert!(holds(&Condition::contains(val(s("hello")), at("missing")).not(), &item));
        assert!(has(val(s("hello")), val(s("ll"))), "two literals");
        assert!(has(val(s("")), val(s(""))));
        // size() is a number: it contains nothing, whatever the needle.
        assert!(!has(Operand::Size(path("part")), val(n("3"))));
        assert!(!has(Operand::Size(path("part")), Operand::Size(path("part"))));
        assert!(!has(Operand::Size(path("missing")), val(n("0"))));
    }

    /// `begins_with(:v, a)`: the literal starts with the attribute's value.
    #[test]
    fn begins_with_tests_a_literal_subject() {
        let item = map(&[("pre", s("he")), ("s", s("ell")), ("b", b(&[1, 2])), ("n", n("1"))]);
        let begins = |subject: Operand, prefix: Operand| {
            holds(&Condition::begins_with(subject, prefix), &item)
        };
        assert!(begins(val(s("hello")), at("pre")));
        assert!(!begins(val(s("hello")), at("s")));
        assert!(!begins(val(s("he")), at("missing")));
        assert!(begins(val(b(&[1, 2, 3])), at("b")));
        assert!(!begins(val(b(&[1])), at("b")));
        assert!(!begins(val(s("1x")), at("n")), "an N is never a prefix");
        assert!(!begins(val(b(&[0x68])), at("pre")), "B against S");
        assert!(begins(val(s("hello")), val(s(""))));
        assert!(!begins(val(s("")), at("pre")));
    }

    /// `attribute_type(:v, :t)` is the literal's type; `size()` is an N when it exists.
    #[test]
    fn attribute_type_of_a_literal_or_a_size() {
        let item = sample();
        let is = |subject: Operand, ty: AttributeType| {
            holds(&Condition::attribute_type(subject, ty), &item)
        };
        assert!(is(val(s("x")), AttributeType::S));
        assert!(!is(val(s("x")), AttributeType::N));
        assert!(is(val(AttributeValue::Ns(vec![num("1")])), AttributeType::Ns));
        assert!(!is(val(AttributeValue::Ns(vec![num("1")])), AttributeType::Ss));
        assert!(is(val(AttributeValue::Null), AttributeType::Null));
        assert!(is(val(AttributeValue::M(Item::new())), AttributeType::M));
        assert!(is(Operand::Size(path("s")), AttributeType::N));
        assert!(!is(Operand::Size(path("s")), AttributeType::S));
        assert!(!is(Operand::Size(path("missing")), AttributeType::N), "no size, no type");
        assert!(!is(Operand::Size(path("n")), AttributeType::N), "an N has no size");
    }

    #[test]
    fn literal_subjects_are_checked_like_any_literal() {
        // DynamoDB's operand types for begins_with, on either side.
        assert_eq!(
            rejected(&Condition::begins_with(val(n("1")), at("a"))),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"
        );
        assert!(rejected(&Condition::begins_with(
            val(AttributeValue::Ss(vec!["a".into()])),
            at("a")
        ))
        .ends_with("operator or function: begins_with, operand type: SS"));
        assert!(rejected(&Condition::begins_with(Operand::Size(path("a")), val(s("x"))))
            .ends_with("operator or function: begins_with, operand type: N"));
        assert!(rejected(&Condition::begins_with(at("a"), Operand::Size(path("b"))))
            .ends_with("operator or function: begins_with, operand type: N"));
        // contains and attribute_type take literals of every type.
        for literal in [n("1"), AttributeValue::Bool(true), AttributeValue::L(vec![])] {
            assert!(check(
                &Condition::contains(val(literal.clone()), at("a")),
                ExpressionKind::Condition
            )
            .is_ok());
            assert!(check(
                &Condition::attribute_type(val(literal), AttributeType::S),
                ExpressionKind::Condition
            )
            .is_ok());
        }
        // The literal itself must be a valid value.
        let empty = val(AttributeValue::Ss(vec![]));
        assert!(rejected(&Condition::contains(empty.clone(), at("a")))
            .starts_with("ExpressionAttributeValues contains invalid value:"));
        assert!(rejected(&Condition::attribute_type(empty, AttributeType::Ss))
            .starts_with("ExpressionAttributeValues contains invalid value:"));
        // A literal first operand may repeat; `size(a)` need not differ from `a`.
        assert!(check(&Condition::contains(val(s("x")), val(s("x"))), ExpressionKind::Condition)
            .is_ok());
        assert!(check(
            &Condition::contains(Operand::Size(path("a")), at("a")),
            ExpressionKind::Condition
        )
        .is_ok());
    }

    #[test]
    fn function_subjects_are_read_paths() {
        let condition = Condition::contains(Operand::Size(path("a")), at("b"))
            .and(Condition::begins_with(val(s("x")), at("c")))
            .and(Condition::attribute_type(Operand::Size(path("d")), AttributeType::N))
            .and(Condition::attribute_type(val(s("x")), AttributeType::S));
        let mut paths = Vec::new();
        condition_paths(&condition, &mut paths);
        assert_eq!(paths, [&path("a"), &path("b"), &path("c"), &path("d")]);
    }

    #[test]
    fn size_counts_per_type() {
        let item = sample();
        let size_is = |name: &str, expected: &str| {
            holds(&cmp(Operand::Size(path(name)), Comparator::Eq, val(n(expected))), &item)
        };
        assert!(size_is("s", "5"));
        assert!(size_is("emoji", "3"), "UTF-16 units: é is 1, 😀 is 2");
        assert!(size_is("b", "3"));
        assert!(size_is("ss", "2"));
        assert!(size_is("ns", "2"));
        assert!(size_is("bs", "2"));
        assert!(size_is("l", "3"));
        assert!(size_is("m", "2"));
        assert!(holds(
            &cmp(Operand::Size(path("m").key("deep")), Comparator::Eq, val(n("2"))),
            &item
        ));
        assert!(
            !holds(&cmp(Operand::Size(path("n")), Comparator::Ge, val(n("0"))), &item),
            "N has no size"
        );
        assert!(!holds(&cmp(Operand::Size(path("t")), Comparator::Ge, val(n("0"))), &item));
        assert!(holds(
            &cmp(Operand::Size(path("s")), Comparator::Gt, Operand::Size(path("b"))),
            &item
        ));
    }

    #[test]
    fn attribute_type_checks_the_exact_type() {
        let item = sample();
        let types = [
            ("s", AttributeType::S),
            ("n", AttributeType::N),
            ("b", AttributeType::B),
            ("t", AttributeType::Bool),
            ("z", AttributeType::Null),
            ("ss", AttributeType::Ss),
            ("ns", AttributeType::Ns),
            ("bs", AttributeType::Bs),
            ("l", AttributeType::L),
            ("m", AttributeType::M),
        ];
        for (name, ty) in types {
            assert!(holds(&Condition::attribute_type(path(name), ty), &item), "{name} is {ty}");
            let other = if ty == AttributeType::Ss { AttributeType::S } else { AttributeType::Ss };
            assert!(
                !holds(&Condition::attribute_type(path(name), other), &item),
                "{name} is not {other}"
            );
        }
    }

    #[test]
    fn boolean_connectives() {
        let item = sample();
        let yes = Condition::AttributeExists(path("s"));
        let no = Condition::AttributeExists(path("missing"));
        assert!(holds(&yes.clone().and(yes.clone()), &item));
        assert!(!holds(&yes.clone().and(no.clone()), &item));
        assert!(holds(&no.clone().or(yes.clone()), &item));
        assert!(!holds(&no.clone().or(no.clone()), &item));
        assert!(holds(&no.clone().not(), &item));
        assert!(!holds(&yes.clone().not(), &item));
        // NOT of a comparison on a missing attribute is true.
        assert!(holds(&cmp(at("missing"), Comparator::Lt, val(n("1"))).not(), &item));
    }

    #[test]
    fn ordering_a_non_scalar_literal_is_rejected() {
        let set = AttributeValue::Ss(vec!["a".to_owned()]);
        assert_eq!(
            rejected(&cmp(at("a"), Comparator::Lt, val(set.clone()))),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: SS"
        );
        assert!(rejected(&cmp(val(AttributeValue::M(Item::new())), Comparator::Ge, at("a")))
            .ends_with("operator or function: >=, operand type: M"));
        assert!(rejected(&cmp(at("a"), Comparator::Gt, val(AttributeValue::Bool(true))))
            .ends_with("operand type: BOOL"));
        assert!(rejected(&Condition::Between {
            operand: at("a"),
            low: val(AttributeValue::L(vec![])),
            high: val(n("1"))
        })
        .ends_with("operator or function: BETWEEN, operand type: L"));
        // Equality takes every type.
        assert!(check(&cmp(at("a"), Comparator::Eq, val(set)), ExpressionKind::Condition).is_ok());
    }

    #[test]
    fn the_same_size_on_both_sides_is_accepted() {
        // DynamoDB Local accepts `size(a) = size(a)` (found by the expression parser's
        // differential test); only a repeated document path is refused.
        let same = cmp(Operand::Size(path("a")), Comparator::Eq, Operand::Size(path("a")));
        assert!(check(&same, ExpressionKind::Condition).is_ok());
    }

    #[test]
    fn the_same_path_on_both_sides_is_rejected() {
        assert_eq!(
            rejected(&cmp(at("a"), Comparator::Eq, at("a"))),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"
        );
        assert!(rejected(&Condition::contains(path("a"), at("a")))
            .contains("operator: contains, first operand: [a]"));
        assert!(rejected(&Condition::begins_with(
            path("a").key("b"),
            Operand::Path(path("a").key("b"))
        ))
        .contains("operator: begins_with, first operand: [a, b]"));
        assert!(rejected(&Condition::Between {
            operand: at("a"),
            low: val(n("1")),
            high: at("a")
        })
        .contains("operator: BETWEEN"));
        assert!(rejected(&Condition::In { operand: at("a"), list: vec![val(n("1")), at("a")] })
            .contains("operator: IN"));
        // Literals may repeat; different paths are fine.
        assert!(check(&cmp(val(n("1")), Comparator::Eq, val(n("1"))), ExpressionKind::Condition)
            .is_ok());
        assert!(check(&cmp(at("a"), Comparator::Eq, at("b")), ExpressionKind::Condition).is_ok());
    }

    #[test]
    fn between_bounds_are_checked_up_front() {
        assert_eq!(
            rejected(&Condition::Between { operand: at("a"), low: val(n("5")), high: val(n("1")) }),
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"
        );
        assert_eq!(
            rejected(&Condition::Between { operand: at("a"), low: val(n("1")), high: val(s("z")) }),
            "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:z}"
        );
        assert!(check(
            &Condition::Between { operand: at("a"), low: val(s("a")), high: val(s("a")) },
            ExpressionKind::Condition
        )
        .is_ok());
    }

    #[test]
    fn in_needs_1_to_100_operands() {
        let list: Vec<Operand> = (0..101).map(|i| val(n(&i.to_string()))).collect();
        assert_eq!(
            rejected(&Condition::In { operand: at("a"), list: list[..101].to_vec() }),
            "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101"
        );
        assert!(check(
            &Condition::In { operand: at("a"), list: list[..100].to_vec() },
            ExpressionKind::Condition
        )
        .is_ok());
        assert!(rejected(&Condition::In { operand: at("a"), list: vec![] })
            .starts_with("Invalid ConditionExpression: Syntax error"));
    }

    #[test]
    fn begins_with_takes_only_string_or_binary_literals() {
        assert_eq!(
            rejected(&Condition::begins_with(path("a"), val(n("1")))),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"
        );
    }

    #[test]
    fn invalid_literals_and_deep_trees_are_rejected() {
        assert!(rejected(&cmp(at("a"), Comparator::Eq, val(AttributeValue::Ss(vec![]))))
            .starts_with("ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty"));
        let mut deep = Condition::AttributeExists(path("a"));
        for _ in 0..MAX_DEPTH {
            deep = deep.not();
        }
        // As deep as allowed: checked and evaluated on a test thread's stack.
        assert!(holds(&deep, &map(&[("a", s("x"))])));
        let deeper = deep.and(Condition::AttributeExists(path("a")));
        assert!(rejected(&deeper).contains("Expression size has exceeded the maximum allowed size"));
    }

    #[test]
    fn filter_messages_name_the_filter() {
        match check(&cmp(at("a"), Comparator::Eq, at("a")), ExpressionKind::Filter) {
            Err(Error::Validation { message, .. }) => {
                assert!(message.starts_with("Invalid FilterExpression: "))
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn large_sets_compare_as_sets() {
        let forward: Vec<String> = (0..500).map(|i| format!("m{i}")).collect();
        let mut backward = forward.clone();
        backward.reverse();
        assert!(values_equal(&AttributeValue::Ss(forward.clone()), &AttributeValue::Ss(backward)));
        let mut other = forward.clone();
        other[0] = "different".to_owned();
        assert!(!values_equal(&AttributeValue::Ss(forward), &AttributeValue::Ss(other)));
    }
}

//! Property tests of condition expressions: random condition trees over random items.
//!
//! - Evaluation: the embedded engine (asked through a conditional `PutItem`) agrees with
//!   an independent oracle written from DynamoDB's documented rules (facts sheet §6):
//!   values of different types never compare, a missing attribute makes every test false
//!   except `<>` and `attribute_not_exists`, S compares by UTF-8 bytes, N numerically; and
//!   `AND`/`OR`/`NOT` compose as boolean logic. The functions also take a literal or
//!   `size(path)` as their first operand (observed on DynamoDB Local): `contains(:v, a)`
//!   and `begins_with(:v, a)` search the literal, `contains(size(a), :v)` is always false,
//!   `attribute_type(:v, :t)` is the literal's type and `attribute_type(size(a), :t)` is N
//!   when `a` has a size.
//! - Rendering: every `#name` / `:value` placeholder used is defined and every one defined
//!   is used, and once placeholders, keywords and punctuation are taken out of the string
//!   nothing is left: no user value or attribute name ever reaches the expression text.

use std::collections::HashSet;

use proptest::prelude::*;
use singletable_core::backend::{
    AttributeDefinition, Backend, CreateTableInput, KeySchemaElement, KeyType, PutItemInput,
};
use singletable_core::expr::render::Placeholders;
use singletable_core::expr::{Comparator, Condition, Operand, Path};
use singletable_core::schema::{BillingMode, ScalarType};
use singletable_core::{AttributeType, AttributeValue, Error, Item, Number};
use singletable_engine::MemoryBackend;

/// A scalar the generated items and conditions use.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    S(String),
    N(i64),
}

impl Scalar {
    fn value(&self) -> AttributeValue {
        match self {
            Scalar::S(text) => AttributeValue::S(text.clone()),
            Scalar::N(number) => AttributeValue::N(Number::from(*number)),
        }
    }
}

/// An atomic test of one attribute.
#[derive(Debug, Clone)]
enum Atom {
    Compare(&'static str, Comparator, Scalar),
    Between(&'static str, Scalar, Scalar),
    In(&'static str, Vec<Scalar>),
    BeginsWith(&'static str, String),
    Contains(&'static str, String),
    Exists(&'static str),
    NotExists(&'static str),
    IsType(&'static str, AttributeType),
    /// `contains(:literal, name)`.
    LiteralContains(String, &'static str),
    /// `begins_with(:literal, name)`.
    LiteralBeginsWith(String, &'static str),
    /// `contains(size(name), :v)`.
    SizeContains(&'static str, Scalar),
    /// `attribute_type(:v, :t)`.
    LiteralIsType(Scalar, AttributeType),
    /// `attribute_type(size(name), :t)`.
    SizeIsType(&'static str, AttributeType),
}

#[derive(Debug, Clone)]
enum Tree {
    Atom(Atom),
    And(Box<Tree>, Box<Tree>),
    Or(Box<Tree>, Box<Tree>),
    Not(Box<Tree>),
}

// The attributes conditions test: two that items may hold, one that is never there.
const NAMES: [&str; 3] = ["a", "b", "missing attr.#x"];

fn scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        "[a-c]{0,3}".prop_map(Scalar::S),
        (-3i64..4).prop_map(Scalar::N),
        // Multi-byte characters: S compares by UTF-8 bytes, not by chars or UTF-16.
        prop_oneof![Just("é".to_owned()), Just("\u{FF5E}".to_owned()), Just("😀".to_owned())]
            .prop_map(Scalar::S),
    ]
}

fn name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(NAMES.to_vec())
}

fn comparator() -> impl Strategy<Value = Comparator> {
    prop::sample::select(vec![
        Comparator::Eq,
        Comparator::Ne,
        Comparator::Lt,
        Comparator::Le,
        Comparator::Gt,
        Comparator::Ge,
    ])
}

fn type_name() -> impl Strategy<Value = AttributeType> {
    prop::sample::select(vec![AttributeType::S, AttributeType::N, AttributeType::L])
}

fn atom() -> impl Strategy<Value = Atom> {
    prop_oneof![
        (name(), comparator(), scalar()).prop_map(|(n, op, v)| Atom::Compare(n, op, v)),
        // Bounds of one type with low <= high; the other shapes are validation errors.
        (name(), -3i64..4, 0i64..4).prop_map(|(n, low, width)| Atom::Between(
            n,
            Scalar::N(low),
            Scalar::N(low + width)
        )),
        (name(), "[a-c]{0,2}", "[a-c]{0,2}").prop_map(|(n, x, y)| {
            let (low, high) = if x <= y { (x, y) } else { (y, x) };
            Atom::Between(n, Scalar::S(low), Scalar::S(high))
        }),
        (name(), prop::collection::vec(scalar(), 1..4)).prop_map(|(n, list)| Atom::In(n, list)),
        (name(), "[a-c]{1,2}").prop_map(|(n, prefix)| Atom::BeginsWith(n, prefix)),
        (name(), "[a-c]{1,2}").prop_map(|(n, part)| Atom::Contains(n, part)),
        name().prop_map(Atom::Exists),
        name().prop_map(Atom::NotExists),
        (name(), type_name()).prop_map(|(n, ty)| Atom::IsType(n, ty)),
        ("[a-c]{0,3}", name()).prop_map(|(text, n)| Atom::LiteralContains(text, n)),
        ("[a-c]{0,3}", name()).prop_map(|(text, n)| Atom::LiteralBeginsWith(text, n)),
        (name(), scalar()).prop_map(|(n, v)| Atom::SizeContains(n, v)),
        (scalar(), type_name()).prop_map(|(v, ty)| Atom::LiteralIsType(v, ty)),
        (name(), type_name()).prop_map(|(n, ty)| Atom::SizeIsType(n, ty)),
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    atom().prop_map(Tree::Atom).prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Tree::And(Box::new(l), Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Tree::Or(Box::new(l), Box::new(r))),
            inner.prop_map(|t| Tree::Not(Box::new(t))),
        ]
    })
}

/// The item's tested attributes: each of `a` and `b` is absent or holds a scalar.
fn attributes() -> impl Strategy<Value = (Option<Scalar>, Option<Scalar>)> {
    (prop::option::of(scalar()), prop::option::of(scalar()))
}

fn path(name: &str) -> Path {
    Path::attribute(name)
}

fn to_condition(tree: &Tree) -> Condition {
    match tree {
        Tree::And(l, r) => to_condition(l).and(to_condition(r)),
        Tree::Or(l, r) => to_condition(l).or(to_condition(r)),
        Tree::Not(t) => to_condition(t).not(),
        Tree::Atom(atom) => match atom {
            Atom::Compare(n, op, v) => Condition::Compare {
                left: Operand::Path(path(n)),
                op: *op,
                right: Operand::Value(v.value()),
            },
            Atom::Between(n, low, high) => Condition::Between {
                operand: Operand::Path(path(n)),
                low: Operand::Value(low.value()),
                high: Operand::Value(high.value()),
            },
            Atom::In(n, list) => Condition::In {
                operand: Operand::Path(path(n)),
                list: list.iter().map(|v| Operand::Value(v.value())).collect(),
            },
            Atom::BeginsWith(n, prefix) => {
                Condition::begins_with(path(n), AttributeValue::S(prefix.clone()))
            }
            Atom::Contains(n, part) => {
                Condition::contains(path(n), AttributeValue::S(part.clone()))
            }
            Atom::Exists(n) => Condition::AttributeExists(path(n)),
            Atom::NotExists(n) => Condition::AttributeNotExists(path(n)),
            Atom::IsType(n, ty) => Condition::attribute_type(path(n), *ty),
            Atom::LiteralContains(text, n) => {
                Condition::contains(AttributeValue::S(text.clone()), path(n))
            }
            Atom::LiteralBeginsWith(text, n) => {
                Condition::begins_with(AttributeValue::S(text.clone()), path(n))
            }
            Atom::SizeContains(n, v) => Condition::contains(Operand::Size(path(n)), v.value()),
            Atom::LiteralIsType(v, ty) => Condition::attribute_type(v.value(), *ty),
            Atom::SizeIsType(n, ty) => Condition::attribute_type(Operand::Size(path(n)), *ty),
        },
    }
}

/// DynamoDB's ordering of two scalars of one type; `None` across types.
fn order(x: &Scalar, y: &Scalar) -> Option<std::cmp::Ordering> {
    match (x, y) {
        (Scalar::S(a), Scalar::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (Scalar::N(a), Scalar::N(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// The oracle: DynamoDB's documented semantics, written independently of the engine.
fn expected(tree: &Tree, a: &Option<Scalar>, b: &Option<Scalar>) -> bool {
    let value = |name: &str| match name {
        "a" => a.as_ref(),
        "b" => b.as_ref(),
        _ => None,
    };
    match tree {
        Tree::And(l, r) => expected(l, a, b) && expected(r, a, b),
        Tree::Or(l, r) => expected(l, a, b) || expected(r, a, b),
        Tree::Not(t) => !expected(t, a, b),
        Tree::Atom(atom) => match atom {
            Atom::Compare(n, op, v) => match (value(n), op) {
                (None, Comparator::Ne) => true,
                (None, _) => false,
                (Some(x), Comparator::Ne) => order(x, v) != Some(std::cmp::Ordering::Equal),
                (Some(x), op) => order(x, v).is_some_and(|o| match op {
                    Comparator::Eq => o.is_eq(),
                    Comparator::Lt => o.is_lt(),
                    Comparator::Le => o.is_le(),
                    Comparator::Gt => o.is_gt(),
                    Comparator::Ge => o.is_ge(),
                    Comparator::Ne => unreachable!("handled above"),
                }),
            },
            Atom::Between(n, low, high) => value(n).is_some_and(|x| {
                order(x, low).is_some_and(|o| o.is_ge())
                    && order(x, high).is_some_and(|o| o.is_le())
            }),
            Atom::In(n, list) => value(n).is_some_and(|x| {
                list.iter().any(|v| order(x, v) == Some(std::cmp::Ordering::Equal))
            }),
            Atom::BeginsWith(n, prefix) => {
                matches!(value(n), Some(Scalar::S(text)) if text.starts_with(prefix.as_str()))
            }
            Atom::Contains(n, part) => {
                matches!(value(n), Some(Scalar::S(text)) if text.contains(part.as_str()))
            }
            Atom::Exists(n) => value(n).is_some(),
            Atom::NotExists(n) => value(n).is_none(),
            Atom::IsType(n, ty) => match value(n) {
                Some(Scalar::S(_)) => *ty == AttributeType::S,
                Some(Scalar::N(_)) => *ty == AttributeType::N,
                None => false,
            },
            // The literal is the haystack: a string holds only strings.
            Atom::LiteralContains(text, n) => {
                matches!(value(n), Some(Scalar::S(part)) if text.contains(part.as_str()))
            }
            Atom::LiteralBeginsWith(text, n) => {
                matches!(value(n), Some(Scalar::S(prefix)) if text.starts_with(prefix.as_str()))
            }
            // size() is a number, and a number contains nothing.
            Atom::SizeContains(..) => false,
            Atom::LiteralIsType(v, ty) => match v {
                Scalar::S(_) => *ty == AttributeType::S,
                Scalar::N(_) => *ty == AttributeType::N,
            },
            // Only an S (of these scalars) has a size, and a size is an N.
            Atom::SizeIsType(n, ty) => {
                matches!(value(n), Some(Scalar::S(_))) && *ty == AttributeType::N
            }
        },
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().expect("a tokio runtime")
}

async fn table(db: &MemoryBackend) {
    db.create_table(CreateTableInput {
        table_name: "Props".to_owned(),
        attribute_definitions: vec![AttributeDefinition {
            name: "pk".to_owned(),
            ty: ScalarType::S,
        }],
        key_schema: vec![KeySchemaElement {
            attribute_name: "pk".to_owned(),
            key_type: KeyType::Hash,
        }],
        global_secondary_indexes: vec![],
        local_secondary_indexes: vec![],
        billing_mode: BillingMode::PayPerRequest,
        stream: None,
    })
    .await
    .expect("table created");
}

/// Whether the engine finds `condition` true on `item`: a conditional put of the same
/// item succeeds exactly when the condition holds.
async fn holds(db: &MemoryBackend, item: &Item, condition: Condition) -> bool {
    let put = |condition| PutItemInput {
        table_name: "Props".to_owned(),
        item: item.clone(),
        condition,
        ..PutItemInput::default()
    };
    db.put_item(put(None)).await.expect("unconditional put");
    match db.put_item(put(Some(condition))).await {
        Ok(_) => true,
        Err(Error::ConditionalCheckFailed { .. }) => false,
        Err(other) => panic!("the engine refused a valid condition: {other}"),
    }
}

fn make_item(a: &Option<Scalar>, b: &Option<Scalar>) -> Item {
    let mut item = Item::new();
    item.insert("pk".to_owned(), AttributeValue::S("k".to_owned()));
    if let Some(a) = a {
        item.insert("a".to_owned(), a.value());
    }
    if let Some(b) = b {
        item.insert("b".to_owned(), b.value());
    }
    item
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_engine_evaluates_conditions_as_dynamodb_documents(
        tree in tree(),
        (a, b) in attributes(),
    ) {
        let db = MemoryBackend::new();
        let rt = runtime();
        rt.block_on(table(&db));
        let item = make_item(&a, &b);
        let got = rt.block_on(holds(&db, &item, to_condition(&tree)));
        prop_assert_eq!(got, expected(&tree, &a, &b), "condition {:?} on a={:?} b={:?}", tree, a, b);
        // NOT flips the answer, whatever the tree.
        let negated = rt.block_on(holds(&db, &item, to_condition(&tree).not()));
        prop_assert_eq!(negated, !got);
    }

    #[test]
    fn rendering_uses_only_placeholders(tree in tree()) {
        let mut placeholders = Placeholders::default();
        let text = placeholders.condition(&to_condition(&tree));
        let (names, values) = placeholders.into_parts();
        let mut used_names = HashSet::new();
        let mut used_values = HashSet::new();
        let mut rest = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '#' || c == ':' {
                let mut token = c.to_string();
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_alphanumeric() { token.push(d); chars.next(); } else { break; }
                }
                if c == '#' { used_names.insert(token); } else { used_values.insert(token); }
            } else {
                rest.push(c);
            }
        }
        let defined_names: HashSet<String> = names.keys().cloned().collect();
        let defined_values: HashSet<String> = values.keys().cloned().collect();
        prop_assert_eq!(used_names, defined_names);
        prop_assert_eq!(used_values, defined_values);
        let keywords = [
            "attribute_not_exists", "attribute_exists", "attribute_type", "begins_with",
            "contains", "size", "BETWEEN", "AND", "OR", "NOT", "IN", "<>", "<=", ">=", "=",
            "<", ">",
            "(", ")", ",",
        ];
        let mut leftover = rest;
        for keyword in keywords {
            leftover = leftover.replace(keyword, " ");
        }
        prop_assert!(leftover.trim().is_empty(), "user text in {:?}: {:?}", text, leftover);
    }
}

#[test]
fn the_oracle_matches_hand_computed_cases() {
    let a = Some(Scalar::S("b".to_owned()));
    let b = Some(Scalar::N(2));
    let cmp = |n, op, v| Tree::Atom(Atom::Compare(n, op, v));
    // Types never mix; a missing attribute is unequal to everything.
    assert!(!expected(&cmp("a", Comparator::Eq, Scalar::N(2)), &a, &b));
    assert!(expected(&cmp("a", Comparator::Ne, Scalar::N(2)), &a, &b));
    assert!(expected(&cmp("missing attr.#x", Comparator::Ne, Scalar::N(2)), &a, &b));
    assert!(!expected(&cmp("missing attr.#x", Comparator::Lt, Scalar::N(2)), &a, &b));
    // Bytes order: "é" (C3 A9) sorts after "z", U+1F600 after U+FF5E.
    let e = Some(Scalar::S("é".to_owned()));
    assert!(expected(&cmp("a", Comparator::Gt, Scalar::S("z".to_owned())), &e, &None));
    let smile = Some(Scalar::S("😀".to_owned()));
    assert!(expected(&cmp("a", Comparator::Gt, Scalar::S("\u{FF5E}".to_owned())), &smile, &None));
    assert!(expected(&Tree::Atom(Atom::Between("b", Scalar::N(2), Scalar::N(3))), &a, &b));
    assert!(!expected(&Tree::Atom(Atom::Between("a", Scalar::N(0), Scalar::N(3))), &a, &b));
    // A literal first operand (a = "b", b = 2): "abc" contains "b" but does not begin
    // with it; a number is never part of a string.
    let atom = |atom| Tree::Atom(atom);
    assert!(expected(&atom(Atom::LiteralContains("abc".to_owned(), "a")), &a, &b));
    assert!(!expected(&atom(Atom::LiteralBeginsWith("abc".to_owned(), "a")), &a, &b));
    assert!(!expected(&atom(Atom::LiteralContains("a2".to_owned(), "b")), &a, &b));
    assert!(!expected(&atom(Atom::SizeContains("a", Scalar::N(1))), &a, &b));
    assert!(expected(&atom(Atom::SizeIsType("a", AttributeType::N)), &a, &b));
    assert!(!expected(&atom(Atom::SizeIsType("b", AttributeType::N)), &a, &b));
    assert!(expected(&atom(Atom::LiteralIsType(Scalar::N(1), AttributeType::N)), &a, &b));
}

//! Unit tests of typed paths and conditions.

use super::*;

struct Doc;
struct Inner;

const NAME: Attr<Doc, String> = Attr::new("name");
const COUNT: Attr<Doc, u64> = Attr::new("count");
const TOTAL: Attr<Doc, i64> = Attr::new("total");
const TAGS: Attr<Doc, Vec<String>, Optional> = Attr::new("tags");
const INNER: Attr<Doc, Inner> = Attr::new("inner");
const ZIP: Attr<Inner, String> = Attr::new("zip");
const LABELS: Attr<Doc, HashMap<String, u32>, Optional> = Attr::new("labels");

fn s(v: &str) -> Operand {
    Operand::Value(AttributeValue::S(v.into()))
}

fn n(v: i64) -> Operand {
    Operand::Value(AttributeValue::N(Number::from(v)))
}

fn cond<E, R>(c: Cond<E, R>) -> Condition {
    match c.into_condition() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn literals_infer_the_attribute_type() {
    assert_eq!(
        cond(COUNT.gt(5)),
        Condition::Compare {
            left: Operand::Path(Path::attribute("count")),
            op: Comparator::Gt,
            right: n(5)
        }
    );
    assert_eq!(
        cond(TOTAL.between(-3, 1_000)),
        Condition::Between {
            operand: Operand::Path(Path::attribute("total")),
            low: n(-3),
            high: n(1000)
        }
    );
    assert_eq!(
        cond(NAME.eq("ann")),
        Condition::Compare {
            left: Operand::Path(Path::attribute("name")),
            op: Comparator::Eq,
            right: s("ann")
        }
    );
    let owned = String::from("bob");
    assert_eq!(cond(NAME.ne(&owned)), cond(NAME.ne("bob")));
}

#[test]
fn paths_compose() {
    assert_eq!(INNER.then(ZIP).path(), Path::attribute("inner").key("zip"));
    assert_eq!(TAGS.at(2).path(), Path::attribute("tags").index(2));
    assert_eq!(LABELS.key("a.b").path(), Path::attribute("labels").key("a.b"));
    assert_eq!(format!("{:?}", TAGS.at(1)), "Attr(tags[1])");
}

#[test]
fn functions_and_logic() {
    let c = cond(NAME.begins_with("a") & !TAGS.contains("x") | TAGS.size().ge(2));
    assert_eq!(
        c,
        Condition::begins_with(Path::attribute("name"), s("a"))
            .and(Condition::contains(Path::attribute("tags"), s("x")).not())
            .or(Condition::Compare {
                left: Operand::Size(Path::attribute("tags")),
                op: Comparator::Ge,
                right: Operand::Value(AttributeValue::N(Number::from(2u64))),
            })
    );
    assert_eq!(
        cond(COUNT.is_in([1, 2])),
        Condition::In { operand: Operand::Path(Path::attribute("count")), list: vec![n(1), n(2)] }
    );
    assert_eq!(cond(NAME.exists()), Condition::AttributeExists(Path::attribute("name")));
    assert_eq!(
        cond(NAME.is_type(AttributeType::S)),
        Condition::attribute_type(Path::attribute("name"), AttributeType::S)
    );
}

/// A native key attribute's marker: its conditions carry it through `&`, `|`, `!`,
/// `size` and `eq_attr` (`()` joined with a marker is the marker), while conditions on
/// ordinary attributes stay `Cond<Doc>`.
#[test]
fn native_key_markers_are_carried() {
    struct Team;
    impl NativeKey for Team {}
    const TEAM: Attr<Doc, String, Value, Team> = Attr::new("team");

    let plain: Cond<Doc> = NAME.eq("a") & !COUNT.gt(1) | TOTAL.lt(2);
    let keyed: Cond<Doc, Team> = !TEAM.eq("red");
    let both: Cond<Doc, Team> = NAME.eq("a").or(keyed.clone());
    let left: Cond<Doc, (Team, ())> = TEAM.size().gt(3) & NAME.eq("a");
    type Twice = ((Team, ()), (Team, Team));
    let twice: Cond<Doc, Twice> = left.clone() | TEAM.eq_attr(TEAM);
    assert_eq!(
        cond(both),
        Condition::Compare {
            left: Operand::Path(Path::attribute("name")),
            op: Comparator::Eq,
            right: s("a")
        }
        .or(cond(keyed))
    );
    assert_eq!(
        cond(twice),
        cond(left).or(Condition::Compare {
            left: Operand::Path(Path::attribute("team")),
            op: Comparator::Eq,
            right: Operand::Path(Path::attribute("team")),
        })
    );
    assert!(matches!(cond(plain), Condition::Or(..)));
}

#[test]
fn encode_errors_are_kept() {
    const F: Attr<Doc, f64> = Attr::new("f");
    let c = F.gt(f64::NAN) & NAME.eq("x");
    assert!(c.into_condition().is_err());
}

/// A random expression, built once through the typed API and once as the AST.
#[derive(Debug, Clone)]
enum Spec {
    Gt(i64),
    Between(i64, i64),
    Eq(String),
    In(Vec<u64>),
    Contains(String),
    Size(u64),
    Exists,
    Not(Box<Spec>),
    And(Box<Spec>, Box<Spec>),
    Or(Box<Spec>, Box<Spec>),
}

fn spec() -> impl proptest::strategy::Strategy<Value = Spec> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        any::<i64>().prop_map(Spec::Gt),
        (any::<i64>(), any::<i64>()).prop_map(|(a, b)| Spec::Between(a, b)),
        ".{0,4}".prop_map(Spec::Eq),
        proptest::collection::vec(any::<u64>(), 1..4).prop_map(Spec::In),
        "[a-z]{0,3}".prop_map(Spec::Contains),
        any::<u64>().prop_map(Spec::Size),
        Just(Spec::Exists),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| Spec::Not(Box::new(a))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Spec::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Spec::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn typed(spec: &Spec) -> Cond<Doc> {
    match spec {
        Spec::Gt(v) => TOTAL.gt(*v),
        Spec::Between(a, b) => TOTAL.between(*a, *b),
        Spec::Eq(v) => NAME.eq(v.as_str()),
        Spec::In(values) => COUNT.is_in(values.iter().copied()),
        Spec::Contains(v) => TAGS.contains(v.as_str()),
        Spec::Size(v) => TAGS.size().le(*v),
        Spec::Exists => INNER.then(ZIP).exists(),
        Spec::Not(a) => !typed(a),
        Spec::And(a, b) => typed(a) & typed(b),
        Spec::Or(a, b) => typed(a) | typed(b),
    }
}

fn untyped(spec: &Spec) -> Condition {
    let path = |name: &str| Operand::Path(Path::attribute(name));
    let num = |v: Number| Operand::Value(AttributeValue::N(v));
    match spec {
        Spec::Gt(v) => Condition::Compare {
            left: path("total"),
            op: Comparator::Gt,
            right: num(Number::from(*v)),
        },
        Spec::Between(a, b) => Condition::Between {
            operand: path("total"),
            low: num(Number::from(*a)),
            high: num(Number::from(*b)),
        },
        Spec::Eq(v) => Condition::Compare { left: path("name"), op: Comparator::Eq, right: s(v) },
        Spec::In(values) => Condition::In {
            operand: path("count"),
            list: values.iter().map(|v| num(Number::from(*v))).collect(),
        },
        Spec::Contains(v) => Condition::contains(Path::attribute("tags"), s(v)),
        Spec::Size(v) => Condition::Compare {
            left: Operand::Size(Path::attribute("tags")),
            op: Comparator::Le,
            right: num(Number::from(*v)),
        },
        Spec::Exists => Condition::AttributeExists(Path::attribute("inner").key("zip")),
        Spec::Not(a) => untyped(a).not(),
        Spec::And(a, b) => untyped(a).and(untyped(b)),
        Spec::Or(a, b) => untyped(a).or(untyped(b)),
    }
}

proptest::proptest! {
    #[test]
    fn typed_expressions_build_the_expected_ast(spec in spec()) {
        proptest::prop_assert_eq!(cond(typed(&spec)), untyped(&spec));
    }
}

#[test]
fn partials_read_typed_paths() {
    let mut inner = Item::new();
    inner.insert("zip".into(), AttributeValue::S("123".into()));
    let mut item = Item::new();
    item.insert("inner".into(), AttributeValue::M(inner));
    item.insert("tags".into(), AttributeValue::L(vec![AttributeValue::S("a".into())]));
    let partial: Partial<Doc> = Partial::new(item);
    assert_eq!(partial.get(&INNER.then(ZIP)), Ok(Some("123".to_owned())));
    assert_eq!(partial.get(&TAGS.at(0)), Ok(Some("a".to_owned())));
    assert_eq!(partial.get(&TAGS.at(3)), Ok(None));
    assert_eq!(partial.get(&NAME), Ok(None));
    assert!(partial.get(&INNER.then(ZIP).clone()).is_ok());
    let bad: Attr<Doc, u64> = Attr::new("tags");
    assert!(partial.get(&bad).is_err());
}

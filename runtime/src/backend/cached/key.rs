//! Cache keys: canonical bytes of keys, projections and whole read requests.
//!
//! Two requests that DynamoDB would answer alike get the same bytes: maps are encoded
//! in attribute-name order, set members in sorted order, numbers by their canonical
//! text, and expressions rendered with the placeholders of
//! [`Placeholders`] (names and values listed in placeholder order after the expression
//! text). `ReturnConsumedCapacity` is not part of any key: it changes what comes back,
//! not which items.

use singletable_core::expr::render::Placeholders;
use singletable_core::expr::Path;
use singletable_core::{AttributeValue, Item};

use crate::backend::{QueryInput, ScanInput, Select};

/// Appends `bytes`, length-prefixed.
fn bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u64).to_le_bytes());
}

/// Appends the canonical encoding of a value.
pub(crate) fn value(out: &mut Vec<u8>, value: &AttributeValue) {
    match value {
        AttributeValue::S(s) => {
            out.push(b'S');
            bytes(out, s.as_bytes());
        }
        AttributeValue::N(n) => {
            out.push(b'N');
            bytes(out, n.as_str().as_bytes());
        }
        AttributeValue::B(b) => {
            out.push(b'B');
            bytes(out, b);
        }
        AttributeValue::Bool(b) => out.extend_from_slice(&[b'?', u8::from(*b)]),
        AttributeValue::Null => out.push(b'0'),
        AttributeValue::L(list) => {
            out.push(b'L');
            count(out, list.len());
            for element in list {
                self::value(out, element);
            }
        }
        AttributeValue::M(map) => {
            out.push(b'M');
            item(out, map);
        }
        AttributeValue::Ss(set) => {
            out.push(b's');
            let mut members: Vec<&[u8]> = set.iter().map(|s| s.as_bytes()).collect();
            members.sort_unstable();
            members_of(out, &members);
        }
        AttributeValue::Ns(set) => {
            out.push(b'n');
            let mut members: Vec<&[u8]> = set.iter().map(|n| n.as_str().as_bytes()).collect();
            members.sort_unstable();
            members_of(out, &members);
        }
        AttributeValue::Bs(set) => {
            out.push(b'b');
            let mut members: Vec<&[u8]> = set.iter().map(Vec::as_slice).collect();
            members.sort_unstable();
            members_of(out, &members);
        }
    }
}

fn members_of(out: &mut Vec<u8>, members: &[&[u8]]) {
    count(out, members.len());
    for member in members {
        bytes(out, member);
    }
}

/// Appends the canonical encoding of an item (attributes in name order).
pub(crate) fn item(out: &mut Vec<u8>, item: &Item) {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort_unstable();
    count(out, names.len());
    for name in names {
        bytes(out, name.as_bytes());
        if let Some(v) = item.get(name) {
            value(out, v);
        }
    }
}

/// The canonical bytes of a primary key.
pub(crate) fn primary_key(key: &Item) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    item(&mut out, key);
    out
}

/// The primary key of `item`, given the table's key attribute names; `None` when the
/// item lacks one of them (a projection that left a key attribute out).
pub(crate) fn key_of(item: &Item, names: &[String]) -> Option<Item> {
    names.iter().map(|name| Some((name.clone(), item.get(name)?.clone()))).collect()
}

/// The canonical bytes of a projection (`None`: the whole item).
pub(crate) fn projection(paths: Option<&[Path]>) -> Option<Box<[u8]>> {
    let paths = paths?;
    let mut placeholders = Placeholders::default();
    let text = placeholders.projection(paths);
    let mut out = Vec::with_capacity(text.len() + 32);
    bytes(&mut out, text.as_bytes());
    finish(&mut out, placeholders);
    Some(out.into_boxed_slice())
}

/// Appends the names and values of `placeholders`, in placeholder order.
fn finish(out: &mut Vec<u8>, placeholders: Placeholders) {
    let (names, values) = placeholders.into_parts();
    let mut names: Vec<(String, String)> = names.into_iter().collect();
    names.sort_unstable();
    count(out, names.len());
    for (placeholder, name) in names {
        bytes(out, placeholder.as_bytes());
        bytes(out, name.as_bytes());
    }
    item(out, &values);
}

fn select(out: &mut Vec<u8>, select: Option<Select>) {
    out.push(match select {
        None => 0,
        Some(Select::AllAttributes) => 1,
        Some(Select::AllProjectedAttributes) => 2,
        Some(Select::SpecificAttributes) => 3,
        Some(Select::Count) => 4,
    });
}

fn optional_text(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        None => out.push(0),
        Some(text) => {
            out.push(1);
            bytes(out, text.as_bytes());
        }
    }
}

fn optional_item(out: &mut Vec<u8>, value: Option<&Item>) {
    match value {
        None => out.push(0),
        Some(value) => {
            out.push(1);
            item(out, value);
        }
    }
}

fn limit(out: &mut Vec<u8>, limit: Option<u32>) {
    match limit {
        None => out.push(0),
        Some(limit) => {
            out.push(1);
            out.extend_from_slice(&limit.to_le_bytes());
        }
    }
}

/// The canonical bytes of a whole `Query` request (its consistency and
/// `ReturnConsumedCapacity` aside: only eventually consistent queries are cached).
pub(crate) fn query(input: &QueryInput) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.push(b'Q');
    bytes(&mut out, input.table_name.as_bytes());
    optional_text(&mut out, input.index_name.as_deref());
    let mut placeholders = Placeholders::default();
    let key_condition = placeholders.key_condition(&input.key_condition);
    bytes(&mut out, key_condition.as_bytes());
    let filter = input.filter.as_ref().map(|filter| placeholders.condition(filter));
    optional_text(&mut out, filter.as_deref());
    let projection = input.projection.as_deref().map(|paths| placeholders.projection(paths));
    optional_text(&mut out, projection.as_deref());
    finish(&mut out, placeholders);
    select(&mut out, input.select);
    limit(&mut out, input.limit);
    out.push(u8::from(input.scan_index_forward));
    optional_item(&mut out, input.exclusive_start_key.as_ref());
    out
}

/// The canonical bytes of a whole `Scan` request (see [`query`]).
pub(crate) fn scan(input: &ScanInput) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.push(b'S');
    bytes(&mut out, input.table_name.as_bytes());
    optional_text(&mut out, input.index_name.as_deref());
    let mut placeholders = Placeholders::default();
    let filter = input.filter.as_ref().map(|filter| placeholders.condition(filter));
    optional_text(&mut out, filter.as_deref());
    let projection = input.projection.as_deref().map(|paths| placeholders.projection(paths));
    optional_text(&mut out, projection.as_deref());
    finish(&mut out, placeholders);
    select(&mut out, input.select);
    limit(&mut out, input.limit);
    optional_item(&mut out, input.exclusive_start_key.as_ref());
    match input.segment {
        None => out.push(0),
        Some((segment, total)) => {
            out.push(1);
            out.extend_from_slice(&segment.to_le_bytes());
            out.extend_from_slice(&total.to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use singletable_core::expr::{Comparator, Condition, Operand};
    use singletable_core::Number;

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    #[test]
    fn maps_and_sets_are_canonical() {
        let mut a = Item::new();
        let mut b = Item::new();
        for (name, v) in [("x", s("1")), ("y", s("2")), ("z", s("3"))] {
            a.insert(name.to_owned(), v);
        }
        for (name, v) in [("z", s("3")), ("x", s("1")), ("y", s("2"))] {
            b.insert(name.to_owned(), v);
        }
        assert_eq!(primary_key(&a), primary_key(&b));
        let set = |members: &[&str]| {
            AttributeValue::Ss(members.iter().map(|m| (*m).to_owned()).collect())
        };
        let (mut one, mut two) = (Vec::new(), Vec::new());
        value(&mut one, &set(&["a", "b"]));
        value(&mut two, &set(&["b", "a"]));
        assert_eq!(one, two);
        let (mut one, mut two) = (Vec::new(), Vec::new());
        value(&mut one, &AttributeValue::N(Number::parse("1.0").unwrap()));
        value(&mut two, &AttributeValue::N(Number::parse("1").unwrap()));
        assert_eq!(one, two, "numbers are keyed by their canonical text");
    }

    #[test]
    fn different_requests_have_different_keys() {
        let base = ScanInput { table_name: "T".into(), ..ScanInput::default() };
        let filtered = |v: &str| ScanInput {
            filter: Some(Condition::Compare {
                left: Operand::Path(Path::attribute("a")),
                op: Comparator::Eq,
                right: Operand::Value(s(v)),
            }),
            ..base.clone()
        };
        assert_eq!(scan(&filtered("x")), scan(&filtered("x")));
        assert_ne!(scan(&filtered("x")), scan(&filtered("y")));
        assert_ne!(scan(&base), scan(&filtered("x")));
        assert_ne!(scan(&base), scan(&ScanInput { limit: Some(1), ..base.clone() }));
        assert_ne!(scan(&base), scan(&ScanInput { segment: Some((0, 2)), ..base.clone() }));
        assert_eq!(
            scan(&base),
            scan(&ScanInput {
                return_consumed_capacity: crate::backend::ReturnConsumedCapacity::Total,
                ..base.clone()
            })
        );
        assert_ne!(
            projection(Some(&[Path::attribute("a")])),
            projection(Some(&[Path::attribute("b")]))
        );
        assert_eq!(projection(None), None);
    }
}

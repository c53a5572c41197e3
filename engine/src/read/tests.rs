//! Unit tests of query and scan pages.

use super::*;
use singletable_core::number::Number;

fn n(text: &str) -> KeyValue {
    KeyValue::N(Number::parse(text).expect("a valid number"))
}

fn s(text: &str) -> KeyValue {
    KeyValue::S(text.to_owned())
}

fn entry(sort: &[KeyValue], pk: &str) -> IndexEntryKey {
    IndexEntryKey {
        sort: sort.to_vec().into_boxed_slice(),
        table: PrimaryKey { partition: s(pk), sort: None },
    }
}

fn within(bounds: &(Bound<IndexEntryKey>, Bound<IndexEntryKey>), key: &IndexEntryKey) -> bool {
    use std::ops::RangeBounds;
    (bounds.0.clone(), bounds.1.clone()).contains(key)
}

fn query(prefix: Vec<KeyValue>, range: Option<RangeTest>) -> KeyQuery {
    KeyQuery {
        partition: vec![s("p")],
        prefix,
        range,
        sort_types: vec![ScalarType::N, ScalarType::S],
    }
}

#[test]
fn index_bounds_match_the_predicate() {
    let keys: Vec<IndexEntryKey> = ["-1", "0", "1", "1.5", "2", "10"]
        .iter()
        .flat_map(|c| ["", "a", "ab", "b"].iter().map(move |t| entry(&[n(c), s(t)], "x")))
        .collect();
    let cases = vec![
        query(vec![], None),
        query(vec![n("1")], None),
        query(vec![], Some(RangeTest::Lt(n("1")))),
        query(vec![], Some(RangeTest::Le(n("1")))),
        query(vec![], Some(RangeTest::Gt(n("1")))),
        query(vec![], Some(RangeTest::Ge(n("1")))),
        query(vec![], Some(RangeTest::Between(n("0"), n("2")))),
        query(vec![n("1")], Some(RangeTest::BeginsWith(s("a")))),
        query(vec![n("1")], Some(RangeTest::Gt(s("a")))),
        query(vec![n("1")], Some(RangeTest::Le(s("a")))),
        query(vec![n("1"), s("ab")], None),
    ];
    for case in cases {
        let bounds = case.index_bounds();
        for key in &keys {
            assert_eq!(within(&bounds, key), case.sort_holds(&key.sort), "{case:?} {key:?}");
        }
    }
}

#[test]
fn empty_ranges_are_detected() {
    use Bound::{Excluded, Included, Unbounded};
    assert!(is_empty_range(&Excluded(1), &Excluded(1)));
    assert!(is_empty_range(&Excluded(1), &Included(1)));
    assert!(is_empty_range(&Included(2), &Included(1)));
    assert!(!is_empty_range(&Included(1), &Included(1)));
    assert!(!is_empty_range(&Unbounded, &Excluded(1)));
}

#[test]
fn segments_are_stable() {
    let value = s("user#1");
    let first = segment_of([&value], 4);
    assert!(first < 4);
    assert_eq!(segment_of([&value], 4), first);
    assert_eq!(segment_of([&value], 1), 0);
}

//! Ordered key values: the scalar values of key attributes, compared the way DynamoDB
//! orders them.
//!
//! - `S` by the bytes of its UTF-8 encoding ("A" < "a" < "z" < "¿"; U+1F600 after U+FF5E,
//!   which is not UTF-16 order). `str`'s `Ord` is exactly that.
//! - `N` numerically, through [`Number`]'s `Ord`.
//! - `B` as unsigned bytes, a prefix first (00 < 0000 < 01 < 7F < 80 < FF): `Vec<u8>`'s `Ord`.
//!
//! A key attribute has one type for the life of a table (writes are type-checked), so two
//! values of different types never meet in one position; the derived order between
//! variants only keeps `Ord` total.
//!
//! Multi-attribute keys (a GSI with up to four partition and four sort attributes) are
//! [`KeyTuple`]s: compared attribute by attribute, each with its own type.

use crate::number::Number;
use crate::schema::ScalarType;
use crate::value::AttributeValue;

/// The value of one key attribute.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum KeyValue {
    /// `S`.
    S(String),
    /// `N`.
    N(Number),
    /// `B`.
    B(Vec<u8>),
}

/// The values of a multi-attribute key, in key-schema order, compared left to right.
pub(crate) type KeyTuple = Box<[KeyValue]>;

/// A table item's primary key: partition key, then sort key for tables that have one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct PrimaryKey {
    /// The partition key value.
    pub partition: KeyValue,
    /// The sort key value (`None` on a table without a sort key).
    pub sort: Option<KeyValue>,
}

impl KeyValue {
    /// The key value of `value` when it is a scalar of type `ty`.
    pub fn from_attribute(value: &AttributeValue, ty: ScalarType) -> Option<KeyValue> {
        match (value, ty) {
            (AttributeValue::S(s), ScalarType::S) => Some(KeyValue::S(s.clone())),
            (AttributeValue::N(n), ScalarType::N) => Some(KeyValue::N(n.clone())),
            (AttributeValue::B(b), ScalarType::B) => Some(KeyValue::B(b.clone())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> KeyValue {
        KeyValue::S(text.to_owned())
    }

    fn n(text: &str) -> KeyValue {
        KeyValue::N(Number::parse(text).expect("a valid number"))
    }

    fn b(bytes: &[u8]) -> KeyValue {
        KeyValue::B(bytes.to_vec())
    }

    fn sorted(mut values: Vec<KeyValue>) -> Vec<KeyValue> {
        values.sort();
        values
    }

    #[test]
    fn strings_order_by_utf8_bytes() {
        let values = vec![s("¿"), s("z"), s("A"), s("a")];
        assert_eq!(sorted(values), vec![s("A"), s("a"), s("z"), s("¿")]);
        // UTF-16 would put U+1F600 (a surrogate pair, D83D…) before U+FF5E.
        assert!(s("\u{1F600}") > s("\u{FF5E}"));
        assert!(s("") < s("a"));
        assert!(s("ab") > s("a"));
    }

    #[test]
    fn numbers_order_numerically() {
        let values = vec![n("-1"), n("9"), n("0.5"), n("100"), n("-10"), n("10"), n("-0.001")];
        let ascending = sorted(values);
        let descending: Vec<KeyValue> = ascending.into_iter().rev().collect();
        assert_eq!(
            descending,
            vec![n("100"), n("10"), n("9"), n("0.5"), n("-0.001"), n("-1"), n("-10")]
        );
        assert_eq!(n("5"), n("5.00"));
    }

    #[test]
    fn binaries_order_as_unsigned_bytes_prefix_first() {
        let values = vec![b(&[0xFF]), b(&[0x80]), b(&[0x7F]), b(&[0x01]), b(&[0, 0]), b(&[0])];
        assert_eq!(
            sorted(values),
            vec![b(&[0]), b(&[0, 0]), b(&[0x01]), b(&[0x7F]), b(&[0x80]), b(&[0xFF])]
        );
    }

    #[test]
    fn tuples_compare_attribute_by_attribute() {
        let first: KeyTuple = vec![s("a"), n("10")].into_boxed_slice();
        let second: KeyTuple = vec![s("a"), n("9")].into_boxed_slice();
        let third: KeyTuple = vec![s("b"), n("1")].into_boxed_slice();
        assert!(second < first, "9 < 10 numerically in the second position");
        assert!(first < third, "the first position decides");
    }

    #[test]
    fn primary_keys_order_by_partition_then_sort() {
        let a = PrimaryKey { partition: s("p"), sort: Some(n("2")) };
        let b_ = PrimaryKey { partition: s("p"), sort: Some(n("10")) };
        let c = PrimaryKey { partition: s("q"), sort: Some(n("1")) };
        assert!(a < b_ && b_ < c);
    }

    #[test]
    fn conversion_checks_the_type() {
        let value = AttributeValue::S("x".to_owned());
        assert_eq!(KeyValue::from_attribute(&value, ScalarType::S), Some(s("x")));
        assert_eq!(KeyValue::from_attribute(&value, ScalarType::N), None);
        assert_eq!(KeyValue::from_attribute(&AttributeValue::Bool(true), ScalarType::S), None);
        let bytes = AttributeValue::B(vec![1]);
        assert_eq!(KeyValue::from_attribute(&bytes, ScalarType::B), Some(b(&[1])));
    }
}

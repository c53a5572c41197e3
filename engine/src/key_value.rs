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

use singletable_core::number::Number;
use singletable_core::schema::ScalarType;
use singletable_core::value::AttributeValue;

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

    /// A value above every key value of type `ty`, for range bounds only (never stored).
    ///
    /// A key position only ever holds values of its attribute's type, so the next variant
    /// in `KeyValue`'s order is above all of them for `S` and `N`; for `B`, a value longer
    /// than any key value may be (keys are at most 2048 bytes) made of `FF` bytes is above
    /// every valid key.
    pub fn above_all(ty: ScalarType) -> KeyValue {
        match ty {
            ScalarType::S => KeyValue::N(Number::zero()),
            ScalarType::N => KeyValue::B(Vec::new()),
            ScalarType::B => KeyValue::B(vec![0xFF; MAX_KEY_BYTES + 1]),
        }
    }

    /// The smallest value above every value that begins with `self` (`begins_with`), or
    /// `None` when no value is above them all (a prefix of only `U+10FFFF` or `FF`) or for
    /// numbers, which have no prefixes.
    pub fn prefix_successor(&self) -> Option<KeyValue> {
        match self {
            KeyValue::S(prefix) => {
                // UTF-8 byte order is code point order: bump the last character that can
                // be bumped and cut what follows.
                let mut chars: Vec<char> = prefix.chars().collect();
                while let Some(last) = chars.pop() {
                    if let Some(next) = next_char(last) {
                        chars.push(next);
                        return Some(KeyValue::S(chars.into_iter().collect()));
                    }
                }
                None
            }
            KeyValue::B(prefix) => {
                let mut bytes = prefix.clone();
                while let Some(last) = bytes.pop() {
                    if last < 0xFF {
                        bytes.push(last + 1);
                        return Some(KeyValue::B(bytes));
                    }
                }
                None
            }
            KeyValue::N(_) => None,
        }
    }

    /// True when `self` begins with `prefix` (strings by characters, binaries by bytes).
    pub fn begins_with(&self, prefix: &KeyValue) -> bool {
        match (self, prefix) {
            (KeyValue::S(value), KeyValue::S(prefix)) => value.starts_with(prefix.as_str()),
            (KeyValue::B(value), KeyValue::B(prefix)) => value.starts_with(prefix),
            _ => false,
        }
    }

    /// Feeds the value into a stable (FNV-1a) hash: the same value always lands in the
    /// same parallel-scan segment, on every run and platform.
    pub fn stable_hash(&self, hash: &mut u64) {
        let (tag, bytes): (u8, &[u8]) = match self {
            KeyValue::S(s) => (b'S', s.as_bytes()),
            KeyValue::N(n) => (b'N', n.as_str().as_bytes()),
            KeyValue::B(b) => (b'B', b),
        };
        for byte in std::iter::once(tag).chain(bytes.iter().copied()) {
            *hash ^= u64::from(byte);
            *hash = hash.wrapping_mul(FNV_PRIME);
        }
    }
}

// The longest key value DynamoDB accepts (a partition key), in bytes.
use singletable_core::limits::MAX_PARTITION_KEY_BYTES as MAX_KEY_BYTES;
/// FNV-1a's offset basis.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The next Unicode scalar value after `c`, skipping the surrogate range.
fn next_char(c: char) -> Option<char> {
    match c {
        '\u{D7FF}' => Some('\u{E000}'),
        char::MAX => None,
        _ => char::from_u32(u32::from(c) + 1),
    }
}

impl PrimaryKey {
    /// A key at or below every table key: the smallest string partition and no sort key.
    /// Used with index sort tuples to bound ranges of index entries.
    pub fn min() -> PrimaryKey {
        PrimaryKey { partition: KeyValue::S(String::new()), sort: None }
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
    fn bounds_sit_above_every_value_of_a_type() {
        let top_s = KeyValue::above_all(ScalarType::S);
        assert!(s("\u{10FFFF}\u{10FFFF}") < top_s);
        assert!(
            n("9.9999999999999999999999999999999999999E+125") < KeyValue::above_all(ScalarType::N)
        );
        assert!(b(&[0xFF; 2048]) < KeyValue::above_all(ScalarType::B));
        assert!(PrimaryKey::min() <= PrimaryKey { partition: s(""), sort: None });
        assert!(PrimaryKey::min() < PrimaryKey { partition: n("-1"), sort: Some(s("")) });
    }

    #[test]
    fn prefix_successors_bound_begins_with() {
        assert_eq!(s("ab").prefix_successor(), Some(s("ac")));
        assert_eq!(s("a\u{10FFFF}").prefix_successor(), Some(s("b")));
        assert_eq!(s("\u{D7FF}").prefix_successor(), Some(s("\u{E000}")));
        assert_eq!(s("\u{10FFFF}").prefix_successor(), None);
        assert_eq!(s("").prefix_successor(), None);
        assert_eq!(b(&[1, 0xFF]).prefix_successor(), Some(b(&[2])));
        assert_eq!(b(&[0xFF]).prefix_successor(), None);
        assert_eq!(n("1").prefix_successor(), None);
        for value in [s("ab"), s("ab\u{10FFFF}"), s("abzzz")] {
            assert!(value < s("ac") && value.begins_with(&s("ab")));
        }
        assert!(b(&[1, 2]).begins_with(&b(&[1])));
        assert!(!n("12").begins_with(&n("1")));
    }

    #[test]
    fn stable_hashes_depend_on_type_and_value_only() {
        let hash = |value: &KeyValue| {
            let mut h = FNV_OFFSET;
            value.stable_hash(&mut h);
            h
        };
        assert_eq!(hash(&s("a")), hash(&s("a")));
        assert_ne!(hash(&s("1")), hash(&n("1")));
        assert_eq!(hash(&n("1.50")), hash(&n("1.5")));
        // FNV-1a of "Sa": fixed across runs and platforms.
        assert_eq!(hash(&s("a")), 0x0946_2f07_b5d5_f4b9);
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

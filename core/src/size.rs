//! Item size by DynamoDB's rules: what its 400 KB item limit and its capacity units count.
//!
//! | Part | Bytes |
//! |---|---|
//! | attribute name (top level and every map key) | UTF-8 length |
//! | `S` | UTF-8 length |
//! | `N` | 1 + one per base-100 digit pair (pairs aligned on the decimal point) + 1 if negative; zero is 1 |
//! | `B` | raw length |
//! | `BOOL`, `NULL` | 1 |
//! | `L`, `M` | 3 + the elements + 1 per element |
//! | `SS`, `NS`, `BS` | the sum of the elements |
//!
//! ```
//! use singletable_core::size::item_size;
//! use singletable_core::{AttributeValue, Item};
//!
//! let mut item = Item::new();
//! item.insert("shirt-color".into(), AttributeValue::S("R".into()));
//! item.insert("shirt-size".into(), AttributeValue::S("M".into()));
//! assert_eq!(item_size(&item), 23);
//! ```

use crate::number::Number;
use crate::value::{AttributeValue, Item};

/// DynamoDB's item size limit: 400 KB = 409,600 bytes, attribute names included.
pub const MAX_ITEM_SIZE: usize = 409_600;

/// The stored size of a number: 1 byte, plus 1 per base-100 digit pair holding a
/// significant digit (pairs aligned on the decimal point), plus 1 if negative; zero is 1.
///
/// ```
/// use singletable_core::size::number_size;
/// use singletable_core::Number;
///
/// let size = |text: &str| number_size(&Number::parse(text).unwrap());
/// assert_eq!(size("1000"), 2);
/// assert_eq!(size("1.5"), 3);
/// assert_eq!(size("-1"), 3);
/// assert_eq!(size("123.45"), 4);
/// ```
pub fn number_size(number: &Number) -> usize {
    if number.is_zero() {
        return 1;
    }
    // Value = 0.DIGITS × 10^point: the first significant digit has power `point - 1`,
    // the last `point - digits`. Digit of power k sits in pair floor(k / 2).
    let point = number.point();
    let digits = i64::try_from(number.significant_digits()).unwrap_or(0);
    let high_pair = (point - 1).div_euclid(2);
    let low_pair = (point - digits).div_euclid(2);
    let pairs = usize::try_from(high_pair - low_pair + 1).unwrap_or(0);
    1 + pairs + usize::from(number.is_negative())
}

/// The size of one value (without its attribute name).
pub fn attribute_value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => number_size(number),
        AttributeValue::B(bytes) => bytes.len(),
        AttributeValue::Bool(_) | AttributeValue::Null => 1,
        AttributeValue::L(list) => {
            3 + list.iter().map(|element| attribute_value_size(element) + 1).sum::<usize>()
        }
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(name, element)| name.len() + attribute_value_size(element) + 1)
                .sum::<usize>()
        }
        AttributeValue::Ss(members) => members.iter().map(String::len).sum(),
        AttributeValue::Ns(members) => members.iter().map(number_size).sum(),
        AttributeValue::Bs(members) => members.iter().map(Vec::len).sum(),
    }
}

/// The size of an item: every attribute's name plus its value. An item is too large
/// when this exceeds [`MAX_ITEM_SIZE`].
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(name, value)| name.len() + attribute_value_size(value)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> Number {
        match Number::parse(text) {
            Ok(number) => number,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(num(text))
    }

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    fn item(attributes: Vec<(&str, AttributeValue)>) -> Item {
        attributes.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
    }

    #[test]
    fn number_sizes_from_the_facts_sheet() {
        for (text, size) in [
            ("0", 1),
            ("1", 2),
            ("12", 2),
            ("1000", 2),
            ("0.01", 2),
            ("123", 3),
            ("1.5", 3),
            ("12.3", 3),
            ("-1", 3),
            ("123.45", 4),
            ("-0.001", 3),
            ("0.1", 2),
            ("0.123", 3),
            ("1E-130", 2),
        ] {
            assert_eq!(number_size(&num(text)), size, "{text}");
        }
        assert_eq!(number_size(&num(&"1".repeat(38))), 20);
        let max = format!("-9.{}E+125", "9".repeat(37));
        assert_eq!(number_size(&num(&max)), 21);
        assert_eq!(number_size(&num(&format!("9.{}E+125", "9".repeat(37)))), 20);
    }

    #[test]
    fn docs_example_is_23_bytes() {
        let shirt = item(vec![("shirt-color", s("R")), ("shirt-size", s("M"))]);
        assert_eq!(item_size(&shirt), 23);
    }

    #[test]
    fn vectors_with_one_byte_names() {
        for len in [0, 1, 7, 100] {
            let text = "x".repeat(len);
            let list = item(vec![("l", AttributeValue::L(vec![s(&text)]))]);
            assert_eq!(item_size(&list), 1 + 3 + 1 + len);
            let map = item(vec![("m", AttributeValue::M(item(vec![("q", s(&text))])))]);
            assert_eq!(item_size(&map), 1 + 3 + 1 + 1 + len);
        }
        let nested = item(vec![("l", AttributeValue::L(vec![AttributeValue::L(vec![])]))]);
        assert_eq!(item_size(&nested), 8);
        let numbers = item(vec![("l", AttributeValue::L(vec![n("1"), n("2")]))]);
        assert_eq!(item_size(&numbers), 10);
        let set = item(vec![("s", AttributeValue::Ns(vec![num("1"), num("2")]))]);
        assert_eq!(item_size(&set), 5);
        assert_eq!(item_size(&item(vec![("l", AttributeValue::L(vec![]))])), 4);
        assert_eq!(item_size(&item(vec![("m", AttributeValue::M(Item::new()))])), 4);
        assert_eq!(item_size(&item(vec![("b", AttributeValue::Bool(true))])), 2);
        assert_eq!(item_size(&item(vec![("z", AttributeValue::Null)])), 2);
    }

    #[test]
    fn binary_string_sets_and_unicode() {
        assert_eq!(attribute_value_size(&AttributeValue::B(vec![0, 1, 2])), 3);
        assert_eq!(attribute_value_size(&s("é")), 2);
        assert_eq!(attribute_value_size(&s("😀")), 4);
        let ss = AttributeValue::Ss(vec!["ab".into(), "c".into(), String::new()]);
        assert_eq!(attribute_value_size(&ss), 3);
        let bs = AttributeValue::Bs(vec![vec![1, 2], vec![3]]);
        assert_eq!(attribute_value_size(&bs), 3);
        assert_eq!(item_size(&item(vec![("été", s("é"))])), 5 + 2);
    }

    #[test]
    fn the_400_kb_boundary() {
        let fits = item(vec![("pk", s("k")), ("d", s(&"x".repeat(409_596)))]);
        assert_eq!(item_size(&fits), MAX_ITEM_SIZE);
        let over = item(vec![("pk", s("k")), ("d", s(&"x".repeat(409_597)))]);
        assert_eq!(item_size(&over), MAX_ITEM_SIZE + 1);
    }
}

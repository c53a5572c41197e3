//! Range conditions on one field of a composite string sort key, as bounds on the whole
//! key.
//!
//! A sort key rendered from `"ORDER#{placed_at}#{order_id}"` is `pre + esc(x) + rest`,
//! where `pre` is the text before the field (literals and the fields fixed by equality so
//! far), `esc(x)` the field's escaped key text (never containing `#`), and `rest` either
//! nothing (the field ends the template) or a literal starting with `#` and whatever
//! follows. So every key whose field equals `v` starts with `Q = pre + esc(v) + after`
//! (`after` the literal following the field), or *is* `E = pre + esc(v)` when nothing
//! follows; keys of smaller values sort below `E`, keys of greater values above the
//! `Q` block (see [`crate::key`] for the one caveat: values differing at a character
//! below `#`).
//!
//! A query must stay inside the entity's own keys (every key starts with `pre`), so a
//! one-sided range becomes a `BETWEEN` whose other bound is `pre` or the greatest valid
//! sort key starting with `pre` ([`max_key`]); with an empty `pre` a plain comparison
//! does.

use crate::expr::SortKeyCondition;
use crate::key::KeyRole;
use crate::value::AttributeValue;

/// The greatest sort key (at most 1024 bytes of UTF-8) that starts with `prefix`: the
/// prefix padded with the greatest characters that fit.
pub(crate) fn max_key(prefix: &str) -> String {
    let limit = KeyRole::Sort.max_len();
    let mut out = String::with_capacity(limit);
    out.push_str(prefix);
    while out.len() + 4 <= limit {
        out.push(char::MAX);
    }
    // The greatest character of the remaining width: U+FFFF, U+07FF or U+007F.
    match limit.saturating_sub(out.len()) {
        3 => out.push('\u{FFFF}'),
        2 => out.push('\u{07FF}'),
        1 => out.push('\u{007F}'),
        _ => {}
    }
    out
}

fn next_char(c: char) -> Option<char> {
    match c {
        '\u{D7FF}' => Some('\u{E000}'),
        c => char::from_u32(u32::from(c) + 1),
    }
}

fn prev_char(c: char) -> Option<char> {
    match c {
        '\u{E000}' => Some('\u{D7FF}'),
        '\0' => None,
        c => char::from_u32(u32::from(c) - 1),
    }
}

/// The least string greater than every string starting with `prefix`; `None` when
/// there is none (the prefix is empty or all `char::MAX`).
pub(crate) fn successor(prefix: &str) -> Option<String> {
    let mut out = prefix.to_owned();
    while let Some(last) = out.pop() {
        if let Some(next) = next_char(last) {
            out.push(next);
            return Some(out);
        }
    }
    None
}

/// The greatest valid sort key below `key`; `None` when `key` is empty.
pub(crate) fn predecessor(key: &str) -> Option<String> {
    let mut out = key.to_owned();
    let last = out.pop()?;
    match prev_char(last) {
        // Nothing lies between `out` and `out + "\0"`.
        None => Some(out),
        Some(prev) => {
            out.push(prev);
            Some(max_key(&out))
        }
    }
}

/// A range test on one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Range<T> {
    /// The field is below the value.
    Lt(T),
    /// The field is at most the value.
    Le(T),
    /// The field is above the value.
    Gt(T),
    /// The field is at least the value.
    Ge(T),
    /// The field lies between the values, inclusive.
    Between(T, T),
}

impl<T> Range<T> {
    /// The same test on converted values.
    pub fn try_map<U, E>(self, mut f: impl FnMut(T) -> Result<U, E>) -> Result<Range<U>, E> {
        Ok(match self {
            Range::Lt(v) => Range::Lt(f(v)?),
            Range::Le(v) => Range::Le(f(v)?),
            Range::Gt(v) => Range::Gt(f(v)?),
            Range::Ge(v) => Range::Ge(f(v)?),
            Range::Between(a, b) => Range::Between(f(a)?, f(b)?),
        })
    }

    /// The condition on a key attribute holding the value itself (a number, binary or
    /// native key attribute).
    pub(crate) fn into_condition(self) -> SortKeyCondition
    where
        T: Into<AttributeValue>,
    {
        match self {
            Range::Lt(v) => SortKeyCondition::Lt(v.into()),
            Range::Le(v) => SortKeyCondition::Le(v.into()),
            Range::Gt(v) => SortKeyCondition::Gt(v.into()),
            Range::Ge(v) => SortKeyCondition::Ge(v.into()),
            Range::Between(a, b) => SortKeyCondition::Between(a.into(), b.into()),
        }
    }
}

/// The result of a range on a composite key: a condition, or nothing can match.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KeyRange {
    /// Every key of the entity (no sort-key condition beyond `pre`).
    All,
    /// A sort-key condition.
    Condition(SortKeyCondition),
    /// No key can match (`lt` of the least value, `between` with crossed bounds).
    Empty,
}

enum Upper {
    Inclusive(String),
    Exclusive(String),
}

/// The condition selecting keys `pre + esc(x) + rest` whose field `x` satisfies
/// `range` (given as escaped texts), where `after` is the literal following the field
/// (`None` when the field ends the template).
pub(crate) fn text_range(pre: &str, range: Range<String>, after: Option<&str>) -> KeyRange {
    let exact = |t: &str| format!("{pre}{t}");
    // The least key above every key whose field equals `t`.
    let above = |t: &str| -> Option<String> {
        match after {
            Some(after) => successor(&format!("{pre}{t}{after}")),
            None => {
                let key = exact(t);
                if key.len() < KeyRole::Sort.max_len() {
                    Some(format!("{key}\0"))
                } else {
                    successor(&key)
                }
            }
        }
    };
    // The greatest key whose field equals `t`.
    let top = |t: &str| match after {
        Some(after) => max_key(&format!("{pre}{t}{after}")),
        None => exact(t),
    };
    let (low, high): (Option<String>, Option<Upper>) = match range {
        Range::Lt(t) => (None, Some(Upper::Exclusive(exact(&t)))),
        Range::Le(t) => (None, Some(Upper::Inclusive(top(&t)))),
        Range::Gt(t) => match above(&t) {
            Some(low) => (Some(low), None),
            None => return KeyRange::Empty,
        },
        Range::Ge(t) => (Some(exact(&t)), None),
        Range::Between(a, b) => (Some(exact(&a)), Some(Upper::Inclusive(top(&b)))),
    };
    bounds(pre, low, high)
}

fn s(text: String) -> AttributeValue {
    AttributeValue::S(text)
}

fn bounds(pre: &str, low: Option<String>, high: Option<Upper>) -> KeyRange {
    if pre.is_empty() {
        // Nothing to stay inside: plain comparisons.
        return match (low, high) {
            (None, None) => KeyRange::All,
            (Some(low), None) => KeyRange::Condition(SortKeyCondition::Ge(s(low))),
            (None, Some(Upper::Exclusive(high))) => {
                if high.is_empty() {
                    KeyRange::Empty
                } else {
                    KeyRange::Condition(SortKeyCondition::Lt(s(high)))
                }
            }
            (None, Some(Upper::Inclusive(high))) => {
                KeyRange::Condition(SortKeyCondition::Le(s(high)))
            }
            (Some(low), Some(high)) => between(low, high),
        };
    }
    let low = low.unwrap_or_else(|| pre.to_owned());
    let high = high.unwrap_or_else(|| Upper::Inclusive(max_key(pre)));
    between(low, high)
}

fn between(low: String, high: Upper) -> KeyRange {
    let high = match high {
        Upper::Inclusive(high) => high,
        Upper::Exclusive(high) => match predecessor(&high) {
            Some(high) => high,
            None => return KeyRange::Empty,
        },
    };
    if low > high {
        KeyRange::Empty
    } else {
        KeyRange::Condition(SortKeyCondition::Between(s(low), s(high)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::push_key_component;
    use proptest::prelude::*;

    fn esc(v: &str) -> String {
        let mut out = String::new();
        match push_key_component(&mut out, &v.to_owned()) {
            Ok(()) => out,
            Err(e) => panic!("{e}"),
        }
    }

    /// What DynamoDB does with a sort-key condition on an `S` key.
    fn holds(condition: &KeyRange, key: &str) -> bool {
        let text = |v: &AttributeValue| match v {
            AttributeValue::S(s) => s.clone(),
            other => panic!("{other:?}"),
        };
        match condition {
            KeyRange::All => true,
            KeyRange::Empty => false,
            KeyRange::Condition(c) => match c {
                SortKeyCondition::Eq(v) => key == text(v),
                SortKeyCondition::Lt(v) => key < text(v).as_str(),
                SortKeyCondition::Le(v) => key <= text(v).as_str(),
                SortKeyCondition::Gt(v) => key > text(v).as_str(),
                SortKeyCondition::Ge(v) => key >= text(v).as_str(),
                SortKeyCondition::Between(a, b) => {
                    key >= text(a).as_str() && key <= text(b).as_str()
                }
                SortKeyCondition::BeginsWith(v) => key.starts_with(&text(v)),
            },
        }
    }

    fn range_of(op: u8, a: &str, b: &str) -> Range<String> {
        match op % 5 {
            0 => Range::Lt(esc(a)),
            1 => Range::Le(esc(a)),
            2 => Range::Gt(esc(a)),
            3 => Range::Ge(esc(a)),
            _ => Range::Between(esc(a), esc(b)),
        }
    }

    fn satisfies(op: u8, x: &str, a: &str, b: &str) -> bool {
        let (x, a, b) = (esc(x), esc(a), esc(b));
        match op % 5 {
            0 => x < a,
            1 => x <= a,
            2 => x > a,
            3 => x >= a,
            _ => x >= a && x <= b,
        }
    }

    #[test]
    fn hand_computed_bounds() {
        let pad = |p: &str| max_key(p);
        assert_eq!(
            text_range("ORDER#", Range::Ge("b".into()), Some("#")),
            KeyRange::Condition(SortKeyCondition::Between(s("ORDER#b".into()), s(pad("ORDER#"))))
        );
        assert_eq!(
            text_range("ORDER#", Range::Gt("b".into()), Some("#")),
            KeyRange::Condition(SortKeyCondition::Between(s("ORDER#b$".into()), s(pad("ORDER#"))))
        );
        assert_eq!(
            text_range("ORDER#", Range::Le("b".into()), Some("#")),
            KeyRange::Condition(SortKeyCondition::Between(s("ORDER#".into()), s(pad("ORDER#b#"))))
        );
        assert_eq!(
            text_range("ORDER#", Range::Lt("b".into()), None),
            KeyRange::Condition(SortKeyCondition::Between(s("ORDER#".into()), s(pad("ORDER#a"))))
        );
        assert_eq!(
            text_range("ORDER#", Range::Gt("b".into()), None),
            KeyRange::Condition(SortKeyCondition::Between(s("ORDER#b\0".into()), s(pad("ORDER#"))))
        );
        assert_eq!(
            text_range("", Range::Lt("b".into()), None),
            KeyRange::Condition(SortKeyCondition::Lt(s("b".into())))
        );
        assert_eq!(text_range("", Range::Lt(String::new()), None), KeyRange::Empty);
        assert_eq!(text_range("P#", Range::Lt(String::new()), None), KeyRange::Empty);
        assert_eq!(text_range("P#", Range::Between("b".into(), "a".into()), None), KeyRange::Empty);
        assert_eq!(pad("A").len(), 1024);
        assert_eq!(pad(&"x".repeat(1021)).len(), 1024);
        assert_eq!(successor("a#"), Some("a$".into()));
        assert_eq!(successor("a\u{10FFFF}"), Some("b".into()));
        assert_eq!(successor(""), None);
        assert_eq!(successor("\u{D7FF}"), Some("\u{E000}".into()));
        assert_eq!(predecessor("ab\0"), Some("ab".into()));
        assert_eq!(predecessor(""), None);
    }

    #[test]
    fn values_sharing_prefixes() {
        // Values that are prefixes of each other: "ab" < "abc" < "abd".
        let keys = |values: &[&str]| -> Vec<String> {
            values.iter().map(|v| format!("ORDER#{}#o1", esc(v))).collect()
        };
        let all = ["a", "ab", "abc", "abd", "b"];
        let got = |range: Range<String>| -> Vec<String> {
            let c = text_range("ORDER#", range, Some("#"));
            keys(&all).into_iter().filter(|k| holds(&c, k)).collect()
        };
        assert_eq!(got(Range::Gt(esc("ab"))), keys(&["abc", "abd", "b"]));
        assert_eq!(got(Range::Ge(esc("ab"))), keys(&["ab", "abc", "abd", "b"]));
        assert_eq!(got(Range::Lt(esc("abc"))), keys(&["a", "ab"]));
        assert_eq!(got(Range::Le(esc("abc"))), keys(&["a", "ab", "abc"]));
        assert_eq!(got(Range::Between(esc("ab"), esc("abc"))), keys(&["ab", "abc"]));
        // Other entities' keys in the same partition stay out.
        let c = text_range("ORDER#", Range::Gt(esc("a")), Some("#"));
        assert!(!holds(&c, "PAYMENT#x"));
        assert!(!holds(&c, "ORDEQ"));
        let c = text_range("ORDER#", Range::Lt(esc("z")), Some("#"));
        assert!(!holds(&c, "NOTE#1"));
        assert!(!holds(&c, "ORDER"));
    }

    fn value() -> impl Strategy<Value = String> {
        // No characters below `#` (the documented caveat); `%` and `#` are escaped.
        prop_oneof!["[a-c%#]{0,4}", "[$-~é😀\u{10FFFF}]{0,3}"]
    }

    proptest! {
        #[test]
        fn last_field_ranges_select_exactly(
            op in 0u8..5, a in value(), b in value(), xs in proptest::collection::vec(value(), 1..12),
            pre in prop_oneof![Just(String::new()), Just("P#".to_owned()), Just("A#b%23#".to_owned())],
            suffix in prop_oneof![Just(None), Just(Some("#META")), Just(Some("#"))],
        ) {
            let condition = text_range(&pre, range_of(op, &a, &b), suffix);
            for x in &xs {
                let key = format!("{pre}{}{}", esc(x), suffix.unwrap_or(""));
                prop_assert_eq!(holds(&condition, &key), satisfies(op, x, &a, &b), "x={:?} key={:?} {:?}", x, key, condition);
            }
            // Never a key of another entity, whose keys do not start with `pre`.
            if !pre.is_empty() {
                prop_assert!(!holds(&condition, "ZZZ"));
                prop_assert!(!holds(&condition, "#"));
            }
        }

        #[test]
        fn middle_field_ranges_select_exactly(
            op in 0u8..5, a in value(), b in value(),
            items in proptest::collection::vec((value(), value()), 1..12),
        ) {
            let condition = text_range("O#", range_of(op, &a, &b), Some("#"));
            for (x, y) in &items {
                let key = format!("O#{}#{}", esc(x), esc(y));
                prop_assert_eq!(holds(&condition, &key), satisfies(op, x, &a, &b), "x={:?} key={:?}", x, key);
            }
        }
    }
}

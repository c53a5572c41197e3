//! [`Attribute`] for the standard types, and [`ScalarAttribute`] for the key-capable ones.
//!
//! | Rust | DynamoDB |
//! |---|---|
//! | `String` | `S` |
//! | `bool` | `BOOL` |
//! | every integer, `f32`, `f64`, [`Number`] | `N` |
//! | `Vec<u8>` | `B` |
//! | `Option<T>` | `T`; `None` is no attribute in an item or map, `NULL` in a list |
//! | `Vec<T>` | `L` |
//! | `HashSet`/`BTreeSet` of `String` / integers / [`Number`] / `Vec<u8>` | `SS` / `NS` / `BS`; empty is no attribute |
//! | `HashMap`/`BTreeMap` with `String` keys | `M` |
//! | `uuid::Uuid` | `S`, hyphenated lowercase |
//! | [`Timestamp`](crate::Timestamp) | `S`, `YYYY-MM-DDTHH:MM:SS.mmmZ` |
//! | [`AttributeValue`] | itself |

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use crate::codec::Attribute;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use crate::key::ScalarAttribute;
use crate::number::{Number, NumberRangeError};
use crate::schema::ScalarType;
use crate::timestamp::Timestamp;
use crate::value::{AttributeValue, Item};

fn out_of_range(error: NumberRangeError) -> DecodeError {
    DecodeError::new(DecodeErrorKind::NumberOutOfRange {
        value: error.value.to_string(),
        target: error.target,
    })
}

impl Attribute for AttributeValue {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        Ok(self.clone())
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        Ok(value)
    }
}

impl Attribute for String {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::S(self.clone()))
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        match value {
            AttributeValue::S(text) => Ok(text),
            other => Err(DecodeError::type_mismatch("S", other.attribute_type())),
        }
    }
}

impl Attribute for bool {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::Bool(*self))
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        match value {
            AttributeValue::Bool(flag) => Ok(flag),
            other => Err(DecodeError::type_mismatch("BOOL", other.attribute_type())),
        }
    }
}

impl Attribute for Number {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::N(self.clone()))
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        match value {
            AttributeValue::N(number) => Ok(number),
            other => Err(DecodeError::type_mismatch("N", other.attribute_type())),
        }
    }
}

/// Decodes an integer from `N`.
fn decode_integer<T: for<'a> TryFrom<&'a Number, Error = NumberRangeError>>(
    value: AttributeValue,
) -> Result<T, DecodeError> {
    match value {
        AttributeValue::N(number) => T::try_from(&number).map_err(out_of_range),
        other => Err(DecodeError::type_mismatch("N", other.attribute_type())),
    }
}

macro_rules! small_integer_attribute {
    ($($t:ty),*) => {$(
        impl Attribute for $t {
            #[inline]
            fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
                Ok(AttributeValue::N(Number::from(*self)))
            }

            #[inline]
            fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
                decode_integer(value)
            }
        }
    )*};
}

small_integer_attribute!(i8, i16, i32, i64, isize, u16, u32, u64, usize);

macro_rules! wide_integer_attribute {
    ($($t:ty),*) => {$(
        /// Values of 39 significant digits cannot be stored (DynamoDB's precision is 38).
        impl Attribute for $t {
            fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
                Number::try_from(*self).map(AttributeValue::N).map_err(EncodeError::new)
            }

            fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
                decode_integer(value)
            }
        }
    )*};
}

wide_integer_attribute!(i128, u128);

/// `u8` alone is an `N`; `Vec<u8>` is a binary `B`.
impl Attribute for u8 {
    #[inline]
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::N(Number::from(*self)))
    }

    #[inline]
    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        decode_integer(value)
    }

    fn encode_vec(values: &[Self]) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::B(values.to_vec()))
    }

    fn decode_vec(value: AttributeValue) -> Result<Vec<Self>, DecodeError> {
        match value {
            AttributeValue::B(bytes) => Ok(bytes),
            other => Err(DecodeError::type_mismatch("B", other.attribute_type())),
        }
    }
}

/// NaN and infinities cannot be stored; neither can magnitudes outside DynamoDB's range.
impl Attribute for f64 {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        Number::try_from(*self).map(AttributeValue::N).map_err(EncodeError::new)
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        match value {
            AttributeValue::N(number) => Ok(number.to_f64()),
            other => Err(DecodeError::type_mismatch("N", other.attribute_type())),
        }
    }
}

/// Stored as the shortest decimal that reads back as the same `f32`; decoding rounds the
/// stored decimal to the nearest `f32`, and numbers beyond `f32`'s range are an error.
impl Attribute for f32 {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        Number::try_from(*self).map(AttributeValue::N).map_err(EncodeError::new)
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        match value {
            AttributeValue::N(number) => match number.as_str().parse::<f32>() {
                Ok(float) if float.is_finite() => Ok(float),
                _ => Err(DecodeError::new(DecodeErrorKind::NumberOutOfRange {
                    value: number.to_string(),
                    target: "f32",
                })),
            },
            other => Err(DecodeError::type_mismatch("N", other.attribute_type())),
        }
    }
}

/// Stored hyphenated and lowercase; decoding accepts every form `uuid` parses.
impl Attribute for uuid::Uuid {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        Ok(AttributeValue::S(self.hyphenated().encode_lower(&mut buf).to_owned()))
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        match value {
            AttributeValue::S(text) => uuid::Uuid::try_parse(&text)
                .map_err(|e| DecodeError::invalid(format!("invalid UUID `{text}`: {e}"))),
            other => Err(DecodeError::type_mismatch("S", other.attribute_type())),
        }
    }
}

/// `None` is no attribute inside an item or a map (see [`Attribute::is_absent`]) and `NULL`
/// inside a list; an absent attribute and `NULL` both decode to `None`. `Some` of a value
/// that is itself absent (an empty set) is absent too, and reads back as `None`.
impl Attribute for Timestamp {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        self.to_rfc3339()
            .map(AttributeValue::S)
            .map_err(|e| EncodeError::new(EncodeErrorKind::Invalid(e.to_string())))
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        match value {
            AttributeValue::S(text) => {
                Timestamp::parse(&text).map_err(|e| DecodeError::invalid(e.to_string()))
            }
            other => Err(DecodeError::type_mismatch("S", other.attribute_type())),
        }
    }
}

impl<T: Attribute> Attribute for Option<T> {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        match self {
            Some(value) => value.to_attribute_value(),
            None => Ok(AttributeValue::Null),
        }
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        match value {
            AttributeValue::Null => Ok(None),
            value => T::from_attribute_value(value).map(Some),
        }
    }

    fn is_absent(&self) -> bool {
        self.as_ref().is_none_or(T::is_absent)
    }

    fn from_missing() -> Result<Self, DecodeError> {
        Ok(None)
    }
}

/// `L`, or what the element type makes of a vector (`Vec<u8>` is `B`).
impl<T: Attribute> Attribute for Vec<T> {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        T::encode_vec(self)
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        T::decode_vec(value)
    }
}

impl<T: Attribute> Attribute for Box<T> {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        (**self).to_attribute_value()
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        T::from_attribute_value(value).map(Box::new)
    }

    fn is_absent(&self) -> bool {
        (**self).is_absent()
    }

    fn from_missing() -> Result<Self, DecodeError> {
        T::from_missing().map(Box::new)
    }
}

/// Encodes map entries, leaving out absent values; errors name the key.
fn encode_map<'a, T: Attribute + 'a>(
    entries: impl Iterator<Item = (&'a String, &'a T)>,
    len: usize,
) -> Result<AttributeValue, EncodeError> {
    let mut map = Item::with_capacity(len);
    for (key, value) in entries {
        if value.is_absent() {
            continue;
        }
        let encoded = value.to_attribute_value().map_err(|e| e.at_field(key.clone()))?;
        map.insert(key.clone(), encoded);
    }
    Ok(AttributeValue::M(map))
}

/// Decodes map entries; errors name the key.
fn decode_map<T: Attribute, C: FromIterator<(String, T)>>(
    value: AttributeValue,
) -> Result<C, DecodeError> {
    match value {
        AttributeValue::M(map) => map
            .into_iter()
            .map(|(key, value)| match T::from_attribute_value(value) {
                Ok(decoded) => Ok((key, decoded)),
                Err(e) => Err(e.at_field(key)),
            })
            .collect(),
        other => Err(DecodeError::type_mismatch("M", other.attribute_type())),
    }
}

/// `M`; entries whose value is absent (`None`, empty sets) are left out.
impl<T: Attribute, S: BuildHasher + Default> Attribute for HashMap<String, T, S> {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        encode_map(self.iter(), self.len())
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        decode_map(value)
    }
}

/// `M`; entries whose value is absent (`None`, empty sets) are left out.
impl<T: Attribute> Attribute for BTreeMap<String, T> {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        encode_map(self.iter(), self.len())
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        decode_map(value)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for String {}
    impl Sealed for crate::number::Number {}
    impl Sealed for Vec<u8> {}
}

/// How one kind of DynamoDB set stores its members: `String` for `SS`, [`Number`] for
/// `NS`, `Vec<u8>` for `BS`. Sealed.
pub trait SetStorage: Ord + sealed::Sealed + Sized {
    /// `SS`, `NS` or `BS`.
    const SET_TYPE: &'static str;

    /// Wraps members in the set variant.
    fn into_set(members: Vec<Self>) -> AttributeValue;

    /// Unwraps the set variant.
    fn from_set(value: AttributeValue) -> Result<Vec<Self>, DecodeError>;
}

impl SetStorage for String {
    const SET_TYPE: &'static str = "SS";

    fn into_set(members: Vec<Self>) -> AttributeValue {
        AttributeValue::Ss(members)
    }

    fn from_set(value: AttributeValue) -> Result<Vec<Self>, DecodeError> {
        match value {
            AttributeValue::Ss(members) => Ok(members),
            other => Err(DecodeError::type_mismatch(Self::SET_TYPE, other.attribute_type())),
        }
    }
}

impl SetStorage for Number {
    const SET_TYPE: &'static str = "NS";

    fn into_set(members: Vec<Self>) -> AttributeValue {
        AttributeValue::Ns(members)
    }

    fn from_set(value: AttributeValue) -> Result<Vec<Self>, DecodeError> {
        match value {
            AttributeValue::Ns(members) => Ok(members),
            other => Err(DecodeError::type_mismatch(Self::SET_TYPE, other.attribute_type())),
        }
    }
}

impl SetStorage for Vec<u8> {
    const SET_TYPE: &'static str = "BS";

    fn into_set(members: Vec<Self>) -> AttributeValue {
        AttributeValue::Bs(members)
    }

    fn from_set(value: AttributeValue) -> Result<Vec<Self>, DecodeError> {
        match value {
            AttributeValue::Bs(members) => Ok(members),
            other => Err(DecodeError::type_mismatch(Self::SET_TYPE, other.attribute_type())),
        }
    }
}

/// A type that can be a member of a DynamoDB set (`HashSet<T>` / `BTreeSet<T>`): `String`
/// (`SS`), every integer and [`Number`] (`NS`), `Vec<u8>` (`BS`).
pub trait SetMember: Sized {
    /// How the set stores members.
    type Storage: SetStorage;

    /// The stored form of one member.
    fn to_set_member(&self) -> Result<Self::Storage, EncodeError>;

    /// A member from its stored form.
    fn from_set_member(stored: Self::Storage) -> Result<Self, DecodeError>;
}

impl SetMember for String {
    type Storage = String;

    fn to_set_member(&self) -> Result<String, EncodeError> {
        Ok(self.clone())
    }

    fn from_set_member(stored: String) -> Result<Self, DecodeError> {
        Ok(stored)
    }
}

impl SetMember for Number {
    type Storage = Number;

    fn to_set_member(&self) -> Result<Number, EncodeError> {
        Ok(self.clone())
    }

    fn from_set_member(stored: Number) -> Result<Self, DecodeError> {
        Ok(stored)
    }
}

impl SetMember for Vec<u8> {
    type Storage = Vec<u8>;

    fn to_set_member(&self) -> Result<Vec<u8>, EncodeError> {
        Ok(self.clone())
    }

    fn from_set_member(stored: Vec<u8>) -> Result<Self, DecodeError> {
        Ok(stored)
    }
}

macro_rules! integer_set_member {
    ($($t:ty),* ; $convert:expr) => {$(
        impl SetMember for $t {
            type Storage = Number;

            fn to_set_member(&self) -> Result<Number, EncodeError> {
                $convert(*self)
            }

            fn from_set_member(stored: Number) -> Result<Self, DecodeError> {
                <$t>::try_from(&stored).map_err(out_of_range)
            }
        }
    )*};
}

integer_set_member!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize; |v| Ok(Number::from(v)));
integer_set_member!(i128, u128; |v| Number::try_from(v).map_err(EncodeError::new));

/// Encodes set members, sorted so that equal sets encode alike; empty sets are refused
/// (they are left out of items and maps before this is reached).
fn encode_set<'a, T: SetMember + 'a>(
    members: impl Iterator<Item = &'a T>,
    len: usize,
) -> Result<AttributeValue, EncodeError> {
    if len == 0 {
        return Err(EncodeError::new(EncodeErrorKind::EmptySet));
    }
    let mut stored = Vec::with_capacity(len);
    for member in members {
        stored.push(member.to_set_member()?);
    }
    stored.sort_unstable();
    stored.dedup();
    Ok(T::Storage::into_set(stored))
}

/// Decodes set members; duplicates collapse.
fn decode_set<T: SetMember, C: FromIterator<T>>(value: AttributeValue) -> Result<C, DecodeError> {
    T::Storage::from_set(value)?
        .into_iter()
        .enumerate()
        .map(|(index, stored)| T::from_set_member(stored).map_err(|e| e.at_index(index)))
        .collect()
}

/// `SS`/`NS`/`BS`. An empty set is no attribute in an item or map (DynamoDB refuses empty
/// sets), an absent attribute decodes to an empty set, and an empty set inside a list is an
/// [`EncodeErrorKind::EmptySet`] error. Members are stored sorted.
impl<T: SetMember + Eq + Hash, S: BuildHasher + Default> Attribute for HashSet<T, S> {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        encode_set(self.iter(), self.len())
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        decode_set(value)
    }

    fn is_absent(&self) -> bool {
        self.is_empty()
    }

    fn from_missing() -> Result<Self, DecodeError> {
        Ok(HashSet::default())
    }
}

/// `SS`/`NS`/`BS`, with the same rules as `HashSet`.
impl<T: SetMember + Ord> Attribute for BTreeSet<T> {
    fn to_attribute_value(&self) -> Result<AttributeValue, EncodeError> {
        encode_set(self.iter(), self.len())
    }

    fn from_attribute_value(value: AttributeValue) -> Result<Self, DecodeError> {
        decode_set(value)
    }

    fn is_absent(&self) -> bool {
        self.is_empty()
    }

    fn from_missing() -> Result<Self, DecodeError> {
        Ok(BTreeSet::new())
    }
}

macro_rules! scalar {
    ($scalar:ident: $($t:ty),*) => {$(
        impl ScalarAttribute for $t {
            const SCALAR: ScalarType = ScalarType::$scalar;
        }
    )*};
}

scalar!(S: String, uuid::Uuid, Timestamp);
scalar!(N: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, Number);
scalar!(B: Vec<u8>);

#[cfg(test)]
mod tests {
    #[test]
    fn attribute_is_the_fixed_text() {
        // Years outside 0000..=9999 have no fixed-width text: refused, not stored.
        let after = Timestamp::from_unix_millis(253_402_300_800_000);
        let error = after.to_attribute_value().unwrap_err();
        assert!(matches!(error.kind, EncodeErrorKind::Invalid(_)));
        let t = Timestamp::from_unix_millis(1_700_000_000_123);
        assert_eq!(
            t.to_attribute_value(),
            Ok(AttributeValue::S("2023-11-14T22:13:20.123Z".into()))
        );
        assert_eq!(
            Timestamp::from_attribute_value(AttributeValue::S("2023-11-14T22:13:20.123Z".into())),
            Ok(t)
        );
        let error =
            Timestamp::from_attribute_value(AttributeValue::S("yesterday".into())).unwrap_err();
        assert!(matches!(error.kind, DecodeErrorKind::Invalid(ref m) if m.contains("`yesterday`")));
        assert_eq!(
            Timestamp::from_attribute_value(AttributeValue::N(Number::from(1u8))),
            Err(DecodeError::type_mismatch("S", crate::value::AttributeType::N))
        );
    }

    use super::*;
    use crate::codec::{decode_field, encode_field};
    use crate::value::AttributeType;
    use crate::NumberError;
    use proptest::prelude::*;

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

    fn round_trip<T: Attribute + PartialEq + std::fmt::Debug>(value: T, stored: AttributeValue) {
        assert_eq!(value.to_attribute_value(), Ok(stored.clone()));
        assert_eq!(T::from_attribute_value(stored), Ok(value));
    }

    fn kind<T>(result: Result<T, DecodeError>) -> Option<DecodeErrorKind> {
        result.err().map(|e| e.kind)
    }

    #[test]
    fn scalars() {
        round_trip("hi".to_owned(), s("hi"));
        round_trip(String::new(), s(""));
        round_trip(true, AttributeValue::Bool(true));
        round_trip(num("1.5"), n("1.5"));
        round_trip(-7i8, n("-7"));
        round_trip(300u16, n("300"));
        round_trip(u64::MAX, n("18446744073709551615"));
        round_trip(usize::MAX, n(&usize::MAX.to_string()));
        round_trip(1 - 10i128.pow(38), n(&format!("-{}", "9".repeat(38))));
        round_trip(10u128.pow(38), n("1E38"));
        round_trip(7u8, n("7"));
        round_trip(0.1f64, n("0.1"));
        round_trip(-2.5f32, n("-2.5"));
        round_trip(AttributeValue::Null, AttributeValue::Null);
        let id = uuid::Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8);
        round_trip(id, s("67e55044-10b1-426f-9247-bb680e5fe0c8"));
        assert_eq!(uuid::Uuid::from_attribute_value(s("67E5504410B1426F9247BB680E5FE0C8")), Ok(id));
        assert!(matches!(
            kind(uuid::Uuid::from_attribute_value(s("nope"))),
            Some(DecodeErrorKind::Invalid(m)) if m.starts_with("invalid UUID `nope`")
        ));
        round_trip(Timestamp::from_unix_millis(0), s("1970-01-01T00:00:00.000Z"));
    }

    #[test]
    fn number_errors() {
        assert_eq!(
            kind(u8::from_attribute_value(n("256"))),
            Some(DecodeErrorKind::NumberOutOfRange { value: "256".into(), target: "u8" })
        );
        assert_eq!(
            kind(i64::from_attribute_value(n("1.5"))),
            Some(DecodeErrorKind::NumberOutOfRange { value: "1.5".into(), target: "i64" })
        );
        assert_eq!(
            kind(usize::from_attribute_value(n("-1"))),
            Some(DecodeErrorKind::NumberOutOfRange { value: "-1".into(), target: "usize" })
        );
        assert_eq!(
            kind(f32::from_attribute_value(n("1E100"))),
            Some(DecodeErrorKind::NumberOutOfRange {
                value: format!("1{}", "0".repeat(100)),
                target: "f32"
            })
        );
        assert_eq!(
            u128::MAX.to_attribute_value().map_err(|e| e.kind),
            Err(EncodeErrorKind::Number(NumberError::Precision))
        );
        assert_eq!(
            f64::NAN.to_attribute_value().map_err(|e| e.kind),
            Err(EncodeErrorKind::Number(NumberError::NotANumber))
        );
        assert_eq!(
            f32::INFINITY.to_attribute_value().map_err(|e| e.kind),
            Err(EncodeErrorKind::Number(NumberError::NotANumber))
        );
        assert_eq!(
            1e300f64.to_attribute_value().map_err(|e| e.kind),
            Err(EncodeErrorKind::Number(NumberError::Overflow))
        );
        assert_eq!(
            kind(u32::from_attribute_value(s("1"))),
            Some(DecodeErrorKind::TypeMismatch { expected: "N", found: AttributeType::S })
        );
    }

    #[test]
    fn bytes_are_binary() {
        round_trip(vec![0u8, 255], AttributeValue::B(vec![0, 255]));
        round_trip(Vec::<u8>::new(), AttributeValue::B(vec![]));
        assert_eq!(
            kind(Vec::<u8>::from_attribute_value(AttributeValue::L(vec![]))),
            Some(DecodeErrorKind::TypeMismatch { expected: "B", found: AttributeType::L })
        );
        round_trip(
            vec![vec![1u8], vec![]],
            AttributeValue::L(vec![AttributeValue::B(vec![1]), AttributeValue::B(vec![])]),
        );
        round_trip(vec![1u16, 2], AttributeValue::L(vec![n("1"), n("2")]));
    }

    #[test]
    fn options() {
        let mut item = Item::new();
        encode_field(&mut item, "a", &None::<String>).unwrap();
        encode_field(&mut item, "b", &Some("x".to_owned())).unwrap();
        assert_eq!(item.len(), 1);
        assert_eq!(item["b"], s("x"));
        item.insert("c".into(), AttributeValue::Null);
        assert_eq!(decode_field::<Option<String>>(&mut item, "a"), Ok(None));
        assert_eq!(decode_field::<Option<String>>(&mut item, "b"), Ok(Some("x".into())));
        assert_eq!(decode_field::<Option<String>>(&mut item, "c"), Ok(None));
        assert_eq!(
            decode_field::<String>(&mut item, "a"),
            Err(DecodeError::missing().at_field("a"))
        );
        round_trip(vec![Some(1u8), None], AttributeValue::L(vec![n("1"), AttributeValue::Null]));
        assert_eq!(
            decode_field::<Option<u8>>(&mut Item::from([("x".into(), s("1"))]), "x"),
            Err(DecodeError::type_mismatch("N", AttributeType::S).at_field("x"))
        );
        assert!(Some(BTreeSet::<String>::new()).is_absent());
        round_trip(Box::new(5u32), n("5"));
        assert_eq!(Box::<Option<u8>>::from_missing(), Ok(Box::new(None)));
        assert!(Box::new(None::<u8>).is_absent());
    }

    #[test]
    fn lists_carry_index_paths() {
        let stored = AttributeValue::L(vec![n("1"), s("two"), n("3")]);
        let error = Vec::<u32>::from_attribute_value(stored).unwrap_err();
        assert_eq!(error.to_string(), "[1]: expected N, found S");
        let nested = AttributeValue::L(vec![AttributeValue::L(vec![n("1"), n("1.5")])]);
        let error = Vec::<Vec<i32>>::from_attribute_value(nested).unwrap_err();
        assert_eq!(error.to_string(), "[0][1]: number 1.5 does not fit in i32");
        let error = vec![1.0f64, f64::NAN].to_attribute_value().unwrap_err();
        assert_eq!(error.to_string(), "[1]: A value provided cannot be converted into a number");
        assert_eq!(
            kind(Vec::<u8>::from_attribute_value(s("x"))),
            Some(DecodeErrorKind::TypeMismatch { expected: "B", found: AttributeType::S })
        );
        assert_eq!(
            kind(Vec::<String>::from_attribute_value(s("x"))),
            Some(DecodeErrorKind::TypeMismatch { expected: "L", found: AttributeType::S })
        );
    }

    #[test]
    fn sets() {
        let tags: BTreeSet<String> = ["b", "a"].iter().map(|t| t.to_string()).collect();
        round_trip(tags, AttributeValue::Ss(vec!["a".into(), "b".into()]));
        let numbers: HashSet<i64> = [10, -1, 9].into_iter().collect();
        round_trip(numbers, AttributeValue::Ns(vec![num("-1"), num("9"), num("10")]));
        let decimals: BTreeSet<Number> = [num("0.5"), num("-3")].into_iter().collect();
        round_trip(decimals, AttributeValue::Ns(vec![num("-3"), num("0.5")]));
        let blobs: BTreeSet<Vec<u8>> = [vec![2u8], vec![1, 0]].into_iter().collect();
        round_trip(blobs, AttributeValue::Bs(vec![vec![1, 0], vec![2]]));

        // Empty sets are absent, and absent is empty.
        let mut item = Item::new();
        encode_field(&mut item, "e", &HashSet::<String>::new()).unwrap();
        assert!(item.is_empty());
        assert_eq!(decode_field::<HashSet<String>>(&mut item, "e"), Ok(HashSet::new()));
        assert_eq!(decode_field::<BTreeSet<u8>>(&mut item, "e"), Ok(BTreeSet::new()));
        // ... but refused where they cannot be left out.
        let error = vec![BTreeSet::<u8>::new()].to_attribute_value().unwrap_err();
        assert_eq!(error.kind, EncodeErrorKind::EmptySet);
        assert_eq!(
            error.to_string(),
            "[0]: an empty set cannot be stored (DynamoDB refuses empty sets)"
        );

        // Duplicates in storage collapse.
        let stored = AttributeValue::Ss(vec!["x".into(), "x".into()]);
        assert_eq!(HashSet::<String>::from_attribute_value(stored).map(|s| s.len()), Ok(1));
        let error =
            BTreeSet::<u8>::from_attribute_value(AttributeValue::Ns(vec![num("1"), num("300")]))
                .unwrap_err();
        assert_eq!(error.to_string(), "[1]: number 300 does not fit in u8");
        assert_eq!(
            kind(BTreeSet::<String>::from_attribute_value(AttributeValue::Ns(vec![num("1")]))),
            Some(DecodeErrorKind::TypeMismatch { expected: "SS", found: AttributeType::Ns })
        );
        assert_eq!(
            BTreeSet::from([u128::MAX]).to_attribute_value().map_err(|e| e.kind),
            Err(EncodeErrorKind::Number(NumberError::Precision))
        );
    }

    #[test]
    fn maps() {
        let mut map = BTreeMap::new();
        map.insert("a".to_owned(), Some(1u8));
        map.insert("b".to_owned(), None);
        let stored = map.to_attribute_value().unwrap();
        assert_eq!(stored, AttributeValue::M(Item::from([("a".into(), n("1"))])));
        let back = BTreeMap::<String, Option<u8>>::from_attribute_value(stored).unwrap();
        assert_eq!(back, BTreeMap::from([("a".to_owned(), Some(1u8))]));

        let item: Item = Item::from([("k".into(), s("v")), ("n".into(), n("2"))]);
        round_trip(item.clone(), AttributeValue::M(item.clone()));
        let hash: HashMap<String, String> = HashMap::from([("k".into(), "v".into())]);
        round_trip(hash, AttributeValue::M(Item::from([("k".into(), s("v"))])));

        let bad = AttributeValue::M(Item::from([(
            "outer".into(),
            AttributeValue::M(Item::from([("inner".into(), s("x"))])),
        )]));
        let error = HashMap::<String, HashMap<String, u8>>::from_attribute_value(bad).unwrap_err();
        assert_eq!(error.to_string(), "outer.inner: expected N, found S");
        let error =
            HashMap::from([("k".to_owned(), f64::INFINITY)]).to_attribute_value().unwrap_err();
        assert_eq!(error.to_string(), "k: A value provided cannot be converted into a number");
        let mut item = Item::new();
        let error = encode_field(
            &mut item,
            "m",
            &BTreeMap::from([("list".to_owned(), vec![0.5f64, f64::NAN])]),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "m.list[1]: A value provided cannot be converted into a number"
        );
        assert_eq!(
            kind(BTreeMap::<String, u8>::from_attribute_value(AttributeValue::L(vec![]))),
            Some(DecodeErrorKind::TypeMismatch { expected: "M", found: AttributeType::L })
        );
    }

    #[test]
    fn scalar_types() {
        assert_eq!(<String as ScalarAttribute>::SCALAR, ScalarType::S);
        assert_eq!(<Timestamp as ScalarAttribute>::SCALAR, ScalarType::S);
        assert_eq!(<uuid::Uuid as ScalarAttribute>::SCALAR, ScalarType::S);
        assert_eq!(<u64 as ScalarAttribute>::SCALAR, ScalarType::N);
        assert_eq!(<Number as ScalarAttribute>::SCALAR, ScalarType::N);
        assert_eq!(<Vec<u8> as ScalarAttribute>::SCALAR, ScalarType::B);
    }

    proptest! {
        #[test]
        fn integers_round_trip(a in any::<i64>(), b in any::<u32>(), c in any::<i16>()) {
            prop_assert_eq!(i64::from_attribute_value(a.to_attribute_value()?), Ok(a));
            prop_assert_eq!(u32::from_attribute_value(b.to_attribute_value()?), Ok(b));
            prop_assert_eq!(i16::from_attribute_value(c.to_attribute_value()?), Ok(c));
        }

        #[test]
        fn floats_round_trip(a in any::<f64>(), b in any::<f32>()) {
            if let Ok(stored) = a.to_attribute_value() {
                prop_assert_eq!(f64::from_attribute_value(stored), Ok(a));
            }
            if let Ok(stored) = b.to_attribute_value() {
                prop_assert_eq!(f32::from_attribute_value(stored), Ok(b));
            }
        }

        #[test]
        fn string_collections_round_trip(
            list in proptest::collection::vec(any::<String>(), 0..5),
            set in proptest::collection::btree_set(any::<String>(), 0..5),
            map in proptest::collection::btree_map(any::<String>(), any::<u16>(), 0..5),
        ) {
            prop_assert_eq!(Vec::<String>::from_attribute_value(list.to_attribute_value()?), Ok(list));
            if !set.is_empty() {
                prop_assert_eq!(BTreeSet::<String>::from_attribute_value(set.to_attribute_value()?), Ok(set));
            }
            prop_assert_eq!(
                BTreeMap::<String, u16>::from_attribute_value(map.to_attribute_value()?),
                Ok(map)
            );
        }
    }
}

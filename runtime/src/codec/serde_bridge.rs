//! `#[entity(serde)]` fields: values of types that implement serde's traits, stored
//! through `serde_dynamo`'s data model and converted to and from ours.
//!
//! ```
//! use singletable_runtime::codec::{from_attribute_value_serde, to_attribute_value_serde};
//! use singletable_runtime::{AttributeValue, Number};
//!
//! let stored = to_attribute_value_serde(&vec![1u8, 2]).unwrap();
//! assert_eq!(
//!     stored,
//!     AttributeValue::L(vec![AttributeValue::N(Number::from(1u8)), AttributeValue::N(Number::from(2u8))])
//! );
//! let back: Vec<u8> = from_attribute_value_serde(stored).unwrap();
//! assert_eq!(back, [1, 2]);
//! ```

use serde_dynamo::AttributeValue as Dynamo;

use crate::error::{DecodeError, EncodeError, EncodeErrorKind};
use crate::number::Number;
use crate::value::{AttributeValue, Item};

/// Encodes a serde value. Numbers go through [`Number::parse`] (NaN, infinities and
/// values outside DynamoDB's range fail with the number's error, at the value's path);
/// serde errors become [`EncodeErrorKind::Invalid`].
pub fn to_attribute_value_serde<T: serde::Serialize>(
    value: &T,
) -> Result<AttributeValue, EncodeError> {
    let dynamo: Dynamo = serde_dynamo::to_attribute_value(value)
        .map_err(|e| EncodeError::new(EncodeErrorKind::Invalid(e.to_string())))?;
    from_dynamo(dynamo)
}

/// Decodes a serde value; serde errors become [`DecodeError::invalid`] with serde's
/// message.
pub fn from_attribute_value_serde<T: serde::de::DeserializeOwned>(
    value: AttributeValue,
) -> Result<T, DecodeError> {
    serde_dynamo::from_attribute_value(to_dynamo(value))
        .map_err(|e| DecodeError::invalid(e.to_string()))
}

fn parse_number(text: &str) -> Result<Number, EncodeError> {
    Number::parse(text).map_err(EncodeError::new)
}

fn from_dynamo(value: Dynamo) -> Result<AttributeValue, EncodeError> {
    Ok(match value {
        Dynamo::S(text) => AttributeValue::S(text),
        Dynamo::N(text) => AttributeValue::N(parse_number(&text)?),
        Dynamo::B(bytes) => AttributeValue::B(bytes),
        Dynamo::Bool(flag) => AttributeValue::Bool(flag),
        Dynamo::Null(_) => AttributeValue::Null,
        Dynamo::L(list) => AttributeValue::L(
            list.into_iter()
                .enumerate()
                .map(|(index, v)| from_dynamo(v).map_err(|e| e.at_index(index)))
                .collect::<Result<_, _>>()?,
        ),
        Dynamo::M(map) => {
            let mut item = Item::with_capacity(map.len());
            for (key, v) in map {
                match from_dynamo(v) {
                    Ok(converted) => {
                        item.insert(key, converted);
                    }
                    Err(e) => return Err(e.at_field(key)),
                }
            }
            AttributeValue::M(item)
        }
        Dynamo::Ss(members) => AttributeValue::Ss(members),
        Dynamo::Ns(members) => AttributeValue::Ns(
            members
                .iter()
                .enumerate()
                .map(|(index, text)| parse_number(text).map_err(|e| e.at_index(index)))
                .collect::<Result<_, _>>()?,
        ),
        Dynamo::Bs(members) => AttributeValue::Bs(members),
    })
}

fn to_dynamo(value: AttributeValue) -> Dynamo {
    match value {
        AttributeValue::S(text) => Dynamo::S(text),
        AttributeValue::N(number) => Dynamo::N(number.into()),
        AttributeValue::B(bytes) => Dynamo::B(bytes),
        AttributeValue::Bool(flag) => Dynamo::Bool(flag),
        AttributeValue::Null => Dynamo::Null(true),
        AttributeValue::L(list) => Dynamo::L(list.into_iter().map(to_dynamo).collect()),
        AttributeValue::M(map) => {
            Dynamo::M(map.into_iter().map(|(key, v)| (key, to_dynamo(v))).collect())
        }
        AttributeValue::Ss(members) => Dynamo::Ss(members),
        AttributeValue::Ns(members) => Dynamo::Ns(members.into_iter().map(String::from).collect()),
        AttributeValue::Bs(members) => Dynamo::Bs(members),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DecodeErrorKind;
    use crate::number::NumberError;
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Address {
        street: String,
        zip: Option<u32>,
        lines: Vec<String>,
        price: f64,
    }

    fn num(text: &str) -> Number {
        match Number::parse(text) {
            Ok(number) => number,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn structs_round_trip() {
        let address =
            Address { street: "Main".into(), zip: None, lines: vec!["a".into()], price: 1.50 };
        let stored = to_attribute_value_serde(&address).unwrap();
        let AttributeValue::M(map) = &stored else { panic!("expected M, got {stored:?}") };
        assert_eq!(map["street"], AttributeValue::S("Main".into()));
        assert_eq!(map["zip"], AttributeValue::Null);
        assert_eq!(map["lines"], AttributeValue::L(vec![AttributeValue::S("a".into())]));
        assert_eq!(map["price"], AttributeValue::N(num("1.5")));
        assert_eq!(from_attribute_value_serde::<Address>(stored), Ok(address));
    }

    #[test]
    fn numbers_are_checked_and_canonical() {
        assert_eq!(to_attribute_value_serde(&1.0f64), Ok(AttributeValue::N(num("1"))));
        let error =
            to_attribute_value_serde(&BTreeMap::from([("x", vec![0.5, f64::NAN])])).unwrap_err();
        assert_eq!(error.kind, EncodeErrorKind::Number(NumberError::NotANumber));
        assert_eq!(error.to_string(), "x[1]: A value provided cannot be converted into a number");
        assert_eq!(
            to_attribute_value_serde(&1e300f64).map_err(|e| e.kind),
            Err(EncodeErrorKind::Number(NumberError::Overflow))
        );
    }

    #[test]
    fn sets_and_nulls_convert() {
        assert_eq!(to_dynamo(AttributeValue::Ns(vec![num("1.5")])), Dynamo::Ns(vec!["1.5".into()]));
        assert_eq!(
            from_dynamo(Dynamo::Ns(vec!["1.50".into(), "2".into()])),
            Ok(AttributeValue::Ns(vec![num("1.5"), num("2")]))
        );
        assert_eq!(
            from_dynamo(Dynamo::Ns(vec!["x".into()])).map_err(|e| e.to_string()),
            Err("[0]: A value provided cannot be converted into a number".to_owned())
        );
        assert_eq!(from_dynamo(Dynamo::Null(true)), Ok(AttributeValue::Null));
        assert_eq!(to_dynamo(AttributeValue::Null), Dynamo::Null(true));
        let item =
            AttributeValue::M(Item::from([("b".to_owned(), AttributeValue::Bs(vec![vec![1]]))]));
        assert_eq!(from_dynamo(to_dynamo(item.clone())), Ok(item));
    }

    #[test]
    fn decode_errors_carry_serde_messages() {
        let error =
            from_attribute_value_serde::<Address>(AttributeValue::S("x".into())).unwrap_err();
        assert!(matches!(error.kind, DecodeErrorKind::Invalid(_)), "{error:?}");
        assert!(!error.to_string().is_empty());
        let error = from_attribute_value_serde::<u8>(AttributeValue::N(num("300"))).unwrap_err();
        assert!(matches!(error.kind, DecodeErrorKind::Invalid(_)), "{error:?}");
    }
}

//! DynamoDB JSON for attribute values through serde, without an intermediate
//! [`serde_json::Value`]: [`JsonItem`] and [`JsonValue`] deserialise straight from any
//! serde deserialiser (`serde_json::from_slice` of a request body), and [`ItemRef`] and
//! [`ValueRef`] serialise straight into the writer.
//!
//! The same format and the same checks as [`crate::json`] (one type key per value,
//! numbers by DynamoDB's rules, standard base64, `NULL` holding `true`): what one
//! accepts the other accepts, and both read it to the same [`AttributeValue`]. Errors
//! are serde errors; a caller that needs [`crate::json`]'s error texts and paths reads the
//! input again with [`crate::json::item_from_json`] when this codec refuses it.
//!
//! ```
//! use singletable_core::json_serde::{ItemRef, JsonItem};
//! use singletable_core::AttributeValue;
//!
//! let JsonItem(item) = serde_json::from_str(r#"{"pk": {"S": "u1"}, "n": {"N": "3"}}"#).unwrap();
//! assert_eq!(item["pk"], AttributeValue::S("u1".to_owned()));
//! let text = serde_json::to_string(&ItemRef(&item)).unwrap();
//! let JsonItem(back) = serde_json::from_str(&text).unwrap();
//! assert_eq!(back, item);
//! ```

use std::fmt;

use base64::Engine as _;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::number::Number;
use crate::value::{AttributeValue, Item};

const STANDARD: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A DynamoDB JSON number (`N`, `NS` element), checked by DynamoDB's rules; the error
/// message is shared by both readers ([`crate::json`] and this module).
pub fn parse_number(text: &str) -> Result<Number, String> {
    Number::parse(text).map_err(|e| format!("invalid number `{text}`: {e}"))
}

/// A DynamoDB JSON binary (`B`, `BS` element): standard base64.
pub fn parse_binary(text: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("invalid base64: {e}"))
}

fn number(text: &str) -> Result<Number, String> {
    parse_number(text)
}

fn binary(text: &str) -> Result<Vec<u8>, String> {
    parse_binary(text)
}

/// An item read from DynamoDB JSON (`{"pk": {"S": "u1"}, …}`).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonItem(pub Item);

/// An attribute value read from DynamoDB JSON (`{"S": "u1"}`).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonValue(pub AttributeValue);

/// An item written as DynamoDB JSON.
#[derive(Debug, Clone, Copy)]
pub struct ItemRef<'a>(pub &'a Item);

/// An attribute value written as DynamoDB JSON.
#[derive(Debug, Clone, Copy)]
pub struct ValueRef<'a>(pub &'a AttributeValue);

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

impl<'de> Deserialize<'de> for JsonItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ItemVisitor).map(JsonItem)
    }
}

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ValueVisitor).map(JsonValue)
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = Item;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of attribute values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
        let mut item = Item::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(name) = map.next_key::<String>()? {
            let JsonValue(value) = map.next_value()?;
            // A repeated name keeps the last value, as a JSON object read whole does.
            item.insert(name, value);
        }
        Ok(item)
    }
}

/// The type key of an attribute value.
#[derive(Debug, Clone, Copy)]
enum Tag {
    S,
    N,
    B,
    Bool,
    Null,
    L,
    M,
    Ss,
    Ns,
    Bs,
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagVisitor;
        impl Visitor<'_> for TagVisitor {
            type Value = Tag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an attribute value type (S, N, B, BOOL, NULL, L, M, SS, NS or BS)")
            }
            fn visit_str<E: de::Error>(self, tag: &str) -> Result<Tag, E> {
                Ok(match tag {
                    "S" => Tag::S,
                    "N" => Tag::N,
                    "B" => Tag::B,
                    "BOOL" => Tag::Bool,
                    "NULL" => Tag::Null,
                    "L" => Tag::L,
                    "M" => Tag::M,
                    "SS" => Tag::Ss,
                    "NS" => Tag::Ns,
                    "BS" => Tag::Bs,
                    other => {
                        return Err(E::custom(format!("unknown attribute value type `{other}`")))
                    }
                })
            }
        }
        deserializer.deserialize_identifier(TagVisitor)
    }
}

/// A JSON string, borrowed from the input where it holds no escapes.
struct Text<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Owned(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// A sequence read element by element through `read`.
struct Elements<F>(F);

impl<'de, T, F> DeserializeSeed<'de> for Elements<F>
where
    F: Fn(Text<'de>) -> Result<T, String>,
{
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        struct SeqVisitor<F>(F);
        impl<'de, T, F> Visitor<'de> for SeqVisitor<F>
        where
            F: Fn(Text<'de>) -> Result<T, String>,
        {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(text) = seq.next_element::<Text<'de>>()? {
                    out.push((self.0)(text).map_err(de::Error::custom)?);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_seq(SeqVisitor(self.0))
    }
}

/// `true`, the only value `NULL` holds.
struct NullTrue;

impl<'de> Deserialize<'de> for NullTrue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if bool::deserialize(deserializer)? {
            Ok(NullTrue)
        } else {
            Err(de::Error::custom("`NULL` must hold true"))
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = AttributeValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute value like {\"S\": \"text\"}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AttributeValue, A::Error> {
        let Some(tag) = map.next_key::<Tag>()? else {
            return Err(de::Error::custom("an attribute value has exactly one type key, found 0"));
        };
        let value = match tag {
            Tag::S => AttributeValue::S(map.next_value()?),
            Tag::N => AttributeValue::N(
                number(&map.next_value::<Text<'de>>()?.0).map_err(de::Error::custom)?,
            ),
            Tag::B => AttributeValue::B(
                binary(&map.next_value::<Text<'de>>()?.0).map_err(de::Error::custom)?,
            ),
            Tag::Bool => AttributeValue::Bool(map.next_value()?),
            Tag::Null => {
                let NullTrue = map.next_value()?;
                AttributeValue::Null
            }
            Tag::L => AttributeValue::L(
                map.next_value::<Vec<JsonValue>>()?.into_iter().map(|v| v.0).collect(),
            ),
            Tag::M => AttributeValue::M(map.next_value::<JsonItem>()?.0),
            Tag::Ss => AttributeValue::Ss(
                map.next_value_seed(Elements(|text: Text<'de>| Ok(text.0.into_owned())))?,
            ),
            Tag::Ns => AttributeValue::Ns(
                map.next_value_seed(Elements(|text: Text<'de>| number(&text.0)))?,
            ),
            Tag::Bs => AttributeValue::Bs(
                map.next_value_seed(Elements(|text: Text<'de>| binary(&text.0)))?,
            ),
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("an attribute value has exactly one type key, found 2"));
        }
        Ok(value)
    }
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

impl Serialize for ItemRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, &ValueRef(value))?;
        }
        map.end()
    }
}

/// `L`: a list of attribute values.
struct ListRef<'a>(&'a [AttributeValue]);

impl Serialize for ListRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ValueRef))
    }
}

/// `NS`: numbers as strings.
struct NumbersRef<'a>(&'a [Number]);

impl Serialize for NumbersRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(Number::as_str))
    }
}

/// `BS`: binaries in base64.
struct BinariesRef<'a>(&'a [Vec<u8>]);

impl Serialize for BinariesRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|b| STANDARD.encode(b)))
    }
}

impl Serialize for ValueRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self.0 {
            AttributeValue::S(s) => map.serialize_entry("S", s)?,
            AttributeValue::N(n) => map.serialize_entry("N", n.as_str())?,
            AttributeValue::B(b) => map.serialize_entry("B", &STANDARD.encode(b))?,
            AttributeValue::Bool(b) => map.serialize_entry("BOOL", b)?,
            AttributeValue::Null => map.serialize_entry("NULL", &true)?,
            AttributeValue::L(list) => map.serialize_entry("L", &ListRef(list))?,
            AttributeValue::M(item) => map.serialize_entry("M", &ItemRef(item))?,
            AttributeValue::Ss(set) => map.serialize_entry("SS", set)?,
            AttributeValue::Ns(set) => map.serialize_entry("NS", &NumbersRef(set))?,
            AttributeValue::Bs(set) => map.serialize_entry("BS", &BinariesRef(set))?,
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{item_from_json, item_to_json, value_from_json};
    use serde_json::json;

    fn typed(text: &str) -> Result<Item, serde_json::Error> {
        serde_json::from_str::<JsonItem>(text).map(|item| item.0)
    }

    #[test]
    fn reads_every_type_as_the_value_codec_does() {
        let json = json!({
            "s": {"S": "x\"y\\u00e9"}, "n": {"N": "-1.5E+3"}, "b": {"B": "AAEC"},
            "t": {"BOOL": true}, "z": {"NULL": true},
            "l": {"L": [{"S": "a"}, {"N": "1"}, {"L": []}]},
            "m": {"M": {"k": {"SS": ["a", "b"]}, "e": {"M": {}}}},
            "ns": {"NS": ["1", "2.50"]}, "bs": {"BS": ["AA==", "AQ=="]}
        });
        let text = json.to_string();
        assert_eq!(typed(&text).unwrap(), item_from_json(&json).unwrap());
    }

    #[test]
    fn writes_what_the_value_codec_writes() {
        let json = json!({
            "s": {"S": "tab\there"}, "n": {"N": "12.5"}, "b": {"B": "AAEC"},
            "t": {"BOOL": false}, "z": {"NULL": true}, "l": {"L": [{"S": "a"}]},
            "m": {"M": {"k": {"SS": ["a"]}}}, "ns": {"NS": ["1"]}, "bs": {"BS": ["AA=="]}
        });
        let item = item_from_json(&json).unwrap();
        let written: serde_json::Value =
            serde_json::from_slice(&serde_json::to_vec(&ItemRef(&item)).unwrap()).unwrap();
        assert_eq!(written, item_to_json(&item));
    }

    #[test]
    fn refuses_what_the_value_codec_refuses() {
        for bad in [
            r#"{"a": {}}"#,
            r#"{"a": {"S": "x", "N": "1"}}"#,
            r#"{"a": {"Q": "x"}}"#,
            r#"{"a": {"S": 1}}"#,
            r#"{"a": {"N": "abc"}}"#,
            r#"{"a": {"N": 1}}"#,
            r#"{"a": {"B": "!!"}}"#,
            r#"{"a": {"BOOL": "true"}}"#,
            r#"{"a": {"NULL": false}}"#,
            r#"{"a": {"L": {}}}"#,
            r#"{"a": {"M": []}}"#,
            r#"{"a": {"SS": [1]}}"#,
            r#"{"a": {"NS": ["x"]}}"#,
            r#"{"a": {"BS": ["!!"]}}"#,
            r#"{"a": [1]}"#,
            r#"[1]"#,
        ] {
            let value: serde_json::Value = serde_json::from_str(bad).unwrap();
            assert!(item_from_json(&value).is_err(), "value codec accepts {bad}");
            assert!(typed(bad).is_err(), "typed codec accepts {bad}");
        }
        assert!(serde_json::from_str::<JsonValue>(r#"{"S": "x"}"#).is_ok());
        assert!(value_from_json(&json!({"S": "x"})).is_ok());
    }
}

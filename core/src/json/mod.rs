//! DynamoDB's JSON wire format for attribute values: `{"S": "text"}`, `{"N": "12.5"}`,
//! `{"B": "<base64>"}`, `{"M": {...}}` and so on.
//!
//! One codec for every place the format appears: the HTTP API of `singletable serve`,
//! Lambda's DynamoDB stream events, and JSON exports. Reading never panics: a value of
//! the wrong shape is a [`JsonError`] naming the path of the offending value.
//!
//! ```
//! use singletable_core::json::{item_from_json, item_to_json};
//! use singletable_core::AttributeValue;
//!
//! let json = serde_json::json!({"pk": {"S": "u1"}, "n": {"N": "3"}});
//! let item = item_from_json(&json).unwrap();
//! assert_eq!(item["pk"], AttributeValue::S("u1".to_owned()));
//! assert_eq!(item_to_json(&item), json);
//! ```

use serde_json::Value;

pub use crate::json_serde::{parse_binary, parse_number};
use crate::number::Number;
use crate::value::{AttributeValue, Item};

mod table;

pub use table::{
    attribute_definitions_to_json, create_table_to_json, key_schema_to_json, projection_to_json,
    restore_summary_json, schema_create_table_json, schema_time_to_live_json,
    table_description_to_json,
};

/// A JSON value that is not a DynamoDB attribute value (or item).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at `{path}`")]
pub struct JsonError {
    /// Where the value sits (`$`, `$.pk`, `$.tags.L[2]`).
    pub path: String,
    /// What was wrong.
    pub message: String,
}

impl JsonError {
    fn new(path: &str, message: impl Into<String>) -> Self {
        JsonError { path: path.to_owned(), message: message.into() }
    }
}

/// An attribute value in DynamoDB JSON (written by the one writer,
/// [`crate::json_serde::ValueRef`]).
pub fn value_to_json(value: &AttributeValue) -> Value {
    // Serialising into a `Value` fails only for non-string map keys or a failing
    // `Serialize` impl; `ValueRef` writes string keys and strings, booleans and arrays
    // only, so the error arm is unreachable (kept as `Null` rather than a panic).
    serde_json::to_value(crate::json_serde::ValueRef(value)).unwrap_or(Value::Null)
}

/// An item (attribute name → value) in DynamoDB JSON.
pub fn item_to_json(item: &Item) -> Value {
    Value::Object(item.iter().map(|(name, value)| (name.clone(), value_to_json(value))).collect())
}

/// Reads an attribute value from DynamoDB JSON. Numbers are checked by DynamoDB's rules
/// (38 significant digits, exponent range); binary values are standard base64.
pub fn value_from_json(json: &Value) -> Result<AttributeValue, JsonError> {
    value_at(json, "$")
}

/// Reads an item (a JSON object of attribute values).
pub fn item_from_json(json: &Value) -> Result<Item, JsonError> {
    item_at(json, "$")
}

fn item_at(json: &Value, path: &str) -> Result<Item, JsonError> {
    let Value::Object(object) = json else {
        return Err(JsonError::new(path, "expected an object of attribute values"));
    };
    object
        .iter()
        .map(|(name, value)| Ok((name.clone(), value_at(value, &format!("{path}.{name}"))?)))
        .collect()
}

fn string<'a>(json: &'a Value, path: &str, tag: &str) -> Result<&'a str, JsonError> {
    json.as_str().ok_or_else(|| JsonError::new(path, format!("`{tag}` must hold a string")))
}

fn array<'a>(json: &'a Value, path: &str, tag: &str) -> Result<&'a Vec<Value>, JsonError> {
    json.as_array().ok_or_else(|| JsonError::new(path, format!("`{tag}` must hold an array")))
}

fn number(text: &str, path: &str) -> Result<Number, JsonError> {
    parse_number(text).map_err(|message| JsonError::new(path, message))
}

fn binary(text: &str, path: &str) -> Result<Vec<u8>, JsonError> {
    parse_binary(text).map_err(|message| JsonError::new(path, message))
}

fn value_at(json: &Value, path: &str) -> Result<AttributeValue, JsonError> {
    let Value::Object(object) = json else {
        return Err(JsonError::new(path, "expected an attribute value like {\"S\": \"text\"}"));
    };
    let mut entries = object.iter();
    let (Some((tag, inner)), None) = (entries.next(), entries.next()) else {
        return Err(JsonError::new(
            path,
            format!("an attribute value has exactly one type key, found {}", object.len()),
        ));
    };
    let here = format!("{path}.{tag}");
    Ok(match tag.as_str() {
        "S" => AttributeValue::S(string(inner, &here, tag)?.to_owned()),
        "N" => AttributeValue::N(number(string(inner, &here, tag)?, &here)?),
        "B" => AttributeValue::B(binary(string(inner, &here, tag)?, &here)?),
        "BOOL" => AttributeValue::Bool(
            inner.as_bool().ok_or_else(|| JsonError::new(&here, "`BOOL` must hold a boolean"))?,
        ),
        "NULL" => match inner {
            Value::Bool(true) => AttributeValue::Null,
            _ => return Err(JsonError::new(&here, "`NULL` must hold true")),
        },
        "L" => AttributeValue::L(
            array(inner, &here, tag)?
                .iter()
                .enumerate()
                .map(|(i, v)| value_at(v, &format!("{here}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        "M" => AttributeValue::M(item_at(inner, &here)?),
        "SS" => AttributeValue::Ss(
            array(inner, &here, tag)?
                .iter()
                .enumerate()
                .map(|(i, v)| string(v, &format!("{here}[{i}]"), tag).map(str::to_owned))
                .collect::<Result<_, _>>()?,
        ),
        "NS" => AttributeValue::Ns(
            array(inner, &here, tag)?
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let at = format!("{here}[{i}]");
                    number(string(v, &at, tag)?, &at)
                })
                .collect::<Result<_, _>>()?,
        ),
        "BS" => AttributeValue::Bs(
            array(inner, &here, tag)?
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let at = format!("{here}[{i}]");
                    binary(string(v, &at, tag)?, &at)
                })
                .collect::<Result<_, _>>()?,
        ),
        other => {
            return Err(JsonError::new(
                path,
                format!(
                    "unknown attribute value type `{other}` (expected S, N, B, BOOL, NULL, L, M, \
                     SS, NS or BS)"
                ),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{CreateTableInput, KeyType, ProjectionSpec, SecondaryIndex};
    use crate::schema::BillingMode;
    use serde_json::json;

    #[test]
    fn every_type_round_trips() {
        let json = json!({
            "s": {"S": "x"}, "n": {"N": "-1.5E+3"}, "b": {"B": "AAEC"}, "t": {"BOOL": true},
            "z": {"NULL": true}, "l": {"L": [{"S": "a"}, {"N": "1"}]},
            "m": {"M": {"k": {"SS": ["a", "b"]}}}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AA=="]}
        });
        let item = item_from_json(&json).unwrap();
        assert_eq!(item["b"], AttributeValue::B(vec![0, 1, 2]));
        assert_eq!(item["n"], AttributeValue::N(Number::parse("-1500").unwrap()));
        let back = item_from_json(&item_to_json(&item)).unwrap();
        assert_eq!(back, item);
    }

    #[test]
    fn malformed_values_name_their_path() {
        let err = item_from_json(&json!({"a": {"L": [{"S": "x"}, {"N": "abc"}]}})).unwrap_err();
        assert_eq!(err.path, "$.a.L[1].N");
        let err = value_from_json(&json!({"S": "x", "N": "1"})).unwrap_err();
        assert!(err.message.contains("exactly one type key"), "{err}");
        let err = value_from_json(&json!({"Q": "x"})).unwrap_err();
        assert!(err.message.contains("unknown attribute value type `Q`"), "{err}");
        assert!(value_from_json(&json!({"NULL": false})).is_err());
        assert!(value_from_json(&json!({"B": "!!"})).is_err());
        assert!(item_from_json(&json!([1])).is_err());
    }

    #[test]
    fn create_table_document_has_dynamodb_shape() {
        use crate::backend::{AttributeDefinition, KeySchemaElement};
        use crate::schema::{ScalarType, StreamViewType};
        let key =
            |name: &str, key_type| KeySchemaElement { attribute_name: name.to_owned(), key_type };
        let input = CreateTableInput {
            table_name: "App".to_owned(),
            attribute_definitions: vec![
                AttributeDefinition { name: "PK".to_owned(), ty: ScalarType::S },
                AttributeDefinition { name: "GSI1PK".to_owned(), ty: ScalarType::N },
            ],
            key_schema: vec![key("PK", KeyType::Hash)],
            global_secondary_indexes: vec![SecondaryIndex {
                index_name: "GSI1".to_owned(),
                key_schema: vec![key("GSI1PK", KeyType::Hash)],
                projection: ProjectionSpec::Include(vec!["a".to_owned()]),
                provisioned_throughput: Some((1, 2)),
            }],
            local_secondary_indexes: vec![],
            billing_mode: BillingMode::Provisioned { read: 5, write: 6 },
            stream: Some(StreamViewType::NewImage),
        };
        assert_eq!(
            create_table_to_json(&input),
            json!({
                "TableName": "App",
                "AttributeDefinitions": [
                    {"AttributeName": "PK", "AttributeType": "S"},
                    {"AttributeName": "GSI1PK", "AttributeType": "N"}
                ],
                "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
                "GlobalSecondaryIndexes": [{
                    "IndexName": "GSI1",
                    "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2}
                }],
                "BillingMode": "PROVISIONED",
                "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
                "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}
            })
        );
    }
}

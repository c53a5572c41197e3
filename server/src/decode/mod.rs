//! Reading requests: the JSON body of each operation into the engine's typed inputs,
//! with DynamoDB's checks in DynamoDB's order.
//!
//! A request is a JSON object; [`Request`] reads its members with DynamoDB's checks:
//! a member of the wrong JSON type is a `SerializationException` naming it, a missing
//! required member a `ValidationException` in the request-validation layer's words
//! (`1 validation error detected: Value null at 'tableName' failed to satisfy constraint:
//! Member must not be null`), collected over the whole request as DynamoDB does.
//!
//! One module per group of operations (as the handlers), each with a function per
//! operation; [`typed`] reads the hot item operations straight from the body,
//! [`expressions`] and [`legacy`] the two forms of conditions, updates and projections.

pub mod backups;
pub mod batches;
pub mod exports;
pub mod expressions;
pub mod items;
pub mod legacy;
pub mod partiql;
pub mod reads;
pub mod streams;
pub mod tables;
pub mod tags;
pub mod transactions;
pub mod ttl;
pub mod typed;

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use singletable_core::backend::{ReturnConsumedCapacity, ReturnValues};
use singletable_core::json::{item_from_json, value_from_json, JsonError};
use singletable_core::{AttributeValue, Item};

use crate::api_error::ApiError;

/// A request body as JSON (an empty body is an empty object).
pub fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::serialization(format!("Start of structure or map found where not expected: {e}"))
    })
}

/// Constraint violations of one request, reported together.
#[derive(Debug, Default)]
pub struct Violations {
    items: Vec<String>,
}

impl Violations {
    /// Records that `value` (already rendered: `null`, `'x'`) at `at` breaks `constraint`.
    pub fn push(&mut self, value: &str, at: &str, constraint: &str) {
        self.items
            .push(format!("Value {value} at '{at}' failed to satisfy constraint: {constraint}"));
    }

    /// A required member that is absent.
    pub fn null(&mut self, at: &str) {
        self.push("null", at, "Member must not be null");
    }

    /// A value outside an enumeration.
    pub fn enumeration(&mut self, value: &str, at: &str, allowed: &[&str]) {
        self.push(
            &format!("'{value}'"),
            at,
            &format!("Member must satisfy enum value set: [{}]", allowed.join(", ")),
        );
    }

    /// A string outside `min..=max` characters (DynamoDB's length constraints).
    pub fn length(&mut self, value: &str, at: &str, min: usize, max: usize) {
        let chars = value.chars().count();
        if chars < min {
            let constraint = format!("Member must have length greater than or equal to {min}");
            self.push(&format!("'{value}'"), at, &constraint);
        } else if chars > max {
            let constraint = format!("Member must have length less than or equal to {max}");
            self.push(&format!("'{value}'"), at, &constraint);
        }
    }

    /// Adds violations already worded (`Value '…' at '…' failed to satisfy constraint: …`).
    pub fn extend(&mut self, violations: impl IntoIterator<Item = String>) {
        self.items.extend(violations);
    }

    /// The violations as one `ValidationException`, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.items.len() {
            0 => Ok(()),
            1 => {
                Err(ApiError::validation(format!("1 validation error detected: {}", self.items[0])))
            }
            n => Err(ApiError::validation(format!(
                "{n} validation errors detected: {}",
                self.items.join("; ")
            ))),
        }
    }
}

/// The JSON body of one request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    object: &'a Map<String, Value>,
}

fn camel(member: &str) -> String {
    let mut chars = member.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn wrong_type(member: &str, expected: &str) -> ApiError {
    ApiError::serialization(format!("Member {member} must be {expected}"))
}

impl<'a> Request<'a> {
    /// Wraps a request body, which must be a JSON object.
    pub fn new(body: &'a Value) -> Result<Self, ApiError> {
        match body {
            Value::Object(object) => Ok(Request { object }),
            _ => Err(ApiError::serialization("The request body must be a JSON object")),
        }
    }

    /// A member, `None` when absent or `null`.
    pub fn get(&self, member: &str) -> Option<&'a Value> {
        self.object.get(member).filter(|value| !value.is_null())
    }

    /// True when the member is present.
    pub fn has(&self, member: &str) -> bool {
        self.get(member).is_some()
    }

    /// A string member.
    pub fn str(&self, member: &str) -> Result<Option<&'a str>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(wrong_type(member, "a string")),
        }
    }

    /// A required string member; records a violation when absent.
    pub fn required_str(
        &self,
        member: &str,
        violations: &mut Violations,
    ) -> Result<String, ApiError> {
        match self.str(member)? {
            Some(text) => Ok(text.to_owned()),
            None => {
                violations.null(&camel(member));
                Ok(String::new())
            }
        }
    }

    /// A boolean member.
    pub fn bool(&self, member: &str) -> Result<Option<bool>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(_) => Err(wrong_type(member, "a boolean")),
        }
    }

    /// An integer member.
    pub fn int(&self, member: &str) -> Result<Option<i64>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Number(number)) => {
                number.as_i64().map(Some).ok_or_else(|| wrong_type(member, "an integer"))
            }
            Some(_) => Err(wrong_type(member, "an integer")),
        }
    }

    /// An object member.
    pub fn object(&self, member: &str) -> Result<Option<&'a Map<String, Value>>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Object(object)) => Ok(Some(object)),
            Some(_) => Err(wrong_type(member, "an object")),
        }
    }

    /// A nested request (an object member).
    pub fn nested(&self, member: &str) -> Result<Option<Request<'a>>, ApiError> {
        Ok(self.object(member)?.map(|object| Request { object }))
    }

    /// An array member.
    pub fn array(&self, member: &str) -> Result<Option<&'a Vec<Value>>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Array(array)) => Ok(Some(array)),
            Some(_) => Err(wrong_type(member, "an array")),
        }
    }

    /// An item member (attribute values).
    pub fn item(&self, member: &str) -> Result<Option<Item>, ApiError> {
        self.get(member).map(|json| item_from_json(json).map_err(value_error)).transpose()
    }

    /// A required item member.
    pub fn required_item(
        &self,
        member: &str,
        violations: &mut Violations,
    ) -> Result<Item, ApiError> {
        match self.item(member)? {
            Some(item) => Ok(item),
            None => {
                violations.null(&camel(member));
                Ok(Item::new())
            }
        }
    }

    /// An array of strings.
    pub fn strings(&self, member: &str) -> Result<Option<Vec<String>>, ApiError> {
        let Some(array) = self.array(member)? else { return Ok(None) };
        array
            .iter()
            .map(|value| {
                value
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| wrong_type(member, "an array of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// `ExpressionAttributeNames`.
    pub fn names(&self) -> Result<Option<HashMap<String, String>>, ApiError> {
        let Some(object) = self.object("ExpressionAttributeNames")? else { return Ok(None) };
        object
            .iter()
            .map(|(key, value)| match value {
                Value::String(name) => Ok((key.clone(), name.clone())),
                _ => Err(wrong_type("ExpressionAttributeNames", "a map of strings")),
            })
            .collect::<Result<HashMap<_, _>, _>>()
            .map(Some)
    }

    /// `ExpressionAttributeValues`.
    pub fn values(&self) -> Result<Option<HashMap<String, AttributeValue>>, ApiError> {
        let Some(object) = self.object("ExpressionAttributeValues")? else { return Ok(None) };
        object
            .iter()
            .map(|(key, value)| Ok((key.clone(), value_from_json(value).map_err(value_error)?)))
            .collect::<Result<HashMap<_, _>, ApiError>>()
            .map(Some)
    }

    /// `ReturnConsumedCapacity`.
    pub fn return_consumed_capacity(
        &self,
        violations: &mut Violations,
    ) -> Result<ReturnConsumedCapacity, ApiError> {
        Ok(match self.str("ReturnConsumedCapacity")? {
            None | Some("NONE") => ReturnConsumedCapacity::None,
            Some("TOTAL") => ReturnConsumedCapacity::Total,
            Some("INDEXES") => ReturnConsumedCapacity::Indexes,
            Some(other) => {
                violations.enumeration(
                    other,
                    "returnConsumedCapacity",
                    &["INDEXES", "TOTAL", "NONE"],
                );
                ReturnConsumedCapacity::None
            }
        })
    }

    /// `ReturnValues`.
    pub fn return_values(&self, violations: &mut Violations) -> Result<ReturnValues, ApiError> {
        Ok(match self.str("ReturnValues")? {
            None | Some("NONE") => ReturnValues::None,
            Some("ALL_OLD") => ReturnValues::AllOld,
            Some("UPDATED_OLD") => ReturnValues::UpdatedOld,
            Some("ALL_NEW") => ReturnValues::AllNew,
            Some("UPDATED_NEW") => ReturnValues::UpdatedNew,
            Some(other) => {
                violations.enumeration(
                    other,
                    "returnValues",
                    &["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"],
                );
                ReturnValues::None
            }
        })
    }

    /// `ReturnValuesOnConditionCheckFailure`: true for `ALL_OLD`.
    pub fn return_old_on_failure(&self, violations: &mut Violations) -> Result<bool, ApiError> {
        Ok(match self.str("ReturnValuesOnConditionCheckFailure")? {
            None | Some("NONE") => false,
            Some("ALL_OLD") => true,
            Some(other) => {
                violations.enumeration(
                    other,
                    "returnValuesOnConditionCheckFailure",
                    &["ALL_OLD", "NONE"],
                );
                false
            }
        })
    }
}

/// A malformed attribute value, as DynamoDB words it.
pub fn value_error(error: JsonError) -> ApiError {
    let message = &error.message;
    if message.starts_with("invalid number") {
        let text = message.rsplit_once(": ").map_or(message.as_str(), |(_, reason)| reason);
        return ApiError::validation(text.to_owned());
    }
    if message.contains("exactly one type key, found 0") {
        return ApiError::validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        );
    }
    if message.contains("exactly one type key") {
        return ApiError::validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of \
             the supported datatypes",
        );
    }
    if message.contains("`NULL` must hold true") {
        return ApiError::validation(
            "One or more parameter values were invalid: Null attribute value types must have the \
             value of true",
        );
    }
    ApiError::serialization(format!("{} at {}", error.message, error.path))
}

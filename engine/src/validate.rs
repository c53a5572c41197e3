//! Request and item validation, with DynamoDB's messages.
//!
//! Where DynamoDB and DynamoDB Local word an error differently, the text here is real
//! DynamoDB's (as documented or as users quoted it from AWS), and a comment names Local's.

use std::collections::HashSet;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use std::hash::Hash;

use super::definition::{KeyAttr, TableDef};
use super::key_value::{KeyValue, PrimaryKey};
use singletable_core::backend::ReturnValues;
use singletable_core::error::{Error, Result};
use singletable_core::expr::{Path, PathElement};
use singletable_core::schema::ScalarType;
use singletable_core::size::MAX_ITEM_SIZE;
use singletable_core::value::{AttributeValue, Item};

pub(crate) use singletable_core::limits::{
    MAX_NESTED_CONTAINERS, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES,
};

const INVALID: &str = "One or more parameter values were invalid: ";

/// DynamoDB's pattern for table and index names.
pub(crate) const NAME_PATTERN: &str = "[a-zA-Z0-9_.-]+";

/// Checks a table name at parameter `tableName`: 3 to 255 characters of
/// `[a-zA-Z0-9_.-]`, reported as DynamoDB's request validation does (`1 validation error
/// detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have
/// length greater than or equal to 3`). DynamoDB Local answers `Invalid table/index
/// name.  Table/index names must be ...` instead (docs/error-texts.md).
pub(crate) fn check_name(name: &str) -> Result<()> {
    check_name_at(name, "tableName")
}

/// Checks a table or index name found at parameter path `at` (see [`check_name`]).
pub(crate) fn check_name_at(name: &str, at: &str) -> Result<()> {
    let mut constraints = Constraints::default();
    constraints.name(name, at);
    constraints.finish()
}

/// Parameter constraint violations, reported together as DynamoDB's request validation
/// does: `1 validation error detected: Value '0' at 'limit' failed to satisfy constraint:
/// Member must have value greater than or equal to 1`.
#[derive(Debug, Default)]
pub(crate) struct Constraints {
    violations: Vec<String>,
}

impl Constraints {
    /// Records that `value` at parameter path `at` breaks `constraint`.
    pub fn push(&mut self, value: &str, at: &str, constraint: &str) {
        self.violations
            .push(format!("Value '{value}' at '{at}' failed to satisfy constraint: {constraint}"));
    }

    /// Checks a length between `min` and `max` (inclusive).
    pub fn length(&mut self, value: &str, length: usize, at: &str, min: usize, max: usize) {
        if length < min {
            self.push(
                value,
                at,
                &format!("Member must have length greater than or equal to {min}"),
            );
        } else if length > max {
            self.push(value, at, &format!("Member must have length less than or equal to {max}"));
        }
    }

    /// Checks a table or index name: its length (3 to 255; an empty name breaks the
    /// minimum of 1 alone), then its characters, each failure a violation of its own, in
    /// that order (DynamoDB reports length before pattern).
    pub fn name(&mut self, name: &str, at: &str) {
        let length = name.chars().count();
        if length == 0 {
            self.push(name, at, "Member must have length greater than or equal to 1");
            return;
        }
        self.length(name, length, at, 3, 255);
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
            self.push(
                name,
                at,
                &format!("Member must satisfy regular expression pattern: {NAME_PATTERN}"),
            );
        }
    }

    /// The violations recorded so far, each `Value '…' at '…' failed to satisfy
    /// constraint: …`.
    pub fn into_violations(self) -> Vec<String> {
        self.violations
    }

    /// The collected violations as one `ValidationException`, if any.
    pub fn finish(self) -> Result<()> {
        match self.violations.len() {
            0 => Ok(()),
            1 => Err(Error::validation(format!(
                "1 validation error detected: {}",
                self.violations.join("; ")
            ))),
            count => Err(Error::validation(format!(
                "{count} validation errors detected: {}",
                self.violations.join("; ")
            ))),
        }
    }
}

/// `PutItem` and `DeleteItem` accept only `NONE` and `ALL_OLD`.
pub(crate) fn check_put_delete_return_values(return_values: ReturnValues) -> Result<()> {
    match return_values {
        ReturnValues::None | ReturnValues::AllOld => Ok(()),
        _ => Err(Error::validation("Return values set to invalid value")),
    }
}

/// Checks every attribute of an item: names non-empty, sets non-empty and without
/// duplicates, nesting within DynamoDB's limit.
pub(crate) fn check_item_values(item: &Item) -> Result<()> {
    for (name, value) in item {
        if name.is_empty() {
            return Err(Error::validation("Empty attribute name"));
        }
        check_value(value).map_err(Error::validation)?;
    }
    Ok(())
}

/// Checks one attribute value (see [`check_item_values`]); the error is DynamoDB's
/// message. Never descends deeper than the nesting limit.
pub(crate) fn check_value(value: &AttributeValue) -> Result<(), String> {
    check_nested(value, 0)
}

fn check_nested(value: &AttributeValue, containers_above: usize) -> Result<(), String> {
    match value {
        AttributeValue::L(_) | AttributeValue::M(_) if containers_above >= MAX_NESTED_CONTAINERS => Err(
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
                .to_owned(),
        ),
        AttributeValue::L(values) => values.iter().try_for_each(|v| check_nested(v, containers_above + 1)),
        AttributeValue::M(map) => map.values().try_for_each(|v| check_nested(v, containers_above + 1)),
        AttributeValue::Ss(set) => {
            check_not_empty("string", set)?;
            if has_duplicates(set) {
                return Err(format!("{INVALID}Input collection [{}] contains duplicates.", set.join(", ")));
            }
            Ok(())
        }
        AttributeValue::Ns(set) => {
            check_not_empty("number", set)?;
            if has_duplicates(set) {
                // DynamoDB's text for NS (also when the duplicates are spelled
                // differently, 1 and 1.0): no prefix, no members.
                return Err("Input collection contains duplicates".to_owned());
            }
            Ok(())
        }
        AttributeValue::Bs(set) => {
            if set.is_empty() {
                return Err(format!("{INVALID}Binary sets should not be empty"));
            }
            if has_duplicates(set) {
                // Sic: no space before "of type".
                let members: Vec<String> = set.iter().map(|b| BASE64.encode(b)).collect();
                return Err(format!(
                    "{INVALID}Input collection [{}]of type BS contains duplicates.",
                    members.join(", ")
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn check_not_empty<T>(kind: &str, set: &[T]) -> Result<(), String> {
    if set.is_empty() {
        // Sic: "An string set", two spaces.
        return Err(format!("{INVALID}An {kind} set  may not be empty"));
    }
    Ok(())
}

fn has_duplicates<T: Hash + Eq>(set: &[T]) -> bool {
    let mut seen = HashSet::with_capacity(set.len());
    set.iter().any(|member| !seen.insert(member))
}

/// Checks the size of an item (and of its LSI entries, which count toward the same cap).
pub(crate) fn check_item_size(size: usize) -> Result<()> {
    if size > MAX_ITEM_SIZE {
        Err(Error::validation("Item size has exceeded the maximum allowed size"))
    } else {
        Ok(())
    }
}

fn type_name(value: &AttributeValue) -> &'static str {
    value.attribute_type().as_str()
}

/// The byte length of an `S` or `B` key value (numbers have no length limit of their own).
fn key_bytes(value: &KeyValue) -> usize {
    match value {
        KeyValue::S(s) => s.len(),
        KeyValue::B(b) => b.len(),
        KeyValue::N(_) => 0,
    }
}

fn is_empty_key(value: &KeyValue) -> bool {
    match value {
        KeyValue::S(s) => s.is_empty(),
        KeyValue::B(b) => b.is_empty(),
        KeyValue::N(_) => false,
    }
}

fn empty_kind(ty: ScalarType) -> &'static str {
    if ty == ScalarType::B {
        "binary"
    } else {
        "string"
    }
}

/// Empty and over-long table key values.
fn check_table_key_value(attribute: &KeyAttr, value: &KeyValue, partition: bool) -> Result<()> {
    if is_empty_key(value) {
        // Real DynamoDB's text as quoted from AWS contains the middle sentence; Local's full
        // form is used.
        return Err(Error::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {}",
            empty_kind(attribute.ty),
            attribute.name
        )));
    }
    let bytes = key_bytes(value);
    // DynamoDB Local says `Hash primary key values must be under 2048 bytes, and range
    // primary key values must be under 1024 bytes` for both.
    if partition && bytes > MAX_PARTITION_KEY_BYTES {
        return Err(Error::validation(format!(
            "{INVALID}Size of hashkey has exceeded the maximum size limit of2048 bytes"
        )));
    }
    if !partition && bytes > MAX_SORT_KEY_BYTES {
        return Err(Error::validation(format!(
            "{INVALID}Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
        )));
    }
    Ok(())
}

/// The primary key of an item being written (`PutItem`), checked against the schema.
pub(crate) fn item_primary_key(def: &TableDef, item: &Item) -> Result<PrimaryKey> {
    let mut values = Vec::with_capacity(2);
    for (position, attribute) in def.key_attributes().enumerate() {
        let Some(value) = item.get(&attribute.name) else {
            // DynamoDB Local: `One of the required keys was not given a value`.
            return Err(Error::validation(format!(
                "{INVALID}Missing the key {} in the item",
                attribute.name
            )));
        };
        let Some(key) = KeyValue::from_attribute(value, attribute.ty) else {
            return Err(Error::validation(format!(
                "{INVALID}Type mismatch for key {} expected: {} actual: {}",
                attribute.name,
                attribute.ty.as_str(),
                type_name(value)
            )));
        };
        check_table_key_value(attribute, &key, position == 0)?;
        values.push(key);
    }
    into_primary_key(values)
}

/// The primary key named by a request's `Key` (`GetItem`, `DeleteItem`): exactly the
/// table's key attributes, with their types.
pub(crate) fn request_primary_key(def: &TableDef, key: &Item) -> Result<PrimaryKey> {
    // DynamoDB Local words these `One of the required keys was not given a value` (missing)
    // and `... Type mismatch for key` (wrong type); real DynamoDB says this for all.
    let mismatch = || Error::validation("The provided key element does not match the schema");
    let expected = 1 + usize::from(def.sort_key.is_some());
    if key.len() != expected {
        return Err(mismatch());
    }
    let mut values = Vec::with_capacity(2);
    for (position, attribute) in def.key_attributes().enumerate() {
        let value = key.get(&attribute.name).ok_or_else(mismatch)?;
        let key_value = KeyValue::from_attribute(value, attribute.ty).ok_or_else(mismatch)?;
        check_table_key_value(attribute, &key_value, position == 0)?;
        values.push(key_value);
    }
    into_primary_key(values)
}

fn into_primary_key(values: Vec<KeyValue>) -> Result<PrimaryKey> {
    let mut values = values.into_iter();
    let partition = values
        .next()
        .ok_or_else(|| Error::validation("The provided key element does not match the schema"))?;
    Ok(PrimaryKey { partition, sort: values.next() })
}

/// Key attributes are scalars: no document path may look inside one (`pk.x`, `g[0]`),
/// in a projection, a condition, a filter or an update. Table keys are named `Key: pk`,
/// the other index key attributes `IndexKey: g` (DynamoDB Local's wording).
pub(crate) fn check_scalar_key_paths<'p>(
    def: &TableDef,
    paths: impl IntoIterator<Item = &'p Path>,
) -> Result<()> {
    for path in paths {
        let (Some(PathElement::Attribute(name)), true) =
            (path.elements.first(), path.elements.len() > 1)
        else {
            continue;
        };
        let kind = if def.key_attributes().any(|key| key.name == *name) {
            "Key"
        } else if def
            .indexes
            .iter()
            .any(|index| index.partition.iter().chain(&index.sort).any(|key| key.name == *name))
        {
            "IndexKey"
        } else {
            continue;
        };
        return Err(Error::validation(format!(
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: {kind}: {name}"
        )));
    }
    Ok(())
}

/// Checks the secondary index key attributes an item holds: each present one must have
/// its defined type, be non-empty and within the key length limits. Absent ones only
/// leave the item out of that index.
pub(crate) fn check_index_keys(def: &TableDef, item: &Item) -> Result<()> {
    for index in &def.indexes {
        let attributes =
            index.partition.iter().map(|a| (a, true)).chain(index.sort.iter().map(|a| (a, false)));
        for (attribute, partition) in attributes {
            let Some(value) = item.get(&attribute.name) else { continue };
            let Some(key) = KeyValue::from_attribute(value, attribute.ty) else {
                // DynamoDB Local stops after `Type mismatch for Index Key`.
                return Err(Error::validation(format!(
                    "{INVALID}Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                    attribute.name,
                    attribute.ty.as_str(),
                    type_name(value),
                    index.name
                )));
            };
            if is_empty_key(&key) {
                return Err(Error::validation(format!(
                    "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {} value. IndexName: {}, IndexKey: {}",
                    empty_kind(attribute.ty),
                    index.name,
                    attribute.name
                )));
            }
            let limit = if partition { MAX_PARTITION_KEY_BYTES } else { MAX_SORT_KEY_BYTES };
            if key_bytes(&key) > limit {
                // As DynamoDB Local reports it; AWS's own text is not documented.
                return Err(Error::validation(format!("{INVALID}Size limit exceeded")));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::IndexDef;
    use singletable_core::number::Number;
    use singletable_core::schema::{BillingMode, IndexKind};

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(text).expect("a valid number"))
    }

    fn item(pairs: &[(&str, AttributeValue)]) -> Item {
        pairs.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect()
    }

    fn attr(name: &str, ty: ScalarType) -> KeyAttr {
        KeyAttr { name: name.to_owned(), ty }
    }

    fn def(sort: Option<KeyAttr>) -> TableDef {
        TableDef {
            name: "t".to_owned(),
            arn: String::new(),
            partition_key: attr("pk", ScalarType::S),
            sort_key: sort,
            indexes: vec![IndexDef {
                name: "gsi1".to_owned(),
                kind: IndexKind::Global,
                partition: vec![attr("g", ScalarType::S)],
                sort: vec![attr("r", ScalarType::B)],
                projected: None,
            }],
            attribute_definitions: Vec::new(),
            key_schema: Vec::new(),
            global_secondary_indexes: Vec::new(),
            local_secondary_indexes: Vec::new(),
            billing_mode: BillingMode::PayPerRequest,
            stream: None,
            creation_date_time: 0.0,
            stream_date_time: 0.0,
            restore_summary: None,
        }
    }

    fn message(result: Result<impl std::fmt::Debug>) -> String {
        match result {
            Err(Error::Validation { message, .. }) => message,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn names_are_3_to_255_safe_characters() {
        assert!(check_name("abc").is_ok());
        assert!(check_name("A-b_c.9").is_ok());
        assert!(check_name(&"x".repeat(255)).is_ok());
        let at = |value: &str, constraint: &str| {
            format!("Value '{value}' at 'tableName' failed to satisfy constraint: {constraint}")
        };
        let pattern = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+";
        assert_eq!(
            message(check_name("ab")),
            format!(
                "1 validation error detected: {}",
                at("ab", "Member must have length greater than or equal to 3")
            )
        );
        assert_eq!(
            message(check_name("")),
            format!(
                "1 validation error detected: {}",
                at("", "Member must have length greater than or equal to 1")
            )
        );
        for bad in ["a b c", "tablé", "a/b"] {
            assert_eq!(
                message(check_name(bad)),
                format!("1 validation error detected: {}", at(bad, pattern))
            );
        }
        let long = "x".repeat(256);
        assert_eq!(
            message(check_name(&long)),
            format!(
                "1 validation error detected: {}",
                at(&long, "Member must have length less than or equal to 255")
            )
        );
        // Length before pattern, joined.
        assert_eq!(
            message(check_name("a!")),
            format!(
                "2 validation errors detected: {}; {}",
                at("a!", "Member must have length greater than or equal to 3"),
                at("a!", pattern)
            )
        );
    }

    #[test]
    fn constraint_violations_are_counted() {
        assert!(Constraints::default().finish().is_ok());
        let mut one = Constraints::default();
        one.push("0", "limit", "Member must have value greater than or equal to 1");
        assert_eq!(
            message(one.finish()),
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
        let mut two = Constraints::default();
        two.length("ab", 2, "a", 3, 255);
        two.length("", 0, "b", 1, 255);
        two.length("ok", 2, "c", 1, 255);
        assert_eq!(
            message(two.finish()),
            "2 validation errors detected: Value 'ab' at 'a' failed to satisfy constraint: Member must have length greater than or equal to 3; Value '' at 'b' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn return_values_for_put_and_delete() {
        assert!(check_put_delete_return_values(ReturnValues::None).is_ok());
        assert!(check_put_delete_return_values(ReturnValues::AllOld).is_ok());
        for other in [ReturnValues::AllNew, ReturnValues::UpdatedOld, ReturnValues::UpdatedNew] {
            assert_eq!(
                message(check_put_delete_return_values(other)),
                "Return values set to invalid value"
            );
        }
    }

    #[test]
    fn sets_must_be_non_empty_and_unique() {
        assert_eq!(
            check_value(&AttributeValue::Ss(vec![])),
            Err("One or more parameter values were invalid: An string set  may not be empty"
                .to_owned())
        );
        assert_eq!(
            check_value(&AttributeValue::Ns(vec![])),
            Err("One or more parameter values were invalid: An number set  may not be empty"
                .to_owned())
        );
        assert_eq!(
            check_value(&AttributeValue::Bs(vec![])),
            Err("One or more parameter values were invalid: Binary sets should not be empty"
                .to_owned())
        );
        assert_eq!(
            check_value(&AttributeValue::Ss(vec!["x".to_owned(), "x".to_owned()])),
            Err("One or more parameter values were invalid: Input collection [x, x] contains duplicates.".to_owned())
        );
        let one = Number::parse("1").expect("number");
        let one_again = Number::parse("1.0").expect("number");
        assert_eq!(
            check_value(&AttributeValue::Ns(vec![one, one_again])),
            Err("Input collection contains duplicates".to_owned())
        );
        assert_eq!(
            check_value(&AttributeValue::Bs(vec![b"b".to_vec(), b"b".to_vec()])),
            Err("One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates.".to_owned())
        );
        // Empty strings are fine inside sets; sets inside lists are checked too.
        assert!(check_value(&AttributeValue::Ss(vec![String::new()])).is_ok());
        assert!(check_value(&AttributeValue::L(vec![AttributeValue::Ss(vec![])])).is_err());
        let nested = AttributeValue::M(item(&[("inner", AttributeValue::Ns(vec![]))]));
        assert!(check_value(&nested).is_err());
    }

    fn nest(levels: usize) -> AttributeValue {
        let mut value = AttributeValue::Null;
        for level in 0..levels {
            value = if level % 2 == 0 {
                AttributeValue::L(vec![value])
            } else {
                AttributeValue::M(item(&[("m", value)]))
            };
        }
        value
    }

    #[test]
    fn nesting_allows_31_containers_under_a_top_level_attribute() {
        assert!(check_value(&nest(31)).is_ok());
        assert_eq!(
            check_value(&nest(32)),
            Err("Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit".to_owned())
        );
        assert!(check_value(&AttributeValue::L(vec![])).is_ok());
    }

    #[test]
    fn items_need_named_attributes() {
        assert_eq!(message(check_item_values(&item(&[("", s("x"))]))), "Empty attribute name");
        assert!(check_item_values(&item(&[("a", s("")), ("b", AttributeValue::B(vec![]))])).is_ok());
    }

    #[test]
    fn item_size_cap() {
        assert!(check_item_size(MAX_ITEM_SIZE).is_ok());
        assert_eq!(
            message(check_item_size(MAX_ITEM_SIZE + 1)),
            "Item size has exceeded the maximum allowed size"
        );
    }

    #[test]
    fn item_keys_are_present_typed_non_empty_and_short() {
        let def = def(Some(attr("sk", ScalarType::N)));
        let key = item_primary_key(&def, &item(&[("pk", s("a")), ("sk", n("1"))])).expect("valid");
        assert_eq!(key.partition, KeyValue::S("a".to_owned()));
        assert_eq!(
            message(item_primary_key(&def, &item(&[("pk", s("a"))]))),
            "One or more parameter values were invalid: Missing the key sk in the item"
        );
        assert_eq!(
            message(item_primary_key(&def, &item(&[("pk", n("1")), ("sk", n("1"))]))),
            "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"
        );
        assert_eq!(
            message(item_primary_key(&def, &item(&[("pk", s("a")), ("sk", AttributeValue::Null)]))),
            "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: NULL"
        );
        assert_eq!(
            message(item_primary_key(&def, &item(&[("pk", s("")), ("sk", n("1"))]))),
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"
        );
        assert!(
            item_primary_key(&def, &item(&[("pk", s(&"é".repeat(1024))), ("sk", n("1"))])).is_ok()
        );
        assert_eq!(
            message(item_primary_key(&def, &item(&[("pk", s(&"x".repeat(2049))), ("sk", n("1"))]))),
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
        );
    }

    #[test]
    fn sort_keys_are_limited_to_1024_bytes() {
        let def = def(Some(attr("sk", ScalarType::S)));
        assert!(
            item_primary_key(&def, &item(&[("pk", s("a")), ("sk", s(&"é".repeat(512)))])).is_ok()
        );
        assert_eq!(
            message(item_primary_key(&def, &item(&[("pk", s("a")), ("sk", s(&"é".repeat(513)))]))),
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
        );
    }

    #[test]
    fn request_keys_must_match_the_schema_exactly() {
        let def = def(Some(attr("sk", ScalarType::N)));
        let mismatch = "The provided key element does not match the schema";
        assert!(request_primary_key(&def, &item(&[("pk", s("a")), ("sk", n("1"))])).is_ok());
        assert_eq!(message(request_primary_key(&def, &item(&[("pk", s("a"))]))), mismatch);
        assert_eq!(
            message(request_primary_key(
                &def,
                &item(&[("pk", s("a")), ("sk", n("1")), ("x", s("y"))])
            )),
            mismatch
        );
        assert_eq!(
            message(request_primary_key(&def, &item(&[("pk", s("a")), ("other", n("1"))]))),
            mismatch
        );
        assert_eq!(
            message(request_primary_key(&def, &item(&[("pk", s("a")), ("sk", s("1"))]))),
            mismatch
        );
        assert!(message(request_primary_key(&def, &item(&[("pk", s("")), ("sk", n("1"))])))
            .contains("cannot contain an empty string value. Key: pk"));
        let hash_only = self::def(None);
        assert!(request_primary_key(&hash_only, &item(&[("pk", s("a"))])).is_ok());
        assert_eq!(
            message(request_primary_key(&hash_only, &item(&[("pk", s("a")), ("sk", n("1"))]))),
            mismatch
        );
    }

    #[test]
    fn index_keys_are_type_checked_when_present() {
        let def = def(None);
        assert!(check_index_keys(&def, &item(&[("pk", s("a"))])).is_ok());
        assert!(check_index_keys(&def, &item(&[("pk", s("a")), ("g", s("x"))])).is_ok());
        assert_eq!(
            message(check_index_keys(&def, &item(&[("pk", s("a")), ("g", n("1"))]))),
            "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: gsi1"
        );
        assert_eq!(
            message(check_index_keys(&def, &item(&[("pk", s("a")), ("g", AttributeValue::Null)]))),
            "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: NULL IndexName: gsi1"
        );
        assert_eq!(
            message(check_index_keys(&def, &item(&[("pk", s("a")), ("g", s(""))]))),
            "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: gsi1, IndexKey: g"
        );
        assert!(message(check_index_keys(
            &def,
            &item(&[("pk", s("a")), ("r", AttributeValue::B(vec![]))])
        ))
        .contains("empty binary value. IndexName: gsi1, IndexKey: r"));
        assert_eq!(
            message(check_index_keys(
                &def,
                &item(&[("pk", s("a")), ("r", AttributeValue::B(vec![0; 1025]))])
            )),
            "One or more parameter values were invalid: Size limit exceeded"
        );
        assert!(
            check_index_keys(&def, &item(&[("pk", s("a")), ("g", s(&"x".repeat(2048)))])).is_ok()
        );
    }
}

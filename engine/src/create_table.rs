//! `CreateTable` validation: a request becomes a [`TableDef`] or DynamoDB's error.
//!
//! Checks, in order: the table name; parameter constraints (key schema lengths, key
//! attribute name lengths, throughput values); the table key schema; index names and key
//! schemas; `AttributeDefinitions` against the keys used; LSI rules; duplicate index
//! names; index counts; index throughput against the billing mode.
//!
//! GSIs take DynamoDB's multi-attribute keys: 1–4 `HASH` elements, then 0–4 `RANGE`.

use std::collections::BTreeSet;

use super::definition::{projected_names, IndexDef, KeyAttr, TableDef};
use super::validate::{check_name, check_name_at, Constraints};
use singletable_core::backend::{
    CreateTableInput, KeySchemaElement, KeyType, ProjectionSpec, SecondaryIndex,
};
use singletable_core::error::{Error, Result};
use singletable_core::schema::{BillingMode, IndexKind};

const INVALID: &str = "One or more parameter values were invalid: ";
/// GSIs per table (DynamoDB's default quota).
pub(crate) const MAX_GSIS: usize = 20;
/// LSIs per table.
pub(crate) const MAX_LSIS: usize = 5;
/// `HASH` (and separately `RANGE`) attributes in one GSI key schema.
const MAX_GSI_KEY_PARTS: usize = 4;
/// Bytes in a key attribute name.
const MAX_KEY_NAME_BYTES: usize = 255;

/// The `TableArn` the engine gives a table (DynamoDB Local's region and account).
pub(crate) fn table_arn(name: &str) -> String {
    table_arn_in(super::stream::DEFAULT_REGION, name)
}

/// The `TableArn` of table `name` in `region` (DynamoDB Local's account).
pub(crate) fn table_arn_in(region: &str, name: &str) -> String {
    format!("arn:aws:dynamodb:{region}:000000000000:table/{name}")
}

/// Validates `input` into a table definition.
pub(crate) fn table_def(input: CreateTableInput, creation_date_time: f64) -> Result<TableDef> {
    check_name(&input.table_name)?;
    check_constraints(&input)?;
    if let [first, second] = input.key_schema.as_slice() {
        if first.attribute_name == second.attribute_name {
            // DynamoDB's answer to a table key attribute listed twice (an outside
            // conformance suite recorded on DynamoDB; docs/error-texts.md); DynamoDB Local:
            // `Both the Hash Key and the Range Key element in the KeySchema have the same
            // name`.
            return Err(Error::validation(
                "Invalid KeySchema: Some index key attribute have no definition",
            ));
        }
    }
    let (hash, range) = table_key_names(&input.key_schema)?;

    let mut gsi_keys = Vec::with_capacity(input.global_secondary_indexes.len());
    for (position, index) in input.global_secondary_indexes.iter().enumerate() {
        check_name_at(
            &index.index_name,
            &format!("globalSecondaryIndexes.{}.member.indexName", position + 1),
        )?;
        gsi_keys.push(gsi_key_names(&index.key_schema)?);
    }
    for (position, index) in input.local_secondary_indexes.iter().enumerate() {
        check_name_at(
            &index.index_name,
            &format!("localSecondaryIndexes.{}.member.indexName", position + 1),
        )?;
        check_lsi_key_order(&index.key_schema)?;
    }
    check_attribute_definitions(&input)?;
    check_local_indexes(&input, hash, range)?;
    check_index_names(&input)?;
    if input.local_secondary_indexes.len() > MAX_LSIS {
        // DynamoDB Local: `Cannot have more than 5 local secondary indexes per table`.
        return Err(Error::validation(format!(
            "{INVALID}Number of LocalSecondaryIndexes exceeds per-table limit of {MAX_LSIS}"
        )));
    }
    if input.global_secondary_indexes.len() > MAX_GSIS {
        return Err(Error::validation(format!(
            "{INVALID}GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GSIS}"
        )));
    }
    check_index_throughput(&input)?;

    let attribute = |name: &str| -> Result<KeyAttr> {
        input
            .attribute_definitions
            .iter()
            .find(|definition| definition.name == name)
            .map(|definition| KeyAttr { name: name.to_owned(), ty: definition.ty })
            .ok_or_else(|| Error::validation(format!("{INVALID}Some index key attributes are not defined in AttributeDefinitions. Keys: [{name}]")))
    };
    let partition_key = attribute(hash)?;
    let sort_key = range.map(attribute).transpose()?;
    let table_keys: Vec<KeyAttr> =
        std::iter::once(partition_key.clone()).chain(sort_key.clone()).collect();

    let mut indexes = Vec::new();
    for (index, (hash_names, range_names)) in input.global_secondary_indexes.iter().zip(&gsi_keys) {
        let partition =
            hash_names.iter().map(|name| attribute(name)).collect::<Result<Vec<_>>>()?;
        let sort = range_names.iter().map(|name| attribute(name)).collect::<Result<Vec<_>>>()?;
        indexes.push(index_def(index, IndexKind::Global, partition, sort, &table_keys));
    }
    for index in &input.local_secondary_indexes {
        let sort = index
            .key_schema
            .iter()
            .filter(|element| element.key_type == KeyType::Range)
            .map(|element| attribute(&element.attribute_name))
            .collect::<Result<Vec<_>>>()?;
        indexes.push(index_def(
            index,
            IndexKind::Local,
            vec![partition_key.clone()],
            sort,
            &table_keys,
        ));
    }

    let local_secondary_indexes = input
        .local_secondary_indexes
        .into_iter()
        .map(|index| SecondaryIndex { provisioned_throughput: None, ..index })
        .collect();
    Ok(TableDef {
        arn: table_arn(&input.table_name),
        name: input.table_name,
        partition_key,
        sort_key,
        indexes,
        attribute_definitions: input.attribute_definitions,
        key_schema: input.key_schema,
        global_secondary_indexes: input.global_secondary_indexes,
        local_secondary_indexes,
        billing_mode: input.billing_mode,
        stream: input.stream,
        creation_date_time,
        stream_date_time: creation_date_time,
        restore_summary: None,
    })
}

fn index_def(
    index: &SecondaryIndex,
    kind: IndexKind,
    partition: Vec<KeyAttr>,
    sort: Vec<KeyAttr>,
    table_keys: &[KeyAttr],
) -> IndexDef {
    let index_keys: Vec<KeyAttr> = partition.iter().chain(&sort).cloned().collect();
    IndexDef {
        name: index.index_name.clone(),
        kind,
        projected: projected_names(table_keys, &index_keys, &index.projection),
        partition,
        sort,
    }
}

fn render_key_schema(key_schema: &[KeySchemaElement]) -> String {
    let elements: Vec<String> = key_schema
        .iter()
        .map(|element| {
            let key_type = match element.key_type {
                KeyType::Hash => "HASH",
                KeyType::Range => "RANGE",
            };
            format!(
                "KeySchemaElement(AttributeName={}, KeyType={key_type})",
                element.attribute_name
            )
        })
        .collect();
    format!("[{}]", elements.join(", "))
}

/// Parameter constraints of the API model, reported together.
fn check_constraints(input: &CreateTableInput) -> Result<()> {
    let mut constraints = Constraints::default();
    key_schema_constraints(&mut constraints, &input.key_schema, "keySchema", 2);
    if let BillingMode::Provisioned { read, write } = input.billing_mode {
        throughput_constraints(&mut constraints, read, write, "provisionedThroughput");
    }
    for (position, index) in input.global_secondary_indexes.iter().enumerate() {
        let at = format!("globalSecondaryIndexes.{}.member", position + 1);
        key_schema_constraints(
            &mut constraints,
            &index.key_schema,
            &format!("{at}.keySchema"),
            2 * MAX_GSI_KEY_PARTS,
        );
        projection_constraints(&mut constraints, &index.projection, &at);
        if let Some((read, write)) = index.provisioned_throughput {
            throughput_constraints(
                &mut constraints,
                read,
                write,
                &format!("{at}.provisionedThroughput"),
            );
        }
    }
    for (position, index) in input.local_secondary_indexes.iter().enumerate() {
        let at = format!("localSecondaryIndexes.{}.member", position + 1);
        key_schema_constraints(&mut constraints, &index.key_schema, &format!("{at}.keySchema"), 2);
        projection_constraints(&mut constraints, &index.projection, &at);
    }
    constraints.finish()
}

fn key_schema_constraints(
    constraints: &mut Constraints,
    key_schema: &[KeySchemaElement],
    at: &str,
    max: usize,
) {
    constraints.length(&render_key_schema(key_schema), key_schema.len(), at, 1, max);
    for (position, element) in key_schema.iter().enumerate() {
        let name = &element.attribute_name;
        let at = format!("{at}.{}.member.attributeName", position + 1);
        constraints.length(name, name.len(), &at, 1, MAX_KEY_NAME_BYTES);
    }
}

fn throughput_constraints(constraints: &mut Constraints, read: u64, write: u64, at: &str) {
    for (value, field) in [(read, "readCapacityUnits"), (write, "writeCapacityUnits")] {
        if value < 1 {
            constraints.push(
                &value.to_string(),
                &format!("{at}.{field}"),
                "Member must have value greater than or equal to 1",
            );
        }
    }
}

fn projection_constraints(constraints: &mut Constraints, projection: &ProjectionSpec, at: &str) {
    if let ProjectionSpec::Include(names) = projection {
        if names.is_empty() {
            constraints.push(
                "[]",
                &format!("{at}.projection.nonKeyAttributes"),
                "Member must have length greater than or equal to 1",
            );
        }
    }
}

fn same_name() -> Error {
    Error::validation(
        "Both the Hash Key and the Range Key element in the KeySchema have the same name",
    )
}

fn first_not_hash() -> Error {
    Error::validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
}

fn second_not_range() -> Error {
    Error::validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
}

/// A one- or two-element key schema (the table's, an LSI's): `HASH` then `RANGE`.
fn check_lsi_key_order(key_schema: &[KeySchemaElement]) -> Result<()> {
    table_key_names(key_schema).map(|_| ())
}

/// The table's partition and sort key names.
fn table_key_names(key_schema: &[KeySchemaElement]) -> Result<(&str, Option<&str>)> {
    let (first, second) = match key_schema {
        [first] => (first, None),
        [first, second] => (first, Some(second)),
        // Lengths were checked with the other constraints.
        _ => return Err(first_not_hash()),
    };
    if second.is_some_and(|second| second.attribute_name == first.attribute_name) {
        return Err(same_name());
    }
    if first.key_type != KeyType::Hash {
        return Err(first_not_hash());
    }
    if second.is_some_and(|second| second.key_type != KeyType::Range) {
        return Err(second_not_range());
    }
    Ok((first.attribute_name.as_str(), second.map(|second| second.attribute_name.as_str())))
}

/// A GSI's partition and sort attribute names: 1–4 `HASH`, then 0–4 `RANGE`, no repeats.
fn gsi_key_names(key_schema: &[KeySchemaElement]) -> Result<(Vec<&str>, Vec<&str>)> {
    let mut hash = Vec::new();
    let mut range = Vec::new();
    for element in key_schema {
        let name = element.attribute_name.as_str();
        if hash.contains(&name) || range.contains(&name) {
            if element.key_type == KeyType::Range && hash.contains(&name) {
                return Err(same_name());
            }
            return Err(Error::validation(format!(
                "Invalid KeySchema: Some key attributes are repeated in the KeySchema; attribute: {name}"
            )));
        }
        match element.key_type {
            KeyType::Hash if !range.is_empty() => return Err(Error::validation(
                "Invalid KeySchema: HASH key attributes must be listed before RANGE key attributes",
            )),
            KeyType::Hash => hash.push(name),
            KeyType::Range if hash.is_empty() => return Err(first_not_hash()),
            KeyType::Range => range.push(name),
        }
    }
    if hash.is_empty() {
        return Err(first_not_hash());
    }
    for (names, key_type) in [(&hash, "HASH"), (&range, "RANGE")] {
        if names.len() > MAX_GSI_KEY_PARTS {
            return Err(Error::validation(format!(
                "Invalid KeySchema: A global secondary index key schema can have at most {MAX_GSI_KEY_PARTS} {key_type} key attributes"
            )));
        }
    }
    Ok((hash, range))
}

/// Every key attribute defined, and nothing else: DynamoDB's messages for the ways the
/// two sets can differ (they depend on whether the request has indexes).
fn check_attribute_definitions(input: &CreateTableInput) -> Result<()> {
    let mut defined: Vec<&str> =
        input.attribute_definitions.iter().map(|definition| definition.name.as_str()).collect();
    defined.sort_unstable();
    let used: BTreeSet<&str> = input
        .key_schema
        .iter()
        .chain(input.global_secondary_indexes.iter().flat_map(|index| &index.key_schema))
        .chain(input.local_secondary_indexes.iter().flat_map(|index| &index.key_schema))
        .map(|element| element.attribute_name.as_str())
        .collect();
    let used: Vec<&str> = used.into_iter().collect();
    if defined == used {
        return Ok(());
    }
    let list = |names: &[&str]| format!("[{}]", names.join(", "));
    let undefined: Vec<&str> =
        used.iter().copied().filter(|name| !defined.contains(name)).collect();
    let has_indexes =
        !input.global_secondary_indexes.is_empty() || !input.local_secondary_indexes.is_empty();
    let message = match (defined.len().cmp(&used.len()), has_indexes) {
        (std::cmp::Ordering::Greater, true) => format!(
            "{INVALID}Some AttributeDefinitions are not used. AttributeDefinitions: {}, keys used: {}",
            list(&defined),
            list(&used)
        ),
        (std::cmp::Ordering::Greater, false) => format!(
            "{INVALID}Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
        ),
        (std::cmp::Ordering::Less, false) => "Invalid KeySchema: Some index key attribute have no definition".to_owned(),
        (_, true) => format!(
            "{INVALID}Some index key attributes are not defined in AttributeDefinitions. Keys: {}, AttributeDefinitions: {}",
            list(&undefined),
            list(&defined)
        ),
        (_, false) => format!(
            "{INVALID}Some index key attributes are not defined in AttributeDefinitions. Keys: {}, AttributeDefinitions: {}",
            list(&used),
            list(&defined)
        ),
    };
    Err(Error::validation(message))
}

/// LSIs need a table sort key, their own sort key and the table's partition key.
fn check_local_indexes(
    input: &CreateTableInput,
    table_hash: &str,
    table_range: Option<&str>,
) -> Result<()> {
    if input.local_secondary_indexes.is_empty() {
        return Ok(());
    }
    if table_range.is_none() {
        return Err(Error::validation(format!(
            "{INVALID}Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"
        )));
    }
    for index in &input.local_secondary_indexes {
        let [hash, _range] = index.key_schema.as_slice() else {
            return Err(Error::validation(format!(
                "{INVALID}Index KeySchema does not have a range key for index: {}",
                index.index_name
            )));
        };
        if hash.attribute_name != table_hash {
            return Err(Error::validation(format!(
                "{INVALID}Index KeySchema does not have the same leading hash key as table KeySchema for index: {}. index hash key: {}, table hash key: {table_hash}",
                index.index_name, hash.attribute_name
            )));
        }
    }
    Ok(())
}

fn check_index_names(input: &CreateTableInput) -> Result<()> {
    let mut seen = BTreeSet::new();
    let all = input.local_secondary_indexes.iter().chain(&input.global_secondary_indexes);
    for index in all {
        if !seen.insert(index.index_name.as_str()) {
            return Err(Error::validation(format!(
                "{INVALID}Duplicate index name: {}",
                index.index_name
            )));
        }
    }
    Ok(())
}

/// A GSI on a provisioned table needs its own throughput; on an on-demand table it may
/// not have one.
fn check_index_throughput(input: &CreateTableInput) -> Result<()> {
    for index in &input.global_secondary_indexes {
        match (input.billing_mode, index.provisioned_throughput) {
            (BillingMode::PayPerRequest, Some(_)) => {
                return Err(Error::validation(format!(
                    "{INVALID}ProvisionedThroughput should not be specified for index: {} when BillingMode is PAY_PER_REQUEST",
                    index.index_name
                )))
            }
            (BillingMode::Provisioned { .. }, None) => {
                return Err(Error::validation(format!(
                    "{INVALID}ProvisionedThroughput must be specified for index: {}",
                    index.index_name
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use singletable_core::backend::AttributeDefinition;
    use singletable_core::schema::ScalarType;

    fn element(name: &str, key_type: KeyType) -> KeySchemaElement {
        KeySchemaElement { attribute_name: name.to_owned(), key_type }
    }

    fn define(name: &str, ty: ScalarType) -> AttributeDefinition {
        AttributeDefinition { name: name.to_owned(), ty }
    }

    fn index(name: &str, key_schema: Vec<KeySchemaElement>) -> SecondaryIndex {
        SecondaryIndex {
            index_name: name.to_owned(),
            key_schema,
            projection: ProjectionSpec::All,
            provisioned_throughput: None,
        }
    }

    fn base() -> CreateTableInput {
        CreateTableInput {
            table_name: "Orders".to_owned(),
            attribute_definitions: vec![define("pk", ScalarType::S), define("sk", ScalarType::N)],
            key_schema: vec![element("pk", KeyType::Hash), element("sk", KeyType::Range)],
            global_secondary_indexes: Vec::new(),
            local_secondary_indexes: Vec::new(),
            billing_mode: BillingMode::PayPerRequest,
            stream: None,
        }
    }

    fn rejected(input: CreateTableInput) -> String {
        match table_def(input, 0.0) {
            Err(Error::Validation { message, .. }) => message,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_table() {
        let def = table_def(base(), 12.5).expect("valid");
        assert_eq!(def.name, "Orders");
        assert_eq!(def.arn, "arn:aws:dynamodb:ddblocal:000000000000:table/Orders");
        assert_eq!(def.partition_key, KeyAttr { name: "pk".to_owned(), ty: ScalarType::S });
        assert_eq!(def.sort_key, Some(KeyAttr { name: "sk".to_owned(), ty: ScalarType::N }));
        assert_eq!(def.creation_date_time, 12.5);
        assert!(def.indexes.is_empty());
    }

    #[test]
    fn key_schema_shape() {
        let mut input = base();
        input.key_schema = vec![];
        assert_eq!(
            rejected(input),
            "1 validation error detected: Value '[]' at 'keySchema' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
        let mut input = base();
        input.key_schema.push(element("x", KeyType::Range));
        assert!(rejected(input).ends_with("at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2"));
        let mut input = base();
        input.key_schema = vec![element("sk", KeyType::Range), element("pk", KeyType::Hash)];
        assert_eq!(
            rejected(input),
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
        );
        let mut input = base();
        input.key_schema = vec![element("pk", KeyType::Hash), element("sk", KeyType::Hash)];
        assert_eq!(
            rejected(input),
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
        );
        let mut input = base();
        input.key_schema = vec![element("pk", KeyType::Hash), element("pk", KeyType::Range)];
        assert_eq!(
            rejected(input),
            "Invalid KeySchema: Some index key attribute have no definition"
        );
        let mut input = base();
        input.key_schema[0].attribute_name = String::new();
        assert!(rejected(input).contains("at 'keySchema.1.member.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1"));
    }

    #[test]
    fn names_follow_the_naming_rules() {
        let mut input = base();
        input.table_name = "ab".to_owned();
        assert_eq!(
            rejected(input),
            "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"
        );
        let mut input = base();
        input.attribute_definitions.push(define("g", ScalarType::S));
        input.global_secondary_indexes.push(index("g!", vec![element("g", KeyType::Hash)]));
        assert_eq!(
            rejected(input),
            "2 validation errors detected: Value 'g!' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value 'g!' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        );
    }

    #[test]
    fn attribute_definitions_must_match_the_keys_used() {
        let mut input = base();
        input.attribute_definitions.push(define("extra", ScalarType::S));
        assert_eq!(
            rejected(input),
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
        );
        let mut input = base();
        input.attribute_definitions.pop();
        assert_eq!(
            rejected(input),
            "Invalid KeySchema: Some index key attribute have no definition"
        );
        let mut input = base();
        input.attribute_definitions[1] = define("other", ScalarType::N);
        assert_eq!(
            rejected(input),
            "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk, sk], AttributeDefinitions: [other, pk]"
        );

        let mut input = base();
        input.attribute_definitions.push(define("g", ScalarType::S));
        input.attribute_definitions.push(define("created_at", ScalarType::S));
        input.global_secondary_indexes.push(index("gsi1", vec![element("g", KeyType::Hash)]));
        assert_eq!(
            rejected(input),
            "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [created_at, g, pk, sk], keys used: [g, pk, sk]"
        );
        let mut input = base();
        input.global_secondary_indexes.push(index("gsi1", vec![element("g", KeyType::Hash)]));
        assert_eq!(
            rejected(input),
            "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [g], AttributeDefinitions: [pk, sk]"
        );
    }

    #[test]
    fn multi_attribute_gsis() {
        let mut input = base();
        for name in ["h1", "h2", "h3", "h4", "r1", "r2", "r3", "r4"] {
            input.attribute_definitions.push(define(name, ScalarType::S));
        }
        let mut schema: Vec<KeySchemaElement> =
            ["h1", "h2", "h3", "h4"].into_iter().map(|n| element(n, KeyType::Hash)).collect();
        schema.extend(["r1", "r2", "r3", "r4"].into_iter().map(|n| element(n, KeyType::Range)));
        input.global_secondary_indexes.push(index("wide", schema.clone()));
        let def = table_def(input.clone(), 0.0).expect("4 + 4 is allowed");
        assert_eq!(def.indexes[0].partition.len(), 4);
        assert_eq!(def.indexes[0].sort.len(), 4);

        let mut too_many = input.clone();
        too_many.global_secondary_indexes[0].key_schema.truncate(4);
        too_many.global_secondary_indexes[0].key_schema.insert(0, element("pk", KeyType::Hash));
        assert_eq!(
            rejected(too_many),
            "Invalid KeySchema: A global secondary index key schema can have at most 4 HASH key attributes"
        );
        let mut nine = input.clone();
        nine.global_secondary_indexes[0].key_schema.insert(0, element("pk", KeyType::Hash));
        assert!(rejected(nine).ends_with("Member must have length less than or equal to 8"));

        let mut misordered = input.clone();
        misordered.global_secondary_indexes[0].key_schema.swap(3, 4);
        assert_eq!(
            rejected(misordered),
            "Invalid KeySchema: HASH key attributes must be listed before RANGE key attributes"
        );

        let mut range_first = input.clone();
        range_first.global_secondary_indexes[0].key_schema = vec![element("r1", KeyType::Range)];
        range_first
            .attribute_definitions
            .retain(|d| d.name == "pk" || d.name == "sk" || d.name == "r1");
        assert_eq!(
            rejected(range_first),
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
        );

        let mut repeated = input.clone();
        repeated.global_secondary_indexes[0].key_schema =
            vec![element("h1", KeyType::Hash), element("h1", KeyType::Range)];
        repeated
            .attribute_definitions
            .retain(|d| d.name == "pk" || d.name == "sk" || d.name == "h1");
        assert_eq!(
            rejected(repeated),
            "Both the Hash Key and the Range Key element in the KeySchema have the same name"
        );

        let mut empty = input;
        empty.global_secondary_indexes[0].key_schema = vec![];
        assert!(rejected(empty).contains("at 'globalSecondaryIndexes.1.member.keySchema' failed to satisfy constraint: Member must have length greater than or equal to 1"));
    }

    #[test]
    fn gsi_limits_and_duplicates() {
        let mut input = base();
        input.attribute_definitions.push(define("g", ScalarType::S));
        for i in 0..MAX_GSIS {
            input
                .global_secondary_indexes
                .push(index(&format!("gsi{i:02}"), vec![element("g", KeyType::Hash)]));
        }
        assert_eq!(table_def(input.clone(), 0.0).map(|def| def.indexes.len()).ok(), Some(MAX_GSIS));
        input.global_secondary_indexes.push(index("gsi20", vec![element("g", KeyType::Hash)]));
        assert_eq!(
            rejected(input.clone()),
            "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20"
        );
        input.global_secondary_indexes.truncate(2);
        input.global_secondary_indexes[1].index_name = "gsi00".to_owned();
        assert_eq!(
            rejected(input),
            "One or more parameter values were invalid: Duplicate index name: gsi00"
        );
    }

    #[test]
    fn local_indexes() {
        let mut input = base();
        input.attribute_definitions.push(define("l", ScalarType::S));
        input
            .local_secondary_indexes
            .push(index("lsi1", vec![element("pk", KeyType::Hash), element("l", KeyType::Range)]));
        let def = table_def(input.clone(), 0.0).expect("valid");
        assert_eq!(def.indexes[0].kind, IndexKind::Local);
        assert_eq!(def.indexes[0].partition[0].name, "pk");
        assert_eq!(def.indexes[0].sort[0].name, "l");

        let mut no_table_range = input.clone();
        no_table_range.key_schema.pop();
        no_table_range.attribute_definitions.retain(|d| d.name != "sk");
        assert_eq!(
            rejected(no_table_range),
            "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"
        );

        let mut no_range = input.clone();
        no_range.local_secondary_indexes[0].key_schema.pop();
        no_range.attribute_definitions.retain(|d| d.name != "l");
        assert_eq!(
            rejected(no_range),
            "One or more parameter values were invalid: Index KeySchema does not have a range key for index: lsi1"
        );

        let mut other_hash = input.clone();
        other_hash.attribute_definitions.push(define("x", ScalarType::S));
        other_hash.local_secondary_indexes[0].key_schema[0].attribute_name = "x".to_owned();
        assert_eq!(
            rejected(other_hash),
            "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: lsi1. index hash key: x, table hash key: pk"
        );

        let mut six = input.clone();
        for i in 2..=6 {
            six.local_secondary_indexes.push(index(
                &format!("lsi{i}"),
                vec![element("pk", KeyType::Hash), element("l", KeyType::Range)],
            ));
        }
        assert_eq!(
            rejected(six),
            "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5"
        );

        let mut clash = input;
        clash.global_secondary_indexes.push(index("lsi1", vec![element("l", KeyType::Hash)]));
        assert_eq!(
            rejected(clash),
            "One or more parameter values were invalid: Duplicate index name: lsi1"
        );
    }

    #[test]
    fn throughput_follows_the_billing_mode() {
        let mut input = base();
        input.billing_mode = BillingMode::Provisioned { read: 0, write: 0 };
        assert_eq!(
            rejected(input),
            "2 validation errors detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '0' at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );

        let mut input = base();
        input.attribute_definitions.push(define("g", ScalarType::S));
        input.global_secondary_indexes.push(index("gsi1", vec![element("g", KeyType::Hash)]));
        input.billing_mode = BillingMode::Provisioned { read: 5, write: 5 };
        assert_eq!(
            rejected(input.clone()),
            "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: gsi1"
        );
        input.global_secondary_indexes[0].provisioned_throughput = Some((1, 1));
        assert!(table_def(input.clone(), 0.0).is_ok());
        input.billing_mode = BillingMode::PayPerRequest;
        assert_eq!(
            rejected(input),
            "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: gsi1 when BillingMode is PAY_PER_REQUEST"
        );
    }

    #[test]
    fn projections_resolve_to_attribute_lists() {
        let mut input = base();
        input.attribute_definitions.push(define("g", ScalarType::S));
        let mut keys_only = index("keys", vec![element("g", KeyType::Hash)]);
        keys_only.projection = ProjectionSpec::KeysOnly;
        let mut include = index("incl", vec![element("g", KeyType::Hash)]);
        include.projection = ProjectionSpec::Include(vec!["extra".to_owned()]);
        input.global_secondary_indexes = vec![keys_only, include];
        let def = table_def(input.clone(), 0.0).expect("valid");
        assert_eq!(
            def.indexes[0].projected,
            Some(vec!["pk".to_owned(), "sk".to_owned(), "g".to_owned()])
        );
        assert_eq!(def.indexes[1].projected.as_ref().map(Vec::len), Some(4));

        input.global_secondary_indexes[1].projection = ProjectionSpec::Include(vec![]);
        assert!(rejected(input)
            .contains("at 'globalSecondaryIndexes.2.member.projection.nonKeyAttributes'"));
    }
}

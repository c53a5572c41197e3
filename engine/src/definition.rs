//! A table's resolved schema: what `CreateTable` accepted, in the shape the engine works
//! with (owned key attributes with their types, indexes with their key lists and the
//! attribute names they project).

use std::sync::Arc;

#[cfg(test)]
use super::key_value::PrimaryKey;
use super::key_value::{KeyTuple, KeyValue};
use singletable_core::backend::{
    AttributeDefinition, KeySchemaElement, ProjectionSpec, RestoreSummary, SecondaryIndex,
};
use singletable_core::schema::{BillingMode, IndexKind, ScalarType, StreamViewType};
use singletable_core::value::Item;

/// A key attribute: its name and scalar type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyAttr {
    /// The attribute name.
    pub name: String,
    /// Its type, from `AttributeDefinitions`.
    pub ty: ScalarType,
}

/// A secondary index.
#[derive(Debug, Clone)]
pub(crate) struct IndexDef {
    /// The index name.
    pub name: String,
    /// Global or local.
    pub kind: IndexKind,
    /// Partition key attributes (an LSI's is the table's partition key).
    pub partition: Vec<KeyAttr>,
    /// Sort key attributes (an LSI has exactly one; a GSI zero to four).
    pub sort: Vec<KeyAttr>,
    /// The top-level attributes an entry carries; `None` for `ALL`.
    pub projected: Option<Vec<String>>,
}

impl IndexDef {
    /// The index key of `item`: its partition and sort tuples, or `None` when the item
    /// lacks one of the key attributes (or holds another type there) and so is not in
    /// the index.
    pub fn key_of(&self, item: &Item) -> Option<(KeyTuple, KeyTuple)> {
        Some((tuple_of(&self.partition, item)?, tuple_of(&self.sort, item)?))
    }

    /// The entry this index holds for `item`: the item itself for `ALL`, otherwise a copy
    /// of the projected attributes.
    pub fn project(&self, item: &Arc<Item>) -> Arc<Item> {
        match &self.projected {
            None => Arc::clone(item),
            Some(names) => Arc::new(
                names
                    .iter()
                    .filter_map(|name| item.get(name).map(|value| (name.clone(), value.clone())))
                    .collect(),
            ),
        }
    }

    /// True for a global secondary index.
    pub fn is_global(&self) -> bool {
        self.kind == IndexKind::Global
    }
}

fn tuple_of(attributes: &[KeyAttr], item: &Item) -> Option<KeyTuple> {
    attributes
        .iter()
        .map(|attribute| KeyValue::from_attribute(item.get(&attribute.name)?, attribute.ty))
        .collect()
}

/// A table's schema.
#[derive(Debug, Clone)]
pub(crate) struct TableDef {
    /// `TableName`.
    pub name: String,
    /// `TableArn`.
    pub arn: String,
    /// The partition key attribute.
    pub partition_key: KeyAttr,
    /// The sort key attribute, if any.
    pub sort_key: Option<KeyAttr>,
    /// Secondary indexes: the GSIs in request order, then the LSIs.
    pub indexes: Vec<IndexDef>,
    /// `AttributeDefinitions` as given.
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// `KeySchema` as given.
    pub key_schema: Vec<KeySchemaElement>,
    /// `GlobalSecondaryIndexes` as given.
    pub global_secondary_indexes: Vec<SecondaryIndex>,
    /// `LocalSecondaryIndexes` as given.
    pub local_secondary_indexes: Vec<SecondaryIndex>,
    /// Billing.
    pub billing_mode: BillingMode,
    /// The stream, if enabled.
    pub stream: Option<StreamViewType>,
    /// `CreationDateTime`, Unix epoch seconds.
    pub creation_date_time: f64,
    /// When the table's current stream was enabled, Unix epoch seconds (its
    /// `StreamLabel`): the creation time for a table created with a stream, the time of
    /// the `UpdateTable` that enabled it otherwise. Meaningless without a stream.
    pub stream_date_time: f64,
    /// Where the table was restored from (`DescribeTable`'s `RestoreSummary`), for a
    /// restored table.
    pub restore_summary: Option<RestoreSummary>,
}

impl TableDef {
    /// The primary key of an item (or key) whose key attributes have been validated;
    /// `None` when they are absent or of another type.
    #[cfg(test)]
    pub fn primary_key_of(&self, item: &Item) -> Option<PrimaryKey> {
        let partition =
            KeyValue::from_attribute(item.get(&self.partition_key.name)?, self.partition_key.ty)?;
        let sort = match &self.sort_key {
            None => None,
            Some(sort) => Some(KeyValue::from_attribute(item.get(&sort.name)?, sort.ty)?),
        };
        Some(PrimaryKey { partition, sort })
    }

    /// The table's key attributes: partition key, then sort key.
    pub fn key_attributes(&self) -> impl Iterator<Item = &KeyAttr> {
        std::iter::once(&self.partition_key).chain(self.sort_key.as_ref())
    }

    /// The index named `name` and its position in [`TableDef::indexes`].
    pub fn index(&self, name: &str) -> Option<(usize, &IndexDef)> {
        self.indexes.iter().enumerate().find(|(_, index)| index.name == name)
    }
}

/// The attributes a `KEYS_ONLY` or `INCLUDE` entry of an index carries: the table's key
/// attributes, the index's, then the included ones, without repeats; `None` for `ALL`.
pub(crate) fn projected_names(
    table_keys: &[KeyAttr],
    index_keys: &[KeyAttr],
    projection: &ProjectionSpec,
) -> Option<Vec<String>> {
    let include: &[String] = match projection {
        ProjectionSpec::All => return None,
        ProjectionSpec::KeysOnly => &[],
        ProjectionSpec::Include(names) => names,
    };
    let mut names: Vec<String> = Vec::new();
    let keys = table_keys.iter().chain(index_keys).map(|attribute| &attribute.name);
    for name in keys.chain(include) {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use singletable_core::value::AttributeValue;

    fn attr(name: &str, ty: ScalarType) -> KeyAttr {
        KeyAttr { name: name.to_owned(), ty }
    }

    fn table() -> TableDef {
        TableDef {
            name: "t".to_owned(),
            arn: String::new(),
            partition_key: attr("pk", ScalarType::S),
            sort_key: Some(attr("sk", ScalarType::N)),
            indexes: Vec::new(),
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

    fn item(pairs: &[(&str, AttributeValue)]) -> Item {
        pairs.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect()
    }

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(singletable_core::number::Number::parse(text).expect("a valid number"))
    }

    #[test]
    fn primary_key_needs_every_key_attribute_with_its_type() {
        let def = table();
        assert!(def.primary_key_of(&item(&[("pk", s("a")), ("sk", n("1"))])).is_some());
        assert!(def.primary_key_of(&item(&[("pk", s("a"))])).is_none());
        assert!(def.primary_key_of(&item(&[("pk", s("a")), ("sk", s("1"))])).is_none());
    }

    #[test]
    fn index_membership_is_sparse_on_any_missing_part() {
        let index = IndexDef {
            name: "g".to_owned(),
            kind: IndexKind::Global,
            partition: vec![attr("a", ScalarType::S), attr("b", ScalarType::N)],
            sort: vec![attr("c", ScalarType::S)],
            projected: None,
        };
        let full = item(&[("a", s("x")), ("b", n("2")), ("c", s("y"))]);
        let (partition, sort) = index.key_of(&full).expect("in the index");
        assert_eq!(partition.len(), 2);
        assert_eq!(sort.len(), 1);
        assert!(index.key_of(&item(&[("a", s("x")), ("c", s("y"))])).is_none());
        assert!(index.key_of(&item(&[("a", s("x")), ("b", n("2"))])).is_none());
    }

    #[test]
    fn projections_copy_keys_and_included_attributes() {
        let table_keys = [attr("pk", ScalarType::S), attr("sk", ScalarType::N)];
        let keys = [attr("g", ScalarType::S)];
        assert_eq!(projected_names(&table_keys, &keys, &ProjectionSpec::All), None);
        assert_eq!(
            projected_names(&table_keys, &keys, &ProjectionSpec::KeysOnly),
            Some(vec!["pk".to_owned(), "sk".to_owned(), "g".to_owned()])
        );
        let include = ProjectionSpec::Include(vec!["x".to_owned(), "pk".to_owned()]);
        let names = projected_names(&table_keys, &keys, &include).expect("a list");
        assert_eq!(names, vec!["pk", "sk", "g", "x"]);

        let index = IndexDef {
            name: "g".to_owned(),
            kind: IndexKind::Global,
            partition: keys.to_vec(),
            sort: Vec::new(),
            projected: Some(names),
        };
        let stored =
            Arc::new(item(&[("pk", s("a")), ("sk", n("1")), ("g", s("G")), ("y", s("no"))]));
        let entry = index.project(&stored);
        assert_eq!(entry.len(), 3);
        assert!(!entry.contains_key("y"));
    }
}

//! Partition labels: a partition key value as text, `UserID=u1` (`name=value` pairs
//! joined by `, ` for a multi-attribute GSI key), the form the capacity model keys its
//! windows by and metrics show.

use base64::Engine as _;

use super::super::definition::TableDef;
use singletable_core::value::{AttributeValue, Item};

/// The label of the partition key value `parts` (attribute name and value, in key
/// order): strings as they are, numbers in DynamoDB's text, binary as base64.
pub fn partition_label<'a>(
    parts: impl IntoIterator<Item = (&'a str, &'a AttributeValue)>,
) -> String {
    let mut label = String::new();
    for (name, value) in parts {
        if !label.is_empty() {
            label.push_str(", ");
        }
        label.push_str(name);
        label.push('=');
        match value {
            AttributeValue::S(text) => label.push_str(text),
            AttributeValue::N(number) => label.push_str(number.as_str()),
            AttributeValue::B(bytes) => {
                label.push_str(&base64::engine::general_purpose::STANDARD.encode(bytes));
            }
            other => label.push_str(&format!("{other:?}")),
        }
    }
    label
}

/// The label of the table partition `item` (an item or a key) belongs to; `None` when it
/// lacks the partition key (the request then fails its validation).
pub(crate) fn table_partition(def: &TableDef, item: &Item) -> Option<String> {
    let name = def.partition_key.name.as_str();
    item.get(name).map(|value| partition_label([(name, value)]))
}

//! `CreateTable`, `DeleteTable`, `DescribeTable`, `ListTables` and `UpdateTable`: table
//! descriptions in DynamoDB's JSON.

use serde_json::{json, Map, Value};
use singletable_core::backend::{ListTablesOutput, TableDescription};
use singletable_core::json::table_description_to_json;

/// The response of `CreateTable`, `DeleteTable` and `UpdateTable`.
pub fn table_description(description: &TableDescription, extras: &DescriptionExtras) -> Value {
    json!({"TableDescription": description_json(description, extras)})
}

/// The response of `DescribeTable`.
pub fn describe_table(description: &TableDescription, extras: &DescriptionExtras) -> Value {
    json!({"Table": description_json(description, extras)})
}

/// The response of `ListTables`.
pub fn list_tables(listed: ListTablesOutput) -> Value {
    let mut object = Map::new();
    object.insert("TableNames".to_owned(), json!(listed.table_names));
    if let Some(last) = listed.last_evaluated_table_name {
        object.insert("LastEvaluatedTableName".to_owned(), json!(last));
    }
    Value::Object(object)
}

/// Extra facts of a table description that the engine's description does not carry.
#[derive(Debug, Clone, Default)]
pub struct DescriptionExtras {
    /// `LatestStreamLabel`, when the table has a stream.
    pub stream_label: Option<String>,
}

/// `TableDescription` as DynamoDB writes it, with the extras serve knows (see
/// [`table_description_to_json`]).
pub fn description_json(description: &TableDescription, extras: &DescriptionExtras) -> Value {
    table_description_to_json(description, extras.stream_label.as_deref())
}

//! What both restores share (`RestoreTableFromBackup`, `RestoreTableToPointInTime`):
//! a new table from a source definition with the request's overrides, filled with the
//! source's items.
//!
//! As DynamoDB restores: the new table has the source's key schema, attribute
//! definitions, indexes and billing (each replaceable by an override), and none of its
//! stream, TTL setting, tags or point-in-time recovery (DynamoDB's developer guide,
//! "Restoring a DynamoDB table from a backup": those "must be manually set up on the
//! restored table").

use std::collections::BTreeSet;
use std::sync::Arc;

use super::backups::service;
use super::create_table::table_def;
use super::definition::TableDef;
use super::table::Table;
use super::validate::{check_name, item_primary_key};
use super::Catalog;
use singletable_core::backend::{
    CreateTableInput, RestoreOverrides, RestoreSummary, SecondaryIndex, TableDescription,
    TableStatus,
};
use singletable_core::error::{Error, Result};
use singletable_core::schema::BillingMode;
use singletable_core::size::item_size;
use singletable_core::value::Item;

/// The source of a restore: a definition and the items to restore.
#[derive(Debug)]
pub(crate) struct Source {
    /// The source table's definition (as backed up, or as it is now).
    pub definition: CreateTableInput,
    /// The items, in any order.
    pub items: Vec<Arc<Item>>,
}

/// `def` as `CreateTable` takes it.
pub(crate) fn create_input(def: &TableDef) -> CreateTableInput {
    CreateTableInput {
        table_name: def.name.clone(),
        attribute_definitions: def.attribute_definitions.clone(),
        key_schema: def.key_schema.clone(),
        global_secondary_indexes: def.global_secondary_indexes.clone(),
        local_secondary_indexes: def.local_secondary_indexes.clone(),
        billing_mode: def.billing_mode,
        stream: def.stream,
    }
}

/// The restored table's definition: `source` named `target`, with `overrides` applied,
/// without a stream, keeping only the attribute definitions its keys use.
fn target_definition(
    mut input: CreateTableInput,
    target: &str,
    overrides: &RestoreOverrides,
) -> CreateTableInput {
    input.table_name = target.to_owned();
    input.stream = None;
    if let Some(billing_mode) = overrides.billing_mode {
        input.billing_mode = billing_mode;
    }
    if let Some(indexes) = &overrides.global_secondary_indexes {
        input.global_secondary_indexes = indexes.clone();
    }
    if let Some(indexes) = &overrides.local_secondary_indexes {
        input.local_secondary_indexes = indexes.clone();
    }
    // GSI throughput follows the table's billing: provisioned GSIs without their own
    // figures take the table's, on-demand GSIs have none.
    let throughput = match input.billing_mode {
        BillingMode::Provisioned { read, write } => Some((read, write)),
        BillingMode::PayPerRequest => None,
    };
    for index in &mut input.global_secondary_indexes {
        index.provisioned_throughput = match throughput {
            None => None,
            Some(table) => index.provisioned_throughput.or(Some(table)),
        };
    }
    let used: BTreeSet<&str> = input
        .key_schema
        .iter()
        .chain(
            input
                .global_secondary_indexes
                .iter()
                .chain(&input.local_secondary_indexes)
                .flat_map(|index: &SecondaryIndex| index.key_schema.iter()),
        )
        .map(|element| element.attribute_name.as_str())
        .collect();
    let definitions = std::mem::take(&mut input.attribute_definitions);
    input.attribute_definitions =
        definitions.into_iter().filter(|d| used.contains(d.name.as_str())).collect();
    input
}

/// Creates the table `target` from `source` with `overrides`; its description.
///
/// Fails with `ValidationException` for an invalid target name or a definition
/// `CreateTable` would refuse (an override naming an attribute the source does not
/// define), and `TableAlreadyExistsException` when `target` exists.
pub(crate) fn restore_table(
    catalog: &Catalog,
    target: &str,
    source: Source,
    overrides: &RestoreOverrides,
    summary: RestoreSummary,
) -> Result<TableDescription> {
    check_name(target)?;
    let exists =
        || service("TableAlreadyExistsException", format!("Table already exists: {target}"));
    if catalog.table(target).is_ok() {
        return Err(exists());
    }
    let input = target_definition(source.definition, target, overrides);
    let now = catalog.feeds().now_ms() as f64 / 1000.0;
    let mut def = table_def(input, now)?;
    def.arn = catalog.feeds().table_arn(&def.name);
    def.restore_summary = Some(summary);
    let def = Arc::new(def);
    let mut table = Table::new(Arc::clone(&def));
    table.set_feed(None);
    for item in source.items {
        let key = item_primary_key(&def, &item).map_err(|error| {
            Error::validation(format!("Cannot restore an item into table {target}: {error}"))
        })?;
        let size = item_size(&item);
        table.put(key, item, size);
    }
    table.set_feed(Some(catalog.feeds()));
    catalog.restore_table(table, None, Default::default()).map_err(|error| match error {
        Error::ResourceInUse { .. } => exists(),
        other => other,
    })?;
    catalog.describe_table(target).map(|mut description| {
        description.table_status = TableStatus::Active;
        description
    })
}

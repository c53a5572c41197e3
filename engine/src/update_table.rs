//! `UpdateTable`: [`MemoryBackend::update_table`](super::MemoryBackend::update_table).
//!
//! One call creates or deletes one global secondary index, changes GSIs' provisioned
//! throughput, changes the billing mode, or enables or disables the stream (several of
//! these at once). The new definition is the old one with the changes applied, checked
//! by `CreateTable`'s own rules (`create_table`), so an update can never make a table
//! `CreateTable` would refuse.
//!
//! The change happens under the table's write lock (see `catalog` for how requests
//! racing it see either the old or the new definition): a new GSI is filled from the
//! table's items before the call returns, a deleted one is dropped with its entries,
//! the other indexes keep theirs. As in DynamoDB's backfill, an item whose attribute
//! has another type than the new index key's is left out of the index (DynamoDB calls
//! it an index key violation); writes after the update are checked against the new key.
//!
//! Differences from DynamoDB: the table and its indexes are `ACTIVE` when the call
//! returns (DynamoDB answers `UPDATING` and backfills in the background, and allows
//! one index creation at a time per table); a disabled stream's records are no longer
//! readable (DynamoDB keeps them readable for 24 hours).

use std::sync::Arc;

use super::catalog::{now, Catalog};
use super::create_table::table_def;
use super::validate::check_name;
use singletable_core::backend::{
    AttributeDefinition, CreateTableInput, GlobalSecondaryIndexUpdate, StreamSpecification,
    TableDescription, TableStatus, UpdateTableInput,
};
use singletable_core::error::{Error, Result};
use singletable_core::schema::{BillingMode, StreamViewType};

const INVALID: &str = "One or more parameter values were invalid: ";

/// `UpdateTable`.
pub(crate) fn update_table(catalog: &Catalog, input: UpdateTableInput) -> Result<TableDescription> {
    check_name(&input.table_name)?;
    if input.billing_mode.is_none()
        && input.global_secondary_index_updates.is_empty()
        && input.stream_specification.is_none()
    {
        return Err(Error::validation(
            // DynamoDB's current list (ack-api-quirks, DDB-TABLE "At least one of ... is
            // required", verified 2026); DynamoDB Local and older texts stop at ReplicaUpdates.
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required",
        ));
    }
    let creates_or_deletes = input
        .global_secondary_index_updates
        .iter()
        .filter(|update| !matches!(update, GlobalSecondaryIndexUpdate::Update { .. }))
        .count();
    if creates_or_deletes > 1 {
        return Err(Error::Service {
            code: "LimitExceededException".to_owned(),
            message: "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table".to_owned(),
            source: None,
        });
    }
    let stream = input.stream_specification.map(check_stream).transpose()?;

    let handle = catalog.named_table(&input.table_name)?;
    {
        let mut table = handle.write();
        let old = Arc::clone(table.def_arc());
        let mut definition = CreateTableInput {
            table_name: old.name.clone(),
            attribute_definitions: old.attribute_definitions.clone(),
            key_schema: old.key_schema.clone(),
            global_secondary_indexes: old.global_secondary_indexes.clone(),
            local_secondary_indexes: old.local_secondary_indexes.clone(),
            billing_mode: input.billing_mode.unwrap_or(old.billing_mode),
            stream: old.stream,
        };
        merge_definitions(&mut definition, input.attribute_definitions)?;
        apply_index_updates(&mut definition, input.global_secondary_index_updates)?;
        inherit_throughput(&mut definition);
        prune_definitions(&mut definition);
        let enabled = match stream {
            None => false,
            Some(view_type) => {
                definition.stream = change_stream(&old.name, old.stream, view_type)?;
                definition.stream.is_some()
            }
        };
        let mut def = table_def(definition, old.creation_date_time)?;
        def.arn.clone_from(&old.arn);
        def.restore_summary.clone_from(&old.restore_summary);
        def.stream_date_time = if enabled { now() } else { old.stream_date_time };
        table.redefine(Arc::new(def), catalog.feeds());
        handle.publish(&table);
    }
    Ok(handle.describe(TableStatus::Active))
}

/// The stream a `StreamSpecification` asks for: `Some` view type to enable, `None` to
/// disable.
fn check_stream(specification: StreamSpecification) -> Result<Option<StreamViewType>> {
    match (specification.stream_enabled, specification.stream_view_type) {
        (true, Some(view_type)) => Ok(Some(view_type)),
        (true, None) => Err(Error::validation(format!(
            "{INVALID}StreamViewType must be specified when StreamEnabled is true"
        ))),
        (false, None) => Ok(None),
        (false, Some(_)) => Err(Error::validation(format!(
            "{INVALID}If stream is being disabled, then UpdateViewType must not be specified"
        ))),
    }
}

/// The table's stream after enabling (`Some`) or disabling (`None`) it: DynamoDB enables
/// a stream only on a table without one (to change the view type, disable first), and
/// disables only an enabled one.
fn change_stream(
    table: &str,
    current: Option<StreamViewType>,
    wanted: Option<StreamViewType>,
) -> Result<Option<StreamViewType>> {
    match (current, wanted) {
        (Some(_), Some(_)) => Err(Error::validation(format!(
            "Table already has an enabled stream: TableName: {table}"
        ))),
        (None, None) => {
            Err(Error::validation(format!("Table has no stream to disable: TableName: {table}")))
        }
        (_, wanted) => Ok(wanted),
    }
}

/// Adds the request's `AttributeDefinitions` to the table's: a name defined with another
/// type is refused.
fn merge_definitions(
    definition: &mut CreateTableInput,
    definitions: Vec<AttributeDefinition>,
) -> Result<()> {
    for new in definitions {
        match definition.attribute_definitions.iter().find(|d| d.name == new.name) {
            Some(existing) if existing.ty != new.ty => {
                return Err(Error::validation(format!(
                    "{INVALID}Attribute {} is already defined with type {}",
                    new.name,
                    existing.ty.as_str()
                )))
            }
            Some(_) => {}
            None => definition.attribute_definitions.push(new),
        }
    }
    Ok(())
}

fn index_not_found(index_name: &str) -> Error {
    Error::resource_not_found(format!(
        "Requested resource not found: Index: {index_name} not found"
    ))
}

/// Applies `GlobalSecondaryIndexUpdates` in order. Only global indexes can be updated or
/// deleted; a created index may not take the name of any index (local ones included).
fn apply_index_updates(
    definition: &mut CreateTableInput,
    updates: Vec<GlobalSecondaryIndexUpdate>,
) -> Result<()> {
    for update in updates {
        match update {
            GlobalSecondaryIndexUpdate::Create(index) => {
                if definition
                    .global_secondary_indexes
                    .iter()
                    .chain(&definition.local_secondary_indexes)
                    .any(|existing| existing.index_name == index.index_name)
                {
                    return Err(Error::validation(format!(
                        "{INVALID}Index name {} already exists",
                        index.index_name
                    )));
                }
                definition.global_secondary_indexes.push(index);
            }
            GlobalSecondaryIndexUpdate::Delete { index_name } => {
                let before = definition.global_secondary_indexes.len();
                definition.global_secondary_indexes.retain(|i| i.index_name != index_name);
                if definition.global_secondary_indexes.len() == before {
                    return Err(index_not_found(&index_name));
                }
            }
            GlobalSecondaryIndexUpdate::Update { index_name, provisioned_throughput } => {
                let index = definition
                    .global_secondary_indexes
                    .iter_mut()
                    .find(|i| i.index_name == index_name)
                    .ok_or_else(|| index_not_found(&index_name))?;
                index.provisioned_throughput = provisioned_throughput;
            }
        }
    }
    Ok(())
}

/// GSIs follow the table's billing mode: no throughput on demand; the table's when
/// provisioned and none was given.
fn inherit_throughput(definition: &mut CreateTableInput) {
    match definition.billing_mode {
        BillingMode::PayPerRequest => {
            for index in &mut definition.global_secondary_indexes {
                index.provisioned_throughput = None;
            }
        }
        BillingMode::Provisioned { read, write } => {
            for index in &mut definition.global_secondary_indexes {
                index.provisioned_throughput.get_or_insert((read, write));
            }
        }
    }
}

/// Keeps only the attribute definitions some key still uses (`CreateTable`'s rule: a
/// deleted index's key attributes go with it).
fn prune_definitions(definition: &mut CreateTableInput) {
    let used = |name: &str| {
        definition.key_schema.iter().any(|e| e.attribute_name == name)
            || definition
                .global_secondary_indexes
                .iter()
                .chain(&definition.local_secondary_indexes)
                .any(|i| i.key_schema.iter().any(|e| e.attribute_name == name))
    };
    let kept: Vec<AttributeDefinition> =
        definition.attribute_definitions.iter().filter(|d| used(&d.name)).cloned().collect();
    definition.attribute_definitions = kept;
}

//! `CreateTable`, `DeleteTable`, `DescribeTable`, `ListTables` and `UpdateTable`.
//!
//! # `UpdateTable`
//!
//! `UpdateTable` creates or deletes one global secondary index (the new index is filled
//! from the table's items before the call returns), changes a GSI's provisioned
//! throughput, changes the billing mode.
//!
//! The engine's table schemas are fixed at `CreateTable`, so `UpdateTable` rebuilds the
//! table through the engine's own operations while every other request waits (the
//! engine's request gate, held exclusively): the new definition and every item are first
//! tried on a probe table (so an invalid definition, or an item whose attribute has the
//! wrong type for a new index key, refuses the call and changes nothing), then the table
//! is dropped, created with the new definition and refilled, and its TTL setting
//! restored. Tags stay (they are kept by table ARN, which does not change).
//!
//! Differences from DynamoDB: the table and its indexes are `ACTIVE` when the call
//! returns (DynamoDB answers `UPDATING` and backfills in the background);
//! `CreationDateTime` becomes the time of the update; a table with a stream cannot be
//! updated (its stream would restart), and `StreamSpecification` cannot be changed;
//! DynamoDB skips items whose attribute has the wrong type for a new index key, where
//! the engine (which cannot hold such an item beside the index) refuses the update.

use serde_json::Value;
use singletable_core::backend::{
    AttributeDefinition, Backend, CreateTableInput, KeyType, PutItemInput, ScanInput,
    TableDescription, TimeToLiveSpecification, TimeToLiveStatus,
};
use singletable_core::schema::BillingMode;
use singletable_core::Item;
use singletable_engine::MemoryBackend;

use crate::api_error::ApiError;
use crate::decode::tables::{IndexUpdate, TableUpdate};
use crate::decode::{self, Request};
use crate::encode::tables::{self as encode, DescriptionExtras};
use crate::service::Engine;

/// The name of the probe table (invisible: nothing else runs during an update).
const PROBE: &str = "__singletable_update_table_probe";

/// What a table description in DynamoDB's JSON says beyond the engine's description:
/// the stream label when there is a stream.
pub(crate) fn extras(engine: &Engine, description: &TableDescription) -> DescriptionExtras {
    DescriptionExtras { stream_label: super::streams::label(engine, description) }
}

/// `CreateTable`.
pub(crate) async fn create_table(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::tables::create_table(request)?;
    let description = engine.backend().create_table(input).await?;
    Ok(encode::table_description(&description, &extras(engine, &description)))
}

/// `DeleteTable` (the table's tags go with it).
pub(crate) async fn delete_table(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let name = decode::tables::table_name(request)?;
    let description = engine.backend().delete_table(name).await?;
    super::tags::forget(engine, &description.table_arn);
    Ok(encode::table_description(&description, &extras(engine, &description)))
}

/// `DescribeTable`.
pub(crate) async fn describe_table(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let name = decode::tables::table_name(request)?;
    let description = engine.backend().describe_table(name).await?;
    Ok(encode::describe_table(&description, &extras(engine, &description)))
}

/// `ListTables`.
pub(crate) async fn list_tables(engine: &Engine, request: &Request<'_>) -> Result<Value, ApiError> {
    let input = decode::tables::list_tables(request)?;
    let listed = engine.backend().list_tables(input).await?;
    Ok(encode::list_tables(listed))
}

/// `UpdateTable` (the caller holds the engine's gate exclusively).
pub(crate) async fn update_table(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let backend = engine.backend();
    let update = decode::tables::update_table(request)?;
    let name = update.table_name.clone();
    let old = backend.describe_table(name.clone()).await?;
    if old.stream.is_some() {
        return Err(ApiError::validation(
            "singletable serve cannot update a table that has a stream (its stream would restart)",
        ));
    }
    let input = new_definition(&old, update)?;

    // Try the definition and every item on a probe table first: nothing changes on failure.
    let items = all_items(backend, &name).await?;
    let _ = backend.delete_table(PROBE.to_owned()).await;
    backend
        .create_table(CreateTableInput { table_name: PROBE.to_owned(), ..input.clone() })
        .await?;
    let tried = fill(backend, PROBE, &items).await;
    let _ = backend.delete_table(PROBE.to_owned()).await;
    tried?;

    let ttl = backend.describe_time_to_live(name.clone()).await?;
    backend.delete_table(name.clone()).await?;
    backend.create_table(input).await?;
    fill(backend, &name, &items).await?;
    if let (TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling, Some(attribute_name)) =
        (ttl.status, ttl.attribute_name)
    {
        backend
            .update_time_to_live(
                name.clone(),
                TimeToLiveSpecification { attribute_name, enabled: true },
            )
            .await?;
    }
    let description = backend.describe_table(name).await?;
    Ok(encode::table_description(&description, &extras(engine, &description)))
}

/// The table's definition after `update`.
fn new_definition(
    old: &TableDescription,
    update: TableUpdate,
) -> Result<CreateTableInput, ApiError> {
    let TableUpdate {
        attribute_definitions: definitions,
        billing_mode: billing,
        index_updates: updates,
        ..
    } = update;
    let mut input = CreateTableInput {
        table_name: old.table_name.clone(),
        attribute_definitions: old.attribute_definitions.clone(),
        key_schema: old.key_schema.clone(),
        global_secondary_indexes: old.global_secondary_indexes.clone(),
        local_secondary_indexes: old.local_secondary_indexes.clone(),
        billing_mode: billing.unwrap_or(old.billing_mode),
        stream: old.stream,
    };
    for definition in definitions {
        match input.attribute_definitions.iter().find(|d| d.name == definition.name) {
            Some(existing) if existing.ty != definition.ty => {
                return Err(ApiError::validation(format!(
                    "One or more parameter values were invalid: Attribute {} is already defined with type {}",
                    definition.name,
                    existing.ty.as_str()
                )))
            }
            Some(_) => {}
            None => input.attribute_definitions.push(definition),
        }
    }
    for update in updates {
        match update {
            IndexUpdate::Create(index) => {
                if input
                    .global_secondary_indexes
                    .iter()
                    .chain(&input.local_secondary_indexes)
                    .any(|i| i.index_name == index.index_name)
                {
                    return Err(ApiError::validation(format!(
                        "One or more parameter values were invalid: Index name {} already exists",
                        index.index_name
                    )));
                }
                input.global_secondary_indexes.push(index);
            }
            IndexUpdate::Delete(index_name) => {
                let before = input.global_secondary_indexes.len();
                input.global_secondary_indexes.retain(|i| i.index_name != index_name);
                if input.global_secondary_indexes.len() == before {
                    return Err(ApiError::not_found(format!(
                        "Requested resource not found: Index: {index_name} not found"
                    )));
                }
            }
            IndexUpdate::Update(index_name, throughput) => {
                let Some(index) =
                    input.global_secondary_indexes.iter_mut().find(|i| i.index_name == index_name)
                else {
                    return Err(ApiError::not_found(format!(
                        "Requested resource not found: Index: {index_name} not found"
                    )));
                };
                index.provisioned_throughput = throughput;
            }
        }
    }
    match input.billing_mode {
        BillingMode::PayPerRequest => {
            for index in &mut input.global_secondary_indexes {
                index.provisioned_throughput = None;
            }
        }
        BillingMode::Provisioned { read, write } => {
            for index in &mut input.global_secondary_indexes {
                index.provisioned_throughput.get_or_insert((read, write));
            }
        }
    }
    // Only attributes some key still uses stay defined (CreateTable's rule).
    let used = |name: &str| {
        input.key_schema.iter().any(|e| e.attribute_name == name)
            || input
                .global_secondary_indexes
                .iter()
                .chain(&input.local_secondary_indexes)
                .any(|i| i.key_schema.iter().any(|e| e.attribute_name == name))
    };
    let kept: Vec<AttributeDefinition> =
        input.attribute_definitions.iter().filter(|d| used(&d.name)).cloned().collect();
    input.attribute_definitions = kept;
    debug_assert!(input.key_schema.iter().any(|e| e.key_type == KeyType::Hash));
    Ok(input)
}

async fn all_items(backend: &MemoryBackend, table: &str) -> Result<Vec<Item>, ApiError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = backend
            .scan(ScanInput {
                table_name: table.to_owned(),
                consistent_read: true,
                exclusive_start_key: start,
                ..ScanInput::default()
            })
            .await?;
        items.extend(page.items);
        match page.last_evaluated_key {
            Some(key) => start = Some(key),
            None => return Ok(items),
        }
    }
}

async fn fill(backend: &MemoryBackend, table: &str, items: &[Item]) -> Result<(), ApiError> {
    for item in items {
        backend
            .put_item(PutItemInput { table_name: table.to_owned(), item: item.clone(), ..PutItemInput::default() })
            .await
            .map_err(|error| {
                ApiError::validation(format!(
                    "One or more parameter values were invalid: an existing item does not fit the new index definition: {}",
                    ApiError::from(error).message
                ))
            })?;
    }
    Ok(())
}

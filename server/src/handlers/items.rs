//! `PutItem`, `GetItem`, `UpdateItem` and `DeleteItem`.

use serde_json::Value;
use singletable_core::backend::{
    Backend, DeleteItemInput, GetItemInput, KeyType, PutItemInput, UpdateItemInput, WriteItemOutput,
};
use singletable_core::Item;

use crate::api_error::ApiError;
use crate::decode::items::{ItemUpdate, ItemWrite, WriteMembers};
use crate::decode::{self, Request};
use crate::encode::items as encode;
use crate::service::Engine;

/// PutItem or DeleteItem.
#[derive(Debug, Clone, Copy)]
pub(crate) enum WriteKind {
    /// `PutItem`.
    Put,
    /// `DeleteItem`.
    Delete,
}

/// `PutItem`.
pub(crate) async fn put_item(engine: &Engine, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
    let write = decode::items::put_item(request)?;
    write_item(engine, WriteKind::Put, write).await
}

/// `DeleteItem`.
pub(crate) async fn delete_item(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Vec<u8>, ApiError> {
    let write = decode::items::delete_item(request)?;
    write_item(engine, WriteKind::Delete, write).await
}

/// `GetItem`.
pub(crate) async fn get_item(engine: &Engine, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
    let input = decode::items::get_item(request)?;
    get(engine, input).await
}

/// `UpdateItem`.
pub(crate) async fn update_item(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Vec<u8>, ApiError> {
    let ItemUpdate { members, updates, condition } = decode::items::update_item(request)?;
    let key_source = members.metrics.then(|| (members.table_name.clone(), members.item.clone()));
    let out = engine
        .backend()
        .update_item(UpdateItemInput {
            table_name: members.table_name,
            key: members.item,
            updates,
            condition,
            return_values: members.return_values,
            return_consumed_capacity: members.return_consumed_capacity,
            return_old_on_condition_failure: members.return_old_on_condition_failure,
        })
        .await?;
    write_response(engine, out, key_source).await
}

/// Runs a PutItem or DeleteItem (read either way: [`decode::items`] or
/// [`decode::typed`]).
pub(crate) async fn write_item(
    engine: &Engine,
    kind: WriteKind,
    write: ItemWrite,
) -> Result<Vec<u8>, ApiError> {
    let ItemWrite { members, condition } = write;
    let key_source = members.metrics.then(|| (members.table_name.clone(), members.item.clone()));
    let WriteMembers {
        table_name,
        item,
        return_values,
        return_consumed_capacity,
        return_old_on_condition_failure,
        ..
    } = members;
    let out = match kind {
        WriteKind::Put => {
            let input = PutItemInput {
                table_name,
                item,
                condition,
                return_values,
                return_consumed_capacity,
                return_old_on_condition_failure,
            };
            engine.backend().put_item(input).await?
        }
        WriteKind::Delete => {
            let input = DeleteItemInput {
                table_name,
                key: item,
                condition,
                return_values,
                return_consumed_capacity,
                return_old_on_condition_failure,
            };
            engine.backend().delete_item(input).await?
        }
    };
    write_response(engine, out, key_source).await
}

/// Runs a GetItem (read either way: [`decode::items`] or [`decode::typed`]).
pub(crate) async fn get(engine: &Engine, input: GetItemInput) -> Result<Vec<u8>, ApiError> {
    let out = engine.backend().get_item(input).await?;
    encode::get_item(&out)
}

/// The response of PutItem, UpdateItem and DeleteItem: `Attributes` (ReturnValues),
/// `ItemCollectionMetrics` when asked for (`key_source` holds the item's key
/// attributes), `ConsumedCapacity`.
async fn write_response(
    engine: &Engine,
    out: WriteItemOutput,
    key_source: Option<(String, Item)>,
) -> Result<Vec<u8>, ApiError> {
    let item_collection_metrics = match &key_source {
        Some((table, key)) => collection_metrics(engine, table, key).await,
        None => None,
    };
    encode::write_item(&out, item_collection_metrics)
}

/// `ItemCollectionMetrics` for a write to a table with LSIs (DynamoDB returns none
/// for other tables).
pub(crate) async fn collection_metrics(engine: &Engine, table: &str, key: &Item) -> Option<Value> {
    let description = engine.backend().describe_table(table.to_owned()).await.ok()?;
    if description.local_secondary_indexes.is_empty() {
        return None;
    }
    let partition = description.key_schema.iter().find(|e| e.key_type == KeyType::Hash)?;
    let value = key.get(&partition.attribute_name)?;
    let collection_key: Item = [(partition.attribute_name.clone(), value.clone())].into();
    Some(encode::collection_metrics(&collection_key))
}

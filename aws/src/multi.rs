//! Conversions of the multi-item operations (`BatchWriteItem`, `BatchGetItem`,
//! `TransactWriteItems`, `TransactGetItems`) and of the TTL operations.
//!
//! Every transaction action renders its expressions with its own [`Expressions`]
//! (DynamoDB scopes `ExpressionAttributeNames`/`Values` to one action). `UnprocessedKeys`
//! come back with the request's projection paths (the service returns the rendered
//! expression, which the caller never sees).

use std::collections::HashMap;

use aws_sdk_dynamodb::types as sdk;

use super::convert::{
    consumed_capacity, item_from_sdk, item_to_sdk, optional_item_from_sdk,
    return_on_condition_failure, Expressions,
};
use super::error::build_error;
use singletable_core::backend::{
    BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput,
    ConsumedCapacity, KeysAndAttributes, TimeToLiveDescription, TimeToLiveSpecification,
    TimeToLiveStatus, TransactGetItem, TransactWriteItem, WriteRequest,
};
use singletable_core::error::{Error, Result};
use singletable_core::expr::Path;
use singletable_core::value::Item;

fn capacities(consumed: Option<Vec<sdk::ConsumedCapacity>>) -> Vec<ConsumedCapacity> {
    consumed.unwrap_or_default().into_iter().map(consumed_capacity).collect()
}

fn write_request_to_sdk(request: WriteRequest) -> Result<sdk::WriteRequest> {
    Ok(match request {
        WriteRequest::Put { item } => sdk::WriteRequest::builder()
            .put_request(
                sdk::PutRequest::builder()
                    .set_item(Some(item_to_sdk(item)))
                    .build()
                    .map_err(build_error)?,
            )
            .build(),
        WriteRequest::Delete { key } => sdk::WriteRequest::builder()
            .delete_request(
                sdk::DeleteRequest::builder()
                    .set_key(Some(item_to_sdk(key)))
                    .build()
                    .map_err(build_error)?,
            )
            .build(),
    })
}

fn write_request_from_sdk(request: sdk::WriteRequest) -> Result<Option<WriteRequest>> {
    if let Some(put) = request.put_request {
        return Ok(Some(WriteRequest::Put { item: item_from_sdk(put.item)? }));
    }
    match request.delete_request {
        Some(delete) => Ok(Some(WriteRequest::Delete { key: item_from_sdk(delete.key)? })),
        None => Ok(None),
    }
}

/// `BatchWriteItem`'s request items.
pub(crate) fn batch_write_items(
    input: BatchWriteItemInput,
) -> Result<HashMap<String, Vec<sdk::WriteRequest>>> {
    input
        .request_items
        .into_iter()
        .map(|(table, requests)| {
            let requests =
                requests.into_iter().map(write_request_to_sdk).collect::<Result<Vec<_>>>()?;
            Ok((table, requests))
        })
        .collect::<Result<_>>()
}

/// `BatchWriteItem`'s result.
pub(crate) fn batch_write_output(
    output: aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput,
) -> Result<BatchWriteItemOutput> {
    let mut unprocessed_items = HashMap::new();
    for (table, requests) in output.unprocessed_items.unwrap_or_default() {
        let mut converted = Vec::with_capacity(requests.len());
        for request in requests {
            if let Some(request) = write_request_from_sdk(request)? {
                converted.push(request);
            }
        }
        if !converted.is_empty() {
            unprocessed_items.insert(table, converted);
        }
    }
    Ok(BatchWriteItemOutput {
        unprocessed_items,
        consumed_capacity: capacities(output.consumed_capacity),
    })
}

/// The projection paths of each table of a `BatchGetItem`, to rebuild `UnprocessedKeys`.
pub(crate) type Projections = HashMap<String, Option<Vec<Path>>>;

/// `BatchGetItem`'s request items.
pub(crate) fn batch_get_items(
    input: BatchGetItemInput,
) -> Result<(HashMap<String, sdk::KeysAndAttributes>, Projections)> {
    let mut projections = HashMap::new();
    let mut items = HashMap::new();
    for (table, request) in input.request_items {
        let mut expressions = Expressions::default();
        let projection = expressions.projection(request.projection.as_deref());
        let parts = expressions.into_parts();
        let keys = request.keys.into_iter().map(item_to_sdk).collect();
        let converted = sdk::KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .set_consistent_read(request.consistent_read.then_some(true))
            .set_projection_expression(projection)
            .set_expression_attribute_names(parts.names)
            .build()
            .map_err(build_error)?;
        projections.insert(table.clone(), request.projection);
        items.insert(table, converted);
    }
    Ok((items, projections))
}

/// `BatchGetItem`'s result.
pub(crate) fn batch_get_output(
    output: aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput,
    projections: &Projections,
) -> Result<BatchGetItemOutput> {
    let mut responses = HashMap::new();
    for (table, items) in output.responses.unwrap_or_default() {
        let items = items.into_iter().map(item_from_sdk).collect::<Result<Vec<_>>>()?;
        responses.insert(table, items);
    }
    let mut unprocessed_keys = HashMap::new();
    for (table, keys) in output.unprocessed_keys.unwrap_or_default() {
        if keys.keys.is_empty() {
            continue;
        }
        let converted = KeysAndAttributes {
            keys: keys.keys.into_iter().map(item_from_sdk).collect::<Result<_>>()?,
            consistent_read: keys.consistent_read.unwrap_or(false),
            projection: projections.get(&table).cloned().flatten(),
        };
        unprocessed_keys.insert(table, converted);
    }
    Ok(BatchGetItemOutput {
        responses,
        unprocessed_keys,
        consumed_capacity: capacities(output.consumed_capacity),
    })
}

/// DynamoDB's answer to a transaction's `Update` without an `UpdateExpression`.
const MISSING_UPDATE_EXPRESSION: &str = "1 validation error detected: Value null at 'transactItems.member.update.updateExpression' failed to satisfy constraint: Member must not be null";

/// One action of a `TransactWriteItems`.
pub(crate) fn transact_write_item(item: TransactWriteItem) -> Result<sdk::TransactWriteItem> {
    let mut expressions = Expressions::default();
    let builder = sdk::TransactWriteItem::builder();
    Ok(match item {
        TransactWriteItem::Put { table_name, item, condition, return_old_on_condition_failure } => {
            let condition = expressions.condition(condition.as_ref());
            let parts = expressions.into_parts();
            builder
                .put(
                    sdk::Put::builder()
                        .table_name(table_name)
                        .set_item(Some(item_to_sdk(item)))
                        .set_condition_expression(condition)
                        .set_expression_attribute_names(parts.names)
                        .set_expression_attribute_values(parts.values)
                        .set_return_values_on_condition_check_failure(return_on_condition_failure(
                            return_old_on_condition_failure,
                        ))
                        .build()
                        .map_err(build_error)?,
                )
                .build()
        }
        TransactWriteItem::Update {
            table_name,
            key,
            updates,
            condition,
            return_old_on_condition_failure,
        } => {
            // `UpdateExpression` is required in a transaction's `Update` (the SDK would
            // refuse to build it): DynamoDB's answer, before sending.
            if updates.is_empty() {
                return Err(Error::validation(MISSING_UPDATE_EXPRESSION));
            }
            let update = expressions.update(&updates);
            let condition = expressions.condition(condition.as_ref());
            let parts = expressions.into_parts();
            builder
                .update(
                    sdk::Update::builder()
                        .table_name(table_name)
                        .set_key(Some(item_to_sdk(key)))
                        .set_update_expression(update)
                        .set_condition_expression(condition)
                        .set_expression_attribute_names(parts.names)
                        .set_expression_attribute_values(parts.values)
                        .set_return_values_on_condition_check_failure(return_on_condition_failure(
                            return_old_on_condition_failure,
                        ))
                        .build()
                        .map_err(build_error)?,
                )
                .build()
        }
        TransactWriteItem::Delete {
            table_name,
            key,
            condition,
            return_old_on_condition_failure,
        } => {
            let condition = expressions.condition(condition.as_ref());
            let parts = expressions.into_parts();
            builder
                .delete(
                    sdk::Delete::builder()
                        .table_name(table_name)
                        .set_key(Some(item_to_sdk(key)))
                        .set_condition_expression(condition)
                        .set_expression_attribute_names(parts.names)
                        .set_expression_attribute_values(parts.values)
                        .set_return_values_on_condition_check_failure(return_on_condition_failure(
                            return_old_on_condition_failure,
                        ))
                        .build()
                        .map_err(build_error)?,
                )
                .build()
        }
        TransactWriteItem::ConditionCheck {
            table_name,
            key,
            condition,
            return_old_on_condition_failure,
        } => {
            let condition = expressions.condition(Some(&condition));
            let parts = expressions.into_parts();
            builder
                .condition_check(
                    sdk::ConditionCheck::builder()
                        .table_name(table_name)
                        .set_key(Some(item_to_sdk(key)))
                        .set_condition_expression(condition)
                        .set_expression_attribute_names(parts.names)
                        .set_expression_attribute_values(parts.values)
                        .set_return_values_on_condition_check_failure(return_on_condition_failure(
                            return_old_on_condition_failure,
                        ))
                        .build()
                        .map_err(build_error)?,
                )
                .build()
        }
    })
}

/// One read of a `TransactGetItems`.
pub(crate) fn transact_get_item(item: TransactGetItem) -> Result<sdk::TransactGetItem> {
    let mut expressions = Expressions::default();
    let projection = expressions.projection(item.projection.as_deref());
    let parts = expressions.into_parts();
    let get = sdk::Get::builder()
        .table_name(item.table_name)
        .set_key(Some(item_to_sdk(item.key)))
        .set_projection_expression(projection)
        .set_expression_attribute_names(parts.names)
        .build()
        .map_err(build_error)?;
    Ok(sdk::TransactGetItem::builder().get(get).build())
}

/// `TransactGetItems`'s responses, one per read.
pub(crate) fn transact_get_responses(
    responses: Option<Vec<sdk::ItemResponse>>,
) -> Result<Vec<Option<Item>>> {
    responses.unwrap_or_default().into_iter().map(|r| optional_item_from_sdk(r.item)).collect()
}

/// Transaction capacities.
pub(crate) fn transaction_capacity(
    consumed: Option<Vec<sdk::ConsumedCapacity>>,
) -> Vec<ConsumedCapacity> {
    capacities(consumed)
}

/// `TimeToLiveSpecification` into the SDK's type.
pub(crate) fn ttl_to_sdk(
    specification: TimeToLiveSpecification,
) -> Result<sdk::TimeToLiveSpecification> {
    sdk::TimeToLiveSpecification::builder()
        .attribute_name(specification.attribute_name)
        .enabled(specification.enabled)
        .build()
        .map_err(build_error)
}

/// `UpdateTimeToLive`'s result.
pub(crate) fn ttl_from_sdk(
    specification: Option<sdk::TimeToLiveSpecification>,
    asked: TimeToLiveSpecification,
) -> TimeToLiveSpecification {
    specification.map_or(asked, |specification| TimeToLiveSpecification {
        attribute_name: specification.attribute_name,
        enabled: specification.enabled,
    })
}

/// `DescribeTimeToLive`'s result.
pub(crate) fn ttl_description(
    description: Option<sdk::TimeToLiveDescription>,
) -> Result<TimeToLiveDescription> {
    let Some(description) = description else {
        return Ok(TimeToLiveDescription {
            status: TimeToLiveStatus::Disabled,
            attribute_name: None,
        });
    };
    let status = match description.time_to_live_status {
        None | Some(sdk::TimeToLiveStatus::Disabled) => TimeToLiveStatus::Disabled,
        Some(sdk::TimeToLiveStatus::Enabled) => TimeToLiveStatus::Enabled,
        Some(sdk::TimeToLiveStatus::Enabling) => TimeToLiveStatus::Enabling,
        Some(sdk::TimeToLiveStatus::Disabling) => TimeToLiveStatus::Disabling,
        Some(other) => {
            return Err(Error::Service {
                code: "ResponseError".to_owned(),
                message: format!("unknown TimeToLiveStatus {other:?}"),
                source: None,
            })
        }
    };
    Ok(TimeToLiveDescription { status, attribute_name: description.attribute_name })
}

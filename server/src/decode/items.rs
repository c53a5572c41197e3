//! `PutItem`, `GetItem`, `UpdateItem` and `DeleteItem` (the hot forms of `PutItem`,
//! `GetItem` and `DeleteItem` are read by [`super::typed`] first).

use singletable_core::backend::{GetItemInput, ReturnConsumedCapacity, ReturnValues};
use singletable_core::expr::{Condition, UpdateAction};
use singletable_core::Item;

use super::expressions::{check_not_mixed, Exprs};
use super::{legacy, Request, Violations};
use crate::api_error::ApiError;
use crate::expr::ExpressionKind;

/// The members PutItem, UpdateItem and DeleteItem share, as the engine takes them.
#[derive(Debug, Clone)]
pub struct WriteMembers {
    /// `TableName`.
    pub table_name: String,
    /// `Item` (PutItem) or `Key`.
    pub item: Item,
    /// `ReturnValues`.
    pub return_values: ReturnValues,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
    pub return_old_on_condition_failure: bool,
    /// `ReturnItemCollectionMetrics: SIZE`.
    pub metrics: bool,
}

/// A `PutItem` or `DeleteItem`: its members and its condition.
#[derive(Debug, Clone)]
pub struct ItemWrite {
    /// The members (`Item` of a `PutItem`, `Key` of a `DeleteItem`).
    pub members: WriteMembers,
    /// `ConditionExpression`, or the legacy `Expected`.
    pub condition: Option<Condition>,
}

/// An `UpdateItem`: its members, its updates and its condition.
#[derive(Debug, Clone)]
pub struct ItemUpdate {
    /// The members (`Key`).
    pub members: WriteMembers,
    /// `UpdateExpression`, or the legacy `AttributeUpdates`.
    pub updates: Vec<UpdateAction>,
    /// `ConditionExpression`, or the legacy `Expected`.
    pub condition: Option<Condition>,
}

/// `PutItem`.
pub fn put_item(request: &Request<'_>) -> Result<ItemWrite, ApiError> {
    let members = write_members(request, "Item")?;
    let condition = write_condition(request)?;
    Ok(ItemWrite { members, condition })
}

/// `DeleteItem`.
pub fn delete_item(request: &Request<'_>) -> Result<ItemWrite, ApiError> {
    let members = write_members(request, "Key")?;
    let condition = write_condition(request)?;
    Ok(ItemWrite { members, condition })
}

/// `GetItem`.
pub fn get_item(request: &Request<'_>) -> Result<GetItemInput, ApiError> {
    let mut violations = Violations::default();
    let table_name = request.required_str("TableName", &mut violations)?;
    let key = request.required_item("Key", &mut violations)?;
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    violations.finish()?;
    check_not_mixed(request, &["AttributesToGet"], &["ProjectionExpression"])?;
    let exprs = Exprs::new(request, &["ProjectionExpression"])?;
    let projection = match exprs.projection(request)? {
        Some(projection) => Some(projection),
        None => legacy::attributes_to_get(request)?,
    };
    exprs.finish()?;
    Ok(GetItemInput {
        table_name,
        key,
        consistent_read: request.bool("ConsistentRead")?.unwrap_or(false),
        projection,
        return_consumed_capacity,
    })
}

/// `UpdateItem`.
pub fn update_item(request: &Request<'_>) -> Result<ItemUpdate, ApiError> {
    let members = write_members(request, "Key")?;
    check_not_mixed(
        request,
        &["Expected", "ConditionalOperator", "AttributeUpdates"],
        &["ConditionExpression", "UpdateExpression"],
    )?;
    let exprs = Exprs::new(request, &["UpdateExpression", "ConditionExpression"])?;
    let updates = match exprs.update(request)? {
        Some(updates) => updates,
        None => legacy::attribute_updates(request)?.unwrap_or_default(),
    };
    let condition =
        match exprs.condition(request, "ConditionExpression", ExpressionKind::Condition)? {
            Some(condition) => Some(condition),
            None => legacy::expected(request)?,
        };
    exprs.finish()?;
    Ok(ItemUpdate { members, updates, condition })
}

/// The condition of a PutItem or DeleteItem: `ConditionExpression`, or the legacy
/// `Expected` (never both).
fn write_condition(request: &Request<'_>) -> Result<Option<Condition>, ApiError> {
    check_not_mixed(request, &["Expected", "ConditionalOperator"], &["ConditionExpression"])?;
    let exprs = Exprs::new(request, &["ConditionExpression"])?;
    let condition =
        match exprs.condition(request, "ConditionExpression", ExpressionKind::Condition)? {
            Some(condition) => Some(condition),
            None => legacy::expected(request)?,
        };
    exprs.finish()?;
    Ok(condition)
}

/// Reads the members PutItem, UpdateItem and DeleteItem share with DynamoDB's checks in
/// DynamoDB's order (violations reported together); `item_member` is `Item` or `Key`.
fn write_members(request: &Request<'_>, item_member: &str) -> Result<WriteMembers, ApiError> {
    let mut violations = Violations::default();
    let table_name = request.required_str("TableName", &mut violations)?;
    let item = request.required_item(item_member, &mut violations)?;
    let return_values = request.return_values(&mut violations)?;
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    let return_old_on_condition_failure = request.return_old_on_failure(&mut violations)?;
    let metrics = item_collection_metrics_asked(request, &mut violations)?;
    violations.finish()?;
    Ok(WriteMembers {
        table_name,
        item,
        return_values,
        return_consumed_capacity,
        return_old_on_condition_failure,
        metrics,
    })
}

/// `ReturnItemCollectionMetrics`: true for `SIZE`.
pub(crate) fn item_collection_metrics_asked(
    request: &Request<'_>,
    violations: &mut Violations,
) -> Result<bool, ApiError> {
    Ok(match request.str("ReturnItemCollectionMetrics")? {
        None | Some("NONE") => false,
        Some("SIZE") => true,
        Some(other) => {
            violations.enumeration(other, "returnItemCollectionMetrics", &["SIZE", "NONE"]);
            false
        }
    })
}

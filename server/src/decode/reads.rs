//! `Query` and `Scan`.

use singletable_core::backend::{QueryInput, ScanInput, Select};
use singletable_core::expr::KeyCondition;

use super::expressions::{check_not_mixed, Exprs};
use super::{legacy, Request, Violations};
use crate::api_error::ApiError;
use crate::expr::ExpressionKind;

/// `Query`.
pub fn query(request: &Request<'_>) -> Result<QueryInput, ApiError> {
    let mut violations = Violations::default();
    let table_name = request.required_str("TableName", &mut violations)?;
    let select = select(request, &mut violations)?;
    let limit = limit(request)?;
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    violations.finish()?;
    check_not_mixed(
        request,
        &["KeyConditions", "QueryFilter", "AttributesToGet", "ConditionalOperator"],
        &["FilterExpression", "KeyConditionExpression", "ProjectionExpression"],
    )?;
    if !request.has("KeyConditionExpression") && !request.has("KeyConditions") {
        return Err(ApiError::validation(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
        ));
    }
    let exprs = Exprs::new(
        request,
        &["FilterExpression", "KeyConditionExpression", "ProjectionExpression"],
    )?;
    let pairs = match exprs.key_condition(request)? {
        Some(pairs) => pairs,
        None => legacy::key_conditions(request)?.unwrap_or_default(),
    };
    let filter = match exprs.condition(request, "FilterExpression", ExpressionKind::Filter)? {
        Some(filter) => Some(filter),
        None => legacy::filter(request, "QueryFilter")?,
    };
    let projection = match exprs.projection(request)? {
        Some(projection) => Some(projection),
        None => legacy::attributes_to_get(request)?,
    };
    exprs.finish()?;
    // The engine resolves the tests against the table's or index's key schema and
    // answers DynamoDB's errors; it reads the partition and sort lists as one list.
    let key_condition = KeyCondition { partition: Vec::new(), sort: pairs };
    Ok(QueryInput {
        table_name,
        index_name: request.str("IndexName")?.map(str::to_owned),
        key_condition,
        filter,
        projection,
        select,
        limit,
        scan_index_forward: request.bool("ScanIndexForward")?.unwrap_or(true),
        exclusive_start_key: request.item("ExclusiveStartKey")?,
        consistent_read: request.bool("ConsistentRead")?.unwrap_or(false),
        return_consumed_capacity,
    })
}

/// `Scan`.
pub fn scan(request: &Request<'_>) -> Result<ScanInput, ApiError> {
    let mut violations = Violations::default();
    let table_name = request.required_str("TableName", &mut violations)?;
    let select = select(request, &mut violations)?;
    let limit = limit(request)?;
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    let segment = request.int("Segment")?;
    let total = request.int("TotalSegments")?;
    if let Some(segment) = segment.filter(|s| *s < 0) {
        violations.push(
            &format!("'{segment}'"),
            "segment",
            "Member must have value greater than or equal to 0",
        );
    }
    if let Some(total) = total.filter(|t| *t < 1) {
        violations.push(
            &format!("'{total}'"),
            "totalSegments",
            "Member must have value greater than or equal to 1",
        );
    }
    violations.finish()?;
    let segment = match (segment, total) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(ApiError::validation(
                "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
            ))
        }
        (None, Some(_)) => {
            return Err(ApiError::validation(
                "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
            ))
        }
        (Some(segment), Some(total)) => Some((
            u32::try_from(segment).unwrap_or(u32::MAX),
            u32::try_from(total).unwrap_or(u32::MAX),
        )),
    };
    check_not_mixed(
        request,
        &["ScanFilter", "AttributesToGet", "ConditionalOperator"],
        &["FilterExpression", "ProjectionExpression"],
    )?;
    let exprs = Exprs::new(request, &["FilterExpression", "ProjectionExpression"])?;
    let filter = match exprs.condition(request, "FilterExpression", ExpressionKind::Filter)? {
        Some(filter) => Some(filter),
        None => legacy::filter(request, "ScanFilter")?,
    };
    let projection = match exprs.projection(request)? {
        Some(projection) => Some(projection),
        None => legacy::attributes_to_get(request)?,
    };
    exprs.finish()?;
    Ok(ScanInput {
        table_name,
        index_name: request.str("IndexName")?.map(str::to_owned),
        filter,
        projection,
        select,
        limit,
        exclusive_start_key: request.item("ExclusiveStartKey")?,
        consistent_read: request.bool("ConsistentRead")?.unwrap_or(false),
        segment,
        return_consumed_capacity,
    })
}

fn select(request: &Request<'_>, violations: &mut Violations) -> Result<Option<Select>, ApiError> {
    Ok(match request.str("Select")? {
        None => None,
        Some("ALL_ATTRIBUTES") => Some(Select::AllAttributes),
        Some("ALL_PROJECTED_ATTRIBUTES") => Some(Select::AllProjectedAttributes),
        Some("SPECIFIC_ATTRIBUTES") => Some(Select::SpecificAttributes),
        Some("COUNT") => Some(Select::Count),
        Some(other) => {
            violations.enumeration(
                other,
                "select",
                &["SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"],
            );
            None
        }
    })
}

/// `Limit`; below 1 it reaches the engine as 0, which answers DynamoDB's violation
/// (`handlers::reads` puts a negative value back into its text).
fn limit(request: &Request<'_>) -> Result<Option<u32>, ApiError> {
    Ok(request.int("Limit")?.map(|limit| u32::try_from(limit.max(0)).unwrap_or(u32::MAX)))
}

//! DynamoDB's legacy (pre-expression) parameters, translated into the same ASTs as the
//! expressions: `KeyConditions`, `QueryFilter`, `ScanFilter`, `Expected` (each with
//! `ConditionalOperator`), `AttributesToGet` and `AttributeUpdates`.

use singletable_core::expr::{
    Comparator, Condition, Operand, Path, SetValue, SortKeyCondition, UpdateAction, UpdateOperand,
};
use singletable_core::json::value_from_json;
use singletable_core::AttributeValue;

use super::{value_error, Request};
use crate::api_error::ApiError;

/// `AttributesToGet`, as top-level paths.
pub fn attributes_to_get(request: &Request<'_>) -> Result<Option<Vec<Path>>, ApiError> {
    Ok(request
        .strings("AttributesToGet")?
        .map(|names| names.into_iter().map(Path::attribute).collect()))
}

fn operator_values(entry: &Request<'_>) -> Result<Vec<AttributeValue>, ApiError> {
    match entry.array("AttributeValueList")? {
        None => Ok(Vec::new()),
        Some(list) => list.iter().map(|v| value_from_json(v).map_err(value_error)).collect(),
    }
}

fn arity(operator: &str, values: &[AttributeValue], wanted: usize) -> Result<(), ApiError> {
    if values.len() == wanted {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "One or more parameter values were invalid: Invalid number of argument(s) for the {operator} ComparisonOperator"
        )))
    }
}

/// One `{ComparisonOperator, AttributeValueList}` test of attribute `name`.
fn comparison(name: &str, entry: &Request<'_>) -> Result<Condition, ApiError> {
    let operator = entry.str("ComparisonOperator")?.unwrap_or_default();
    let values = operator_values(entry)?;
    let path = Path::attribute(name);
    let compare = |op: Comparator, values: &[AttributeValue]| -> Result<Condition, ApiError> {
        arity(operator, values, 1)?;
        Ok(Condition::Compare {
            left: Operand::Path(path.clone()),
            op,
            right: Operand::Value(values[0].clone()),
        })
    };
    Ok(match operator {
        "EQ" => compare(Comparator::Eq, &values)?,
        "NE" => compare(Comparator::Ne, &values)?,
        "LT" => compare(Comparator::Lt, &values)?,
        "LE" => compare(Comparator::Le, &values)?,
        "GT" => compare(Comparator::Gt, &values)?,
        "GE" => compare(Comparator::Ge, &values)?,
        "NOT_NULL" => {
            arity(operator, &values, 0)?;
            Condition::AttributeExists(path)
        }
        "NULL" => {
            arity(operator, &values, 0)?;
            Condition::AttributeNotExists(path)
        }
        "CONTAINS" | "NOT_CONTAINS" => {
            arity(operator, &values, 1)?;
            let contains = Condition::contains(path, Operand::Value(values[0].clone()));
            if operator == "CONTAINS" {
                contains
            } else {
                // Legacy NOT_CONTAINS is false on a missing attribute, like CONTAINS.
                Condition::AttributeExists(Path::attribute(name)).and(contains.not())
            }
        }
        "BEGINS_WITH" => {
            arity(operator, &values, 1)?;
            Condition::begins_with(path, Operand::Value(values[0].clone()))
        }
        "IN" => {
            if values.is_empty() {
                arity(operator, &values, 1)?;
            }
            Condition::In {
                operand: Operand::Path(path),
                list: values.into_iter().map(Operand::Value).collect(),
            }
        }
        "BETWEEN" => {
            arity(operator, &values, 2)?;
            Condition::Between {
                operand: Operand::Path(path),
                low: Operand::Value(values[0].clone()),
                high: Operand::Value(values[1].clone()),
            }
        }
        other => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
            )))
        }
    })
}

fn combine(
    request: &Request<'_>,
    conditions: Vec<Condition>,
) -> Result<Option<Condition>, ApiError> {
    let or = match request.str("ConditionalOperator")? {
        None | Some("AND") => false,
        Some("OR") => true,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"
            )))
        }
    };
    Ok(conditions.into_iter().reduce(|a, b| if or { a.or(b) } else { a.and(b) }))
}

fn map_entries<'a>(
    request: &Request<'a>,
    member: &str,
) -> Result<Option<Vec<(&'a String, Request<'a>)>>, ApiError> {
    let Some(map) = request.object(member)? else { return Ok(None) };
    map.iter()
        .map(|(name, value)| {
            Request::new(value)
                .map(|entry| (name, entry))
                .map_err(|_| ApiError::serialization(format!("{member}.{name} must be an object")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `QueryFilter` or `ScanFilter` (with `ConditionalOperator`).
pub fn filter(request: &Request<'_>, member: &str) -> Result<Option<Condition>, ApiError> {
    let Some(entries) = map_entries(request, member)? else { return Ok(None) };
    let conditions =
        entries.iter().map(|(name, entry)| comparison(name, entry)).collect::<Result<_, _>>()?;
    combine(request, conditions)
}

/// `Expected` (with `ConditionalOperator`).
pub fn expected(request: &Request<'_>) -> Result<Option<Condition>, ApiError> {
    let Some(entries) = map_entries(request, "Expected")? else { return Ok(None) };
    let mut conditions = Vec::new();
    for (name, entry) in entries {
        let value = entry.get("Value").map(value_from_json).transpose().map_err(value_error)?;
        let exists = entry.bool("Exists")?;
        let condition = if entry.has("ComparisonOperator") {
            if value.is_some() || exists.is_some() {
                return Err(ApiError::validation(
                    "One or more parameter values were invalid: Value or Exists cannot be used with ComparisonOperator",
                ));
            }
            comparison(name, &entry)?
        } else {
            match (exists, value) {
                (Some(false), None) => Condition::AttributeNotExists(Path::attribute(name.as_str())),
                (Some(false), Some(_)) => {
                    return Err(ApiError::validation(format!(
                        "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: {name}"
                    )))
                }
                (_, Some(value)) => Condition::Compare {
                    left: Operand::Path(Path::attribute(name.as_str())),
                    op: Comparator::Eq,
                    right: Operand::Value(value),
                },
                (_, None) => {
                    return Err(ApiError::validation(format!(
                        "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: {name}"
                    )))
                }
            }
        };
        conditions.push(condition);
    }
    combine(request, conditions)
}

/// `KeyConditions`, as (attribute, test) pairs.
pub fn key_conditions(
    request: &Request<'_>,
) -> Result<Option<Vec<(String, SortKeyCondition)>>, ApiError> {
    let Some(entries) = map_entries(request, "KeyConditions")? else { return Ok(None) };
    let mut pairs = Vec::new();
    for (name, entry) in entries {
        let operator = entry.str("ComparisonOperator")?.unwrap_or_default();
        let values = operator_values(&entry)?;
        let one = |values: &[AttributeValue]| -> Result<AttributeValue, ApiError> {
            arity(operator, values, 1)?;
            Ok(values[0].clone())
        };
        let test = match operator {
            "EQ" => SortKeyCondition::Eq(one(&values)?),
            "LT" => SortKeyCondition::Lt(one(&values)?),
            "LE" => SortKeyCondition::Le(one(&values)?),
            "GT" => SortKeyCondition::Gt(one(&values)?),
            "GE" => SortKeyCondition::Ge(one(&values)?),
            "BEGINS_WITH" => SortKeyCondition::BeginsWith(one(&values)?),
            "BETWEEN" => {
                arity(operator, &values, 2)?;
                SortKeyCondition::Between(values[0].clone(), values[1].clone())
            }
            other => {
                return Err(ApiError::validation(format!(
                "Attempted conditional constraint is not an indexable operation; operator: {other}"
            )))
            }
        };
        pairs.push((name.clone(), test));
    }
    Ok(Some(pairs))
}

/// `AttributeUpdates`, as update actions.
pub fn attribute_updates(request: &Request<'_>) -> Result<Option<Vec<UpdateAction>>, ApiError> {
    let Some(entries) = map_entries(request, "AttributeUpdates")? else { return Ok(None) };
    let mut actions = Vec::new();
    for (name, entry) in entries {
        let value = entry.get("Value").map(value_from_json).transpose().map_err(value_error)?;
        let path = Path::attribute(name.as_str());
        let action = match (entry.str("Action")?.unwrap_or("PUT"), value) {
            ("PUT", Some(value)) => {
                UpdateAction::Set(path, SetValue::Operand(UpdateOperand::Value(value)))
            }
            ("DELETE", None) => UpdateAction::Remove(path),
            ("DELETE", Some(value)) => UpdateAction::Delete(path, value),
            ("ADD", Some(value)) => UpdateAction::Add(path, value),
            ("PUT" | "ADD", None) => {
                return Err(ApiError::validation(format!(
                    "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified: {name}"
                )))
            }
            (other, _) => {
                return Err(ApiError::validation(format!(
                    "1 validation error detected: Value '{other}' at 'attributeUpdates.{name}.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"
                )))
            }
        };
        actions.push(action);
    }
    Ok(Some(actions))
}

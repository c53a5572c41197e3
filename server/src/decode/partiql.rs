//! `ExecuteStatement`, `BatchExecuteStatement` and `ExecuteTransaction`.

use serde_json::Value;
use singletable_core::backend::{
    BatchExecuteStatementInput, BatchStatementRequest, ExecuteStatementInput,
    ExecuteTransactionInput, ParameterizedStatement,
};
use singletable_core::json::value_from_json;
use singletable_core::AttributeValue;

use super::{value_error, Request, Violations};
use crate::api_error::ApiError;

/// `Parameters`: a list of attribute values (at least one when present).
fn parameters(
    request: &Request<'_>,
    at: &str,
    violations: &mut Violations,
) -> Result<Vec<AttributeValue>, ApiError> {
    let Some(list) = request.array("Parameters")? else { return Ok(Vec::new()) };
    if list.is_empty() {
        violations.push("'[]'", at, "Member must have length greater than or equal to 1");
    }
    list.iter().map(|value| value_from_json(value).map_err(value_error)).collect()
}

/// `Statement`: required, 1–8192 characters.
fn statement(
    request: &Request<'_>,
    at: &str,
    violations: &mut Violations,
) -> Result<String, ApiError> {
    let Some(text) = request.str("Statement")? else {
        violations.null(at);
        return Ok(String::new());
    };
    violations.length(text, at, 1, 8192);
    Ok(text.to_owned())
}

/// `ExecuteStatement`.
pub fn execute_statement(request: &Request<'_>) -> Result<ExecuteStatementInput, ApiError> {
    let mut violations = Violations::default();
    let statement = statement(request, "statement", &mut violations)?;
    let parameters = parameters(request, "parameters", &mut violations)?;
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    let return_old_on_condition_failure = request.return_old_on_failure(&mut violations)?;
    let limit = request.int("Limit")?;
    if let Some(limit) = limit.filter(|l| *l < 1) {
        violations.push(
            &format!("'{limit}'"),
            "limit",
            "Member must have value greater than or equal to 1",
        );
    }
    let next_token = request.str("NextToken")?.map(str::to_owned);
    if let Some(next_token) = &next_token {
        violations.length(next_token, "nextToken", 1, usize::MAX);
    }
    violations.finish()?;
    Ok(ExecuteStatementInput {
        statement,
        parameters,
        consistent_read: request.bool("ConsistentRead")?.unwrap_or(false),
        next_token,
        limit: limit.map(|l| u32::try_from(l).unwrap_or(u32::MAX)),
        return_consumed_capacity,
        return_old_on_condition_failure,
    })
}

/// A list member with DynamoDB's length constraint.
fn members<'a>(
    request: &Request<'a>,
    member: &str,
    at: &str,
    max: usize,
    violations: &mut Violations,
) -> Result<&'a [Value], ApiError> {
    let Some(list) = request.array(member)? else {
        violations.null(at);
        return Ok(&[]);
    };
    if list.is_empty() {
        violations.push("'[]'", at, "Member must have length greater than or equal to 1");
    } else if list.len() > max {
        violations.push(
            "'[...]'",
            at,
            &format!("Member must have length less than or equal to {max}"),
        );
    }
    Ok(list)
}

/// `BatchExecuteStatement`.
pub fn batch_execute_statement(
    request: &Request<'_>,
) -> Result<BatchExecuteStatementInput, ApiError> {
    let mut violations = Violations::default();
    let list = members(request, "Statements", "statements", 25, &mut violations)?;
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    let mut statements = Vec::with_capacity(list.len());
    for (i, member) in list.iter().enumerate() {
        let member = Request::new(member)?;
        let at = format!("statements.{}.member", i + 1);
        statements.push(BatchStatementRequest {
            statement: statement(&member, &format!("{at}.statement"), &mut violations)?,
            parameters: parameters(&member, &format!("{at}.parameters"), &mut violations)?,
            consistent_read: member.bool("ConsistentRead")?.unwrap_or(false),
            return_old_on_condition_failure: member.return_old_on_failure(&mut violations)?,
        });
    }
    violations.finish()?;
    Ok(BatchExecuteStatementInput { statements, return_consumed_capacity })
}

/// `ExecuteTransaction`.
pub fn execute_transaction(request: &Request<'_>) -> Result<ExecuteTransactionInput, ApiError> {
    let mut violations = Violations::default();
    let list = members(request, "TransactStatements", "transactStatements", 100, &mut violations)?;
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    let client_request_token = request.str("ClientRequestToken")?.map(str::to_owned);
    if let Some(token) = &client_request_token {
        if token.is_empty() || token.chars().count() > 36 {
            violations.push(
                &format!("'{token}'"),
                "clientRequestToken",
                "Member must have length less than or equal to 36",
            );
        }
    }
    let mut statements = Vec::with_capacity(list.len());
    for (i, member) in list.iter().enumerate() {
        let member = Request::new(member)?;
        let at = format!("transactStatements.{}.member", i + 1);
        statements.push(ParameterizedStatement {
            statement: statement(&member, &format!("{at}.statement"), &mut violations)?,
            parameters: parameters(&member, &format!("{at}.parameters"), &mut violations)?,
            return_old_on_condition_failure: member.return_old_on_failure(&mut violations)?,
        });
    }
    violations.finish()?;
    Ok(ExecuteTransactionInput { statements, client_request_token, return_consumed_capacity })
}

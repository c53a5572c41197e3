//! The DynamoDB-shaped requests and responses of PartiQL: `ExecuteStatement`,
//! `BatchExecuteStatement` and `ExecuteTransaction`.

use super::{ConsumedCapacity, ReturnConsumedCapacity};
use crate::value::{AttributeValue, Item};

/// `ExecuteStatement`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecuteStatementInput {
    /// `Statement`: the PartiQL text (1–8192 characters).
    pub statement: String,
    /// `Parameters`: the values of the statement's `?` placeholders, in order.
    pub parameters: Vec<AttributeValue>,
    /// `ConsistentRead`.
    pub consistent_read: bool,
    /// `NextToken`: the previous page's token.
    pub next_token: Option<String>,
    /// `Limit`: the most items to evaluate.
    pub limit: Option<u32>,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
    /// `ReturnValuesOnConditionCheckFailure=ALL_OLD` when true.
    pub return_old_on_condition_failure: bool,
}

/// `ExecuteStatement`'s result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecuteStatementOutput {
    /// `Items`: what a `SELECT` read, or what `RETURNING` asked for (empty otherwise).
    pub items: Vec<Item>,
    /// `NextToken`: present when a `SELECT` stopped before the end.
    pub next_token: Option<String>,
    /// `LastEvaluatedKey`: the key the page stopped at, beside `NextToken`.
    pub last_evaluated_key: Option<Item>,
    /// `ConsumedCapacity`, when asked for.
    pub consumed_capacity: Option<ConsumedCapacity>,
}

/// One statement of a `BatchExecuteStatement` (`BatchStatementRequest`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchStatementRequest {
    /// `Statement`.
    pub statement: String,
    /// `Parameters`.
    pub parameters: Vec<AttributeValue>,
    /// `ConsistentRead`.
    pub consistent_read: bool,
    /// `ReturnValuesOnConditionCheckFailure=ALL_OLD` when true.
    pub return_old_on_condition_failure: bool,
}

/// `BatchExecuteStatement`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchExecuteStatementInput {
    /// `Statements`: 1–25, all reads or all writes.
    pub statements: Vec<BatchStatementRequest>,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

/// `BatchStatementError`: why one statement of a batch failed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchStatementError {
    /// `Code`: `ConditionalCheckFailed`, `DuplicateItem`, `ValidationError`,
    /// `ResourceNotFound`, `TransactionConflict`, …
    pub code: String,
    /// `Message`.
    pub message: String,
    /// `Item`: the item as it was, for a failed condition with
    /// `ReturnValuesOnConditionCheckFailure=ALL_OLD`.
    pub item: Option<Item>,
}

/// `BatchStatementResponse`: the outcome of one statement of a batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchStatementResponse {
    /// `TableName`: the table the statement ran against, also when it failed there ("The
    /// table name associated with a failed PartiQL batch statement", API Reference,
    /// `BatchStatementResponse`); `None` for a statement refused before it ran.
    pub table_name: Option<String>,
    /// `Item`: the item read, or what `RETURNING` asked for.
    pub item: Option<Item>,
    /// `Error`, when the statement failed.
    pub error: Option<BatchStatementError>,
}

/// `BatchExecuteStatement`'s result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchExecuteStatementOutput {
    /// `Responses`: one per statement, in request order.
    pub responses: Vec<BatchStatementResponse>,
    /// `ConsumedCapacity`, one entry per table.
    pub consumed_capacity: Vec<ConsumedCapacity>,
}

/// One statement of an `ExecuteTransaction` (`ParameterizedStatement`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParameterizedStatement {
    /// `Statement`.
    pub statement: String,
    /// `Parameters`.
    pub parameters: Vec<AttributeValue>,
    /// `ReturnValuesOnConditionCheckFailure=ALL_OLD` when true.
    pub return_old_on_condition_failure: bool,
}

/// `ExecuteTransaction`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecuteTransactionInput {
    /// `TransactStatements`: 1–100, all reads or all writes (with `EXISTS` checks).
    pub statements: Vec<ParameterizedStatement>,
    /// `ClientRequestToken` (idempotent for 10 minutes, as for `TransactWriteItems`).
    pub client_request_token: Option<String>,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

/// `ExecuteTransaction`'s result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecuteTransactionOutput {
    /// `Responses`: for a read transaction one per statement (`None`: no item); empty for
    /// a write transaction.
    pub responses: Vec<Option<Item>>,
    /// `ConsumedCapacity`, one entry per table.
    pub consumed_capacity: Vec<ConsumedCapacity>,
}

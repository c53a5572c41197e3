//! SDK errors → [`Error`].
//!
//! | SDK error | singletable error |
//! |---|---|
//! | service error `ConditionalCheckFailedException` | [`Error::ConditionalCheckFailed`], with the returned `Item` decoded |
//! | service error `TransactionCanceledException` | [`Error::TransactionCanceled`], with every `CancellationReason` and its `Item` decoded |
//! | service error `ResourceNotFoundException` | [`Error::ResourceNotFound`] |
//! | service error `ResourceInUseException` | [`Error::ResourceInUse`] |
//! | service error `ValidationException` (unmodeled by the SDK) | [`Error::Validation`] |
//! | any other service error (throttling, …) | [`Error::Service`] with its code and the SDK error as `source` |
//! | a request that could not be built | [`Error::Service`], code `ConstructionFailure` |
//! | a request that timed out | [`Error::Service`], code `TimeoutError` |
//! | a request that could not be sent (connection, TLS, credentials) | [`Error::Service`], code `TransportError` |
//! | a response that could not be read | [`Error::Service`], code `ResponseError` |
//!
//! Every one of them keeps the SDK's error as its [`source`](std::error::Error::source) (with
//! the request id in its metadata); errors the backend raises itself (a transaction update
//! without actions, …) have none.
//!
//! A `ConditionalCheckFailedException` whose `Item` cannot be decoded becomes the
//! [`Error::Decode`] naming the attribute.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::batch_execute_statement::BatchExecuteStatementError;
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemError;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemError;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::delete_table::DeleteTableError;
use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodb::operation::describe_time_to_live::DescribeTimeToLiveError;
use aws_sdk_dynamodb::operation::execute_statement::ExecuteStatementError;
use aws_sdk_dynamodb::operation::execute_transaction::ExecuteTransactionError;
use aws_sdk_dynamodb::operation::get_item::GetItemError;
use aws_sdk_dynamodb::operation::list_tables::ListTablesError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::query::QueryError;
use aws_sdk_dynamodb::operation::scan::ScanError;
use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_table::UpdateTableError;
use aws_sdk_dynamodb::operation::update_time_to_live::UpdateTimeToLiveError;
use aws_sdk_dynamodb::types::AttributeValue as SdkValue;
use aws_sdk_dynamodb::types::CancellationReason as SdkReason;

use super::convert;
use singletable_core::error::{CancellationReason, Error};

/// The error type of one SDK operation (`PutItemError`, …).
///
/// Implementing it for a new operation is all the error mapping needs; operations whose
/// `ConditionalCheckFailedException` carries the old item (`PutItem`, `DeleteItem`,
/// `UpdateItem`) also hand that item over.
pub(crate) trait OperationError:
    ProvideErrorMetadata + std::error::Error + Send + Sync + 'static
{
    /// Takes the `Item` out of a `ConditionalCheckFailedException`.
    fn take_condition_item(&mut self) -> Option<HashMap<String, SdkValue>> {
        None
    }

    /// Takes the `CancellationReasons` out of a `TransactionCanceledException`.
    fn take_cancellation_reasons(&mut self) -> Option<Vec<SdkReason>> {
        None
    }
}

impl OperationError for BatchGetItemError {}
impl OperationError for BatchWriteItemError {}
impl OperationError for DescribeTimeToLiveError {}
impl OperationError for UpdateTimeToLiveError {}

impl OperationError for TransactWriteItemsError {
    fn take_cancellation_reasons(&mut self) -> Option<Vec<SdkReason>> {
        match self {
            TransactWriteItemsError::TransactionCanceledException(e) => {
                e.cancellation_reasons.take()
            }
            _ => None,
        }
    }
}

impl OperationError for BatchExecuteStatementError {}

impl OperationError for ExecuteTransactionError {
    fn take_cancellation_reasons(&mut self) -> Option<Vec<SdkReason>> {
        match self {
            ExecuteTransactionError::TransactionCanceledException(e) => {
                e.cancellation_reasons.take()
            }
            _ => None,
        }
    }
}

impl OperationError for TransactGetItemsError {
    fn take_cancellation_reasons(&mut self) -> Option<Vec<SdkReason>> {
        match self {
            TransactGetItemsError::TransactionCanceledException(e) => e.cancellation_reasons.take(),
            _ => None,
        }
    }
}

impl OperationError for CreateTableError {}
impl OperationError for DeleteTableError {}
impl OperationError for DescribeTableError {}
impl OperationError for UpdateTableError {}
impl OperationError for ListTablesError {}
impl OperationError for GetItemError {}
impl OperationError for QueryError {}
impl OperationError for ScanError {}

impl OperationError for PutItemError {
    fn take_condition_item(&mut self) -> Option<HashMap<String, SdkValue>> {
        match self {
            PutItemError::ConditionalCheckFailedException(e) => e.item.take(),
            _ => None,
        }
    }
}

impl OperationError for DeleteItemError {
    fn take_condition_item(&mut self) -> Option<HashMap<String, SdkValue>> {
        match self {
            DeleteItemError::ConditionalCheckFailedException(e) => e.item.take(),
            _ => None,
        }
    }
}

impl OperationError for UpdateItemError {
    fn take_condition_item(&mut self) -> Option<HashMap<String, SdkValue>> {
        match self {
            UpdateItemError::ConditionalCheckFailedException(e) => e.item.take(),
            _ => None,
        }
    }
}

impl OperationError for ExecuteStatementError {
    fn take_condition_item(&mut self) -> Option<HashMap<String, SdkValue>> {
        match self {
            ExecuteStatementError::ConditionalCheckFailedException(e) => e.item.take(),
            _ => None,
        }
    }
}

/// Maps an SDK error to singletable's typed [`Error`].
pub(crate) fn from_sdk<E, R>(error: SdkError<E, R>) -> Error
where
    E: OperationError,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let failure = match &error {
        SdkError::ServiceError(_) => return from_service_error(error),
        SdkError::ConstructionFailure(_) => "ConstructionFailure",
        SdkError::TimeoutError(_) => "TimeoutError",
        SdkError::DispatchFailure(failure) if failure.is_timeout() => "TimeoutError",
        SdkError::DispatchFailure(_) => "TransportError",
        SdkError::ResponseError(_) => "ResponseError",
        _ => "SdkError",
    };
    Error::Service {
        code: failure.to_owned(),
        message: DisplayErrorContext(&error).to_string(),
        source: Some(Box::new(error)),
    }
}

/// An error response of DynamoDB, by its code (`__type`).
fn from_service_error<E, R>(error: SdkError<E, R>) -> Error
where
    E: OperationError,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = error.code().unwrap_or("UnknownError").to_owned();
    let message = error.message().unwrap_or_default().to_owned();
    match code.as_str() {
        "ConditionalCheckFailedException" => {
            let (item, source): (_, Box<dyn std::error::Error + Send + Sync>) = match error {
                SdkError::ServiceError(service) => {
                    let mut err = service.into_err();
                    (err.take_condition_item(), Box::new(err))
                }
                other => (None, Box::new(other)),
            };
            match item.map(convert::item_from_sdk).transpose() {
                Ok(item) => {
                    Error::ConditionalCheckFailed { item: item.map(Box::new), source: Some(source) }
                }
                Err(undecodable) => undecodable,
            }
        }
        "TransactionCanceledException" => {
            let (reasons, source): (_, Box<dyn std::error::Error + Send + Sync>) = match error {
                SdkError::ServiceError(service) => {
                    let mut err = service.into_err();
                    (err.take_cancellation_reasons().unwrap_or_default(), Box::new(err))
                }
                other => (Vec::new(), Box::new(other)),
            };
            let reasons: Result<Vec<CancellationReason>, Error> = reasons
                .into_iter()
                .map(|reason| {
                    Ok(CancellationReason {
                        code: reason.code.unwrap_or_else(|| "None".to_owned()),
                        message: reason.message,
                        item: reason.item.map(convert::item_from_sdk).transpose()?,
                    })
                })
                .collect();
            match reasons {
                Ok(reasons) => Error::TransactionCanceled { reasons, source: Some(source) },
                Err(undecodable) => undecodable,
            }
        }
        "ResourceNotFoundException" => {
            Error::ResourceNotFound { message, source: Some(Box::new(error)) }
        }
        "ResourceInUseException" => Error::ResourceInUse { message, source: Some(Box::new(error)) },
        "ValidationException" => Error::Validation { message, source: Some(Box::new(error)) },
        _ => Error::Service { code, message, source: Some(Box::new(error)) },
    }
}

/// A request the SDK's builders refused (a required field left unset): a bug in the
/// conversion, reported like the SDK's own `ConstructionFailure`.
pub(crate) fn build_error(error: aws_sdk_dynamodb::error::BuildError) -> Error {
    Error::Service {
        code: "ConstructionFailure".to_owned(),
        message: error.to_string(),
        source: Some(Box::new(error)),
    }
}

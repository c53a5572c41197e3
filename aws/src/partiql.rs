//! PartiQL over the SDK: `ExecuteStatement`, `BatchExecuteStatement` and
//! `ExecuteTransaction` with singletable's neutral request and response types (the
//! engine's `MemoryBackend` methods of the same names take the same).

use aws_sdk_dynamodb::types as sdk;
use singletable_core::backend::{
    BatchExecuteStatementInput, BatchExecuteStatementOutput, BatchStatementError,
    BatchStatementResponse, ExecuteStatementInput, ExecuteStatementOutput, ExecuteTransactionInput,
    ExecuteTransactionOutput,
};
use singletable_core::error::Result;
use singletable_core::AttributeValue;

use crate::error::build_error;
use crate::{convert, error, multi, span, traced, AwsBackend};

/// `Parameters` for the SDK: `None` when there are none (DynamoDB refuses an empty list).
fn parameters(values: Vec<AttributeValue>) -> Option<Vec<sdk::AttributeValue>> {
    (!values.is_empty()).then(|| values.into_iter().map(convert::value_to_sdk).collect())
}

impl AwsBackend {
    /// `ExecuteStatement`: one PartiQL statement with its `?` parameters, as
    /// [`ExecuteStatementInput`] describes it; errors map as for every other operation.
    ///
    /// ```no_run
    /// use singletable_aws::AwsBackend;
    /// use singletable_core::backend::ExecuteStatementInput;
    ///
    /// # async fn demo() -> singletable_core::Result<()> {
    /// let backend = AwsBackend::from_endpoint("http://127.0.0.1:8000");
    /// let page = backend
    ///     .execute_statement(ExecuteStatementInput {
    ///         statement: r#"SELECT * FROM "App" WHERE pk = 'u1'"#.to_owned(),
    ///         ..ExecuteStatementInput::default()
    ///     })
    ///     .await?;
    /// # let _ = page;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_statement(
        &self,
        input: ExecuteStatementInput,
    ) -> Result<ExecuteStatementOutput> {
        traced(span("ExecuteStatement", None), async move {
            let output = self
                .client
                .execute_statement()
                .statement(input.statement)
                .set_parameters(parameters(input.parameters))
                .consistent_read(input.consistent_read)
                .set_next_token(input.next_token)
                .set_limit(input.limit.map(|limit| i32::try_from(limit).unwrap_or(i32::MAX)))
                .set_return_consumed_capacity(convert::return_consumed_capacity(
                    input.return_consumed_capacity,
                ))
                .set_return_values_on_condition_check_failure(convert::return_on_condition_failure(
                    input.return_old_on_condition_failure,
                ))
                .send()
                .await
                .map_err(error::from_sdk)?;
            Ok(ExecuteStatementOutput {
                items: output
                    .items
                    .unwrap_or_default()
                    .into_iter()
                    .map(convert::item_from_sdk)
                    .collect::<Result<_>>()?,
                next_token: output.next_token,
                last_evaluated_key: convert::optional_item_from_sdk(output.last_evaluated_key)?,
                consumed_capacity: output.consumed_capacity.map(convert::consumed_capacity),
            })
        })
        .await
    }

    /// `BatchExecuteStatement`: up to 25 statements, all reads or all writes, each
    /// answered on its own (a failed statement is a [`BatchStatementError`] in its
    /// response, not an error of the call).
    ///
    /// ```no_run
    /// use singletable_aws::AwsBackend;
    /// use singletable_core::backend::{BatchExecuteStatementInput, BatchStatementRequest};
    ///
    /// # async fn demo() -> singletable_core::Result<()> {
    /// let backend = AwsBackend::from_endpoint("http://127.0.0.1:8000");
    /// let output = backend
    ///     .batch_execute_statement(BatchExecuteStatementInput {
    ///         statements: vec![BatchStatementRequest {
    ///             statement: r#"SELECT * FROM "App" WHERE pk = 'u1' AND sk = 'profile'"#.to_owned(),
    ///             ..BatchStatementRequest::default()
    ///         }],
    ///         ..BatchExecuteStatementInput::default()
    ///     })
    ///     .await?;
    /// assert_eq!(output.responses.len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn batch_execute_statement(
        &self,
        input: BatchExecuteStatementInput,
    ) -> Result<BatchExecuteStatementOutput> {
        traced(span("BatchExecuteStatement", None), async move {
            let statements = input
                .statements
                .into_iter()
                .map(|request| {
                    sdk::BatchStatementRequest::builder()
                        .statement(request.statement)
                        .set_parameters(parameters(request.parameters))
                        .consistent_read(request.consistent_read)
                        .set_return_values_on_condition_check_failure(
                            convert::return_on_condition_failure(
                                request.return_old_on_condition_failure,
                            ),
                        )
                        .build()
                        .map_err(build_error)
                })
                .collect::<Result<Vec<_>>>()?;
            let output = self
                .client
                .batch_execute_statement()
                .set_statements(Some(statements))
                .set_return_consumed_capacity(convert::return_consumed_capacity(
                    input.return_consumed_capacity,
                ))
                .send()
                .await
                .map_err(error::from_sdk)?;
            let responses = output
                .responses
                .unwrap_or_default()
                .into_iter()
                .map(|response| {
                    let error = response
                        .error
                        .map(|error| {
                            Ok::<_, singletable_core::Error>(BatchStatementError {
                                code: error
                                    .code
                                    .map(|code| code.as_str().to_owned())
                                    .unwrap_or_default(),
                                message: error.message.unwrap_or_default(),
                                item: convert::optional_item_from_sdk(error.item)?,
                            })
                        })
                        .transpose()?;
                    Ok(BatchStatementResponse {
                        table_name: response.table_name,
                        item: convert::optional_item_from_sdk(response.item)?,
                        error,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(BatchExecuteStatementOutput {
                responses,
                consumed_capacity: multi::transaction_capacity(output.consumed_capacity),
            })
        })
        .await
    }

    /// `ExecuteTransaction`: up to 100 statements, all reads or all writes (with
    /// `EXISTS` checks), all or nothing; a cancelled transaction is
    /// [`Error::TransactionCanceled`](singletable_core::Error::TransactionCanceled) with
    /// one reason per statement.
    ///
    /// ```no_run
    /// use singletable_aws::AwsBackend;
    /// use singletable_core::backend::{ExecuteTransactionInput, ParameterizedStatement};
    ///
    /// # async fn demo() -> singletable_core::Result<()> {
    /// let backend = AwsBackend::from_endpoint("http://127.0.0.1:8000");
    /// backend
    ///     .execute_transaction(ExecuteTransactionInput {
    ///         statements: vec![ParameterizedStatement {
    ///             statement: r#"UPDATE "App" SET n = n + 1 WHERE pk = 'u1' AND sk = 'profile'"#.to_owned(),
    ///             ..ParameterizedStatement::default()
    ///         }],
    ///         ..ExecuteTransactionInput::default()
    ///     })
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_transaction(
        &self,
        input: ExecuteTransactionInput,
    ) -> Result<ExecuteTransactionOutput> {
        traced(span("ExecuteTransaction", None), async move {
            let statements = input
                .statements
                .into_iter()
                .map(|statement| {
                    sdk::ParameterizedStatement::builder()
                        .statement(statement.statement)
                        .set_parameters(parameters(statement.parameters))
                        .set_return_values_on_condition_check_failure(
                            convert::return_on_condition_failure(
                                statement.return_old_on_condition_failure,
                            ),
                        )
                        .build()
                        .map_err(build_error)
                })
                .collect::<Result<Vec<_>>>()?;
            let output = self
                .client
                .execute_transaction()
                .set_transact_statements(Some(statements))
                .set_client_request_token(input.client_request_token)
                .set_return_consumed_capacity(convert::return_consumed_capacity(
                    input.return_consumed_capacity,
                ))
                .send()
                .await
                .map_err(error::from_sdk)?;
            let responses = output
                .responses
                .unwrap_or_default()
                .into_iter()
                .map(|response| convert::optional_item_from_sdk(response.item))
                .collect::<Result<Vec<_>>>()?;
            Ok(ExecuteTransactionOutput {
                responses,
                consumed_capacity: multi::transaction_capacity(output.consumed_capacity),
            })
        })
        .await
    }
}

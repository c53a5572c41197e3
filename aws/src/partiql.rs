//! PartiQL over the SDK: `ExecuteStatement` with singletable's neutral request and
//! response types (the engine's `MemoryBackend::execute_statement` takes the same).

use singletable_core::backend::{ExecuteStatementInput, ExecuteStatementOutput};
use singletable_core::error::Result;

use crate::{convert, error, span, traced, AwsBackend};

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
            let parameters: Vec<_> =
                input.parameters.into_iter().map(convert::value_to_sdk).collect();
            let output = self
                .client
                .execute_statement()
                .statement(input.statement)
                .set_parameters((!parameters.is_empty()).then_some(parameters))
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
}

//! `ExecuteStatement`, `BatchExecuteStatement` and `ExecuteTransaction`: PartiQL, run by
//! the engine ([`MemoryBackend::execute_statement`](singletable_engine::MemoryBackend)
//! and its siblings), so embedded users and the server share one implementation.

use serde_json::Value;

use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::encode::partiql as encode;
use crate::service::Engine;

/// `ExecuteStatement`.
pub(crate) async fn execute_statement(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::partiql::execute_statement(request)?;
    let out = engine.backend().execute_statement(input).await?;
    Ok(encode::execute_statement(&out))
}

/// `BatchExecuteStatement`.
pub(crate) async fn batch_execute_statement(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::partiql::batch_execute_statement(request)?;
    let out = engine.backend().batch_execute_statement(input).await?;
    Ok(encode::batch_execute_statement(&out))
}

/// `ExecuteTransaction`.
pub(crate) async fn execute_transaction(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::partiql::execute_transaction(request)?;
    let out = engine.backend().execute_transaction(input).await?;
    Ok(encode::execute_transaction(&out))
}

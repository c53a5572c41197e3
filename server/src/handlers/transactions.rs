//! `TransactWriteItems` and `TransactGetItems`.

use serde_json::Value;
use singletable_core::backend::Backend;

use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::encode::transactions as encode;
use crate::service::Engine;

/// `TransactWriteItems`.
pub(crate) async fn transact_write_items(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::transactions::transact_write_items(request)?;
    let out = engine.backend().transact_write_items(input).await?;
    Ok(encode::transact_write_items(&out))
}

/// `TransactGetItems`.
pub(crate) async fn transact_get_items(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::transactions::transact_get_items(request)?;
    let out = engine.backend().transact_get_items(input).await?;
    Ok(encode::transact_get_items(&out))
}

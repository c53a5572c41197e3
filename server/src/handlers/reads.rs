//! `Query` and `Scan`.

use singletable_core::backend::Backend;
use singletable_core::Error;

use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::encode::reads as encode;
use crate::service::Engine;

/// `Query`.
pub(crate) async fn query(engine: &Engine, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
    let input = decode::reads::query(request)?;
    let select = input.select;
    let page = engine.backend().query(input).await.map_err(|e| sent_limit(e, request))?;
    encode::page(&page, select)
}

/// `Scan`.
pub(crate) async fn scan(engine: &Engine, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
    let input = decode::reads::scan(request)?;
    let select = input.select;
    let page = engine.backend().scan(input).await.map_err(|e| sent_limit(e, request))?;
    encode::page(&page, select)
}

/// A negative `Limit` reaches the engine (whose limits are unsigned) as 0, and the
/// engine's violation names that 0; DynamoDB names the value that was sent
/// (`Value '-5' at 'limit' failed to satisfy constraint: Member must have value greater
/// than or equal to 1`). The violation is reworded with it, in its place among the
/// others.
fn sent_limit(error: Error, request: &Request<'_>) -> Error {
    let Some(sent) = request.int("Limit").ok().flatten().filter(|limit| *limit < 0) else {
        return error;
    };
    match error {
        Error::Validation { message, source } => Error::Validation {
            message: message.replace("Value '0' at 'limit'", &format!("Value '{sent}' at 'limit'")),
            source,
        },
        other => other,
    }
}

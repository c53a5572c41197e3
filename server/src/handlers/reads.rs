//! `Query` and `Scan`.

use singletable_core::backend::Backend;

use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::encode::reads as encode;
use crate::service::Engine;

/// `Query`.
pub(crate) async fn query(engine: &Engine, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
    let input = decode::reads::query(request)?;
    let select = input.select;
    let page = engine.backend().query(input).await?;
    encode::page(&page, select)
}

/// `Scan`.
pub(crate) async fn scan(engine: &Engine, request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
    let input = decode::reads::scan(request)?;
    let select = input.select;
    let page = engine.backend().scan(input).await?;
    encode::page(&page, select)
}

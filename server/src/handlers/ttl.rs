//! `UpdateTimeToLive` and `DescribeTimeToLive`.

use serde_json::Value;
use singletable_core::backend::Backend;

use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::encode::ttl as encode;
use crate::service::Engine;

/// `UpdateTimeToLive`.
pub(crate) async fn update_time_to_live(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let (name, spec) = decode::ttl::update_time_to_live(request)?;
    let spec = engine.backend().update_time_to_live(name, spec).await?;
    Ok(encode::update_time_to_live(&spec))
}

/// `DescribeTimeToLive`.
pub(crate) async fn describe_time_to_live(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let name = decode::ttl::describe_time_to_live(request)?;
    let description = engine.backend().describe_time_to_live(name).await?;
    Ok(encode::describe_time_to_live(&description))
}

//! `TagResource`, `UntagResource` and `ListTagsOfResource`: the engine keeps the tags
//! with their tables ([`MemoryBackend::tag_resource`](singletable_engine::MemoryBackend::tag_resource)),
//! and its exported state (hence the data directory's snapshots) carries them.

use serde_json::Value;

use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::encode::{self, tags as encode_tags};
use crate::service::Engine;

/// `TagResource`.
pub(crate) async fn tag_resource(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let (arn, tags) = decode::tags::tag_resource(request)?;
    engine.backend().tag_resource(&arn, tags).await?;
    Ok(encode::empty())
}

/// `UntagResource`.
pub(crate) async fn untag_resource(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let (arn, keys) = decode::tags::untag_resource(request)?;
    engine.backend().untag_resource(&arn, &keys).await?;
    Ok(encode::empty())
}

/// `ListTagsOfResource`.
pub(crate) async fn list_tags_of_resource(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let arn = decode::tags::list_tags_of_resource(request)?;
    let tags = engine.backend().list_tags_of_resource(&arn).await?;
    Ok(encode_tags::list_tags_of_resource(&tags))
}

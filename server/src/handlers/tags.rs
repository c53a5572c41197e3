//! `TagResource`, `UntagResource` and `ListTagsOfResource`: tags are kept beside the
//! engine (by table ARN, in key order), and saved in snapshots of the data directory as
//! the engine's extra state ([`TagState`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};
use singletable_core::backend::Backend;

use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::encode::{self, tags as encode_tags};
use crate::service::Engine;

/// The most tags one resource may carry.
const MAX_TAGS: usize = 50;

/// The tags of an [`Engine`], saved in snapshots of the data directory (the engine's own
/// state does not hold them).
#[derive(Debug)]
pub(crate) struct TagState(pub(crate) Arc<Engine>);

impl crate::storage::ExtraState for TagState {
    fn export(&self) -> Value {
        let all = self.0.tags();
        let tags: serde_json::Map<String, Value> = all
            .iter()
            .map(|(arn, tags)| {
                let tags = tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
                (arn.clone(), Value::Object(tags))
            })
            .collect();
        json!({ "tags": tags })
    }

    fn import(&self, state: Value) -> Result<(), String> {
        let Some(Value::Object(by_arn)) = state.get("tags") else {
            return Err("extra state without a `tags` object".to_owned());
        };
        let mut all = self.0.tags();
        for (arn, tags) in by_arn {
            let Value::Object(tags) = tags else {
                return Err(format!("tags of {arn} are not an object"));
            };
            let mut map = BTreeMap::new();
            for (key, value) in tags {
                let Value::String(value) = value else {
                    return Err(format!("tag {key} of {arn} is not a string"));
                };
                map.insert(key.clone(), value.clone());
            }
            all.insert(arn.clone(), map);
        }
        Ok(())
    }
}

/// Drops the tags of a deleted table.
pub(crate) fn forget(engine: &Engine, table_arn: &str) {
    engine.tags().remove(table_arn);
}

/// Checks that `arn` names an existing table; returns it.
async fn resource(engine: &Engine, arn: String) -> Result<String, ApiError> {
    let not_found = || {
        ApiError::not_found(format!("Requested resource not found: ResourceArn: {arn} not found"))
    };
    let Some((_, name)) = arn.split_once(":table/") else {
        return Err(ApiError::validation(format!(
            "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
        )));
    };
    let name = name.split('/').next().unwrap_or_default();
    match engine.backend().describe_table(name.to_owned()).await {
        Ok(description) if description.table_arn == arn => Ok(arn),
        Ok(_) | Err(singletable_core::Error::ResourceNotFound { .. }) => Err(not_found()),
        Err(_) => Err(ApiError::validation(format!(
            "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
        ))),
    }
}

/// `TagResource`.
pub(crate) async fn tag_resource(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let (arn, tags) = decode::tags::tag_resource(request)?;
    let arn = resource(engine, arn).await?;
    let mut all = engine.tags();
    let current = all.entry(arn).or_default();
    let new_keys = tags.iter().filter(|(key, _)| !current.contains_key(key)).count();
    if current.len() + new_keys > MAX_TAGS {
        return Err(ApiError::dynamodb(
            "LimitExceededException",
            "The number of tags on the resource exceeds the limit of 50",
        ));
    }
    current.extend(tags);
    Ok(encode::empty())
}

/// `UntagResource`.
pub(crate) async fn untag_resource(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let (arn, keys) = decode::tags::untag_resource(request)?;
    let arn = resource(engine, arn).await?;
    let mut all = engine.tags();
    if let Some(current) = all.get_mut(&arn) {
        for key in keys {
            current.remove(&key);
        }
    }
    Ok(encode::empty())
}

/// `ListTagsOfResource`.
pub(crate) async fn list_tags_of_resource(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let arn = decode::tags::list_tags_of_resource(request)?;
    let arn = resource(engine, arn).await?;
    let all = engine.tags();
    Ok(encode_tags::list_tags_of_resource(all.get(&arn)))
}

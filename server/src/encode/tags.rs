//! `TagResource`, `UntagResource` and `ListTagsOfResource`.

use serde_json::{json, Value};
use singletable_core::backend::Tag;

/// The response of `ListTagsOfResource`: the resource's tags in key order.
pub fn list_tags_of_resource(tags: &[Tag]) -> Value {
    let tags: Vec<Value> =
        tags.iter().map(|tag| json!({"Key": tag.key, "Value": tag.value})).collect();
    json!({"Tags": tags})
}

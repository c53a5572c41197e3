//! `TagResource`, `UntagResource` and `ListTagsOfResource`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

/// The response of `ListTagsOfResource`: the resource's tags in key order.
pub fn list_tags_of_resource(tags: Option<&BTreeMap<String, String>>) -> Value {
    let tags: Vec<Value> = tags
        .into_iter()
        .flatten()
        .map(|(key, value)| json!({"Key": key, "Value": value}))
        .collect();
    json!({"Tags": tags})
}

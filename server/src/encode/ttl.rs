//! `UpdateTimeToLive` and `DescribeTimeToLive`.

use serde_json::{json, Map, Value};
use singletable_core::backend::{TimeToLiveDescription, TimeToLiveSpecification, TimeToLiveStatus};

/// The response of `UpdateTimeToLive`.
pub fn update_time_to_live(spec: &TimeToLiveSpecification) -> Value {
    json!({"TimeToLiveSpecification": {"AttributeName": spec.attribute_name, "Enabled": spec.enabled}})
}

/// The response of `DescribeTimeToLive`.
pub fn describe_time_to_live(description: &TimeToLiveDescription) -> Value {
    let status = match description.status {
        TimeToLiveStatus::Enabling => "ENABLING",
        TimeToLiveStatus::Disabling => "DISABLING",
        TimeToLiveStatus::Enabled => "ENABLED",
        TimeToLiveStatus::Disabled => "DISABLED",
    };
    let mut object = Map::new();
    object.insert("TimeToLiveStatus".to_owned(), json!(status));
    if let Some(attribute) = &description.attribute_name {
        object.insert("AttributeName".to_owned(), json!(attribute));
    }
    json!({"TimeToLiveDescription": object})
}

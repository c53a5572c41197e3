//! The DynamoDB Streams operations: `ListStreams`, `DescribeStream`, `GetShardIterator`
//! and `GetRecords`.

use serde_json::{json, Map, Value};
use singletable_core::backend::TableDescription;
use singletable_core::json::item_to_json;
use singletable_engine::{ChangeRecord, StreamInfo};

use singletable_core::json::key_schema_to_json;

/// One stream of `ListStreams`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSummary {
    /// `StreamArn`.
    pub stream_arn: String,
    /// `TableName`.
    pub table_name: String,
    /// `StreamLabel`.
    pub stream_label: String,
}

/// A sequence number as DynamoDB Streams writes it: 21 digits.
pub fn sequence(number: u64) -> String {
    format!("{number:021}")
}

/// The response of `ListStreams`: `streams` (a page) and, when more follow, the last
/// one's ARN as `LastEvaluatedStreamArn`.
pub fn list_streams(streams: &[StreamSummary], more: bool) -> Value {
    let mut object = Map::new();
    if more {
        if let Some(last) = streams.last() {
            object.insert("LastEvaluatedStreamArn".to_owned(), json!(last.stream_arn));
        }
    }
    let streams = streams
        .iter()
        .map(|s| {
            json!({"StreamArn": s.stream_arn, "TableName": s.table_name, "StreamLabel": s.stream_label})
        })
        .collect();
    object.insert("Streams".to_owned(), Value::Array(streams));
    Value::Object(object)
}

/// The response of `DescribeStream`: the stream `arn` of the table `description`, whose
/// one shard `shard_id` starts at sequence number `first`.
pub fn describe_stream(
    arn: &str,
    info: &StreamInfo,
    description: &TableDescription,
    shard_id: &str,
    first: u64,
) -> Value {
    json!({"StreamDescription": {
        "StreamArn": arn,
        "StreamLabel": info.label,
        "StreamStatus": "ENABLED",
        "StreamViewType": info.view_type.as_str(),
        "CreationRequestDateTime": info.created_ms / 1000,
        "TableName": description.table_name,
        "KeySchema": key_schema_to_json(&description.key_schema),
        "Shards": [{
            "ShardId": shard_id,
            "SequenceNumberRange": {"StartingSequenceNumber": sequence(first)}
        }]
    }})
}

/// The response of `GetShardIterator`.
pub fn get_shard_iterator(iterator: &str) -> Value {
    json!({"ShardIterator": iterator})
}

/// The response of `GetRecords`: the records of the stream `info` and the iterator that
/// reads on; `awsRegion` is `region`, the engine's.
pub fn get_records(
    records: &[ChangeRecord],
    info: &StreamInfo,
    next_iterator: &str,
    region: &str,
) -> Value {
    let view_type = info.view_type.as_str();
    let records: Vec<Value> =
        records.iter().map(|r| record_json(r, view_type, &info.label, region)).collect();
    json!({"Records": records, "NextShardIterator": next_iterator})
}

fn record_json(record: &ChangeRecord, view_type: &str, label: &str, region: &str) -> Value {
    let mut dynamodb = Map::new();
    dynamodb.insert(
        "ApproximateCreationDateTime".to_owned(),
        json!(record.approximate_creation_time_ms.div_euclid(1000)),
    );
    dynamodb.insert("Keys".to_owned(), item_to_json(&record.keys));
    if let Some(image) = &record.new_image {
        dynamodb.insert("NewImage".to_owned(), item_to_json(image));
    }
    if let Some(image) = &record.old_image {
        dynamodb.insert("OldImage".to_owned(), item_to_json(image));
    }
    dynamodb.insert("SequenceNumber".to_owned(), json!(sequence(record.sequence_number)));
    dynamodb.insert("SizeBytes".to_owned(), json!(record.size_bytes));
    dynamodb.insert("StreamViewType".to_owned(), json!(view_type));
    let mut object = Map::new();
    object.insert(
        "eventID".to_owned(),
        json!(format!("{label}-{}", sequence(record.sequence_number))),
    );
    object.insert("eventName".to_owned(), json!(record.event.as_str()));
    object.insert("eventVersion".to_owned(), json!("1.1"));
    object.insert("eventSource".to_owned(), json!("aws:dynamodb"));
    object.insert("awsRegion".to_owned(), json!(region));
    object.insert("dynamodb".to_owned(), Value::Object(dynamodb));
    if record.system_delete {
        object.insert(
            "userIdentity".to_owned(),
            json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"}),
        );
    }
    Value::Object(object)
}

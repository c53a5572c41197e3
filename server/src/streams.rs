//! The DynamoDB Streams API (`DynamoDBStreams_20120810.*`): ListStreams, DescribeStream,
//! GetShardIterator and GetRecords over the engine's change feed.
//!
//! Each table with a stream has one stream (ARN `<table ARN>/stream/<label>`) with one
//! shard (`shardId-00000000000000000001`) that never closes. Sequence numbers are the
//! engine's record numbers, written as 21 digits. A shard iterator is an opaque string
//! naming the stream and the position after which it reads; it does not expire.

use serde_json::{json, Map, Value};
use singletable_runtime::backend::memory::{ChangeRecord, StreamInfo};
use singletable_runtime::backend::{Backend, ListTablesInput, TableDescription};
use singletable_runtime::json::item_to_json;

use crate::api_error::ApiError;
use crate::service::Engine;
use crate::wire::{key_schema_json, Request, Violations};

/// The only shard of every stream.
const SHARD_ID: &str = "shardId-00000000000000000001";
/// Most records one `GetRecords` returns.
const MAX_RECORDS: usize = 1000;
/// The iterator's prefix (a version tag for the format).
const ITERATOR_PREFIX: &str = "st1|";

/// The stream label of a table with a stream.
pub fn label(engine: &Engine, description: &TableDescription) -> Option<String> {
    description.stream?;
    engine.backend().stream_info(&description.table_name).ok().flatten().map(|info| info.label)
}

fn stream_arn(table_arn: &str, info: &StreamInfo) -> String {
    format!("{table_arn}/stream/{}", info.label)
}

fn sequence(number: u64) -> String {
    format!("{number:021}")
}

/// The table and stream an ARN names (checked to be the table's current stream).
async fn resolve(engine: &Engine, arn: &str) -> Result<(TableDescription, StreamInfo), ApiError> {
    let not_found =
        || ApiError::not_found(format!("Requested resource not found: Stream: {arn} not found"));
    let name = arn
        .split_once(":table/")
        .and_then(|(_, rest)| rest.split_once("/stream/"))
        .map(|(name, _)| name.to_owned())
        .ok_or_else(|| ApiError::validation(format!("Invalid StreamArn: {arn}")))?;
    let description =
        engine.backend().describe_table(name.clone()).await.map_err(|_| not_found())?;
    let info =
        engine.backend().stream_info(&name).map_err(|_| not_found())?.ok_or_else(not_found)?;
    if stream_arn(&description.table_arn, &info) != arn {
        return Err(not_found());
    }
    Ok((description, info))
}

/// `ListStreams`.
pub async fn list_streams(engine: &Engine, request: &Request<'_>) -> Result<Value, ApiError> {
    let only = request.str("TableName")?;
    let limit =
        request.int("Limit")?.map_or(100, |l| usize::try_from(l.clamp(1, 100)).unwrap_or(100));
    let start = request.str("ExclusiveStartStreamArn")?;
    let mut streams = Vec::new();
    let mut exclusive_start_table_name = None;
    loop {
        let page = engine
            .backend()
            .list_tables(ListTablesInput { exclusive_start_table_name, limit: Some(100) })
            .await?;
        for name in &page.table_names {
            if only.is_some_and(|only| only != name) {
                continue;
            }
            let Ok(Some(info)) = engine.backend().stream_info(name) else { continue };
            let Ok(description) = engine.backend().describe_table(name.clone()).await else {
                continue;
            };
            let arn = stream_arn(&description.table_arn, &info);
            streams.push(json!({"StreamArn": arn, "TableName": name, "StreamLabel": info.label}));
        }
        match page.last_evaluated_table_name {
            Some(last) => exclusive_start_table_name = Some(last),
            None => break,
        }
    }
    if let Some(start) = start {
        if let Some(position) = streams.iter().position(|s| s["StreamArn"] == start) {
            streams.drain(..=position);
        }
    }
    let more = streams.len() > limit;
    streams.truncate(limit);
    let mut object = Map::new();
    if more {
        if let Some(last) = streams.last() {
            object.insert("LastEvaluatedStreamArn".to_owned(), last["StreamArn"].clone());
        }
    }
    object.insert("Streams".to_owned(), Value::Array(streams));
    Ok(Value::Object(object))
}

/// `DescribeStream`.
pub async fn describe_stream(engine: &Engine, request: &Request<'_>) -> Result<Value, ApiError> {
    let mut violations = Violations::default();
    let arn = request.required_str("StreamArn", &mut violations)?;
    violations.finish()?;
    let (description, info) = resolve(engine, &arn).await?;
    let first = engine
        .backend()
        .change_records(&description.table_name, None, 1)
        .ok()
        .and_then(|records| records.first().map(|r| r.sequence_number))
        .unwrap_or(1);
    Ok(json!({"StreamDescription": {
        "StreamArn": arn,
        "StreamLabel": info.label,
        "StreamStatus": "ENABLED",
        "StreamViewType": info.view_type.as_str(),
        "CreationRequestDateTime": info.created_ms / 1000,
        "TableName": description.table_name,
        "KeySchema": key_schema_json(&description.key_schema),
        "Shards": [{
            "ShardId": SHARD_ID,
            "SequenceNumberRange": {"StartingSequenceNumber": sequence(first)}
        }]
    }}))
}

fn iterator(table: &str, after: Option<u64>, arn: &str) -> String {
    let after = after.map(|n| n.to_string()).unwrap_or_default();
    format!("{ITERATOR_PREFIX}{after}|{table}|{arn}")
}

fn parse_iterator(text: &str) -> Option<(Option<u64>, &str, &str)> {
    let rest = text.strip_prefix(ITERATOR_PREFIX)?;
    let (after, rest) = rest.split_once('|')?;
    let (table, arn) = rest.split_once('|')?;
    let after = if after.is_empty() { None } else { Some(after.parse().ok()?) };
    Some((after, table, arn))
}

/// `GetShardIterator`.
pub async fn get_shard_iterator(engine: &Engine, request: &Request<'_>) -> Result<Value, ApiError> {
    let mut violations = Violations::default();
    let arn = request.required_str("StreamArn", &mut violations)?;
    let shard = request.required_str("ShardId", &mut violations)?;
    let kind = request.required_str("ShardIteratorType", &mut violations)?;
    const KINDS: [&str; 4] =
        ["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"];
    if !kind.is_empty() && !KINDS.contains(&kind.as_str()) {
        violations.enumeration(&kind, "shardIteratorType", &KINDS);
    }
    violations.finish()?;
    let (description, _) = resolve(engine, &arn).await?;
    if shard != SHARD_ID {
        return Err(ApiError::not_found(format!(
            "Requested resource not found: Shard does not exist: {shard}"
        )));
    }
    let table = description.table_name;
    let number = || -> Result<u64, ApiError> {
        let text = request.str("SequenceNumber")?.unwrap_or_default();
        text.parse::<u64>().map_err(|_| {
            ApiError::validation(format!("Invalid SequenceNumber for {kind}: '{text}'"))
        })
    };
    let after = match kind.as_str() {
        "TRIM_HORIZON" => None,
        "LATEST" => {
            let all = engine.backend().change_records(&table, None, usize::MAX)?;
            Some(all.last().map_or(0, |r| r.sequence_number))
        }
        "AT_SEQUENCE_NUMBER" => Some(number()?.saturating_sub(1)),
        _ => Some(number()?),
    };
    Ok(json!({"ShardIterator": iterator(&table, after, &arn)}))
}

fn record_json(record: &ChangeRecord, view_type: &str, label: &str) -> Value {
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
    object.insert("awsRegion".to_owned(), json!("ddblocal"));
    object.insert("dynamodb".to_owned(), Value::Object(dynamodb));
    if record.system_delete {
        object.insert(
            "userIdentity".to_owned(),
            json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"}),
        );
    }
    Value::Object(object)
}

/// `GetRecords`.
pub fn get_records(engine: &Engine, request: &Request<'_>) -> Result<Value, ApiError> {
    let mut violations = Violations::default();
    let text = request.required_str("ShardIterator", &mut violations)?;
    let limit = request.int("Limit")?;
    if let Some(limit) = limit.filter(|l| !(1..=1000).contains(l)) {
        violations.push(
            &format!("'{limit}'"),
            "limit",
            if limit < 1 {
                "Member must have value greater than or equal to 1"
            } else {
                "Member must have value less than or equal to 1000"
            },
        );
    }
    violations.finish()?;
    let (after, table, arn) =
        parse_iterator(&text).ok_or_else(|| ApiError::validation("Invalid ShardIterator"))?;
    let info = engine.backend().stream_info(table).ok().flatten().ok_or_else(|| {
        ApiError::not_found(format!("Requested resource not found: Stream: {arn} not found"))
    })?;
    let limit = limit.map_or(MAX_RECORDS, |l| usize::try_from(l).unwrap_or(MAX_RECORDS));
    let records = engine.backend().change_records(table, after, limit)?;
    let next = records.last().map(|r| r.sequence_number).or(after);
    let view_type = info.view_type.as_str();
    let records: Vec<Value> =
        records.iter().map(|r| record_json(r, view_type, &info.label)).collect();
    Ok(json!({"Records": records, "NextShardIterator": iterator(table, next, arn)}))
}

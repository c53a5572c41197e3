//! Streams: the change records the whole run's writes produced, the engine's change feed
//! (`MemoryBackend::change_records`) against DynamoDB Local's Streams API
//! (`DescribeStream`, `GetShardIterator` at `TRIM_HORIZON`, `GetRecords` until the shard
//! is drained), on a table created with `NEW_AND_OLD_IMAGES`. Compared per item key, in
//! order: the event name, the keys, the old and the new image. Sequence numbers, event ids
//! and creation times are not compared (each side numbers its own); neither is the order
//! of records of different keys (DynamoDB orders records per item only [S:Ordering]).
//!
//! The SDK crate for the Streams API is not a dependency: the three calls are JSON over
//! HTTP/1.1 on a `TcpStream`, with an `Authorization` header naming the same access key
//! and region as the SDK's requests (DynamoDB Local keeps one database per key and
//! region without `-sharedDb`; it does not check the signature).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::{json, Value};
use singletable_aws::AwsBackend;
use singletable_core::json::item_from_json;
use singletable_core::Item;
use singletable_engine::MemoryBackend;

use super::{normalise, sorted, TABLE};

/// One record as compared: event name, keys, old image, new image.
pub type Record = (String, Item, Option<Item>, Option<Item>);

/// Records grouped by item key (its attributes, sorted, as text), each key's in order.
pub type PerKey = BTreeMap<String, Vec<Record>>;

fn group(records: Vec<Record>) -> PerKey {
    let mut per_key = PerKey::new();
    for record in records {
        let key = format!("{:?}", sorted(record.1.clone()));
        per_key.entry(key).or_default().push(record);
    }
    per_key
}

/// The engine's records of the test table, oldest first.
pub fn engine_records(engine: &MemoryBackend) -> PerKey {
    let records = engine
        .change_records(TABLE, None, usize::MAX)
        .unwrap_or_else(|e| panic!("engine change records: {e}"));
    group(
        records
            .into_iter()
            .map(|r| {
                (
                    r.event.as_str().to_owned(),
                    normalise(r.keys),
                    r.old_image.map(normalise),
                    r.new_image.map(normalise),
                )
            })
            .collect(),
    )
}

/// One Streams API call to DynamoDB Local: the JSON answer (panics on a non-200 status).
fn call(endpoint: &str, operation: &str, body: &Value) -> Value {
    let address = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|region| !region.is_empty()))
        .unwrap_or_else(|| "us-east-1".to_owned());
    let body = body.to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: DynamoDBStreams_20120810.{operation}\r\n\
         X-Amz-Date: 20260101T000000Z\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=singletable/20260101/{region}/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(address).unwrap_or_else(|e| panic!("connect: {e}"));
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("write: {e}"));
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap_or_else(|e| panic!("read: {e}"));
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&response)));
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let mut payload = response[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        payload = dechunk(&payload);
    }
    let status = head.split_whitespace().nth(1).unwrap_or_default().to_owned();
    assert_eq!(status, "200", "{operation}: {}", String::from_utf8_lossy(&payload));
    serde_json::from_slice(&payload).unwrap_or_else(|e| {
        panic!("{operation}: not JSON ({e}): {}", String::from_utf8_lossy(&payload))
    })
}

/// A `Transfer-Encoding: chunked` body, joined.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = body.windows(2).position(|w| w == b"\r\n") else { return out };
        let size_text = String::from_utf8_lossy(&body[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or_else(|e| panic!("chunk size {size_text:?}: {e}"));
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
}

fn image(record: &Value, name: &str) -> Option<Item> {
    record.get(name).map(|json| {
        normalise(item_from_json(json).unwrap_or_else(|e| panic!("{name} of {record}: {e}")))
    })
}

/// DynamoDB Local's records of the test table, every shard drained from `TRIM_HORIZON`.
pub async fn local_records(endpoint: &str, local: &AwsBackend) -> PerKey {
    let table = local
        .client()
        .describe_table()
        .table_name(TABLE)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeTable: {e:?}"));
    let arn = table
        .table
        .and_then(|t| t.latest_stream_arn)
        .unwrap_or_else(|| panic!("{TABLE} has no stream on DynamoDB Local"));
    let description = call(endpoint, "DescribeStream", &json!({ "StreamArn": arn }));
    let shards = description["StreamDescription"]["Shards"].as_array().cloned().unwrap_or_default();
    assert!(!shards.is_empty(), "no shards: {description}");
    let mut records = Vec::new();
    for shard in shards {
        let iterator = call(
            endpoint,
            "GetShardIterator",
            &json!({
                "StreamArn": arn,
                "ShardId": shard["ShardId"],
                "ShardIteratorType": "TRIM_HORIZON",
            }),
        );
        let mut next = iterator["ShardIterator"].clone();
        while let Some(iterator) = next.as_str().map(str::to_owned) {
            let page =
                call(endpoint, "GetRecords", &json!({ "ShardIterator": iterator, "Limit": 1000 }));
            let batch = page["Records"].as_array().cloned().unwrap_or_default();
            if batch.is_empty() {
                break;
            }
            for record in batch {
                let data = &record["dynamodb"];
                records.push((
                    record["eventName"].as_str().unwrap_or_default().to_owned(),
                    image(data, "Keys").unwrap_or_default(),
                    image(data, "OldImage"),
                    image(data, "NewImage"),
                ));
            }
            next = page["NextShardIterator"].clone();
        }
    }
    group(records)
}

/// The keys whose records differ, each with both sides' records.
pub fn differences(local: &PerKey, engine: &PerKey) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = local.keys().chain(engine.keys()).collect();
    keys.into_iter()
        .filter(|key| local.get(*key) != engine.get(*key))
        .map(|key| {
            format!(
                "stream records of {key}:\n  DynamoDB Local: {:?}\n  engine:         {:?}",
                local.get(key),
                engine.get(key)
            )
        })
        .collect()
}

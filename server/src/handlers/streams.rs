//! The DynamoDB Streams API (`DynamoDBStreams_20120810.*`): `ListStreams`,
//! `DescribeStream`, `GetShardIterator` and `GetRecords` over the engine's change feed.
//!
//! Each table with a stream has one stream (ARN `<table ARN>/stream/<label>`) with one
//! shard (`shardId-00000000000000000001`) that never closes. Sequence numbers are the
//! engine's record numbers, written as 21 digits. A shard iterator is an opaque string
//! naming the stream and the position after which it reads; it does not expire.

use serde_json::Value;
use singletable_core::backend::{Backend, ListTablesInput, TableDescription};
use singletable_engine::StreamInfo;

use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::encode::streams::{self as encode, StreamSummary};
use crate::service::Engine;

/// The only shard of every stream.
const SHARD_ID: &str = "shardId-00000000000000000001";
/// Most records one `GetRecords` returns.
const MAX_RECORDS: usize = 1000;
/// The iterator's prefix (a version tag for the format).
const ITERATOR_PREFIX: &str = "st1|";

/// The stream label of a table with a stream.
pub(crate) fn label(engine: &Engine, description: &TableDescription) -> Option<String> {
    description.stream?;
    engine.backend().stream_info(&description.table_name).ok().flatten().map(|info| info.label)
}

fn stream_arn(table_arn: &str, info: &StreamInfo) -> String {
    format!("{table_arn}/stream/{}", info.label)
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
pub(crate) async fn list_streams(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::streams::list_streams(request)?;
    let mut streams = Vec::new();
    let mut exclusive_start_table_name = None;
    loop {
        let page = engine
            .backend()
            .list_tables(ListTablesInput { exclusive_start_table_name, limit: Some(100) })
            .await?;
        for name in &page.table_names {
            if input.table_name.as_ref().is_some_and(|only| only != name) {
                continue;
            }
            let Ok(Some(info)) = engine.backend().stream_info(name) else { continue };
            let Ok(description) = engine.backend().describe_table(name.clone()).await else {
                continue;
            };
            streams.push(StreamSummary {
                stream_arn: stream_arn(&description.table_arn, &info),
                table_name: name.clone(),
                stream_label: info.label,
            });
        }
        match page.last_evaluated_table_name {
            Some(last) => exclusive_start_table_name = Some(last),
            None => break,
        }
    }
    if let Some(start) = &input.exclusive_start_stream_arn {
        if let Some(position) = streams.iter().position(|s| &s.stream_arn == start) {
            streams.drain(..=position);
        }
    }
    let more = streams.len() > input.limit;
    streams.truncate(input.limit);
    Ok(encode::list_streams(&streams, more))
}

/// `DescribeStream`.
pub(crate) async fn describe_stream(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let arn = decode::streams::describe_stream(request)?;
    let (description, info) = resolve(engine, &arn).await?;
    let first = engine
        .backend()
        .change_records(&description.table_name, None, 1)
        .ok()
        .and_then(|records| records.first().map(|r| r.sequence_number))
        .unwrap_or(1);
    Ok(encode::describe_stream(&arn, &info, &description, SHARD_ID, first))
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
pub(crate) async fn get_shard_iterator(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::streams::get_shard_iterator(request)?;
    let arn = &input.stream_arn;
    let (description, _) = resolve(engine, arn).await?;
    if input.shard_id != SHARD_ID {
        return Err(ApiError::not_found(format!(
            "Requested resource not found: Shard does not exist: {}",
            input.shard_id
        )));
    }
    let table = description.table_name;
    let after = match input.iterator_type.as_str() {
        "TRIM_HORIZON" => None,
        "LATEST" => {
            let all = engine.backend().change_records(&table, None, usize::MAX)?;
            Some(all.last().map_or(0, |r| r.sequence_number))
        }
        "AT_SEQUENCE_NUMBER" => Some(input.sequence_number()?.saturating_sub(1)),
        _ => Some(input.sequence_number()?),
    };
    Ok(encode::get_shard_iterator(&iterator(&table, after, arn)))
}

/// `GetRecords`.
pub(crate) fn get_records(engine: &Engine, request: &Request<'_>) -> Result<Value, ApiError> {
    let (text, limit) = decode::streams::get_records(request)?;
    let (after, table, arn) =
        parse_iterator(&text).ok_or_else(|| ApiError::validation("Invalid ShardIterator"))?;
    let info = engine.backend().stream_info(table).ok().flatten().ok_or_else(|| {
        ApiError::not_found(format!("Requested resource not found: Stream: {arn} not found"))
    })?;
    let limit = limit.map_or(MAX_RECORDS, |l| usize::try_from(l).unwrap_or(MAX_RECORDS));
    let records = engine.backend().change_records(table, after, limit)?;
    let next = records.last().map(|r| r.sequence_number).or(after);
    let region = engine.backend().region();
    Ok(encode::get_records(&records, &info, &iterator(table, next, arn), &region))
}

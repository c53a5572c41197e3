//! The DynamoDB Streams operations: `ListStreams`, `DescribeStream`, `GetShardIterator`
//! and `GetRecords`.

use super::{Request, Violations};
use crate::api_error::ApiError;

/// The iterator types of `GetShardIterator`.
pub const ITERATOR_TYPES: [&str; 4] =
    ["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"];

/// A `ListStreams`.
#[derive(Debug, Clone)]
pub struct ListStreams {
    /// `TableName`: only this table's stream.
    pub table_name: Option<String>,
    /// `Limit`, clamped to 1..=100 (default 100).
    pub limit: usize,
    /// `ExclusiveStartStreamArn`.
    pub exclusive_start_stream_arn: Option<String>,
}

/// A `GetShardIterator`.
#[derive(Debug, Clone)]
pub struct GetShardIterator<'a> {
    /// `StreamArn`.
    pub stream_arn: String,
    /// `ShardId`.
    pub shard_id: String,
    /// `ShardIteratorType`: one of [`ITERATOR_TYPES`], or empty (which reads as
    /// `AFTER_SEQUENCE_NUMBER`).
    pub iterator_type: String,
    /// `SequenceNumber` as read: a fault in it is reported only when the iterator type
    /// needs it, after the stream and shard are found.
    pub sequence_number: Result<Option<&'a str>, ApiError>,
}

impl GetShardIterator<'_> {
    /// `SequenceNumber` as a number (for the `AT_`/`AFTER_SEQUENCE_NUMBER` types).
    pub fn sequence_number(&self) -> Result<u64, ApiError> {
        let text = self.sequence_number.clone()?.unwrap_or_default();
        text.parse::<u64>().map_err(|_| {
            ApiError::validation(format!(
                "Invalid SequenceNumber for {}: '{text}'",
                self.iterator_type
            ))
        })
    }
}

/// `ListStreams`.
pub fn list_streams(request: &Request<'_>) -> Result<ListStreams, ApiError> {
    let table_name = request.str("TableName")?.map(str::to_owned);
    let limit =
        request.int("Limit")?.map_or(100, |l| usize::try_from(l.clamp(1, 100)).unwrap_or(100));
    let exclusive_start_stream_arn = request.str("ExclusiveStartStreamArn")?.map(str::to_owned);
    Ok(ListStreams { table_name, limit, exclusive_start_stream_arn })
}

/// `DescribeStream`: the stream ARN.
pub fn describe_stream(request: &Request<'_>) -> Result<String, ApiError> {
    let mut violations = Violations::default();
    let arn = request.required_str("StreamArn", &mut violations)?;
    violations.finish()?;
    Ok(arn)
}

/// `GetShardIterator`.
pub fn get_shard_iterator<'a>(request: &Request<'a>) -> Result<GetShardIterator<'a>, ApiError> {
    let mut violations = Violations::default();
    let stream_arn = request.required_str("StreamArn", &mut violations)?;
    let shard_id = request.required_str("ShardId", &mut violations)?;
    if request.str("ShardId")?.is_some() {
        // The Streams API's constraint on shard ids (GetShardIterator reference).
        violations.length(&shard_id, "shardId", 28, 65);
    }
    let iterator_type = request.required_str("ShardIteratorType", &mut violations)?;
    if !iterator_type.is_empty() && !ITERATOR_TYPES.contains(&iterator_type.as_str()) {
        violations.enumeration(&iterator_type, "shardIteratorType", &ITERATOR_TYPES);
    }
    violations.finish()?;
    Ok(GetShardIterator {
        stream_arn,
        shard_id,
        iterator_type,
        sequence_number: request.str("SequenceNumber"),
    })
}

/// `GetRecords`: the shard iterator and `Limit` (1 to 1000).
pub fn get_records(request: &Request<'_>) -> Result<(String, Option<i64>), ApiError> {
    let mut violations = Violations::default();
    let iterator = request.required_str("ShardIterator", &mut violations)?;
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
    Ok((iterator, limit))
}

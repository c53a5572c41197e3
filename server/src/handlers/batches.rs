//! `BatchGetItem` and `BatchWriteItem`.

use std::collections::BTreeMap;

use serde_json::Value;
use singletable_core::backend::Backend;

use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::encode::batches as encode;
use crate::service::Engine;

/// `BatchGetItem`.
pub(crate) async fn batch_get_item(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let batch = decode::batches::batch_get_item(request)?;
    let out = engine.backend().batch_get_item(batch.input).await?;
    Ok(encode::batch_get_item(&out, &batch.request_items))
}

/// `BatchWriteItem`.
pub(crate) async fn batch_write_item(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let batch = decode::batches::batch_write_item(request)?;
    let out = engine.backend().batch_write_item(batch.input).await?;
    let metrics = match batch.metrics {
        None => None,
        Some(written) => {
            let mut by_table: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for (table, key) in &written {
                if let Some(metric) = super::items::collection_metrics(engine, table, key).await {
                    by_table.entry(table.clone()).or_default().push(metric);
                }
            }
            Some(by_table)
        }
    };
    Ok(encode::batch_write_item(&out, metrics))
}

//! `CreateTable`, `DeleteTable`, `DescribeTable`, `ListTables` and `UpdateTable`, on the
//! engine's catalog operations (`UpdateTable` is
//! [`MemoryBackend::update_table`](singletable_engine::MemoryBackend::update_table): see
//! there for what it changes and how requests running meanwhile stay consistent).

use serde_json::Value;
use singletable_core::backend::{Backend, TableDescription};

use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::encode::tables::{self as encode, DescriptionExtras};
use crate::service::Engine;
/// What a table description in DynamoDB's JSON says beyond the engine's description:
/// the stream label when there is a stream.
pub(crate) fn extras(engine: &Engine, description: &TableDescription) -> DescriptionExtras {
    DescriptionExtras { stream_label: super::streams::label(engine, description) }
}

/// `CreateTable`.
pub(crate) async fn create_table(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::tables::create_table(request)?;
    let description = engine.backend().create_table(input).await?;
    Ok(encode::table_description(&description, &extras(engine, &description)))
}

/// `DeleteTable` (the table's tags go with it).
pub(crate) async fn delete_table(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let name = decode::tables::table_name(request)?;
    let description = engine.backend().delete_table(name).await?;
    Ok(encode::table_description(&description, &extras(engine, &description)))
}

/// `DescribeTable`.
pub(crate) async fn describe_table(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let name = decode::tables::table_name(request)?;
    let description = engine.backend().describe_table(name).await?;
    Ok(encode::describe_table(&description, &extras(engine, &description)))
}

/// `ListTables`.
pub(crate) async fn list_tables(engine: &Engine, request: &Request<'_>) -> Result<Value, ApiError> {
    let input = decode::tables::list_tables(request)?;
    let listed = engine.backend().list_tables(input).await?;
    Ok(encode::list_tables(listed))
}

/// `UpdateTable`.
pub(crate) async fn update_table(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::tables::update_table(request)?;
    let description = engine.backend().update_table(input).await?;
    Ok(encode::table_description(&description, &extras(engine, &description)))
}

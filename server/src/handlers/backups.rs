//! Backups and point-in-time recovery, on the engine's catalog operations
//! ([`MemoryBackend::create_backup`](singletable_engine::MemoryBackend::create_backup),
//! [`MemoryBackend::update_continuous_backups`](singletable_engine::MemoryBackend::update_continuous_backups)
//! and their siblings): see there for what they do and how DynamoDB words their errors.
//! With `--data-dir`, the mutating ones are logged like any write (with the engine time
//! they ran at, so that a replay names backups and dates history alike), and backups
//! and histories are part of the snapshots.

use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::decode::{backups as decode, Request};
use crate::encode::backups as encode;
use crate::service::Engine;

/// `CreateBackup`.
pub(crate) async fn create_backup(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let (table_name, backup_name) = decode::create_backup(request)?;
    let details = engine.backend().create_backup(&table_name, &backup_name).await?;
    Ok(json!({"BackupDetails": encode::backup_details(&details)}))
}

/// `DescribeBackup`.
pub(crate) async fn describe_backup(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let arn = decode::backup_arn(request)?;
    let description = engine.backend().describe_backup(&arn).await?;
    Ok(json!({"BackupDescription": encode::backup_description(&description)}))
}

/// `DeleteBackup`.
pub(crate) async fn delete_backup(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let arn = decode::backup_arn(request)?;
    let description = engine.backend().delete_backup(&arn).await?;
    Ok(json!({"BackupDescription": encode::backup_description(&description)}))
}

/// `ListBackups`.
pub(crate) async fn list_backups(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::list_backups(request)?;
    let listed = engine.backend().list_backups(input).await?;
    Ok(encode::list_backups(&listed))
}

/// `RestoreTableFromBackup`.
pub(crate) async fn restore_table_from_backup(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::restore_table_from_backup(request)?;
    let restored = engine.backend().restore_table_from_backup(input).await?;
    Ok(encode::restored_table(&restored))
}

/// `RestoreTableToPointInTime`.
pub(crate) async fn restore_table_to_point_in_time(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let input = decode::restore_table_to_point_in_time(request)?;
    let restored = engine.backend().restore_table_to_point_in_time(input).await?;
    Ok(encode::restored_table(&restored))
}

/// `UpdateContinuousBackups`.
pub(crate) async fn update_continuous_backups(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let (table_name, specification) = decode::update_continuous_backups(request)?;
    let description =
        engine.backend().update_continuous_backups(&table_name, specification).await?;
    Ok(encode::continuous_backups(&description))
}

/// `DescribeContinuousBackups`.
pub(crate) async fn describe_continuous_backups(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let table_name = crate::decode::tables::table_name(request)?;
    let description = engine.backend().describe_continuous_backups(&table_name).await?;
    Ok(encode::continuous_backups(&description))
}

//! `CreateBackup`, `DescribeBackup`, `ListBackups`, `DeleteBackup`,
//! `RestoreTableFromBackup`, `UpdateContinuousBackups`, `DescribeContinuousBackups` and
//! `RestoreTableToPointInTime`. Names, ranges and whether tables and backups exist are
//! the engine's checks.

use singletable_core::backend::{
    BackupTypeFilter, ListBackupsInput, PointInTimeRecoverySpecification, RestoreOverrides,
    RestoreTableFromBackupInput, RestoreTableToPointInTimeInput,
};
use singletable_core::schema::BillingMode;

use super::exports::timestamp;
use super::tables::secondary_index;
use super::{Request, Violations};
use crate::api_error::ApiError;

/// `CreateBackup`: the table name and the backup name.
pub fn create_backup(request: &Request<'_>) -> Result<(String, String), ApiError> {
    let mut violations = Violations::default();
    let table_name = request.required_str("TableName", &mut violations)?;
    let backup_name = request.required_str("BackupName", &mut violations)?;
    violations.finish()?;
    Ok((table_name, backup_name))
}

/// The `BackupArn` of `DescribeBackup` and `DeleteBackup`.
pub fn backup_arn(request: &Request<'_>) -> Result<String, ApiError> {
    let mut violations = Violations::default();
    let arn = request.required_str("BackupArn", &mut violations)?;
    violations.finish()?;
    Ok(arn)
}

/// `ListBackups`.
pub fn list_backups(request: &Request<'_>) -> Result<ListBackupsInput, ApiError> {
    let mut violations = Violations::default();
    let backup_type = match request.str("BackupType")? {
        None => None,
        Some("USER") => Some(BackupTypeFilter::User),
        Some("SYSTEM") => Some(BackupTypeFilter::System),
        Some("AWS_BACKUP") => Some(BackupTypeFilter::AwsBackup),
        Some("ALL") => Some(BackupTypeFilter::All),
        Some(other) => {
            violations.enumeration(other, "backupType", &["USER", "SYSTEM", "AWS_BACKUP", "ALL"]);
            None
        }
    };
    violations.finish()?;
    let limit = request.int("Limit")?.map(|limit| u32::try_from(limit.max(0)).unwrap_or(u32::MAX));
    Ok(ListBackupsInput {
        table_name: request.str("TableName")?.map(str::to_owned),
        limit,
        time_range_lower_bound: timestamp(request, "TimeRangeLowerBound")?,
        time_range_upper_bound: timestamp(request, "TimeRangeUpperBound")?,
        exclusive_start_backup_arn: request.str("ExclusiveStartBackupArn")?.map(str::to_owned),
        backup_type,
    })
}

/// The overrides of both restores.
fn overrides(
    request: &Request<'_>,
    violations: &mut Violations,
) -> Result<RestoreOverrides, ApiError> {
    let provisioned = match request.nested("ProvisionedThroughputOverride")? {
        Some(throughput) => {
            let units = |member: &str| -> Result<u64, ApiError> {
                Ok(u64::try_from(throughput.int(member)?.unwrap_or(0)).unwrap_or(0))
            };
            Some((units("ReadCapacityUnits")?, units("WriteCapacityUnits")?))
        }
        None => None,
    };
    let billing_mode = match request.str("BillingModeOverride")? {
        None => provisioned.map(|(read, write)| BillingMode::Provisioned { read, write }),
        Some("PAY_PER_REQUEST") => Some(BillingMode::PayPerRequest),
        Some("PROVISIONED") => match provisioned {
            Some((read, write)) => Some(BillingMode::Provisioned { read, write }),
            None => {
                return Err(ApiError::validation(
                    "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
                ))
            }
        },
        Some(other) => {
            violations.enumeration(
                other,
                "billingModeOverride",
                &["PROVISIONED", "PAY_PER_REQUEST"],
            );
            None
        }
    };
    let mut indexes = |member: &str, at: &str| -> Result<Option<Vec<_>>, ApiError> {
        let Some(list) = request.array(member)? else { return Ok(None) };
        let mut indexes = Vec::with_capacity(list.len());
        for index in list {
            indexes.push(secondary_index(&Request::new(index)?, at, violations)?);
        }
        Ok(Some(indexes))
    };
    let global_secondary_indexes =
        indexes("GlobalSecondaryIndexOverride", "globalSecondaryIndexOverride")?;
    let local_secondary_indexes =
        indexes("LocalSecondaryIndexOverride", "localSecondaryIndexOverride")?;
    let sse_enabled = match request.nested("SSESpecificationOverride")? {
        Some(sse) => sse.bool("Enabled")?,
        None => None,
    };
    Ok(RestoreOverrides {
        billing_mode,
        global_secondary_indexes,
        local_secondary_indexes,
        sse_enabled,
    })
}

/// `RestoreTableFromBackup`.
pub fn restore_table_from_backup(
    request: &Request<'_>,
) -> Result<RestoreTableFromBackupInput, ApiError> {
    let mut violations = Violations::default();
    let target_table_name = request.required_str("TargetTableName", &mut violations)?;
    let backup_arn = request.required_str("BackupArn", &mut violations)?;
    let overrides = overrides(request, &mut violations)?;
    violations.finish()?;
    Ok(RestoreTableFromBackupInput { target_table_name, backup_arn, overrides })
}

/// `RestoreTableToPointInTime`.
pub fn restore_table_to_point_in_time(
    request: &Request<'_>,
) -> Result<RestoreTableToPointInTimeInput, ApiError> {
    let mut violations = Violations::default();
    let target_table_name = request.required_str("TargetTableName", &mut violations)?;
    let overrides = overrides(request, &mut violations)?;
    violations.finish()?;
    Ok(RestoreTableToPointInTimeInput {
        source_table_name: request.str("SourceTableName")?.map(str::to_owned),
        source_table_arn: request.str("SourceTableArn")?.map(str::to_owned),
        target_table_name,
        use_latest_restorable_time: request.bool("UseLatestRestorableTime")?.unwrap_or(false),
        restore_date_time: timestamp(request, "RestoreDateTime")?,
        overrides,
    })
}

/// `UpdateContinuousBackups`: the table name and the specification.
pub fn update_continuous_backups(
    request: &Request<'_>,
) -> Result<(String, PointInTimeRecoverySpecification), ApiError> {
    let mut violations = Violations::default();
    let table_name = request.required_str("TableName", &mut violations)?;
    let specification = request.nested("PointInTimeRecoverySpecification")?;
    let mut enabled = false;
    let mut days = None;
    match specification {
        None => violations.null("pointInTimeRecoverySpecification"),
        Some(specification) => {
            match specification.bool("PointInTimeRecoveryEnabled")? {
                Some(value) => enabled = value,
                None => {
                    violations.null("pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled")
                }
            }
            days = specification
                .int("RecoveryPeriodInDays")?
                .map(|days| u32::try_from(days.max(0)).unwrap_or(u32::MAX));
        }
    }
    violations.finish()?;
    let specification = PointInTimeRecoverySpecification {
        point_in_time_recovery_enabled: enabled,
        recovery_period_in_days: days,
    };
    Ok((table_name, specification))
}

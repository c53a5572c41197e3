//! Backups and point-in-time recovery: `CreateBackup`, `DescribeBackup`, `ListBackups`,
//! `DeleteBackup`, `RestoreTableFromBackup`, `UpdateContinuousBackups`,
//! `DescribeContinuousBackups` and `RestoreTableToPointInTime`.
//!
//! Like `UpdateTable` and tags (see [`catalog`](super::UpdateTableInput)), these are
//! catalog operations outside the [`Backend`](super::Backend) trait: the embedded engine
//! offers them as inherent methods (`MemoryBackend::create_backup`, ...) and
//! `singletable serve` answers them over DynamoDB's wire protocol. Times are Unix epoch
//! seconds (`f64`, millisecond precision), as `CreationDateTime` is elsewhere.

use super::{KeySchemaElement, SecondaryIndex, TableDescription};
use crate::schema::{BillingMode, StreamViewType};

/// `BackupStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupStatus {
    /// `CREATING`.
    Creating,
    /// `AVAILABLE`.
    Available,
    /// `DELETED` (the answer of `DeleteBackup`).
    Deleted,
}

/// `BackupType` of a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupType {
    /// `USER`: made by `CreateBackup`.
    User,
    /// `SYSTEM`: made by DynamoDB (when a table with point-in-time recovery is deleted).
    System,
    /// `AWS_BACKUP`: made by AWS Backup.
    AwsBackup,
}

/// `BackupType` of `ListBackups`: one type, or `ALL`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BackupTypeFilter {
    /// `USER` (DynamoDB's default).
    #[default]
    User,
    /// `SYSTEM`.
    System,
    /// `AWS_BACKUP`.
    AwsBackup,
    /// `ALL`.
    All,
}

impl BackupTypeFilter {
    /// True when a backup of type `backup_type` passes the filter.
    pub fn admits(self, backup_type: BackupType) -> bool {
        match self {
            BackupTypeFilter::All => true,
            BackupTypeFilter::User => backup_type == BackupType::User,
            BackupTypeFilter::System => backup_type == BackupType::System,
            BackupTypeFilter::AwsBackup => backup_type == BackupType::AwsBackup,
        }
    }
}

/// `BackupDetails`.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupDetails {
    /// `BackupArn`: `<table ARN>/backup/<14-digit epoch millis>-<8 hex digits>`.
    pub backup_arn: String,
    /// `BackupName`.
    pub backup_name: String,
    /// `BackupSizeBytes`: the summed size of the items backed up.
    pub backup_size_bytes: u64,
    /// `BackupStatus`.
    pub backup_status: BackupStatus,
    /// `BackupType`.
    pub backup_type: BackupType,
    /// `BackupCreationDateTime`.
    pub backup_creation_date_time: f64,
    /// `BackupExpiryDateTime` (system backups only).
    pub backup_expiry_date_time: Option<f64>,
}

/// `SourceTableDetails`: the table as it was when backed up.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceTableDetails {
    /// `TableName`.
    pub table_name: String,
    /// `TableId`.
    pub table_id: String,
    /// `TableArn`.
    pub table_arn: String,
    /// `TableSizeBytes`.
    pub table_size_bytes: u64,
    /// `KeySchema`.
    pub key_schema: Vec<KeySchemaElement>,
    /// `TableCreationDateTime`.
    pub table_creation_date_time: f64,
    /// `BillingMode` and `ProvisionedThroughput`.
    pub billing_mode: BillingMode,
    /// `ItemCount`.
    pub item_count: u64,
}

/// `SourceTableFeatureDetails`: the source table's indexes, stream and TTL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceTableFeatureDetails {
    /// `GlobalSecondaryIndexes`.
    pub global_secondary_indexes: Vec<SecondaryIndex>,
    /// `LocalSecondaryIndexes`.
    pub local_secondary_indexes: Vec<SecondaryIndex>,
    /// `StreamDescription` (the view type when enabled).
    pub stream: Option<StreamViewType>,
    /// `TimeToLiveDescription` (the attribute while TTL is enabled).
    pub time_to_live_attribute: Option<String>,
}

/// `BackupDescription`: what `DescribeBackup` and `DeleteBackup` answer.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupDescription {
    /// `BackupDetails`.
    pub backup_details: BackupDetails,
    /// `SourceTableDetails`.
    pub source_table_details: SourceTableDetails,
    /// `SourceTableFeatureDetails`.
    pub source_table_feature_details: SourceTableFeatureDetails,
}

impl BackupDescription {
    /// The `BackupSummary` `ListBackups` gives for this backup.
    pub fn summary(&self) -> BackupSummary {
        let details = &self.backup_details;
        let source = &self.source_table_details;
        BackupSummary {
            table_name: source.table_name.clone(),
            table_id: source.table_id.clone(),
            table_arn: source.table_arn.clone(),
            backup_arn: details.backup_arn.clone(),
            backup_name: details.backup_name.clone(),
            backup_creation_date_time: details.backup_creation_date_time,
            backup_expiry_date_time: details.backup_expiry_date_time,
            backup_status: details.backup_status,
            backup_type: details.backup_type,
            backup_size_bytes: details.backup_size_bytes,
        }
    }
}

/// `BackupSummary`: one backup in `ListBackups`.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupSummary {
    /// `TableName`.
    pub table_name: String,
    /// `TableId`.
    pub table_id: String,
    /// `TableArn`.
    pub table_arn: String,
    /// `BackupArn`.
    pub backup_arn: String,
    /// `BackupName`.
    pub backup_name: String,
    /// `BackupCreationDateTime`.
    pub backup_creation_date_time: f64,
    /// `BackupExpiryDateTime`.
    pub backup_expiry_date_time: Option<f64>,
    /// `BackupStatus`.
    pub backup_status: BackupStatus,
    /// `BackupType`.
    pub backup_type: BackupType,
    /// `BackupSizeBytes`.
    pub backup_size_bytes: u64,
}

/// `ListBackups`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListBackupsInput {
    /// `TableName`: only this table's backups.
    pub table_name: Option<String>,
    /// `Limit` (1–100; 100 when absent).
    pub limit: Option<u32>,
    /// `TimeRangeLowerBound`: backups created at or after this time.
    pub time_range_lower_bound: Option<f64>,
    /// `TimeRangeUpperBound`: backups created before this time.
    pub time_range_upper_bound: Option<f64>,
    /// `ExclusiveStartBackupArn`: the page starts after this backup.
    pub exclusive_start_backup_arn: Option<String>,
    /// `BackupType` (`USER` when absent, as in DynamoDB).
    pub backup_type: Option<BackupTypeFilter>,
}

/// `ListBackups`'s result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListBackupsOutput {
    /// `BackupSummaries`, oldest first.
    pub backup_summaries: Vec<BackupSummary>,
    /// `LastEvaluatedBackupArn`, when more remain.
    pub last_evaluated_backup_arn: Option<String>,
}

/// The overrides `RestoreTableFromBackup` and `RestoreTableToPointInTime` accept; what
/// is absent is taken from the source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreOverrides {
    /// `BillingModeOverride` with `ProvisionedThroughputOverride`.
    pub billing_mode: Option<BillingMode>,
    /// `GlobalSecondaryIndexOverride`: the restored table's GSIs (an empty list: none).
    pub global_secondary_indexes: Option<Vec<SecondaryIndex>>,
    /// `LocalSecondaryIndexOverride`: the restored table's LSIs (an empty list: none).
    pub local_secondary_indexes: Option<Vec<SecondaryIndex>>,
    /// `SSESpecificationOverride.Enabled`: recorded, not applied (the engine does not
    /// encrypt).
    pub sse_enabled: Option<bool>,
}

/// `RestoreTableFromBackup`'s parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreTableFromBackupInput {
    /// `TargetTableName`.
    pub target_table_name: String,
    /// `BackupArn`.
    pub backup_arn: String,
    /// The overrides.
    pub overrides: RestoreOverrides,
}

/// `RestoreTableToPointInTime`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestoreTableToPointInTimeInput {
    /// `SourceTableName` (this or `source_table_arn`).
    pub source_table_name: Option<String>,
    /// `SourceTableArn` (this or `source_table_name`).
    pub source_table_arn: Option<String>,
    /// `TargetTableName`.
    pub target_table_name: String,
    /// `UseLatestRestorableTime`.
    pub use_latest_restorable_time: bool,
    /// `RestoreDateTime`.
    pub restore_date_time: Option<f64>,
    /// The overrides.
    pub overrides: RestoreOverrides,
}

/// `RestoreSummary` of a restored table.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreSummary {
    /// `SourceBackupArn` (restores from a backup).
    pub source_backup_arn: Option<String>,
    /// `SourceTableArn`.
    pub source_table_arn: String,
    /// `RestoreDateTime`: the point in time restored (a backup's creation time).
    pub restore_date_time: f64,
    /// `RestoreInProgress` (the engine restores before it answers: false).
    pub restore_in_progress: bool,
}

/// What the restores answer: the new table's description and its `RestoreSummary`.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreTableOutput {
    /// `TableDescription` of the restored table.
    pub table_description: TableDescription,
    /// Its `RestoreSummary`.
    pub restore_summary: RestoreSummary,
}

/// `PointInTimeRecoverySpecification` of `UpdateContinuousBackups`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PointInTimeRecoverySpecification {
    /// `PointInTimeRecoveryEnabled`.
    pub point_in_time_recovery_enabled: bool,
    /// `RecoveryPeriodInDays` (1–35; 35 when absent).
    pub recovery_period_in_days: Option<u32>,
}

/// `ContinuousBackupsStatus` and `PointInTimeRecoveryStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContinuousBackupsStatus {
    /// `ENABLED`.
    Enabled,
    /// `DISABLED`.
    Disabled,
}

/// `PointInTimeRecoveryDescription`.
#[derive(Debug, Clone, PartialEq)]
pub struct PointInTimeRecoveryDescription {
    /// `PointInTimeRecoveryStatus`.
    pub point_in_time_recovery_status: ContinuousBackupsStatus,
    /// `RecoveryPeriodInDays`, while enabled.
    pub recovery_period_in_days: Option<u32>,
    /// `EarliestRestorableDateTime`, while enabled.
    pub earliest_restorable_date_time: Option<f64>,
    /// `LatestRestorableDateTime`, while enabled.
    pub latest_restorable_date_time: Option<f64>,
}

/// `ContinuousBackupsDescription`: what `DescribeContinuousBackups` and
/// `UpdateContinuousBackups` answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuousBackupsDescription {
    /// `ContinuousBackupsStatus` (always `ENABLED`: on-demand backups are available for
    /// every table, as in DynamoDB).
    pub continuous_backups_status: ContinuousBackupsStatus,
    /// `PointInTimeRecoveryDescription`.
    pub point_in_time_recovery_description: PointInTimeRecoveryDescription,
}

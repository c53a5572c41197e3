//! Backups and point-in-time recovery: `BackupDetails`, `BackupDescription`,
//! `BackupSummary`, `ContinuousBackupsDescription` and restored tables' descriptions
//! with their `RestoreSummary`, in DynamoDB's JSON.

use serde_json::{json, Map, Value};
use singletable_core::backend::{
    BackupDescription, BackupDetails, BackupStatus, BackupSummary, BackupType,
    ContinuousBackupsDescription, ContinuousBackupsStatus, ListBackupsOutput, RestoreTableOutput,
    SecondaryIndex,
};
use singletable_core::json::{key_schema_to_json, projection_to_json, restore_summary_json};
use singletable_core::schema::BillingMode;

use super::tables::{description_json, DescriptionExtras};

fn status(status: BackupStatus) -> &'static str {
    match status {
        BackupStatus::Creating => "CREATING",
        BackupStatus::Available => "AVAILABLE",
        BackupStatus::Deleted => "DELETED",
    }
}

fn backup_type(backup_type: BackupType) -> &'static str {
    match backup_type {
        BackupType::User => "USER",
        BackupType::System => "SYSTEM",
        BackupType::AwsBackup => "AWS_BACKUP",
    }
}

fn throughput(read: u64, write: u64) -> Value {
    json!({"ReadCapacityUnits": read, "WriteCapacityUnits": write})
}

/// `BackupDetails`.
pub fn backup_details(details: &BackupDetails) -> Value {
    let mut object = Map::new();
    object.insert("BackupArn".to_owned(), json!(details.backup_arn));
    object.insert("BackupName".to_owned(), json!(details.backup_name));
    object.insert("BackupSizeBytes".to_owned(), json!(details.backup_size_bytes));
    object.insert("BackupStatus".to_owned(), json!(status(details.backup_status)));
    object.insert("BackupType".to_owned(), json!(backup_type(details.backup_type)));
    object.insert("BackupCreationDateTime".to_owned(), json!(details.backup_creation_date_time));
    if let Some(expiry) = details.backup_expiry_date_time {
        object.insert("BackupExpiryDateTime".to_owned(), json!(expiry));
    }
    Value::Object(object)
}

fn index_json(index: &SecondaryIndex) -> Value {
    let mut object = Map::new();
    object.insert("IndexName".to_owned(), json!(index.index_name));
    object.insert("KeySchema".to_owned(), key_schema_to_json(&index.key_schema));
    object.insert("Projection".to_owned(), projection_to_json(&index.projection));
    if let Some((read, write)) = index.provisioned_throughput {
        object.insert("ProvisionedThroughput".to_owned(), throughput(read, write));
    }
    Value::Object(object)
}

/// `BackupDescription`.
pub fn backup_description(description: &BackupDescription) -> Value {
    let source = &description.source_table_details;
    let (billing, (read, write)) = match source.billing_mode {
        BillingMode::PayPerRequest => ("PAY_PER_REQUEST", (0, 0)),
        BillingMode::Provisioned { read, write } => ("PROVISIONED", (read, write)),
    };
    let features = &description.source_table_feature_details;
    let mut feature_details = Map::new();
    if !features.global_secondary_indexes.is_empty() {
        let indexes = features.global_secondary_indexes.iter().map(index_json).collect();
        feature_details.insert("GlobalSecondaryIndexes".to_owned(), Value::Array(indexes));
    }
    if !features.local_secondary_indexes.is_empty() {
        let indexes = features.local_secondary_indexes.iter().map(index_json).collect();
        feature_details.insert("LocalSecondaryIndexes".to_owned(), Value::Array(indexes));
    }
    if let Some(view) = features.stream {
        feature_details.insert(
            "StreamDescription".to_owned(),
            json!({"StreamEnabled": true, "StreamViewType": view.as_str()}),
        );
    }
    let ttl = match &features.time_to_live_attribute {
        Some(name) => json!({"TimeToLiveStatus": "ENABLED", "AttributeName": name}),
        None => json!({"TimeToLiveStatus": "DISABLED"}),
    };
    feature_details.insert("TimeToLiveDescription".to_owned(), ttl);
    json!({
        "BackupDetails": backup_details(&description.backup_details),
        "SourceTableDetails": {
            "TableName": source.table_name,
            "TableId": source.table_id,
            "TableArn": source.table_arn,
            "TableSizeBytes": source.table_size_bytes,
            "KeySchema": key_schema_to_json(&source.key_schema),
            "TableCreationDateTime": source.table_creation_date_time,
            "ProvisionedThroughput": throughput(read, write),
            "ItemCount": source.item_count,
            "BillingMode": billing,
        },
        "SourceTableFeatureDetails": Value::Object(feature_details),
    })
}

fn summary_json(summary: &BackupSummary) -> Value {
    let mut object = Map::new();
    object.insert("TableName".to_owned(), json!(summary.table_name));
    object.insert("TableId".to_owned(), json!(summary.table_id));
    object.insert("TableArn".to_owned(), json!(summary.table_arn));
    object.insert("BackupArn".to_owned(), json!(summary.backup_arn));
    object.insert("BackupName".to_owned(), json!(summary.backup_name));
    object.insert("BackupCreationDateTime".to_owned(), json!(summary.backup_creation_date_time));
    if let Some(expiry) = summary.backup_expiry_date_time {
        object.insert("BackupExpiryDateTime".to_owned(), json!(expiry));
    }
    object.insert("BackupStatus".to_owned(), json!(status(summary.backup_status)));
    object.insert("BackupType".to_owned(), json!(backup_type(summary.backup_type)));
    object.insert("BackupSizeBytes".to_owned(), json!(summary.backup_size_bytes));
    Value::Object(object)
}

/// The response of `ListBackups`.
pub fn list_backups(listed: &ListBackupsOutput) -> Value {
    let mut object = Map::new();
    let summaries = listed.backup_summaries.iter().map(summary_json).collect();
    object.insert("BackupSummaries".to_owned(), Value::Array(summaries));
    if let Some(last) = &listed.last_evaluated_backup_arn {
        object.insert("LastEvaluatedBackupArn".to_owned(), json!(last));
    }
    Value::Object(object)
}

/// The response of both restores: `TableDescription` with its `RestoreSummary`.
pub fn restored_table(restored: &RestoreTableOutput) -> Value {
    let mut table = description_json(&restored.table_description, &DescriptionExtras::default());
    if let Some(table) = table.as_object_mut() {
        table.insert("RestoreSummary".to_owned(), restore_summary_json(&restored.restore_summary));
    }
    json!({"TableDescription": table})
}

fn enabled(status: ContinuousBackupsStatus) -> &'static str {
    match status {
        ContinuousBackupsStatus::Enabled => "ENABLED",
        ContinuousBackupsStatus::Disabled => "DISABLED",
    }
}

/// The response of `DescribeContinuousBackups` and `UpdateContinuousBackups`.
pub fn continuous_backups(description: &ContinuousBackupsDescription) -> Value {
    let pitr = &description.point_in_time_recovery_description;
    let mut object = Map::new();
    object.insert(
        "PointInTimeRecoveryStatus".to_owned(),
        json!(enabled(pitr.point_in_time_recovery_status)),
    );
    if let Some(days) = pitr.recovery_period_in_days {
        object.insert("RecoveryPeriodInDays".to_owned(), json!(days));
    }
    if let Some(earliest) = pitr.earliest_restorable_date_time {
        object.insert("EarliestRestorableDateTime".to_owned(), json!(earliest));
    }
    if let Some(latest) = pitr.latest_restorable_date_time {
        object.insert("LatestRestorableDateTime".to_owned(), json!(latest));
    }
    json!({"ContinuousBackupsDescription": {
        "ContinuousBackupsStatus": enabled(description.continuous_backups_status),
        "PointInTimeRecoveryDescription": Value::Object(object),
    }})
}

//! On-demand backups on the engine: create, describe, list (filters and pages), delete,
//! restore (with overrides), the errors, and the system backup of a deleted table.

use std::sync::Arc;
use std::time::Duration;

use singletable_core::backend::{
    AttributeDefinition, Backend, BackupStatus, BackupType, BackupTypeFilter, CreateTableInput,
    KeySchemaElement, KeyType, ListBackupsInput, PointInTimeRecoverySpecification, ProjectionSpec,
    PutItemInput, RestoreOverrides, RestoreTableFromBackupInput, ScanInput, SecondaryIndex,
    TimeToLiveSpecification,
};
use singletable_core::clock::ManualClock;
use singletable_core::schema::{BillingMode, ScalarType};
use singletable_core::{AttributeValue, Error, Item, Timestamp};
use singletable_engine::MemoryBackend;

const START: i64 = 1_700_000_000;

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn definition(name: &str) -> CreateTableInput {
    let element =
        |name: &str, key_type| KeySchemaElement { attribute_name: name.to_owned(), key_type };
    CreateTableInput {
        table_name: name.to_owned(),
        attribute_definitions: ["pk", "g"]
            .iter()
            .map(|name| AttributeDefinition { name: (*name).to_owned(), ty: ScalarType::S })
            .collect(),
        key_schema: vec![element("pk", KeyType::Hash)],
        global_secondary_indexes: vec![SecondaryIndex {
            index_name: "ByG".to_owned(),
            key_schema: vec![element("g", KeyType::Hash)],
            projection: ProjectionSpec::KeysOnly,
            provisioned_throughput: Some((5, 5)),
        }],
        local_secondary_indexes: Vec::new(),
        billing_mode: BillingMode::Provisioned { read: 5, write: 5 },
        stream: None,
    }
}

async fn engine() -> (MemoryBackend, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(START)));
    let db = MemoryBackend::new().with_clock(clock.clone());
    for name in ["Tbl", "Ubl"] {
        db.create_table(definition(name)).await.expect("created");
    }
    (db, clock)
}

async fn put(db: &MemoryBackend, table: &str, pk: &str, v: &str) {
    let item: Item =
        [("pk".to_owned(), s(pk)), ("g".to_owned(), s("G")), ("v".to_owned(), s(v))].into();
    let input = PutItemInput { table_name: table.to_owned(), item, ..Default::default() };
    db.put_item(input).await.expect("put");
}

async fn scan(db: &MemoryBackend, table: &str) -> Vec<Item> {
    let input = ScanInput { table_name: table.to_owned(), ..Default::default() };
    db.scan(input).await.expect("scanned").items
}

fn code(error: Error) -> (String, String) {
    match error {
        Error::Service { code, message, .. } => (code, message),
        Error::Validation { message, .. } => ("ValidationException".to_owned(), message),
        other => (format!("{other:?}"), other.to_string()),
    }
}

fn restore(arn: &str, target: &str) -> RestoreTableFromBackupInput {
    RestoreTableFromBackupInput {
        target_table_name: target.to_owned(),
        backup_arn: arn.to_owned(),
        overrides: RestoreOverrides::default(),
    }
}

#[tokio::test]
async fn a_backup_restores_the_table_as_it_was() {
    let (db, clock) = engine().await;
    put(&db, "Tbl", "a", "1").await;
    put(&db, "Tbl", "b", "2").await;
    let ttl = TimeToLiveSpecification { enabled: true, attribute_name: "exp".to_owned() };
    db.update_time_to_live("Tbl".to_owned(), ttl).await.expect("ttl");
    let before = scan(&db, "Tbl").await;
    clock.advance(Duration::from_millis(1_234));
    let details = db.create_backup("Tbl", "nightly").await.expect("backed up");
    assert_eq!(details.backup_status, BackupStatus::Available);
    assert_eq!(details.backup_type, BackupType::User);
    assert_eq!(details.backup_creation_date_time, START as f64 + 1.234);
    let prefix = format!(
        "arn:aws:dynamodb:ddblocal:000000000000:table/Tbl/backup/{:014}-",
        START * 1000 + 1234
    );
    assert!(details.backup_arn.starts_with(&prefix), "{}", details.backup_arn);
    assert_eq!(details.backup_arn.len(), prefix.len() + 8);

    put(&db, "Tbl", "a", "changed").await;
    put(&db, "Tbl", "c", "3").await;

    let described = db.describe_backup(&details.backup_arn).await.expect("described");
    assert_eq!(described.backup_details, details);
    assert_eq!(described.source_table_details.item_count, 2);
    assert_eq!(described.source_table_details.table_name, "Tbl");
    assert_eq!(described.source_table_details.table_id.len(), 36);
    assert_eq!(described.source_table_feature_details.global_secondary_indexes.len(), 1);
    assert_eq!(
        described.source_table_feature_details.time_to_live_attribute.as_deref(),
        Some("exp")
    );

    let restored =
        db.restore_table_from_backup(restore(&details.backup_arn, "Rst")).await.expect("restored");
    assert_eq!(
        restored.restore_summary.source_backup_arn.as_deref(),
        Some(details.backup_arn.as_str())
    );
    assert_eq!(restored.table_description.item_count, 2);
    assert_eq!(scan(&db, "Rst").await, before);
    assert_eq!(db.index_items("Rst", "ByG", &[s("G")]).expect("gsi").len(), 2);
    // No TTL on a restored table.
    let ttl = db.describe_time_to_live("Rst".to_owned()).await.expect("ttl");
    assert!(format!("{ttl:?}").contains("Disabled"), "{ttl:?}");

    // The backup outlives its table.
    db.delete_table("Tbl".to_owned()).await.expect("deleted");
    let mut overridden = restore(&details.backup_arn, "Ovr");
    overridden.overrides.billing_mode = Some(BillingMode::PayPerRequest);
    overridden.overrides.global_secondary_indexes = Some(Vec::new());
    let restored = db.restore_table_from_backup(overridden).await.expect("restored");
    assert_eq!(restored.table_description.billing_mode, BillingMode::PayPerRequest);
    assert!(restored.table_description.global_secondary_indexes.is_empty());

    let deleted = db.delete_backup(&details.backup_arn).await.expect("deleted");
    assert_eq!(deleted.backup_details.backup_status, BackupStatus::Deleted);
    let error = db.describe_backup(&details.backup_arn).await.expect_err("gone");
    assert_eq!(
        code(error),
        ("BackupNotFoundException".to_owned(), format!("Backup not found: {}", details.backup_arn))
    );
}

#[tokio::test]
async fn list_backups_filters_and_pages() {
    let (db, clock) = engine().await;
    let mut arns = Vec::new();
    for (table, name) in [("Tbl", "t1x"), ("Ubl", "u1x"), ("Tbl", "t2x"), ("Tbl", "t3x")] {
        clock.advance(Duration::from_secs(10));
        arns.push(db.create_backup(table, name).await.expect("backed up").backup_arn);
    }
    let names = |listed: &[singletable_core::backend::BackupSummary]| {
        listed.iter().map(|b| b.backup_name.clone()).collect::<Vec<_>>()
    };
    let all = db.list_backups(ListBackupsInput::default()).await.expect("listed");
    assert_eq!(names(&all.backup_summaries), ["t1x", "u1x", "t2x", "t3x"]);
    assert_eq!(all.last_evaluated_backup_arn, None);

    let only_t = ListBackupsInput { table_name: Some("Tbl".to_owned()), ..Default::default() };
    assert_eq!(
        names(&db.list_backups(only_t).await.expect("listed").backup_summaries),
        ["t1x", "t2x", "t3x"]
    );

    let range = ListBackupsInput {
        time_range_lower_bound: Some((START + 20) as f64),
        time_range_upper_bound: Some((START + 40) as f64),
        ..Default::default()
    };
    assert_eq!(
        names(&db.list_backups(range).await.expect("listed").backup_summaries),
        ["u1x", "t2x"]
    );

    let system =
        ListBackupsInput { backup_type: Some(BackupTypeFilter::System), ..Default::default() };
    assert!(db.list_backups(system).await.expect("listed").backup_summaries.is_empty());
    let every = ListBackupsInput { backup_type: Some(BackupTypeFilter::All), ..Default::default() };
    assert_eq!(db.list_backups(every).await.expect("listed").backup_summaries.len(), 4);

    let mut page = ListBackupsInput { limit: Some(3), ..Default::default() };
    let first = db.list_backups(page.clone()).await.expect("listed");
    assert_eq!(names(&first.backup_summaries), ["t1x", "u1x", "t2x"]);
    assert_eq!(first.last_evaluated_backup_arn.as_deref(), Some(arns[2].as_str()));
    page.exclusive_start_backup_arn = first.last_evaluated_backup_arn;
    let second = db.list_backups(page).await.expect("listed");
    assert_eq!(names(&second.backup_summaries), ["t3x"]);
    assert_eq!(second.last_evaluated_backup_arn, None);

    let error = db
        .list_backups(ListBackupsInput { limit: Some(0), ..Default::default() })
        .await
        .expect_err("limit");
    assert!(code(error).1.contains("Value '0' at 'limit'"));
}

#[tokio::test]
async fn backup_errors_name_what_was_wrong() {
    let (db, _clock) = engine().await;
    let error = db.create_backup("Nope", "name").await.expect_err("missing");
    assert_eq!(
        code(error),
        ("TableNotFoundException".to_owned(), "Table not found: Nope".to_owned())
    );
    let error = db.create_backup("Tbl", "a!").await.expect_err("name");
    let (name, message) = code(error);
    assert_eq!(name, "ValidationException");
    assert!(
        message.starts_with("2 validation errors detected: Value 'a!' at 'backupName'"),
        "{message}"
    );

    let arn = db.create_backup("Tbl", "b1x").await.expect("backed up").backup_arn;
    let error = db.restore_table_from_backup(restore(&arn, "Ubl")).await.expect_err("exists");
    assert_eq!(
        code(error),
        ("TableAlreadyExistsException".to_owned(), "Table already exists: Ubl".to_owned())
    );
    let error =
        db.restore_table_from_backup(restore("arn:nope", "Vvv")).await.expect_err("missing");
    assert_eq!(code(error).0, "BackupNotFoundException");
    let error = db.delete_backup("arn:nope").await.expect_err("missing");
    assert_eq!(code(error).0, "BackupNotFoundException");
    // An override naming an attribute the backup does not define is CreateTable's error.
    let mut bad = restore(&arn, "Vvv");
    bad.overrides.local_secondary_indexes = Some(vec![SecondaryIndex {
        index_name: "L".to_owned(),
        key_schema: vec![
            KeySchemaElement { attribute_name: "pk".to_owned(), key_type: KeyType::Hash },
            KeySchemaElement { attribute_name: "zz".to_owned(), key_type: KeyType::Range },
        ],
        projection: ProjectionSpec::All,
        provisioned_throughput: None,
    }]);
    assert_eq!(
        code(db.restore_table_from_backup(bad).await.expect_err("bad")).0,
        "ValidationException"
    );
}

#[tokio::test]
async fn backups_survive_export_and_import() {
    let (db, _clock) = engine().await;
    put(&db, "Tbl", "a", "1").await;
    let arn = db.create_backup("Tbl", "keep").await.expect("backed up").backup_arn;
    let copy = MemoryBackend::new();
    copy.import_state(db.export_state()).expect("imported");
    assert_eq!(
        copy.describe_backup(&arn).await.expect("described"),
        db.describe_backup(&arn).await.expect("described")
    );
    copy.restore_table_from_backup(restore(&arn, "Rst")).await.expect("restored");
    assert_eq!(scan(&copy, "Rst").await.len(), 1);
}

#[tokio::test]
async fn deleting_a_table_with_point_in_time_recovery_leaves_a_system_backup() {
    let (db, clock) = engine().await;
    let spec = PointInTimeRecoverySpecification {
        point_in_time_recovery_enabled: true,
        recovery_period_in_days: None,
    };
    db.update_continuous_backups("Tbl", spec).await.expect("enabled");
    put(&db, "Tbl", "a", "1").await;
    put(&db, "Tbl", "b", "2").await;
    put(&db, "Ubl", "c", "3").await;
    clock.advance(Duration::from_secs(60));
    db.delete_table("Tbl".to_owned()).await.expect("deleted");
    // Without point-in-time recovery a deleted table leaves nothing.
    db.delete_table("Ubl".to_owned()).await.expect("deleted");

    // ListBackups lists USER backups unless asked for others.
    let listed = db.list_backups(ListBackupsInput::default()).await.expect("listed");
    assert!(listed.backup_summaries.is_empty(), "{listed:?}");
    let system =
        ListBackupsInput { backup_type: Some(BackupTypeFilter::System), ..Default::default() };
    let listed = db.list_backups(system.clone()).await.expect("listed").backup_summaries;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].backup_name, "Tbl$DeletedTableBackup");
    assert_eq!(listed[0].backup_type, BackupType::System);
    let deleted_at = (START + 60) as f64;
    assert_eq!(listed[0].backup_creation_date_time, deleted_at);
    assert_eq!(listed[0].backup_expiry_date_time, Some(deleted_at + 35.0 * 86_400.0));

    // It restores the table as it was just before the deletion.
    let arn = listed[0].backup_arn.clone();
    let described = db.describe_backup(&arn).await.expect("described");
    assert_eq!(described.source_table_details.item_count, 2);
    db.restore_table_from_backup(restore(&arn, "Back")).await.expect("restored");
    // DescribeTable keeps saying where the table came from.
    let summary = db.describe_table("Back".to_owned()).await.expect("described").restore_summary;
    let summary = summary.expect("a restored table has a RestoreSummary");
    assert_eq!(summary.source_backup_arn.as_deref(), Some(arn.as_str()));
    assert_eq!(summary.restore_date_time, deleted_at);
    assert!(summary.source_table_arn.ends_with(":table/Tbl"), "{summary:?}");

    let mut values: Vec<_> = scan(&db, "Back").await.iter().map(|item| item["v"].clone()).collect();
    values.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(values, [s("1"), s("2")]);

    // Kept 35 days, then gone.
    clock.advance(Duration::from_secs(35 * 86_400 - 1));
    assert_eq!(db.list_backups(system.clone()).await.expect("listed").backup_summaries.len(), 1);
    clock.advance(Duration::from_secs(1));
    assert!(db.list_backups(system).await.expect("listed").backup_summaries.is_empty());
    let gone = db.describe_backup(&arn).await.expect_err("expired");
    assert_eq!(code(gone).0, "BackupNotFoundException");
}

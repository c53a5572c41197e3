//! Point-in-time recovery on the engine, with a manual clock: write, note the time,
//! overwrite and delete, restore to the noted time and find exactly the earlier state
//! (items and index entries), the overrides applied, the window's limits and the errors.

use std::sync::Arc;
use std::time::Duration;

use singletable_core::backend::{
    AttributeDefinition, Backend, ContinuousBackupsStatus, CreateTableInput, DeleteItemInput,
    KeySchemaElement, KeyType, PointInTimeRecoverySpecification, ProjectionSpec, PutItemInput,
    RestoreOverrides, RestoreTableToPointInTimeInput, ScanInput, SecondaryIndex,
};
use singletable_core::clock::ManualClock;
use singletable_core::schema::{BillingMode, ScalarType};
use singletable_core::{AttributeValue, Error, Item, Timestamp};
use singletable_engine::MemoryBackend;

const START: i64 = 1_700_000_000;

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn item(pk: &str, sk: &str, g: &str, l: &str, v: &str) -> Item {
    [("pk", s(pk)), ("sk", s(sk)), ("g", s(g)), ("l", s(l)), ("v", s(v))]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

fn element(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement { attribute_name: name.to_owned(), key_type }
}

fn definition(name: &str) -> CreateTableInput {
    CreateTableInput {
        table_name: name.to_owned(),
        attribute_definitions: ["pk", "sk", "g", "l"]
            .iter()
            .map(|name| AttributeDefinition { name: (*name).to_owned(), ty: ScalarType::S })
            .collect(),
        key_schema: vec![element("pk", KeyType::Hash), element("sk", KeyType::Range)],
        global_secondary_indexes: vec![SecondaryIndex {
            index_name: "ByG".to_owned(),
            key_schema: vec![element("g", KeyType::Hash)],
            projection: ProjectionSpec::All,
            provisioned_throughput: None,
        }],
        local_secondary_indexes: vec![SecondaryIndex {
            index_name: "ByL".to_owned(),
            key_schema: vec![element("pk", KeyType::Hash), element("l", KeyType::Range)],
            projection: ProjectionSpec::KeysOnly,
            provisioned_throughput: None,
        }],
        billing_mode: BillingMode::PayPerRequest,
        stream: None,
    }
}

async fn engine() -> (MemoryBackend, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(START)));
    let db = MemoryBackend::new().with_clock(clock.clone());
    db.create_table(definition("Tbl")).await.expect("created");
    (db, clock)
}

async fn enable(db: &MemoryBackend, days: Option<u32>) {
    let spec = PointInTimeRecoverySpecification {
        point_in_time_recovery_enabled: true,
        recovery_period_in_days: days,
    };
    db.update_continuous_backups("Tbl", spec).await.expect("enabled");
}

async fn put(db: &MemoryBackend, item: Item) {
    let input = PutItemInput { table_name: "Tbl".to_owned(), item, ..Default::default() };
    db.put_item(input).await.expect("put");
}

async fn delete(db: &MemoryBackend, pk: &str, sk: &str) {
    let key: Item = [("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))].into();
    db.delete_item(DeleteItemInput { table_name: "Tbl".to_owned(), key, ..Default::default() })
        .await
        .expect("deleted");
}

async fn scan(db: &MemoryBackend, table: &str) -> Vec<Item> {
    let input = ScanInput { table_name: table.to_owned(), ..Default::default() };
    db.scan(input).await.expect("scanned").items
}

fn restore_at(target: &str, time: Option<f64>) -> RestoreTableToPointInTimeInput {
    RestoreTableToPointInTimeInput {
        source_table_name: Some("Tbl".to_owned()),
        target_table_name: target.to_owned(),
        use_latest_restorable_time: time.is_none(),
        restore_date_time: time,
        ..Default::default()
    }
}

fn code(error: Error) -> (String, String) {
    match error {
        Error::Service { code, message, .. } => (code, message),
        Error::Validation { message, .. } => ("ValidationException".to_owned(), message),
        other => (format!("{other:?}"), other.to_string()),
    }
}

#[tokio::test]
async fn restores_exactly_the_noted_second() {
    let (db, clock) = engine().await;
    enable(&db, None).await;
    clock.advance(Duration::from_secs(1));
    put(&db, item("a", "1", "G1", "L1", "first")).await;
    put(&db, item("a", "2", "G2", "L2", "kept")).await;
    put(&db, item("b", "1", "G1", "L3", "doomed")).await;
    clock.advance(Duration::from_secs(1));
    let noted = (START + 2) as f64;
    let before = scan(&db, "Tbl").await;
    let gsi_before = db.index_items("Tbl", "ByG", &[s("G1")]).expect("gsi");
    let lsi_before = db.index_items("Tbl", "ByL", &[s("a")]).expect("lsi");

    clock.advance(Duration::from_secs(1));
    put(&db, item("a", "1", "G9", "L9", "overwritten")).await;
    delete(&db, "b", "1").await;
    put(&db, item("c", "1", "G1", "L1", "new")).await;
    clock.advance(Duration::from_secs(5));

    let restored =
        db.restore_table_to_point_in_time(restore_at("Rst", Some(noted))).await.expect("restored");
    assert_eq!(restored.table_description.table_name, "Rst");
    assert_eq!(restored.table_description.item_count, 3);
    assert_eq!(restored.restore_summary.restore_date_time, noted);
    assert_eq!(restored.restore_summary.source_backup_arn, None);
    assert_eq!(scan(&db, "Rst").await, before);
    assert_eq!(db.index_items("Rst", "ByG", &[s("G1")]).expect("gsi"), gsi_before);
    assert_eq!(db.index_items("Rst", "ByL", &[s("a")]).expect("lsi"), lsi_before);
    // The source is unchanged, and restored tables have no point-in-time recovery.
    assert_eq!(scan(&db, "Tbl").await.len(), 3);
    let described = db.describe_continuous_backups("Rst").await.expect("described");
    assert_eq!(
        described.point_in_time_recovery_description.point_in_time_recovery_status,
        ContinuousBackupsStatus::Disabled
    );

    // Every second of the window is restorable: before the first write, nothing.
    let empty = db
        .restore_table_to_point_in_time(restore_at("Empty", Some((START + 1) as f64 - 0.5)))
        .await
        .expect("restored");
    assert_eq!(empty.table_description.item_count, 0);
    // The latest restorable time is now: the current items.
    db.restore_table_to_point_in_time(restore_at("Latest", None)).await.expect("restored");
    assert_eq!(scan(&db, "Latest").await, scan(&db, "Tbl").await);
}

#[tokio::test]
async fn overrides_apply_to_the_restored_table() {
    let (db, clock) = engine().await;
    enable(&db, Some(1)).await;
    put(&db, item("a", "1", "G1", "L1", "v")).await;
    clock.advance(Duration::from_secs(1));
    let mut input = restore_at("Overridden", None);
    input.overrides = RestoreOverrides {
        billing_mode: Some(BillingMode::Provisioned { read: 3, write: 4 }),
        global_secondary_indexes: Some(Vec::new()),
        local_secondary_indexes: None,
        sse_enabled: Some(true),
    };
    let restored = db.restore_table_to_point_in_time(input).await.expect("restored");
    let description = restored.table_description;
    assert_eq!(description.billing_mode, BillingMode::Provisioned { read: 3, write: 4 });
    assert!(description.global_secondary_indexes.is_empty());
    assert_eq!(description.local_secondary_indexes.len(), 1);
    assert!(!description.attribute_definitions.iter().any(|d| d.name == "g"));
    assert!(db.index_items("Overridden", "ByG", &[s("G1")]).is_err());
    assert_eq!(db.index_items("Overridden", "ByL", &[s("a")]).expect("lsi").len(), 1);
}

#[tokio::test]
async fn the_window_follows_the_clock_and_the_period() {
    let (db, clock) = engine().await;
    let error = db.restore_table_to_point_in_time(restore_at("Rst", None)).await.expect_err("off");
    assert_eq!(
        code(error),
        (
            "PointInTimeRecoveryUnavailableException".to_owned(),
            "Point in time recovery is not enabled for table 'Tbl'".to_owned()
        )
    );
    enable(&db, Some(1)).await;
    let described = db.describe_continuous_backups("Tbl").await.expect("described");
    let pitr = described.point_in_time_recovery_description;
    assert_eq!(pitr.recovery_period_in_days, Some(1));
    assert_eq!(pitr.earliest_restorable_date_time, Some(START as f64));
    assert_eq!(pitr.latest_restorable_date_time, Some(START as f64));

    put(&db, item("a", "1", "G", "L", "day one")).await;
    clock.advance(Duration::from_secs(2 * 86_400));
    put(&db, item("a", "1", "G", "L", "day three")).await;
    let pitr = db
        .describe_continuous_backups("Tbl")
        .await
        .expect("described")
        .point_in_time_recovery_description;
    let now = (START + 2 * 86_400) as f64;
    assert_eq!(pitr.earliest_restorable_date_time, Some(now - 86_400.0));
    assert_eq!(pitr.latest_restorable_date_time, Some(now));
    for time in [START as f64, now - 86_400.0 - 1.0, now + 1.0] {
        let error = db
            .restore_table_to_point_in_time(restore_at("Rst", Some(time)))
            .await
            .expect_err("outside the window");
        assert_eq!(code(error).0, "InvalidRestoreTimeException", "{time}");
    }
    // The earliest restorable second holds the item as it was then.
    db.restore_table_to_point_in_time(restore_at("Rst", Some(now - 86_400.0)))
        .await
        .expect("restored");
    assert_eq!(scan(&db, "Rst").await[0].get("v"), Some(&s("day one")));

    // Disabling drops the history; enabling again starts a new window.
    let off = PointInTimeRecoverySpecification::default();
    db.update_continuous_backups("Tbl", off).await.expect("disabled");
    clock.advance(Duration::from_secs(10));
    enable(&db, None).await;
    let pitr = db
        .describe_continuous_backups("Tbl")
        .await
        .expect("described")
        .point_in_time_recovery_description;
    assert_eq!(pitr.earliest_restorable_date_time, Some(now + 10.0));
    assert_eq!(pitr.recovery_period_in_days, Some(35));
}

#[tokio::test]
async fn errors_name_what_was_wrong() {
    let (db, _clock) = engine().await;
    let spec = |days| PointInTimeRecoverySpecification {
        point_in_time_recovery_enabled: true,
        recovery_period_in_days: Some(days),
    };
    for days in [0, 36] {
        let error = db.update_continuous_backups("Tbl", spec(days)).await.expect_err("range");
        assert!(
            code(error).1.contains(&format!(
                "Value '{days}' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays'"
            )),
            "{days}"
        );
    }
    let error = db.update_continuous_backups("Nope", spec(3)).await.expect_err("missing");
    assert_eq!(
        code(error),
        ("TableNotFoundException".to_owned(), "Table not found: Nope".to_owned())
    );
    let error = db.describe_continuous_backups("Nope").await.expect_err("missing");
    assert_eq!(code(error).0, "TableNotFoundException");

    enable(&db, None).await;
    let mut missing = restore_at("Rst", None);
    missing.source_table_name = Some("Nope".to_owned());
    let error = db.restore_table_to_point_in_time(missing).await.expect_err("missing");
    assert_eq!(
        code(error),
        ("SourceTableNotFoundException".to_owned(), "Source table not found: Nope".to_owned())
    );
    let error =
        db.restore_table_to_point_in_time(restore_at("Tbl", None)).await.expect_err("exists");
    assert_eq!(
        code(error),
        ("TableAlreadyExistsException".to_owned(), "Table already exists: Tbl".to_owned())
    );
    let mut both = restore_at("Rst", Some(START as f64));
    both.use_latest_restorable_time = true;
    let error = db.restore_table_to_point_in_time(both).await.expect_err("both");
    assert_eq!(code(error).0, "ValidationException");
    let mut by_arn = restore_at("Rst", None);
    by_arn.source_table_name = None;
    by_arn.source_table_arn = Some("arn:aws:dynamodb:ddblocal:000000000000:table/Tbl".to_owned());
    db.restore_table_to_point_in_time(by_arn).await.expect("restored by ARN");
}

#[tokio::test]
async fn the_history_survives_export_and_import() {
    let (db, clock) = engine().await;
    enable(&db, Some(7)).await;
    put(&db, item("a", "1", "G", "L", "old")).await;
    clock.advance(Duration::from_secs(1));
    let noted = (START + 1) as f64;
    clock.advance(Duration::from_secs(1));
    put(&db, item("a", "1", "G", "L", "new")).await;

    let copy = MemoryBackend::new().with_clock(clock.clone());
    copy.import_state(db.export_state()).expect("imported");
    assert_eq!(copy.export_state(), db.export_state());
    copy.restore_table_to_point_in_time(restore_at("Rst", Some(noted))).await.expect("restored");
    assert_eq!(scan(&copy, "Rst").await[0].get("v"), Some(&s("old")));
    let pitr = copy
        .describe_continuous_backups("Tbl")
        .await
        .expect("described")
        .point_in_time_recovery_description;
    assert_eq!(pitr.earliest_restorable_date_time, Some(START as f64));
    assert_eq!(pitr.recovery_period_in_days, Some(7));
}

//! Backups and point-in-time recovery through `singletable serve`, with aws-sdk-dynamodb:
//! write, note the time, overwrite and delete, restore to the noted second and find
//! exactly the earlier state (items and GSI); backups, their listing and restore with
//! overrides; `--data-dir` restarts (log replay and snapshots) keep backups and the
//! window. boto3 runs tests/python/test_backups.py (skipped without Python and boto3,
//! except under `CI=true`).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::primitives::DateTime;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BackupType, BackupTypeFilter, BillingMode,
    GlobalSecondaryIndex, KeySchemaElement, KeyType, PointInTimeRecoverySpecification,
    PointInTimeRecoveryStatus, Projection, ProjectionType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use singletable_aws::local_config;
use singletable_server::{BackgroundServer, Server, ServerConfig};

fn start(config: ServerConfig) -> BackgroundServer {
    Server::start_in_background(ServerConfig { port: 0, ..config })
        .unwrap_or_else(|e| panic!("server: {e}"))
}

fn client(server: &BackgroundServer) -> Client {
    let endpoint = format!("http://{}", server.local_addr());
    Client::from_conf(local_config(endpoint, "us-east-1", "singletable").build())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .unwrap_or_else(|e| panic!("key: {e}"))
}

fn attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .unwrap_or_else(|e| panic!("attribute: {e}"))
}

async fn create(client: &Client, name: &str) {
    let gsi = GlobalSecondaryIndex::builder()
        .index_name("ByG")
        .key_schema(key("g", KeyType::Hash))
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
        .unwrap_or_else(|e| panic!("gsi: {e}"));
    client
        .create_table()
        .table_name(name)
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("g"))
        .key_schema(key("pk", KeyType::Hash))
        .global_secondary_indexes(gsi)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create: {e:?}"));
}

async fn put(client: &Client, table: &str, pk: &str, v: &str) {
    client
        .put_item()
        .table_name(table)
        .item("pk", Av::S(pk.to_owned()))
        .item("g", Av::S("G".to_owned()))
        .item("v", Av::S(v.to_owned()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("put: {e:?}"));
}

async fn scan(client: &Client, table: &str) -> Vec<(String, String)> {
    let items = client
        .scan()
        .table_name(table)
        .send()
        .await
        .unwrap_or_else(|e| panic!("scan: {e:?}"))
        .items
        .unwrap_or_default();
    let text = |item: &std::collections::HashMap<String, Av>, name: &str| match item.get(name) {
        Some(Av::S(text)) => text.clone(),
        other => panic!("{name}: {other:?}"),
    };
    let mut pairs: Vec<(String, String)> =
        items.iter().map(|item| (text(item, "pk"), text(item, "v"))).collect();
    pairs.sort();
    pairs
}

async fn gsi_count(client: &Client, table: &str) -> i32 {
    client
        .query()
        .table_name(table)
        .index_name("ByG")
        .key_condition_expression("g = :g")
        .expression_attribute_values(":g", Av::S("G".to_owned()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("query: {e:?}"))
        .count
}

async fn enable_pitr(client: &Client, table: &str) {
    let spec = PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(true)
        .build()
        .unwrap_or_else(|e| panic!("spec: {e}"));
    let out = client
        .update_continuous_backups()
        .table_name(table)
        .point_in_time_recovery_specification(spec)
        .send()
        .await
        .unwrap_or_else(|e| panic!("update continuous backups: {e:?}"));
    let pitr = out
        .continuous_backups_description
        .and_then(|d| d.point_in_time_recovery_description)
        .unwrap_or_else(|| panic!("no description"));
    assert_eq!(pitr.point_in_time_recovery_status, Some(PointInTimeRecoveryStatus::Enabled));
}

/// Writes, then a whole second later notes the second, then overwrites and deletes:
/// returns the noted second and the state it must restore to.
async fn write_note_overwrite(client: &Client, table: &str) -> (i64, Vec<(String, String)>) {
    for (pk, v) in [("a", "first"), ("b", "doomed"), ("c", "kept")] {
        put(client, table, pk, v).await;
    }
    let before = scan(client, table).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let noted = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_else(|e| panic!("clock: {e}"));
    let noted = i64::try_from(noted).unwrap_or_else(|e| panic!("time: {e}"));
    put(client, table, "a", "overwritten").await;
    client
        .delete_item()
        .table_name(table)
        .key("pk", Av::S("b".to_owned()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete: {e:?}"));
    put(client, table, "d", "new").await;
    (noted, before)
}

async fn restore_to(client: &Client, source: &str, target: &str, second: i64) {
    let out = client
        .restore_table_to_point_in_time()
        .source_table_name(source)
        .target_table_name(target)
        .restore_date_time(DateTime::from_secs(second))
        .send()
        .await
        .unwrap_or_else(|e| panic!("restore: {e:?}"));
    let table = out.table_description.unwrap_or_else(|| panic!("no description"));
    assert_eq!(table.table_name.as_deref(), Some(target));
    let summary = table.restore_summary.unwrap_or_else(|| panic!("no restore summary"));
    assert_eq!(summary.restore_date_time.secs(), second);
}

#[test]
fn point_in_time_recovery_restores_the_noted_second() {
    let server = start(ServerConfig::default());
    let client = client(&server);
    runtime().block_on(async {
        create(&client, "Orders").await;
        let describe = client.describe_continuous_backups().table_name("Orders").send().await;
        let pitr = describe
            .unwrap_or_else(|e| panic!("describe: {e:?}"))
            .continuous_backups_description
            .and_then(|d| d.point_in_time_recovery_description)
            .unwrap_or_else(|| panic!("no description"));
        assert_eq!(pitr.point_in_time_recovery_status, Some(PointInTimeRecoveryStatus::Disabled));
        let refused = client
            .restore_table_to_point_in_time()
            .source_table_name("Orders")
            .target_table_name("Nope")
            .use_latest_restorable_time(true)
            .send()
            .await
            .expect_err("PITR is off");
        assert!(refused.into_service_error().is_point_in_time_recovery_unavailable_exception());

        enable_pitr(&client, "Orders").await;
        let (noted, before) = write_note_overwrite(&client, "Orders").await;
        restore_to(&client, "Orders", "Restored", noted).await;
        assert_eq!(scan(&client, "Restored").await, before);
        assert_eq!(gsi_count(&client, "Restored").await, 3);
        assert_eq!(gsi_count(&client, "Orders").await, 3);
        assert_ne!(scan(&client, "Orders").await, before);

        let too_early = client
            .restore_table_to_point_in_time()
            .source_table_name("Orders")
            .target_table_name("Early")
            .restore_date_time(DateTime::from_secs(noted - 3_600))
            .send()
            .await
            .expect_err("before the window");
        assert!(too_early.into_service_error().is_invalid_restore_time_exception());
        let exists = client
            .restore_table_to_point_in_time()
            .source_table_name("Orders")
            .target_table_name("Restored")
            .use_latest_restorable_time(true)
            .send()
            .await
            .expect_err("the target exists");
        assert!(exists.into_service_error().is_table_already_exists_exception());
    });
}

#[test]
fn backups_list_restore_and_delete() {
    let server = start(ServerConfig::default());
    let client = client(&server);
    runtime().block_on(async {
        create(&client, "Orders").await;
        put(&client, "Orders", "a", "1").await;
        put(&client, "Orders", "b", "2").await;
        let details = client
            .create_backup()
            .table_name("Orders")
            .backup_name("nightly")
            .send()
            .await
            .unwrap_or_else(|e| panic!("create backup: {e:?}"))
            .backup_details
            .unwrap_or_else(|| panic!("no details"));
        let arn = details.backup_arn.clone();
        assert!(arn.contains(":table/Orders/backup/"), "{arn}");
        put(&client, "Orders", "a", "changed").await;

        let listed = client
            .list_backups()
            .table_name("Orders")
            .send()
            .await
            .unwrap_or_else(|e| panic!("list: {e:?}"));
        let summaries = listed.backup_summaries.unwrap_or_default();
        assert_eq!(summaries.len(), 1);
        assert_eq!(summaries[0].backup_arn.as_deref(), Some(arn.as_str()));

        let described = client
            .describe_backup()
            .backup_arn(&arn)
            .send()
            .await
            .unwrap_or_else(|e| panic!("describe: {e:?}"))
            .backup_description
            .unwrap_or_else(|| panic!("no description"));
        let source = described.source_table_details.unwrap_or_else(|| panic!("no source"));
        assert_eq!(source.item_count, Some(2));

        let restored = client
            .restore_table_from_backup()
            .backup_arn(&arn)
            .target_table_name("FromBackup")
            .billing_mode_override(BillingMode::Provisioned)
            .provisioned_throughput_override(
                aws_sdk_dynamodb::types::ProvisionedThroughput::builder()
                    .read_capacity_units(2)
                    .write_capacity_units(3)
                    .build()
                    .unwrap_or_else(|e| panic!("throughput: {e}")),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("restore: {e:?}"))
            .table_description
            .unwrap_or_else(|| panic!("no description"));
        let throughput = restored.provisioned_throughput.unwrap_or_else(|| panic!("throughput"));
        assert_eq!(throughput.read_capacity_units, Some(2));
        assert_eq!(
            scan(&client, "FromBackup").await,
            [("a".to_owned(), "1".to_owned()), ("b".to_owned(), "2".to_owned())]
        );
        assert_eq!(gsi_count(&client, "FromBackup").await, 2);

        let deleted = client
            .delete_backup()
            .backup_arn(&arn)
            .send()
            .await
            .unwrap_or_else(|e| panic!("delete: {e:?}"))
            .backup_description
            .and_then(|d| d.backup_details)
            .unwrap_or_else(|| panic!("no details"));
        assert_eq!(deleted.backup_status, aws_sdk_dynamodb::types::BackupStatus::Deleted);
        let gone = client.describe_backup().backup_arn(&arn).send().await.expect_err("deleted");
        assert!(gone.into_service_error().is_backup_not_found_exception());
    });
}

#[test]
fn data_dir_restarts_keep_backups_and_the_window() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let config =
        || ServerConfig { data_dir: Some(dir.path().to_path_buf()), ..ServerConfig::default() };
    let runtime = runtime();

    // The log alone: every request replays at the time it first ran.
    let first = start(config());
    let (noted, before, arn, earliest, system) = runtime.block_on(async {
        let client = client(&first);
        create(&client, "Orders").await;
        enable_pitr(&client, "Orders").await;
        let (noted, before) = write_note_overwrite(&client, "Orders").await;
        let arn = client
            .create_backup()
            .table_name("Orders")
            .backup_name("kept")
            .send()
            .await
            .unwrap_or_else(|e| panic!("create backup: {e:?}"))
            .backup_details
            .map(|d| d.backup_arn)
            .unwrap_or_default();
        let earliest = earliest(&client).await;
        // A deleted table with PITR leaves a SYSTEM backup, which replays too.
        create(&client, "Gone").await;
        enable_pitr(&client, "Gone").await;
        put(&client, "Gone", "g", "last").await;
        client
            .delete_table()
            .table_name("Gone")
            .send()
            .await
            .unwrap_or_else(|e| panic!("delete: {e:?}"));
        (noted, before, arn, earliest, system_backups(&client).await)
    });
    first.stop().unwrap_or_else(|e| panic!("stop: {e}"));
    assert_eq!(
        system.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(),
        ["Gone$DeletedTableBackup"]
    );

    let second = start(config());
    runtime.block_on(async {
        let client = client(&second);
        assert_eq!(earliest_now(&client).await, earliest);
        client.describe_backup().backup_arn(&arn).send().await.unwrap_or_else(|e| panic!("{e:?}"));
        restore_to(&client, "Orders", "AfterReplay", noted).await;
        assert_eq!(scan(&client, "AfterReplay").await, before);
        assert_eq!(system_backups(&client).await, system);
    });
    second.stop().unwrap_or_else(|e| panic!("stop: {e}"));

    // Snapshots after every write: the history and the backups come from a snapshot.
    std::env::set_var("SINGLETABLE_SNAPSHOT_AFTER_BYTES", "1");
    let third = start(config());
    runtime.block_on(async {
        let client = client(&third);
        put(&client, "Orders", "e", "after").await;
    });
    third.stop().unwrap_or_else(|e| panic!("stop: {e}"));
    std::env::remove_var("SINGLETABLE_SNAPSHOT_AFTER_BYTES");
    let fourth = start(config());
    runtime.block_on(async {
        let client = client(&fourth);
        assert_eq!(earliest_now(&client).await, earliest);
        client.describe_backup().backup_arn(&arn).send().await.unwrap_or_else(|e| panic!("{e:?}"));
        restore_to(&client, "Orders", "AfterSnapshot", noted).await;
        assert_eq!(scan(&client, "AfterSnapshot").await, before);
        let from_backup = client
            .restore_table_from_backup()
            .backup_arn(&arn)
            .target_table_name("FromKept")
            .send()
            .await;
        from_backup.unwrap_or_else(|e| panic!("restore: {e:?}"));
        assert_eq!(scan(&client, "FromKept").await.len(), 3);
        assert_eq!(system_backups(&client).await, system);
        // Restored tables keep their RestoreSummary across the replay and the snapshot.
        let summary = client
            .describe_table()
            .table_name("AfterReplay")
            .send()
            .await
            .unwrap_or_else(|e| panic!("describe: {e:?}"))
            .table
            .and_then(|table| table.restore_summary)
            .unwrap_or_else(|| panic!("AfterReplay has no RestoreSummary"));
        assert_eq!(summary.source_backup_arn(), None);
        assert!(summary.source_table_arn().is_some_and(|arn| arn.ends_with(":table/Orders")));
        assert_eq!(summary.restore_date_time().secs(), noted);
        client
            .restore_table_from_backup()
            .backup_arn(&system[0].1)
            .target_table_name("GoneBack")
            .send()
            .await
            .unwrap_or_else(|e| panic!("restore: {e:?}"));
        assert_eq!(scan(&client, "GoneBack").await, [("g".to_owned(), "last".to_owned())]);
    });
}

/// The SYSTEM backups `ListBackups` gives (name, ARN); the default listing (USER) must
/// not hold them.
async fn system_backups(client: &Client) -> Vec<(String, String)> {
    let listed = |backup_type| async move {
        client
            .list_backups()
            .set_backup_type(backup_type)
            .send()
            .await
            .unwrap_or_else(|e| panic!("list: {e:?}"))
            .backup_summaries
            .unwrap_or_default()
    };
    let users = listed(None).await;
    assert!(users.iter().all(|b| b.backup_type() == Some(&BackupType::User)), "{users:?}");
    listed(Some(BackupTypeFilter::System))
        .await
        .into_iter()
        .map(|b| {
            assert_eq!(b.backup_type(), Some(&BackupType::System));
            assert!(b.backup_expiry_date_time().is_some());
            (b.backup_name.unwrap_or_default(), b.backup_arn.unwrap_or_default())
        })
        .collect()
}

async fn earliest(client: &Client) -> Option<DateTime> {
    earliest_now(client).await
}

async fn earliest_now(client: &Client) -> Option<DateTime> {
    client
        .describe_continuous_backups()
        .table_name("Orders")
        .send()
        .await
        .unwrap_or_else(|e| panic!("describe: {e:?}"))
        .continuous_backups_description
        .and_then(|d| d.point_in_time_recovery_description)
        .and_then(|d| d.earliest_restorable_date_time)
}

#[test]
fn boto3_backup_suite_passes_against_serve() {
    let python = ["python3", "python"].into_iter().find(|p| {
        Command::new(p).args(["-c", "import boto3"]).output().is_ok_and(|o| o.status.success())
    });
    let Some(python) = python else {
        assert!(
            std::env::var("CI").map_or(true, |ci| ci != "true"),
            "CI=true but no Python with boto3"
        );
        eprintln!("skipping: no Python with boto3");
        return;
    };
    let server = start(ServerConfig::default());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
    let output = Command::new(python)
        .args(["-m", "unittest", "tests/python/test_backups.py"])
        .current_dir(root)
        .env("SINGLETABLE_ENDPOINT", format!("http://{}", server.local_addr()))
        .output()
        .unwrap_or_else(|e| panic!("python: {e}"));
    assert!(
        output.status.success(),
        "boto3 suite failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

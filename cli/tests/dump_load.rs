//! `singletable dump` from `singletable serve` and `singletable load` into a second table:
//! the tables are equal; a dump or load left behind by a killed run (its checkpoint
//! files) resumes; a missing export is a typed error naming the folder.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, KeySchemaElement, KeyType, PutRequest,
    ScalarAttributeType, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use singletable_aws::local_config;
use singletable_server::{Server, ServerConfig};

type Item = HashMap<String, Av>;

fn client(endpoint: &str) -> Client {
    Client::from_conf(local_config(endpoint, "us-east-1", "singletable").build())
}

fn singletable(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_singletable"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run singletable: {e}"));
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn item(i: u32) -> Item {
    HashMap::from([
        ("pk".to_owned(), Av::S(format!("p{}", i % 97))),
        ("sk".to_owned(), Av::N(format!("{i}.25"))),
        ("b".to_owned(), Av::B(Blob::new(i.to_be_bytes().to_vec()))),
        ("ns".to_owned(), Av::Ns(vec!["1E+125".to_owned(), format!("-{i}")])),
        (
            "m".to_owned(),
            Av::M(HashMap::from([("l".to_owned(), Av::L(vec![Av::Null(true), Av::Bool(true)]))])),
        ),
    ])
}

async fn scan(db: &Client, table: &str, segment: Option<(i32, i32)>) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let mut request = db.scan().table_name(table).set_exclusive_start_key(start);
        if let Some((segment, total)) = segment {
            request = request.segment(segment).total_segments(total);
        }
        let page = request.send().await.unwrap_or_else(|e| panic!("scan {table}: {e:?}"));
        items.extend(page.items().iter().cloned());
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    items.sort_by_key(|i| format!("{:?}{:?}", i["pk"], i["sk"]));
    items
}

fn count_lines(dir: &Path) -> u64 {
    let export = singletable_core::s3_export::Export::open(dir).unwrap_or_else(|e| panic!("{e}"));
    export.summary.item_count
}

#[test]
fn dump_then_load_equals_the_source_and_both_resume() {
    let server = Server::start_in_background(ServerConfig { port: 0, ..ServerConfig::default() })
        .unwrap_or_else(|e| panic!("server: {e}"));
    let endpoint = server.endpoint();
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let db = client(&endpoint);
    runtime.block_on(async {
        let definition = |name: &str, ty| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ty)
                .build()
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let key = |name: &str, ty| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(ty)
                .build()
                .unwrap_or_else(|e| panic!("{e}"))
        };
        db.create_table()
            .table_name("source")
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(definition("pk", ScalarAttributeType::S))
            .attribute_definitions(definition("sk", ScalarAttributeType::N))
            .key_schema(key("pk", KeyType::Hash))
            .key_schema(key("sk", KeyType::Range))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let items: Vec<Item> = (0..3000).map(item).collect();
        for chunk in items.chunks(25) {
            let requests = chunk
                .iter()
                .map(|i| {
                    WriteRequest::builder()
                        .put_request(
                            PutRequest::builder()
                                .set_item(Some(i.clone()))
                                .build()
                                .unwrap_or_else(|e| panic!("{e}")),
                        )
                        .build()
                })
                .collect();
            db.batch_write_item()
                .request_items("source", requests)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
        }
    });

    // dump → load into a table that does not exist yet (created from the dump's schema).
    let out = work.path().join("dump");
    let out_text = out.to_string_lossy().into_owned();
    let (ok, stdout, stderr) = singletable(&[
        "dump",
        "--endpoint",
        &endpoint,
        "--table",
        "source",
        "-o",
        &out_text,
        "--segments",
        "3",
    ]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        !out.join(".singletable-dump").exists(),
        "checkpoints are removed once the dump is complete"
    );
    assert_eq!(count_lines(&out), 3000);
    let (ok, stdout, stderr) =
        singletable(&["load", &out_text, "--endpoint", &endpoint, "--table", "copy"]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("loaded 3000 items"), "{stdout}");
    runtime.block_on(async {
        assert_eq!(scan(&db, "copy", None).await, scan(&db, "source", None).await);
    });

    // A killed dump: its checkpoint says segment 0 of 2 is done (with no files); the
    // resumed dump writes segment 1 only.
    let resumed = work.path().join("resumed");
    let state = resumed.join(".singletable-dump");
    std::fs::create_dir_all(&state).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(state.join("dump.json"), r#"{"export_id":"01700000000000-0000abcd","table":"source","segments":2,"start_time":1700000000.0}"#).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(state.join("segment-0.json"), r#"{"last_key":null,"done":true,"files":[]}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let resumed_text = resumed.to_string_lossy().into_owned();
    let (ok, stdout, stderr) = singletable(&[
        "dump",
        "--endpoint",
        &endpoint,
        "--table",
        "source",
        "-o",
        &resumed_text,
        "--segments",
        "2",
    ]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(resumed.join("AWSDynamoDB/01700000000000-0000abcd/manifest-summary.json").is_file());
    let segment_one = runtime.block_on(scan(&db, "source", Some((1, 2))));
    assert_eq!(count_lines(&resumed), segment_one.len() as u64);
    // A different table or segment count is refused, not mixed in.
    std::fs::create_dir_all(&state).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        state.join("dump.json"),
        r#"{"export_id":"x","table":"other","segments":2,"start_time":0.0}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (ok, _, stderr) = singletable(&[
        "dump",
        "--endpoint",
        &endpoint,
        "--table",
        "source",
        "-o",
        &resumed_text,
        "--segments",
        "2",
    ]);
    assert!(!ok && stderr.contains("an unfinished dump of table other"), "{stderr}");

    // A killed load: its checkpoint says the first data file is loaded; the resumed load
    // skips it and writes the rest.
    let export = singletable_core::s3_export::Export::open(&out).unwrap_or_else(|e| panic!("{e}"));
    let first = &export.files[0];
    let checkpoint = serde_json::json!({"export_arn": export.summary.export_arn, "lines": {first.data_file_s3_key.clone(): first.item_count}});
    std::fs::write(out.join(".singletable-load-partial.json"), checkpoint.to_string())
        .unwrap_or_else(|e| panic!("{e}"));
    let (ok, stdout, stderr) =
        singletable(&["load", &out_text, "--endpoint", &endpoint, "--table", "partial"]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "loaded {} items (1 data files already loaded)",
            3000 - first.item_count
        )),
        "{stdout}"
    );
    assert!(!out.join(".singletable-load-partial.json").exists());
    let partial = runtime.block_on(scan(&db, "partial", None));
    assert_eq!(partial.len() as u64, 3000 - first.item_count);

    // No export in the folder: a typed error naming it.
    let empty = work.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("{e}"));
    let (ok, _, stderr) =
        singletable(&["load", &empty.to_string_lossy(), "--endpoint", &endpoint, "--table", "x"]);
    assert!(!ok, "{stderr}");
    assert!(stderr.contains("empty/manifest-summary.json: not found"), "{stderr}");
}

/// A serve export at a past `ExportTime`, then an incremental export of the window after
/// it, both loaded with `singletable load` into a second table: it ends equal to the
/// source (puts for new and changed items, deletes for deleted ones).
#[test]
fn a_full_then_an_incremental_export_load_into_an_equal_table() {
    use aws_sdk_dynamodb::primitives::DateTime;
    use aws_sdk_dynamodb::types::{
        ExportStatus, ExportType, IncrementalExportSpecification, PointInTimeRecoverySpecification,
    };
    use singletable_core::clock::ManualClock;
    use singletable_core::timestamp::Timestamp;
    use std::time::Duration;

    const T0: i64 = 1_700_000_000;
    let s3 = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(s3.path().join("exports")).unwrap_or_else(|e| panic!("{e}"));
    let clock = std::sync::Arc::new(ManualClock::new(Timestamp::from_unix_seconds(T0)));
    let config = ServerConfig {
        port: 0,
        s3_dir: Some(s3.path().to_owned()),
        clock: Some(clock.clone()),
        ..ServerConfig::default()
    };
    let server = Server::start_in_background(config).unwrap_or_else(|e| panic!("server: {e}"));
    let endpoint = server.endpoint();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let db = client(&endpoint);
    let export_dir = |arn: &str| {
        let id = arn.rsplit('/').next().unwrap_or_default();
        s3.path().join("exports/AWSDynamoDB").join(id).to_string_lossy().into_owned()
    };
    let wait = |arn: String| {
        let db = db.clone();
        async move {
            for _ in 0..600 {
                let described = db.describe_export().export_arn(&arn).send().await;
                let status = described
                    .unwrap_or_else(|e| panic!("{e:?}"))
                    .export_description()
                    .and_then(|d| d.export_status().cloned());
                if status != Some(ExportStatus::InProgress) {
                    assert_eq!(status, Some(ExportStatus::Completed));
                    return arn;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("export {arn} did not finish")
        }
    };
    let (full, incremental) = runtime.block_on(async {
        for table in ["inc-source", "inc-copy"] {
            db.create_table()
                .table_name(table)
                .billing_mode(BillingMode::PayPerRequest)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("pk")
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .unwrap_or_else(|e| panic!("{e}")),
                )
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("sk")
                        .attribute_type(ScalarAttributeType::N)
                        .build()
                        .unwrap_or_else(|e| panic!("{e}")),
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name("pk")
                        .key_type(KeyType::Hash)
                        .build()
                        .unwrap_or_else(|e| panic!("{e}")),
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name("sk")
                        .key_type(KeyType::Range)
                        .build()
                        .unwrap_or_else(|e| panic!("{e}")),
                )
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
        }
        let specification = PointInTimeRecoverySpecification::builder()
            .point_in_time_recovery_enabled(true)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        db.update_continuous_backups()
            .table_name("inc-source")
            .point_in_time_recovery_specification(specification)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        for i in 0..100 {
            db.put_item()
                .table_name("inc-source")
                .set_item(Some(item(i)))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
        }
        clock.advance(Duration::from_secs(60));
        // The window: 20 changed, 20 deleted, 30 new items.
        for i in 0..20 {
            let mut changed = item(i);
            changed.insert("changed".to_owned(), Av::Bool(true));
            db.put_item()
                .table_name("inc-source")
                .set_item(Some(changed))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
        }
        for i in 20..40 {
            let key = HashMap::from([
                ("pk".to_owned(), item(i)["pk"].clone()),
                ("sk".to_owned(), item(i)["sk"].clone()),
            ]);
            db.delete_item()
                .table_name("inc-source")
                .set_key(Some(key))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
        }
        for i in 100..130 {
            db.put_item()
                .table_name("inc-source")
                .set_item(Some(item(i)))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
        }
        clock.advance(Duration::from_secs(20 * 60));
        let table_arn = db
            .describe_table()
            .table_name("inc-source")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"))
            .table()
            .and_then(|t| t.table_arn())
            .unwrap_or_default()
            .to_owned();
        let full = db
            .export_table_to_point_in_time()
            .table_arn(&table_arn)
            .s3_bucket("exports")
            .export_time(DateTime::from_secs(T0 + 30))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let full = wait(
            full.export_description().and_then(|d| d.export_arn()).unwrap_or_default().to_owned(),
        )
        .await;
        let spec = IncrementalExportSpecification::builder()
            .export_from_time(DateTime::from_secs(T0 + 30))
            .export_to_time(DateTime::from_secs(T0 + 30 + 20 * 60))
            .build();
        let incremental = db
            .export_table_to_point_in_time()
            .table_arn(&table_arn)
            .s3_bucket("exports")
            .export_type(ExportType::IncrementalExport)
            .incremental_export_specification(spec)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let incremental = wait(
            incremental
                .export_description()
                .and_then(|d| d.export_arn())
                .unwrap_or_default()
                .to_owned(),
        )
        .await;
        (export_dir(&full), export_dir(&incremental))
    });
    let (ok, stdout, stderr) =
        singletable(&["load", &full, "--endpoint", &endpoint, "--table", "inc-copy"]);
    assert!(ok && stdout.contains("loaded 100 items"), "{stdout}\n{stderr}");
    let (ok, stdout, stderr) =
        singletable(&["load", &incremental, "--endpoint", &endpoint, "--table", "inc-copy"]);
    assert!(ok && stdout.contains("loaded 70 items"), "{stdout}\n{stderr}");
    runtime.block_on(async {
        let copy = scan(&db, "inc-copy", None).await;
        assert_eq!(copy.len(), 110);
        assert_eq!(copy, scan(&db, "inc-source", None).await);
    });
}

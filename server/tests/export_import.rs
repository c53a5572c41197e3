//! Export to and import from the S3 folder through `singletable serve` and
//! aws-sdk-dynamodb: 10,000 items with every attribute type round-trip exactly, the
//! manifests are what AWS writes (counts, MD5s, ETags), CSV imports type the key
//! attributes, and errors are DynamoDB's.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, CsvOptions, ExportStatus, ImportStatus,
    InputCompressionType, InputFormat, InputFormatOptions, KeySchemaElement, KeyType, PutRequest,
    S3BucketSource, ScalarAttributeType, TableCreationParameters, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use singletable_aws::local_config;
use singletable_core::s3_export::{Export, Record};
use singletable_server::{BackgroundServer, Server, ServerConfig};

type Item = HashMap<String, Av>;

fn server(s3_dir: &Path) -> BackgroundServer {
    let config =
        ServerConfig { port: 0, s3_dir: Some(s3_dir.to_owned()), ..ServerConfig::default() };
    Server::start_in_background(config).unwrap_or_else(|e| panic!("server: {e}"))
}

fn client(endpoint: &str) -> Client {
    Client::from_conf(local_config(endpoint, "us-east-1", "singletable").build())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
}

fn key_schema(pk: ScalarAttributeType, sk: Option<ScalarAttributeType>) -> TableCreationParameters {
    let mut parameters = TableCreationParameters::builder()
        .table_name("unused")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(definition("pk", pk))
        .key_schema(key("pk", KeyType::Hash));
    if let Some(sk) = sk {
        parameters = parameters
            .attribute_definitions(definition("sk", sk))
            .key_schema(key("sk", KeyType::Range));
    }
    parameters.build().unwrap_or_else(|e| panic!("{e}"))
}

fn definition(name: &str, ty: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ty)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn key(name: &str, ty: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(ty)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Exports read the point-in-time recovery history, as DynamoDB's do.
async fn enable_pitr(db: &Client, name: &str) {
    let specification = aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(true)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    db.update_continuous_backups()
        .table_name(name)
        .point_in_time_recovery_specification(specification)
        .send()
        .await
        .unwrap_or_else(|e| panic!("enable PITR on {name}: {e:?}"));
}

async fn create(db: &Client, name: &str, parameters: &TableCreationParameters) {
    db.create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(parameters.attribute_definitions().to_vec()))
        .set_key_schema(Some(parameters.key_schema().to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"));
}

/// Item `i`: every attribute type, extreme numbers, nesting.
fn item(i: u32) -> Item {
    let s = |t: &str| Av::S(t.to_owned());
    let n = |t: &str| Av::N(t.to_owned());
    let mut nested = HashMap::new();
    nested.insert(
        "l".to_owned(),
        Av::L(vec![Av::Null(true), Av::Bool(false), Av::M(HashMap::new()), Av::L(vec![])]),
    );
    nested.insert(
        "m".to_owned(),
        Av::M(HashMap::from([("deep".to_owned(), Av::L(vec![n("-0.5"), s("")]))])),
    );
    let mut item = HashMap::new();
    item.insert("pk".to_owned(), s(&format!("user#{i:05} é \"quoted\" \\ \n")));
    item.insert("sk".to_owned(), n(&format!("{}.{i}", i % 7)));
    item.insert("s".to_owned(), s("ünïcödé 🦀 \u{0}\t"));
    item.insert("empty".to_owned(), s(""));
    item.insert("n38".to_owned(), n("1234567890123456789012345678901234567.8"));
    item.insert("nmax".to_owned(), n("9.9999999999999999999999999999999999999E+125"));
    item.insert("nmin".to_owned(), n("-1E-130"));
    item.insert("ntiny".to_owned(), n("0.00000000000000000000000000000000000001"));
    item.insert("b".to_owned(), Av::B(Blob::new(vec![0, 1, 2, 254, 255, i.to_le_bytes()[0]])));
    item.insert("bempty".to_owned(), Av::B(Blob::new(Vec::new())));
    item.insert("t".to_owned(), Av::Bool(i.is_multiple_of(2)));
    item.insert("z".to_owned(), Av::Null(true));
    item.insert("ss".to_owned(), Av::Ss(vec!["a".to_owned(), format!("b{i}"), String::new()]));
    item.insert(
        "ns".to_owned(),
        Av::Ns(vec!["1".to_owned(), "-2.5".to_owned(), format!("{i}E+100")]),
    );
    item.insert(
        "bs".to_owned(),
        Av::Bs(vec![Blob::new(vec![0]), Blob::new(vec![i.to_le_bytes()[1], 9])]),
    );
    item.insert("nested".to_owned(), Av::M(nested));
    item
}

async fn put_all(db: &Client, table: &str, items: &[Item]) {
    for chunk in items.chunks(25) {
        let requests = chunk
            .iter()
            .map(|item| {
                WriteRequest::builder()
                    .put_request(
                        PutRequest::builder()
                            .set_item(Some(item.clone()))
                            .build()
                            .unwrap_or_else(|e| panic!("{e}")),
                    )
                    .build()
            })
            .collect();
        let out = db
            .batch_write_item()
            .request_items(table, requests)
            .send()
            .await
            .unwrap_or_else(|e| panic!("batch: {e:?}"));
        assert!(out.unprocessed_items().is_none_or(HashMap::is_empty));
    }
}

/// Every item, keyed by `pk`/`sk`, with sets sorted (sets have no order).
async fn scan_all(db: &Client, table: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = db
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap_or_else(|e| panic!("scan: {e:?}"));
        items.extend(page.items().iter().cloned());
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    for item in &mut items {
        for value in item.values_mut() {
            match value {
                Av::Ss(v) | Av::Ns(v) => v.sort(),
                Av::Bs(v) => v.sort_by(|a, b| a.as_ref().cmp(b.as_ref())),
                _ => {}
            }
        }
    }
    items.sort_by_key(|item| format!("{:?}|{:?}", item.get("pk"), item.get("sk")));
    items
}

async fn wait_export(db: &Client, arn: &str) -> aws_sdk_dynamodb::types::ExportDescription {
    for _ in 0..600 {
        let described =
            db.describe_export().export_arn(arn).send().await.unwrap_or_else(|e| panic!("{e:?}"));
        let description =
            described.export_description().cloned().unwrap_or_else(|| panic!("no description"));
        if description.export_status() != Some(&ExportStatus::InProgress) {
            return description;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("export {arn} did not finish");
}

async fn wait_import(db: &Client, arn: &str) -> aws_sdk_dynamodb::types::ImportTableDescription {
    for _ in 0..1200 {
        let described =
            db.describe_import().import_arn(arn).send().await.unwrap_or_else(|e| panic!("{e:?}"));
        let description = described
            .import_table_description()
            .cloned()
            .unwrap_or_else(|| panic!("no description"));
        if description.import_status() != Some(&ImportStatus::InProgress) {
            return description;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import {arn} did not finish");
}

#[test]
fn ten_thousand_items_of_every_type_round_trip_through_export_and_import() {
    let s3 = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(s3.path().join("exports")).unwrap_or_else(|e| panic!("{e}"));
    let server = server(s3.path());
    let endpoint = server.endpoint();
    runtime().block_on(async {
        let db = client(&endpoint);
        let schema = key_schema(ScalarAttributeType::S, Some(ScalarAttributeType::N));
        create(&db, "source", &schema).await;
        let items: Vec<Item> = (0..10_000).map(item).collect();
        put_all(&db, "source", &items).await;
        let source = scan_all(&db, "source").await;
        assert_eq!(source.len(), 10_000);

        let table_arn = db
            .describe_table()
            .table_name("source")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"))
            .table()
            .and_then(|t| t.table_arn())
            .unwrap_or_default()
            .to_owned();
        enable_pitr(&db, "source").await;
        let started = db
            .export_table_to_point_in_time()
            .table_arn(&table_arn)
            .s3_bucket("exports")
            .s3_prefix("nightly/run1")
            .send()
            .await
            .unwrap_or_else(|e| panic!("export: {e:?}"));
        let started =
            started.export_description().cloned().unwrap_or_else(|| panic!("no description"));
        assert!(started.client_token().is_some_and(|t| !t.is_empty()));
        assert!(started.export_type().is_none(), "ExportType is echoed only when sent");
        let arn = started.export_arn().unwrap_or_default().to_owned();
        let done = wait_export(&db, &arn).await;
        assert_eq!(done.export_status(), Some(&ExportStatus::Completed), "{done:?}");
        assert_eq!(done.item_count(), Some(10_000));
        assert!(done.billed_size_bytes().is_some_and(|b| b > 0));
        let manifest = done.export_manifest().unwrap_or_default().to_owned();
        assert!(
            manifest.starts_with("nightly/run1/AWSDynamoDB/")
                && manifest.ends_with("/manifest-summary.json"),
            "{manifest}"
        );

        // The files AWS writes, and the manifests' figures.
        let export_dir =
            s3.path().join("exports").join(manifest.trim_end_matches("manifest-summary.json"));
        let mut names: Vec<String> = std::fs::read_dir(&export_dir)
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "_started",
                "data",
                "manifest-files.json",
                "manifest-files.md5",
                "manifest-summary.json",
                "manifest-summary.md5"
            ]
        );
        let summary: serde_json::Value = serde_json::from_slice(
            &std::fs::read(export_dir.join("manifest-summary.json"))
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(summary["version"], "2020-06-30");
        assert_eq!(summary["exportArn"], arn.as_str());
        assert_eq!(summary["itemCount"], 10_000);
        assert_eq!(summary["outputFormat"], "DYNAMODB_JSON");
        assert_eq!(summary["s3Bucket"], "exports");
        assert_eq!(summary["s3Prefix"], "nightly/run1");
        assert_eq!(summary["tableArn"], table_arn.as_str());
        // The layout module's reader checks the .md5 files, each data file's md5Checksum
        // and itemCount against the manifests, and reads every line.
        let export = Export::open(&export_dir).unwrap_or_else(|e| panic!("{e}"));
        let mut lines_total = 0;
        for entry in &export.files {
            let key = &entry.data_file_s3_key;
            assert!(
                key.starts_with("nightly/run1/AWSDynamoDB/") && key.ends_with(".json.gz"),
                "{key}"
            );
            assert!(
                s3.path().join("exports").join(key).is_file(),
                "{key} is relative to the bucket"
            );
            assert!(entry.etag.len() == 34 && entry.etag.ends_with("-1"), "{}", entry.etag);
            assert_eq!(entry.md5_checksum.len(), 24);
            for record in export.records(entry).unwrap_or_else(|e| panic!("{e}")) {
                let (_, record) = record.unwrap_or_else(|e| panic!("{e}"));
                assert!(matches!(record, Record::Item(_)));
                lines_total += 1;
            }
        }
        assert_eq!(lines_total, 10_000);

        // Import the data files into a new table: the same items, exactly.
        let data_prefix = format!("{}data/", manifest.trim_end_matches("manifest-summary.json"));
        let mut parameters = schema.clone();
        parameters.table_name = "copy".to_owned();
        let import = db
            .import_table()
            .s3_bucket_source(
                S3BucketSource::builder()
                    .s3_bucket("exports")
                    .s3_key_prefix(&data_prefix)
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .input_format(InputFormat::DynamodbJson)
            .input_compression_type(InputCompressionType::Gzip)
            .table_creation_parameters(parameters)
            .send()
            .await
            .unwrap_or_else(|e| panic!("import: {e:?}"));
        let import =
            import.import_table_description().cloned().unwrap_or_else(|| panic!("no description"));
        assert_eq!(import.import_status(), Some(&ImportStatus::InProgress));
        let done = wait_import(&db, import.import_arn().unwrap_or_default()).await;
        assert_eq!(done.import_status(), Some(&ImportStatus::Completed), "{done:?}");
        assert_eq!(done.processed_item_count(), 10_000);
        assert_eq!(done.imported_item_count(), 10_000);
        assert_eq!(done.error_count(), 0);
        assert_eq!(scan_all(&db, "copy").await, source);

        let listed = db
            .list_exports()
            .table_arn(&table_arn)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(listed.export_summaries().len(), 1);
        let listed = db.list_imports().send().await.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(listed.import_summary_list().len(), 1);
    });
}

#[test]
fn csv_imports_and_errors() {
    let s3 = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bucket = s3.path().join("in-bucket");
    std::fs::create_dir_all(bucket.join("csv")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        bucket.join("csv/a.csv"),
        "pk|sk|note\nk1|1|hello\nk2|2.50|\nk3|x|bad number\nk4|4|never read\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(bucket.join("csv/b.csv"), "k5|5|fine\n").unwrap_or_else(|e| panic!("{e}"));
    let server = server(s3.path());
    let endpoint = server.endpoint();
    runtime().block_on(async {
        let db = client(&endpoint);
        let mut parameters = key_schema(ScalarAttributeType::S, Some(ScalarAttributeType::N));
        parameters.table_name = "from-csv".to_owned();
        let header = CsvOptions::builder()
            .delimiter("|")
            .header_list("pk")
            .header_list("sk")
            .header_list("note")
            .build();
        let import = db
            .import_table()
            .s3_bucket_source(
                S3BucketSource::builder()
                    .s3_bucket("in-bucket")
                    .s3_key_prefix("csv/")
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .input_format(InputFormat::Csv)
            .input_format_options(InputFormatOptions::builder().csv(header).build())
            .table_creation_parameters(parameters.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("import: {e:?}"));
        let arn = import
            .import_table_description()
            .and_then(|d| d.import_arn())
            .unwrap_or_default()
            .to_owned();
        let done = wait_import(&db, &arn).await;
        assert_eq!(done.import_status(), Some(&ImportStatus::Completed), "{done:?}");
        // The header list names the columns, so the first line of a.csv is a row too
        // (its sort key "sk" is not a number: one error, the rest of a.csv abandoned).
        assert_eq!(done.error_count(), 1, "{done:?}");
        let items = scan_all(&db, "from-csv").await;
        assert_eq!((done.imported_item_count(), items.len()), (1, 1), "{items:?}");

        // With the header read from each file (the first line), the numbers are typed.
        parameters.table_name = "from-csv-2".to_owned();
        std::fs::write(bucket.join("csv/b.csv"), "pk|sk|note\nk5|5|fine\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let import = db
            .import_table()
            .s3_bucket_source(
                S3BucketSource::builder()
                    .s3_bucket("in-bucket")
                    .s3_key_prefix("csv/")
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .input_format(InputFormat::Csv)
            .input_format_options(
                InputFormatOptions::builder()
                    .csv(CsvOptions::builder().delimiter("|").build())
                    .build(),
            )
            .table_creation_parameters(parameters.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("import: {e:?}"));
        let arn = import
            .import_table_description()
            .and_then(|d| d.import_arn())
            .unwrap_or_default()
            .to_owned();
        let done = wait_import(&db, &arn).await;
        assert_eq!(
            (done.processed_item_count(), done.imported_item_count(), done.error_count()),
            (4, 3, 1),
            "{done:?}"
        );
        let items = scan_all(&db, "from-csv-2").await;
        let rows: Vec<(String, String, Option<String>)> = items
            .iter()
            .map(|i| {
                let text = |v: Option<&Av>| match v {
                    Some(Av::S(s)) | Some(Av::N(s)) => Some(s.clone()),
                    _ => None,
                };
                (
                    text(i.get("pk")).unwrap_or_default(),
                    text(i.get("sk")).unwrap_or_default(),
                    text(i.get("note")),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("k1".to_owned(), "1".to_owned(), Some("hello".to_owned())),
                ("k2".to_owned(), "2.5".to_owned(), None),
                ("k5".to_owned(), "5".to_owned(), Some("fine".to_owned())),
            ]
        );
        assert!(matches!(items[0].get("sk"), Some(Av::N(_))));

        // The table exists now: a second import into it is refused.
        let again = db
            .import_table()
            .s3_bucket_source(
                S3BucketSource::builder()
                    .s3_bucket("in-bucket")
                    .s3_key_prefix("csv/")
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .input_format(InputFormat::Csv)
            .table_creation_parameters(parameters.clone())
            .send()
            .await;
        let error =
            again.err().and_then(|e| e.into_service_error().meta().code().map(str::to_owned));
        assert_eq!(error.as_deref(), Some("ResourceInUseException"));

        // A bucket that does not exist: the import fails with S3NoSuchBucket.
        parameters.table_name = "no-bucket".to_owned();
        let import = db
            .import_table()
            .s3_bucket_source(
                S3BucketSource::builder()
                    .s3_bucket("missing-bucket")
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .input_format(InputFormat::DynamodbJson)
            .table_creation_parameters(parameters.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("import: {e:?}"));
        let arn = import
            .import_table_description()
            .and_then(|d| d.import_arn())
            .unwrap_or_default()
            .to_owned();
        let done = wait_import(&db, &arn).await;
        assert_eq!(done.import_status(), Some(&ImportStatus::Failed));
        assert_eq!(done.failure_code(), Some("S3NoSuchBucket"));
        assert!(done
            .failure_message()
            .is_some_and(|m| m.contains("The specified bucket does not exist")));

        // Export errors: a missing table, INCREMENTAL without point-in-time recovery, a
        // missing bucket (the export starts, then fails).
        let table_arn = db
            .describe_table()
            .table_name("from-csv-2")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"))
            .table()
            .and_then(|t| t.table_arn())
            .unwrap_or_default()
            .to_owned();
        let missing = db
            .export_table_to_point_in_time()
            .table_arn(format!("{table_arn}x"))
            .s3_bucket("in-bucket")
            .send()
            .await;
        let error = missing.err().map(|e| e.into_service_error());
        assert_eq!(error.as_ref().and_then(|e| e.meta().code()), Some("TableNotFoundException"));
        assert_eq!(
            error.as_ref().and_then(|e| e.meta().message()).map(str::to_owned),
            Some(format!("Table not found: {table_arn}x"))
        );
        let incremental = db
            .export_table_to_point_in_time()
            .table_arn(&table_arn)
            .s3_bucket("in-bucket")
            .export_type(aws_sdk_dynamodb::types::ExportType::IncrementalExport)
            .send()
            .await;
        let error = incremental.err().map(|e| e.into_service_error());
        assert_eq!(
            error.as_ref().and_then(|e| e.meta().code()),
            Some("PointInTimeRecoveryUnavailableException")
        );
        assert_eq!(
            error.as_ref().and_then(|e| e.meta().message()),
            Some("Point in time recovery is not enabled for table 'from-csv-2'")
        );
        enable_pitr(&db, "from-csv-2").await;
        let export = db
            .export_table_to_point_in_time()
            .table_arn(&table_arn)
            .s3_bucket("no-such-bucket")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let done = wait_export(
            &db,
            export.export_description().and_then(|d| d.export_arn()).unwrap_or_default(),
        )
        .await;
        assert_eq!(done.export_status(), Some(&ExportStatus::Failed));
        assert_eq!(done.failure_code(), Some("S3NoSuchBucket"));
        let unknown = db
            .describe_export()
            .export_arn(format!("{table_arn}/export/01234567890123-abcdef01"))
            .send()
            .await;
        assert_eq!(
            unknown
                .err()
                .and_then(|e| e.into_service_error().meta().code().map(str::to_owned))
                .as_deref(),
            Some("ExportNotFoundException")
        );
    });
}

/// An incremental export over a window of the point-in-time recovery history (time moved
/// by the server's manual clock): one compacted line per item written in the window, in
/// the shared `AWSDynamoDB/data/` folder, with both view types; the window is checked.
#[test]
fn incremental_exports_write_each_item_changed_in_the_window() {
    use aws_sdk_dynamodb::primitives::DateTime;
    use aws_sdk_dynamodb::types::{ExportType, ExportViewType, IncrementalExportSpecification};
    use singletable_core::clock::ManualClock;
    use singletable_core::timestamp::Timestamp;

    const T0: i64 = 1_700_000_000;
    let s3 = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(s3.path().join("changes")).unwrap_or_else(|e| panic!("{e}"));
    let clock = std::sync::Arc::new(ManualClock::new(Timestamp::from_unix_seconds(T0)));
    let config = ServerConfig {
        port: 0,
        s3_dir: Some(s3.path().to_owned()),
        clock: Some(clock.clone()),
        ..ServerConfig::default()
    };
    let server = Server::start_in_background(config).unwrap_or_else(|e| panic!("server: {e}"));
    let db = client(&server.endpoint());
    let s = |t: &str| Av::S(t.to_owned());
    let row = |pk: &str, v: &str| Item::from([("pk".to_owned(), s(pk)), ("v".to_owned(), s(v))]);
    runtime().block_on(async {
        create(&db, "changes", &key_schema(ScalarAttributeType::S, None)).await;
        enable_pitr(&db, "changes").await;
        let put = |item: Item| {
            let db = db.clone();
            async move {
                db.put_item().table_name("changes").set_item(Some(item)).send().await
                    .unwrap_or_else(|e| panic!("put: {e:?}"));
            }
        };
        let delete = |pk: &str| {
            let db = db.clone();
            let key = HashMap::from([("pk".to_owned(), s(pk))]);
            async move {
                db.delete_item().table_name("changes").set_key(Some(key)).send().await
                    .unwrap_or_else(|e| panic!("delete: {e:?}"));
            }
        };
        put(row("kept", "1")).await;
        put(row("changed", "1")).await;
        put(row("deleted", "1")).await;
        clock.advance(Duration::from_secs(60));
        // The window [T0 + 60 s, T0 + 60 s + 20 min).
        put(row("changed", "2")).await;
        delete("deleted").await;
        put(row("created", "1")).await;
        put(row("brief", "1")).await;
        delete("brief").await;
        clock.advance(Duration::from_secs(20 * 60));
        let table_arn = db.describe_table().table_name("changes").send().await
            .unwrap_or_else(|e| panic!("{e:?}"))
            .table().and_then(|t| t.table_arn()).unwrap_or_default().to_owned();
        let from = DateTime::from_secs(T0 + 60);
        let to = DateTime::from_secs(T0 + 60 + 20 * 60);
        let export = |view: ExportViewType, from: DateTime, to: DateTime| {
            let spec = IncrementalExportSpecification::builder()
                .export_from_time(from)
                .export_to_time(to)
                .export_view_type(view)
                .build();
            db.export_table_to_point_in_time()
                .table_arn(&table_arn)
                .s3_bucket("changes")
                .export_type(ExportType::IncrementalExport)
                .incremental_export_specification(spec)
                .send()
        };

        let started = export(ExportViewType::NewAndOldImages, from, to).await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let started = started.export_description().cloned().unwrap_or_else(|| panic!("none"));
        assert_eq!(started.export_type(), Some(&ExportType::IncrementalExport));
        let spec = started.incremental_export_specification().cloned()
            .unwrap_or_else(|| panic!("no IncrementalExportSpecification"));
        assert_eq!(spec.export_from_time(), Some(&from));
        assert_eq!(spec.export_to_time(), Some(&to));
        let done = wait_export(&db, started.export_arn().unwrap_or_default()).await;
        assert_eq!(done.export_status(), Some(&ExportStatus::Completed), "{done:?}");
        assert_eq!(done.item_count(), Some(3));

        let id = done.export_arn().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned();
        let opened = Export::open(&s3.path().join("changes/AWSDynamoDB").join(&id))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(opened.summary.export_type.as_deref(), Some("INCREMENTAL_EXPORT"));
        assert_eq!(opened.summary.output_view.as_deref(), Some("NEW_AND_OLD_IMAGES"));
        assert!(opened.files.iter().all(|f| f.data_file_s3_key.starts_with("AWSDynamoDB/data/")));
        let text = |item: &singletable_core::value::Item, name: &str| match item.get(name) {
            Some(singletable_core::value::AttributeValue::S(t)) => t.clone(),
            other => panic!("{name}: {other:?}"),
        };
        let lines = |export: &Export| {
            let mut lines = Vec::new();
            for file in &export.files {
                for record in export.records(file).unwrap_or_else(|e| panic!("{e}")) {
                    match record.unwrap_or_else(|e| panic!("{e}")).1 {
                        Record::Change { keys, new_image, old_image, write_timestamp_micros } => {
                            lines.push((
                                text(&keys, "pk"),
                                old_image.map(|i| text(&i, "v")),
                                new_image.map(|i| text(&i, "v")),
                                write_timestamp_micros,
                            ));
                        }
                        other => panic!("{other:?}"),
                    }
                }
            }
            lines.sort();
            lines
        };
        let micros = Some(((T0 + 60) * 1_000_000).to_string());
        assert_eq!(
            lines(&opened),
            vec![
                ("changed".to_owned(), Some("1".to_owned()), Some("2".to_owned()), micros.clone()),
                ("created".to_owned(), None, Some("1".to_owned()), micros.clone()),
                ("deleted".to_owned(), Some("1".to_owned()), None, micros.clone()),
            ]
        );

        // NEW_IMAGE: no old images.
        let started = export(ExportViewType::NewImage, from, to).await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let done = wait_export(
            &db,
            started.export_description().and_then(|d| d.export_arn()).unwrap_or_default(),
        )
        .await;
        let id = done.export_arn().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned();
        let opened = Export::open(&s3.path().join("changes/AWSDynamoDB").join(&id))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            lines(&opened).into_iter().map(|(pk, old, new, _)| (pk, old, new)).collect::<Vec<_>>(),
            vec![
                ("changed".to_owned(), None, Some("2".to_owned())),
                ("created".to_owned(), None, Some("1".to_owned())),
                ("deleted".to_owned(), None, None),
            ]
        );

        // The window is checked: 10 minutes is too short; before point-in-time recovery
        // was enabled is outside the recovery window.
        let error = |result: Result<_, aws_sdk_dynamodb::error::SdkError<_, _>>| {
            let error: aws_sdk_dynamodb::operation::export_table_to_point_in_time::ExportTableToPointInTimeError =
                match result {
                    Ok(_) => panic!("accepted"),
                    Err(e) => e.into_service_error(),
                };
            (
                error.meta().code().unwrap_or_default().to_owned(),
                error.meta().message().unwrap_or_default().to_owned(),
            )
        };
        let (code, message) = error(
            export(ExportViewType::NewImage, from, DateTime::from_secs(T0 + 60 + 10 * 60)).await,
        );
        assert_eq!(code, "ValidationException");
        assert!(message.contains("at least 15 minutes"), "{message}");
        let (code, _) = error(
            export(ExportViewType::NewImage, DateTime::from_secs(T0 - 60), to).await,
        );
        assert_eq!(code, "InvalidExportTimeException");

        // A full export at a past ExportTime (before the window's writes) holds the items
        // as they were then.
        let started = db
            .export_table_to_point_in_time()
            .table_arn(&table_arn)
            .s3_bucket("changes")
            .export_time(DateTime::from_secs(T0 + 30))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let done = wait_export(
            &db,
            started.export_description().and_then(|d| d.export_arn()).unwrap_or_default(),
        )
        .await;
        assert_eq!(done.export_time(), Some(&DateTime::from_secs(T0 + 30)));
        let id = done.export_arn().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned();
        let opened = Export::open(&s3.path().join("changes/AWSDynamoDB").join(&id))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut items = Vec::new();
        for file in &opened.files {
            for record in opened.records(file).unwrap_or_else(|e| panic!("{e}")) {
                match record.unwrap_or_else(|e| panic!("{e}")).1 {
                    Record::Item(item) => items.push((text(&item, "pk"), text(&item, "v"))),
                    other => panic!("{other:?}"),
                }
            }
        }
        items.sort();
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(items, vec![pair("changed", "1"), pair("deleted", "1"), pair("kept", "1")]);

        // ExportFormat ION: `<name>.ion.gz` data files of `$ion_1_0 {Item:{...}}` lines,
        // which the layout's reader refuses with a typed error (it reads DYNAMODB_JSON).
        let started = db
            .export_table_to_point_in_time()
            .table_arn(&table_arn)
            .s3_bucket("changes")
            .export_format(aws_sdk_dynamodb::types::ExportFormat::Ion)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let done = wait_export(
            &db,
            started.export_description().and_then(|d| d.export_arn()).unwrap_or_default(),
        )
        .await;
        assert_eq!(done.export_status(), Some(&ExportStatus::Completed), "{done:?}");
        assert_eq!(done.item_count(), Some(3));
        let id = done.export_arn().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned();
        let dir = s3.path().join("changes/AWSDynamoDB").join(&id);
        let manifest = std::fs::read_to_string(dir.join("manifest-files.json"))
            .unwrap_or_else(|e| panic!("{e}"));
        let entry: serde_json::Value = serde_json::from_str(manifest.lines().next().unwrap_or(""))
            .unwrap_or_else(|e| panic!("{e}"));
        let key = entry["dataFileS3Key"].as_str().unwrap_or_default().to_owned();
        assert!(key.ends_with(".ion.gz"), "{key}");
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(
                std::fs::File::open(s3.path().join("changes").join(&key))
                    .unwrap_or_else(|e| panic!("{e}")),
            ),
            &mut text,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort_unstable();
        assert_eq!(
            lines,
            vec![
                r#"$ion_1_0 {Item:{pk:"changed",v:"2"}}"#,
                r#"$ion_1_0 {Item:{pk:"created",v:"1"}}"#,
                r#"$ion_1_0 {Item:{pk:"kept",v:"1"}}"#,
            ]
        );
        let refused = Export::open(&dir).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(refused.contains("Amazon Ion export"), "{refused}");
    });
}

/// boto3 runs tests/python/test_export_import.py against serve: a FULL export to the S3
/// folder, its manifests and data files read from disk, an import into a new table, the
/// same items. Without Python and boto3 the test is skipped, except under `CI=true`.
#[test]
fn boto3_export_import_suite_passes_against_serve() {
    let python = ["python3", "python"].into_iter().find(|p| {
        std::process::Command::new(p)
            .args(["-c", "import boto3"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(python) = python else {
        assert!(
            std::env::var("CI").map_or(true, |ci| ci != "true"),
            "CI=true but no Python with boto3"
        );
        eprintln!("skipping: no Python with boto3");
        return;
    };
    let s3 = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(s3.path().join("exports")).unwrap_or_else(|e| panic!("{e}"));
    let server = server(s3.path());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
    let output = std::process::Command::new(python)
        .args(["-m", "unittest", "-v", "tests/python/test_export_import.py"])
        .current_dir(root)
        .env("SINGLETABLE_ENDPOINT", server.endpoint())
        .env("SINGLETABLE_S3_DIR", s3.path())
        .output()
        .unwrap_or_else(|e| panic!("python: {e}"));
    assert!(
        output.status.success(),
        "boto3 suite failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

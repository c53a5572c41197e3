use std::io::Write;

use super::*;
use crate::number::Number;
use crate::value::AttributeValue as V;

fn num(text: &str) -> Number {
    Number::parse(text).expect("number")
}

fn n(text: &str) -> V {
    V::N(num(text))
}

fn every_type(i: u32) -> Item {
    let mut nested = Item::new();
    nested.insert("deep".to_owned(), V::L(vec![V::M(Item::new()), V::L(vec![]), V::Null]));
    let mut item = Item::new();
    item.insert("pk".to_owned(), V::S(format!("k{i}é\"\\\n")));
    item.insert("n".to_owned(), n("-1.2345678901234567890123456789012345678E-100"));
    item.insert("big".to_owned(), n("9.9999999999999999999999999999999999999E+125"));
    item.insert("b".to_owned(), V::B(vec![0, 1, 254, 255]));
    item.insert("e".to_owned(), V::B(vec![]));
    item.insert("t".to_owned(), V::Bool(true));
    item.insert("z".to_owned(), V::Null);
    item.insert("ss".to_owned(), V::Ss(vec!["a".to_owned(), String::new()]));
    item.insert("ns".to_owned(), V::Ns(vec![num("1"), num("0.5")]));
    item.insert("bs".to_owned(), V::Bs(vec![vec![0], vec![]]));
    item.insert("m".to_owned(), V::M(nested));
    item
}

#[test]
fn an_export_reads_back_what_was_written() {
    let bucket = tempfile::tempdir().expect("tempdir");
    let writer = ExportWriter::create(bucket.path(), Some("p/q"), "01234567890123-abcdef01")
        .expect("create");
    assert_eq!(writer.key_prefix(), "p/q/AWSDynamoDB/01234567890123-abcdef01/");
    let mut files = Vec::new();
    let mut items = Vec::new();
    for file_index in 0..3 {
        let mut data = writer.data_file(&format!("f{file_index}")).expect("data file");
        for i in 0..(file_index * 5) {
            let item = every_type(file_index * 100 + i);
            data.write_item(&item).expect("write");
            items.push(item);
        }
        files.push(data.finish().expect("finish"));
    }
    let mut summary = ManifestSummary {
        version: MANIFEST_VERSION.to_owned(),
        export_arn: "arn:x/export/1".to_owned(),
        start_time: iso_millis(1.5),
        end_time: iso_millis(2.0),
        table_arn: "arn:x".to_owned(),
        table_id: "id".to_owned(),
        export_time: iso_millis(1.5),
        s3_bucket: "b".to_owned(),
        s3_prefix: Some("p/q".to_owned()),
        s3_sse_algorithm: None,
        s3_sse_kms_key_id: None,
        manifest_files_s3_key: String::new(),
        billed_size_bytes: 0,
        item_count: items.len() as u64,
        output_format: "DYNAMODB_JSON".to_owned(),
        export_type: None,
        export_from_time: None,
        export_to_time: None,
        output_view: None,
    };
    writer.finish(&files, &mut summary).expect("manifests");
    assert_eq!(summary.start_time, "1970-01-01T00:00:01.500Z");

    // The summary as AWS writes it: null for an absent prefix / SSE, every field named.
    let dir = writer.dir();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest-summary.json")).expect("read"))
            .expect("json");
    assert_eq!(json["s3SseKmsKeyId"], serde_json::Value::Null);
    assert_eq!(
        json["manifestFilesS3Key"],
        "p/q/AWSDynamoDB/01234567890123-abcdef01/manifest-files.json"
    );
    assert!(dir.join("_started").is_file());
    let md5 = std::fs::read_to_string(dir.join("manifest-files.md5")).expect("md5");
    assert_eq!(md5, write::md5_base64(&std::fs::read(dir.join("manifest-files.json")).expect("r")));
    assert!(files[0].etag.ends_with("-1") && files[0].etag.len() == 34);

    // Read back from the bucket root (one export under AWSDynamoDB/) and from its folder.
    let export = Export::open(&bucket.path().join("p/q")).expect("open");
    assert_eq!(export.summary, summary);
    let again = Export::open(&dir).expect("open dir");
    assert_eq!(again.files, files);
    let mut read = Vec::new();
    for file in &export.files {
        for record in export.records(file).expect("records") {
            match record.expect("record") {
                (_, Record::Item(item)) => read.push(item),
                (line, other) => panic!("line {line}: {other:?}"),
            }
        }
    }
    assert_eq!(read, items);
}

#[test]
fn damage_is_reported_with_the_file_and_line() {
    let bucket = tempfile::tempdir().expect("tempdir");
    let writer = ExportWriter::create(bucket.path(), None, "e1").expect("create");
    let mut data = writer.data_file("bad").expect("data");
    data.write_item(&every_type(1)).expect("write");
    data.write_line(&serde_json::json!({"NotAnItem": {}})).expect("write");
    let file = data.finish().expect("finish");
    let mut summary = ManifestSummary {
        version: MANIFEST_VERSION.to_owned(),
        export_arn: String::new(),
        start_time: String::new(),
        end_time: String::new(),
        table_arn: String::new(),
        table_id: String::new(),
        export_time: String::new(),
        s3_bucket: String::new(),
        s3_prefix: None,
        s3_sse_algorithm: None,
        s3_sse_kms_key_id: None,
        manifest_files_s3_key: String::new(),
        billed_size_bytes: 0,
        item_count: 2,
        output_format: "DYNAMODB_JSON".to_owned(),
        export_type: None,
        export_from_time: None,
        export_to_time: None,
        output_view: None,
    };
    writer.finish(std::slice::from_ref(&file), &mut summary).expect("finish");
    let export = Export::open(bucket.path()).expect("open");
    let errors: Vec<String> = export
        .records(&file)
        .expect("records")
        .filter_map(Result::err)
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].ends_with("bad.json.gz:2: unknown field `NotAnItem`, expected one of `Item`, `Keys`, `NewImage`, `OldImage`, `Metadata` at line 1 column 12"), "{}", errors[0]);

    // A data file changed after the export: its MD5 no longer matches.
    let path = export.data_path(&file).expect("path");
    let mut handle = std::fs::OpenOptions::new().append(true).open(&path).expect("open");
    handle.write_all(b"x").expect("append");
    let error = export.records(&file).expect_err("checksum").to_string();
    assert!(error.contains("bad.json.gz: MD5"), "{error}");

    // A manifest edited by hand no longer matches its .md5.
    std::fs::write(writer.dir().join("manifest-files.json"), b"{}\n").expect("write");
    let error = Export::open(bucket.path()).expect_err("md5").to_string();
    assert!(error.contains("manifest-files.json: MD5"), "{error}");

    // No export at all.
    let empty = tempfile::tempdir().expect("tempdir");
    let error = Export::open(empty.path()).expect_err("missing");
    assert!(matches!(error, LayoutError::Missing { .. }), "{error}");
}

#[test]
fn lines_and_incremental_records() {
    assert!(matches!(parse_line(r#"{"Item": {"a": {"S": "x"}}}"#), Ok(Record::Item(_))));
    let change = parse_line(
        r#"{"Metadata":{"WriteTimestampMicros":{"N":"1699000000000000"}},"Keys":{"pk":{"S":"a"}},"OldImage":{"pk":{"S":"a"}}}"#,
    );
    match change {
        Ok(Record::Change {
            new_image: None, old_image: Some(_), write_timestamp_micros, ..
        }) => {
            assert_eq!(write_timestamp_micros.as_deref(), Some("1699000000000000"));
        }
        other => panic!("{other:?}"),
    }
    assert!(parse_line(r#"{"Item": {"a": {"N": "x"}}}"#).is_err());
    assert!(parse_line(r#"{"Item": "#).is_err());
    assert!(parse_line("{}").is_err());
}

#[test]
fn an_incremental_export_writes_change_lines_in_the_shared_data_folder() {
    let bucket = tempfile::tempdir().expect("tempdir");
    let writer =
        ExportWriter::create(bucket.path(), None, "01234567890123-00000002").expect("create");
    let mut data = writer.shared_data_file("01234567890123-00000002-0").expect("data file");
    let keys: Item = [("pk".to_owned(), V::S("a".to_owned()))].into();
    let (old, new) = (every_type(1), every_type(2));
    data.write_change(ChangeLine {
        keys: &keys,
        new_image: Some(&new),
        old_image: Some(&old),
        write_timestamp_micros: 1_700_000_000_123_000,
    })
    .expect("write");
    data.write_change(ChangeLine {
        keys: &keys,
        new_image: None,
        old_image: None,
        write_timestamp_micros: 1_700_000_000_456_000,
    })
    .expect("write");
    let file = data.finish().expect("finish");
    assert_eq!(file.data_file_s3_key, "AWSDynamoDB/data/01234567890123-00000002-0.json.gz");
    assert!(bucket.path().join("AWSDynamoDB/data/01234567890123-00000002-0.json.gz").is_file());
    let mut summary = ManifestSummary {
        version: MANIFEST_VERSION.to_owned(),
        export_arn: "arn:x/export/2".to_owned(),
        start_time: iso_millis(1.5),
        end_time: iso_millis(2.0),
        table_arn: "arn:x".to_owned(),
        table_id: "id".to_owned(),
        export_time: iso_millis(1.5),
        s3_bucket: "b".to_owned(),
        s3_prefix: None,
        s3_sse_algorithm: None,
        s3_sse_kms_key_id: None,
        manifest_files_s3_key: String::new(),
        billed_size_bytes: 0,
        item_count: 2,
        output_format: "DYNAMODB_JSON".to_owned(),
        export_type: Some("INCREMENTAL_EXPORT".to_owned()),
        export_from_time: Some(iso_millis(0.5)),
        export_to_time: Some(iso_millis(1.5)),
        output_view: Some("NEW_AND_OLD_IMAGES".to_owned()),
    };
    writer.finish(std::slice::from_ref(&file), &mut summary).expect("finish");
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(writer.dir().join("manifest-summary.json")).expect("read"),
    )
    .expect("json");
    assert_eq!(json["exportType"], "INCREMENTAL_EXPORT");
    assert_eq!(json["exportFromTime"], "1970-01-01T00:00:00.500Z");
    assert_eq!(json["outputView"], "NEW_AND_OLD_IMAGES");

    // Read back from the bucket root: the `data` folder is not taken for an export.
    let export = Export::open(bucket.path()).expect("open");
    assert_eq!(export.summary, summary);
    let records: Vec<Record> =
        export.records(&export.files[0]).expect("records").map(|r| r.expect("record").1).collect();
    assert_eq!(
        records,
        vec![
            Record::Change {
                keys: keys.clone(),
                new_image: Some(new),
                old_image: Some(old),
                write_timestamp_micros: Some("1700000000123000".to_owned()),
            },
            Record::Change {
                keys,
                new_image: None,
                old_image: None,
                write_timestamp_micros: Some("1700000000456000".to_owned()),
            },
        ]
    );
}

#[test]
fn sources_by_prefix_and_csv() {
    let bucket = tempfile::tempdir().expect("tempdir");
    let dir = bucket.path().join("in/data");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("a.csv"), "pk;n;note\nk1;1;\"x;y\"\n  \nk2;2;\n").expect("write");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"pk;n\nk3;3\n").expect("gz");
    std::fs::write(dir.join("b.csv.gz"), gz.finish().expect("gz")).expect("write");
    std::fs::write(bucket.path().join("in/other"), "").expect("write");
    let objects = list_objects(bucket.path(), "in/da").expect("list");
    let keys: Vec<&str> = objects.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["in/data/a.csv", "in/data/b.csv.gz"]);
    let options = CsvOptions { delimiter: b';', header: None };
    let rows: Vec<_> = csv_rows(&objects[0].1, Compression::None, &options)
        .expect("csv")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, 2);
    assert_eq!(rows[0].1[2], ("note".to_owned(), "x;y".to_owned()));
    assert_eq!(rows[1].0, 4);
    let rows: Vec<_> = csv_rows(&objects[1].1, Compression::Gzip, &options)
        .expect("csv")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        rows,
        [(2, vec![("pk".to_owned(), "k3".to_owned()), ("n".to_owned(), "3".to_owned())])]
    );
    let missing = list_objects(&bucket.path().join("nope"), "").expect_err("missing");
    assert!(matches!(missing, LayoutError::Missing { .. }));
}

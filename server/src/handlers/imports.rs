//! `ImportTable`, `DescribeImport` and `ListImports`.
//!
//! `ImportTable` creates the table from `TableCreationParameters` (a logged `CreateTable`),
//! answers `IN_PROGRESS`, and imports in the background: a blocking thread reads the
//! objects under `S3KeyPrefix` (DYNAMODB_JSON lines or CSV, gzip'd or not) and hands
//! batches of 25 items to a task that writes them as `BatchWriteItem`s (each logged with
//! `--data-dir`, so a restart replays the items, not the import). As on DynamoDB, the
//! first line of an object that cannot become an item (bad JSON, no `Item`, a missing or
//! mistyped key attribute) counts one error and abandons the rest of that object; a
//! write the table refuses (an item over 400 KB) counts one error per item. Errors are
//! logged (`warn`) with the file and line, where DynamoDB writes them to CloudWatch.
//! The counters are set when the import ends, as DynamoDB's are.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{json, Map, Value};
use singletable_core::backend::CreateTableInput;
use singletable_core::json::item_to_json;
use singletable_core::json_serde::{parse_binary, parse_number};
use singletable_core::s3_export::{
    csv_rows, list_objects, open_object, parse_line, Compression, CsvOptions, LayoutError, Record,
};
use singletable_core::schema::ScalarType;
use singletable_core::value::{AttributeValue, Item};
use tokio::sync::mpsc;

use super::exports::{bucket_dir, clock_seconds, page, table_id, valid_bucket, valid_prefix, Job};
use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::operation::Operation;
use crate::service::Engine;
use crate::storage::Storage;

/// What the reader thread hands the writer.
enum Message {
    /// Items to write, and the uncompressed bytes they were read from.
    Items(Vec<Item>, u64),
    /// A line that could not become an item (counted as processed and as an error).
    Error(String),
    /// The source could not be read at all: the import fails.
    Failed(String, String),
}

/// The engine's dispatcher, boxed: imports call it, and it calls imports.
type Answer<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, ApiError>> + Send + 'a>>;

fn execute<'a>(engine: &'a Engine, operation: Operation, body: &'a [u8]) -> Answer<'a> {
    Box::pin(engine.execute(operation, body))
}

/// A writer of requests: through the durable log when there is one.
async fn write(
    engine: &Engine,
    log: Option<&Storage>,
    operation: Operation,
    body: Vec<u8>,
) -> Result<Vec<u8>, ApiError> {
    match log {
        Some(storage) => {
            storage.write(operation.target(), &body, || execute(engine, operation, &body)).await
        }
        None => execute(engine, operation, &body).await,
    }
}

/// `ImportTable`. With `spawn` (the service's engine), the import runs in the
/// background; without, it runs before the answer.
pub(crate) async fn import_table(
    engine: &Engine,
    spawn: Option<Arc<Engine>>,
    log: Option<Arc<Storage>>,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let import = decode::exports::import_table(request)?;
    if import.input_format == "ION" {
        return Err(ApiError::validation(
            "InputFormat ION is not supported by singletable serve; use DYNAMODB_JSON or CSV",
        ));
    }
    if import.input_compression_type == "ZSTD" {
        return Err(ApiError::validation(
            "InputCompressionType ZSTD is not supported by singletable serve; use GZIP or NONE",
        ));
    }
    if import.input_format != "CSV" && import.input_format_options.is_some() {
        return Err(ApiError::validation(
            "InputFormatOptions can only be specified with InputFormat CSV",
        ));
    }
    if !valid_bucket(&import.s3_bucket) || !valid_prefix(&import.s3_key_prefix) {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{}' at 's3BucketSource.s3Bucket' failed to \
             satisfy constraint: Member must satisfy regular expression pattern: \
             ^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$",
            import.s3_bucket
        )));
    }
    let parameters = Value::Object(import.table_creation_parameters.clone());
    let definition = decode::tables::create_table(&Request::new(&parameters)?)?;
    let transfers = engine.transfers();
    let existing = transfers.with_jobs(true, |jobs| {
        jobs.iter().find(|j| j.client_token == import.client_token).map(|j| {
            (
                j.description.get("ImportStatus") == Some(&json!("IN_PROGRESS")),
                j.fingerprint.clone(),
                j.description.clone(),
            )
        })
    });
    if let Some((true, fingerprint, description)) = existing {
        if fingerprint == json!(definition.table_name) {
            return Ok(json!({ "ImportTableDescription": description }));
        }
        return Err(ApiError::dynamodb(
            "ImportConflictException",
            "Duplicate request detected with conflicting parameters",
        ));
    }
    let create = serde_json::to_vec(&parameters).map_err(|e| ApiError::internal(e.to_string()))?;
    let created = write(engine, log.as_deref(), Operation::CreateTable, create).await?;
    let created: Value =
        serde_json::from_slice(&created).map_err(|e| ApiError::internal(e.to_string()))?;
    let table_arn = created["TableDescription"]["TableArn"].as_str().unwrap_or_default().to_owned();
    let created_at = created["TableDescription"]["CreationDateTime"].as_f64().unwrap_or_default();
    let arn = format!("{table_arn}/import/{}", transfers.new_id());
    let mut description = Map::new();
    for (key, value) in [
        ("ImportArn", json!(arn)),
        ("ImportStatus", json!("IN_PROGRESS")),
        ("TableArn", json!(table_arn)),
        ("TableId", json!(table_id(&table_arn, created_at))),
        ("ClientToken", json!(import.client_token)),
        ("S3BucketSource", import.s3_bucket_source.clone()),
        ("InputFormat", json!(import.input_format)),
        ("InputCompressionType", json!(import.input_compression_type)),
        ("TableCreationParameters", parameters.clone()),
        ("StartTime", json!(clock_seconds(engine.backend().clock().as_ref()))),
        ("ProcessedItemCount", json!(0)),
        ("ImportedItemCount", json!(0)),
        ("ErrorCount", json!(0)),
    ] {
        description.insert(key.to_owned(), value);
    }
    if let Some(options) = &import.input_format_options {
        description.insert("InputFormatOptions".to_owned(), options.clone());
    }
    transfers.with_jobs(true, |jobs| {
        jobs.push(Job {
            arn: arn.clone(),
            table_arn: table_arn.clone(),
            client_token: import.client_token.clone(),
            fingerprint: json!(definition.table_name),
            description: description.clone(),
        });
    });
    transfers.save();
    let source = Source {
        bucket: bucket_dir(&transfers.s3_dir()?, &import.s3_bucket),
        prefix: import.s3_key_prefix.clone(),
        csv: (import.input_format == "CSV").then(|| CsvOptions {
            delimiter: import
                .csv_delimiter
                .as_deref()
                .and_then(|d| d.bytes().next())
                .unwrap_or(b','),
            header: import.csv_header.clone(),
        }),
        compression: if import.input_compression_type == "GZIP" {
            Compression::Gzip
        } else {
            Compression::None
        },
        keys: key_types(&definition),
    };
    match spawn {
        Some(engine) => {
            tokio::spawn(async move {
                run(&engine, log.as_deref(), &definition.table_name, &arn, source).await;
            });
            Ok(json!({ "ImportTableDescription": description }))
        }
        None => {
            run(engine, log.as_deref(), &definition.table_name, &arn, source).await;
            let description = transfers
                .with_jobs(true, |jobs| {
                    jobs.iter().find(|j| j.arn == arn).map(|j| j.description.clone())
                })
                .unwrap_or(description);
            Ok(json!({ "ImportTableDescription": description }))
        }
    }
}

/// The key attributes and their types.
fn key_types(definition: &CreateTableInput) -> Vec<(String, ScalarType)> {
    definition
        .key_schema
        .iter()
        .map(|key| {
            let ty = definition
                .attribute_definitions
                .iter()
                .find(|d| d.name == key.attribute_name)
                .map_or(ScalarType::S, |d| d.ty);
            (key.attribute_name.clone(), ty)
        })
        .collect()
}

/// Where and how to read.
struct Source {
    bucket: PathBuf,
    prefix: String,
    csv: Option<CsvOptions>,
    compression: Compression,
    keys: Vec<(String, ScalarType)>,
}

/// Runs an import to its end and records the outcome.
async fn run(engine: &Engine, log: Option<&Storage>, table: &str, arn: &str, source: Source) {
    let (sender, mut receiver) = mpsc::channel::<Message>(8);
    let reading = tokio::task::spawn_blocking(move || read_source(&source, &sender));
    let (mut processed, mut imported, mut errors, mut bytes) = (0u64, 0u64, 0u64, 0u64);
    let mut failure = None;
    while let Some(message) = receiver.recv().await {
        match message {
            Message::Items(items, read) => {
                bytes += read;
                processed += items.len() as u64;
                let written = write_items(engine, log, table, items).await;
                imported += written.0;
                errors += written.1;
            }
            Message::Error(text) => {
                tracing::warn!(import = arn, "{text}");
                processed += 1;
                errors += 1;
            }
            Message::Failed(code, text) => failure = Some((code, text)),
        }
    }
    let _ = reading.await;
    engine.transfers().update(true, arn, |d| {
        d.insert("EndTime".to_owned(), json!(clock_seconds(engine.backend().clock().as_ref())));
        d.insert("ProcessedItemCount".to_owned(), json!(processed));
        d.insert("ImportedItemCount".to_owned(), json!(imported));
        d.insert("ErrorCount".to_owned(), json!(errors));
        d.insert("ProcessedSizeBytes".to_owned(), json!(bytes));
        match failure {
            None => {
                d.insert("ImportStatus".to_owned(), json!("COMPLETED"));
            }
            Some((code, message)) => {
                d.insert("ImportStatus".to_owned(), json!("FAILED"));
                d.insert("FailureCode".to_owned(), json!(code));
                d.insert("FailureMessage".to_owned(), json!(message));
            }
        }
    });
}

/// Writes items 25 at a time; a refused batch is written item by item so that only the
/// refused items count as errors. Returns (imported, errors).
async fn write_items(
    engine: &Engine,
    log: Option<&Storage>,
    table: &str,
    items: Vec<Item>,
) -> (u64, u64) {
    let (mut imported, mut errors) = (0, 0);
    for chunk in items.chunks(25) {
        let requests: Vec<Value> =
            chunk.iter().map(|item| json!({"PutRequest": {"Item": item_to_json(item)}})).collect();
        let body = json!({ "RequestItems": { table: requests } });
        let body = serde_json::to_vec(&body).unwrap_or_default();
        match write(engine, log, Operation::BatchWriteItem, body).await {
            Ok(answer) if !has_unprocessed(&answer) => imported += chunk.len() as u64,
            _ => {
                for item in chunk {
                    let body = json!({ "TableName": table, "Item": item_to_json(item) });
                    let body = serde_json::to_vec(&body).unwrap_or_default();
                    match write(engine, log, Operation::PutItem, body).await {
                        Ok(_) => imported += 1,
                        Err(error) => {
                            tracing::warn!(
                                table,
                                "an imported item was refused: {}",
                                error.message
                            );
                            errors += 1;
                        }
                    }
                }
            }
        }
    }
    (imported, errors)
}

fn has_unprocessed(answer: &[u8]) -> bool {
    serde_json::from_slice::<Value>(answer).ok().is_some_and(|v| {
        v.get("UnprocessedItems").and_then(Value::as_object).is_some_and(|m| !m.is_empty())
    })
}

/// Reads every object under the prefix (on a blocking thread) and sends batches.
fn read_source(source: &Source, sender: &mpsc::Sender<Message>) {
    let objects = match list_objects(&source.bucket, &source.prefix) {
        Ok(objects) => objects,
        Err(LayoutError::Missing { path, .. }) => {
            let _ = sender.blocking_send(Message::Failed(
                "S3NoSuchBucket".to_owned(),
                format!("The specified bucket does not exist (no folder {})", path.display()),
            ));
            return;
        }
        Err(error) => {
            let _ = sender.blocking_send(Message::Failed("UNKNOWN".to_owned(), error.to_string()));
            return;
        }
    };
    for (_, path) in objects {
        let outcome = match &source.csv {
            Some(options) => read_csv(source, options, &path, sender),
            None => read_json(source, &path, sender),
        };
        if let Err(message) = outcome {
            if sender.blocking_send(Message::Error(message)).is_err() {
                return;
            }
        }
    }
}

const BATCH: usize = 250;

/// Items on their way to the writer; what is pending is sent when it is dropped (also
/// when a bad line ends its object early).
struct Batcher<'a> {
    sender: &'a mpsc::Sender<Message>,
    items: Vec<Item>,
    bytes: u64,
    closed: bool,
}

impl<'a> Batcher<'a> {
    fn new(sender: &'a mpsc::Sender<Message>) -> Self {
        Batcher { sender, items: Vec::with_capacity(BATCH), bytes: 0, closed: false }
    }

    /// Queues an item read from `bytes` bytes; false once the writer has gone.
    fn push(&mut self, item: Item, bytes: u64) -> bool {
        self.items.push(item);
        self.bytes += bytes;
        if self.items.len() >= BATCH {
            self.flush();
        }
        !self.closed
    }

    fn flush(&mut self) {
        if self.items.is_empty() || self.closed {
            return;
        }
        let items = std::mem::take(&mut self.items);
        let bytes = std::mem::take(&mut self.bytes);
        self.closed = self.sender.blocking_send(Message::Items(items, bytes)).is_err();
    }
}

impl Drop for Batcher<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

fn read_json(
    source: &Source,
    path: &std::path::Path,
    sender: &mpsc::Sender<Message>,
) -> Result<(), String> {
    let lines = open_object(path, source.compression).map_err(|e| e.to_string())?;
    let mut batch = Batcher::new(sender);
    for line in lines {
        let (number, text) = line.map_err(|e| e.to_string())?;
        let at = |message: String| format!("{}:{number}: {message}", path.display());
        let item =
            match parse_line(&text).map_err(at)? {
                Record::Item(item) => item,
                Record::Change { .. } => return Err(at(
                    "an incremental export's change line; ImportTable reads `{\"Item\": …}` lines"
                        .to_owned(),
                )),
            };
        check_keys(&item, &source.keys).map_err(at)?;
        if !batch.push(item, text.len() as u64) {
            break;
        }
    }
    Ok(())
}

fn read_csv(
    source: &Source,
    options: &CsvOptions,
    path: &std::path::Path,
    sender: &mpsc::Sender<Message>,
) -> Result<(), String> {
    let rows = csv_rows(path, source.compression, options).map_err(|e| e.to_string())?;
    let mut batch = Batcher::new(sender);
    for row in rows {
        let (number, row) = row.map_err(|e| e.to_string())?;
        let at = |message: String| format!("{}:{number}: {message}", path.display());
        let mut item = Item::with_capacity(row.len());
        let mut bytes = 0;
        for (name, text) in row {
            bytes += text.len() as u64 + 1;
            let key = source.keys.iter().find(|(key, _)| *key == name);
            let value = match key.map(|(_, ty)| *ty) {
                Some(ScalarType::N) => {
                    AttributeValue::N(parse_number(&text).map_err(|e| at(format!("{name}: {e}")))?)
                }
                Some(ScalarType::B) => {
                    AttributeValue::B(parse_binary(&text).map_err(|e| at(format!("{name}: {e}")))?)
                }
                Some(ScalarType::S) => AttributeValue::S(text),
                None if text.is_empty() => continue,
                None => AttributeValue::S(text),
            };
            item.insert(name, value);
        }
        check_keys(&item, &source.keys).map_err(at)?;
        if !batch.push(item, bytes) {
            break;
        }
    }
    Ok(())
}

/// The item holds every key attribute, of its type and not empty.
fn check_keys(item: &Item, keys: &[(String, ScalarType)]) -> Result<(), String> {
    for (name, ty) in keys {
        let fits = match (item.get(name), ty) {
            (Some(AttributeValue::S(s)), ScalarType::S) => !s.is_empty(),
            (Some(AttributeValue::N(_)), ScalarType::N) => true,
            (Some(AttributeValue::B(b)), ScalarType::B) => !b.is_empty(),
            (None, _) => return Err(format!("the item has no key attribute {name}")),
            _ => false,
        };
        if !fits {
            return Err(format!("key attribute {name} is not a non-empty {ty:?}"));
        }
    }
    Ok(())
}

/// `DescribeImport`.
pub(crate) fn describe_import(engine: &Engine, request: &Request<'_>) -> Result<Value, ApiError> {
    let arn = decode::exports::describe_import(request)?;
    let well_formed = arn.split_once(":table/").is_some_and(|(_, rest)| {
        rest.split_once("/import/").is_some_and(|(table, id)| table.len() >= 3 && !id.is_empty())
    });
    if !well_formed {
        return Err(ApiError::validation(format!("Invalid Import ARN: {arn}")));
    }
    let found = engine
        .transfers()
        .with_jobs(true, |jobs| jobs.iter().find(|j| j.arn == arn).map(|j| j.description.clone()));
    match found {
        Some(description) => Ok(json!({ "ImportTableDescription": description })),
        None => {
            Err(ApiError::dynamodb("ImportNotFoundException", format!("Import not found: {arn}")))
        }
    }
}

/// `ListImports`: newest first.
pub(crate) fn list_imports(engine: &Engine, request: &Request<'_>) -> Result<Value, ApiError> {
    let list = decode::exports::list(request, "PageSize")?;
    let (page, next) = engine.transfers().with_jobs(true, |jobs| page(jobs, &list))?;
    let summaries: Vec<Value> = page
        .iter()
        .map(|d| {
            let mut summary = Map::new();
            for key in [
                "ImportArn",
                "ImportStatus",
                "TableArn",
                "S3BucketSource",
                "InputFormat",
                "StartTime",
                "EndTime",
            ] {
                if let Some(value) = d.get(key) {
                    summary.insert(key.to_owned(), value.clone());
                }
            }
            Value::Object(summary)
        })
        .collect();
    let mut out = json!({ "ImportSummaryList": summaries });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

//! `singletable dump` and `singletable load`: a table of any DynamoDB (AWS, DynamoDB
//! Local, `singletable serve`) to and from AWS's export-to-S3 layout in a folder
//! ([`singletable_core::s3_export`]), through aws-sdk-dynamodb (`singletable-aws`).
//!
//! `dump` scans the table in parallel segments; each segment writes data files of at
//! most [`ITEMS_PER_FILE`] items and records, after each finished file, the scan's
//! position in `DIR/.singletable-dump/segment-<n>.json`, so a killed dump resumes where
//! its segments stopped. Once every segment is done it writes the manifests (and
//! `singletable-table.json`, the table's `CreateTable` parameters, beside them) and
//! removes the checkpoints.
//!
//! `load` writes every data file's items with `BatchWriteItem`s (25 items, several files
//! at once), retrying unprocessed items with exponential backoff, and records the files
//! (and lines) done in `DIR/.singletable-load-<table>.json`, so a killed load resumes.
//! Incremental exports' change lines are applied as puts (`NewImage`) and deletes.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use singletable_aws::AwsBackend;
use singletable_core::backend::{
    Backend, BatchWriteItemInput, CreateTableInput, ReturnConsumedCapacity, ScanInput, WriteRequest,
};
use singletable_core::json::{create_table_to_json, item_from_json, item_to_json};
use singletable_core::s3_export::{
    iso_millis, Export, ExportWriter, LayoutError, ManifestFile, ManifestSummary, Record,
    MANIFEST_VERSION,
};
use singletable_core::value::Item;

/// Items per data file written by `dump`.
pub const ITEMS_PER_FILE: u64 = 10_000;
/// The file beside the manifests that holds the table's `CreateTable` parameters.
pub const TABLE_FILE: &str = "singletable-table.json";
const DUMP_STATE: &str = ".singletable-dump";

/// Which DynamoDB to talk to.
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub struct Target {
    /// A DynamoDB endpoint (`http://127.0.0.1:8000` for `singletable serve` or DynamoDB
    /// Local); static dummy credentials, the region from AWS_REGION or us-east-1.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// AWS itself: credentials and region from the environment, profile or SSO.
    #[arg(long)]
    pub aws: bool,
}

/// `singletable dump`.
#[derive(Debug, Clone, clap::Args)]
pub struct DumpArgs {
    #[command(flatten)]
    target: Target,
    /// The table to dump.
    #[arg(long)]
    table: String,
    /// The folder to write the export into (created; a killed dump into the same folder
    /// resumes).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    output: PathBuf,
    /// Parallel scan segments.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    segments: u32,
}

/// `singletable load`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// The export: its folder (holding manifest-summary.json), or a folder holding
    /// `AWSDynamoDB/<id>/` with one export.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    #[command(flatten)]
    target: Target,
    /// The table to load into; created from the dump's singletable-table.json when it
    /// does not exist.
    #[arg(long)]
    table: String,
    /// Data files loaded at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    concurrency: u32,
}

/// Why a dump or load failed.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The layout could not be read or written.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// DynamoDB refused a request.
    #[error("table {table}: {source}")]
    Dynamo {
        /// The table.
        table: String,
        /// DynamoDB's error.
        source: Box<singletable_core::Error>,
    },
    /// A checkpoint or schema file is unreadable or belongs to another run.
    #[error("{path}: {message}")]
    State {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The table does not exist and the export does not say how to create it.
    #[error("table {table} does not exist and {path} has no {TABLE_FILE} to create it from: create the table first")]
    NoTable {
        /// The table.
        table: String,
        /// The export's folder.
        path: PathBuf,
    },
}

fn dynamo(table: &str) -> impl Fn(singletable_core::Error) -> TransferError + '_ {
    move |source| TransferError::Dynamo { table: table.to_owned(), source: Box::new(source) }
}

fn state_error(path: &Path, message: impl std::fmt::Display) -> TransferError {
    TransferError::State { path: path.to_owned(), message: message.to_string() }
}

async fn backend(target: &Target) -> Result<AwsBackend, TransferError> {
    match &target.endpoint {
        Some(url) => Ok(AwsBackend::from_endpoint(url.clone())),
        None => AwsBackend::from_env().await.map_err(dynamo("(connection)")),
    }
}

fn progress(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(&format!(
        "{what} {{bar:40}} {{pos}}/{{len}} items ({{per_sec}}, {{eta}} left)"
    ));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>, TransferError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| state_error(path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(state_error(path, e)),
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), TransferError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| state_error(path, e))?;
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, bytes)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| state_error(path, e))
}

/// The dump as a whole: which export, of which table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DumpState {
    export_id: String,
    table: String,
    segments: u32,
    start_time: f64,
}

/// One segment's progress.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SegmentState {
    /// Where the scan goes on (DynamoDB JSON), when not done.
    last_key: Option<Value>,
    done: bool,
    files: Vec<ManifestFile>,
}

fn now() -> f64 {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    #[allow(clippy::cast_precision_loss)]
    let seconds = millis as f64 / 1000.0;
    seconds
}

/// `singletable dump`: returns the export's folder.
pub async fn dump(args: &DumpArgs) -> Result<PathBuf, TransferError> {
    let db = Arc::new(backend(&args.target).await?);
    let description = db.describe_table(args.table.clone()).await.map_err(dynamo(&args.table))?;
    let state_dir = args.output.join(DUMP_STATE);
    std::fs::create_dir_all(&state_dir).map_err(|e| state_error(&state_dir, e))?;
    let state_path = state_dir.join("dump.json");
    let state = match read_json::<DumpState>(&state_path)? {
        Some(state) if state.table == args.table && state.segments == args.segments => state,
        Some(state) => {
            return Err(state_error(
                &state_path,
                format!(
                "an unfinished dump of table {} in {} segments is here; resume it with the same \
                     --table and --segments, or remove {}",
                state.table,
                state.segments,
                state_dir.display()
            ),
            ))
        }
        None => {
            let millis = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            let state = DumpState {
                export_id: format!(
                    "{millis:014}-{:08x}",
                    millis.wrapping_mul(2_654_435_761) & 0xffff_ffff
                ),
                table: args.table.clone(),
                segments: args.segments,
                start_time: now(),
            };
            write_json(&state_path, &state)?;
            state
        }
    };
    let writer = ExportWriter::create(&args.output, None, &state.export_id)?;
    let bar = progress(description.item_count, "dump");
    let mut tasks = tokio::task::JoinSet::new();
    for segment in 0..state.segments {
        let (db, writer, bar) = (Arc::clone(&db), writer.clone(), bar.clone());
        let (table, path) = (args.table.clone(), state_dir.join(format!("segment-{segment}.json")));
        let total = state.segments;
        tasks.spawn(async move {
            dump_segment(&db, &table, segment, total, &writer, &path, &bar).await
        });
    }
    let mut files = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (segment, segment_files) = joined.map_err(|e| state_error(&state_dir, e))??;
        files.insert(segment, segment_files);
    }
    bar.finish_and_clear();
    let files: Vec<ManifestFile> = files.into_values().flatten().collect();
    let item_count = files.iter().map(|f| f.item_count).sum();
    let mut summary = ManifestSummary {
        version: MANIFEST_VERSION.to_owned(),
        export_arn: format!("{}/export/{}", description.table_arn, state.export_id),
        start_time: iso_millis(state.start_time),
        end_time: iso_millis(now()),
        table_arn: description.table_arn.clone(),
        table_id: String::new(),
        export_time: iso_millis(state.start_time),
        s3_bucket: args.output.file_name().and_then(|n| n.to_str()).unwrap_or("local").to_owned(),
        s3_prefix: None,
        s3_sse_algorithm: None,
        s3_sse_kms_key_id: None,
        manifest_files_s3_key: String::new(),
        billed_size_bytes: 0,
        item_count,
        output_format: "DYNAMODB_JSON".to_owned(),
        export_type: None,
        export_from_time: None,
        export_to_time: None,
        output_view: None,
    };
    let definition = CreateTableInput {
        table_name: description.table_name.clone(),
        attribute_definitions: description.attribute_definitions.clone(),
        key_schema: description.key_schema.clone(),
        global_secondary_indexes: description.global_secondary_indexes.clone(),
        local_secondary_indexes: description.local_secondary_indexes.clone(),
        billing_mode: description.billing_mode,
        stream: description.stream,
    };
    let table_file = writer.dir().join(TABLE_FILE);
    write_json(&table_file, &create_table_to_json(&definition))?;
    writer.finish(&files, &mut summary)?;
    std::fs::remove_dir_all(&state_dir).map_err(|e| state_error(&state_dir, e))?;
    Ok(writer.dir())
}

async fn dump_segment(
    db: &AwsBackend,
    table: &str,
    segment: u32,
    total: u32,
    writer: &ExportWriter,
    path: &Path,
    bar: &ProgressBar,
) -> Result<(u32, Vec<ManifestFile>), TransferError> {
    let mut state: SegmentState = read_json(path)?.unwrap_or_default();
    bar.inc(state.files.iter().map(|f| f.item_count).sum());
    let mut start = match &state.last_key {
        Some(key) => Some(item_from_json(key).map_err(|e| state_error(path, e))?),
        None => None,
    };
    while !state.done {
        let name = format!("segment{segment:04}-{:05}", state.files.len());
        let mut file = writer.data_file(&name)?;
        loop {
            let page = scan_page(db, table, segment, total, start.take()).await?;
            for item in &page.items {
                file.write_item(item)?;
            }
            bar.inc(page.items.len() as u64);
            start = page.last_evaluated_key;
            if start.is_none() {
                state.done = true;
                break;
            }
            if file.item_count() >= ITEMS_PER_FILE {
                break;
            }
        }
        state.files.push(file.finish()?);
        state.last_key = start.as_ref().map(item_to_json);
        write_json(path, &state)?;
    }
    Ok((segment, state.files))
}

/// One scan page, retried with backoff on throttling and transient errors.
async fn scan_page(
    db: &AwsBackend,
    table: &str,
    segment: u32,
    total: u32,
    start: Option<Item>,
) -> Result<singletable_core::backend::PageOutput, TransferError> {
    let mut delay = Duration::from_millis(50);
    let mut attempt = 0;
    loop {
        let input = ScanInput {
            table_name: table.to_owned(),
            index_name: None,
            filter: None,
            projection: None,
            select: None,
            limit: None,
            exclusive_start_key: start.clone(),
            consistent_read: false,
            segment: (total > 1).then_some((segment, total)),
            return_consumed_capacity: ReturnConsumedCapacity::None,
        };
        match db.scan(input).await {
            Ok(page) => return Ok(page),
            Err(error) if attempt < 8 && retryable(&error) => {
                attempt += 1;
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(error) => return Err(dynamo(table)(error)),
        }
    }
}

fn retryable(error: &singletable_core::Error) -> bool {
    let text = format!("{error:?}");
    [
        "Throttling",
        "ProvisionedThroughputExceeded",
        "RequestLimitExceeded",
        "TransportError",
        "InternalServerError",
    ]
    .iter()
    .any(|code| text.contains(code))
}

/// Files (and lines of files) a load has written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct LoadState {
    export_arn: String,
    /// Lines written, by data file key; a file whose count equals its itemCount is done.
    lines: HashMap<String, u64>,
}

/// What `load` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    /// Items (and deletes) written.
    pub written: u64,
    /// Data files skipped as already loaded by an earlier run.
    pub skipped_files: usize,
}

/// `singletable load`.
pub async fn load(args: &LoadArgs) -> Result<Loaded, TransferError> {
    let export = Export::open(&args.dir)?;
    let db = Arc::new(backend(&args.target).await?);
    ensure_table(&db, &args.table, &export).await?;
    let checkpoint =
        args.dir.join(format!(".singletable-load-{}.json", args.table.replace(['/', '\\'], "_")));
    let state = match read_json::<LoadState>(&checkpoint)? {
        Some(state) if state.export_arn == export.summary.export_arn => state,
        _ => LoadState { export_arn: export.summary.export_arn.clone(), lines: HashMap::new() },
    };
    let state = Arc::new(Mutex::new(state));
    let export = Arc::new(export);
    let bar = progress(export.summary.item_count, "load");
    let semaphore = Arc::new(tokio::sync::Semaphore::new(args.concurrency as usize));
    let mut tasks = tokio::task::JoinSet::new();
    let mut skipped_files = 0;
    for file in export.files.clone() {
        let done = state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .lines
            .get(&file.data_file_s3_key)
            .copied()
            .unwrap_or(0);
        if done >= file.item_count {
            skipped_files += 1;
            bar.inc(file.item_count);
            continue;
        }
        let permit = Arc::clone(&semaphore)
            .acquire_owned()
            .await
            .map_err(|e| state_error(&checkpoint, e))?;
        let (db, export, state, bar) =
            (Arc::clone(&db), Arc::clone(&export), Arc::clone(&state), bar.clone());
        let (table, checkpoint) = (args.table.clone(), checkpoint.clone());
        tasks.spawn(async move {
            let result =
                load_file(&db, &table, &export, &file, done, &state, &checkpoint, &bar).await;
            drop(permit);
            result
        });
    }
    let mut written = 0;
    while let Some(joined) = tasks.join_next().await {
        written += joined.map_err(|e| state_error(&checkpoint, e))??;
    }
    bar.finish_and_clear();
    let _ = std::fs::remove_file(&checkpoint);
    Ok(Loaded { written, skipped_files })
}

async fn ensure_table(db: &AwsBackend, table: &str, export: &Export) -> Result<(), TransferError> {
    match db.describe_table(table.to_owned()).await {
        Ok(_) => return Ok(()),
        Err(singletable_core::Error::ResourceNotFound { .. }) => {}
        Err(error) => return Err(dynamo(table)(error)),
    }
    let path = export.dir.join(TABLE_FILE);
    let Some(mut json) = read_json::<Value>(&path)? else {
        return Err(TransferError::NoTable { table: table.to_owned(), path: export.dir.clone() });
    };
    json["TableName"] = Value::String(table.to_owned());
    let request = singletable_server::decode::Request::new(&json)
        .map_err(|e| state_error(&path, e.message))?;
    let input = singletable_server::decode::tables::create_table(&request)
        .map_err(|e| state_error(&path, e.message))?;
    db.create_table(input).await.map_err(dynamo(table))?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn load_file(
    db: &AwsBackend,
    table: &str,
    export: &Export,
    file: &ManifestFile,
    skip: u64,
    state: &Mutex<LoadState>,
    checkpoint: &Path,
    bar: &ProgressBar,
) -> Result<u64, TransferError> {
    let records = export.records(file)?;
    let mut batch = Vec::with_capacity(25);
    let (mut line_count, mut written) = (0u64, 0u64);
    bar.inc(skip);
    for record in records {
        let (_, record) = record?;
        line_count += 1;
        if line_count <= skip {
            continue;
        }
        batch.push(match record {
            Record::Item(item) => WriteRequest::Put { item },
            Record::Change { new_image: Some(item), .. } => WriteRequest::Put { item },
            Record::Change { keys, new_image: None, .. } => WriteRequest::Delete { key: keys },
        });
        if batch.len() == 25 {
            written += write_batch(db, table, std::mem::take(&mut batch)).await?;
            bar.inc(25);
            if line_count % 2500 == 0 {
                record_progress(state, checkpoint, &file.data_file_s3_key, line_count)?;
            }
        }
    }
    let rest = batch.len() as u64;
    if rest > 0 {
        written += write_batch(db, table, batch).await?;
        bar.inc(rest);
    }
    record_progress(state, checkpoint, &file.data_file_s3_key, file.item_count.max(line_count))?;
    Ok(written)
}

fn record_progress(
    state: &Mutex<LoadState>,
    checkpoint: &Path,
    key: &str,
    lines: u64,
) -> Result<(), TransferError> {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    state.lines.insert(key.to_owned(), lines);
    write_json(checkpoint, &*state)
}

/// One `BatchWriteItem`, unprocessed items retried with exponential backoff.
async fn write_batch(
    db: &AwsBackend,
    table: &str,
    mut requests: Vec<WriteRequest>,
) -> Result<u64, TransferError> {
    let count = requests.len() as u64;
    let mut delay = Duration::from_millis(25);
    let mut attempt = 0u32;
    loop {
        let input = BatchWriteItemInput {
            request_items: HashMap::from([(table.to_owned(), requests.clone())]),
            return_consumed_capacity: ReturnConsumedCapacity::None,
        };
        match db.batch_write_item(input).await {
            Ok(mut output) => {
                requests = output.unprocessed_items.remove(table).unwrap_or_default();
                if requests.is_empty() {
                    return Ok(count);
                }
            }
            Err(error) if attempt < 10 && retryable(&error) => {}
            Err(error) => return Err(dynamo(table)(error)),
        }
        attempt += 1;
        if attempt > 15 {
            return Err(dynamo(table)(singletable_core::Error::Service {
                code: "UnprocessedItems".to_owned(),
                message: format!(
                    "{} items still unprocessed after {attempt} attempts",
                    requests.len()
                ),
                source: None,
            }));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

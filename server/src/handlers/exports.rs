//! `ExportTableToPointInTime`, `DescribeExport` and `ListExports`, and the state that
//! exports and imports share ([`Transfers`]): the folder standing for S3 (`--s3-dir`,
//! a bucket = a subfolder) and the export and import jobs, saved beside the data
//! directory when there is one.
//!
//! An export takes a consistent cut of the table (the engine's state, one pointer per
//! item), answers `IN_PROGRESS`, and writes AWS's layout ([`singletable_core::s3_export`])
//! on a blocking thread; `DescribeExport` then reports `COMPLETED` (or `FAILED`).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use singletable_core::backend::{Backend, ContinuousBackupsStatus};
use singletable_core::clock::Clock;
use singletable_core::s3_export::{
    ion, iso_millis, ChangeLine, ExportWriter, ManifestSummary, MANIFEST_VERSION,
};
use singletable_core::size::item_size;
use singletable_core::value::Item;
use singletable_engine::{WindowChange, WindowChanges};

use crate::api_error::ApiError;
use crate::decode::{self, Request};
use crate::service::Engine;

/// Items per data file of an export.
const ITEMS_PER_FILE: usize = 4096;

/// One export or import: its ARN, table, token and `…Description`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Job {
    pub(crate) arn: String,
    pub(crate) table_arn: String,
    pub(crate) client_token: String,
    pub(crate) fingerprint: Value,
    pub(crate) description: Map<String, Value>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Jobs {
    exports: Vec<Job>,
    imports: Vec<Job>,
}

#[derive(Debug, Default)]
struct Inner {
    s3_dir: Mutex<Option<PathBuf>>,
    temporary: Mutex<Option<tempfile::TempDir>>,
    records: Mutex<Option<PathBuf>>,
    jobs: Mutex<Jobs>,
    sequence: AtomicU64,
}

/// The exports and imports of an [`Engine`], and the folder standing for S3.
#[derive(Debug, Clone, Default)]
pub(crate) struct Transfers {
    inner: Arc<Inner>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn hash_of(parts: &[&str], salt: u64) -> u64 {
    let mut hasher = DefaultHasher::new();
    salt.hash(&mut hasher);
    for part in parts {
        part.hash(&mut hasher);
    }
    hasher.finish()
}

/// A table's `TableId`: a UUID-shaped id derived from its ARN and creation time.
pub(crate) fn table_id(table_arn: &str, created: f64) -> String {
    let created = created.to_string();
    let a = hash_of(&[table_arn, &created], 1);
    let b = hash_of(&[table_arn, &created], 2);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

impl Transfers {
    /// Sets the folder standing for S3 and, for a durable server, the file that keeps
    /// the jobs (read now: jobs that were running when the server stopped are `FAILED`).
    pub fn configure(
        &self,
        s3_dir: Option<PathBuf>,
        data_dir: Option<&Path>,
    ) -> std::io::Result<()> {
        if let Some(dir) = &s3_dir {
            std::fs::create_dir_all(dir)?;
        }
        *lock(&self.inner.s3_dir) = s3_dir;
        let Some(data_dir) = data_dir else { return Ok(()) };
        let file = data_dir.join("exports-imports.json");
        match std::fs::read(&file) {
            Ok(bytes) => {
                let mut jobs: Jobs = serde_json::from_slice(&bytes).map_err(|e| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{}: {e}", file.display()),
                    )
                })?;
                for (job, status) in jobs
                    .exports
                    .iter_mut()
                    .map(|j| (j, "ExportStatus"))
                    .chain(jobs.imports.iter_mut().map(|j| (j, "ImportStatus")))
                {
                    if job.description.get(status) == Some(&json!("IN_PROGRESS")) {
                        job.description.insert(status.to_owned(), json!("FAILED"));
                        job.description.insert("FailureCode".to_owned(), json!("UNKNOWN"));
                        job.description.insert(
                            "FailureMessage".to_owned(),
                            json!("The server stopped while the job was running"),
                        );
                    }
                }
                *lock(&self.inner.jobs) = jobs;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        *lock(&self.inner.records) = Some(file);
        Ok(())
    }

    /// The folder standing for S3: `--s3-dir`, or a temporary folder made on first use
    /// (removed when the server stops).
    pub fn s3_dir(&self) -> Result<PathBuf, ApiError> {
        if let Some(dir) = lock(&self.inner.s3_dir).clone() {
            return Ok(dir);
        }
        let mut temporary = lock(&self.inner.temporary);
        if temporary.is_none() {
            let dir = tempfile::Builder::new()
                .prefix("singletable-s3-")
                .tempdir()
                .map_err(|e| ApiError::internal(format!("cannot create a folder for S3: {e}")))?;
            *temporary = Some(dir);
        }
        Ok(temporary.as_ref().map(|d| d.path().to_owned()).unwrap_or_default())
    }

    /// A new job id: 14 digits of epoch milliseconds, `-`, 8 hex digits.
    pub(crate) fn new_id(&self) -> String {
        let millis = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        let sequence = self.inner.sequence.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let hash = hash_of(&[&millis.to_string(), &nanos.to_string()], sequence);
        format!("{millis:014}-{:08x}", hash & 0xffff_ffff)
    }

    pub(crate) fn with_jobs<T>(&self, imports: bool, f: impl FnOnce(&mut Vec<Job>) -> T) -> T {
        let mut jobs = lock(&self.inner.jobs);
        let list = if imports { &mut jobs.imports } else { &mut jobs.exports };
        f(list)
    }

    /// Changes a job's description and saves the jobs.
    pub(crate) fn update(&self, imports: bool, arn: &str, f: impl FnOnce(&mut Map<String, Value>)) {
        self.with_jobs(imports, |jobs| {
            if let Some(job) = jobs.iter_mut().find(|j| j.arn == arn) {
                f(&mut job.description);
            }
        });
        self.save();
    }

    /// Saves the jobs (durable servers): a temporary file renamed over the old one.
    pub(crate) fn save(&self) {
        let Some(file) = lock(&self.inner.records).clone() else { return };
        let bytes = serde_json::to_vec(&*lock(&self.inner.jobs)).unwrap_or_default();
        let temporary = file.with_extension("json.tmp");
        let result =
            std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, &file));
        if let Err(error) = result {
            tracing::warn!(%error, file = %file.display(), "cannot save the export and import jobs");
        }
    }
}

impl Engine {
    /// Sets the folder standing for S3 (`None`: a temporary folder, made on first use)
    /// and, with a data directory, loads and keeps the export and import jobs there.
    pub fn configure_s3(
        &self,
        s3_dir: Option<PathBuf>,
        data_dir: Option<&Path>,
    ) -> std::io::Result<()> {
        self.transfers().configure(s3_dir, data_dir)
    }

    /// The folder standing for S3 (a bucket is a subfolder).
    pub fn s3_dir(&self) -> Result<PathBuf, ApiError> {
        self.transfers().s3_dir()
    }
}

/// The folder of bucket `name` in the S3 folder (checked: one path segment).
pub(crate) fn bucket_dir(s3_dir: &Path, name: &str) -> PathBuf {
    s3_dir.join(name)
}

/// A bucket name S3 accepts (and that is one safe path segment): 3..63 of `a-z0-9.-_`,
/// beginning and ending with a letter or digit. DynamoDB's own pattern is looser
/// (`^[a-z0-9A-Z]+[\.\-\w]*[a-z0-9A-Z]+$`); this is that pattern.
pub(crate) fn valid_bucket(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() >= 2
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// A prefix that stays inside its bucket (no `..` segment).
pub(crate) fn valid_prefix(prefix: &str) -> bool {
    !prefix.split('/').any(|segment| segment == "..") && !prefix.contains('\\')
}

/// The table an ARN names, if it exists (and the ARN is its ARN).
pub(crate) async fn table_by_arn(
    engine: &Engine,
    arn: &str,
) -> Option<singletable_core::backend::TableDescription> {
    let (_, rest) = arn.split_once(":table/")?;
    let name = rest.split('/').next()?;
    match engine.backend().describe_table(name.to_owned()).await {
        Ok(description) if description.table_arn == arn => Some(description),
        _ => None,
    }
}

/// `ExportTableToPointInTime`.
pub(crate) async fn export_table_to_point_in_time(
    engine: &Engine,
    request: &Request<'_>,
) -> Result<Value, ApiError> {
    let export = decode::exports::export_table(request)?;
    if !export.table_arn.starts_with("arn:") || !export.table_arn.contains(":table/") {
        return Err(ApiError::validation(format!(
            "Invalid TableArn: Invalid ResourceArn provided as input {}",
            export.table_arn
        )));
    }
    if !valid_bucket(&export.s3_bucket) {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{}' at 's3Bucket' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: ^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$",
            export.s3_bucket
        )));
    }
    if export.s3_prefix.as_deref().is_some_and(|p| !valid_prefix(p)) {
        return Err(ApiError::validation(
            "S3Prefix must not hold a `..` segment or a backslash (singletable serve's folder for S3)",
        ));
    }
    let transfers = engine.transfers();
    if let Some(token) = &export.client_token {
        let fingerprint = export.fingerprint();
        let existing = transfers.with_jobs(false, |jobs| {
            jobs.iter()
                .find(|j| &j.client_token == token)
                .map(|j| (j.fingerprint == fingerprint, j.description.clone()))
        });
        match existing {
            Some((true, description)) => return Ok(json!({ "ExportDescription": description })),
            Some((false, _)) => {
                return Err(ApiError::dynamodb(
                    "ExportConflictException",
                    "Duplicate request detected with conflicting parameters",
                ))
            }
            None => {}
        }
    }
    let Some(table) = table_by_arn(engine, &export.table_arn).await else {
        return Err(ApiError::dynamodb(
            "TableNotFoundException",
            format!("Table not found: {}", export.table_arn),
        ));
    };
    // DynamoDB exports from the point-in-time recovery history: a table without it
    // cannot be exported.
    let pitr = engine.backend().describe_continuous_backups(&table.table_name).await?;
    if pitr.point_in_time_recovery_description.point_in_time_recovery_status
        != ContinuousBackupsStatus::Enabled
    {
        return Err(ApiError::dynamodb(
            "PointInTimeRecoveryUnavailableException",
            format!("Point in time recovery is not enabled for table '{}'", table.table_name),
        ));
    }
    let incremental = export.export_type.as_deref() == Some("INCREMENTAL_EXPORT");
    if !incremental && export.incremental.is_some() {
        return Err(ApiError::validation(
            "IncrementalExportSpecification can only be specified with ExportType INCREMENTAL_EXPORT",
        ));
    }
    if incremental && export.export_time.is_some() {
        return Err(ApiError::validation(
            "ExportTime cannot be specified for an incremental export; give \
             IncrementalExportSpecification's ExportFromTime and ExportToTime",
        ));
    }
    // Times are the engine's (its clock is the one point-in-time recovery reads).
    let clock = engine.backend().clock();
    let start = clock_seconds(clock.as_ref());
    let content = if incremental {
        let spec = export.incremental_spec.clone();
        let Some(from) = spec.as_ref().and_then(|spec| spec.from) else {
            return Err(ApiError::validation(
                "IncrementalExportSpecification.ExportFromTime is required for an incremental export",
            ));
        };
        let to = spec.as_ref().and_then(|spec| spec.to);
        let window = engine.backend().changes_between(&table.table_name, from, to)?;
        let view_type = spec.map_or_else(|| "NEW_AND_OLD_IMAGES".to_owned(), |s| s.view_type);
        Content::Changes { window, view_type }
    } else {
        // The consistent cut: the table's items at ExportTime (now when absent), from the
        // point-in-time recovery history.
        let items = engine
            .backend()
            .items_at_time(&table.table_name, export.export_time.unwrap_or(start))
            .map_err(|error| match error {
                singletable_core::Error::Service { code, .. }
                    if code == "InvalidRestoreTimeException" =>
                {
                    ApiError::dynamodb(
                        "InvalidExportTimeException",
                        "ExportTime must be within the table's point-in-time recovery window \
                         (EarliestRestorableDateTime to LatestRestorableDateTime)",
                    )
                }
                other => other.into(),
            })?;
        Content::Items(items)
    };
    let id = transfers.new_id();
    let arn = format!("{}/export/{id}", table.table_arn);
    let client_token = export.client_token.clone().unwrap_or_else(|| transfers.new_id());
    let mut description = Map::new();
    let mut put = |key: &str, value: Value| {
        description.insert(key.to_owned(), value);
    };
    put("ExportArn", json!(arn));
    put("ExportStatus", json!("IN_PROGRESS"));
    put("StartTime", json!(start));
    put("TableArn", json!(table.table_arn));
    put("TableId", json!(table_id(&table.table_arn, table.creation_date_time)));
    match &content {
        Content::Items(_) => put("ExportTime", json!(export.export_time.unwrap_or(start))),
        Content::Changes { window, view_type } => put(
            "IncrementalExportSpecification",
            json!({
                "ExportFromTime": seconds(window.from_ms),
                "ExportToTime": seconds(window.to_ms),
                "ExportViewType": view_type,
            }),
        ),
    }
    put("ClientToken", json!(client_token));
    put("S3Bucket", json!(export.s3_bucket));
    if let Some(owner) = &export.s3_bucket_owner {
        put("S3BucketOwner", json!(owner));
    }
    if let Some(prefix) = &export.s3_prefix {
        put("S3Prefix", json!(prefix));
    }
    put("S3SseAlgorithm", json!(export.s3_sse_algorithm.as_deref().unwrap_or("AES256")));
    if let Some(key) = &export.s3_sse_kms_key_id {
        put("S3SseKmsKeyId", json!(key));
    }
    put("ExportFormat", json!(export.export_format));
    if let Some(export_type) = &export.export_type {
        put("ExportType", json!(export_type));
    }
    transfers.with_jobs(false, |jobs| {
        jobs.push(Job {
            arn: arn.clone(),
            table_arn: table.table_arn.clone(),
            client_token,
            fingerprint: export.fingerprint(),
            description: description.clone(),
        });
    });
    transfers.save();
    let bucket = bucket_dir(&transfers.s3_dir()?, &export.s3_bucket);
    let mut summary = ManifestSummary {
        version: MANIFEST_VERSION.to_owned(),
        export_arn: arn.clone(),
        start_time: iso_millis(start),
        end_time: String::new(),
        table_arn: table.table_arn.clone(),
        table_id: table_id(&table.table_arn, table.creation_date_time),
        export_time: iso_millis(match &content {
            Content::Items(_) => export.export_time.unwrap_or(start),
            Content::Changes { window, .. } => seconds(window.to_ms),
        }),
        s3_bucket: export.s3_bucket.clone(),
        s3_prefix: export.s3_prefix.clone(),
        s3_sse_algorithm: export.s3_sse_algorithm.clone(),
        s3_sse_kms_key_id: export.s3_sse_kms_key_id.clone(),
        manifest_files_s3_key: String::new(),
        billed_size_bytes: 0,
        item_count: 0,
        output_format: export.export_format.clone(),
        export_type: None,
        export_from_time: None,
        export_to_time: None,
        output_view: None,
    };
    if let Content::Changes { window, view_type } = &content {
        summary.export_type = Some("INCREMENTAL_EXPORT".to_owned());
        summary.export_from_time = Some(iso_millis(seconds(window.from_ms)));
        summary.export_to_time = Some(iso_millis(seconds(window.to_ms)));
        summary.output_view = Some(view_type.clone());
    }
    let job_transfers = transfers.clone();
    let job_arn = arn.clone();
    let job = move || {
        let outcome = write_export(&bucket, &id, summary, &content, clock.as_ref());
        job_transfers.update(false, &job_arn, |d| match outcome {
            Ok((manifest, count, billed, end)) => {
                d.insert("ExportStatus".to_owned(), json!("COMPLETED"));
                d.insert("EndTime".to_owned(), json!(end));
                d.insert("ExportManifest".to_owned(), json!(manifest));
                d.insert("ItemCount".to_owned(), json!(count));
                d.insert("BilledSizeBytes".to_owned(), json!(billed));
            }
            Err((code, message)) => {
                d.insert("ExportStatus".to_owned(), json!("FAILED"));
                d.insert("EndTime".to_owned(), json!(clock_seconds(clock.as_ref())));
                d.insert("FailureCode".to_owned(), json!(code));
                d.insert("FailureMessage".to_owned(), json!(message));
            }
        });
    };
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            handle.spawn_blocking(job);
        }
        Err(_) => job(),
    }
    Ok(json!({ "ExportDescription": description }))
}

/// What an export writes: the items at `ExportTime` (a full export) or the changes of a
/// window (an incremental export, with its view type).
enum Content {
    Items(Vec<Arc<Item>>),
    Changes { window: WindowChanges, view_type: String },
}

/// The time by `clock`, in Unix epoch seconds (milliseconds precision): exports and
/// imports read the engine's clock, the one point-in-time recovery reads.
pub(crate) fn clock_seconds(clock: &dyn Clock) -> f64 {
    seconds(clock.now().unix_millis())
}

/// Epoch milliseconds as epoch seconds.
fn seconds(ms: i64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let seconds = ms as f64 / 1000.0;
    seconds
}

/// Writes the export; returns the summary manifest's key, the item count and the billed
/// bytes, or DynamoDB's `FailureCode` and a message. A full export's data files go in
/// its own `data/` folder, an incremental export's in the `data/` folder all of them
/// share (`PREFIX/AWSDynamoDB/data/`), as DynamoDB lays them out.
fn write_export(
    bucket: &Path,
    id: &str,
    mut summary: ManifestSummary,
    content: &Content,
    clock: &dyn Clock,
) -> Result<(String, u64, u64, f64), (String, String)> {
    if !bucket.is_dir() {
        return Err((
            "S3NoSuchBucket".to_owned(),
            format!("The specified bucket does not exist (no folder {})", bucket.display()),
        ));
    }
    let failed =
        |e: singletable_core::s3_export::LayoutError| ("UNKNOWN".to_owned(), e.to_string());
    let writer = ExportWriter::create(bucket, summary.s3_prefix.as_deref(), id).map_err(failed)?;
    let ion = summary.output_format == "ION";
    let writer = if ion { writer.ion() } else { writer };
    let mut files = Vec::new();
    let mut billed = 0u64;
    let count = match content {
        Content::Items(items) => {
            let chunks: Vec<&[Arc<Item>]> =
                if items.is_empty() { vec![&[]] } else { items.chunks(ITEMS_PER_FILE).collect() };
            for (index, chunk) in chunks.into_iter().enumerate() {
                let mut data = writer.data_file(&data_file_name(id, index)).map_err(failed)?;
                for item in chunk {
                    if ion {
                        data.write_text_line(&ion::item_line(item)).map_err(failed)?;
                    } else {
                        data.write_item(item).map_err(failed)?;
                    }
                    billed += item_size(item) as u64;
                }
                files.push(data.finish().map_err(failed)?);
            }
            items.len() as u64
        }
        Content::Changes { window, view_type } => {
            let with_old = view_type == "NEW_AND_OLD_IMAGES";
            let changes = &window.changes;
            let chunks: Vec<&[WindowChange]> = if changes.is_empty() {
                vec![&[]]
            } else {
                changes.chunks(ITEMS_PER_FILE).collect()
            };
            for (index, chunk) in chunks.into_iter().enumerate() {
                let name = data_file_name(id, index);
                let mut data = writer.shared_data_file(&name).map_err(failed)?;
                for change in chunk {
                    let line = ChangeLine {
                        keys: &change.keys,
                        new_image: change.new_image.as_deref(),
                        old_image: change.old_image.as_deref().filter(|_| with_old),
                        write_timestamp_micros: change.last_write_ms.saturating_mul(1000),
                    };
                    if ion {
                        let text = ion::change_line(
                            line.keys,
                            line.new_image,
                            line.old_image,
                            line.write_timestamp_micros,
                        );
                        data.write_text_line(&text).map_err(failed)?;
                    } else {
                        data.write_change(line).map_err(failed)?;
                    }
                    billed += [change.new_image.as_deref(), change.old_image.as_deref()]
                        .into_iter()
                        .flatten()
                        .map(|item| item_size(item) as u64)
                        .sum::<u64>();
                }
                files.push(data.finish().map_err(failed)?);
            }
            changes.len() as u64
        }
    };
    summary.item_count = count;
    summary.billed_size_bytes = billed;
    let end = clock_seconds(clock);
    summary.end_time = iso_millis(end);
    writer.finish(&files, &mut summary).map_err(failed)?;
    Ok((writer.manifest_summary_key(), summary.item_count, billed, end))
}

pub(crate) fn data_file_name(id: &str, index: usize) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bits = u128::from(hash_of(&[id], index as u64)) << 64
        | u128::from(hash_of(&[id], !(index as u64)));
    let mut name = String::with_capacity(26);
    for _ in 0..26 {
        name.push(char::from(ALPHABET[(bits & 31) as usize]));
        bits >>= 5;
    }
    name
}

/// `DescribeExport`.
pub(crate) fn describe_export(engine: &Engine, request: &Request<'_>) -> Result<Value, ApiError> {
    let arn = decode::exports::describe_export(request)?;
    if !arn.contains(":table/") || !arn.contains("/export/") {
        return Err(ApiError::validation(format!("Invalid Export ARN: {arn}")));
    }
    let found = engine
        .transfers()
        .with_jobs(false, |jobs| jobs.iter().find(|j| j.arn == arn).map(|j| j.description.clone()));
    match found {
        Some(description) => Ok(json!({ "ExportDescription": description })),
        None => {
            Err(ApiError::dynamodb("ExportNotFoundException", format!("Export not found: {arn}")))
        }
    }
}

/// `ListExports`: newest first.
pub(crate) fn list_exports(engine: &Engine, request: &Request<'_>) -> Result<Value, ApiError> {
    let list = decode::exports::list(request, "MaxResults")?;
    let (page, next) = engine.transfers().with_jobs(false, |jobs| page(jobs, &list))?;
    let summaries: Vec<Value> = page
        .iter()
        .map(|d| {
            json!({
                "ExportArn": d.get("ExportArn"),
                "ExportStatus": d.get("ExportStatus"),
                "ExportType": d.get("ExportType").cloned().unwrap_or(json!("FULL_EXPORT")),
            })
        })
        .collect();
    let mut out = json!({ "ExportSummaries": summaries });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

/// A page of job descriptions and the token of the next page.
pub(crate) type Page = (Vec<Map<String, Value>>, Option<String>);

/// One page of jobs, newest first, and the token of the next.
pub(crate) fn page(jobs: &[Job], list: &decode::exports::ListRequest) -> Result<Page, ApiError> {
    let mut selected: Vec<&Job> = jobs
        .iter()
        .rev()
        .filter(|j| list.table_arn.as_ref().is_none_or(|arn| &j.table_arn == arn))
        .collect();
    if let Some(token) = &list.next_token {
        let Some(at) = selected.iter().position(|j| &j.arn == token) else {
            return Err(ApiError::validation("Invalid NextToken provided"));
        };
        selected.drain(..at);
    }
    let next = selected.get(list.limit).map(|j| j.arn.clone());
    Ok((selected.into_iter().take(list.limit).map(|j| j.description.clone()).collect(), next))
}

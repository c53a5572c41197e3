//! AWS's DynamoDB export-to-S3 layout, read and written, on a local folder standing for
//! a bucket (feature `s3-export`).
//!
//! One module for every place the layout appears: `singletable serve`'s
//! `ExportTableToPointInTime` / `ImportTable`, and the CLI's `dump` / `load`, so a
//! production export loads into the engine and an engine export loads into DynamoDB.
//!
//! # The layout
//!
//! Keys are relative to the bucket (a folder); `PREFIX/` is present when an S3 prefix is:
//!
//! ```text
//! PREFIX/AWSDynamoDB/<ExportId>/_started                 empty: the export began
//! PREFIX/AWSDynamoDB/<ExportId>/manifest-summary.json    one JSON object (ManifestSummary)
//! PREFIX/AWSDynamoDB/<ExportId>/manifest-summary.md5     base64 MD5 of the file above
//! PREFIX/AWSDynamoDB/<ExportId>/manifest-files.json      JSON lines, one per data file (ManifestFile)
//! PREFIX/AWSDynamoDB/<ExportId>/manifest-files.md5       base64 MD5 of the file above
//! PREFIX/AWSDynamoDB/<ExportId>/data/<name>.json.gz      gzip'd JSON lines: {"Item": {...}}
//! PREFIX/AWSDynamoDB/data/<name>.json.gz                 an incremental export's data files,
//!                                                        in the folder all of them share
//! ```
//!
//! Sources: the developer guide's "DynamoDB table export output format"
//! (S3DataExport.Output.html) for the manifests' fields and the data lines, and a
//! conformance suite run against real DynamoDB (ScyllaDB's `test/alternator/test_export.py`)
//! for what AWS actually writes: checksum files named `*.md5` (the guide says
//! `*.checksum`) holding the base64 MD5 of the manifest, `dataFileS3Key` relative to the
//! bucket, and `md5Checksum` the base64 MD5 of the gzip'd data file. `etag` is the S3
//! ETag of a one-part multipart upload, as in the guide's example
//! (`hex(md5(md5(file)))-1`).
//!
//! Incremental exports write lines `{"Metadata": {"WriteTimestampMicros": {"N": ...}},
//! "Keys": {...}, "NewImage": {...}, "OldImage": {...}}` ([`DataFileWriter::write_change`]);
//! [`Record::Change`] reads them. Their manifest summary adds `exportType`,
//! `exportFromTime`, `exportToTime` and `outputView`. Amazon Ion exports are written
//! ([`ion`], data files `<name>.ion.gz`), not read.

pub mod ion;
mod read;
mod source;
mod write;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use read::{parse_line, Export, Records};
pub use source::{csv_rows, list_objects, open_object, Compression, CsvOptions, CsvRows, Lines};
pub use write::{ChangeLine, DataFileWriter, ExportWriter};

use crate::value::Item;

/// The `version` of `manifest-summary.json` that AWS writes.
pub const MANIFEST_VERSION: &str = "2020-06-30";
/// The folder under the prefix that holds every export.
pub const AWS_DYNAMODB_DIR: &str = "AWSDynamoDB";

/// `manifest-summary.json`: what the export is. Field names are AWS's; unknown fields
/// are ignored when reading, and missing optional ones read as `None` / 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestSummary {
    /// `2020-06-30`.
    pub version: String,
    /// The export's ARN (`<table ARN>/export/<id>`).
    pub export_arn: String,
    /// When the export began (ISO 8601, milliseconds, `Z`).
    pub start_time: String,
    /// When it ended.
    pub end_time: String,
    /// The table's ARN.
    pub table_arn: String,
    /// The table's id.
    #[serde(default)]
    pub table_id: String,
    /// The point in time the data reflects.
    pub export_time: String,
    /// The bucket.
    pub s3_bucket: String,
    /// The prefix, if any.
    #[serde(default)]
    pub s3_prefix: Option<String>,
    /// `AES256` / `KMS`, if given.
    #[serde(default)]
    pub s3_sse_algorithm: Option<String>,
    /// The KMS key, if given.
    #[serde(default)]
    pub s3_sse_kms_key_id: Option<String>,
    /// The key of `manifest-files.json` in the bucket.
    pub manifest_files_s3_key: String,
    /// The bytes billed (the uncompressed size of the items).
    #[serde(default)]
    pub billed_size_bytes: u64,
    /// The number of items (lines) in every data file.
    pub item_count: u64,
    /// `DYNAMODB_JSON` or `ION`.
    pub output_format: String,
    /// `FULL_EXPORT` / `INCREMENTAL_EXPORT`, where the export says (incremental exports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_type: Option<String>,
    /// An incremental export's window start (inclusive), ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_from_time: Option<String>,
    /// An incremental export's window end (exclusive), ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_to_time: Option<String>,
    /// An incremental export's view type: `NEW_AND_OLD_IMAGES` or `NEW_IMAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_view: Option<String>,
}

/// One line of `manifest-files.json`: one data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestFile {
    /// The number of lines (items) in the file.
    pub item_count: u64,
    /// The base64 MD5 of the file's bytes (gzip'd).
    pub md5_checksum: String,
    /// The S3 ETag (`hex(md5(md5(file)))-1`, a one-part multipart upload).
    pub etag: String,
    /// The key of the file in the bucket (`PREFIX/AWSDynamoDB/<id>/data/<name>.json.gz`).
    pub data_file_s3_key: String,
}

/// One line of a data file.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A full export's line: `{"Item": {...}}`.
    Item(Item),
    /// An incremental export's line.
    Change {
        /// `Keys`: the item's primary key.
        keys: Item,
        /// `NewImage`: the item after the change; `None` for a delete.
        new_image: Option<Item>,
        /// `OldImage`: the item before it (view type `NEW_AND_OLD_IMAGES`).
        old_image: Option<Item>,
        /// `Metadata.WriteTimestampMicros`, when present.
        write_timestamp_micros: Option<String>,
    },
}

/// Why a layout could not be read or written. Every variant names the file (and the
/// line, for a line that does not parse).
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file or folder that must exist does not.
    #[error("{path}: not found ({what})")]
    Missing {
        /// What was looked for.
        path: PathBuf,
        /// What it should hold.
        what: String,
    },
    /// A manifest is not what AWS writes.
    #[error("{path}: {message}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A line of a data file or import source does not parse.
    #[error("{path}:{line}: {message}")]
    Line {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A file's MD5 is not the one its manifest records.
    #[error("{path}: MD5 {actual} does not match the manifest's {expected}")]
    Checksum {
        /// The file.
        path: PathBuf,
        /// The manifest's checksum.
        expected: String,
        /// The file's.
        actual: String,
    },
}

impl LayoutError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        LayoutError::Io { path: path.into(), source }
    }
}

/// The key prefix of an export in its bucket: `PREFIX/AWSDynamoDB/<id>/` (no leading
/// `/`; a prefix's trailing `/` is not doubled).
pub fn export_key_prefix(prefix: Option<&str>, export_id: &str) -> String {
    let mut key = String::new();
    if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
        key.push_str(prefix.trim_start_matches('/'));
        if !key.ends_with('/') {
            key.push('/');
        }
    }
    key.push_str(AWS_DYNAMODB_DIR);
    key.push('/');
    key.push_str(export_id);
    key.push('/');
    key
}

/// An ISO 8601 time with milliseconds and `Z` (`2020-11-04T07:28:34.028Z`), as the
/// manifests write times, from Unix epoch seconds. Out-of-range values give the epoch.
pub fn iso_millis(epoch_seconds: f64) -> String {
    let millis = if epoch_seconds.is_finite() { (epoch_seconds * 1000.0).round() } else { 0.0 };
    // Saturating float-to-int conversion; the range check below catches the rest.
    #[allow(clippy::cast_possible_truncation)]
    let millis = millis as i128;
    let time = time::OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let (year, month, day) = (time.year(), u8::from(time.month()), time.day());
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        time.hour(),
        time.minute(),
        time.second(),
        time.millisecond()
    )
}

#[cfg(test)]
mod tests;

//! Writing an export: `_started`, gzip'd data files with their MD5s, then the manifests.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use flate2::write::GzEncoder;
use md5::{Digest, Md5};
use serde::Serialize;

use super::{export_key_prefix, LayoutError, ManifestFile, ManifestSummary};
use crate::json_serde::ItemRef;
use crate::value::Item;

/// Writes one export into a bucket folder: `PREFIX/AWSDynamoDB/<id>/…`.
#[derive(Debug, Clone)]
pub struct ExportWriter {
    bucket_dir: PathBuf,
    key_prefix: String,
    /// `PREFIX/AWSDynamoDB/`: where incremental exports' shared `data/` folder is.
    shared_prefix: String,
    /// The data files' extension: `json.gz`, or `ion.gz` for Ion exports.
    extension: &'static str,
}

impl ExportWriter {
    /// Creates the export's folder (and `data/`) under `bucket_dir` and writes `_started`.
    pub fn create(
        bucket_dir: &Path,
        prefix: Option<&str>,
        export_id: &str,
    ) -> Result<ExportWriter, LayoutError> {
        let key_prefix = export_key_prefix(prefix, export_id);
        let shared_prefix =
            key_prefix.strip_suffix(&format!("{export_id}/")).unwrap_or(&key_prefix).to_owned();
        let writer = ExportWriter {
            bucket_dir: bucket_dir.to_owned(),
            key_prefix,
            shared_prefix,
            extension: "json.gz",
        };
        let data = writer.dir().join("data");
        fs::create_dir_all(&data).map_err(|e| LayoutError::io(&data, e))?;
        let started = writer.dir().join("_started");
        fs::write(&started, b"").map_err(|e| LayoutError::io(&started, e))?;
        Ok(writer)
    }

    /// Names data files `<name>.ion.gz` (an `ExportFormat=ION` export; write its lines
    /// with [`DataFileWriter::write_text_line`] and [`super::ion`]).
    pub fn ion(mut self) -> Self {
        self.extension = "ion.gz";
        self
    }

    /// The export's folder.
    pub fn dir(&self) -> PathBuf {
        self.bucket_dir.join(&self.key_prefix)
    }

    /// The export's key prefix in the bucket (`PREFIX/AWSDynamoDB/<id>/`).
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// The key of `manifest-summary.json` (what `ExportManifest` reports).
    pub fn manifest_summary_key(&self) -> String {
        format!("{}manifest-summary.json", self.key_prefix)
    }

    /// The key of `manifest-files.json`.
    pub fn manifest_files_key(&self) -> String {
        format!("{}manifest-files.json", self.key_prefix)
    }

    /// Starts the data file `data/<name>.json.gz` (replacing one of that name).
    pub fn data_file(&self, name: &str) -> Result<DataFileWriter, LayoutError> {
        let key = format!("{}data/{name}.{}", self.key_prefix, self.extension);
        DataFileWriter::create(self.bucket_dir.join(&key), key)
    }

    /// Starts the data file `PREFIX/AWSDynamoDB/data/<name>.json.gz`, in the folder every
    /// incremental export shares (the name should hold the export id).
    pub fn shared_data_file(&self, name: &str) -> Result<DataFileWriter, LayoutError> {
        let key = format!("{}data/{name}.{}", self.shared_prefix, self.extension);
        DataFileWriter::create(self.bucket_dir.join(&key), key)
    }

    /// Writes `manifest-files.json` (one line per file) and `manifest-summary.json`, each
    /// with its `.md5`; `summary.manifest_files_s3_key` is set here.
    pub fn finish(
        &self,
        files: &[ManifestFile],
        summary: &mut ManifestSummary,
    ) -> Result<(), LayoutError> {
        let mut lines = Vec::new();
        for file in files {
            lines.extend(to_json(file));
            lines.push(b'\n');
        }
        self.write_with_md5("manifest-files", &lines)?;
        summary.manifest_files_s3_key = self.manifest_files_key();
        self.write_with_md5("manifest-summary", &to_json(&*summary))
    }

    fn write_with_md5(&self, stem: &str, bytes: &[u8]) -> Result<(), LayoutError> {
        let path = self.dir().join(format!("{stem}.json"));
        fs::write(&path, bytes).map_err(|e| LayoutError::io(&path, e))?;
        let md5_path = self.dir().join(format!("{stem}.md5"));
        fs::write(&md5_path, md5_base64(bytes)).map_err(|e| LayoutError::io(&md5_path, e))
    }
}

/// JSON of a manifest type (plain structs of strings and numbers: cannot fail).
fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// The base64 MD5 of `bytes`, as `md5Checksum` and the `.md5` files hold it.
pub(crate) fn md5_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(bytes))
}

/// The S3 ETag of a one-part multipart upload whose part has MD5 `md5`.
pub(crate) fn multipart_etag(md5: &[u8]) -> String {
    let outer = Md5::digest(md5);
    let mut etag = String::with_capacity(34);
    for byte in outer {
        etag.push_str(&format!("{byte:02x}"));
    }
    etag.push_str("-1");
    etag
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    md5: Md5,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.md5.update(&buf[..written]);
        Ok(written)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One data file being written: gzip'd JSON lines, counted and hashed as they go.
pub struct DataFileWriter {
    path: PathBuf,
    key: String,
    encoder: GzEncoder<Hashing<BufWriter<File>>>,
    items: u64,
    uncompressed: u64,
    line: Vec<u8>,
}

impl std::fmt::Debug for DataFileWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataFileWriter")
            .field("path", &self.path)
            .field("items", &self.items)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct ItemLine<'a> {
    #[serde(rename = "Item")]
    item: ItemRef<'a>,
}

/// One line of an incremental export: an item's change over the export's window.
#[derive(Debug, Clone, Copy)]
pub struct ChangeLine<'a> {
    /// The item's primary key attributes.
    pub keys: &'a Item,
    /// The item at the window's end; `None` when it was deleted.
    pub new_image: Option<&'a Item>,
    /// The item before the window's first write of it (view type `NEW_AND_OLD_IMAGES`);
    /// `None` when it did not exist, or for view type `NEW_IMAGE`.
    pub old_image: Option<&'a Item>,
    /// The time of the item's last write in the window, Unix epoch microseconds.
    pub write_timestamp_micros: i64,
}

#[derive(Serialize)]
struct ChangeLineJson<'a> {
    #[serde(rename = "Metadata")]
    metadata: MetadataJson,
    #[serde(rename = "Keys")]
    keys: ItemRef<'a>,
    #[serde(rename = "NewImage", skip_serializing_if = "Option::is_none")]
    new_image: Option<ItemRef<'a>>,
    #[serde(rename = "OldImage", skip_serializing_if = "Option::is_none")]
    old_image: Option<ItemRef<'a>>,
}

#[derive(Serialize)]
struct MetadataJson {
    #[serde(rename = "WriteTimestampMicros")]
    write_timestamp_micros: NumberJson,
}

#[derive(Serialize)]
struct NumberJson {
    #[serde(rename = "N")]
    n: String,
}

impl DataFileWriter {
    /// Creates the file at `path`, whose key in the bucket is `key`.
    pub fn create(path: PathBuf, key: String) -> Result<DataFileWriter, LayoutError> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| LayoutError::io(parent, e))?;
        }
        let file = File::create(&path).map_err(|e| LayoutError::io(&path, e))?;
        let hashing = Hashing { inner: BufWriter::new(file), md5: Md5::new() };
        Ok(DataFileWriter {
            path,
            key,
            encoder: GzEncoder::new(hashing, flate2::Compression::default()),
            items: 0,
            uncompressed: 0,
            line: Vec::with_capacity(256),
        })
    }

    /// Appends `{"Item": {...}}`.
    pub fn write_item(&mut self, item: &Item) -> Result<(), LayoutError> {
        self.write_line(&ItemLine { item: ItemRef(item) })
    }

    /// Appends an incremental export's line: `{"Metadata": {"WriteTimestampMicros":
    /// {"N": ...}}, "Keys": {...}, "NewImage": {...}, "OldImage": {...}}` (the images
    /// only when present).
    pub fn write_change(&mut self, change: ChangeLine<'_>) -> Result<(), LayoutError> {
        self.write_line(&ChangeLineJson {
            metadata: MetadataJson {
                write_timestamp_micros: NumberJson { n: change.write_timestamp_micros.to_string() },
            },
            keys: ItemRef(change.keys),
            new_image: change.new_image.map(ItemRef),
            old_image: change.old_image.map(ItemRef),
        })
    }

    /// Appends one line of text (an Ion line; the newline is added).
    pub fn write_text_line(&mut self, line: &str) -> Result<(), LayoutError> {
        self.line.clear();
        self.line.extend_from_slice(line.as_bytes());
        self.line.push(b'\n');
        self.encoder.write_all(&self.line).map_err(|e| LayoutError::io(&self.path, e))?;
        self.items += 1;
        self.uncompressed += self.line.len() as u64;
        Ok(())
    }

    /// Appends one JSON line.
    pub fn write_line<T: Serialize>(&mut self, value: &T) -> Result<(), LayoutError> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, value).map_err(|e| LayoutError::Line {
            path: self.path.clone(),
            line: self.items + 1,
            message: e.to_string(),
        })?;
        self.line.push(b'\n');
        self.encoder.write_all(&self.line).map_err(|e| LayoutError::io(&self.path, e))?;
        self.items += 1;
        self.uncompressed += self.line.len() as u64;
        Ok(())
    }

    /// The lines written so far.
    pub fn item_count(&self) -> u64 {
        self.items
    }

    /// The uncompressed bytes written so far.
    pub fn uncompressed_bytes(&self) -> u64 {
        self.uncompressed
    }

    /// Finishes the gzip stream, syncs the file and returns its manifest line.
    pub fn finish(self) -> Result<ManifestFile, LayoutError> {
        let path = self.path;
        let hashing = self.encoder.finish().map_err(|e| LayoutError::io(&path, e))?;
        let Hashing { inner, md5 } = hashing;
        let file = inner.into_inner().map_err(|e| LayoutError::io(&path, e.into_error()))?;
        file.sync_all().map_err(|e| LayoutError::io(&path, e))?;
        let digest = md5.finalize();
        Ok(ManifestFile {
            item_count: self.items,
            md5_checksum: base64::engine::general_purpose::STANDARD.encode(digest),
            etag: multipart_etag(&digest),
            data_file_s3_key: self.key,
        })
    }
}

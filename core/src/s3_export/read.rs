//! Reading an export: the manifests, then each data file's lines, checked against the
//! manifest's MD5 and item count.

use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use flate2::read::MultiGzDecoder;
use md5::{Digest, Md5};
use serde::Deserialize;

use super::write::md5_base64;
use super::{LayoutError, ManifestFile, ManifestSummary, Record, AWS_DYNAMODB_DIR};
use crate::json_serde::{JsonItem, JsonValue};

/// An export found on disk: its folder and its manifests.
#[derive(Debug, Clone)]
pub struct Export {
    /// The export's folder (`…/AWSDynamoDB/<id>/`).
    pub dir: PathBuf,
    /// `manifest-summary.json`.
    pub summary: ManifestSummary,
    /// `manifest-files.json`, in file order.
    pub files: Vec<ManifestFile>,
}

impl Export {
    /// Opens the export at `path`: the export's own folder (holding
    /// `manifest-summary.json`), or a folder holding `AWSDynamoDB/` with exactly one
    /// export in it. The manifests' `.md5` files, when present, are checked.
    pub fn open(path: &Path) -> Result<Export, LayoutError> {
        let dir = find_export_dir(path)?;
        let summary_path = dir.join("manifest-summary.json");
        let summary_bytes = read_checked(&summary_path, "manifest-summary")?;
        let summary: ManifestSummary = serde_json::from_slice(&summary_bytes).map_err(|e| {
            LayoutError::Manifest { path: summary_path.clone(), message: e.to_string() }
        })?;
        if summary.output_format.eq_ignore_ascii_case("ION") {
            return Err(LayoutError::Manifest {
                path: summary_path,
                message: "an Amazon Ion export (outputFormat ION) cannot be read; only \
                          DYNAMODB_JSON exports are (export with ExportFormat DYNAMODB_JSON)"
                    .to_owned(),
            });
        }
        let files_path = dir.join("manifest-files.json");
        let files_bytes = read_checked(&files_path, "manifest-files")?;
        let mut files = Vec::new();
        for (index, line) in files_bytes.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let file: ManifestFile =
                serde_json::from_slice(line).map_err(|e| LayoutError::Line {
                    path: files_path.clone(),
                    line: index as u64 + 1,
                    message: e.to_string(),
                })?;
            files.push(file);
        }
        let counted: u64 = files.iter().map(|f| f.item_count).sum();
        if counted != summary.item_count {
            return Err(LayoutError::Manifest {
                path: summary_path,
                message: format!(
                    "itemCount is {} but the data files of manifest-files.json hold {counted}",
                    summary.item_count
                ),
            });
        }
        Ok(Export { dir, summary, files })
    }

    /// The path of a data file: its key's part after `AWSDynamoDB/<id>/`, in the
    /// export's folder (so an export moved out of its bucket still reads); for an
    /// incremental export's `AWSDynamoDB/data/<file>`, in the `data/` folder beside it.
    pub fn data_path(&self, file: &ManifestFile) -> Result<PathBuf, LayoutError> {
        let key = &file.data_file_s3_key;
        let (folder, relative) = key
            .find(&format!("{AWS_DYNAMODB_DIR}/"))
            .and_then(|at| key[at + AWS_DYNAMODB_DIR.len() + 1..].split_once('/'))
            .filter(|(_, rest)| {
                !rest.is_empty() && rest.split('/').all(|part| !part.is_empty() && part != "..")
            })
            .ok_or_else(|| LayoutError::Manifest {
                path: self.dir.join("manifest-files.json"),
                message: format!(
                    "dataFileS3Key {key:?} is not under AWSDynamoDB/<export id>/ or AWSDynamoDB/data/"
                ),
            })?;
        if folder == "data" {
            let shared = self.dir.parent().unwrap_or(&self.dir).join("data");
            return Ok(shared.join(relative));
        }
        Ok(self.dir.join(relative))
    }

    /// The lines of a data file. Its MD5 is checked against the manifest before the
    /// first line is read, and its line count once the last is.
    pub fn records(&self, file: &ManifestFile) -> Result<Records, LayoutError> {
        let path = self.data_path(file)?;
        let mut handle = File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => LayoutError::Missing {
                path: path.clone(),
                what: format!("the data file {} of manifest-files.json", file.data_file_s3_key),
            },
            _ => LayoutError::io(&path, e),
        })?;
        let mut md5 = Md5::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = handle.read(&mut buffer).map_err(|e| LayoutError::io(&path, e))?;
            if read == 0 {
                break;
            }
            md5.update(&buffer[..read]);
        }
        let actual = base64::engine::general_purpose::STANDARD.encode(md5.finalize());
        if actual != file.md5_checksum {
            return Err(LayoutError::Checksum {
                path,
                expected: file.md5_checksum.clone(),
                actual,
            });
        }
        let handle = File::open(&path).map_err(|e| LayoutError::io(&path, e))?;
        let reader: Box<dyn Read + Send> = Box::new(MultiGzDecoder::new(BufReader::new(handle)));
        Ok(Records {
            lines: super::source::Lines::new(path, reader),
            expected: Some(file.item_count),
        })
    }
}

fn find_export_dir(path: &Path) -> Result<PathBuf, LayoutError> {
    if path.join("manifest-summary.json").is_file() {
        return Ok(path.to_owned());
    }
    let exports = path.join(AWS_DYNAMODB_DIR);
    if !path.is_dir() {
        return Err(LayoutError::Missing {
            path: path.to_owned(),
            what: "an export folder".to_owned(),
        });
    }
    let entries = match fs::read_dir(&exports) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(LayoutError::Missing {
                path: path.join("manifest-summary.json"),
                what: format!("an export's manifest, or a folder {AWS_DYNAMODB_DIR}/ of exports"),
            })
        }
        Err(e) => return Err(LayoutError::io(&exports, e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| LayoutError::io(&exports, e))?;
        if entry.path().join("manifest-summary.json").is_file() {
            found.push(entry.path());
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(LayoutError::Missing {
            path: exports,
            what: "a completed export (a folder with manifest-summary.json)".to_owned(),
        }),
        n => Err(LayoutError::Manifest {
            path: exports,
            message: format!("{n} exports found; name one of their folders"),
        }),
    }
}

/// Reads a manifest and checks it against `<stem>.md5` when that exists.
fn read_checked(path: &Path, stem: &str) -> Result<Vec<u8>, LayoutError> {
    let bytes = fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => {
            LayoutError::Missing { path: path.to_owned(), what: format!("{stem}.json") }
        }
        _ => LayoutError::io(path, e),
    })?;
    let md5_path = path.with_file_name(format!("{stem}.md5"));
    if let Ok(expected) = fs::read_to_string(&md5_path) {
        let actual = md5_base64(&bytes);
        if expected.trim() != actual {
            return Err(LayoutError::Checksum {
                path: path.to_owned(),
                expected: expected.trim().to_owned(),
                actual,
            });
        }
    }
    Ok(bytes)
}

/// The records of one data file, with their line numbers.
pub struct Records {
    lines: super::source::Lines,
    expected: Option<u64>,
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records").field("path", &self.lines.path()).finish_non_exhaustive()
    }
}

impl Iterator for Records {
    type Item = Result<(u64, Record), LayoutError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.lines.next() {
            Some(Ok((line, text))) => {
                Some(parse_line(&text).map(|r| (line, r)).map_err(|message| LayoutError::Line {
                    path: self.lines.path().to_owned(),
                    line,
                    message,
                }))
            }
            Some(Err(error)) => Some(Err(error)),
            None => {
                let expected = self.expected.take()?;
                let read = self.lines.lines_read();
                (read != expected).then(|| {
                    Err(LayoutError::Manifest {
                        path: self.lines.path().to_owned(),
                        message: format!(
                            "holds {read} lines but manifest-files.json says itemCount {expected}"
                        ),
                    })
                })
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(rename = "Item")]
    item: Option<JsonItem>,
    #[serde(rename = "Keys")]
    keys: Option<JsonItem>,
    #[serde(rename = "NewImage")]
    new_image: Option<JsonItem>,
    #[serde(rename = "OldImage")]
    old_image: Option<JsonItem>,
    #[serde(rename = "Metadata")]
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(rename = "WriteTimestampMicros")]
    write_timestamp_micros: Option<JsonValue>,
}

/// Reads one DYNAMODB_JSON line: `{"Item": {...}}`, or an incremental export's
/// `{"Metadata": ..., "Keys": ..., "NewImage": ..., "OldImage": ...}`. The error says
/// what is wrong (without the file and line, which the caller adds).
pub fn parse_line(text: &str) -> Result<Record, String> {
    let line: Line = serde_json::from_str(text).map_err(|e| e.to_string())?;
    match line {
        Line {
            item: Some(JsonItem(item)), keys: None, new_image: None, old_image: None, ..
        } => Ok(Record::Item(item)),
        Line { item: None, keys: Some(JsonItem(keys)), new_image, old_image, metadata } => {
            let write_timestamp_micros =
                metadata.and_then(|m| m.write_timestamp_micros).and_then(|JsonValue(v)| match v {
                    crate::value::AttributeValue::N(n) => Some(n.to_string()),
                    _ => None,
                });
            Ok(Record::Change {
                keys,
                new_image: new_image.map(|JsonItem(i)| i),
                old_image: old_image.map(|JsonItem(i)| i),
                write_timestamp_micros,
            })
        }
        Line { item: Some(_), .. } => {
            Err("a line has both `Item` and an incremental export's `Keys`/images".to_owned())
        }
        Line { item: None, keys: None, .. } => {
            Err("the line has no `Item` (nor an incremental export's `Keys`)".to_owned())
        }
    }
}

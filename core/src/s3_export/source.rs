//! Import sources: the objects under an S3 prefix in a bucket folder, read as lines
//! (DYNAMODB_JSON) or CSV rows, gzip'd or not.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::LayoutError;

/// How an import source's objects are compressed (`InputCompressionType`; ZSTD is not
/// supported).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// `NONE`.
    None,
    /// `GZIP` (concatenated gzip members are read as one stream).
    Gzip,
}

/// Every object (file) whose key starts with `prefix` in the bucket folder, by key, in
/// key order: S3's prefix match, so `data/` matches `data/a.json.gz` and `da` matches
/// `data/…` too. Folders are not objects; hidden files (`.name`) are skipped.
pub fn list_objects(
    bucket_dir: &Path,
    prefix: &str,
) -> Result<Vec<(String, PathBuf)>, LayoutError> {
    if !bucket_dir.is_dir() {
        return Err(LayoutError::Missing {
            path: bucket_dir.to_owned(),
            what: "the bucket's folder".to_owned(),
        });
    }
    let prefix = prefix.trim_start_matches('/');
    // Walk only the deepest folder the prefix names whole.
    let base = prefix.rfind('/').map_or("", |at| &prefix[..at]);
    let mut found = Vec::new();
    let start = bucket_dir.join(base);
    if start.is_dir() {
        walk(&start, base, &mut found)?;
    }
    found.retain(|(key, _)| key.starts_with(prefix));
    found.sort();
    Ok(found)
}

fn walk(dir: &Path, key: &str, found: &mut Vec<(String, PathBuf)>) -> Result<(), LayoutError> {
    let entries = fs::read_dir(dir).map_err(|e| LayoutError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| LayoutError::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') {
            continue;
        }
        let child = if key.is_empty() { name.to_owned() } else { format!("{key}/{name}") };
        let file_type = entry.file_type().map_err(|e| LayoutError::io(entry.path(), e))?;
        if file_type.is_dir() {
            walk(&entry.path(), &child, found)?;
        } else if file_type.is_file() {
            found.push((child, entry.path()));
        }
    }
    Ok(())
}

/// Opens an object for reading line by line.
pub fn open_object(path: &Path, compression: Compression) -> Result<Lines, LayoutError> {
    let file = File::open(path).map_err(|e| LayoutError::io(path, e))?;
    let reader: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(MultiGzDecoder::new(BufReader::new(file))),
    };
    Ok(Lines::new(path.to_owned(), reader))
}

/// The non-blank lines of an object, with their numbers (from 1). Blank and
/// whitespace-only lines are skipped, as DynamoDB's import skips them.
pub struct Lines {
    path: PathBuf,
    reader: BufReader<Box<dyn Read + Send>>,
    line: u64,
    count: u64,
    buffer: Vec<u8>,
    failed: bool,
}

impl std::fmt::Debug for Lines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lines").field("path", &self.path).field("line", &self.line).finish()
    }
}

impl Lines {
    pub(crate) fn new(path: PathBuf, reader: Box<dyn Read + Send>) -> Lines {
        Lines {
            path,
            reader: BufReader::with_capacity(64 * 1024, reader),
            line: 0,
            count: 0,
            buffer: Vec::new(),
            failed: false,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The non-blank lines returned so far.
    pub fn lines_read(&self) -> u64 {
        self.count
    }
}

impl Iterator for Lines {
    type Item = Result<(u64, String), LayoutError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            self.buffer.clear();
            match self.reader.read_until(b'\n', &mut self.buffer) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(error) => {
                    self.failed = true;
                    return Some(Err(LayoutError::Line {
                        path: self.path.clone(),
                        line: self.line + 1,
                        message: format!("cannot read: {error}"),
                    }));
                }
            }
            self.line += 1;
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.count += 1;
            return Some(match String::from_utf8(std::mem::take(&mut self.buffer)) {
                Ok(text) => Ok((self.line, text)),
                Err(_) => Err(LayoutError::Line {
                    path: self.path.clone(),
                    line: self.line,
                    message: "the line is not UTF-8".to_owned(),
                }),
            });
        }
    }
}

/// `InputFormatOptions.Csv`: the delimiter and the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// `Delimiter` (default `,`).
    pub delimiter: u8,
    /// `HeaderList`: the column names; `None` reads them from each object's first line.
    pub header: Option<Vec<String>>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { delimiter: b',', header: None }
    }
}

/// Reads an object as CSV rows: each row's (column name, text) pairs, with its line
/// number (quoted fields may span lines; the csv crate does not count entirely empty
/// lines, so a number after one is low by that many). Blank rows are skipped.
pub fn csv_rows(
    path: &Path,
    compression: Compression,
    options: &CsvOptions,
) -> Result<CsvRows, LayoutError> {
    let file = File::open(path).map_err(|e| LayoutError::io(path, e))?;
    let reader: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(MultiGzDecoder::new(BufReader::new(file))),
    };
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let header = match &options.header {
        Some(header) => header.clone(),
        None => {
            let mut record = csv::StringRecord::new();
            match csv.read_record(&mut record) {
                Ok(true) => record.iter().map(str::to_owned).collect(),
                Ok(false) => Vec::new(),
                Err(error) => {
                    return Err(LayoutError::Line {
                        path: path.to_owned(),
                        line: 1,
                        message: format!("cannot read the CSV header: {error}"),
                    })
                }
            }
        }
    };
    Ok(CsvRows { path: path.to_owned(), csv, header, failed: false })
}

/// The rows of a CSV object; see [`csv_rows`].
pub struct CsvRows {
    path: PathBuf,
    csv: csv::Reader<Box<dyn Read + Send>>,
    header: Vec<String>,
    failed: bool,
}

impl std::fmt::Debug for CsvRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvRows").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Iterator for CsvRows {
    type Item = Result<(u64, Vec<(String, String)>), LayoutError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let mut record = csv::StringRecord::new();
        loop {
            match self.csv.read_record(&mut record) {
                Ok(false) => return None,
                Ok(true) => {}
                Err(error) => {
                    self.failed = true;
                    let line = error.position().map_or(0, |p| p.line());
                    return Some(Err(LayoutError::Line {
                        path: self.path.clone(),
                        line,
                        message: error.to_string(),
                    }));
                }
            }
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(|field| field.trim().is_empty()) {
                continue;
            }
            if record.len() > self.header.len() {
                return Some(Err(LayoutError::Line {
                    path: self.path.clone(),
                    line,
                    message: format!(
                        "{} fields but the header names {} columns",
                        record.len(),
                        self.header.len()
                    ),
                }));
            }
            let row = self
                .header
                .iter()
                .zip(record.iter())
                .map(|(name, value)| (name.clone(), value.to_owned()))
                .collect();
            return Some(Ok((line, row)));
        }
    }
}

//! Reading schema and import files, and turning them into models through
//! `singletable_codegen::schema` (the one parser, validation and emitter).

use std::path::{Path, PathBuf};

use singletable_codegen::model::ModelSet;
use singletable_codegen::schema::{self, Format, Imported};
use singletable_codegen::Diagnostics;

/// A file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Reading failed (missing, unreadable, not UTF-8).
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The extension names no schema format.
    #[error(
        "cannot tell the format of `{}`: schema files end in `.toml`, `.yaml`/`.yml` or `.json`",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
}

/// A schema or import file's text and the name its diagnostics print.
#[derive(Debug)]
pub struct SourceFile {
    /// The name diagnostics print (the path as given).
    pub name: String,
    /// The text.
    pub text: String,
}

/// Reads `path` as text.
pub fn read(path: &Path) -> Result<SourceFile, InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| InputError::Read { path: path.to_owned(), source })?;
    Ok(SourceFile { name: path.display().to_string(), text })
}

/// The schema format of `path`, by extension.
pub fn format_of(path: &Path) -> Result<Format, InputError> {
    Format::from_path(path).ok_or_else(|| InputError::UnknownFormat { path: path.to_owned() })
}

/// Parses and validates a schema file's text.
pub fn parse(file: &SourceFile, format: Format) -> Result<ModelSet, Diagnostics> {
    schema::parse_str(&file.text, &file.name, format)
}

/// Formatted Rust for the model.
pub fn generate(models: &ModelSet) -> Result<String, Diagnostics> {
    schema::generate(models)
}

/// Where a model to import comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFrom {
    /// An AWS NoSQL Workbench data model (JSON).
    Workbench,
    /// A OneTable JSON schema.
    Onetable,
}

/// Imports the tables of `file` as models.
pub fn import(file: &SourceFile, from: ImportFrom) -> Result<Vec<Imported>, Diagnostics> {
    match from {
        ImportFrom::Workbench => schema::import_workbench(&file.text, &file.name),
        ImportFrom::Onetable => schema::import_onetable(&file.text, &file.name),
    }
}

/// A model as a TOML schema file.
pub fn to_toml(models: &ModelSet) -> String {
    schema::to_toml(models)
}

/// A table name as a file name: letters, digits, `-`, `_` and `.` kept, the rest `_`.
pub fn file_stem(table: &str) -> String {
    let stem: String = table
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    let stem = stem.trim_start_matches('.').to_owned();
    if stem.is_empty() {
        "table".to_owned()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_become_safe_file_names() {
        assert_eq!(file_stem("OnlineShop"), "OnlineShop");
        assert_eq!(file_stem("game-player_profiles.v2"), "game-player_profiles.v2");
        assert_eq!(file_stem("../etc/passwd"), "_etc_passwd");
        assert_eq!(file_stem("a b/c"), "a_b_c");
        assert_eq!(file_stem(""), "table");
    }
}

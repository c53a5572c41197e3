//! Schema files: the model of a table, its entities, nested attribute types, collections
//! and access patterns, written in TOML (the default), YAML or JSON instead of annotated
//! structs. The reference of the format is `docs/schema.md`.
//!
//! A schema goes through the same IR ([`crate::model`]), the same rules
//! ([`crate::validate`], plus whole-model checks) and the same emitter ([`crate::emit`])
//! as the derives, so [`generate`] gives the API the equivalent derives give.
//!
//! ```
//! use singletable_codegen::schema::{generate, parse_str, Format};
//! let source = r#"
//! [table]
//! name = "App"
//! pk = "PK"
//! sk = "SK"
//!
//! [[entities]]
//! name = "User"
//! pk = "USER#{user_id}"
//! sk = "PROFILE"
//! fields = { user_id = "String", email = "String" }
//! "#;
//! let models = parse_str(source, "app.toml", Format::Toml).unwrap();
//! assert_eq!(models.entities[0].rust_name, "User");
//! let code = generate(&models).unwrap();
//! assert!(code.contains("pub struct User"));
//!
//! // Every mistake, each at its file:line:col.
//! let errors = parse_str("[table]\nname = \"App\"\npkk = \"PK\"\n", "bad.toml", Format::Toml)
//!     .unwrap_err();
//! assert!(errors.errors().iter().any(|e| e.to_string().starts_with("bad.toml:3:1: unknown key `pkk`")));
//! ```

mod check;
mod generate;
mod import;
mod node;
mod read;
mod write;

use std::path::Path;
use std::rc::Rc;

pub use generate::{generate, generate_tokens};
pub use import::{import_onetable, import_workbench, Imported};
pub use write::to_toml;

use crate::diagnostic::Diagnostics;
use crate::model::ModelSet;
use crate::span::{FilePosition, SourceSpan};

/// The format of a schema file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML (`.toml`), the default.
    Toml,
    /// YAML (`.yaml`, `.yml`).
    Yaml,
    /// JSON (`.json`).
    Json,
}

impl Format {
    /// The format of a file, by its extension (case-insensitive); `None` for others.
    ///
    /// ```
    /// use singletable_codegen::schema::Format;
    /// assert_eq!(Format::from_path("app.yml".as_ref()), Some(Format::Yaml));
    /// assert_eq!(Format::from_path("app.txt".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Parses and checks a schema: every error of the file (syntax, unknown keys, types,
/// templates, every model rule) in one pass, each at its `file:line:col` with a hint
/// where there is more to say.
pub fn parse_str(source: &str, file: &str, format: Format) -> Result<ModelSet, Diagnostics> {
    let file_ref = node::FileRef(Rc::from(file));
    let mut cx = Diagnostics::new();
    let root = match format {
        Format::Toml => node::from_toml(source, &file_ref, &mut cx),
        Format::Yaml => node::from_yaml(source, &file_ref, &mut cx),
        Format::Json => node::from_json(source, &file_ref, &mut cx),
    };
    let Some(root) = root else { return Err(cx) };
    let mut reader = read::Reader::new(file_ref);
    for error in cx.into_errors() {
        reader.cx.push(error);
    }
    let models = reader.model_set(&root);
    let mut cx = reader.cx;
    if let Some(models) = &models {
        check::model_set(models, &reader.names, &mut cx);
    }
    // Every diagnostic points into the file: a rule that could only name a token span
    // (none should) points at the file's start.
    let errors = cx.into_errors();
    let mut cx = Diagnostics::new();
    for mut error in errors {
        if matches!(error.span, SourceSpan::Tokens { .. }) {
            error.span = file_start(file);
        }
        cx.push(error);
    }
    match models {
        Some(models) => {
            if cx.is_empty() {
                Ok(models)
            } else {
                Err(cx)
            }
        }
        None => Err(cx),
    }
}

/// Reads and parses a schema file, its format from its extension (TOML when it has
/// none it knows). Errors reading the file are a diagnostic too.
pub fn load_file(path: &Path) -> Result<ModelSet, Diagnostics> {
    let name = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|error| {
        let mut cx = Diagnostics::new();
        cx.error(file_start(&name), format!("cannot read `{name}`: {error}"));
        cx
    })?;
    parse_str(&source, &name, Format::from_path(path).unwrap_or(Format::Toml))
}

/// The span of the start of `file` (line 1, column 1).
pub(crate) fn file_start(file: &str) -> SourceSpan {
    SourceSpan::File(FilePosition { file: Rc::from(file), line: 1, column: 1, length: 1 })
}

/// Checks a model set built by other means (an importer): the whole-model rules
/// [`parse_str`] runs.
pub fn check(models: &ModelSet) -> Result<(), Diagnostics> {
    let mut cx = Diagnostics::new();
    let names = generate::declared_names(models);
    check::model_set(models, &names, &mut cx);
    if cx.is_empty() {
        Ok(())
    } else {
        Err(cx)
    }
}

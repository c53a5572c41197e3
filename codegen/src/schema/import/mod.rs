//! Importers: AWS NoSQL Workbench data models and OneTable schemas → the model.
//!
//! The result is a [`ModelSet`] per table, written back as a schema file with
//! [`super::to_toml`]. One file per importer, each documenting its inference rules (also
//! in `docs/schema.md`): [`workbench`] and [`onetable`]. [`naming`] makes the Rust names
//! and model pieces both build; [`groups`] finds a Workbench model's entities in its
//! sample items, [`infer`] their key templates and [`types`] their field types (nested
//! `[[attributes]]` types included); [`patterns`] writes the access patterns.

mod groups;
mod infer;
mod naming;
mod onetable;
mod patterns;
mod types;
mod workbench;

pub use onetable::import_onetable;
pub use workbench::import_workbench;

use serde_json::Value;

use crate::diagnostic::Diagnostics;
use crate::model::ModelSet;
use crate::schema::file_start;
use crate::span::SourceSpan;

/// One table of an imported file.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The DynamoDB table name.
    pub table_name: String,
    /// Its model, checked.
    pub models: ModelSet,
}

struct Cx {
    file: String,
    cx: Diagnostics,
}

impl Cx {
    fn span(&self) -> SourceSpan {
        file_start(&self.file)
    }
    fn error(&mut self, message: impl Into<String>) {
        let span = self.span();
        self.cx.error(span, message);
    }
}

fn parse_json(source: &str, file: &str) -> Result<Value, Diagnostics> {
    serde_json::from_str(source).map_err(|error| {
        let mut cx = Diagnostics::new();
        let position = crate::span::FilePosition {
            file: std::rc::Rc::from(file),
            line: crate::schema::node::to_u32(error.line()),
            column: crate::schema::node::to_u32(error.column().max(1)),
            length: 1,
        };
        cx.error(SourceSpan::File(position), format!("invalid JSON: {error}"));
        cx
    })
}

//! The positioned tree → the model ([`ModelSet`]), reporting every mistake with its
//! position: unknown keys (with a "did you mean"), wrong value types, bad Rust names and
//! types, malformed templates.
//!
//! One file per part of a schema file: [`table`] (the table, its indexes, billing),
//! [`entity`] (entities and the indexes they fill), [`field`] (the fields of entities and
//! attribute types) with [`field_type`] (their types), [`attribute`] (nested attribute
//! types), [`collection`] and [`access_pattern`]. [`values`] reads the values every part
//! is made of (maps with their unknown keys, strings, flags, lists, Rust names, templates);
//! [`names`] holds the Rust naming rules the checks and the importers share.

mod access_pattern;
mod attribute;
mod collection;
mod entity;
mod field;
mod field_type;
mod names;
mod table;
mod values;

pub(crate) use names::{did_you_mean, is_keyword, rust_type_name, RESERVED_TYPE_NAMES};

use crate::diagnostic::Diagnostics;
use crate::model::ModelSet;
use crate::schema::node::{FileRef, Kind, Node};
use crate::span::SourceSpan;

const ROOT_KEYS: &[&str] = &["table", "entities", "attributes", "collections", "access_patterns"];

/// Reads the model, recording errors.
pub(crate) struct Reader {
    pub file: FileRef,
    pub cx: Diagnostics,
    crate_path: syn::Path,
    /// Declared Rust type names, where they were written, and what they name.
    pub names: Vec<(String, SourceSpan, &'static str)>,
}

impl Reader {
    pub fn new(file: FileRef) -> Self {
        Reader {
            file,
            cx: Diagnostics::new(),
            crate_path: crate::model::default_crate_path(),
            names: Vec::new(),
        }
    }

    /// Reads the whole file.
    pub fn model_set(&mut self, root: &Node) -> Option<ModelSet> {
        let mut obj = self.obj(root, "the schema file")?;
        let table_node = obj.take("table");
        let entities = obj.take("entities");
        let attributes = obj.take("attributes");
        let collections = obj.take("collections");
        let patterns = obj.take("access_patterns");
        self.finish(obj, "the schema file", ROOT_KEYS);

        let attribute_names: Vec<String> = attributes.map(|n| self.names_of(n)).unwrap_or_default();
        let table = match table_node {
            Some(node) => self.table(node),
            None => {
                self.error_hint(
                    root.pos,
                    "missing `[table]`: the table the entities live in",
                    "add `[table]` with `name = \"...\"` and `pk = \"...\"`",
                );
                None
            }
        };
        let table_path: syn::Path = match &table {
            Some(table) => {
                let ident = &table.rust_name;
                syn::parse_quote!(#ident)
            }
            None => syn::parse_quote!(Table),
        };
        let mut set_entities = Vec::new();
        if let Some(node) = entities {
            for item in self.list(node, "entities") {
                set_entities.extend(self.entity(item, &table_path, &attribute_names));
            }
        }
        let mut set_attributes = Vec::new();
        if let Some(node) = attributes {
            for item in self.list(node, "attributes") {
                set_attributes.extend(self.attribute(item, &attribute_names));
            }
        }
        let mut set_collections = Vec::new();
        if let Some(node) = collections {
            for item in self.list(node, "collections") {
                set_collections.extend(self.collection(item, &table_path));
            }
        }
        let mut set_patterns = Vec::new();
        if let Some(node) = patterns {
            for item in self.list(node, "access_patterns") {
                set_patterns.extend(self.access_pattern(item));
            }
        }
        Some(ModelSet {
            table: table?,
            entities: set_entities,
            attributes: set_attributes,
            collections: set_collections,
            access_patterns: set_patterns,
        })
    }

    /// The `name`s of a list of tables, read early so field types can name them.
    fn names_of(&mut self, node: &Node) -> Vec<String> {
        let Kind::Seq(items) = &node.kind else { return Vec::new() };
        items
            .iter()
            .filter_map(|item| match &item.kind {
                Kind::Map(entries) => entries.iter().find(|(k, _)| k.key() == "name"),
                _ => None,
            })
            .filter_map(|(_, v)| match &v.kind {
                Kind::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }
}

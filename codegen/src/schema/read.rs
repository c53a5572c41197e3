//! The positioned tree → the model ([`ModelSet`]), reporting every mistake with its
//! position: unknown keys (with a "did you mean"), wrong value types, bad Rust names and
//! types, malformed templates.

use crate::diagnostic::Diagnostics;
use crate::model::{
    AccessOperation, AccessPatternModel, AttributeModel, AttributeShape, BillingModel,
    CollectionMember, CollectionModel, DefaultValue, EntityIndexKeys, EntityIndexModel,
    EntityModel, FieldMarkers, FieldModel, IndexKind, IndexModel, KeyAttributeModel, KeyTemplate,
    ModelSet, ProjectionModel, SortOperator, StreamView, TableModel, TaggedVariant, Throughput,
    TypeClass, UnitVariant, VariantBody,
};
use crate::schema::node::{FileRef, Kind, Node, Pos};
use crate::span::{SourceSpan, Spanned};

pub(crate) const ROOT_KEYS: &[&str] =
    &["table", "entities", "attributes", "collections", "access_patterns"];
pub(crate) const TABLE_KEYS: &[&str] = &[
    "name",
    "rust_name",
    "pk",
    "sk",
    "gsi",
    "lsi",
    "ttl",
    "stream",
    "billing",
    "entity_type",
    "crate",
];
const GSI_KEYS: &[&str] = &["name", "pk", "sk", "projection", "read", "write"];
const LSI_KEYS: &[&str] = &["name", "pk", "sk", "projection"];
const ENTITY_KEYS: &[&str] =
    &["name", "entity_type", "pk", "sk", "indexes", "fields", "validate", "shards"];
const ENTITY_INDEX_KEYS: &[&str] = &["name", "pk", "sk"];
const ENTITY_FIELD_KEYS: &[&str] = &[
    "type",
    "rename",
    "default",
    "skip",
    "serde",
    "version",
    "created_at",
    "updated_at",
    "ttl",
    "unique",
    "validate",
];
const ATTRIBUTE_FIELD_KEYS: &[&str] = &["type", "rename", "default", "skip", "serde"];
const ATTRIBUTE_KEYS: &[&str] = &["name", "fields", "variants", "tag", "type"];
const VARIANT_KEYS: &[&str] = &["rename", "fields", "type"];
const COLLECTION_KEYS: &[&str] = &["name", "index", "members"];
const PATTERN_KEYS: &[&str] =
    &["name", "description", "entity", "index", "operation", "key_fields", "sort", "tenant_field"];

/// The scalar and library types a field may have, besides nested attribute types.
pub(crate) const SCALAR_TYPES: &[&str] = &[
    "String",
    "bool",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "f32",
    "f64",
    "bytes",
    "Timestamp",
    "Uuid",
    "Decimal",
];
const WRAPPERS: &[&str] = &["Option", "Vec", "HashSet", "BTreeSet", "HashMap", "BTreeMap"];

/// Type names the generated module cannot define: they would shadow the prelude or the
/// facade types the generated code names.
pub(crate) const RESERVED_TYPE_NAMES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "String",
    "Box",
    "Default",
    "Clone",
    "Copy",
    "Debug",
    "PartialEq",
    "Eq",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "Into",
    "From",
    "ToString",
    "ToOwned",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "Timestamp",
    "Uuid",
    "Decimal",
    "Self",
    "Entity",
    "Table",
    "Attribute",
    "Collection",
];

/// A map being read: which keys were used, so the rest are reported as unknown.
pub(crate) struct Obj<'a> {
    entries: &'a [(Node, Node)],
    used: Vec<bool>,
    pub pos: Pos,
}

impl<'a> Obj<'a> {
    pub fn take(&mut self, key: &str) -> Option<&'a Node> {
        let at = self.entries.iter().position(|(k, _)| k.key() == key)?;
        self.used[at] = true;
        Some(&self.entries[at].1)
    }

    pub fn take_key(&mut self, key: &str) -> Option<(&'a Node, &'a Node)> {
        let at = self.entries.iter().position(|(k, _)| k.key() == key)?;
        self.used[at] = true;
        Some((&self.entries[at].0, &self.entries[at].1))
    }
}

/// The closest of `known` to `word`, if close enough to suggest.
pub(crate) fn did_you_mean<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(word, k), *k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

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

    pub fn span(&self, pos: Pos) -> SourceSpan {
        self.file.span(pos)
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        let span = self.span(pos);
        self.cx.error(span, message);
    }

    pub fn error_hint(&mut self, pos: Pos, message: impl Into<String>, hint: impl Into<String>) {
        let span = self.span(pos);
        self.cx.error_with_hint(span, message, hint);
    }

    fn expected(&mut self, node: &Node, what: &str) {
        self.error(node.pos, format!("expected {what}, found {}", node.kind.type_name()));
    }

    pub fn obj<'a>(&mut self, node: &'a Node, what: &str) -> Option<Obj<'a>> {
        match &node.kind {
            Kind::Map(entries) => {
                Some(Obj { entries, used: vec![false; entries.len()], pos: node.pos })
            }
            _ => {
                self.expected(node, &format!("a table ({what})"));
                None
            }
        }
    }

    /// Reports every key of `obj` that was not taken.
    pub fn finish(&mut self, obj: Obj<'_>, what: &str, known: &[&str]) {
        for ((key, _), used) in obj.entries.iter().zip(obj.used) {
            if used {
                continue;
            }
            let name = key.key();
            let message = format!("unknown key `{name}` in {what}");
            match did_you_mean(&name, known) {
                Some(close) => {
                    self.error_hint(key.pos, message, format!("did you mean `{close}`?"))
                }
                None => self.error_hint(
                    key.pos,
                    message,
                    format!("the keys of {what} are: {}", known.join(", ")),
                ),
            }
        }
    }

    pub fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match &node.kind {
            Kind::Str(s) => Some(Spanned::new(s.clone(), self.span(node.pos))),
            _ => {
                self.expected(node, &format!("a string ({what})"));
                None
            }
        }
    }

    fn flag(&mut self, node: &Node, what: &str) -> Option<SourceSpan> {
        match &node.kind {
            Kind::Bool(true) => Some(self.span(node.pos)),
            Kind::Bool(false) => None,
            _ => {
                self.expected(node, &format!("`true` or `false` ({what})"));
                None
            }
        }
    }

    fn u64(&mut self, node: &Node, what: &str) -> Option<u64> {
        match &node.kind {
            Kind::Int(i) if *i >= 0 => u64::try_from(*i).ok(),
            _ => {
                self.expected(node, &format!("a non-negative integer ({what})"));
                None
            }
        }
    }

    fn list<'a>(&mut self, node: &'a Node, what: &str) -> &'a [Node] {
        match &node.kind {
            Kind::Seq(items) => items,
            _ => {
                self.expected(node, &format!("a list ({what})"));
                &[]
            }
        }
    }

    fn strings(&mut self, node: &Node, what: &str) -> Vec<Spanned<String>> {
        self.list(node, what).iter().filter_map(|item| self.string(item, what)).collect()
    }

    /// A Rust identifier (not a keyword).
    pub fn ident(&mut self, name: &Spanned<String>, what: &str) -> Option<syn::Ident> {
        match syn::parse_str::<syn::Ident>(&name.value) {
            Ok(ident) if !name.value.starts_with("r#") => Some(ident),
            _ => {
                let message = format!("`{}` is not a valid Rust {what} name", name.value);
                let hint = if is_keyword(&name.value) {
                    format!(
                        "`{}` is a Rust keyword; choose another name (a field can keep its \
                         attribute name with `rename = \"{}\"`)",
                        name.value, name.value
                    )
                } else {
                    "use letters, digits and `_`, not starting with a digit".to_owned()
                };
                self.cx.error_with_hint(name.span.clone(), message, hint);
                None
            }
        }
    }

    fn template(&mut self, node: &Node, what: &str) -> Option<KeyTemplate> {
        let source = self.string(node, what)?;
        match KeyTemplate::parse(source.clone()) {
            Ok(template) => Some(template),
            Err(error) => {
                self.cx.error_with_hint(
                    source.span,
                    error.to_string(),
                    "a key template is literal text with `{field}` placeholders, e.g. \
                     \"USER#{user_id}\"",
                );
                None
            }
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

    fn table(&mut self, node: &Node) -> Option<TableModel> {
        let mut obj = self.obj(node, "`table`")?;
        let name = obj.take("name").and_then(|n| self.string(n, "the table name"));
        let rust_name = obj.take("rust_name").and_then(|n| self.string(n, "the table's Rust type"));
        let pk = obj.take("pk").and_then(|n| self.key_attribute(n, "the table's partition key"));
        let sk = obj.take("sk").and_then(|n| self.key_attribute(n, "the table's sort key"));
        let mut indexes = Vec::new();
        if let Some(list) = obj.take("gsi") {
            for item in self.list(list, "`gsi`") {
                indexes.extend(self.index(item, IndexKind::Global));
            }
        }
        if let Some(list) = obj.take("lsi") {
            for item in self.list(list, "`lsi`") {
                indexes.extend(self.index(item, IndexKind::Local));
            }
        }
        let ttl_attribute = obj.take("ttl").and_then(|n| self.string(n, "the TTL attribute"));
        let stream = obj.take("stream").and_then(|n| {
            let view = self.string(n, "the stream view")?;
            let parsed = StreamView::parse(&view.value);
            if parsed.is_none() {
                self.cx.error_with_hint(
                    view.span,
                    format!("unknown stream view `{}`", view.value),
                    "expected `keys_only`, `new_image`, `old_image` or `new_and_old_images`",
                );
            }
            parsed
        });
        let billing =
            obj.take("billing").and_then(|n| self.billing(n)).unwrap_or(BillingModel::OnDemand);
        let entity_type_attribute = obj
            .take("entity_type")
            .and_then(|n| self.string(n, "the entity-type attribute"))
            .unwrap_or_else(|| Spanned::new("_type".to_owned(), self.span(node.pos)));
        if let Some(path) = obj.take("crate").and_then(|n| self.string(n, "the facade crate path"))
        {
            match syn::parse_str::<syn::Path>(&path.value) {
                Ok(parsed) => self.crate_path = parsed,
                Err(_) => self.cx.error(path.span, format!("`{}` is not a Rust path", path.value)),
            }
        }
        let pos = obj.pos;
        self.finish(obj, "`table`", TABLE_KEYS);
        if name.is_none() {
            self.error(pos, "missing `name` in `table`: the DynamoDB table name");
        }
        if pk.is_none() {
            self.error(
                pos,
                "missing `pk` in `table`: the partition key attribute, e.g. `pk = \"PK\"`",
            );
        }
        let (Some(name), Some(partition_key)) = (name, pk) else { return None };
        let rust_name = match rust_name {
            Some(rust) => self.ident(&rust, "type")?,
            None => {
                let camel = rust_type_name(&name.value);
                match syn::parse_str::<syn::Ident>(&camel) {
                    Ok(ident) => ident,
                    Err(_) => {
                        self.cx.error_with_hint(
                            name.span.clone(),
                            format!("table name `{}` gives no Rust type name", name.value),
                            "set `rust_name = \"App\"` in `table`",
                        );
                        return None;
                    }
                }
            }
        };
        for index in &mut indexes {
            if index.kind == IndexKind::Local && index.partition_key.is_empty() {
                index.partition_key.push(partition_key.clone());
            }
        }
        Some(TableModel {
            rust_name,
            name,
            partition_key,
            sort_key: sk,
            indexes,
            ttl_attribute,
            stream,
            billing,
            entity_type_attribute,
            crate_path: self.crate_path.clone(),
        })
    }

    fn key_attribute(&mut self, node: &Node, what: &str) -> Option<KeyAttributeModel> {
        if let Kind::Seq(_) = node.kind {
            self.error_hint(
                node.pos,
                format!("{what} is one attribute"),
                "write `\"Name\"` or `\"Name:N\"`; multi-attribute keys are for GSIs",
            );
            return None;
        }
        let spec = self.string(node, what)?;
        match KeyAttributeModel::parse(&spec.value, spec.span.clone()) {
            Ok(attribute) => Some(attribute),
            Err(message) => {
                self.cx.error(spec.span, message);
                None
            }
        }
    }

    fn key_attributes(&mut self, node: &Node, what: &str) -> Vec<KeyAttributeModel> {
        match &node.kind {
            Kind::Seq(items) => {
                if items.is_empty() {
                    self.error(node.pos, format!("{what} needs at least one attribute"));
                }
                items.iter().filter_map(|item| self.key_attribute(item, what)).collect()
            }
            _ => self.key_attribute(node, what).into_iter().collect(),
        }
    }

    fn index(&mut self, node: &Node, kind: IndexKind) -> Option<IndexModel> {
        let (what, known) = match kind {
            IndexKind::Global => ("a `gsi`", GSI_KEYS),
            IndexKind::Local => ("an `lsi`", LSI_KEYS),
        };
        let mut obj = self.obj(node, what)?;
        let name = obj.take("name").and_then(|n| self.string(n, "the index name"));
        let partition_key = obj
            .take("pk")
            .map(|n| self.key_attributes(n, "the index partition key"))
            .unwrap_or_default();
        let had_sk = obj.take("sk").map(|n| self.key_attributes(n, "the index sort key"));
        let projection =
            obj.take("projection").and_then(|n| self.projection(n)).unwrap_or(ProjectionModel::All);
        let mut read = None;
        let mut write = None;
        if kind == IndexKind::Global {
            read = obj.take("read").and_then(|n| self.u64(n, "read capacity"));
            write = obj.take("write").and_then(|n| self.u64(n, "write capacity"));
        }
        let pos = obj.pos;
        if kind == IndexKind::Local {
            for key in ["read", "write"] {
                if let Some((k, _)) = obj.take_key(key) {
                    self.error_hint(
                        k.pos,
                        format!("`{key}` is not allowed on an LSI"),
                        "a local index uses the table's throughput",
                    );
                }
            }
        }
        self.finish(obj, what, known);
        let Some(name) = name else {
            self.error(pos, format!("{what} needs `name`"));
            return None;
        };
        if kind == IndexKind::Global && partition_key.is_empty() {
            self.error(pos, format!("GSI `{}` needs `pk` (its partition key)", name.value));
        }
        let sort_key = had_sk.unwrap_or_default();
        if kind == IndexKind::Local && sort_key.is_empty() {
            self.error(
                pos,
                format!("LSI `{}` needs `sk` (its own sort key attribute)", name.value),
            );
        }
        let throughput = match (read, write) {
            (Some(read), Some(write)) => Some(Throughput { read, write }),
            (None, None) => None,
            _ => {
                self.error(pos, format!("GSI `{}` needs both `read` and `write`", name.value));
                None
            }
        };
        Some(IndexModel {
            name,
            kind,
            partition_key,
            sort_key,
            projection,
            throughput,
            span: self.span(pos),
        })
    }

    fn projection(&mut self, node: &Node) -> Option<ProjectionModel> {
        match &node.kind {
            Kind::Str(s) if s == "all" => Some(ProjectionModel::All),
            Kind::Str(s) if s == "keys_only" => Some(ProjectionModel::KeysOnly),
            Kind::Map(_) => {
                let mut obj = self.obj(node, "a projection")?;
                let include = obj.take("include").map(|n| self.strings(n, "projected attributes"));
                self.finish(obj, "a projection", &["include"]);
                match include {
                    Some(list) if !list.is_empty() => Some(ProjectionModel::Include(list)),
                    _ => {
                        self.error(
                            node.pos,
                            "`projection = { include = [...] }` needs at least one attribute",
                        );
                        None
                    }
                }
            }
            _ => {
                self.error_hint(
                    node.pos,
                    "unknown projection",
                    "expected `\"all\"`, `\"keys_only\"` or `{ include = [\"attribute\", ...] }`",
                );
                None
            }
        }
    }

    fn billing(&mut self, node: &Node) -> Option<BillingModel> {
        match &node.kind {
            Kind::Str(s) if s == "on_demand" => Some(BillingModel::OnDemand),
            Kind::Map(_) => {
                let mut obj = self.obj(node, "`billing`")?;
                let mode = obj.take("mode").and_then(|n| self.string(n, "the billing mode"));
                let read = obj.take("read").and_then(|n| self.u64(n, "read capacity"));
                let write = obj.take("write").and_then(|n| self.u64(n, "write capacity"));
                self.finish(obj, "`billing`", &["mode", "read", "write"]);
                if mode.as_ref().is_some_and(|m| m.value != "provisioned") {
                    self.error(
                        node.pos,
                        "`billing` as a table is `{ mode = \"provisioned\", read = 5, write = 5 }`",
                    );
                    return None;
                }
                match (read, write) {
                    (Some(read), Some(write)) => {
                        Some(BillingModel::Provisioned(Throughput { read, write }))
                    }
                    _ => {
                        self.error(node.pos, "provisioned billing needs both `read` and `write`");
                        None
                    }
                }
            }
            _ => {
                self.error_hint(
                    node.pos,
                    "unknown billing mode",
                    "expected `\"on_demand\"` or `{ mode = \"provisioned\", read = 5, write = 5 }`",
                );
                None
            }
        }
    }

    fn entity(
        &mut self,
        node: &Node,
        table: &syn::Path,
        attributes: &[String],
    ) -> Option<EntityModel> {
        let mut obj = self.obj(node, "an entity")?;
        let name = obj.take("name").and_then(|n| self.string(n, "the entity's Rust type name"));
        let entity_type =
            obj.take("entity_type").and_then(|n| self.string(n, "the entity-type value"));
        let pk = obj.take("pk").map(|n| (n.pos, self.template(n, "the partition-key template")));
        let sk_node = obj.take_key("sk");
        let sort_key = sk_node.and_then(|(_, n)| self.template(n, "the sort-key template"));
        let sort_span = sk_node.map(|(k, _)| self.span(k.pos));
        let mut indexes = Vec::new();
        if let Some(list) = obj.take("indexes") {
            for item in self.list(list, "`indexes`") {
                indexes.extend(self.entity_index(item));
            }
        }
        let fields = match obj.take("fields") {
            Some(node) => self.fields(node, true, attributes),
            None => Vec::new(),
        };
        let validate = obj.take("validate").and_then(|n| self.function_path(n, "validate"));
        let shards = obj.take("shards").and_then(|node| {
            let value = self.u64(node, "`shards`")?;
            let span = self.span(node.pos);
            Some(Spanned { value: u32::try_from(value).unwrap_or(u32::MAX), span })
        });
        let pos = obj.pos;
        self.finish(obj, "an entity", ENTITY_KEYS);
        let Some(name) = name else {
            self.error(pos, "an entity needs `name`: its Rust type name, e.g. `name = \"User\"`");
            return None;
        };
        self.names.push((name.value.clone(), name.span.clone(), "entity"));
        let rust_name = self.ident(&name, "type")?;
        if let Some(entity_type) = &entity_type {
            if entity_type.value.is_empty() {
                self.cx.error(entity_type.span.clone(), "an entity type name cannot be empty");
            }
        }
        let partition_key = match pk {
            Some((_, template)) => template?,
            None => {
                self.error_hint(
                    pos,
                    format!("entity `{}` needs `pk`: its partition-key template", name.value),
                    "e.g. `pk = \"USER#{user_id}\"`",
                );
                return None;
            }
        };
        Some(EntityModel {
            entity_type: entity_type.unwrap_or_else(|| name.clone()),
            rust_name,
            table: table.clone(),
            partition_key,
            sort_key,
            sort_span,
            indexes,
            fields,
            crate_path: self.crate_path.clone(),
            vis: syn::parse_quote!(pub),
            validate,
            shards,
        })
    }

    fn entity_index(&mut self, node: &Node) -> Option<EntityIndexModel> {
        let mut obj = self.obj(node, "an entity index")?;
        let name = obj.take("name").and_then(|n| self.string(n, "the index name"));
        let pk = obj.take_key("pk");
        let sk = obj.take_key("sk");
        let pos = obj.pos;
        self.finish(obj, "an entity index", ENTITY_INDEX_KEYS);
        let name = match name {
            Some(name) => name,
            None => {
                self.error(pos, "an entity index needs `name`: the table's index it fills");
                return None;
            }
        };
        if pk.is_none() && sk.is_none() {
            self.cx
                .error(name.span.clone(), format!("index `{}` needs `pk` and/or `sk`", name.value));
            return None;
        }
        let partition_span = pk.map(|(k, _)| self.span(k.pos));
        let sort_span = sk.map(|(k, _)| self.span(k.pos));
        let is_list = |side: Option<(&Node, &Node)>| {
            matches!(side, Some((_, Node { kind: Kind::Seq(_), .. })))
        };
        let is_template = |side: Option<(&Node, &Node)>| {
            side.is_some_and(|(_, n)| !matches!(n.kind, Kind::Seq(_)))
        };
        let keys = if is_list(pk) || is_list(sk) {
            if is_template(pk) || is_template(sk) {
                self.cx.error_with_hint(
                    name.span.clone(),
                    format!("index `{}` mixes a template and a field list", name.value),
                    "give templates on both sides (`pk = \"A#{a}\"`) or field lists on both sides \
                     (`pk = [\"a\", \"b\"]`)",
                );
                return None;
            }
            let mut field_list = |side: Option<(&Node, &Node)>| -> Vec<Spanned<String>> {
                let Some((_, node)) = side else { return Vec::new() };
                let names = self.strings(node, "field names");
                if names.is_empty() {
                    self.error(node.pos, "a key needs at least one field");
                }
                names
            };
            EntityIndexKeys::Fields { partition: field_list(pk), sort: field_list(sk) }
        } else {
            EntityIndexKeys::Templates {
                partition: pk
                    .and_then(|(_, n)| self.template(n, "the index partition-key template")),
                sort: sk.and_then(|(_, n)| self.template(n, "the index sort-key template")),
            }
        };
        Some(EntityIndexModel { name, keys, partition_span, sort_span })
    }

    fn fields(&mut self, node: &Node, entity: bool, attributes: &[String]) -> Vec<FieldModel> {
        let Kind::Map(entries) = &node.kind else {
            self.expected(node, "a table of fields (`name = \"Type\"`)");
            return Vec::new();
        };
        entries.iter().filter_map(|(key, spec)| self.field(key, spec, entity, attributes)).collect()
    }

    fn field(
        &mut self,
        key: &Node,
        spec: &Node,
        entity: bool,
        attributes: &[String],
    ) -> Option<FieldModel> {
        let name = Spanned::new(key.key(), self.span(key.pos));
        let ident = self.ident(&name, "field");
        if let Some(ident) = &ident {
            if ident.to_string().to_ascii_lowercase().starts_with("__st") {
                self.error_hint(
                    key.pos,
                    format!("field name `{}` is reserved", name.value),
                    "names starting with `__st` are used by generated code",
                );
            }
        }
        let mut markers = FieldMarkers::default();
        let (mut skip, mut serde, mut default, mut validate) = (None, None, None, None);
        let mut attribute = name.clone();
        let ty = match &spec.kind {
            Kind::Str(_) => {
                self.string(spec, "the field type").and_then(|t| self.rust_type(&t, attributes))
            }
            Kind::Map(_) => {
                let mut obj = self.obj(spec, "a field")?;
                let ty = match obj.take("type") {
                    Some(n) => self
                        .string(n, "the field type")
                        .and_then(|t| self.rust_type(&t, attributes)),
                    None => {
                        self.error(spec.pos, format!("field `{}` needs `type`", name.value));
                        None
                    }
                };
                if let Some(rename) =
                    obj.take("rename").and_then(|n| self.string(n, "the attribute name"))
                {
                    if rename.value.is_empty() {
                        self.cx.error(rename.span.clone(), "an attribute name cannot be empty");
                    }
                    attribute = rename;
                }
                skip = obj.take("skip").and_then(|n| self.flag(n, "`skip`"));
                serde = obj.take("serde").and_then(|n| self.flag(n, "`serde`"));
                default = obj.take("default").and_then(|n| self.default_value(n));
                if entity {
                    markers.version = obj.take("version").and_then(|n| self.flag(n, "`version`"));
                    markers.created_at =
                        obj.take("created_at").and_then(|n| self.flag(n, "`created_at`"));
                    markers.updated_at =
                        obj.take("updated_at").and_then(|n| self.flag(n, "`updated_at`"));
                    markers.ttl = obj.take("ttl").and_then(|n| self.flag(n, "`ttl`"));
                    markers.unique = obj.take("unique").and_then(|n| self.flag(n, "`unique`"));
                    if let Some(node) = obj.take("validate") {
                        validate = self.function_path(node, "validate");
                        if validate.is_some() && skip.is_some() {
                            // Reported here: the shared rule has no file position for a path.
                            self.error(
                                node.pos,
                                format!(
                                    "field `{}` is skipped (not stored), so it cannot have a \
                                     `validate` hook",
                                    name.value
                                ),
                            );
                            validate = None;
                        }
                    }
                }
                let known = if entity { ENTITY_FIELD_KEYS } else { ATTRIBUTE_FIELD_KEYS };
                self.finish(obj, &format!("field `{}`", name.value), known);
                ty
            }
            _ => {
                self.expected(
                    spec,
                    "a type (`\"String\"`) or a table (`{ type = \"String\", ... }`)",
                );
                None
            }
        };
        let ty = ty?;
        let ident = ident?;
        Some(FieldModel {
            class: TypeClass::of(&ty),
            ty,
            attribute,
            ident,
            skip,
            default,
            serde,
            markers,
            validate,
            span: self.span(key.pos),
        })
    }

    fn function_path(&mut self, node: &Node, key: &str) -> Option<syn::Path> {
        let text = self.string(node, "a function path")?;
        match syn::parse_str::<syn::Path>(&text.value) {
            Ok(path) => Some(path),
            Err(_) => {
                self.cx.error_with_hint(
                    text.span,
                    format!("`{}` is not a path to a function", text.value),
                    format!("write `{key} = \"path::to::function\"`"),
                );
                None
            }
        }
    }

    fn default_value(&mut self, node: &Node) -> Option<DefaultValue> {
        match &node.kind {
            Kind::Bool(true) => Some(DefaultValue::Trait),
            Kind::Bool(false) => None,
            Kind::Str(path) => match syn::parse_str::<syn::Path>(path) {
                Ok(parsed) => Some(DefaultValue::Function(parsed)),
                Err(_) => {
                    self.error_hint(
                        node.pos,
                        format!("`{path}` is not a path to a function"),
                        "write `default = true` (Default::default) or `default = \"path::to::function\"`",
                    );
                    None
                }
            },
            _ => {
                self.expected(node, "`true` or a function path (`default`)");
                None
            }
        }
    }

    /// A schema type (`"Option<Vec<String>>"`) → the Rust type generated code uses.
    pub fn rust_type(
        &mut self,
        text: &Spanned<String>,
        attributes: &[String],
    ) -> Option<syn::Type> {
        let parsed = match syn::parse_str::<syn::Type>(&text.value) {
            Ok(ty) => ty,
            Err(_) => {
                self.cx.error_with_hint(
                    text.span.clone(),
                    format!("`{}` is not a type", text.value),
                    type_hint(),
                );
                return None;
            }
        };
        match self.map_type(&parsed, attributes) {
            Ok(ty) => Some(ty),
            Err(message) => {
                self.cx.error_with_hint(text.span.clone(), message, type_hint());
                None
            }
        }
    }

    fn map_type(&self, ty: &syn::Type, attributes: &[String]) -> Result<syn::Type, String> {
        let syn::Type::Path(path) = ty else {
            return Err(format!("unsupported type `{}`", quote::quote!(#ty)));
        };
        let segment =
            match (path.qself.is_none(), path.path.leading_colon, path.path.segments.len()) {
                (true, None, 1) => &path.path.segments[0],
                _ => {
                    return Err(format!(
                        "unsupported type `{}`: write a type name of the schema's type set",
                        quote::quote!(#ty)
                    ))
                }
            };
        let name = segment.ident.to_string();
        let args: Vec<&syn::Type> = match &segment.arguments {
            syn::PathArguments::None => Vec::new(),
            syn::PathArguments::AngleBracketed(args) => args
                .args
                .iter()
                .map(|arg| match arg {
                    syn::GenericArgument::Type(t) => Ok(t),
                    _ => Err(format!("unsupported type argument in `{name}`")),
                })
                .collect::<Result<_, _>>()?,
            syn::PathArguments::Parenthesized(_) => {
                return Err(format!("unsupported type `{name}(..)`"))
            }
        };
        let krate = &self.crate_path;
        let arity = |n: usize| -> Result<(), String> {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!("`{name}` takes {n} type argument(s), found {}", args.len()))
            }
        };
        let inner = |i: usize| self.map_type(args[i], attributes);
        Ok(match name.as_str() {
            "bytes" => {
                arity(0)?;
                syn::parse_quote!(::std::vec::Vec<u8>)
            }
            "Timestamp" | "Uuid" | "Decimal" => {
                arity(0)?;
                let ident = &segment.ident;
                syn::parse_quote!(#krate::#ident)
            }
            "String" => {
                arity(0)?;
                syn::parse_quote!(::std::string::String)
            }
            n if SCALAR_TYPES.contains(&n) => {
                arity(0)?;
                ty.clone()
            }
            "Option" => {
                arity(1)?;
                let t = inner(0)?;
                syn::parse_quote!(::core::option::Option<#t>)
            }
            "Vec" => {
                arity(1)?;
                let t = inner(0)?;
                syn::parse_quote!(::std::vec::Vec<#t>)
            }
            "HashSet" | "BTreeSet" => {
                arity(1)?;
                let t = inner(0)?;
                let ident = &segment.ident;
                syn::parse_quote!(::std::collections::#ident<#t>)
            }
            "HashMap" | "BTreeMap" => {
                arity(2)?;
                let key = inner(0)?;
                if TypeClass::of(&key) != TypeClass::String {
                    return Err(format!(
                        "`{name}` keys must be `String` (DynamoDB map keys are strings)"
                    ));
                }
                let value = inner(1)?;
                let ident = &segment.ident;
                syn::parse_quote!(::std::collections::#ident<#key, #value>)
            }
            n if attributes.iter().any(|a| a == n) => {
                arity(0)?;
                ty.clone()
            }
            n => {
                let mut known: Vec<&str> = SCALAR_TYPES.iter().chain(WRAPPERS).copied().collect();
                known.extend(attributes.iter().map(String::as_str));
                let suggestion = did_you_mean(n, &known)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                return Err(format!("unknown type `{n}`{suggestion}"));
            }
        })
    }

    fn attribute(&mut self, node: &Node, attributes: &[String]) -> Option<AttributeModel> {
        let mut obj = self.obj(node, "an attribute type")?;
        let name = obj.take("name").and_then(|n| self.string(n, "the type name"));
        let fields = obj.take("fields");
        let variants = obj.take("variants");
        let tag = obj.take("tag").and_then(|n| self.string(n, "the tag attribute"));
        let newtype = obj.take("type").and_then(|n| self.string(n, "the wrapped type"));
        let pos = obj.pos;
        self.finish(obj, "an attribute type", ATTRIBUTE_KEYS);
        let Some(name) = name else {
            self.error(pos, "an attribute type needs `name`: its Rust type name");
            return None;
        };
        self.names.push((name.value.clone(), name.span.clone(), "attribute type"));
        let rust_name = self.ident(&name, "type")?;
        let given = [fields.is_some(), variants.is_some(), newtype.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if given != 1 {
            self.cx.error_with_hint(
                name.span.clone(),
                format!("attribute type `{}` needs exactly one of `fields`, `variants` or `type`", name.value),
                "`fields` for a struct stored as a map, `variants` for an enum, `type` for a newtype",
            );
            return None;
        }
        let shape = if let Some(fields) = fields {
            AttributeShape::Struct(self.fields(fields, false, attributes))
        } else if let Some(inner) = newtype {
            AttributeShape::Newtype(self.rust_type(&inner, attributes)?)
        } else {
            self.variants(variants?, tag.clone(), attributes)?
        };
        if let (Some(tag), false) = (&tag, matches!(shape, AttributeShape::TaggedEnum { .. })) {
            self.cx.error(
                tag.span.clone(),
                "`tag` names the tag attribute of an enum with data; this type has no tag",
            );
        }
        Some(AttributeModel {
            rust_name,
            generics: syn::Generics::default(),
            shape,
            crate_path: self.crate_path.clone(),
        })
    }

    fn variants(
        &mut self,
        node: &Node,
        tag: Option<Spanned<String>>,
        attributes: &[String],
    ) -> Option<AttributeShape> {
        // A list of names (unit variants) or a table of name → { rename, fields, type }.
        struct Raw<'a> {
            name: Spanned<String>,
            rename: Option<Spanned<String>>,
            fields: Option<&'a Node>,
            newtype: Option<Spanned<String>>,
        }
        let mut raws = Vec::new();
        match &node.kind {
            Kind::Seq(items) => {
                for item in items {
                    if let Some(name) = self.string(item, "a variant name") {
                        raws.push(Raw { name, rename: None, fields: None, newtype: None });
                    }
                }
            }
            Kind::Map(entries) => {
                for (key, value) in entries {
                    let name = Spanned::new(key.key(), self.span(key.pos));
                    let Some(mut obj) = self.obj(value, "a variant") else { continue };
                    let rename = obj.take("rename").and_then(|n| self.string(n, "the stored name"));
                    let fields = obj.take("fields");
                    let newtype =
                        obj.take("type").and_then(|n| self.string(n, "the variant's value type"));
                    self.finish(obj, &format!("variant `{}`", name.value), VARIANT_KEYS);
                    raws.push(Raw { name, rename, fields, newtype });
                }
            }
            _ => {
                self.expected(node, "a list of variant names or a table of variants");
                return None;
            }
        }
        if raws.is_empty() {
            self.error(node.pos, "an enum needs at least one variant");
            return None;
        }
        let all_unit = raws.iter().all(|r| r.fields.is_none() && r.newtype.is_none());
        if all_unit && tag.is_none() {
            let mut variants = Vec::new();
            for raw in raws {
                let ident = self.ident(&raw.name, "variant")?;
                variants.push(UnitVariant { ident, name: raw.rename.unwrap_or(raw.name) });
            }
            return Some(AttributeShape::UnitEnum(variants));
        }
        let mut variants = Vec::new();
        for raw in raws {
            let ident = self.ident(&raw.name, "variant")?;
            let body = match (raw.fields, raw.newtype) {
                (Some(_), Some(_)) => {
                    self.cx.error(
                        raw.name.span.clone(),
                        format!("variant `{}` has both `fields` and `type`", raw.name.value),
                    );
                    continue;
                }
                (Some(fields), None) => VariantBody::Named(self.fields(fields, false, attributes)),
                (None, Some(inner)) => VariantBody::Newtype(self.rust_type(&inner, attributes)?),
                (None, None) => VariantBody::Unit,
            };
            variants.push(TaggedVariant { ident, name: raw.rename.unwrap_or(raw.name), body });
        }
        let tag = tag.unwrap_or_else(|| Spanned::new("type".to_owned(), self.span(node.pos)));
        Some(AttributeShape::TaggedEnum { tag, variants })
    }

    fn collection(&mut self, node: &Node, table: &syn::Path) -> Option<CollectionModel> {
        let mut obj = self.obj(node, "a collection")?;
        let name = obj.take("name").and_then(|n| self.string(n, "the collection's Rust type name"));
        let index = obj.take("index").and_then(|n| self.string(n, "the index name"));
        let members_node = obj.take("members");
        let pos = obj.pos;
        self.finish(obj, "a collection", COLLECTION_KEYS);
        let Some(name) = name else {
            self.error(pos, "a collection needs `name`: its Rust type name");
            return None;
        };
        self.names.push((name.value.clone(), name.span.clone(), "collection"));
        let rust_name = self.ident(&name, "type")?;
        let mut members: Vec<CollectionMember> = Vec::new();
        match members_node.map(|n| (n, &n.kind)) {
            Some((_, Kind::Map(entries))) if !entries.is_empty() => {
                for (key, value) in entries {
                    let field_name = Spanned::new(key.key(), self.span(key.pos));
                    let Some(field) = self.ident(&field_name, "field") else { continue };
                    let Some(spec) = self.string(value, "the member type") else { continue };
                    self.names.push((
                        format!("{}.{}", name.value, field_name.value),
                        spec.span.clone(),
                        "member",
                    ));
                    match member_type(&spec.value) {
                        Some((entity, many)) => {
                            if members.iter().any(|m| m.entity == entity) {
                                self.cx.error(spec.span.clone(), format!("entity `{}` is already a member of this collection: one field per entity", quote::quote!(#entity)));
                            }
                            members.push(CollectionMember { field, entity, many });
                        }
                        None => self.cx.error_with_hint(
                            spec.span.clone(),
                            format!("`{}` is not a member type", spec.value),
                            "a member is `Vec<Entity>` (any number of items) or `Option<Entity>` (at most one)",
                        ),
                    }
                }
            }
            Some((n, _)) => {
                self.expected(n, "a non-empty table of members (`orders = \"Vec<Order>\"`)")
            }
            None => self.error(pos, format!("collection `{}` needs `members`", name.value)),
        }
        Some(CollectionModel {
            rust_name,
            table: table.clone(),
            index,
            members,
            crate_path: self.crate_path.clone(),
        })
    }

    fn access_pattern(&mut self, node: &Node) -> Option<AccessPatternModel> {
        let mut obj = self.obj(node, "an access pattern")?;
        let name = obj.take("name").and_then(|n| self.string(n, "the pattern name"));
        let description = obj
            .take("description")
            .and_then(|n| self.string(n, "the description"))
            .map(|d| d.value);
        let entity = obj.take("entity").and_then(|n| self.string(n, "the entity"));
        let index = obj.take("index").and_then(|n| self.string(n, "the index"));
        let operation = obj.take("operation").and_then(|n| {
            let op = self.string(n, "the operation")?;
            match op.value.as_str() {
                "get" => Some(AccessOperation::Get),
                "query" => Some(AccessOperation::Query),
                "scan" => Some(AccessOperation::Scan),
                _ => {
                    self.cx.error_with_hint(
                        op.span,
                        format!("unknown operation `{}`", op.value),
                        "expected `get`, `query` or `scan`",
                    );
                    None
                }
            }
        });
        let key_fields =
            obj.take("key_fields").map(|n| self.strings(n, "key field names")).unwrap_or_default();
        let sort = obj.take("sort").and_then(|n| {
            let op = self.string(n, "the sort operator")?;
            let parsed = SortOperator::parse(&op.value);
            if parsed.is_none() {
                self.cx.error_with_hint(
                    op.span,
                    format!("unknown sort operator `{}`", op.value),
                    "expected `eq`, `lt`, `le`, `gt`, `ge`, `between` or `begins_with`",
                );
            }
            parsed
        });
        let tenant_field =
            obj.take("tenant_field").and_then(|n| self.string(n, "the tenant field"));
        let pos = obj.pos;
        self.finish(obj, "an access pattern", PATTERN_KEYS);
        let Some(name) = name else {
            self.error(pos, "an access pattern needs `name`");
            return None;
        };
        let Some(entity) = entity else {
            self.error(pos, format!("access pattern `{}` needs `entity`", name.value));
            return None;
        };
        Some(AccessPatternModel {
            name,
            description,
            entity,
            index,
            operation: operation.unwrap_or(AccessOperation::Query),
            key_fields,
            sort,
            tenant_field,
            span: self.span(pos),
        })
    }
}

fn type_hint() -> String {
    format!(
        "field types: {}, `Option<T>`, `Vec<T>`, `HashSet<T>`, `BTreeSet<T>`, `HashMap<String, T>`, \
         `BTreeMap<String, T>`, or a type declared under `attributes`",
        SCALAR_TYPES.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
    )
}

fn member_type(text: &str) -> Option<(syn::Path, bool)> {
    let ty: syn::Type = syn::parse_str(text).ok()?;
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let many = match last.ident.to_string().as_str() {
        "Vec" => true,
        "Option" => false,
        _ => return None,
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(syn::Type::Path(inner))
            if args.args.len() == 1
                && inner.qself.is_none()
                && inner.path.get_ident().is_some() =>
        {
            Some((inner.path.clone(), many))
        }
        _ => None,
    }
}

/// `game-player-profiles` → `GamePlayerProfiles`; empty when nothing is left.
pub(crate) fn rust_type_name(name: &str) -> String {
    use heck::ToUpperCamelCase;
    let cleaned: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    let mut camel = cleaned.to_upper_camel_case();
    if camel.starts_with(|c: char| c.is_ascii_digit()) {
        camel.insert(0, 'T');
    }
    camel
}

/// True for Rust keywords (strict and reserved, 2021 edition).
pub(crate) fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe",
        "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
        "gen",
    ];
    KEYWORDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use crate::schema::{parse_str, Format};

    const SOURCE: &str = r#"
[table]
name = "App"
pk = "PK"
sk = "SK"

[[entities]]
name = "Reading"
pk = "DEVICE#{device_id}"
sk = "READING#{at}"
shards = 8

[entities.fields]
device_id = "String"
at = "u64"
"#;

    #[test]
    fn an_entity_accepts_shards() {
        let set = parse_str(SOURCE, "app.toml", Format::Toml).expect("parses");
        let shards = set.entities.first().and_then(|e| e.shards.as_ref()).map(|s| s.value);
        assert_eq!(shards, Some(8));
    }

    #[test]
    fn shards_out_of_range_is_an_error() {
        let source = SOURCE.replace("shards = 8", "shards = 1");
        let Err(errors) = parse_str(&source, "app.toml", Format::Toml) else {
            panic!("`shards = 1` was accepted");
        };
        assert!(format!("{errors:?}").contains("`shards` must be between 2 and 100"), "{errors:?}");
    }
}

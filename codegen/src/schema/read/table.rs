//! Reading `[table]`: the table name and Rust type, its key attributes, GSIs and LSIs
//! with their projections and throughput, TTL, stream, billing, the entity-type attribute
//! and the facade crate path.

use crate::model::{
    BillingModel, IndexKind, IndexModel, KeyAttributeModel, ProjectionModel, StreamView,
    TableModel, Throughput,
};
use crate::schema::node::{Kind, Node};
use crate::span::Spanned;

use super::names::rust_type_name;
use super::Reader;

const TABLE_KEYS: &[&str] = &[
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

impl Reader {
    pub(super) fn table(&mut self, node: &Node) -> Option<TableModel> {
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
}

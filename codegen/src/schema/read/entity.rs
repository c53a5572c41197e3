//! Reading `[[entities]]`: an entity's name and entity type, its key templates, the
//! indexes it fills (templates or native field lists), its fields, `validate` hook and
//! `shards`.

use crate::model::{EntityIndexKeys, EntityIndexModel, EntityModel, UpgradeModel};
use crate::schema::node::{Kind, Node};
use crate::span::Spanned;

use super::Reader;

const ENTITY_KEYS: &[&str] = &[
    "name",
    "entity_type",
    "pk",
    "sk",
    "indexes",
    "fields",
    "validate",
    "shards",
    "schema_version",
    "upgrade",
    "compact",
    "find",
];
const ENTITY_INDEX_KEYS: &[&str] = &["name", "pk", "sk"];

impl Reader {
    pub(super) fn entity(
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
        // `schema_version = N` with `upgrade = "path::to::fn"`: the lazy upgrade the
        // derive's `#[entity(schema_version, upgrade)]` gives, into the same model.
        let schema_version = obj.take("schema_version").and_then(|node| {
            let value = self.u64(node, "`schema_version`")?;
            let span = self.span(node.pos);
            Some((node.pos, Spanned { value: u32::try_from(value).unwrap_or(u32::MAX), span }))
        });
        let find = obj.take("find").and_then(|n| self.flag(n, "generate `find()`")).is_some();
        let upgrade_node = obj.take("upgrade");
        let upgrade_pos = upgrade_node.map(|node| node.pos);
        let upgrade_fn = upgrade_node.and_then(|node| self.function_path(node, "upgrade"));
        let upgrade = match (schema_version, upgrade_fn) {
            (Some((_, version)), Some(function)) => Some(UpgradeModel { version, function }),
            (Some((pos, _)), None) if upgrade_pos.is_none() => {
                self.error(
                    pos,
                    "`schema_version` needs `upgrade = \"path::to::fn\"`: the function that turns \
                     an item stored by an older version into the current shape",
                );
                None
            }
            (None, Some(_)) => {
                self.error(
                    upgrade_pos.unwrap_or(obj.pos),
                    "`upgrade` needs `schema_version = N`: the version every put stores",
                );
                None
            }
            _ => None,
        };
        // `compact = true`: key fields only inside keys (the derive's `#[entity(compact)]`).
        let compact = obj.take("compact").and_then(|node| self.flag(node, "`compact`"));
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
            upgrade,
            compact,
            find,
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

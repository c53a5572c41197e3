//! Reading `[[attributes]]`: nested attribute types, each a struct stored as a map
//! (`fields`), an enum (`variants`, unit or tagged with `tag`) or a newtype (`type`).

use crate::model::{AttributeModel, AttributeShape, TaggedVariant, UnitVariant, VariantBody};
use crate::schema::node::{Kind, Node};
use crate::span::Spanned;

use super::Reader;

const ATTRIBUTE_KEYS: &[&str] = &["name", "fields", "variants", "tag", "type"];
const VARIANT_KEYS: &[&str] = &["rename", "fields", "type"];

impl Reader {
    pub(super) fn attribute(
        &mut self,
        node: &Node,
        attributes: &[String],
    ) -> Option<AttributeModel> {
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
}

//! Reading `[[collections]]`: a collection's Rust type, its index and its members
//! (`Vec<Entity>` or `Option<Entity>` fields).

use crate::model::{CollectionMember, CollectionModel};
use crate::schema::node::{Kind, Node};
use crate::span::Spanned;

use super::Reader;

const COLLECTION_KEYS: &[&str] = &["name", "index", "members"];

impl Reader {
    pub(super) fn collection(&mut self, node: &Node, table: &syn::Path) -> Option<CollectionModel> {
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

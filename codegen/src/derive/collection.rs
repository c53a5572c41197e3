//! `#[derive(Collection)]`: `#[collection(…)]` and the member fields → [`CollectionModel`].

use syn::Meta;

use crate::derive::entity::parse_table_path;
use crate::derive::meta::{self, Seen};
use crate::diagnostic::Diagnostics;
use crate::model::{default_crate_path, CollectionMember, CollectionModel};
use crate::span::{SourceSpan, Spanned};

const COLLECTION_KEYS: &[&str] = &["table", "index", "crate"];

/// The `T` of `Vec<T>` / `Option<T>`, and whether it is a `Vec`.
fn member_type(ty: &syn::Type) -> Option<(syn::Path, bool)> {
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
            if args.args.len() == 1 && inner.qself.is_none() =>
        {
            Some((inner.path.clone(), many))
        }
        _ => None,
    }
}

/// Reads the model of a `#[derive(Collection)]` input, recording every error in `cx`.
pub fn parse_collection(input: &syn::DeriveInput, cx: &mut Diagnostics) -> Option<CollectionModel> {
    if !input.generics.params.is_empty() {
        cx.error(
            SourceSpan::of(&input.generics),
            "#[derive(Collection)] needs a type without generic parameters",
        );
    }
    let mut seen = Seen::default();
    let mut table = None;
    let mut index = None;
    let mut crate_path = None;
    for meta in meta::attribute_args(&input.attrs, "collection", cx) {
        let key = meta::key_of(&meta);
        if COLLECTION_KEYS.contains(&key.as_str()) && !seen.first(&meta, cx) {
            continue;
        }
        match key.as_str() {
            "table" => table = parse_table_path(&meta, cx),
            "index" => index = parse_index(&meta, cx),
            "crate" => crate_path = meta::crate_path(&meta, cx),
            _ => meta::unknown(&meta, "collection", COLLECTION_KEYS, cx),
        }
    }
    if table.is_none() && !seen.contains("table") {
        cx.error(
            SourceSpan::of(&input.ident),
            "missing `#[collection(table = TableType)]`: the table the members live in",
        );
    }
    let mut members: Vec<CollectionMember> = Vec::new();
    match &input.data {
        syn::Data::Struct(syn::DataStruct { fields: syn::Fields::Named(named), .. }) => {
            for field in &named.named {
                let Some(ident) = field.ident.clone() else { continue };
                match member_type(&field.ty) {
                    Some((entity, many)) => {
                        let name = quote::ToTokens::to_token_stream(&entity).to_string();
                        if members.iter().any(|m| quote::ToTokens::to_token_stream(&m.entity).to_string() == name) {
                            cx.error(
                                SourceSpan::of(&field.ty),
                                format!("entity `{name}` is already a member of this collection: one field per entity"),
                            );
                        }
                        members.push(CollectionMember { field: ident, entity, many });
                    }
                    None => cx.error(
                        SourceSpan::of(&field.ty),
                        "a collection field holds its member entity's items: `Vec<Entity>` (any number) or \
                         `Option<Entity>` (at most one)",
                    ),
                }
            }
            if named.named.is_empty() {
                cx.error(
                    SourceSpan::of(&input.ident),
                    "a collection needs at least one member field",
                );
            }
        }
        _ => cx.error(
            SourceSpan::of(&input.ident),
            "#[derive(Collection)] needs a struct with named fields, one per member entity",
        ),
    }
    Some(CollectionModel {
        rust_name: input.ident.clone(),
        table: table?,
        index,
        members,
        crate_path: crate_path.unwrap_or_else(default_crate_path),
    })
}

fn parse_index(meta: &Meta, cx: &mut Diagnostics) -> Option<Spanned<String>> {
    let expr = meta::value(meta, "IndexName", cx)?;
    match meta::word_expr(expr) {
        Some(word) => Some(word),
        None => {
            cx.error(
                SourceSpan::of(expr),
                "expected the index name: `index = GSI1` or `index = \"my-index\"`",
            );
            None
        }
    }
}

//! `#[derive(Changes)]`: `#[changes(…)]` and the enum's variants → [`ChangesModel`].

use quote::ToTokens;
use syn::Meta;

use crate::derive::entity::parse_table_path;
use crate::derive::meta::{self, Seen};
use crate::diagnostic::Diagnostics;
use crate::model::{default_crate_path, ChangesModel, ChangesVariant};
use crate::span::SourceSpan;

const CHANGES_KEYS: &[&str] = &["table", "crate"];

/// The `E` of `Change<E>`.
fn change_entity(ty: &syn::Type) -> Option<syn::Path> {
    let syn::Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Change" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(syn::Type::Path(inner))
            if args.args.len() == 1 && inner.qself.is_none() =>
        {
            Some(inner.path.clone())
        }
        _ => None,
    }
}

/// Whether a variant is marked `#[changes(unknown)]`.
fn is_unknown(variant: &syn::Variant, cx: &mut Diagnostics) -> bool {
    let mut unknown = false;
    for meta in meta::attribute_args(&variant.attrs, "changes", cx) {
        match &meta {
            Meta::Path(path) if path.is_ident("unknown") => {
                if unknown {
                    cx.error(SourceSpan::of(&meta), "`unknown` given twice");
                }
                unknown = true;
            }
            _ => meta::unknown(&meta, "changes variant", &["unknown"], cx),
        }
    }
    unknown
}

/// The one unnamed field of a variant, or an error at the variant.
fn single_field<'a>(
    variant: &'a syn::Variant,
    cx: &mut Diagnostics,
    what: &str,
) -> Option<&'a syn::Type> {
    match &variant.fields {
        syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
            fields.unnamed.first().map(|field| &field.ty)
        }
        _ => {
            cx.error(SourceSpan::of(variant), what.to_owned());
            None
        }
    }
}

/// Reads the model of a `#[derive(Changes)]` input, recording every error in `cx`.
pub fn parse_changes(input: &syn::DeriveInput, cx: &mut Diagnostics) -> Option<ChangesModel> {
    if !input.generics.params.is_empty() {
        cx.error(
            SourceSpan::of(&input.generics),
            "#[derive(Changes)] needs a type without generic parameters",
        );
    }
    let mut seen = Seen::default();
    let mut table = None;
    let mut crate_path = None;
    for meta in meta::attribute_args(&input.attrs, "changes", cx) {
        let key = meta::key_of(&meta);
        if CHANGES_KEYS.contains(&key.as_str()) && !seen.first(&meta, cx) {
            continue;
        }
        match key.as_str() {
            "table" => table = parse_table_path(&meta, cx),
            "crate" => crate_path = meta::crate_path(&meta, cx),
            _ => meta::unknown(&meta, "changes", CHANGES_KEYS, cx),
        }
    }
    if table.is_none() && !seen.contains("table") {
        cx.error(
            SourceSpan::of(&input.ident),
            "missing `#[changes(table = TableType)]`: the table whose stream the changes come from",
        );
    }
    let mut variants: Vec<ChangesVariant> = Vec::new();
    let mut unknown: Option<syn::Ident> = None;
    match &input.data {
        syn::Data::Enum(data) => {
            for variant in &data.variants {
                if is_unknown(variant, cx) {
                    if unknown.is_some() {
                        cx.error(
                            SourceSpan::of(&variant.ident),
                            "only one variant can be `#[changes(unknown)]`",
                        );
                    }
                    single_field(
                        variant,
                        cx,
                        "the `#[changes(unknown)]` variant holds the record: `Other(RawChange)`",
                    );
                    unknown = Some(variant.ident.clone());
                    continue;
                }
                let Some(ty) = single_field(
                    variant,
                    cx,
                    "a variant of a changes enum holds one entity's changes: `User(Change<User>)`",
                ) else {
                    continue;
                };
                let Some(entity) = change_entity(ty) else {
                    cx.error(
                        SourceSpan::of(ty),
                        "expected `Change<Entity>`: a variant of a changes enum holds one entity's \
                         changes, or is marked `#[changes(unknown)]` to hold a `RawChange`",
                    );
                    continue;
                };
                let name = entity.to_token_stream().to_string().replace(' ', "");
                if variants
                    .iter()
                    .any(|v| v.entity.to_token_stream().to_string().replace(' ', "") == name)
                {
                    cx.error(
                        SourceSpan::of(&entity),
                        format!("entity `{name}` already has a variant in this enum: one variant per entity"),
                    );
                    continue;
                }
                variants.push(ChangesVariant { variant: variant.ident.clone(), entity });
            }
            // Only when nothing else was said about the variants.
            if data.variants.is_empty() {
                cx.error(
                    SourceSpan::of(&input.ident),
                    "a changes enum needs at least one `Entity(Change<Entity>)` variant",
                );
            }
        }
        _ => cx.error(
            SourceSpan::of(&input.ident),
            "#[derive(Changes)] needs an enum with one `Entity(Change<Entity>)` variant per entity",
        ),
    }
    Some(ChangesModel {
        rust_name: input.ident.clone(),
        table: table?,
        variants,
        unknown,
        crate_path: crate_path.unwrap_or_else(default_crate_path),
    })
}

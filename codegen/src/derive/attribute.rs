//! `#[derive(Attribute)]`: a nested struct or enum → [`AttributeModel`].

use crate::derive::field::{parse_field, FieldContext};
use crate::derive::meta::{self, Seen};
use crate::diagnostic::Diagnostics;
use crate::model::{
    default_crate_path, AttributeModel, AttributeShape, TaggedVariant, UnitVariant, VariantBody,
};
use crate::span::{SourceSpan, Spanned};

const CONTAINER_KEYS: &[&str] = &["tag", "crate"];
const VARIANT_KEYS: &[&str] = &["rename"];

/// Reads the model of a `#[derive(Attribute)]` input, recording every error in `cx`.
pub fn parse_attribute(input: &syn::DeriveInput, cx: &mut Diagnostics) -> Option<AttributeModel> {
    let mut seen = Seen::default();
    let mut tag = None;
    let mut crate_path = None;
    for meta in meta::attribute_args(&input.attrs, "attribute", cx) {
        let key = meta::key_of(&meta);
        if CONTAINER_KEYS.contains(&key.as_str()) && !seen.first(&meta, cx) {
            continue;
        }
        match key.as_str() {
            "tag" => tag = meta::string(&meta, cx),
            "crate" => crate_path = meta::crate_path(&meta, cx),
            _ => meta::unknown(&meta, "attribute", CONTAINER_KEYS, cx),
        }
    }
    let shape = match &input.data {
        syn::Data::Struct(data) => parse_struct(input, &data.fields, cx)?,
        syn::Data::Enum(data) => parse_enum(input, data, tag.clone(), cx)?,
        syn::Data::Union(_) => {
            cx.error(SourceSpan::of(&input.ident), "#[derive(Attribute)] does not support unions");
            return None;
        }
    };
    if let (Some(tag), false) = (&tag, matches!(shape, AttributeShape::TaggedEnum { .. })) {
        cx.error(
            tag.span.clone(),
            "`tag` names the tag attribute of an enum with data; this type has no tag",
        );
    }
    Some(AttributeModel {
        rust_name: input.ident.clone(),
        generics: input.generics.clone(),
        shape,
        crate_path: crate_path.unwrap_or_else(default_crate_path),
    })
}

fn parse_struct(
    input: &syn::DeriveInput,
    fields: &syn::Fields,
    cx: &mut Diagnostics,
) -> Option<AttributeShape> {
    match fields {
        syn::Fields::Named(named) => Some(AttributeShape::Struct(
            named
                .named
                .iter()
                .filter_map(|field| parse_field(field, FieldContext::Attribute, cx))
                .collect(),
        )),
        syn::Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
            let field = unnamed.unnamed.first()?;
            no_field_options(field, cx);
            Some(AttributeShape::Newtype(field.ty.clone()))
        }
        syn::Fields::Unnamed(unnamed) => {
            cx.error(
                SourceSpan::of(unnamed),
                format!(
                    "#[derive(Attribute)] supports tuple structs of exactly one field (stored as \
                     that field); `{}` has {}: give the fields names to store it as a map",
                    input.ident,
                    unnamed.unnamed.len()
                ),
            );
            None
        }
        syn::Fields::Unit => {
            cx.error(
                SourceSpan::of(&input.ident),
                "#[derive(Attribute)] needs fields to store: a unit struct holds no value",
            );
            None
        }
    }
}

fn no_field_options(field: &syn::Field, cx: &mut Diagnostics) {
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("attribute")) {
        cx.error(
            SourceSpan::of(attr),
            "the field of a one-field tuple struct is stored as the struct itself and takes no \
             options",
        );
    }
}

fn variant_name(variant: &syn::Variant, cx: &mut Diagnostics) -> Spanned<String> {
    let mut name = Spanned::new(variant.ident.to_string(), variant.ident.span());
    let mut seen = Seen::default();
    for meta in meta::attribute_args(&variant.attrs, "attribute", cx) {
        let key = meta::key_of(&meta);
        if VARIANT_KEYS.contains(&key.as_str()) && !seen.first(&meta, cx) {
            continue;
        }
        match key.as_str() {
            "rename" => {
                if let Some(rename) = meta::string(&meta, cx) {
                    name = rename;
                }
            }
            _ => meta::unknown(&meta, "variant", VARIANT_KEYS, cx),
        }
    }
    name
}

fn parse_enum(
    input: &syn::DeriveInput,
    data: &syn::DataEnum,
    tag: Option<Spanned<String>>,
    cx: &mut Diagnostics,
) -> Option<AttributeShape> {
    if data.variants.is_empty() {
        cx.error(
            SourceSpan::of(&input.ident),
            "#[derive(Attribute)] needs at least one variant: an empty enum has no value to store",
        );
        return None;
    }
    let all_unit = data.variants.iter().all(|v| matches!(v.fields, syn::Fields::Unit));
    if all_unit && tag.is_none() {
        let variants = data
            .variants
            .iter()
            .map(|variant| UnitVariant {
                ident: variant.ident.clone(),
                name: variant_name(variant, cx),
            })
            .collect();
        return Some(AttributeShape::UnitEnum(variants));
    }
    let mut variants = Vec::new();
    for variant in &data.variants {
        let name = variant_name(variant, cx);
        let body = match &variant.fields {
            syn::Fields::Unit => VariantBody::Unit,
            syn::Fields::Named(named) => VariantBody::Named(
                named
                    .named
                    .iter()
                    .filter_map(|field| parse_field(field, FieldContext::Attribute, cx))
                    .collect(),
            ),
            syn::Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
                let field = unnamed.unnamed.first()?;
                no_field_options(field, cx);
                VariantBody::Newtype(field.ty.clone())
            }
            syn::Fields::Unnamed(unnamed) => {
                cx.error(
                    SourceSpan::of(unnamed),
                    format!(
                        "variant `{}` has {} unnamed fields: an enum is stored as a map with a \
                         tag, so a variant holds named fields or exactly one value (a type \
                         stored as a map)",
                        variant.ident,
                        unnamed.unnamed.len()
                    ),
                );
                continue;
            }
        };
        variants.push(TaggedVariant { ident: variant.ident.clone(), name, body });
    }
    Some(AttributeShape::TaggedEnum {
        tag: tag.unwrap_or_else(|| Spanned::new("type".to_owned(), SourceSpan::call_site())),
        variants,
    })
}

//! Field options: `#[entity(…)]` on entity fields, `#[attribute(…)]` on the fields of
//! nested types.

use syn::Meta;

use crate::derive::meta::{self, Seen};
use crate::diagnostic::Diagnostics;
use crate::model::{ComputedModel, DefaultValue, FieldMarkers, FieldModel, TypeClass};
use crate::span::{SourceSpan, Spanned};

/// Which derive a field belongs to: entities accept behaviour markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldContext {
    /// `#[entity(…)]`.
    Entity,
    /// `#[attribute(…)]`.
    Attribute,
}

const ENTITY_FIELD_KEYS: &[&str] = &[
    "rename",
    "skip",
    "default",
    "serde",
    "version",
    "created_at",
    "updated_at",
    "ttl",
    "unique",
    "validate",
    "read_only",
    "computed",
    "from",
];
const ATTRIBUTE_FIELD_KEYS: &[&str] = &["rename", "skip", "default", "serde"];

/// Reads one named field and its options.
pub(crate) fn parse_field(
    field: &syn::Field,
    context: FieldContext,
    cx: &mut Diagnostics,
) -> Option<FieldModel> {
    let ident = field.ident.clone()?;
    let (attr_name, known) = match context {
        FieldContext::Entity => ("entity", ENTITY_FIELD_KEYS),
        FieldContext::Attribute => ("attribute", ATTRIBUTE_FIELD_KEYS),
    };
    let name = ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
    let mut model = FieldModel {
        ty: field.ty.clone(),
        class: TypeClass::of(&field.ty),
        attribute: Spanned::new(name, ident.span()),
        ident,
        skip: None,
        default: None,
        serde: None,
        markers: FieldMarkers::default(),
        validate: None,
        computed: None,
        span: SourceSpan::of(field),
    };
    let mut seen = Seen::default();
    let mut computed: Option<(syn::Path, SourceSpan)> = None;
    let mut from: Option<(Vec<Spanned<String>>, SourceSpan)> = None;
    for item in meta::attribute_args(&field.attrs, attr_name, cx) {
        let key = meta::key_of(&item);
        if known.contains(&key.as_str()) && !seen.first(&item, cx) {
            continue;
        }
        let markers = &mut model.markers;
        match key.as_str() {
            "rename" => {
                if let Some(rename) = meta::string(&item, cx) {
                    if rename.value.is_empty() {
                        cx.error(rename.span.clone(), "an attribute name cannot be empty");
                    }
                    model.attribute = rename;
                }
            }
            "skip" => model.skip = meta::flag(&item, cx),
            "serde" => model.serde = meta::flag(&item, cx),
            "default" => model.default = parse_default(&item, cx),
            "version" if context == FieldContext::Entity => markers.version = meta::flag(&item, cx),
            "created_at" if context == FieldContext::Entity => {
                markers.created_at = meta::flag(&item, cx)
            }
            "updated_at" if context == FieldContext::Entity => {
                markers.updated_at = meta::flag(&item, cx)
            }
            "ttl" if context == FieldContext::Entity => markers.ttl = meta::flag(&item, cx),
            "unique" if context == FieldContext::Entity => markers.unique = meta::flag(&item, cx),
            "validate" if context == FieldContext::Entity => {
                model.validate = parse_function_path(&item, "validate", cx)
            }
            "read_only" if context == FieldContext::Entity => {
                markers.read_only = meta::flag(&item, cx)
            }
            "computed" if context == FieldContext::Entity => {
                computed = parse_function_path(&item, "computed", cx)
                    .map(|path| (path, SourceSpan::of(item.path())))
            }
            "from" if context == FieldContext::Entity => {
                from = parse_from(&item, cx).map(|names| (names, SourceSpan::of(item.path())))
            }
            _ => meta::unknown(&item, &format!("`#[{attr_name}]` field"), known, cx),
        }
    }
    match (computed, from) {
        (Some((function, span)), from) => {
            let from = from.map(|(names, _)| names).unwrap_or_default();
            model.computed = Some(ComputedModel { function, from, span });
        }
        (None, Some((_, span))) => cx.error(
            span,
            "`from(..)` lists the inputs of a `computed = \"fn\"` field: add `computed`",
        ),
        (None, None) => {}
    }
    Some(model)
}

/// `from(a, b)`: the fields a computed field is derived from.
fn parse_from(meta: &Meta, cx: &mut Diagnostics) -> Option<Vec<Spanned<String>>> {
    let Meta::List(list) = meta else {
        cx.error(SourceSpan::of(meta), "expected `from(field, ..)`");
        return None;
    };
    let mut names = Vec::new();
    for item in meta::nested(list, cx) {
        match &item {
            Meta::Path(path) if path.get_ident().is_some() => {
                let ident = path.get_ident()?;
                let name = ident.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
                names.push(Spanned::new(name, ident.span()));
            }
            other => cx.error(SourceSpan::of(other), "expected a field name in `from(..)`"),
        }
    }
    Some(names)
}

/// `key = "path::to::function"`: the path, spanned at the string.
pub(crate) fn parse_function_path(
    meta: &Meta,
    key: &str,
    cx: &mut Diagnostics,
) -> Option<syn::Path> {
    let Meta::NameValue(_) = meta else {
        cx.error(SourceSpan::of(meta), format!("expected `{key} = \"path::to::function\"`"));
        return None;
    };
    let path = meta::string(meta, cx)?;
    match syn::parse_str::<syn::Path>(&path.value) {
        Ok(mut parsed) => {
            respan_path(&mut parsed, path.span.span());
            Some(parsed)
        }
        Err(_) => {
            cx.error(
                path.span,
                format!(
                    "`{}` is not a path to a function: write `{key} = \"path::to::function\"`",
                    path.value
                ),
            );
            None
        }
    }
}

fn parse_default(meta: &Meta, cx: &mut Diagnostics) -> Option<DefaultValue> {
    match meta {
        Meta::Path(_) => Some(DefaultValue::Trait),
        Meta::NameValue(_) => {
            let path = meta::string(meta, cx)?;
            match syn::parse_str::<syn::Path>(&path.value) {
                Ok(mut parsed) => {
                    respan_path(&mut parsed, path.span.span());
                    Some(DefaultValue::Function(parsed))
                }
                Err(_) => {
                    cx.error(
                        path.span,
                        format!("`{}` is not a path to a function: write `default = \"path::to::function\"`", path.value),
                    );
                    None
                }
            }
        }
        Meta::List(_) => {
            cx.error(
                SourceSpan::of(meta),
                "expected `default` or `default = \"path::to::function\"`",
            );
            None
        }
    }
}

/// Gives a path parsed from a string literal the literal's span, so errors (an unknown
/// function) point at the literal and names resolve where the user wrote them.
fn respan_path(path: &mut syn::Path, span: proc_macro2::Span) {
    if let Some(colon) = &mut path.leading_colon {
        colon.spans = [span, span];
    }
    for mut pair in path.segments.pairs_mut() {
        pair.value_mut().ident.set_span(span);
        if let Some(punct) = pair.punct_mut() {
            punct.spans = [span, span];
        }
    }
}

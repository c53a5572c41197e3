//! `#[derive(Entity)]`: `#[entity(…)]` on the struct and its fields → [`EntityModel`].

use syn::{Expr, Meta};

use crate::derive::field::{parse_field, FieldContext};
use crate::derive::meta::{self, Seen};
use crate::diagnostic::Diagnostics;
use crate::model::{
    default_crate_path, EntityIndexKeys, EntityIndexModel, EntityModel, KeyTemplate, UpgradeModel,
};
use crate::span::{SourceSpan, Spanned};

const ENTITY_KEYS: &[&str] = &[
    "table",
    "pk",
    "sk",
    "name",
    "index",
    "crate",
    "validate",
    "shards",
    "schema_version",
    "upgrade",
    "compact",
    "find",
];
const INDEX_KEYS: &[&str] = &["name", "pk", "sk"];

/// Reads the entity model of a `#[derive(Entity)]` input, recording every error in `cx`.
/// Returns `None` when the model is too broken to go on.
pub fn parse_entity(input: &syn::DeriveInput, cx: &mut Diagnostics) -> Option<EntityModel> {
    if !input.generics.params.is_empty() {
        cx.error(
            SourceSpan::of(&input.generics),
            "#[derive(Entity)] needs a type without generic parameters",
        );
    }
    let fields = match &input.data {
        syn::Data::Struct(syn::DataStruct { fields: syn::Fields::Named(named), .. }) => named
            .named
            .iter()
            .filter_map(|field| parse_field(field, FieldContext::Entity, cx))
            .collect(),
        _ => {
            cx.error(
                SourceSpan::of(&input.ident),
                "#[derive(Entity)] needs a struct with named fields",
            );
            Vec::new()
        }
    };

    let mut seen = Seen::default();
    let mut table = None;
    let mut partition_key = None;
    let mut sort_key = None;
    let mut sort_span = None;
    let mut entity_type = None;
    let mut indexes = Vec::new();
    let mut crate_path = None;
    let mut validate = None;
    let mut shards = None;
    let mut schema_version: Option<Spanned<u32>> = None;
    let mut upgrade: Option<syn::Path> = None;
    let mut compact = None;
    let mut find = false;
    let args = meta::attribute_args(&input.attrs, "entity", cx);
    for meta in &args {
        let key = meta::key_of(meta);
        if ENTITY_KEYS.contains(&key.as_str()) && key != "index" && !seen.first(meta, cx) {
            continue;
        }
        match key.as_str() {
            "table" => table = parse_table_path(meta, cx),
            "pk" => partition_key = template(meta, cx),
            "sk" => {
                sort_span = Some(SourceSpan::of(meta.path()));
                sort_key = template(meta, cx);
            }
            "name" => {
                entity_type = meta::string(meta, cx);
                if let Some(name) = &entity_type {
                    if name.value.is_empty() {
                        cx.error(name.span.clone(), "an entity type name cannot be empty");
                    }
                }
            }
            "index" => indexes.extend(parse_index(meta, cx)),
            "crate" => crate_path = meta::crate_path(meta, cx),
            "validate" => validate = super::field::parse_function_path(meta, "validate", cx),
            "shards" => shards = parse_shards(meta, cx),
            "schema_version" => schema_version = parse_schema_version(meta, cx),
            "upgrade" => upgrade = super::field::parse_function_path(meta, "upgrade", cx),
            "compact" => compact = meta::flag(meta, cx),
            "find" => match meta {
                Meta::Path(_) => find = true,
                other => cx.error(
                    SourceSpan::of(other),
                    "`find` takes no value: write `#[entity(find, ...)]` to generate `find()`",
                ),
            },
            _ => meta::unknown(meta, "entity", ENTITY_KEYS, cx),
        }
    }
    if table.is_none() && !seen.contains("table") {
        cx.error(
            SourceSpan::of(&input.ident),
            "missing `#[entity(table = TableType, ...)]`: the table the entity is stored in",
        );
    }
    if partition_key.is_none() && !seen.contains("pk") {
        cx.error(
            SourceSpan::of(&input.ident),
            "missing `pk = \"...\"` in `#[entity(...)]`: the partition-key template, e.g. \
             `pk = \"USER#{user_id}\"`",
        );
    }
    let upgrade = match (schema_version, upgrade) {
        (Some(version), Some(function)) => Some(UpgradeModel { version, function }),
        (Some(version), None) => {
            cx.error(
                version.span,
                "`schema_version` needs `upgrade = \"path::to::fn\"`: the function that turns an \
                 item stored by an older version into the current shape",
            );
            None
        }
        (None, Some(_)) if seen.contains("schema_version") => None,
        (None, Some(function)) => {
            cx.error(
                SourceSpan::of(&function),
                "`upgrade` needs `schema_version = N`: the version every put stores",
            );
            None
        }
        (None, None) => None,
    };
    Some(EntityModel {
        entity_type: entity_type
            .unwrap_or_else(|| Spanned::new(input.ident.to_string(), input.ident.span())),
        rust_name: input.ident.clone(),
        table: table?,
        partition_key: partition_key?,
        sort_key,
        sort_span,
        indexes,
        fields,
        crate_path: crate_path.unwrap_or_else(default_crate_path),
        vis: input.vis.clone(),
        validate,
        shards,
        upgrade,
        compact,
        find,
    })
}

/// `schema_version = N`: a version from 1 to `u32::MAX`, spanned at `N`.
fn parse_schema_version(meta: &Meta, cx: &mut Diagnostics) -> Option<Spanned<u32>> {
    let expr = meta::value(meta, "2", cx)?;
    let value = meta::u64_expr(expr, "schema_version", cx)?;
    let span = SourceSpan::of(expr);
    match u32::try_from(value) {
        Ok(version) if version >= 1 => Some(Spanned { value: version, span }),
        _ => {
            cx.error(span, "`schema_version` is a number from 1 to 4294967295");
            None
        }
    }
}

/// `shards = N`: the number, spanned where it was written (its range is checked by
/// validation).
fn parse_shards(meta: &Meta, cx: &mut Diagnostics) -> Option<Spanned<u32>> {
    let expr = meta::value(meta, "8", cx)?;
    let value = meta::u64_expr(expr, "shards", cx)?;
    let span = SourceSpan::of(expr);
    // Out-of-`u32` values are kept as `u32::MAX`, which validation reports as out of
    // range.
    Some(Spanned { value: u32::try_from(value).unwrap_or(u32::MAX), span })
}

/// The table's type path of `table = App`, as written.
pub(crate) fn parse_table_path(meta: &Meta, cx: &mut Diagnostics) -> Option<syn::Path> {
    let expr = meta::value(meta, "TableType", cx)?;
    match expr {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
            Some(path.path.clone())
        }
        other => {
            cx.error(
                SourceSpan::of(other),
                "expected the table's type: `table = App` (a type deriving `Table`)",
            );
            None
        }
    }
}

fn template(meta: &Meta, cx: &mut Diagnostics) -> Option<KeyTemplate> {
    let expr = meta::value(meta, "\"PREFIX#{field}\"", cx)?;
    template_expr(expr, &meta::key_of(meta), cx)
}

fn template_expr(expr: &Expr, key: &str, cx: &mut Diagnostics) -> Option<KeyTemplate> {
    if let Expr::Array(array) = expr {
        cx.error(
            SourceSpan::of(array),
            format!(
                "the table's `{key}` is one attribute and takes a template, e.g. \
                 `{key} = \"USER#{{user_id}}\"` (field lists are for native multi-attribute \
                 index keys)"
            ),
        );
        return None;
    }
    let source = meta::string_expr(expr, key, cx)?;
    match KeyTemplate::parse(source.clone()) {
        Ok(template) => Some(template),
        Err(error) => {
            cx.error(source.span, error.to_string());
            None
        }
    }
}

/// `[a, b]` in a native index key: the entity's field names.
fn field_list(expr: &Expr, cx: &mut Diagnostics) -> Vec<Spanned<String>> {
    let Expr::Array(array) = expr else {
        return Vec::new();
    };
    if array.elems.is_empty() {
        cx.error(SourceSpan::of(array), "a key needs at least one field");
    }
    array
        .elems
        .iter()
        .filter_map(|elem| match elem {
            Expr::Path(path) if path.qself.is_none() && path.path.get_ident().is_some() => {
                let ident = path.path.get_ident()?;
                let name = ident.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
                Some(Spanned::new(name, ident.span()))
            }
            other => {
                cx.error(SourceSpan::of(other), "expected a field name of this struct");
                None
            }
        })
        .collect()
}

fn parse_index(meta: &Meta, cx: &mut Diagnostics) -> Option<EntityIndexModel> {
    let Meta::List(list) = meta else {
        cx.error(SourceSpan::of(meta), "expected `index(IndexName, pk = \"...\", sk = \"...\")`");
        return None;
    };
    let mut seen = Seen::default();
    let mut name: Option<Spanned<String>> = None;
    let mut partition = None;
    let mut sort = None;
    for (position, item) in meta::nested(list, cx).into_iter().enumerate() {
        // The index name comes first, bare: `index(GSI1, …)`.
        if let (0, Meta::Path(path)) = (position, &item) {
            if let Some(ident) = path.get_ident() {
                name = Some(Spanned::new(ident.to_string(), ident.span()));
                continue;
            }
        }
        let key = meta::key_of(&item);
        if INDEX_KEYS.contains(&key.as_str()) && !seen.first(&item, cx) {
            continue;
        }
        match key.as_str() {
            "name" => {
                if name.is_some() {
                    cx.error(SourceSpan::of(item.path()), "the index is already named");
                }
                name = meta::string(&item, cx).or(name);
            }
            "pk" => partition = Some(item),
            "sk" => sort = Some(item),
            _ => meta::unknown(&item, "index", INDEX_KEYS, cx),
        }
    }
    let Some(name) = name else {
        cx.error(SourceSpan::of(meta), "the index name comes first: `index(GSI1, pk = \"...\")`");
        return None;
    };
    let partition_span = partition.as_ref().map(|m| SourceSpan::of(m.path()));
    let sort_span = sort.as_ref().map(|m| SourceSpan::of(m.path()));
    let value_of = |meta: &Option<Meta>, cx: &mut Diagnostics| -> Option<Expr> {
        meta.as_ref().and_then(|m| meta::value(m, "...", cx)).cloned()
    };
    let partition_expr = value_of(&partition, cx);
    let sort_expr = value_of(&sort, cx);
    if partition_expr.is_none() && sort_expr.is_none() {
        if partition.is_none() && sort.is_none() {
            cx.error(
                name.span.clone(),
                format!("`index({}, ...)` needs `pk` and/or `sk`", name.value),
            );
        }
        return None;
    }
    let is_list = |expr: &Option<Expr>| matches!(expr, Some(Expr::Array(_)));
    let is_template = |expr: &Option<Expr>| matches!(expr, Some(e) if !matches!(e, Expr::Array(_)));
    let keys = if is_list(&partition_expr) || is_list(&sort_expr) {
        if is_template(&partition_expr) || is_template(&sort_expr) {
            cx.error(
                name.span.clone(),
                format!(
                    "index `{}`: give templates on both sides (`pk = \"A#{{a}}\"`) or field \
                     lists on both sides (`pk = [a, b]`), not one of each",
                    name.value
                ),
            );
            return None;
        }
        EntityIndexKeys::Fields {
            partition: partition_expr.as_ref().map(|e| field_list(e, cx)).unwrap_or_default(),
            sort: sort_expr.as_ref().map(|e| field_list(e, cx)).unwrap_or_default(),
        }
    } else {
        EntityIndexKeys::Templates {
            partition: partition_expr.as_ref().and_then(|e| template_expr(e, "pk", cx)),
            sort: sort_expr.as_ref().and_then(|e| template_expr(e, "sk", cx)),
        }
    };
    Some(EntityIndexModel { name, keys, partition_span, sort_span })
}

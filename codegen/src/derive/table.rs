//! `#[derive(Table)]`: `#[table(…)]` → [`TableModel`].

use syn::{Expr, Meta};

use crate::derive::meta::{self, Seen};
use crate::diagnostic::Diagnostics;
use crate::model::{
    default_crate_path, BillingModel, IndexKind, IndexModel, KeyAttributeModel, ProjectionModel,
    StreamView, TableModel, Throughput,
};
use crate::span::{SourceSpan, Spanned};

const TABLE_KEYS: &[&str] =
    &["name", "pk", "sk", "gsi", "lsi", "ttl", "stream", "billing", "entity_type", "crate"];
const GSI_KEYS: &[&str] = &["name", "pk", "sk", "projection", "read", "write"];
const LSI_KEYS: &[&str] = &["name", "pk", "sk", "projection"];

/// Reads the table model of a `#[derive(Table)]` input, recording every error in `cx`.
/// Returns `None` when the model is too broken to go on (a required key is missing).
pub fn parse_table(input: &syn::DeriveInput, cx: &mut Diagnostics) -> Option<TableModel> {
    if !input.generics.params.is_empty() {
        cx.error(
            SourceSpan::of(&input.generics),
            "#[derive(Table)] needs a type without generic parameters (a table is one named \
             DynamoDB table)",
        );
    }
    let mut seen = Seen::default();
    let mut name = None;
    let mut partition_key = None;
    let mut sort_key = None;
    let mut indexes = Vec::new();
    let mut ttl_attribute = None;
    let mut stream = None;
    let mut billing = BillingModel::OnDemand;
    let mut entity_type_attribute = None;
    let mut crate_path = None;

    let args = meta::attribute_args(&input.attrs, "table", cx);
    if args.is_empty() && !input.attrs.iter().any(|a| a.path().is_ident("table")) {
        cx.error(
            SourceSpan::of(&input.ident),
            "#[derive(Table)] needs a `#[table(name = \"...\", pk = \"...\")]` attribute",
        );
        return None;
    }
    for meta in &args {
        let key = meta::key_of(meta);
        let repeatable = key == "gsi" || key == "lsi";
        if TABLE_KEYS.contains(&key.as_str()) && !repeatable && !seen.first(meta, cx) {
            continue;
        }
        match key.as_str() {
            "name" => name = meta::string(meta, cx),
            "pk" => partition_key = single_key_attribute(meta, "the table's partition key", cx),
            "sk" => sort_key = single_key_attribute(meta, "the table's sort key", cx),
            "gsi" => indexes.extend(parse_index(meta, IndexKind::Global, cx)),
            "lsi" => indexes.extend(parse_index(meta, IndexKind::Local, cx)),
            "ttl" => ttl_attribute = meta::string(meta, cx),
            "stream" => stream = parse_stream(meta, cx),
            "billing" => billing = parse_billing(meta, cx).unwrap_or(billing),
            "entity_type" => entity_type_attribute = meta::string(meta, cx),
            "crate" => crate_path = meta::crate_path(meta, cx),
            _ => meta::unknown(meta, "table", TABLE_KEYS, cx),
        }
    }

    if name.is_none() {
        cx.error(SourceSpan::of(&input.ident), "missing `name = \"...\"`: the DynamoDB table name");
    }
    if partition_key.is_none() && !seen.contains("pk") {
        cx.error(
            SourceSpan::of(&input.ident),
            "missing `pk = \"...\"`: the partition key attribute",
        );
    }
    let partition_key = partition_key?;
    // An LSI always has the table's partition key: fill it in where none was written
    // (validation reports an LSI whose written `pk` differs).
    for index in &mut indexes {
        if index.kind == IndexKind::Local && index.partition_key.is_empty() {
            index.partition_key.push(partition_key.clone());
        }
    }
    Some(TableModel {
        rust_name: input.ident.clone(),
        name: name?,
        partition_key,
        sort_key,
        indexes,
        ttl_attribute,
        stream,
        billing,
        entity_type_attribute: entity_type_attribute
            .unwrap_or_else(|| Spanned::new("_type".to_owned(), SourceSpan::call_site())),
        crate_path: crate_path.unwrap_or_else(default_crate_path),
    })
}

fn single_key_attribute(
    meta: &Meta,
    what: &str,
    cx: &mut Diagnostics,
) -> Option<KeyAttributeModel> {
    let expr = meta::value(meta, "\"Name\"", cx)?;
    if let Expr::Array(array) = expr {
        cx.error(
            SourceSpan::of(array),
            format!(
                "{what} is one attribute: write `{} = \"Name\"` (multi-attribute keys are for GSIs)",
                meta::key_of(meta)
            ),
        );
        return None;
    }
    let spec = meta::string_expr(expr, &meta::key_of(meta), cx)?;
    key_attribute(&spec, cx)
}

fn key_attribute(spec: &Spanned<String>, cx: &mut Diagnostics) -> Option<KeyAttributeModel> {
    match KeyAttributeModel::parse(&spec.value, spec.span.clone()) {
        Ok(attribute) => Some(attribute),
        Err(message) => {
            cx.error(spec.span.clone(), message);
            None
        }
    }
}

/// `pk = "A"` or `pk = ["a", "b:N"]`.
fn key_attributes(meta: &Meta, cx: &mut Diagnostics) -> Vec<KeyAttributeModel> {
    let Some(expr) = meta::value(meta, "\"Name\"` or `[\"a\", \"b:N\"]", cx) else {
        return Vec::new();
    };
    let key = meta::key_of(meta);
    match expr {
        Expr::Array(array) => {
            if array.elems.is_empty() {
                cx.error(SourceSpan::of(array), format!("`{key}` needs at least one attribute"));
            }
            let mut attributes = Vec::new();
            for elem in &array.elems {
                if let Some(spec) = meta::string_expr(elem, &key, cx) {
                    attributes.extend(key_attribute(&spec, cx));
                }
            }
            attributes
        }
        other => meta::string_expr(other, &key, cx)
            .and_then(|spec| key_attribute(&spec, cx))
            .into_iter()
            .collect(),
    }
}

fn parse_index(meta: &Meta, kind: IndexKind, cx: &mut Diagnostics) -> Option<IndexModel> {
    let (what, known) = match kind {
        IndexKind::Global => ("gsi", GSI_KEYS),
        IndexKind::Local => ("lsi", LSI_KEYS),
    };
    let Meta::List(list) = meta else {
        cx.error(
            SourceSpan::of(meta),
            format!("expected `{what}(name = \"...\", pk = \"...\", ...)`"),
        );
        return None;
    };
    let span = SourceSpan::of(meta);
    let mut seen = Seen::default();
    let mut name = None;
    let mut partition_key = Vec::new();
    let mut sort_key = Vec::new();
    let mut projection = ProjectionModel::All;
    let mut read = None;
    let mut write = None;
    for item in meta::nested(list, cx) {
        let key = meta::key_of(&item);
        if known.contains(&key.as_str()) && !seen.first(&item, cx) {
            continue;
        }
        match key.as_str() {
            "name" => name = meta::string(&item, cx),
            "pk" => partition_key = key_attributes(&item, cx),
            "sk" => sort_key = key_attributes(&item, cx),
            "projection" => projection = parse_projection(&item, cx).unwrap_or(projection),
            "read" | "write" if kind == IndexKind::Local => cx.error(
                SourceSpan::of(item.path()),
                format!(
                    "`{key}` is not allowed on an LSI: a local index uses the table's \
                     throughput"
                ),
            ),
            "read" => {
                read = meta::value(&item, "5", cx).and_then(|e| meta::u64_expr(e, "read", cx))
            }
            "write" => {
                write = meta::value(&item, "5", cx).and_then(|e| meta::u64_expr(e, "write", cx))
            }
            _ => meta::unknown(&item, what, known, cx),
        }
    }
    let Some(name) = name else {
        cx.error(span, format!("`{what}(...)` needs `name = \"...\"`"));
        return None;
    };
    if kind == IndexKind::Global && partition_key.is_empty() && !seen.contains("pk") {
        cx.error(
            span.clone(),
            format!("GSI `{}` needs `pk = \"...\"` (its partition key)", name.value),
        );
    }
    if kind == IndexKind::Local && sort_key.is_empty() && !seen.contains("sk") {
        cx.error(
            span.clone(),
            format!("LSI `{}` needs `sk = \"...\"` (its own sort key attribute)", name.value),
        );
    }
    let throughput = match (read, write) {
        (Some(read), Some(write)) => Some(Throughput { read, write }),
        (None, None) => None,
        _ => {
            cx.error(span.clone(), format!("GSI `{}` needs both `read` and `write`", name.value));
            None
        }
    };
    Some(IndexModel { name, kind, partition_key, sort_key, projection, throughput, span })
}

fn parse_projection(meta: &Meta, cx: &mut Diagnostics) -> Option<ProjectionModel> {
    const EXPECTED: &str = "`all`, `keys_only` or `include(\"attribute\", ...)`";
    let expr = meta::value(meta, "all", cx)?;
    if let Expr::Call(call) = expr {
        let is_include = matches!(&*call.func, Expr::Path(p) if p.path.is_ident("include"));
        if is_include {
            let attributes: Vec<_> =
                call.args.iter().filter_map(|arg| meta::string_expr(arg, "include", cx)).collect();
            if call.args.is_empty() {
                cx.error(SourceSpan::of(call), "`include(...)` needs at least one attribute name");
            }
            return Some(ProjectionModel::Include(attributes));
        }
    }
    match meta::word_expr(expr) {
        Some(word) if word.value == "all" => Some(ProjectionModel::All),
        Some(word) if word.value == "keys_only" => Some(ProjectionModel::KeysOnly),
        _ => {
            cx.error(SourceSpan::of(expr), format!("unknown projection: expected {EXPECTED}"));
            None
        }
    }
}

fn parse_stream(meta: &Meta, cx: &mut Diagnostics) -> Option<StreamView> {
    let expr = meta::value(meta, "new_and_old_images", cx)?;
    match meta::word_expr(expr).and_then(|word| StreamView::parse(&word.value)) {
        Some(view) => Some(view),
        None => {
            cx.error(
                SourceSpan::of(expr),
                "unknown stream view: expected `keys_only`, `new_image`, `old_image` or \
                 `new_and_old_images`",
            );
            None
        }
    }
}

fn parse_billing(meta: &Meta, cx: &mut Diagnostics) -> Option<BillingModel> {
    const EXPECTED: &str = "`on_demand` or `provisioned(read = 5, write = 5)`";
    let expr = meta::value(meta, "on_demand", cx)?;
    if let Expr::Call(call) = expr {
        if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("provisioned")) {
            let (mut read, mut write) = (None, None);
            for arg in &call.args {
                let assigned = match arg {
                    Expr::Assign(assign) => {
                        meta::word_expr(&assign.left).map(|key| (key.value, &*assign.right))
                    }
                    _ => None,
                };
                match assigned {
                    Some((key, value)) if key == "read" => read = meta::u64_expr(value, "read", cx),
                    Some((key, value)) if key == "write" => {
                        write = meta::u64_expr(value, "write", cx)
                    }
                    _ => cx.error(
                        SourceSpan::of(arg),
                        format!("unknown billing argument: expected {EXPECTED}"),
                    ),
                }
            }
            return match (read, write) {
                (Some(read), Some(write)) => {
                    Some(BillingModel::Provisioned(Throughput { read, write }))
                }
                _ => {
                    cx.error(
                        SourceSpan::of(call),
                        "`provisioned(...)` needs both `read = …` and `write = …`",
                    );
                    None
                }
            };
        }
    }
    match meta::word_expr(expr) {
        Some(word) if word.value == "on_demand" => Some(BillingModel::OnDemand),
        _ => {
            cx.error(SourceSpan::of(expr), format!("unknown billing mode: expected {EXPECTED}"));
            None
        }
    }
}

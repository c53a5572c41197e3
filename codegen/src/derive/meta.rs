//! Reading `#[table(…)]`, `#[entity(…)]` and `#[attribute(…)]` arguments as `syn::Meta`
//! lists, recording every mistake in [`Diagnostics`] and going on.

use std::collections::HashSet;

use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, Meta, Token};

use crate::diagnostic::Diagnostics;
use crate::span::{SourceSpan, Spanned};

/// The arguments of every `#[name(…)]` attribute in `attrs`, in order.
pub(crate) fn attribute_args(
    attrs: &[syn::Attribute],
    name: &str,
    cx: &mut Diagnostics,
) -> Vec<Meta> {
    let mut args = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(name)) {
        match &attr.meta {
            Meta::List(list) => {
                args.extend(nested(list, cx));
            }
            other => cx.error(
                SourceSpan::of(other),
                format!("expected `#[{name}(...)]` with arguments in parentheses"),
            ),
        }
    }
    args
}

/// The comma-separated items inside `list(…)`.
pub(crate) fn nested(list: &syn::MetaList, cx: &mut Diagnostics) -> Vec<Meta> {
    match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
        Ok(items) => items.into_iter().collect(),
        Err(error) => {
            cx.syn_error(error);
            Vec::new()
        }
    }
}

/// The name of an argument: `pk` in `pk = "…"`, `gsi` in `gsi(…)`.
pub(crate) fn key_of(meta: &Meta) -> String {
    let path = meta.path();
    match path.get_ident() {
        Some(ident) => ident.to_string(),
        None => path.to_token_stream().to_string().replace(' ', ""),
    }
}

/// Tracks which keys an attribute has seen, to report a repeated one.
#[derive(Default)]
pub(crate) struct Seen(HashSet<String>);

impl Seen {
    /// True when `key` was seen.
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.0.contains(key)
    }

    /// False (and an error) when `meta`'s key was seen before.
    pub(crate) fn first(&mut self, meta: &Meta, cx: &mut Diagnostics) -> bool {
        let key = key_of(meta);
        if self.0.insert(key.clone()) {
            true
        } else {
            cx.error(SourceSpan::of(meta.path()), format!("duplicate `{key}`"));
            false
        }
    }
}

/// The value expression of `key = value`, or an error saying what form was expected.
pub(crate) fn value<'a>(meta: &'a Meta, expected: &str, cx: &mut Diagnostics) -> Option<&'a Expr> {
    match meta {
        Meta::NameValue(name_value) => Some(&name_value.value),
        _ => {
            cx.error(SourceSpan::of(meta), format!("expected `{} = {expected}`", key_of(meta)));
            None
        }
    }
}

/// The string of `key = "…"`.
pub(crate) fn string(meta: &Meta, cx: &mut Diagnostics) -> Option<Spanned<String>> {
    let expr = value(meta, "\"...\"", cx)?;
    string_expr(expr, &key_of(meta), cx)
}

/// A string literal expression.
pub(crate) fn string_expr(expr: &Expr, key: &str, cx: &mut Diagnostics) -> Option<Spanned<String>> {
    match expr {
        Expr::Lit(syn::ExprLit { lit: Lit::Str(lit), .. }) => {
            Some(Spanned::new(lit.value(), lit.span()))
        }
        other => {
            cx.error(
                SourceSpan::of(other),
                format!("expected a string literal: `{key} = \"...\"`"),
            );
            None
        }
    }
}

/// A non-negative integer literal expression.
pub(crate) fn u64_expr(expr: &Expr, key: &str, cx: &mut Diagnostics) -> Option<u64> {
    match expr {
        Expr::Lit(syn::ExprLit { lit: Lit::Int(lit), .. }) => match lit.base10_parse::<u64>() {
            Ok(value) => Some(value),
            Err(error) => {
                cx.syn_error(error);
                None
            }
        },
        other => {
            cx.error(SourceSpan::of(other), format!("expected a whole number: `{key} = 5`"));
            None
        }
    }
}

/// A bare identifier expression (`keys_only`, `on_demand`), or a string literal.
pub(crate) fn word_expr(expr: &Expr) -> Option<Spanned<String>> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => {
            path.path.get_ident().map(|ident| Spanned::new(ident.to_string(), ident.span()))
        }
        Expr::Lit(syn::ExprLit { lit: Lit::Str(lit), .. }) => {
            Some(Spanned::new(lit.value(), lit.span()))
        }
        _ => None,
    }
}

/// A flag without a value (`skip`, `version`).
pub(crate) fn flag(meta: &Meta, cx: &mut Diagnostics) -> Option<SourceSpan> {
    match meta {
        Meta::Path(path) => Some(SourceSpan::of(path)),
        other => {
            cx.error(
                SourceSpan::of(other),
                format!("`{}` takes no value: write `{}` alone", key_of(other), key_of(other)),
            );
            None
        }
    }
}

/// Reports an unknown key, listing the known ones.
pub(crate) fn unknown(meta: &Meta, context: &str, known: &[&str], cx: &mut Diagnostics) {
    cx.error(
        SourceSpan::of(meta.path()),
        format!(
            "unknown {context} option `{}`; expected one of: {}",
            key_of(meta),
            known.join(", ")
        ),
    );
}

/// The `crate = "…"` path.
pub(crate) fn crate_path(meta: &Meta, cx: &mut Diagnostics) -> Option<syn::Path> {
    let value = string(meta, cx)?;
    match syn::parse_str::<syn::Path>(&value.value) {
        Ok(path) => Some(path),
        Err(_) => {
            cx.error(value.span, format!("`{}` is not a path", value.value));
            None
        }
    }
}

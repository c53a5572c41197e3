//! What both importers make from names: positioned names, Rust identifiers and field
//! names from attribute names, unique names, fields, optional types and key templates.

use crate::model::{FieldMarkers, FieldModel, KeyTemplate, TypeClass};
use crate::schema::read::is_keyword;
use crate::span::Spanned;

use super::Cx;

pub(super) fn spanned(text: &str, cx: &Cx) -> Spanned<String> {
    Spanned::new(text.to_owned(), cx.span())
}

pub(super) fn ident(name: &str) -> Option<syn::Ident> {
    syn::parse_str::<syn::Ident>(name).ok()
}

/// An attribute name → a Rust field name (`GSI1-PK` → `gsi1_pk`, `type` → `type_`).
pub(super) fn field_name(attribute: &str) -> String {
    use heck::ToSnakeCase;
    let cleaned: String =
        attribute.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    let mut name = cleaned.to_snake_case();
    if name.is_empty() {
        name = "field".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "f_");
    }
    if is_keyword(&name) || name == "schema" || name.starts_with("__st") || ident(&name).is_none() {
        name.push('_');
    }
    name
}

pub(super) fn unique(name: String, taken: &[String]) -> String {
    if !taken.contains(&name) {
        return name;
    }
    (2..).map(|n| format!("{name}_{n}")).find(|n| !taken.contains(n)).unwrap_or(name)
}

pub(super) fn field(name: &str, attribute: &str, ty: syn::Type, cx: &Cx) -> Option<FieldModel> {
    Some(FieldModel {
        ident: ident(name)?,
        class: TypeClass::of(&ty),
        ty,
        attribute: spanned(attribute, cx),
        skip: None,
        default: None,
        serde: None,
        markers: FieldMarkers::default(),
        validate: None,
        computed: None,
        span: cx.span(),
    })
}

pub(super) fn optional(ty: syn::Type) -> syn::Type {
    syn::parse_quote!(::core::option::Option<#ty>)
}

pub(super) fn template(source: &str, cx: &mut Cx) -> Option<KeyTemplate> {
    match KeyTemplate::parse(spanned(source, cx)) {
        Ok(t) => Some(t),
        Err(error) => {
            cx.error(format!("inferred key template `{source}`: {error}"));
            None
        }
    }
}

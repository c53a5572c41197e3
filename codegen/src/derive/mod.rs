//! The derive front end: `syn` input → the model → validation → the emitter.
//!
//! Each derive has an `*_inner` function returning `syn::Result<TokenStream>` (diesel's
//! shape), so tests call it as plain code, and a `*_fallback` giving the minimal impl
//! that goes next to the `compile_error!` when the input is wrong: the user then sees the
//! one real mistake instead of every error that follows from a missing impl. Every
//! mistake in an input is reported at once, each at its token.
//!
//! # Grammar
//!
//! ```text
//! #[table(
//!     name = "App",                       // required; 3–255 of [a-zA-Z0-9_.-]
//!     pk = "PK",                          // required; "Name" or "Name:S|N|B" (S by default)
//!     sk = "SK",
//!     gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),        // synthetic keys
//!     gsi(name = "ByTenant", pk = ["tenant_id", "region"], sk = ["score:N", "created_at"],
//!         projection = keys_only),        // native multi-attribute key: 1–4 + 0–4
//!     gsi(name = "GSI2", pk = "GSI2PK", read = 5, write = 5),  // provisioned tables
//!     lsi(name = "LSI1", sk = "LSI1SK", projection = include("name")),
//!     ttl = "expires_at",
//!     stream = new_and_old_images,        // keys_only | new_image | old_image | new_and_old_images
//!     billing = on_demand,                // or provisioned(read = 5, write = 5)
//!     entity_type = "_type",              // the default
//!     crate = "::singletable",            // the default
//! )]
//!
//! #[entity(
//!     table = App,                        // required: a type deriving Table
//!     pk = "USER#{user_id}",              // required: literals and {field} placeholders
//!     sk = "PROFILE",                     // exactly when the table has a sort key
//!     name = "User",                      // entity-type value; the struct name by default
//!     index(GSI1, pk = "EMAIL#{email}", sk = "USER"),          // templates
//!     index(ByTenant, pk = [tenant_id, region], sk = [score]), // native: fields in key order
//!     index(LSI1, sk = "NAME#{name}"),    // an LSI takes no pk
//!     index(name = "my-index", pk = "…"), // for index names that are not identifiers
//!     crate = "::singletable",
//! )]
//! // fields: #[entity(rename = "attr", skip, default, default = "path::to::fn", serde,
//! //                  version, created_at, updated_at, ttl, unique)]
//!
//! #[collection(
//!     table = App,                        // required: the members' table
//!     index = GSI1,                       // the shared partition of an index; the table's by default
//!     crate = "::singletable",
//! )]
//! // fields: `Option<Entity>` (at most one item) or `Vec<Entity>` (any number), one per member
//!
//! #[attribute(tag = "type", crate = "::singletable")]        // containers
//! // variants: #[attribute(rename = "value")]
//! // fields:   #[attribute(rename = "attr", skip, default, default = "path", serde)]
//! ```
//!
//! A placeholder must be followed by the end of the template or by a literal starting
//! with `#` (values are escaped so they never hold a `#`), so stored keys parse back into
//! fields. `Option` fields cannot be in templates; they can be native index keys, where an
//! item without the value is left out of the index (a sparse index).

mod attribute;
mod changes;
mod collection;
mod entity;
mod field;
mod meta;
mod table;

use proc_macro2::TokenStream;

pub use attribute::parse_attribute;
pub use changes::parse_changes;
pub use collection::parse_collection;
pub use entity::parse_entity;
pub use table::parse_table;

use crate::diagnostic::Diagnostics;
use crate::{emit, validate};

/// `#[derive(Table)]`: the `Table` impl and `App::client`.
pub fn table_inner(input: syn::DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Diagnostics::new();
    let model = parse_table(&input, &mut cx);
    if let Some(model) = &model {
        validate::table(model, &mut cx);
    }
    cx.check()?;
    let model = model.ok_or_else(|| syn::Error::new_spanned(&input.ident, "invalid table"))?;
    Ok(emit::table(&model))
}

/// The impl emitted next to the errors of a `#[derive(Table)]`.
pub fn table_fallback(input: &syn::DeriveInput) -> TokenStream {
    let mut cx = Diagnostics::new();
    let krate = crate_path_of(input, "table", &mut cx);
    emit::table_fallback(&input.ident, &input.generics, &krate)
}

/// `#[derive(Entity)]`: the `Entity` impl, key builders and compile-time checks against
/// the table.
pub fn entity_inner(input: syn::DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Diagnostics::new();
    let model = parse_entity(&input, &mut cx);
    if let Some(model) = &model {
        validate::entity(model, &mut cx);
    }
    cx.check()?;
    let model = model.ok_or_else(|| syn::Error::new_spanned(&input.ident, "invalid entity"))?;
    Ok(emit::entity(&model))
}

/// The impl emitted next to the errors of a `#[derive(Entity)]`.
pub fn entity_fallback(input: &syn::DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let mut cx = Diagnostics::new();
    let krate = crate_path_of(input, "entity", &mut cx);
    let table = meta::attribute_args(&input.attrs, "entity", &mut cx)
        .iter()
        .find(|m| m.path().is_ident("table"))
        .and_then(|m| entity::parse_table_path(m, &mut cx));
    emit::entity_fallback(&input.ident, table.as_ref(), &krate)
}

/// `#[derive(Attribute)]`: `Attribute` (and, for unit enums and newtypes, `KeyComponent`
/// and `ScalarAttribute`).
pub fn attribute_inner(input: syn::DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Diagnostics::new();
    let model = parse_attribute(&input, &mut cx);
    if let Some(model) = &model {
        validate::attribute(model, &mut cx);
    }
    cx.check()?;
    let model =
        model.ok_or_else(|| syn::Error::new_spanned(&input.ident, "invalid attribute type"))?;
    Ok(emit::attribute(&model))
}

/// The impls emitted next to the errors of a `#[derive(Attribute)]`.
pub fn attribute_fallback(input: &syn::DeriveInput) -> TokenStream {
    let mut cx = Diagnostics::new();
    let krate = crate_path_of(input, "attribute", &mut cx);
    let scalar = match &input.data {
        syn::Data::Enum(data) => {
            let has_tag = meta::attribute_args(&input.attrs, "attribute", &mut cx)
                .iter()
                .any(|m| m.path().is_ident("tag"));
            !has_tag && data.variants.iter().all(|v| matches!(v.fields, syn::Fields::Unit))
        }
        syn::Data::Struct(data) => {
            matches!(&data.fields, syn::Fields::Unnamed(f) if f.unnamed.len() == 1)
        }
        syn::Data::Union(_) => false,
    };
    emit::attribute_fallback(&input.ident, &input.generics, &krate, scalar)
}

/// `#[derive(Collection)]`: `impl Collection`, `query()` and the checks that the members
/// share a partition.
pub fn collection_inner(input: syn::DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Diagnostics::new();
    let model = parse_collection(&input, &mut cx);
    cx.check()?;
    let model = model.ok_or_else(|| syn::Error::new_spanned(&input.ident, "invalid collection"))?;
    Ok(emit::collection(&model))
}

/// The impl emitted next to the errors of a `#[derive(Collection)]`.
pub fn collection_fallback(input: &syn::DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let mut cx = Diagnostics::new();
    let krate = crate_path_of(input, "collection", &mut cx);
    let table = meta::attribute_args(&input.attrs, "collection", &mut cx)
        .iter()
        .find(|m| m.path().is_ident("table"))
        .and_then(|m| entity::parse_table_path(m, &mut cx));
    emit::collection_fallback(&input.ident, table.as_ref(), &krate)
}

fn crate_path_of(input: &syn::DeriveInput, attr: &str, cx: &mut Diagnostics) -> syn::Path {
    meta::attribute_args(&input.attrs, attr, cx)
        .iter()
        .find(|m| m.path().is_ident("crate"))
        .and_then(|m| meta::crate_path(m, cx))
        .unwrap_or_else(crate::model::default_crate_path)
}

/// `#[derive(Changes)]`: `impl Changes` for a per-table enum of typed stream changes, and
/// the checks that each variant's entity belongs to the table.
pub fn changes_inner(input: syn::DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Diagnostics::new();
    let model = parse_changes(&input, &mut cx);
    cx.check()?;
    let model =
        model.ok_or_else(|| syn::Error::new_spanned(&input.ident, "invalid changes enum"))?;
    Ok(emit::changes(&model))
}

/// The impl emitted next to the errors of a `#[derive(Changes)]`.
pub fn changes_fallback(input: &syn::DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let mut cx = Diagnostics::new();
    let krate = crate_path_of(input, "changes", &mut cx);
    let table = meta::attribute_args(&input.attrs, "changes", &mut cx)
        .iter()
        .find(|m| m.path().is_ident("table"))
        .and_then(|m| entity::parse_table_path(m, &mut cx));
    emit::changes_fallback(&input.ident, table.as_ref(), &krate)
}

//! Derive macros of [singletable](https://docs.rs/singletable): `Table`, `Entity` and
//! `Attribute`. A thin shim: each parses its input and calls the matching
//! `singletable_codegen::derive::*_inner`; on errors it emits them together with a
//! minimal fallback impl, so the user sees the real mistake and nothing that follows from
//! a missing impl. Use them through the `singletable` facade.

use proc_macro::TokenStream;
use singletable_codegen::derive;
use syn::{parse_macro_input, DeriveInput};

/// Derives `singletable::Table` and `App::client(backend)` from `#[table(...)]`.
#[proc_macro_derive(Table, attributes(table))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let fallback = derive::table_fallback(&input);
    expand(derive::table_inner(input), fallback)
}

/// Derives `singletable::Entity`, `key(...)` and one `<index>_key(...)` per index from
/// `#[entity(...)]`.
#[proc_macro_derive(Entity, attributes(entity))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let fallback = derive::entity_fallback(&input);
    expand(derive::entity_inner(input), fallback)
}

/// Derives `singletable::Attribute` for a nested struct or enum (and `KeyComponent` +
/// `ScalarAttribute` for unit enums and newtypes).
#[proc_macro_derive(Attribute, attributes(attribute))]
pub fn derive_attribute(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let fallback = derive::attribute_fallback(&input);
    expand(derive::attribute_inner(input), fallback)
}

/// Derives `singletable::Collection` and `query()` for a struct of member entities
/// (`Option<User>`, `Vec<Order>`) that share a partition, from `#[collection(...)]`.
#[proc_macro_derive(Collection, attributes(collection))]
pub fn derive_collection(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let fallback = derive::collection_fallback(&input);
    expand(derive::collection_inner(input), fallback)
}

/// Derives `singletable::stream::Changes` for a per-table enum of typed stream changes
/// (`User(Change<User>)` variants, and optionally one `#[changes(unknown)]`
/// `Other(RawChange)` variant) from `#[changes(table = App)]`.
#[proc_macro_derive(Changes, attributes(changes))]
pub fn derive_changes(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let fallback = derive::changes_fallback(&input);
    expand(derive::changes_inner(input), fallback)
}

fn expand(
    result: syn::Result<proc_macro2::TokenStream>,
    fallback: proc_macro2::TokenStream,
) -> TokenStream {
    match result {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            let mut tokens = error.to_compile_error();
            tokens.extend(fallback);
            tokens.into()
        }
    }
}

//! The emitter: model → Rust tokens. Both front ends end here, so a schema file and the
//! equivalent annotated structs expand to the same code.
//!
//! Generated code names items only through the facade path (`::singletable::…`, or the
//! `crate = "…"` override) and calls shared functions of `__private` instead of carrying
//! its own copy of any logic, which keeps expansions short and compile times low.
//!
//! Rules that need an entity and its table together — which the derive sees in two
//! separate macro calls — are emitted as `assert!(…, "message")` checks over the table's
//! `const SCHEMA`, spanned at the user's token so the error points there: one `const`
//! block per entity (a `const` item per check costs noticeably more `cargo check` time),
//! one `const` per collection check.

mod attribute;
mod changes;
mod collection;
mod entity;
mod patterns;
mod table;

pub use attribute::{attribute, attribute_fallback};
pub use changes::{changes, changes_fallback};
pub use collection::{collection, collection_fallback};
pub use entity::{entity, entity_fallback};
pub use patterns::{access_patterns, pattern_call, PatternCall};
pub use table::{table, table_fallback};

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::model::{DefaultValue, FieldModel, KeyTemplate, TemplatePart};

/// `const _: () = assert!(cond, "message");` at `span`.
fn const_check(span: Span, condition: TokenStream, message: &str) -> TokenStream {
    // `assert!`'s message is a format string: templates' braces are literal text.
    let message = message.replace('{', "{{").replace('}', "}}");
    quote_spanned! {span=>
        const _: () = ::core::assert!(#condition, #message);
    }
}

/// A `KeyTemplateSchema` literal.
fn template_schema(st: &syn::Path, template: &KeyTemplate) -> TokenStream {
    let source = &template.source.value;
    let parts = template.parts.iter().map(|part| match part {
        TemplatePart::Literal(text) => quote!(#st::schema::TemplatePart::Literal(#text)),
        TemplatePart::Field(name) => quote!(#st::schema::TemplatePart::Field(#name)),
    });
    quote! {
        #st::schema::KeyTemplateSchema { source: #source, parts: &[#(#parts),*] }
    }
}

/// The expression building a field's `FieldCodec` (`field_codec::<T>()`, or its ttl/serde
/// variant), spanned at the field's type so a missing trait is reported there.
fn codec_constructor(private: &TokenStream, field: &FieldModel) -> TokenStream {
    let ty = &field.ty;
    let constructor = if field.markers.ttl.is_some() {
        quote!(ttl_field_codec)
    } else if field.serde.is_some() {
        quote!(serde_field_codec)
    } else {
        quote!(field_codec)
    };
    quote_spanned!(span_of(ty)=> #private::#constructor::<#ty>())
}

/// `const <name>: FieldCodec<T> = …;`: one per stored field of a non-generic type, so
/// each field type's trait bound is checked (and reported) once.
fn codec_const(st: &syn::Path, field: &FieldModel, name: &syn::Ident) -> TokenStream {
    let ty = &field.ty;
    let constructor = codec_constructor(&quote!(#st::__private), field);
    quote_spanned! {span_of(ty)=>
        const #name: #st::__private::FieldCodec<#ty> = #constructor;
    }
}

/// The statement storing a field in `map` through `codec` (an expression of type
/// `FieldCodec<T>`); `value` is an expression of type `&T`.
fn encode_field(
    map: &syn::Ident,
    field: &FieldModel,
    codec: &TokenStream,
    value: TokenStream,
) -> TokenStream {
    let attribute = &field.attribute.value;
    quote!((#codec.encode)(&mut #map, #attribute, #value)?;)
}

/// `result?`: the early return of generated code that only runs, not compiled per entity.
fn question(result: TokenStream) -> TokenStream {
    quote!(#result?)
}

/// `result?` without the `?`: a `match` returning the error unchanged. rustc checks it
/// several times faster than `?` (no `Try`/`FromResidual`/`From` resolution), which
/// matters in code generated once per field of every entity.
/// Entity code only: it names the runtime's short paths (`__st::Ok`).
fn early_return(result: TokenStream) -> TokenStream {
    quote! {
        match #result {
            __st::Ok(__st_value) => __st_value,
            __st::Err(__st_error) => return __st::Err(__st_error),
        }
    }
}

/// [`early_return`] converting the error into the function's (`From`).
fn early_return_into(result: TokenStream) -> TokenStream {
    quote! {
        match #result {
            __st::Ok(__st_value) => __st_value,
            __st::Err(__st_error) => return __st::Err(__st::From::from(__st_error)),
        }
    }
}

/// The expression decoding a field from `map` through `codec` (or its default, for a
/// skipped field); `tried` turns the fallible call into a value (`question` or
/// `early_return`).
fn decode_field(
    map: &syn::Ident,
    field: &FieldModel,
    codec: &TokenStream,
    tried: fn(TokenStream) -> TokenStream,
) -> TokenStream {
    let attribute = &field.attribute.value;
    let ty = &field.ty;
    let default = match &field.default {
        Some(DefaultValue::Function(path)) => quote!(#path),
        _ => quote_spanned!(span_of(ty)=> <#ty as ::core::default::Default>::default),
    };
    if field.skip.is_some() {
        quote!(#default())
    } else if field.default.is_some() {
        tried(quote!((#codec.decode_or)(&mut #map, #attribute, #default)))
    } else {
        tried(quote!((#codec.decode)(&mut #map, #attribute)))
    }
}

/// The span of the first token of `tokens`.
fn span_of(tokens: &dyn quote::ToTokens) -> Span {
    crate::span::SourceSpan::of(tokens).span()
}

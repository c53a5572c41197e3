//! `impl Changes` for a per-table enum of typed stream changes.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::emit::span_of;
use crate::model::ChangesModel;

/// Everything `#[derive(Changes)]` generates for a valid model: compile-time checks that
/// each variant's entity belongs to the table, and `Changes::from_raw`, which tries the
/// variants in order (see `singletable::stream`'s dispatch rules).
pub fn changes(model: &ChangesModel) -> TokenStream {
    let st = &model.crate_path;
    let ident = &model.rust_name;
    let table = &model.table;
    let name = ident.to_string();
    let private = quote!(#st::stream::__private);
    let mut checks = TokenStream::new();
    let mut arms = TokenStream::new();
    for (i, variant) in model.variants.iter().enumerate() {
        let entity = &variant.entity;
        let c = format_ident!("__ST_V{}", i);
        let span = span_of(entity);
        checks.extend(quote_spanned! {span=>
            const #c: #private::Variant<#entity> = #private::variant::<#entity, #table>();
        });
        let v = &variant.variant;
        arms.extend(quote! {
            ::core::option::Option::Some(#i) => {
                return #private::decode_as::<#entity>(&__st_raw).map(Self::#v);
            }
        });
    }
    let entities = model.variants.iter().map(|variant| &variant.entity);
    let fallthrough = match &model.unknown {
        Some(v) => quote!(::core::result::Result::Ok(Self::#v(__st_raw))),
        None => quote!(::core::result::Result::Err(#private::unknown::<#table>(__st_raw, #name))),
    };
    let table_span = span_of(table);
    let table_ty = quote_spanned!(table_span=> #table);
    quote! {
        #[allow(non_upper_case_globals)]
        const _: () = {
            #checks

            #[automatically_derived]
            impl #st::stream::Changes for #ident {
                type Table = #table_ty;

                fn from_raw(
                    __st_raw: #st::stream::RawChange,
                ) -> ::core::result::Result<Self, #st::stream::StreamError> {
                    let __st_candidates = [#(<#entities as #st::Entity>::SCHEMA),*];
                    match #private::pick::<#table>(&__st_raw, &__st_candidates, #name)? {
                        #arms
                        _ => {}
                    }
                    #fallthrough
                }
            }
        };
    }
}

/// The impl emitted next to the errors of a `#[derive(Changes)]`.
pub fn changes_fallback(
    ident: &syn::Ident,
    table: Option<&syn::Path>,
    st: &syn::Path,
) -> TokenStream {
    let table = match table {
        Some(path) => quote!(#path),
        None => quote!(#st::__private::NoTable),
    };
    let message = format!("#[derive(Changes)] on `{ident}` failed to compile");
    quote_spanned! {Span::call_site()=>
        #[automatically_derived]
        impl #st::stream::Changes for #ident {
            type Table = #table;
            fn from_raw(
                _: #st::stream::RawChange,
            ) -> ::core::result::Result<Self, #st::stream::StreamError> {
                ::core::panic!(#message)
            }
        }
    }
}

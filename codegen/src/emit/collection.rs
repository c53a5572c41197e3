//! `impl Collection`, `query()` and the compile-time checks that the members share a
//! partition.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::emit::{const_check, span_of};
use crate::model::CollectionModel;

/// Everything `#[derive(Collection)]` generates for a valid model.
pub fn collection(model: &CollectionModel) -> TokenStream {
    let st = &model.crate_path;
    let ident = &model.rust_name;
    let table = &model.table;
    let name = ident.to_string();
    let index = model.index.as_ref().map(|i| i.value.clone()).unwrap_or_default();
    let check = quote!(#st::__private::collection);
    let mut consts = TokenStream::new();
    let mut checks = TokenStream::new();
    let mut types = Vec::new();
    let mut empty = Vec::new();
    let mut pushes = Vec::new();
    let first_name = model
        .members
        .first()
        .map(|m| quote::ToTokens::to_token_stream(&m.entity).to_string().replace(' ', ""))
        .unwrap_or_default();
    let mut schemas: Vec<TokenStream> = Vec::new();
    for (i, member) in model.members.iter().enumerate() {
        let entity = &member.entity;
        let c = format_ident!("__ST_M{}", i);
        let span = span_of(entity);
        // The member and its shard count come from one const: a member that is not an
        // entity is then reported once, not once per use of `Entity`.
        consts.extend(quote_spanned! {span=>
            const #c: (#check::Member<#entity>, u32) =
                (#check::member::<#entity, #table>(), <#entity as #st::Entity>::SHARDS);
        });
        let member_name = quote::ToTokens::to_token_stream(entity).to_string().replace(' ', "");
        if !index.is_empty() {
            checks.extend(const_check(
                span,
                quote!(#check::in_index(&#c.0.schema, #index)),
                &format!(
                    "collection `{name}`: member `{member_name}` is not in index `{index}`; list \
                     it in the entity's `index({index}, ...)`, or remove it from the collection"
                ),
            ));
        }
        if index.is_empty() {
            checks.extend(const_check(
                span,
                quote!(#c.1 <= 1),
                &sharded_member_message(&name, &member_name),
            ));
        }
        if i > 0 {
            checks.extend(const_check(
                span,
                quote!(!#check::in_index(&__ST_M0.0.schema, #index) || !#check::in_index(&#c.0.schema, #index)
                    || #check::same_partition(&__ST_M0.0.schema, &#c.0.schema, #index)),
                &format!(
                    "collection `{name}`: member `{member_name}` does not share the partition key \
                     of `{first_name}`{}: members of a collection are read by one query, so their \
                     partition-key templates must be the same",
                    if index.is_empty() { String::new() } else { format!(" in index `{index}`") }
                ),
            ));
        }
        if i > 0 {
            // Same template text but other field types: the query (built from the first
            // member's types) would render keys this member's items do not have.
            let first = &model.members[0].entity;
            let hash = crate::emit::entity::name_hash(&index);
            let compared = quote! {
                { #check::in_index(&__ST_M0.0.schema, #index) && #check::in_index(&#c.0.schema, #index)
                    && #check::same_partition(&__ST_M0.0.schema, &#c.0.schema, #index) }
            };
            checks.extend(quote_spanned! {span=>
                const _: () = #check::same_types::<
                    <#first as #check::MemberTypes<#compared, #hash>>::Types,
                    <#entity as #check::MemberTypes<#compared, #hash>>::Types,
                >();
            });
        }
        types.push(quote!(#c.0.schema.entity_type));
        schemas.push(quote!(#c.0.schema));
        let field = &member.field;
        empty.push(quote!(#field: ::core::default::Default::default()));
        let store = if member.many {
            quote!(self.#field.push((#c.0.decode)(__st_item)?))
        } else {
            quote!(self.#field = ::core::option::Option::Some((#c.0.decode)(__st_item)?))
        };
        pushes.push(quote! {
            if __st_type == #c.0.schema.entity_type {
                #store;
                return ::core::result::Result::Ok(());
            }
        });
    }
    let starter = model.members.first().map(|first| {
        let index = model.index.as_ref().map(|i| i.value.as_str());
        let entity = &first.entity;
        let start = crate::emit::entity::pattern_starter(index);
        let mut path = first.entity.clone();
        if let Some(last) = path.segments.last_mut() {
            last.ident = crate::emit::entity::pattern_type(&last.ident, index);
            last.arguments = syn::PathArguments::None;
        }
        let doc = format!(
            " Starts a query of the `{name}` collection: give the shared partition-key fields, \
             then `send` (one page) or `all`."
        );
        quote! {
            impl #ident {
                #[doc = #doc]
                pub fn query() -> #path<0, 0, #ident> {
                    #path(#entity::#start().0, ::core::marker::PhantomData)
                }
            }
        }
    });
    let table_span = span_of(table);
    let table_ty = quote_spanned!(table_span=> #table);
    quote! {
        #[allow(non_upper_case_globals)]
        const _: () = {
            #consts
            #checks

            #[automatically_derived]
            impl #st::Collection for #ident {
                type Table = #table_ty;
                const ENTITY_TYPES: &'static [&'static str] = &[#(#types),*];
                const MEMBERS: &'static [#st::schema::EntitySchema] = &[#(#schemas),*];

                fn empty() -> Self {
                    Self { #(#empty),* }
                }

                fn push(
                    &mut self,
                    __st_type: &str,
                    __st_item: #st::Item,
                ) -> ::core::result::Result<(), #st::DecodeError> {
                    #(#pushes)*
                    let _ = __st_item;
                    ::core::result::Result::Ok(())
                }
            }

            #starter
        };
    }
}

/// The error of a sharded entity (`shards = N`) in a collection of the table's partition:
/// its items live in `N` physical partitions (`<pk>#S0`..), which one query of the
/// logical partition cannot read, so the collection would silently miss them.
fn sharded_member_message(collection: &str, member: &str) -> String {
    format!(
        "collection `{collection}`: member `{member}` is sharded (`shards = N`): one query of \
         the table's partition misses its shards; use `{member}::query()` (it fans out) or a \
         collection on a GSI"
    )
}

/// The impl emitted next to the errors of a `#[derive(Collection)]`.
pub fn collection_fallback(
    ident: &syn::Ident,
    table: Option<&syn::Path>,
    st: &syn::Path,
) -> TokenStream {
    let table = match table {
        Some(path) => quote!(#path),
        None => quote!(#st::__private::NoTable),
    };
    let message = format!("#[derive(Collection)] on `{ident}` failed to compile");
    quote_spanned! {Span::call_site()=>
        #[automatically_derived]
        impl #st::Collection for #ident {
            type Table = #table;
            const ENTITY_TYPES: &'static [&'static str] = &[];
            fn empty() -> Self {
                ::core::panic!(#message)
            }
            fn push(&mut self, _: &str, _: #st::Item) -> ::core::result::Result<(), #st::DecodeError> {
                ::core::panic!(#message)
            }
        }
    }
}

//! Typed attribute consts (`User::EMAIL`) and the update side of index-key consistency:
//! the functions that rewrite index keys when `set` changes a field, and the
//! `<index>_composite(..)` constructors.

use heck::{ToShoutySnakeCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::Emitter;
use crate::emit::span_of;
use crate::model::{option_inner, FieldModel, UpdateMarker};

/// The name of a field's attribute const: `user_id` → `USER_ID`.
pub(super) fn const_name(field: &FieldModel) -> syn::Ident {
    format_ident!("{}", field.name().to_shouty_snake_case())
}

/// The `Attr` const of one field of a nested struct (`#[derive(Attribute)]`).
pub(crate) fn nested_attr_const(
    st: &syn::Path,
    owner: TokenStream,
    field: &FieldModel,
) -> TokenStream {
    let name = const_name(field);
    let attribute = &field.attribute.value;
    let ty = option_inner(&field.ty).unwrap_or(&field.ty);
    let optional = option_inner(&field.ty).is_some()
        || field.default.is_some()
        || crate::model::is_set_type(&field.ty);
    let marker = if optional { quote!(Optional) } else { quote!(Value) };
    let doc = format!(" The typed path of field `{}` (attribute `{attribute}`).", field.name());
    quote_spanned! {span_of(&field.ident)=>
        #[doc = #doc]
        pub const #name: #st::Attr<#owner, #ty, #st::attr::marker::#marker> = #st::Attr::new(#attribute);
    }
}

impl Emitter<'_> {
    fn reindex_ident(&self, field: &FieldModel) -> syn::Ident {
        format_ident!("__st_reindex{}", self.position(field))
    }

    /// `let (a, b,) = decode_key(key)?;` when any of `indexes`' writers needs a primary
    /// key field.
    fn decode_key_fields(&self, indexes: &[usize]) -> TokenStream {
        let keys = self.model.key_fields();
        let needed = indexes
            .iter()
            .any(|&i| self.model.indexes[i].key_fields().iter().any(|f| keys.contains(f)));
        if !needed {
            return TokenStream::new();
        }
        let idents = self.primary_params().into_iter().map(|p| p.ident().clone());
        quote! {
            #[allow(unused_variables)]
            let (#(#idents,)*) = <Self as __st::Entity>::decode_key(__st_key)?;
        }
    }

    /// Calls of the index writers of `indexes`, with every field in scope by name.
    fn write_indexes(&self, indexes: &[usize]) -> TokenStream {
        let mut out = TokenStream::new();
        for &i in indexes {
            let writer = format_ident!("__st_index{}", i);
            let args = self.index_params(&self.model.indexes[i]).into_iter().map(|p| {
                let ident = p.ident();
                quote!(&#ident)
            });
            out.extend(quote!(#writer(__st_out, #(#args),*)?;));
        }
        out
    }

    /// The functions rewriting index keys after `set` of an `Indexed` field (inside the
    /// `impl` of the entity, so they can name `Self`).
    pub(super) fn reindex_fns(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for field in self.model.fields.iter().filter(|f| f.is_stored()) {
            let UpdateMarker::Indexed(indexes) = self.model.update_marker(field) else { continue };
            let name = self.reindex_ident(field);
            let ident = &field.ident;
            let ty = &field.ty;
            let codec = self.codec(field);
            let decode_key = self.decode_key_fields(&indexes);
            let writes = self.write_indexes(&indexes);
            let field_name = field.name();
            out.extend(quote! {
                #[doc(hidden)]
                fn #name(
                    __st_value: &__st::AttributeValue,
                    __st_key: &__st::Item,
                    __st_out: &mut __st::Item,
                ) -> __st::Result<(), __st::Error> {
                    let #ident: #ty = (#codec.from_value)(__st::Clone::clone(__st_value))
                        .map_err(|e| e.at_field(#field_name))?;
                    #decode_key
                    #writes
                    __st::Result::Ok(())
                }
            });
        }
        out
    }

    /// One `Attr` const per stored field.
    pub(super) fn attr_consts(&self) -> TokenStream {
        let entity = &self.model.rust_name;
        let mut out = TokenStream::new();
        for field in self.model.fields.iter().filter(|f| f.is_stored()) {
            let name = const_name(field);
            let attribute = &field.attribute.value;
            // A TTL field is stored as epoch seconds.
            let ty = if field.markers.ttl.is_some() {
                quote!(i64)
            } else {
                let ty = option_inner(&field.ty).unwrap_or(&field.ty);
                quote!(#ty)
            };
            let marker = self.model.update_marker(field);
            let (marker_ty, value) = match &marker {
                UpdateMarker::KeyField => (quote!(KeyField), quote!(__st::Attr::new(#attribute))),
                UpdateMarker::Composite => (quote!(Composite), quote!(__st::Attr::new(#attribute))),
                UpdateMarker::Indexed(_) => {
                    let reindex = self.reindex_ident(field);
                    (quote!(Indexed), quote!(__st::Attr::indexed(#attribute, Self::#reindex)))
                }
                UpdateMarker::Optional => (quote!(Optional), quote!(__st::Attr::new(#attribute))),
                UpdateMarker::Value => (quote!(Value), quote!(__st::Attr::new(#attribute))),
            };
            let role = match &marker {
                UpdateMarker::KeyField => " Part of the primary key: not updatable.",
                UpdateMarker::Composite => {
                    " Shares an index key template with other fields: update it with the \
                     `<index>_composite(..)` function."
                }
                UpdateMarker::Indexed(_) => " `set` also rewrites the index keys it feeds.",
                UpdateMarker::Optional => " Optional: can be removed.",
                UpdateMarker::Value => "",
            };
            let doc = format!(
                " The typed path of field `{}` (attribute `{attribute}`).{role}",
                field.name()
            );
            out.extend(quote_spanned! {span_of(&field.ident)=>
                #[doc = #doc]
                pub const #name: __st::Attr<#entity, #ty, __st::attr::marker::#marker_ty> = #value;
            });
        }
        out
    }

    /// `<index>_composite(..)` for every template index with several changing fields.
    pub(super) fn composite_fns(&self) -> TokenStream {
        let entity = &self.entity_name;
        let mut out = TokenStream::new();
        for (i, index) in self.indexes() {
            let Some(plan) = self.model.composite_plan(i) else { continue };
            let fn_name = format_ident!("{}_composite", index_fn_stem(&index.name.value));
            let params = self.params(&plan.fields, false);
            let args = params.iter().map(|p| {
                let ident = p.ident();
                let ty = p.ty;
                quote!(#ident: impl __st::Into<#ty>)
            });
            let conversions = params.iter().map(|p| {
                let ident = p.ident();
                let ty = p.ty;
                quote!(let #ident: #ty = __st::Into::into(#ident);)
            });
            let encodes = params.iter().map(|p| {
                let ident = p.ident();
                let codec = self.codec(p.field);
                let attribute = &p.field.attribute.value;
                quote!((#codec.encode)(__st_out, #attribute, &#ident)?;)
            });
            let decode_key = self.decode_key_fields(&plan.indexes);
            let writes = self.write_indexes(&plan.indexes);
            let names: Vec<String> = plan.fields.iter().map(|f| format!("`{f}`")).collect();
            let index_names: Vec<String> = plan
                .indexes
                .iter()
                .map(|&j| format!("`{}`", self.model.indexes[j].name.value))
                .collect();
            let doc = format!(
                " Sets {} of a `{entity}` together and rewrites the keys of index(es) {} in \
                 the same request: `db.update(key).set_composite({entity}::{fn_name}(..))`.",
                names.join(", "),
                index_names.join(", ")
            );
            out.extend(quote! {
                #[doc = #doc]
                pub fn #fn_name(#(#args),*) -> __st::Composite<Self> {
                    #(#conversions)*
                    __st::Composite::new(move |__st_key: &__st::Item, __st_out: &mut __st::Item| {
                        #(#encodes)*
                        #decode_key
                        #writes
                        __st::Result::Ok(())
                    })
                }
            });
        }
        out
    }
}

/// The snake-case stem of an index's generated functions: `GSI1` → `gsi1`,
/// `my-index` → `my_index`, `1st` → `index_1st`.
pub(crate) fn index_fn_stem(index: &str) -> String {
    let snake = index.to_snake_case();
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("index_{snake}")
    } else {
        snake
    }
}

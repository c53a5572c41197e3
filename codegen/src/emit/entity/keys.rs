//! Key rendering: the writers of the primary and index key attributes, and the
//! inherent `key` / `<index>_key` constructors.

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::{Emitter, Param, Role};
use crate::emit::span_of;
use crate::model::{option_inner, EntityIndexKeys, EntityIndexModel, KeyTemplate};

impl<'a> Emitter<'a> {
    /// Statements rendering `template` into `attribute` (`__st_item` is `&mut Item`); each
    /// step's error is kept in `__st_ok` (see `__private::ok`: cheaper to compile than `?`).
    pub(super) fn render_template(
        &self,
        template: &KeyTemplate,
        attribute: &TokenStream,
        role: Role,
    ) -> TokenStream {
        let role = role.tokens();
        if let Some(name) = template.lone_field() {
            let field = self.field(name);
            let ident = &field.ident;
            let (codec, key_codec) = (self.codec(field), self.key_codec(field));
            return quote! {
                __st::ok(&mut __st_ok, __st::insert_lone_key(
                    __st_item, #attribute, #role, #name, #ident, #key_codec, #codec
                ));
            };
        }
        let mut capacity = 0;
        let pushes: Vec<TokenStream> = template
            .parts
            .iter()
            .map(|part| match part {
                crate::model::TemplatePart::Literal(text) => {
                    capacity += text.len();
                    quote!(__st_text.push_str(#text);)
                }
                crate::model::TemplatePart::Field(name) => {
                    capacity += 16;
                    let field = self.field(name);
                    let ident = &field.ident;
                    let key_codec = self.key_codec(field);
                    quote!(__st::ok(&mut __st_ok, (#key_codec.push)(&mut __st_text, #name, #ident));)
                }
            })
            .collect();
        quote! {
            let mut __st_text = __st::String::with_capacity(#capacity);
            #(#pushes)*
            __st::ok(&mut __st_ok, __st::insert_key(__st_item, #attribute, #role, __st_text));
        }
    }

    pub(super) fn primary_params(&self) -> Vec<Param<'a>> {
        self.params(&self.model.key_fields(), false)
    }

    pub(super) fn partition_params(&self) -> Vec<Param<'a>> {
        let names: Vec<String> = self.model.partition_key.fields().map(str::to_owned).collect();
        self.params(&names, false)
    }

    pub(super) fn index_params(&self, index: &EntityIndexModel) -> Vec<Param<'a>> {
        let native = matches!(index.keys, EntityIndexKeys::Fields { .. });
        self.params(&index.key_fields(), native)
    }

    /// True when the entity gives the index no partition key: an LSI (checked).
    pub(super) fn is_local(index: &EntityIndexModel) -> bool {
        match &index.keys {
            EntityIndexKeys::Templates { partition, .. } => partition.is_none(),
            EntityIndexKeys::Fields { partition, .. } => partition.is_empty(),
        }
    }

    pub(super) fn writer(
        &self,
        name: &syn::Ident,
        params: &[Param<'_>],
        body: TokenStream,
    ) -> TokenStream {
        let args = params.iter().map(|p| {
            let ident = p.ident();
            let ty = p.ty;
            quote!(#ident: &#ty)
        });
        quote! {
            fn #name(__st_item: &mut __st::Item, #(#args),*) -> __st::Result<(), __st::EncodeError> {
                let mut __st_ok = __st::Ok(());
                #body
                __st_ok
            }
        }
    }

    /// The functions writing key attributes into an item.
    pub(super) fn writers(&self) -> TokenStream {
        let model = self.model;
        let mut body = self.render_template(&model.partition_key, &self.pk_attr(), Role::Partition);
        if let Some(sort) = &model.sort_key {
            body.extend(self.render_template(sort, &self.sk_attr(), Role::Sort));
            if let Some(shards) = &model.shards {
                let n = shards.value;
                let (pk, sk) = (self.pk_attr(), self.sk_attr());
                body.extend(quote! {
                    __st::ok(&mut __st_ok, __st::apply_shard(__st_item, #pk.name, #sk.name, #n));
                });
            }
        }
        let mut out = self.writer(&format_ident!("__st_primary"), &self.primary_params(), body);
        if model.indexes.iter().any(Self::is_local) {
            let body = self.render_template(&model.partition_key, &self.pk_attr(), Role::Partition);
            out.extend(self.writer(
                &format_ident!("__st_partition"),
                &self.partition_params(),
                body,
            ));
        }
        for (i, index) in self.indexes() {
            let mut body = TokenStream::new();
            match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    if let Some(template) = partition {
                        let c = self.index_attr(i, false, 0);
                        body.extend(self.render_template(template, &c, Role::Partition));
                    }
                    if let Some(template) = sort {
                        let c = self.index_attr(i, true, 0);
                        body.extend(self.render_template(template, &c, Role::Sort));
                    }
                }
                EntityIndexKeys::Fields { partition, sort } => {
                    let sides = [(Role::Partition, partition, false), (Role::Sort, sort, true)];
                    for (role, fields, is_sort) in sides {
                        let role_tokens = role.tokens();
                        for (j, field_name) in fields.iter().enumerate() {
                            let field = self.field(&field_name.value);
                            let ident = &field.ident;
                            let name = field.name();
                            let c = self.index_attr(i, is_sort, j);
                            let to_value = match option_inner(&field.ty) {
                                Some(inner) => quote_spanned! {span_of(inner)=>
                                    <#inner as __st::Attribute>::to_attribute_value
                                },
                                None => {
                                    let codec = self.codec(field);
                                    quote!(#codec.to_value)
                                }
                            };
                            body.extend(quote! {
                                __st::ok(&mut __st_ok, __st::insert_key_value(
                                    __st_item, #c, #role_tokens, #name, #ident, #to_value
                                ));
                            });
                        }
                    }
                }
            }
            let name = format_ident!("__st_index{}", i);
            out.extend(self.writer(&name, &self.index_params(index), body));
        }
        out
    }

    /// The inherent `key` and `<index>_key` functions.
    pub(super) fn key_fns(&self) -> TokenStream {
        let model = self.model;
        let ident = &model.rust_name;
        let entity = &self.entity_name;

        let signature = |params: &[Param<'_>]| {
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
            (quote!(#(#args),*), quote!(#(#conversions)*))
        };
        let refs = |params: &[Param<'_>]| {
            let refs = params.iter().map(|p| {
                let ident = p.ident();
                quote!(&#ident)
            });
            quote!(#(#refs),*)
        };

        let primary = self.primary_params();
        let (args, conversions) = signature(&primary);
        let primary_refs = refs(&primary);
        let key_doc = format!(
            " The primary key of the `{entity}` with these key fields (for `get`, `delete`, \
             `update`, …)."
        );
        let mut fns = quote! {
            #[doc = #key_doc]
            pub fn key(#args) -> __st::Key<Self> {
                #conversions
                let mut __st_item = __st::Item::with_capacity(2);
                let __st_result = __st_primary(&mut __st_item, #primary_refs);
                __st::Key::from_attributes(__st::written(__st_result, __st_item))
            }
        };
        for (i, index) in self.indexes() {
            let index_name = &index.name.value;
            let snake = index_name.to_snake_case();
            let fn_name = if snake.starts_with(|c: char| c.is_ascii_digit()) {
                format_ident!("index_{}_key", snake)
            } else {
                format_ident!("{}_key", snake)
            };
            let writer = format_ident!("__st_index{}", i);
            let index_params = self.index_params(index);
            let index_refs = refs(&index_params);
            let (params, call) = if Self::is_local(index) {
                let mut params = self.partition_params();
                for param in index_params {
                    if !params.iter().any(|p| p.field.ident == param.field.ident) {
                        params.push(param);
                    }
                }
                let partition_refs = refs(&self.partition_params());
                let call = quote! {
                    __st_partition(&mut __st_item, #partition_refs)
                        .and(#writer(&mut __st_item, #index_refs))
                };
                (params, call)
            } else {
                (index_params, quote!(#writer(&mut __st_item, #index_refs)))
            };
            let (args, conversions) = signature(&params);
            let doc = format!(
                " The key of a `{entity}` in index `{index_name}`, from the fields it is made of."
            );
            fns.extend(quote! {
                #[doc = #doc]
                pub fn #fn_name(#args) -> __st::IndexKey<Self> {
                    #conversions
                    let mut __st_item = __st::Item::with_capacity(4);
                    let __st_result = #call;
                    __st::IndexKey::new(#index_name, __st::written(__st_result, __st_item))
                }
            });
        }
        quote! {
            impl #ident {
                #fns
            }
        }
    }
}

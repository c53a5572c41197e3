//! Typed attribute consts (`User::EMAIL`) and the update side of index-key consistency:
//! the functions that rewrite index keys when `set` changes a field, and the
//! `<index>_composite(..)` constructors.

use heck::{ToShoutySnakeCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::Emitter;
use crate::emit::{early_return_into, span_of};
use crate::model::{option_inner, CompositePlan, Derived, FieldModel, UpdateMarker};

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

    /// `let (a, b,) = decode_key(key)?;` when any of `indexes`' writers, or of
    /// `computed`'s functions, needs a primary key field.
    fn decode_key_fields(&self, indexes: &[usize], computed: &[String]) -> TokenStream {
        let keys = self.model.key_fields();
        let needed = indexes
            .iter()
            .any(|&i| self.model.indexes[i].key_fields().iter().any(|f| keys.contains(f)))
            || computed.iter().any(|name| {
                self.field(name)
                    .computed
                    .as_ref()
                    .is_some_and(|c| c.from.iter().any(|input| keys.contains(&input.value)))
            });
        if !needed {
            return TokenStream::new();
        }
        let idents = self.primary_params().into_iter().map(|p| p.ident().clone());
        let decoded = early_return_into(quote!(<Self as __st::Entity>::decode_key(__st_key)));
        quote! {
            #[allow(unused_variables)]
            let (#(#idents,)*) = #decoded;
        }
    }

    /// The computed fields `names`, bound by name from the fields in scope, and stored
    /// into `__st_out`.
    fn write_computed(&self, names: &[String]) -> TokenStream {
        let mut out = TokenStream::new();
        for name in names {
            let field = self.field(name);
            let ident = &field.ident;
            let codec = self.codec(field);
            let attribute = &field.attribute.value;
            let call = self.computed_call(field, |input| {
                let ident = &input.ident;
                quote!(&#ident)
            });
            let encoded = early_return_into(quote!((#codec.encode)(__st_out, #attribute, &#ident)));
            out.extend(quote! {
                let #ident = #call;
                #encoded;
            });
        }
        out
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
            out.extend(early_return_into(quote!(#writer(__st_out, #(#args),*))));
            out.extend(quote!(;));
        }
        out
    }

    /// The functions rewriting index keys and computed fields after `set` of an
    /// `Indexed` field (inside the `impl` of the entity, so they can name `Self`).
    pub(super) fn reindex_fns(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for field in self.model.fields.iter().filter(|f| f.is_stored()) {
            let UpdateMarker::Indexed(indexes) = self.model.update_marker(field) else { continue };
            let name = self.reindex_ident(field);
            let ident = &field.ident;
            let ty = &field.ty;
            let codec = self.codec(field);
            let computed = self.model.computed_by(&field.name());
            let decode_key = self.decode_key_fields(&indexes, &computed);
            let computes = self.write_computed(&computed);
            let writes = self.write_indexes(&indexes);
            let field_name = field.name();
            let value = early_return_into(quote! {
                __st::validation_value(#codec, #field_name, __st_value)
            });
            out.extend(quote! {
                #[doc(hidden)]
                fn #name(
                    __st_value: &__st::AttributeValue,
                    __st_key: &__st::Item,
                    __st_out: &mut __st::Item,
                ) -> __st::Result<(), __st::Error> {
                    let #ident: #ty = #value;
                    #decode_key
                    #computes
                    #writes
                    __st::Ok(())
                }
            });
        }
        out
    }

    /// `upsert_attributes`: what an upsert creating the item from its key alone must
    /// store besides the fields it sets: index keys and computed fields made only of
    /// primary-key fields and literals, and the schema version. Nothing when there are
    /// none (the trait's default).
    pub(super) fn upsert_attributes_fn(&self) -> TokenStream {
        let model = self.model;
        let indexes: Vec<usize> = model
            .derivations()
            .into_iter()
            .filter_map(|d| match d {
                Derived::Index(i) if model.derived_inputs(d).is_empty() => Some(i),
                _ => None,
            })
            .collect();
        let computed: Vec<String> = model
            .computed_fields()
            .filter(|(_, field)| model.computed_inputs(field).is_empty())
            .map(|(_, field)| field.name())
            .collect();
        let version = model.upgrade.as_ref().map(|upgrade| {
            let version = upgrade.version.value;
            quote!(__st::insert_schema_version(__st_out, #version);)
        });
        // Primary-key fields that are a native index's key attributes: stored as
        // themselves, so that a created item is in that index.
        let keys = model.key_fields();
        let native: Vec<&FieldModel> = model
            .fields
            .iter()
            .filter(|field| {
                keys.contains(&field.name())
                    && model.indexes.iter().any(|index| {
                        matches!(index.keys, crate::model::EntityIndexKeys::Fields { .. })
                            && index.key_fields().contains(&field.name())
                    })
            })
            .collect();
        if indexes.is_empty() && computed.is_empty() && version.is_none() && native.is_empty() {
            return TokenStream::new();
        }
        let decode_key = if native.is_empty() {
            self.decode_key_fields(&indexes, &computed)
        } else {
            let idents = self.primary_params().into_iter().map(|p| p.ident().clone());
            let decoded = early_return_into(quote!(<Self as __st::Entity>::decode_key(__st_key)));
            quote! {
                #[allow(unused_variables)]
                let (#(#idents,)*) = #decoded;
            }
        };
        let native_writes = native.iter().map(|field| {
            let ident = &field.ident;
            let codec = self.codec(field);
            let attribute = &field.attribute.value;
            let encoded = early_return_into(quote!((#codec.encode)(__st_out, #attribute, &#ident)));
            quote!(#encoded;)
        });
        let computes = self.write_computed(&computed);
        let writes = self.write_indexes(&indexes);
        quote! {
            fn upsert_attributes(__st_key: &__st::Item) -> __st::Result<__st::Item, __st::Error> {
                let mut __st_item = __st::Item::new();
                let __st_out = &mut __st_item;
                #decode_key
                #(#native_writes)*
                #computes
                #writes
                #version
                __st::Ok(__st_item)
            }
        }
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
            if marker == UpdateMarker::KeyOnly {
                let doc = format!(
                    " Field `{}` of this compact entity, kept only inside keys: not an \
                     attribute, so it cannot be filtered, conditioned, projected or updated by \
                     path (narrow on it with the query's key conditions; change its index keys \
                     with the `<index>_composite(..)` functions).",
                    field.name()
                );
                let field_name = field.name();
                out.extend(quote_spanned! {span_of(&field.ident)=>
                    #[doc = #doc]
                    pub const #name: __st::KeyOnly<#entity, #ty> = __st::KeyOnly::new(#field_name);
                });
                continue;
            }
            let (marker_ty, value) = match &marker {
                UpdateMarker::KeyField => (quote!(KeyField), quote!(__st::Attr::new(#attribute))),
                UpdateMarker::Composite => (quote!(Composite), quote!(__st::Attr::new(#attribute))),
                UpdateMarker::Indexed(_) => {
                    let reindex = self.reindex_ident(field);
                    (quote!(Indexed), quote!(__st::Attr::indexed(#attribute, Self::#reindex)))
                }
                UpdateMarker::Optional => (quote!(Optional), quote!(__st::Attr::new(#attribute))),
                UpdateMarker::Value | UpdateMarker::KeyOnly => {
                    (quote!(Value), quote!(__st::Attr::new(#attribute)))
                }
                UpdateMarker::Computed => (quote!(Computed), quote!(__st::Attr::new(#attribute))),
                UpdateMarker::ReadOnly => (quote!(ReadOnly), quote!(__st::Attr::new(#attribute))),
            };
            let role = match &marker {
                UpdateMarker::KeyField => " Part of the primary key: not updatable.",
                UpdateMarker::Composite => {
                    " Shares an index key template with other fields: update it with the \
                     `<index>_composite(..)` function."
                }
                UpdateMarker::Indexed(_) => " `set` also rewrites the index keys it feeds.",
                UpdateMarker::Optional => " Optional: can be removed.",
                UpdateMarker::Value | UpdateMarker::KeyOnly => "",
                UpdateMarker::Computed => {
                    " Computed from other fields on every write: not settable; setting its \
                     inputs recomputes it."
                }
                UpdateMarker::ReadOnly => {
                    " Read-only: written when the item is created (an upsert writes it only \
                     if absent); an update cannot set it."
                }
            };
            // A native key attribute's const names its marker (see `native`).
            let native = self.native_marker(field);
            let key = match &native {
                Some((_, indexes)) => {
                    let names: Vec<String> = indexes.iter().map(|i| format!("`{i}`")).collect();
                    format!(
                        " A key attribute of index {} (keyed by the entity's own fields): a \
                         query of it cannot filter on this field; narrow on it with the key \
                         condition.",
                        names.join(", ")
                    )
                }
                None => String::new(),
            };
            let native = native.map(|(marker, _)| quote!(, #marker));
            let doc = format!(
                " The typed path of field `{}` (attribute `{attribute}`).{role}{key}",
                field.name()
            );
            out.extend(quote_spanned! {span_of(&field.ident)=>
                #[doc = #doc]
                pub const #name: __st::Attr<#entity, #ty, __st::attr::marker::#marker_ty #native> = #value;
            });
        }
        out
    }

    /// `<index>_composite(..)` for every template index with several changing fields,
    /// and `<field>_composite(..)` for every computed field with several changing inputs.
    pub(super) fn composite_fns(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for (i, index) in self.indexes() {
            let Some(plan) = self.model.composite_plan(i) else { continue };
            let fn_name = format_ident!("{}_composite", index_fn_stem(&index.name.value));
            out.extend(self.composite_fn(&fn_name, &plan));
        }
        for (i, field) in self.model.computed_fields() {
            let Some(plan) = self.model.composite_plan_of(Derived::Computed(i)) else { continue };
            let fn_name = format_ident!("{}_composite", field.name());
            out.extend(self.composite_fn(&fn_name, &plan));
        }
        out
    }

    fn composite_fn(&self, fn_name: &syn::Ident, plan: &CompositePlan) -> TokenStream {
        let entity = &self.entity_name;
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
        // A key-only field (compact) has no attribute: only its index keys change.
        let encodes = params.iter().filter(|p| !self.model.is_key_only(p.field)).map(|p| {
            let ident = p.ident();
            let codec = self.codec(p.field);
            let attribute = &p.field.attribute.value;
            let encoded = early_return_into(quote!((#codec.encode)(__st_out, #attribute, &#ident)));
            quote!(#encoded;)
        });
        let decode_key = self.decode_key_fields(&plan.indexes, &plan.computed);
        let computes = self.write_computed(&plan.computed);
        let writes = self.write_indexes(&plan.indexes);
        let names: Vec<String> = plan.fields.iter().map(|f| format!("`{f}`")).collect();
        let mut rewritten: Vec<String> = plan
            .indexes
            .iter()
            .map(|&j| format!("the keys of index `{}`", self.model.indexes[j].name.value))
            .collect();
        rewritten.extend(plan.computed.iter().map(|c| format!("computed field `{c}`")));
        let doc = format!(
            " Sets {} of a `{entity}` together and rewrites {} in the same request: \
             `db.update(key).set_composite({entity}::{fn_name}(..))`.",
            names.join(", "),
            rewritten.join(", ")
        );
        quote! {
            #[doc = #doc]
            pub fn #fn_name(#(#args),*) -> __st::Composite<Self> {
                #(#conversions)*
                __st::Composite::new(move |__st_key: &__st::Item, __st_out: &mut __st::Item| {
                    #(#encodes)*
                    #decode_key
                    #computes
                    #writes
                    __st::Ok(())
                })
            }
        }
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

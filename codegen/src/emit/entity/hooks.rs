//! Validation hooks: `validate_write` and `validate_attribute`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::Emitter;
use crate::emit::span_of;
use crate::model::FieldModel;

impl<'a> Emitter<'a> {
    /// `validate_write` and `validate_attribute`, when the entity has validation hooks.
    pub(super) fn validation_hooks(&self) -> TokenStream {
        let model = self.model;
        let entity = &self.entity_name;
        let hooked: Vec<&FieldModel> =
            model.fields.iter().filter(|f| f.validate.is_some() && f.is_stored()).collect();
        if hooked.is_empty() && model.validate.is_none() {
            return TokenStream::new();
        }
        let mut checks = TokenStream::new();
        let mut arms = TokenStream::new();
        // Defaults, then validation: the hooks see the values the write stores. With an
        // entity hook, a field left `None` makes a defaulted copy of the entity (so an
        // entity with both needs `Clone`, reported at the hook's path); without one, each
        // hooked field gets its own binding.
        let defaulted: Vec<(&FieldModel, &syn::Path)> = model
            .fields
            .iter()
            .filter_map(|field| Self::write_default(field).map(|path| (field, path)))
            .collect();
        let copy = match (&model.validate, defaulted.is_empty()) {
            (Some(hook), false) => {
                let missing = defaulted.iter().map(|(field, _)| {
                    let ident = &field.ident;
                    quote!(__st::Option::is_none(&self.#ident))
                });
                let fills = defaulted.iter().map(|(field, _)| {
                    let ident = &field.ident;
                    let call = self.default_call(field);
                    quote! {
                        if __st::Option::is_none(&__st_copy.#ident) {
                            __st_copy.#ident = #call;
                        }
                    }
                });
                let clone = quote_spanned!(span_of(hook)=> <Self as __st::Clone>::clone(self));
                checks.extend(quote! {
                    let __st_defaulted: __st::Option<Self> = if #(#missing)||* {
                        let mut __st_copy: Self = #clone;
                        #(#fills)*
                        __st::Option::Some(__st_copy)
                    } else {
                        __st::Option::None
                    };
                    let __st_this: &Self = match &__st_defaulted {
                        __st::Option::Some(__st_copy) => __st_copy,
                        __st::Option::None => self,
                    };
                });
                true
            }
            _ => false,
        };
        for field in &hooked {
            let Some(path) = &field.validate else { continue };
            let ident = &field.ident;
            let ty = &field.ty;
            let name = field.name();
            let attribute = &field.attribute.value;
            let codec = self.codec(field);
            // Called with `&T` (deref coercion lets a `String` field's hook take `&str`);
            // a wrong signature is reported at the path as written.
            let call = |value: TokenStream| {
                quote_spanned! {span_of(path)=>
                    {
                        let __st_outcome: __st::Result<(), __st::String> =
                            #path(#value);
                        __st_outcome
                    }
                }
            };
            // The arguments carry the path's span too, so a type mismatch points there.
            let at = span_of(path);
            let mut field_ident = ident.clone();
            field_ident.set_span(at);
            let on_self = if copy {
                call(quote_spanned!(at=> &__st_this.#field_ident))
            } else if Self::write_default(field).is_some() {
                checks.extend(self.defaulted_binding(field));
                let value = self.defaulted_value(field);
                call(quote_spanned!(at=> #value))
            } else {
                call(quote_spanned!(at=> &self.#field_ident))
            };
            let on_value = call(quote_spanned!(at=> &__st_v));
            checks.extend(quote! {
                __st::validation_result(#entity, __st::Option::Some(#name), #on_self)?;
            });
            arms.extend(quote! {
                #attribute => {
                    let __st_v: #ty = __st::validation_value(#codec, #name, __st_value)?;
                    __st::validation_result(#entity, __st::Option::Some(#name), #on_value)
                }
            });
        }
        if let Some(path) = &model.validate {
            let this = if copy { quote!(__st_this) } else { quote!(self) };
            let on_self = quote_spanned! {span_of(path)=>
                {
                    let __st_outcome: __st::Result<(), __st::String> =
                        #path(#this);
                    __st_outcome
                }
            };
            checks.extend(quote! {
                __st::validation_result(#entity, __st::Option::None, #on_self)?;
            });
        }
        let attribute_fn = if hooked.is_empty() {
            TokenStream::new()
        } else {
            quote! {
                fn validate_attribute(
                    __st_attribute: &str,
                    __st_value: &__st::AttributeValue,
                ) -> __st::Result<(), __st::Error> {
                    match __st_attribute {
                        #arms
                        _ => __st::Ok(()),
                    }
                }
            }
        };
        quote! {
            fn validate_write(&self) -> __st::Result<(), __st::Error> {
                #checks
                __st::Ok(())
            }
            #attribute_fn
        }
    }
}

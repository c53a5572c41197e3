//! The item codec of an entity: one codec `const` per field, `to_item` (with write
//! defaults), `from_item`, and `decode_key`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};

use super::{respan, Emitter, Role};
use crate::emit::{codec_constructor, decode_field, early_return, span_of};
use crate::model::{option_inner, DefaultValue, EntityIndexKeys, FieldModel};

impl<'a> Emitter<'a> {
    /// The entity's codecs, one `const` tuple `__ST_C` (see `codec_slots`): each field
    /// type's trait bounds are checked (and reported) once, at the field's type, and one
    /// `const` costs one evaluation where one per codec cost one each.
    pub(super) fn codecs(&self) -> TokenStream {
        let mut types = Vec::new();
        let mut values = Vec::new();
        for &(field, key) in &self.codec_slots {
            let ty = &field.ty;
            if key {
                types.push(quote_spanned!(span_of(ty)=> __st::KeyCodec<#ty>));
                values.push(quote_spanned!(span_of(ty)=> __st::key_codec::<#ty>()));
            } else {
                types.push(quote_spanned!(span_of(ty)=> __st::FieldCodec<#ty>));
                values.push(codec_constructor(&quote!(__st), field));
            }
        }
        quote! {
            const __ST_C: (#(#types,)*) = (#(#values,)*);
        }
    }

    /// The write default of `field`: the function of `default = "path"` on a stored
    /// `Option` field that no lifecycle marker fills (`created_at` / `updated_at` are
    /// stamped by the client). A put of the field as `None` stores what the function
    /// returns (nothing, when it returns `None`).
    pub(super) fn write_default(field: &FieldModel) -> Option<&syn::Path> {
        let markers = &field.markers;
        match &field.default {
            Some(DefaultValue::Function(path))
                if field.is_stored()
                    && option_inner(&field.ty).is_some()
                    && markers.created_at.is_none()
                    && markers.updated_at.is_none() =>
            {
                Some(path)
            }
            _ => None,
        }
    }

    /// The local holding `&T` of a field with a write default (see
    /// [`defaulted_binding`](Self::defaulted_binding)).
    pub(super) fn defaulted_value(&self, field: &FieldModel) -> syn::Ident {
        format_ident!("__st_v{}", self.position(field))
    }

    /// `let __st_vN: &T = …;`: the field as held, or (when `None`) its write default,
    /// called once. The call is spanned at the path, so a function of the wrong type is
    /// reported where it was named.
    pub(super) fn defaulted_binding(&self, field: &FieldModel) -> TokenStream {
        let ident = &field.ident;
        let ty = &field.ty;
        let value = self.defaulted_value(field);
        let slot = format_ident!("__st_d{}", self.position(field));
        let call = self.default_call(field);
        quote! {
            let #slot: #ty;
            let #value: &#ty = if __st::Option::is_some(&self.#ident) {
                &self.#ident
            } else {
                #slot = #call;
                &#slot
            };
        }
    }

    /// The `const` holding the function of a stored field's `default = "path"`, as a
    /// `fn() -> T` pointer (`None` for other fields).
    pub(super) fn default_const(&self, field: &FieldModel) -> Option<syn::Ident> {
        match &field.default {
            Some(DefaultValue::Function(_))
                if field.is_stored() && !self.model.is_key_only(field) =>
            {
                Some(format_ident!("__ST_D{}", self.position(field)))
            }
            _ => None,
        }
    }

    /// `const __ST_DN: fn() -> T = path;` per stored field with `default = "path"`: the
    /// decode, the write default and the migration default all go through it, so a
    /// function of another type is reported once, where it was named (expected
    /// `fn() -> T`).
    pub(super) fn default_consts(&self) -> TokenStream {
        self.model
            .fields
            .iter()
            .filter_map(|field| {
                let name = self.default_const(field)?;
                let Some(DefaultValue::Function(path)) = &field.default else { return None };
                // The type too is spanned at the path, so the error has one place.
                let ty = respan(field.ty.to_token_stream(), span_of(path));
                Some(quote_spanned! {span_of(path)=>
                    const #name: fn() -> #ty = #path;
                })
            })
            .collect()
    }

    /// A call of the default function of `field` (see [`default_consts`](Self::default_consts)).
    pub(super) fn default_call(&self, field: &FieldModel) -> TokenStream {
        let name = self.default_const(field);
        quote!(#name())
    }

    /// The expression of type `&T` a write encodes for `field`: its write default's
    /// binding, or the field itself.
    pub(super) fn written_value(&self, field: &FieldModel) -> TokenStream {
        if field.computed.is_some() && field.is_stored() {
            let value = format_ident!("__st_c{}", self.position(field));
            quote!(&#value)
        } else if Self::write_default(field).is_some() {
            let value = self.defaulted_value(field);
            quote!(#value)
        } else {
            let ident = &field.ident;
            quote!(&self.#ident)
        }
    }

    /// The value of computed `field`: its function called with its inputs (`arg` gives
    /// the `&T` expression of each input), spanned at the function's path, so a function
    /// of the wrong type is reported there.
    pub(super) fn computed_call(
        &self,
        field: &FieldModel,
        arg: impl Fn(&FieldModel) -> TokenStream,
    ) -> TokenStream {
        let Some(computed) = &field.computed else { return TokenStream::new() };
        let path = &computed.function;
        let ty = respan(field.ty.to_token_stream(), span_of(path));
        let args = computed.from.iter().map(|name| arg(self.field(&name.value)));
        quote_spanned! {span_of(path)=>
            {
                let __st_computed: #ty = #path(#(#args),*);
                __st_computed
            }
        }
    }

    pub(super) fn encode_item(&self) -> TokenStream {
        let model = self.model;
        let stored: Vec<&FieldModel> = model.fields.iter().filter(|f| f.is_stored()).collect();
        let item = format_ident!("__st_item");
        // Write defaults first: the attributes and every key rendered from the fields
        // see the same values.
        let defaults: TokenStream = stored
            .iter()
            .filter_map(|field| Self::write_default(field).map(|_| self.defaulted_binding(field)))
            .collect();
        // Computed fields, from the values the write stores (after the defaults).
        let computes: TokenStream = stored
            .iter()
            .filter(|field| field.computed.is_some())
            .map(|field| {
                let value = format_ident!("__st_c{}", self.position(field));
                let call = self.computed_call(field, |input| self.written_value(input));
                quote!(let #value = #call;)
            })
            .collect();
        // A compact entity's key fields live only in the keys rendered below.
        // Each step's error is kept in `__st_ok` (`__private::ok`), not returned with `?`:
        // far cheaper for rustc, and the item is dropped on an error all the same.
        let encodes = stored.iter().filter(|field| !model.is_key_only(field)).map(|field| {
            let codec = self.codec(field);
            let attribute = &field.attribute.value;
            let value = self.written_value(field);
            quote!(__st::ok(&mut __st_ok, (#codec.encode)(&mut #item, #attribute, #value));)
        });
        let primary_args = self.primary_params().into_iter().map(|p| self.written_value(p.field));
        let mut capacity = stored.len() + 3;
        let index_writes: Vec<TokenStream> = self
            .indexes()
            .filter(|(_, index)| matches!(index.keys, EntityIndexKeys::Templates { .. }))
            .map(|(i, index)| {
                capacity += 2;
                let name = format_ident!("__st_index{}", i);
                let args =
                    self.index_params(index).into_iter().map(|p| self.written_value(p.field));
                quote!(__st::ok(&mut __st_ok, #name(&mut __st_item, #(#args),*));)
            })
            .collect();
        // Native index keys are the fields themselves: check them as keys.
        let mut checked: Vec<&str> = Vec::new();
        let mut native_checks = TokenStream::new();
        for index in &model.indexes {
            if let EntityIndexKeys::Fields { partition, sort } = &index.keys {
                let sides = [(Role::Partition, partition), (Role::Sort, sort)];
                for (role, fields) in sides {
                    let role = role.tokens();
                    for name in fields {
                        let attribute = &self.field(&name.value).attribute.value;
                        if !checked.contains(&attribute.as_str()) {
                            checked.push(attribute);
                            native_checks.extend(quote! {
                                __st::ok(&mut __st_ok, __st::check_native_key(&mut __st_item, #attribute, #role));
                            });
                        }
                    }
                }
            }
        }
        let entity_type = &model.entity_type.value;
        // `schema_version = N`: every put stores the version (lazy upgrade).
        let version = model.upgrade.as_ref().map(|upgrade| {
            let version = upgrade.version.value;
            quote!(__st::insert_schema_version(&mut __st_item, #version);)
        });
        quote! {
            fn to_item(&self) -> __st::Result<__st::Item, __st::EncodeError> {
                #defaults
                #computes
                let mut __st_item: __st::Item = __st::Item::with_capacity(#capacity);
                let mut __st_ok = __st::Ok(());
                #(#encodes)*
                #native_checks
                __st::ok(&mut __st_ok, __st_primary(&mut __st_item, #(#primary_args),*));
                #(#index_writes)*
                __st::insert_entity_type(&mut __st_item, __ST_K.entity_type, #entity_type);
                #version
                __st::written(__st_ok, __st_item)
            }
        }
    }

    pub(super) fn decode_item(&self) -> TokenStream {
        let model = self.model;
        let item = format_ident!("__st_item");
        let template_fields = self.template_fields();
        let fields = model.fields.iter().map(|field| {
            let ident = &field.ident;
            let codec = self.codec(field);
            let name = field.name();
            let value = if model.is_key_only(field) {
                // Compact: the keys are the only copy (an attribute of the same name, left
                // by a non-compact past, may be stale and is dropped).
                let key = self.key_codec(field);
                let attribute = &field.attribute.value;
                let from = self.key_sources(&name);
                early_return(quote!(__st::decode_key_only(&mut #item, #attribute, #name, #codec, #key, __st_keys, __st_schema, &[#(#from),*])))
            } else if field.is_stored()
                && field.default.is_none()
                && template_fields.contains(&name.as_str())
            {
                let key = self.key_codec(field);
                let attribute = &field.attribute.value;
                let from = self.key_sources(&name);
                early_return(quote!(__st::decode_key_field(&mut #item, #attribute, #name, #codec, #key, __st_keys, __st_schema, &[#(#from),*])))
            } else if let Some(default) = self.default_const(field) {
                let attribute = &field.attribute.value;
                early_return(quote!((#codec.decode_or)(&mut #item, #attribute, #default)))
            } else {
                decode_field(&item, field, &quote!(#codec), early_return)
            };
            quote!(#ident: #value)
        });
        // `schema_version = N`: an item stored by an older version goes through the
        // `upgrade` function first (lazy upgrade).
        let upgrade = model.upgrade.as_ref().map(|upgrade| {
            let version = upgrade.version.value;
            let function = &upgrade.function;
            quote!(let mut __st_item = __st::upgrade_item(__st_item, #version, #function)?;)
        });
        let fields: Vec<TokenStream> = fields.collect();
        // Bound once for the fields read back from keys (only when one is).
        let bindings = if template_fields.iter().any(|f| {
            model.field(f).is_some_and(|field| {
                field.is_stored() && (field.default.is_none() || model.is_key_only(field))
            })
        }) {
            quote! {
                let __st_keys: &[__st::schema::KeyAttribute] = &__ST_K.attributes;
                let __st_schema = &Self::SCHEMA;
            }
        } else {
            TokenStream::new()
        };
        let check_type = early_return(quote!(__st::check_entity_type_of::<Self>(&mut __st_item)));
        quote! {
            fn from_item(mut __st_item: __st::Item) -> __st::Result<Self, __st::DecodeError> {
                #check_type;
                #upgrade
                #bindings
                __st::Ok(Self { #(#fields),* })
            }
        }
    }

    /// The key attributes a template field can be read back from, as `KeyFrom`s (key
    /// slot, template): the table's partition and sort key, then each index's, in the
    /// model's order. The templates are read from `Self::SCHEMA`, not written out again.
    fn key_sources(&self, name: &str) -> Vec<TokenStream> {
        let model = self.model;
        let mut out = Vec::new();
        let mut push = |template: &crate::model::KeyTemplate, slot: usize, which: usize| {
            if template.fields().any(|f| f == name) {
                out.push(quote!((#slot, #which)));
            }
        };
        push(&model.partition_key, 0, 0);
        if let Some(sort) = &model.sort_key {
            push(sort, 1, 1);
        }
        for (j, (i, index)) in self.indexes().enumerate() {
            if let EntityIndexKeys::Templates { partition, sort } = &index.keys {
                if let Some(template) = partition {
                    push(template, self.index_slot(i, false, 0), 2 + 2 * j);
                }
                if let Some(template) = sort {
                    push(template, self.index_slot(i, true, 0), 3 + 2 * j);
                }
            }
        }
        out
    }

    /// `type KeyFields` and `decode_key`.
    pub(super) fn decode_key(&self) -> (TokenStream, TokenStream) {
        let model = self.model;
        let params = self.primary_params();
        let types = params.iter().map(|p| p.ty);
        let key_fields_ty = quote!((#(#types,)*));
        let mut statements = TokenStream::new();
        if let Some(shards) = &model.shards {
            let n = shards.value;
            statements.extend(quote! {
                let __st_unsharded = __st::strip_shard(__st_key, __ST_K.attributes[0].name, #n)?;
                let __st_key = &__st_unsharded;
            });
        }
        let sides = [
            (
                Some(&model.partition_key),
                self.pk_attr(),
                quote!(&Self::SCHEMA.partition_key),
                quote!(__st_pk),
            ),
            (
                model.sort_key.as_ref(),
                self.sk_attr(),
                quote!(__st::sort_template(&Self::SCHEMA)),
                quote!(__st_sk),
            ),
        ];
        // Where each key field is read from: (texts variable, position) or a lone template.
        let mut sources: Vec<(String, TokenStream)> = Vec::new();
        for (template, attribute, template_const, texts) in &sides {
            let Some(template) = template else { continue };
            if let Some(name) = template.lone_field() {
                if !sources.iter().any(|(n, _)| n == name) {
                    let field = self.field(name);
                    let (codec, key_codec) = (self.codec(field), self.key_codec(field));
                    sources.push((
                        name.to_owned(),
                        early_return(quote!(__st::decode_lone_key(
                            __st_key, #attribute, #template_const, #name, #key_codec, #codec
                        ))),
                    ));
                }
                continue;
            }
            let texts_value =
                early_return(quote!(__st::key_texts(__st_key, #attribute, #template_const)));
            statements.extend(quote! {
                let #texts = #texts_value;
            });
            for (position, name) in template.fields().enumerate() {
                if !sources.iter().any(|(n, _)| n == name) {
                    let key_codec = self.key_codec(self.field(name));
                    sources.push((
                        name.to_owned(),
                        early_return(quote!((#key_codec.parse)(&#texts, #position, #name))),
                    ));
                }
            }
        }
        // Every key field comes from the templates just read, so each has a source.
        let values = params.iter().filter_map(|p| {
            let name = p.field.name();
            sources.iter().find(|(n, _)| *n == name).map(|(_, source)| source.clone())
        });
        let decode_key = quote! {
            fn decode_key(__st_key: &__st::Item) -> __st::Result<Self::KeyFields, __st::DecodeError> {
                #statements
                __st::Ok((#(#values,)*))
            }
        };
        (key_fields_ty, decode_key)
    }
}

//! The `EntitySchema` const of an entity.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::Emitter;
use crate::emit::{span_of, template_schema};
use crate::model::{EntityIndexKeys, KeyTemplate};

impl<'a> Emitter<'a> {
    pub(super) fn schema(&self) -> TokenStream {
        let st = self.st;
        let model = self.model;
        let rust_name = &self.entity_name;
        let entity_type = &model.entity_type.value;
        let pk_template = template_schema(st, &model.partition_key);
        let sort_key = match &model.sort_key {
            Some(template) => {
                let schema = template_schema(st, template);
                quote!(__st::Option::Some(#schema))
            }
            None => quote!(__st::Option::None),
        };
        let indexes = self.indexes().map(|(_, index)| {
            let name = &index.name.value;
            let keys = match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    let option = |template: &Option<KeyTemplate>| match template {
                        Some(template) => {
                            let schema = template_schema(st, template);
                            quote!(__st::Option::Some(#schema))
                        }
                        None => quote!(__st::Option::None),
                    };
                    let partition = option(partition);
                    let sort = option(sort);
                    quote!(__st::schema::EntityIndexKeys::Templates { partition: #partition, sort: #sort })
                }
                EntityIndexKeys::Fields { .. } => quote!(__st::schema::EntityIndexKeys::Fields),
            };
            quote!(__st::schema::EntityIndexSchema { index: #name, keys: #keys })
        });
        // Markers and default as the bits of `__private::field_schema` (its `FIELD_*`).
        let fields = model.fields.iter().filter(|f| f.is_stored()).map(|field| {
            let name = field.name();
            let attribute = &field.attribute.value;
            let markers = &field.markers;
            let optional = crate::model::option_inner(&field.ty).is_some()
                || crate::model::is_set_type(&field.ty);
            let bits = [
                markers.version.is_some(),
                markers.created_at.is_some(),
                markers.updated_at.is_some(),
                markers.ttl.is_some(),
                markers.unique.is_some(),
                field.default.is_some(),
                markers.read_only.is_some(),
                optional,
                field.computed.is_some(),
                model.is_key_only(field),
            ]
            .iter()
            .enumerate()
            .fold(0u16, |bits, (i, on)| if *on { bits | 1 << i } else { bits });
            // A field with a default and an attribute of its own also carries the
            // function a migration calls to write the default into older items; no other
            // field gets any extra code.
            if field.default.is_none() || model.is_key_only(field) {
                return quote!(__st::field_schema(#name, #attribute, #bits));
            }
            let codec = self.codec(field);
            let default = match self.default_const(field) {
                Some(name) => quote!(#name),
                None => {
                    let ty = &field.ty;
                    quote_spanned!(span_of(ty)=> <#ty as ::core::default::Default>::default)
                }
            };
            quote!(__st::field_schema_with_default(
                #name,
                #attribute,
                #bits,
                || __st::encoded_default(#codec, #attribute, #default)
            ))
        });
        quote! {
            __st::schema::EntitySchema {
                rust_name: #rust_name,
                entity_type: #entity_type,
                partition_key: #pk_template,
                sort_key: #sort_key,
                indexes: &[#(#indexes),*],
                fields: &[#(#fields),*],
            }
        }
    }
}

//! The `EntitySchema` const and the index key attribute consts it refers to.

use proc_macro2::TokenStream;
use quote::quote;

use super::Emitter;
use crate::emit::template_schema;
use crate::model::{EntityIndexKeys, KeyTemplate};

impl<'a> Emitter<'a> {
    /// `const`s of the index key attributes the entity writes or checks.
    pub(super) fn index_consts(&self) -> TokenStream {
        let st = self.st;
        let mut out = TokenStream::new();
        for (i, index) in self.indexes() {
            let name = &index.name.value;
            let (partition, sort) = match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    (usize::from(partition.is_some()), usize::from(sort.is_some()))
                }
                EntityIndexKeys::Fields { partition, sort } => (partition.len(), sort.len()),
            };
            for j in 0..partition {
                let c = Self::index_ident(i, &format!("P{j}"));
                out.extend(quote! {
                    const #c: #st::schema::KeyAttribute =
                        #st::__private::index_partition_attribute(&__ST_TABLE, #name, #j);
                });
            }
            for j in 0..sort {
                let c = Self::index_ident(i, &format!("S{j}"));
                out.extend(quote! {
                    const #c: #st::schema::KeyAttribute =
                        #st::__private::index_sort_attribute(&__ST_TABLE, #name, #j);
                });
            }
            let templates = match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => [
                    partition.as_ref().map(|t| (Self::index_ident(i, "PT"), t)),
                    sort.as_ref().map(|t| (Self::index_ident(i, "ST"), t)),
                ],
                EntityIndexKeys::Fields { .. } => [None, None],
            };
            for (c, template) in templates.into_iter().flatten() {
                let schema = template_schema(st, template);
                out.extend(quote!(const #c: #st::schema::KeyTemplateSchema = #schema;));
            }
        }
        out
    }

    pub(super) fn schema(&self) -> TokenStream {
        let st = self.st;
        let model = self.model;
        let rust_name = &self.entity_name;
        let entity_type = &model.entity_type.value;
        let sort_key = match &model.sort_key {
            Some(_) => quote!(::core::option::Option::Some(__ST_SK_TEMPLATE)),
            None => quote!(::core::option::Option::None),
        };
        let indexes = self.indexes().map(|(i, index)| {
            let name = &index.name.value;
            let keys = match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    let option = |template: &Option<KeyTemplate>, c: &str| match template {
                        Some(_) => {
                            let c = Self::index_ident(i, c);
                            quote!(::core::option::Option::Some(#c))
                        }
                        None => quote!(::core::option::Option::None),
                    };
                    let partition = option(partition, "PT");
                    let sort = option(sort, "ST");
                    quote!(#st::schema::EntityIndexKeys::Templates { partition: #partition, sort: #sort })
                }
                EntityIndexKeys::Fields { .. } => quote!(#st::schema::EntityIndexKeys::Fields),
            };
            quote!(#st::schema::EntityIndexSchema { index: #name, keys: #keys })
        });
        let fields = model.fields.iter().filter(|f| f.is_stored()).map(|field| {
            let name = field.name();
            let attribute = &field.attribute.value;
            let markers = &field.markers;
            let version = markers.version.is_some();
            let created_at = markers.created_at.is_some();
            let updated_at = markers.updated_at.is_some();
            let ttl = markers.ttl.is_some();
            let unique = markers.unique.is_some();
            let has_default = field.default.is_some();
            quote! {
                #st::schema::FieldSchema {
                    name: #name,
                    attribute: #attribute,
                    markers: #st::schema::FieldMarkers {
                        version: #version,
                        created_at: #created_at,
                        updated_at: #updated_at,
                        ttl: #ttl,
                        unique: #unique,
                    },
                    has_default: #has_default,
                }
            }
        });
        quote! {
            #st::schema::EntitySchema {
                rust_name: #rust_name,
                entity_type: #entity_type,
                partition_key: __ST_PK_TEMPLATE,
                sort_key: #sort_key,
                indexes: &[#(#indexes),*],
                fields: &[#(#fields),*],
            }
        }
    }
}

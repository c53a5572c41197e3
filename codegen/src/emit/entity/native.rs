//! The compile-time rule for filters on native key attributes (see the runtime's
//! `query::native`): for an entity in indexes keyed by its own fields, one marker type per
//! such field (named after it, in a module of the entity's const block), carried by the
//! field's `Attr` const, and the `FilterOn` impls saying which queries may filter on it.
//! Entities without such indexes get nothing, so their expansion does not grow.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::Emitter;
use crate::emit::span_of;
use crate::model::{EntityIndexKeys, EntityIndexModel, FieldModel};

impl<'a> Emitter<'a> {
    /// The entity's indexes keyed by its own fields, with their positions.
    pub(super) fn native_indexes(&self) -> Vec<(usize, &'a EntityIndexModel)> {
        self.indexes()
            .filter(|(_, index)| matches!(index.keys, EntityIndexKeys::Fields { .. }))
            .collect()
    }

    /// The marker type of `field` when it is a native key attribute of some index, and
    /// the names of those indexes.
    pub(super) fn native_marker(&self, field: &FieldModel) -> Option<(TokenStream, Vec<&'a str>)> {
        let name = field.name();
        let indexes: Vec<&str> = self
            .native_indexes()
            .into_iter()
            .filter(|(_, index)| index.key_fields().contains(&name))
            .map(|(_, index)| index.name.value.as_str())
            .collect();
        let ident = &field.ident;
        let entity = &self.model.rust_name;
        (!indexes.is_empty()).then(|| (quote!(__st_native::#entity::#ident), indexes))
    }

    /// The kind of a query of index `i`: `kind`, wrapped in `Native<kind, <builder>>` when
    /// the index is keyed by the entity's own fields.
    pub(super) fn native_kind(&self, i: usize, kind: TokenStream) -> TokenStream {
        let index = &self.model.indexes[i];
        if !matches!(index.keys, EntityIndexKeys::Fields { .. }) {
            return kind;
        }
        let builder = super::pattern_type(&self.model.rust_name, Some(&index.name.value));
        quote!(__st::query::Native<#kind, #builder>)
    }

    /// The marker module and the `NativeKey` / `FilterOn` impls (inside the const block).
    pub(super) fn native_keys(&self) -> TokenStream {
        let indexes = self.native_indexes();
        if indexes.is_empty() {
            return TokenStream::new();
        }
        let keys: Vec<(usize, Vec<String>)> =
            indexes.iter().map(|(i, index)| (*i, index.key_fields())).collect();
        let entity = &self.model.rust_name;
        let mut markers = TokenStream::new();
        let mut impls = TokenStream::new();
        for field in self.model.fields.iter().filter(|f| f.is_stored()) {
            let name = field.name();
            if !keys.iter().any(|(_, fields)| fields.contains(&name)) {
                continue;
            }
            let ident = &field.ident;
            let doc = format!(
                " The native key attribute `{}` (field `{name}`) of `{}`.",
                field.attribute.value, self.entity_name
            );
            // Spanned at the field, where a refused filter's note points.
            markers.extend(quote_spanned! {span_of(ident)=>
                #[doc = #doc]
                pub struct #ident;
            });
            let span = span_of(ident);
            impls.extend(
                quote_spanned!(span=> impl __st::attr::NativeKey for __st_native::#entity::#ident {}),
            );
            for (i, fields) in &keys {
                if fields.contains(&name) {
                    continue;
                }
                let index = &self.model.indexes[*i].name.value;
                let builder = super::pattern_type(&self.model.rust_name, Some(index));
                impls.extend(quote_spanned! {span=>
                    impl __st::query::FilterOn<#builder> for __st_native::#entity::#ident {}
                });
            }
        }
        // `__st_native::<Entity>::<field>`: where entities of one module share field names,
        // messages print the path, which then names the entity.
        let module = format_ident!("__st_native");
        quote! {
            #[doc(hidden)]
            #[allow(non_snake_case)]
            pub mod #module {
                #[allow(non_camel_case_types, dead_code)]
                pub mod #entity {
                    #markers
                }
            }
            #impls
        }
    }
}

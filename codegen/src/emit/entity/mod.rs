//! `#[derive(Entity)]`'s code: `impl Entity`, the key builders (`key`, `<index>_key`), the
//! query builders and the compile-time checks between an entity and its table, by
//! concern: the item codec (`codec`), the entity schema (`schema`), key rendering
//! (`keys`), the checks (`checks`), validation hooks (`hooks`), attribute consts and
//! index rewrites (`access`), query builders (`query`).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};

use crate::emit::span_of;

mod access;
mod checks;
mod codec;
mod find;
mod hooks;
mod keys;
mod native;
mod query;
mod schema;

use crate::diagnostic::Diagnostics;
use crate::model::{option_inner, EntityIndexKeys, EntityIndexModel, EntityModel, FieldModel};
pub(crate) use access::nested_attr_const;
pub(crate) use checks::name_hash;
pub(crate) use query::{pattern_starter, pattern_type};

/// Which key a rendered value is for.
#[derive(Clone, Copy)]
enum Role {
    Partition,
    Sort,
}

impl Role {
    fn tokens(self) -> TokenStream {
        match self {
            Role::Partition => quote!(__st::KeyRole::Partition),
            Role::Sort => quote!(__st::KeyRole::Sort),
        }
    }
}

/// A parameter of a key-writing function: a field, by reference.
struct Param<'a> {
    field: &'a FieldModel,
    /// The type taken: the field's, or the `T` of an `Option<T>` in a native index key.
    ty: &'a syn::Type,
}

impl Param<'_> {
    fn ident(&self) -> &syn::Ident {
        &self.field.ident
    }
}

struct Emitter<'a> {
    model: &'a EntityModel,
    /// Stands in for a field the model does not have: never reached, since
    /// [`entity_checked`] refuses models whose templates name unknown fields.
    placeholder: &'a FieldModel,
    st: &'a syn::Path,
    /// The table's type as the user wrote it, for messages.
    table_name: String,
    entity_name: String,
    /// [`Self::compute_codec_slots`], computed once (every codec reference looks it up).
    codec_slots: Vec<(&'a FieldModel, bool)>,
    /// [`Self::compute_key_slots`], computed once (every key attribute looks it up).
    key_slots: Vec<Option<(usize, bool, usize)>>,
}

/// Everything `#[derive(Entity)]` generates for a valid model; a model the emitter
/// cannot resolve (a template naming an unknown field) becomes `compile_error!`s.
pub fn entity(model: &EntityModel) -> TokenStream {
    match entity_checked(model) {
        Ok(tokens) => tokens,
        Err(diagnostics) => {
            diagnostics.errors().iter().map(|d| d.to_syn_error().to_compile_error()).collect()
        }
    }
}

/// Every field name the emitter resolves (key templates, index templates and native
/// index key fields), with where it was written.
fn referenced_fields(model: &EntityModel) -> Vec<(String, crate::span::SourceSpan)> {
    let mut names = Vec::new();
    let templates = std::iter::once(&model.partition_key).chain(&model.sort_key).chain(
        model.indexes.iter().flat_map(|index| match &index.keys {
            EntityIndexKeys::Templates { partition, sort } => {
                partition.iter().chain(sort.iter()).collect::<Vec<_>>()
            }
            EntityIndexKeys::Fields { .. } => Vec::new(),
        }),
    );
    for template in templates {
        for name in template.fields() {
            names.push((name.to_owned(), template.source.span.clone()));
        }
    }
    for index in &model.indexes {
        if let EntityIndexKeys::Fields { partition, sort } = &index.keys {
            for field in partition.iter().chain(sort) {
                names.push((field.value.clone(), field.span.clone()));
            }
        }
    }
    names
}

/// As [`entity`], reporting a model the emitter cannot resolve as diagnostics instead
/// of code (for front ends that do not run [`validate::entity`](crate::validate::entity)
/// first, or run it partially).
pub fn entity_checked(model: &EntityModel) -> Result<TokenStream, Diagnostics> {
    let mut cx = Diagnostics::new();
    for (name, span) in referenced_fields(model) {
        if model.field(&name).is_none() {
            cx.error(span, format!("entity `{}` has no field `{name}`", model.rust_name));
        }
    }
    if !cx.is_empty() {
        return Err(cx);
    }
    let placeholder = FieldModel {
        ident: format_ident!("__st_unresolved"),
        ty: syn::parse_quote!(()),
        class: crate::model::TypeClass::of(&syn::parse_quote!(())),
        attribute: crate::span::Spanned::new(String::new(), Span::call_site()),
        skip: None,
        default: None,
        serde: None,
        validate: None,
        computed: None,
        markers: crate::model::FieldMarkers::default(),
        span: crate::span::SourceSpan::from(Span::call_site()),
    };
    let mut emitter = Emitter {
        model,
        placeholder: &placeholder,
        st: &model.crate_path,
        table_name: model.table.to_token_stream().to_string().replace(' ', ""),
        entity_name: model.rust_name.to_string(),
        codec_slots: Vec::new(),
        key_slots: Vec::new(),
    };
    emitter.codec_slots = emitter.compute_codec_slots();
    emitter.key_slots = emitter.compute_key_slots();
    Ok(emitter.emit())
}

impl<'a> Emitter<'a> {
    fn field(&self, name: &str) -> &'a FieldModel {
        // `entity_checked` refused the model if a name does not resolve.
        self.model.field(name).unwrap_or(self.placeholder)
    }

    fn params(&self, names: &[String], native: bool) -> Vec<Param<'a>> {
        names
            .iter()
            .map(|name| {
                let field = self.field(name);
                let ty =
                    if native { option_inner(&field.ty).unwrap_or(&field.ty) } else { &field.ty };
                Param { field, ty }
            })
            .collect()
    }

    fn position(&self, field: &FieldModel) -> usize {
        self.model.fields.iter().position(|f| f.ident == field.ident).unwrap_or_default()
    }

    /// The fields some key template renders, in first-use order.
    fn template_fields(&self) -> Vec<&'a str> {
        let model = self.model;
        let mut out: Vec<&str> = Vec::new();
        let templates = std::iter::once(&model.partition_key).chain(&model.sort_key).chain(
            model.indexes.iter().flat_map(|index| match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    partition.iter().chain(sort.iter()).collect::<Vec<_>>()
                }
                EntityIndexKeys::Fields { .. } => Vec::new(),
            }),
        );
        for template in templates {
            for name in template.fields() {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        out
    }

    /// The elements of the entity's one codec tuple `__ST_C`: per stored field its
    /// `FieldCodec` (`false`), then its `KeyCodec` (`true`) when a template renders it.
    fn compute_codec_slots(&self) -> Vec<(&'a FieldModel, bool)> {
        let template_fields = self.template_fields();
        let mut out = Vec::new();
        for field in self.model.fields.iter().filter(|f| f.is_stored()) {
            out.push((field, false));
            if template_fields.contains(&field.name().as_str()) {
                out.push((field, true));
            }
        }
        out
    }

    fn codec_slot(&self, field: &FieldModel, key: bool) -> TokenStream {
        let n = self
            .codec_slots
            .iter()
            .position(|(f, k)| f.ident == field.ident && *k == key)
            .unwrap_or_default();
        let n = syn::Index::from(n);
        quote!(__ST_C.#n)
    }

    /// The `FieldCodec` of a stored field (an element of `__ST_C`).
    fn codec(&self, field: &FieldModel) -> TokenStream {
        self.codec_slot(field, false)
    }

    /// The `KeyCodec` of a template field (an element of `__ST_C`).
    fn key_codec(&self, field: &FieldModel) -> TokenStream {
        self.codec_slot(field, true)
    }

    /// The key attributes the entity writes, as `entity_keys` slots: the table's
    /// partition and sort key, then each index's attributes (`(index, sort?, position)`).
    fn compute_key_slots(&self) -> Vec<Option<(usize, bool, usize)>> {
        let mut out = vec![None, None];
        for (i, index) in self.indexes() {
            let (partition, sort) = match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    (usize::from(partition.is_some()), usize::from(sort.is_some()))
                }
                EntityIndexKeys::Fields { partition, sort } => (partition.len(), sort.len()),
            };
            out.extend((0..partition).map(|j| Some((i, false, j))));
            out.extend((0..sort).map(|j| Some((i, true, j))));
        }
        out
    }

    fn key_slot(n: usize) -> TokenStream {
        quote!(__ST_K.attributes[#n])
    }

    /// The table's partition-key attribute.
    fn pk_attr(&self) -> TokenStream {
        Self::key_slot(0)
    }

    /// The table's sort-key attribute.
    fn sk_attr(&self) -> TokenStream {
        Self::key_slot(1)
    }

    /// Attribute `j` of the partition (`sort == false`) or sort side of index `i`.
    fn index_attr(&self, i: usize, sort: bool, j: usize) -> TokenStream {
        Self::key_slot(self.index_slot(i, sort, j))
    }

    /// The key slot (position in `__ST_K.attributes`) of [`Self::index_attr`].
    fn index_slot(&self, i: usize, sort: bool, j: usize) -> usize {
        self.key_slots.iter().position(|slot| *slot == Some((i, sort, j))).unwrap_or_default()
    }

    fn indexes(&self) -> impl Iterator<Item = (usize, &'a EntityIndexModel)> {
        self.model.indexes.iter().enumerate()
    }

    fn emit(&self) -> TokenStream {
        let st = self.st;
        let model = self.model;
        let ident = &model.rust_name;
        let table = &model.table;
        let table_span = span_of(table);

        // Read through the impl's `type Table`, so a type that is not a table is
        // reported once, there.
        let slots = self.key_slots.iter().map(|&slot| match slot {
            None => quote!(),
            Some((i, sort, j)) => {
                let name = &self.model.indexes[i].name.value;
                let side = if sort { quote!(S) } else { quote!(P) };
                let hash = checks::name_hash(name);
                quote!(__st::KeySlot::#side(#name, #hash, #j))
            }
        });
        let mut slots: Vec<TokenStream> = slots.collect();
        slots[0] = quote!(__st::KeySlot::Pk);
        slots[1] = quote!(__st::KeySlot::Sk);
        let n_slots = slots.len();
        let keys_const = quote_spanned! {table_span=>
            const __ST_K: __st::EntityKeys<#n_slots> = __st::entity_keys::<#ident, #n_slots>([#(#slots),*]);
        };
        let table_type = quote_spanned!(table_span=> #table);
        let codecs = self.codecs();
        let default_consts = self.default_consts();
        let checks = self.checks();
        let schema = self.schema();
        let writers = self.writers();
        let to_item = self.encode_item();
        let from_item = self.decode_item();
        let (key_fields_ty, decode_key) = self.decode_key();
        let primary_args = self.primary_params().into_iter().map(|p| {
            let ident = p.ident();
            quote!(&self.#ident)
        });
        let key_fns = self.key_fns();
        let kind_aliases = self.kind_aliases();
        let patterns = self.patterns();
        let (query_structs, query_impls, starters) = self.queries(&patterns);
        let (find_struct, find_impls, find_starter) = self.finds(&patterns);
        let attr_consts = self.attr_consts();
        let native_keys = self.native_keys();
        let composites = self.composite_fns();
        let reindex = self.reindex_fns();
        let hooks = self.validation_hooks();
        let upsert_attributes = self.upsert_attributes_fn();
        let shards_const = model.shards.as_ref().map(|shards| {
            let n = shards.value;
            quote!(const SHARDS: u32 = #n;)
        });

        quote! {
            #query_structs
            #find_struct

            #[allow(
                non_upper_case_globals,
                clippy::ptr_arg,
                clippy::too_many_arguments,
                clippy::wrong_self_convention,
                clippy::should_implement_trait,
                clippy::self_named_constructors
            )]
            const _: () = {
                use #st::__private as __st;
                #keys_const
                #codecs
                #default_consts
                const _: () = #checks;
                #writers

                #[automatically_derived]
                impl __st::Entity for #ident {
                    type Table = #table_type;
                    const SCHEMA: __st::schema::EntitySchema = #schema;
                    type KeyFields = #key_fields_ty;
                    #shards_const

                    #to_item
                    #from_item

                    fn primary_key(&self) -> __st::Key<Self> {
                        let mut __st_item = __st::Item::with_capacity(2);
                        let __st_result = __st_primary(&mut __st_item, #(#primary_args),*);
                        __st::Key::from_attributes(__st::written(__st_result, __st_item))
                    }

                    #decode_key
                    #hooks
                    #upsert_attributes
                }

                #key_fns
                #native_keys
                #kind_aliases
                #query_impls
                #find_impls

                #[allow(dead_code)]
                impl #ident {
                    #attr_consts
                    #composites
                    #starters
                    #find_starter
                    #reindex
                }
            };
        }
    }
}

/// `tokens` with every token spanned at `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// The impl emitted next to the errors of a `#[derive(Entity)]`: an `Entity` whose
/// methods panic, so code using the entity reports nothing more than the real mistake.
pub fn entity_fallback(
    ident: &syn::Ident,
    table: Option<&syn::Path>,
    st: &syn::Path,
) -> TokenStream {
    let table = match table {
        Some(path) => quote!(#path),
        None => quote!(__st::NoTable),
    };
    let name = ident.to_string();
    let message = format!("#[derive(Entity)] on `{name}` failed to compile");
    let span = Span::call_site();
    quote_spanned! {span=>
        #[automatically_derived]
        impl #st::Entity for #ident {
            type Table = #table;
            const SCHEMA: #st::schema::EntitySchema = #st::schema::EntitySchema {
                rust_name: #name,
                entity_type: #name,
                partition_key: #st::schema::KeyTemplateSchema { source: "", parts: &[] },
                sort_key: ::core::option::Option::None,
                indexes: &[],
                fields: &[],
            };
            type KeyFields = ();
            fn to_item(&self) -> ::core::result::Result<#st::Item, #st::EncodeError> {
                ::core::panic!(#message)
            }
            fn from_item(_: #st::Item) -> ::core::result::Result<Self, #st::DecodeError> {
                ::core::panic!(#message)
            }
            fn primary_key(&self) -> #st::Key<Self> {
                ::core::panic!(#message)
            }
            fn decode_key(_: &#st::Item) -> ::core::result::Result<(), #st::DecodeError> {
                ::core::panic!(#message)
            }
        }
    }
}

#[cfg(test)]
mod tests;

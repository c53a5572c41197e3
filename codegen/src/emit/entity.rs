//! `impl Entity`, the key builders (`key`, `<index>_key`) and the compile-time checks
//! between an entity and its table.

use heck::ToSnakeCase;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};

use crate::emit::{check_stmt, codec_const, decode_field, encode_field, span_of, template_schema};

mod access;
mod query;

use crate::diagnostic::Diagnostics;
use crate::model::{
    option_inner, DefaultValue, EntityIndexKeys, EntityIndexModel, EntityModel, FieldModel,
    KeyTemplate,
};
pub(crate) use access::nested_attr_const;
pub(crate) use query::pattern_type;

/// Which key a rendered value is for.
#[derive(Clone, Copy)]
enum Role {
    Partition,
    Sort,
}

impl Role {
    fn tokens(self, st: &syn::Path) -> TokenStream {
        match self {
            Role::Partition => quote!(#st::__private::KeyRole::Partition),
            Role::Sort => quote!(#st::__private::KeyRole::Sort),
        }
    }

    fn word(self) -> &'static str {
        match self {
            Role::Partition => "partition",
            Role::Sort => "sort",
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
        markers: crate::model::FieldMarkers::default(),
        span: crate::span::SourceSpan::from(Span::call_site()),
    };
    let emitter = Emitter {
        model,
        placeholder: &placeholder,
        st: &model.crate_path,
        table_name: model.table.to_token_stream().to_string().replace(' ', ""),
        entity_name: model.rust_name.to_string(),
    };
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

    /// The `FieldCodec` const of a stored field.
    fn codec(&self, field: &FieldModel) -> syn::Ident {
        format_ident!("__ST_F{}", self.position(field))
    }

    /// The `KeyCodec` const of a template field.
    fn key_codec(&self, field: &FieldModel) -> syn::Ident {
        format_ident!("__ST_K{}", self.position(field))
    }

    /// One codec `const` per stored field and per template field: each field type's
    /// trait bounds are checked (and reported) once, at the field's type.
    fn codecs(&self) -> TokenStream {
        let st = self.st;
        let model = self.model;
        let mut template_fields: Vec<&str> = Vec::new();
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
                if !template_fields.contains(&name) {
                    template_fields.push(name);
                }
            }
        }
        let mut out = TokenStream::new();
        for field in model.fields.iter().filter(|f| f.is_stored()) {
            let ty = &field.ty;
            out.extend(codec_const(st, field, &self.codec(field)));
            if template_fields.contains(&field.name().as_str()) {
                let key_codec = self.key_codec(field);
                out.extend(quote_spanned! {span_of(ty)=>
                    const #key_codec: #st::__private::KeyCodec<#ty> = #st::__private::key_codec::<#ty>();
                });
            }
        }
        out
    }

    fn index_ident(position: usize, suffix: &str) -> syn::Ident {
        format_ident!("__ST_IX{}_{}", position, suffix)
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

        // Through the impl's `type Table`, so a type that is not a table is reported
        // once, there.
        let table_const = quote_spanned! {table_span=>
            const __ST_TABLE: #st::schema::TableSchema = #st::__private::table_schema::<#ident>();
        };
        let table_type = quote_spanned!(table_span=> #table);
        let index_consts = self.index_consts();
        let codecs = self.codecs();
        let checks = self.checks();
        let pk_template = template_schema(st, &model.partition_key);
        let sk_template = model.sort_key.as_ref().map(|t| {
            let schema = template_schema(st, t);
            quote!(const __ST_SK_TEMPLATE: #st::schema::KeyTemplateSchema = #schema;)
        });
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
        let (query_structs, query_impls, starters) = self.queries();
        let attr_consts = self.attr_consts();
        let composites = self.composite_fns();
        let reindex = self.reindex_fns();
        let hooks = self.validation_hooks();
        let shards_const = model.shards.as_ref().map(|shards| {
            let n = shards.value;
            quote!(const SHARDS: u32 = #n;)
        });

        quote! {
            #query_structs

            #[allow(
                non_upper_case_globals,
                clippy::ptr_arg,
                clippy::too_many_arguments,
                clippy::wrong_self_convention,
                clippy::should_implement_trait
            )]
            const _: () = {
                #table_const
                const __ST_PK: #st::schema::KeyAttribute = __ST_TABLE.partition_key;
                const __ST_SK: #st::schema::KeyAttribute = #st::__private::table_sort_key(&__ST_TABLE);
                const __ST_ET: &str = __ST_TABLE.entity_type_attribute;
                const __ST_PK_TEMPLATE: #st::schema::KeyTemplateSchema = #pk_template;
                #sk_template
                #index_consts
                #codecs
                const _: () = { #checks };
                #writers

                #[automatically_derived]
                impl #st::Entity for #ident {
                    type Table = #table_type;
                    const SCHEMA: #st::schema::EntitySchema = #schema;
                    type KeyFields = #key_fields_ty;
                    #shards_const

                    #to_item
                    #from_item

                    fn primary_key(&self) -> #st::Key<Self> {
                        let mut __st_item = #st::Item::with_capacity(2);
                        let __st_result = __st_primary(&mut __st_item, #(#primary_args),*);
                        #st::Key::from_attributes(__st_result.map(|()| __st_item))
                    }

                    #decode_key
                    #hooks
                }

                #key_fns
                #query_impls

                #[allow(dead_code)]
                impl #ident {
                    #attr_consts
                    #composites
                    #starters
                    #reindex
                }
            };
        }
    }

    /// `validate_write` and `validate_attribute`, when the entity has validation hooks.
    fn validation_hooks(&self) -> TokenStream {
        let st = self.st;
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
                    quote!(::core::option::Option::is_none(&self.#ident))
                });
                let fills = defaulted.iter().map(|(field, path)| {
                    let ident = &field.ident;
                    let call = Self::default_call(path, &field.ty);
                    quote! {
                        if ::core::option::Option::is_none(&__st_copy.#ident) {
                            __st_copy.#ident = #call;
                        }
                    }
                });
                let clone =
                    quote_spanned!(span_of(hook)=> <Self as ::core::clone::Clone>::clone(self));
                checks.extend(quote! {
                    let __st_defaulted: ::core::option::Option<Self> = if #(#missing)||* {
                        let mut __st_copy: Self = #clone;
                        #(#fills)*
                        ::core::option::Option::Some(__st_copy)
                    } else {
                        ::core::option::Option::None
                    };
                    let __st_this: &Self = match &__st_defaulted {
                        ::core::option::Option::Some(__st_copy) => __st_copy,
                        ::core::option::Option::None => self,
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
                        let __st_outcome: ::core::result::Result<(), #st::__private::String> =
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
            } else if let Some(default) = Self::write_default(field) {
                checks.extend(self.defaulted_binding(field, default));
                let value = self.defaulted_value(field);
                call(quote_spanned!(at=> #value))
            } else {
                call(quote_spanned!(at=> &self.#field_ident))
            };
            let on_value = call(quote_spanned!(at=> &__st_v));
            checks.extend(quote! {
                #st::__private::validation_result(#entity, ::core::option::Option::Some(#name), #on_self)?;
            });
            arms.extend(quote! {
                #attribute => {
                    let __st_v: #ty = #st::__private::validation_value(#codec, #name, __st_value)?;
                    #st::__private::validation_result(#entity, ::core::option::Option::Some(#name), #on_value)
                }
            });
        }
        if let Some(path) = &model.validate {
            let this = if copy { quote!(__st_this) } else { quote!(self) };
            let on_self = quote_spanned! {span_of(path)=>
                {
                    let __st_outcome: ::core::result::Result<(), #st::__private::String> =
                        #path(#this);
                    __st_outcome
                }
            };
            checks.extend(quote! {
                #st::__private::validation_result(#entity, ::core::option::Option::None, #on_self)?;
            });
        }
        let attribute_fn = if hooked.is_empty() {
            TokenStream::new()
        } else {
            quote! {
                fn validate_attribute(
                    __st_attribute: &str,
                    __st_value: &#st::AttributeValue,
                ) -> ::core::result::Result<(), #st::Error> {
                    match __st_attribute {
                        #arms
                        _ => ::core::result::Result::Ok(()),
                    }
                }
            }
        };
        quote! {
            fn validate_write(&self) -> ::core::result::Result<(), #st::Error> {
                #checks
                ::core::result::Result::Ok(())
            }
            #attribute_fn
        }
    }

    /// `const`s of the index key attributes the entity writes or checks.
    fn index_consts(&self) -> TokenStream {
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

    /// The type check of one template against the key attribute it renders to.
    fn template_type_check(
        &self,
        template: &KeyTemplate,
        attribute: TokenStream,
        guard: TokenStream,
        what: &str,
    ) -> TokenStream {
        let st = self.st;
        let span = template.source.span.span();
        let source = &template.source.value;
        let entity = &self.entity_name;
        match template.lone_field() {
            Some(name) => {
                let ty = &self.field(name).ty;
                let scalar = quote_spanned!(span_of(ty)=> <#ty as #st::ScalarAttribute>::SCALAR);
                check_stmt(
                    span,
                    quote!(#guard #st::__private::takes_lone(#attribute, #scalar)),
                    &format!(
                        "entity `{entity}`: the template `{source}` stores field `{name}` as \
                         {what}, which is typed N or B; a lone `{{field}}` stores the field's \
                         own value there, so the field must have that type"
                    ),
                )
            }
            None => check_stmt(
                span,
                quote!(#guard #st::__private::takes_text(#attribute)),
                &format!(
                    "entity `{entity}`: the template `{source}` renders a string, but {what} is \
                     typed N or B; use a lone `{{field}}` template of a field of that type"
                ),
            ),
        }
    }

    fn checks(&self) -> TokenStream {
        let st = self.st;
        let model = self.model;
        let entity = &self.entity_name;
        let table = &self.table_name;
        let mut out = TokenStream::new();

        // The sort key: present on both sides or on neither.
        match (&model.sort_key, &model.sort_span) {
            (Some(_), Some(span)) => out.extend(check_stmt(
                span.span(),
                quote!(__ST_TABLE.sort_key.is_some()),
                &format!(
                    "table `{table}` has no sort key, so entity `{entity}` cannot have an `sk` \
                     template"
                ),
            )),
            _ => out.extend(check_stmt(
                span_of(&model.table),
                quote!(__ST_TABLE.sort_key.is_none()),
                &format!(
                    "table `{table}` has a sort key: entity `{entity}` needs an `sk` template \
                     (e.g. `sk = \"PROFILE\"` or `sk = \"ORDER#{{order_id}}\"`)"
                ),
            )),
        }
        out.extend(self.template_type_check(
            &model.partition_key,
            quote!(__ST_PK),
            TokenStream::new(),
            &format!("the partition key of table `{table}`"),
        ));
        if let Some(sort) = &model.sort_key {
            out.extend(self.template_type_check(
                sort,
                quote!(__ST_SK),
                quote!(__ST_TABLE.sort_key.is_none() ||),
                &format!("the sort key of table `{table}`"),
            ));
        }

        for (i, index) in self.indexes() {
            let name = &index.name.value;
            let name_span = index.name.span.span();
            // The index looked up once; each check below reads its fields.
            let facts = Self::index_ident(i, "FACTS");
            out.extend(quote! {
                const #facts: #st::__private::index_facts::IndexFacts =
                    #st::__private::index_facts::of(&__ST_TABLE, #name);
            });
            let exists = quote!(#facts.exists);
            let local = quote!(#facts.local);
            let partition_len = quote!(#facts.partition.len());
            let sort_len = quote!(#facts.sort.len());
            out.extend(check_stmt(
                name_span,
                exists.clone(),
                &format!("table `{table}` has no index `{name}` (in entity `{entity}`)"),
            ));
            let partition_span = index.partition_span.as_ref().map_or(name_span, |s| s.span());
            let sort_span = index.sort_span.as_ref().map_or(name_span, |s| s.span());
            let lsi_with_pk = format!(
                "index `{name}` is a local secondary index: it shares the table's partition key, \
                 so entity `{entity}` gives it no `pk`"
            );
            let gsi_without_pk = format!(
                "index `{name}` is a global secondary index: entity `{entity}` needs a `pk` for it"
            );
            match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    match partition {
                        Some(template) => {
                            out.extend(check_stmt(
                                partition_span,
                                quote!(!#exists || !#local),
                                &lsi_with_pk,
                            ));
                            out.extend(check_stmt(
                                partition_span,
                                quote!(!#exists || #local || #partition_len == 1),
                                &format!(
                                    "index `{name}` has a partition key of several attributes \
                                     (a native multi-attribute key): list the entity's fields \
                                     in key order, `pk = [a, b]`, instead of a template"
                                ),
                            ));
                            let attribute = Self::index_ident(i, "P0");
                            out.extend(self.template_type_check(
                                template,
                                quote!(#attribute),
                                quote!(!#exists || #partition_len != 1 ||),
                                &format!("the partition key of index `{name}`"),
                            ));
                        }
                        None => out.extend(check_stmt(
                            name_span,
                            quote!(!#exists || #local),
                            &gsi_without_pk,
                        )),
                    }
                    match sort {
                        Some(template) => {
                            out.extend(check_stmt(
                                sort_span,
                                quote!(!#exists || #sort_len != 0),
                                &format!("index `{name}` has no sort key: remove `sk`"),
                            ));
                            out.extend(check_stmt(
                                sort_span,
                                quote!(!#exists || #sort_len <= 1),
                                &format!(
                                    "index `{name}` has a sort key of several attributes (a \
                                     native multi-attribute key): list the entity's fields in \
                                     key order, `sk = [a, b]`, instead of a template"
                                ),
                            ));
                            let attribute = Self::index_ident(i, "S0");
                            out.extend(self.template_type_check(
                                template,
                                quote!(#attribute),
                                quote!(!#exists || #sort_len != 1 ||),
                                &format!("the sort key of index `{name}`"),
                            ));
                        }
                        None => out.extend(check_stmt(
                            name_span,
                            quote!(!#exists || #sort_len == 0),
                            &format!(
                                "index `{name}` has a sort key: entity `{entity}` needs an `sk` \
                                 for it"
                            ),
                        )),
                    }
                }
                EntityIndexKeys::Fields { partition, sort } => {
                    if partition.is_empty() {
                        out.extend(check_stmt(
                            name_span,
                            quote!(!#exists || #local),
                            &gsi_without_pk,
                        ));
                    } else {
                        out.extend(check_stmt(
                            partition_span,
                            quote!(!#exists || !#local),
                            &lsi_with_pk,
                        ));
                    }
                    let sides = [
                        (Role::Partition, partition, partition_span, &partition_len),
                        (Role::Sort, sort, sort_span, &sort_len),
                    ];
                    for (role, fields, side_span, len) in sides {
                        if matches!(role, Role::Partition) && fields.is_empty() {
                            continue;
                        }
                        let n = fields.len();
                        let side = role.word();
                        let guard = match role {
                            Role::Partition => quote!(!#exists || #local ||),
                            Role::Sort => quote!(!#exists ||),
                        };
                        out.extend(check_stmt(
                            side_span,
                            quote!(#guard #len == #n),
                            &format!(
                                "entity `{entity}` lists {n} {side}-key field(s) for index \
                                 `{name}`, whose {side} key has a different number of \
                                 attributes: list one field per attribute, in key order"
                            ),
                        ));
                        let attributes = match role {
                            Role::Partition => quote!(#facts.partition),
                            Role::Sort => quote!(#facts.sort),
                        };
                        let name_is = quote!(#st::__private::index_facts::name_is);
                        let type_is = quote!(#st::__private::index_facts::type_is);
                        // Only the first misplaced field is reported (one mistake, one
                        // error), and a type only once its name is right.
                        let mut earlier = quote!(true);
                        for (j, field_name) in fields.iter().enumerate() {
                            let field = self.field(&field_name.value);
                            let attribute = &field.attribute.value;
                            let span = field_name.span.span();
                            let position = j + 1;
                            let name_ok = quote!(#name_is(#attributes, #j, #attribute));
                            out.extend(check_stmt(
                                span,
                                quote!(#guard #len != #n || !(#earlier) || #name_ok),
                                &format!(
                                    "field `{}` of entity `{entity}` is stored as `{attribute}`, \
                                     but {side}-key attribute {position} of index `{name}` has \
                                     another name: list the fields in key order, or rename the \
                                     field (`#[entity(rename = \"...\")]`)",
                                    field_name.value
                                ),
                            ));
                            let ty = option_inner(&field.ty).unwrap_or(&field.ty);
                            let scalar =
                                quote_spanned!(span_of(ty)=> <#ty as #st::ScalarAttribute>::SCALAR);
                            out.extend(check_stmt(
                                span,
                                quote!(#guard #len != #n || !#name_ok || #type_is(#attributes, #j, #scalar)),
                                &format!(
                                    "field `{}` of entity `{entity}` does not have the type \
                                     (S, N or B) of {side}-key attribute {position} of index \
                                     `{name}`",
                                    field_name.value
                                ),
                            ));
                            earlier = quote!(#earlier && #name_ok);
                        }
                    }
                }
            }
        }

        // Stored fields must not collide with the attributes the entity writes for keys:
        // one search for the first that does, one check per field naming it.
        let template_facts = self
            .indexes()
            .filter(|(_, index)| matches!(index.keys, EntityIndexKeys::Templates { .. }))
            .map(|(i, _)| Self::index_ident(i, "FACTS"));
        let lone_pk = model.partition_key.lone_field();
        let lone_sk = model.sort_key.as_ref().and_then(KeyTemplate::lone_field);
        let stored: Vec<&FieldModel> = model.fields.iter().filter(|f| f.is_stored()).collect();
        let position = |lone: Option<&str>| match stored
            .iter()
            .position(|f| Some(f.name().as_str()) == lone)
        {
            Some(j) => quote!(#j),
            None => quote!(::core::primitive::usize::MAX),
        };
        let (lone_pk, lone_sk) = (position(lone_pk), position(lone_sk));
        let attributes = stored.iter().map(|f| &f.attribute.value);
        out.extend(quote! {
            const __ST_TAKEN: usize = #st::__private::index_facts::first_taken(
                &__ST_TABLE, &[#(#attributes),*], &[#(#template_facts),*], #lone_pk, #lone_sk
            );
        });
        for (j, field) in stored.into_iter().enumerate() {
            let name = field.name();
            let attribute = &field.attribute.value;
            out.extend(check_stmt(
                field.attribute.span.span(),
                quote!(__ST_TAKEN != #j),
                &format!(
                    "field `{name}` of entity `{entity}` is stored as attribute `{attribute}`, \
                     which table `{table}` uses for a key or for the entity type; rename the \
                     field's attribute (`#[entity(rename = \"...\")]`)"
                ),
            ));
            if let Some(span) = &field.markers.ttl {
                out.extend(check_stmt(
                    span.span(),
                    quote!(#st::__private::ttl_attribute_is(&__ST_TABLE, #attribute)),
                    &format!(
                        "field `{name}` of entity `{entity}` is marked `ttl`, but table `{table}` \
                         does not store TTL in attribute `{attribute}`: declare \
                         `ttl = \"{attribute}\"` on the table, or rename the field to the table's \
                         TTL attribute"
                    ),
                ));
            }
        }
        out
    }

    fn schema(&self) -> TokenStream {
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

    /// Statements rendering `template` into `attribute` (`__st_item` is `&mut Item`).
    fn render_template(
        &self,
        template: &KeyTemplate,
        attribute: &TokenStream,
        role: Role,
    ) -> TokenStream {
        let st = self.st;
        let role = role.tokens(st);
        if let Some(name) = template.lone_field() {
            let field = self.field(name);
            let ident = &field.ident;
            let (codec, key_codec) = (self.codec(field), self.key_codec(field));
            return quote! {
                #st::__private::insert_lone_key(
                    __st_item, #attribute, #role, #name, #ident, #key_codec, #codec
                )?;
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
                    quote!((#key_codec.push)(&mut __st_text, #name, #ident)?;)
                }
            })
            .collect();
        quote! {
            let mut __st_text = #st::__private::String::with_capacity(#capacity);
            #(#pushes)*
            #st::__private::insert_key(__st_item, #attribute, #role, __st_text)?;
        }
    }

    fn primary_params(&self) -> Vec<Param<'a>> {
        self.params(&self.model.key_fields(), false)
    }

    fn partition_params(&self) -> Vec<Param<'a>> {
        let names: Vec<String> = self.model.partition_key.fields().map(str::to_owned).collect();
        self.params(&names, false)
    }

    fn index_params(&self, index: &EntityIndexModel) -> Vec<Param<'a>> {
        let native = matches!(index.keys, EntityIndexKeys::Fields { .. });
        self.params(&index.key_fields(), native)
    }

    /// True when the entity gives the index no partition key: an LSI (checked).
    fn is_local(index: &EntityIndexModel) -> bool {
        match &index.keys {
            EntityIndexKeys::Templates { partition, .. } => partition.is_none(),
            EntityIndexKeys::Fields { partition, .. } => partition.is_empty(),
        }
    }

    fn writer(&self, name: &syn::Ident, params: &[Param<'_>], body: TokenStream) -> TokenStream {
        let st = self.st;
        let args = params.iter().map(|p| {
            let ident = p.ident();
            let ty = p.ty;
            quote!(#ident: &#ty)
        });
        quote! {
            fn #name(__st_item: &mut #st::Item, #(#args),*) -> ::core::result::Result<(), #st::EncodeError> {
                #body
                ::core::result::Result::Ok(())
            }
        }
    }

    /// The functions writing key attributes into an item.
    fn writers(&self) -> TokenStream {
        let model = self.model;
        let mut body =
            self.render_template(&model.partition_key, &quote!(__ST_PK), Role::Partition);
        if let Some(sort) = &model.sort_key {
            body.extend(self.render_template(sort, &quote!(__ST_SK), Role::Sort));
            if let Some(shards) = &model.shards {
                let st = self.st;
                let n = shards.value;
                body.extend(quote! {
                    #st::__private::apply_shard(__st_item, __ST_PK.name, __ST_SK.name, #n)?;
                });
            }
        }
        let mut out = self.writer(&format_ident!("__st_primary"), &self.primary_params(), body);
        if model.indexes.iter().any(Self::is_local) {
            let body =
                self.render_template(&model.partition_key, &quote!(__ST_PK), Role::Partition);
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
                        let c = Self::index_ident(i, "P0");
                        body.extend(self.render_template(template, &quote!(#c), Role::Partition));
                    }
                    if let Some(template) = sort {
                        let c = Self::index_ident(i, "S0");
                        body.extend(self.render_template(template, &quote!(#c), Role::Sort));
                    }
                }
                EntityIndexKeys::Fields { partition, sort } => {
                    let st = self.st;
                    let sides = [(Role::Partition, partition, "P"), (Role::Sort, sort, "S")];
                    for (role, fields, prefix) in sides {
                        let role_tokens = role.tokens(st);
                        for (j, field_name) in fields.iter().enumerate() {
                            let field = self.field(&field_name.value);
                            let ident = &field.ident;
                            let name = field.name();
                            let c = Self::index_ident(i, &format!("{prefix}{j}"));
                            let to_value = match option_inner(&field.ty) {
                                Some(inner) => quote_spanned! {span_of(inner)=>
                                    <#inner as #st::Attribute>::to_attribute_value
                                },
                                None => {
                                    let codec = self.codec(field);
                                    quote!(#codec.to_value)
                                }
                            };
                            body.extend(quote! {
                                #st::__private::insert_key_value(
                                    __st_item, #c, #role_tokens, #name, #ident, #to_value
                                )?;
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

    /// The write default of `field`: the function of `default = "path"` on a stored
    /// `Option` field that no lifecycle marker fills (`created_at` / `updated_at` are
    /// stamped by the client). A put of the field as `None` stores what the function
    /// returns (nothing, when it returns `None`).
    fn write_default(field: &FieldModel) -> Option<&syn::Path> {
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
    fn defaulted_value(&self, field: &FieldModel) -> syn::Ident {
        format_ident!("__st_v{}", self.position(field))
    }

    /// `let __st_vN: &T = …;`: the field as held, or (when `None`) its write default,
    /// called once. The call is spanned at the path, so a function of the wrong type is
    /// reported where it was named.
    fn defaulted_binding(&self, field: &FieldModel, path: &syn::Path) -> TokenStream {
        let ident = &field.ident;
        let ty = &field.ty;
        let value = self.defaulted_value(field);
        let slot = format_ident!("__st_d{}", self.position(field));
        let call = Self::default_call(path, ty);
        quote! {
            let #slot: #ty;
            let #value: &#ty = if ::core::option::Option::is_some(&self.#ident) {
                &self.#ident
            } else {
                #slot = #call;
                &#slot
            };
        }
    }

    /// `path()` through a `fn() -> T` pointer, spanned at the path: a function of
    /// another type is reported there as the decode side reports it (expected
    /// `fn() -> T`), once however often it is called.
    fn default_call(path: &syn::Path, ty: &syn::Type) -> TokenStream {
        // The type too is spanned at the path, so the error has one place.
        let ty = respan(ty.to_token_stream(), span_of(path));
        quote_spanned! {span_of(path)=>
            {
                let __st_default: fn() -> #ty = #path;
                __st_default()
            }
        }
    }

    /// The expression of type `&T` a write encodes for `field`: its write default's
    /// binding, or the field itself.
    fn written_value(&self, field: &FieldModel) -> TokenStream {
        if Self::write_default(field).is_some() {
            let value = self.defaulted_value(field);
            quote!(#value)
        } else {
            let ident = &field.ident;
            quote!(&self.#ident)
        }
    }

    fn encode_item(&self) -> TokenStream {
        let st = self.st;
        let model = self.model;
        let stored: Vec<&FieldModel> = model.fields.iter().filter(|f| f.is_stored()).collect();
        let item = format_ident!("__st_item");
        // Write defaults first: the attributes and every key rendered from the fields
        // see the same values.
        let defaults: TokenStream = stored
            .iter()
            .filter_map(|field| {
                Self::write_default(field).map(|path| self.defaulted_binding(field, path))
            })
            .collect();
        let encodes = stored.iter().map(|field| {
            let codec = self.codec(field);
            encode_field(&item, field, &quote!(#codec), self.written_value(field))
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
                quote!(#name(&mut __st_item, #(#args),*)?;)
            })
            .collect();
        // Native index keys are the fields themselves: check them as keys.
        let mut checked: Vec<&str> = Vec::new();
        let mut native_checks = TokenStream::new();
        for index in &model.indexes {
            if let EntityIndexKeys::Fields { partition, sort } = &index.keys {
                let sides = [(Role::Partition, partition), (Role::Sort, sort)];
                for (role, fields) in sides {
                    let role = role.tokens(st);
                    for name in fields {
                        let attribute = &self.field(&name.value).attribute.value;
                        if !checked.contains(&attribute.as_str()) {
                            checked.push(attribute);
                            native_checks.extend(quote! {
                                #st::__private::check_native_key(&mut __st_item, #attribute, #role)?;
                            });
                        }
                    }
                }
            }
        }
        let entity_type = &model.entity_type.value;
        quote! {
            fn to_item(&self) -> ::core::result::Result<#st::Item, #st::EncodeError> {
                #defaults
                let mut __st_item: #st::Item = #st::Item::with_capacity(#capacity);
                #(#encodes)*
                #native_checks
                __st_primary(&mut __st_item, #(#primary_args),*)?;
                #(#index_writes)*
                #st::__private::insert_entity_type(&mut __st_item, __ST_ET, #entity_type);
                ::core::result::Result::Ok(__st_item)
            }
        }
    }

    fn decode_item(&self) -> TokenStream {
        let st = self.st;
        let model = self.model;
        let entity_type = &model.entity_type.value;
        let item = format_ident!("__st_item");
        let fields = model.fields.iter().map(|field| {
            let ident = &field.ident;
            let codec = self.codec(field);
            let value = decode_field(&item, field, &quote!(#codec));
            quote!(#ident: #value)
        });
        quote! {
            fn from_item(mut __st_item: #st::Item) -> ::core::result::Result<Self, #st::DecodeError> {
                #st::__private::check_entity_type(&mut __st_item, __ST_ET, #entity_type)?;
                ::core::result::Result::Ok(Self { #(#fields),* })
            }
        }
    }

    /// `type KeyFields` and `decode_key`.
    fn decode_key(&self) -> (TokenStream, TokenStream) {
        let st = self.st;
        let model = self.model;
        let params = self.primary_params();
        let types = params.iter().map(|p| p.ty);
        let key_fields_ty = quote!((#(#types,)*));
        let mut statements = TokenStream::new();
        if let Some(shards) = &model.shards {
            let n = shards.value;
            statements.extend(quote! {
                let __st_unsharded = #st::__private::strip_shard(__st_key, __ST_PK.name, #n)?;
                let __st_key = &__st_unsharded;
            });
        }
        let sides = [
            (
                Some(&model.partition_key),
                quote!(__ST_PK),
                quote!(__ST_PK_TEMPLATE),
                quote!(__st_pk),
            ),
            (model.sort_key.as_ref(), quote!(__ST_SK), quote!(__ST_SK_TEMPLATE), quote!(__st_sk)),
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
                        quote!(#st::__private::decode_lone_key(
                            __st_key, #attribute, &#template_const, #name, #key_codec, #codec
                        )?),
                    ));
                }
                continue;
            }
            statements.extend(quote! {
                let #texts = #st::__private::key_texts(__st_key, #attribute, &#template_const)?;
            });
            for (position, name) in template.fields().enumerate() {
                if !sources.iter().any(|(n, _)| n == name) {
                    let key_codec = self.key_codec(self.field(name));
                    sources.push((
                        name.to_owned(),
                        quote!((#key_codec.parse)(&#texts, #position, #name)?),
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
            fn decode_key(__st_key: &#st::Item) -> ::core::result::Result<Self::KeyFields, #st::DecodeError> {
                #statements
                ::core::result::Result::Ok((#(#values,)*))
            }
        };
        (key_fields_ty, decode_key)
    }

    /// The inherent `key` and `<index>_key` functions.
    fn key_fns(&self) -> TokenStream {
        let st = self.st;
        let model = self.model;
        let ident = &model.rust_name;
        let entity = &self.entity_name;

        let signature = |params: &[Param<'_>]| {
            let args = params.iter().map(|p| {
                let ident = p.ident();
                let ty = p.ty;
                quote!(#ident: impl ::core::convert::Into<#ty>)
            });
            let conversions = params.iter().map(|p| {
                let ident = p.ident();
                let ty = p.ty;
                quote!(let #ident: #ty = ::core::convert::Into::into(#ident);)
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
            pub fn key(#args) -> #st::Key<Self> {
                #conversions
                let mut __st_item = #st::Item::with_capacity(2);
                let __st_result = __st_primary(&mut __st_item, #primary_refs);
                #st::Key::from_attributes(__st_result.map(|()| __st_item))
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
                        .and_then(|()| #writer(&mut __st_item, #index_refs))
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
                pub fn #fn_name(#args) -> #st::IndexKey<Self> {
                    #conversions
                    let mut __st_item = #st::Item::with_capacity(4);
                    let __st_result = #call;
                    #st::IndexKey::new(#index_name, __st_result.map(|()| __st_item))
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
        None => quote!(#st::__private::NoTable),
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
mod tests {
    use super::entity_checked;
    use crate::derive::parse_entity;
    use crate::diagnostic::Diagnostics;

    fn model(source: &str) -> crate::model::EntityModel {
        let input: syn::DeriveInput = match syn::parse_str(source) {
            Ok(input) => input,
            Err(e) => panic!("test input: {e}"),
        };
        let mut cx = Diagnostics::new();
        match parse_entity(&input, &mut cx) {
            Some(model) => model,
            None => panic!("parse failed: {:?}", cx.errors()),
        }
    }

    /// A front end that skips validation still gets diagnostics, not a panic.
    #[test]
    fn unknown_template_fields_are_diagnostics() {
        let unvalidated = model(
            r#"#[entity(table = App, pk = "USER#{nope}", sk = "X#{gone}",
                        index(GSI1, pk = "E#{also_gone}", sk = "Y"))]
               struct User { user_id: String }"#,
        );
        let errors = match entity_checked(&unvalidated) {
            Ok(_) => panic!("an unknown field must not emit code"),
            Err(cx) => cx.into_errors(),
        };
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "entity `User` has no field `nope`",
                "entity `User` has no field `gone`",
                "entity `User` has no field `also_gone`",
            ]
        );
    }

    #[test]
    fn a_resolvable_model_emits_its_hooks() {
        let valid = model(
            r#"#[entity(table = App, pk = "USER#{user_id}", sk = "P", validate = "check")]
               struct User { user_id: String, #[entity(validate = "non_empty")] name: String }"#,
        );
        let tokens = match entity_checked(&valid) {
            Ok(tokens) => tokens.to_string(),
            Err(cx) => panic!("{:?}", cx.errors()),
        };
        assert!(tokens.contains("fn validate_write"));
        assert!(tokens.contains("fn validate_attribute"));
        assert!(tokens.contains("non_empty"));
        assert!(tokens.contains("check (self)"));
    }

    /// Write defaults: only `default = "fn"` on a stored `Option` field; the encode and
    /// both hooks use the defaulted value (the entity hook through a defaulted copy).
    #[test]
    fn write_defaults_apply_to_option_fields_before_the_hooks() {
        let valid = model(
            r#"#[entity(table = App, pk = "USER#{user_id}", sk = "P", validate = "check")]
               struct User {
                   user_id: String,
                   #[entity(default = "plan", validate = "known")] plan: Option<String>,
                   #[entity(default = "credits")] credits: u32,
                   #[entity(default)] nick: Option<String>,
                   #[entity(default = "stamp", created_at)] created: Option<Timestamp>,
               }"#,
        );
        let tokens = match entity_checked(&valid) {
            Ok(tokens) => tokens.to_string(),
            Err(cx) => panic!("{:?}", cx.errors()),
        };
        // `plan` (field 1): bound once in `to_item`, once for its hook.
        let call = "{ let __st_default : fn () -> Option < String > = plan ; __st_default () }";
        assert_eq!(tokens.matches(&format!("__st_d1 = {call}")).count(), 1, "{tokens}");
        assert!(tokens.contains(&format!("__st_copy . plan = {call}")));
        assert!(tokens.contains("known (& __st_this . plan)"));
        assert!(tokens.contains("check (__st_this)"));
        assert!(tokens.contains("< Self as :: core :: clone :: Clone > :: clone (self)"));
        // Read-side only: a required field, `default` without a function, a stamped field.
        for field in ["__st_d2", "__st_d3", "__st_d4"] {
            assert!(!tokens.contains(field), "{field}");
        }

        let no_entity_hook = model(
            r#"#[entity(table = App, pk = "USER#{user_id}", sk = "P")]
               struct User {
                   user_id: String,
                   #[entity(default = "plan", validate = "known")] plan: Option<String>,
               }"#,
        );
        let tokens = match entity_checked(&no_entity_hook) {
            Ok(tokens) => tokens.to_string(),
            Err(cx) => panic!("{:?}", cx.errors()),
        };
        // One binding in `validate_write`, one in `to_item`; no copy, no `Clone`.
        assert_eq!(tokens.matches("__st_d1 = {").count(), 2, "{tokens}");
        assert!(tokens.contains("known (__st_v1)"));
        assert!(!tokens.contains("Clone"));
    }

    /// The schema-file front end builds the same field model, so `default = "path"` on
    /// an `Option` field is a write default there too.
    #[cfg(feature = "schema")]
    #[test]
    fn schema_files_get_the_same_write_defaults() {
        let source = r#"
            [table]
            name = "App"
            pk = "PK"
            sk = "SK"

            [[entities]]
            name = "User"
            pk = "USER#{user_id}"
            sk = "P"
            validate = "super::check"

            [entities.fields]
            user_id = "String"
            plan = { type = "Option<String>", default = "super::plan", validate = "super::known" }
        "#;
        let models = match crate::schema::parse_str(source, "app.toml", crate::schema::Format::Toml)
        {
            Ok(models) => models,
            Err(cx) => panic!("{:?}", cx.errors()),
        };
        let from_schema = match models.entities.first().map(entity_checked) {
            Some(Ok(tokens)) => tokens.to_string(),
            other => panic!("{other:?}"),
        };
        let derived = model(
            r#"#[entity(table = App, pk = "USER#{user_id}", sk = "P", validate = "super::check")]
               struct User {
                   user_id: String,
                   #[entity(default = "super::plan", validate = "super::known")]
                   plan: ::core::option::Option<::std::string::String>,
               }"#,
        );
        let from_derive = match entity_checked(&derived) {
            Ok(tokens) => tokens.to_string(),
            Err(cx) => panic!("{:?}", cx.errors()),
        };
        // The schema front end writes types by their full paths.
        let call = "{ let __st_default : fn () -> :: core :: option :: Option < :: std :: \
                    string :: String > = super :: plan ; __st_default () }";
        for tokens in [&from_schema, &from_derive] {
            assert!(tokens.contains(&format!("__st_d1 = {call}")), "{tokens}");
            assert!(tokens.contains(&format!("__st_copy . plan = {call}")), "{tokens}");
            assert!(tokens.contains("super :: check (__st_this)"), "{tokens}");
        }
    }
}

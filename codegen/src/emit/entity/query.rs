//! The query builders of an entity: one typestate builder per access pattern (the
//! table's primary key, each index), `query()` / `by_<index>()` to start them, and
//! `scan()`.
//!
//! A builder is one generated struct `<Entity><Pattern><const __P: usize, const __S: usize,
//! __M>` wrapping the runtime's `KeyQuery`: `__P` counts the partition-key fields given,
//! `__S` the sort-key fields, and each stage has the method of the next key field only,
//! so fields come in key order. Partition stages are generic over `M` (the entity, or a
//! collection started from this pattern); the sort stages are for the entity. All the
//! stages whose partition key is complete (`__P` = the partition's field count) share
//! one `KeyStage` impl, through which the runtime implements `IntoQuery` and
//! `IntoCollectionQuery` once for every stage; what a query stopping at a stage asks of
//! the sort key is set in the `KeyQuery` where the partition completes. Every method body
//! is a short chain of calls into the runtime, so the expansion stays small: each sort
//! field gets one `<field>_range()` method handing a `SortField<T, Entity, Index>` (how
//! its key attribute holds it) to the runtime's generic `SortRange` (`lt`, `le`, `gt`,
//! `ge`, `between`, and `begins_with` on `String` fields); the equality that ends a key
//! is one call into the same `SortField`.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::access::index_fn_stem;
use super::Emitter;
use crate::model::{option_inner, EntityIndexKeys, FieldModel, KeyTemplate, TemplatePart};

/// One side of an access pattern's key.
pub(super) enum Side<'m> {
    /// A template rendered to one attribute (`attr`: the const naming it).
    Template { template: &'m KeyTemplate, attr: TokenStream },
    /// Native attributes: each field is its own key attribute.
    Native { fields: Vec<(String, TokenStream)> },
    /// No sort key.
    None,
}

pub(super) struct Pattern<'m> {
    /// `OrderQuery`, `UserByGsi1`.
    pub(super) ty: syn::Ident,
    /// `query`, `by_gsi1`.
    pub(super) starter: syn::Ident,
    /// `None` for the table.
    pub(super) index: Option<&'m str>,
    /// `Primary`, `Local`, or a GSI's kind: `Global` when the table's projection of the
    /// index holds every field of the entity, else `PartialGlobal` (decided at compile
    /// time from the two schemas).
    pub(super) kind: TokenStream,
    pub(super) partition: Side<'m>,
    pub(super) sort: Side<'m>,
}

/// A step of the builder: a field whose value is given at this stage.
pub(super) struct Step<'m> {
    pub(super) field: &'m FieldModel,
    /// The type the method takes (`Into<T>`).
    ty: syn::Type,
}

impl<'a> Emitter<'a> {
    pub(super) fn patterns(&self) -> Vec<Pattern<'a>> {
        let model = self.model;
        let mut out = vec![Pattern {
            ty: pattern_type(&model.rust_name, None),
            starter: pattern_starter(None),
            index: None,
            kind: quote!(__st::query::Primary),
            partition: Side::Template { template: &model.partition_key, attr: self.pk_attr() },
            sort: match &model.sort_key {
                Some(template) => Side::Template { template, attr: self.sk_attr() },
                None => Side::None,
            },
        }];
        for (i, index) in self.indexes() {
            let index_name = index.name.value.as_str();
            let local = Self::is_local(index);
            let kind = if local {
                self.native_kind(i, quote!(__st::query::Local))
            } else {
                // An alias in the const block (see `kind_aliases`), so the projection
                // check is one constant per index.
                let alias = format_ident!("__StKind{}", i);
                quote!(#alias)
            };
            let table_partition =
                Side::Template { template: &model.partition_key, attr: self.pk_attr() };
            let (partition, sort) = match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    let p0 = self.index_attr(i, false, 0);
                    let s0 = self.index_attr(i, true, 0);
                    let partition = match partition {
                        Some(template) => Side::Template { template, attr: quote!(#p0) },
                        None => table_partition,
                    };
                    let sort = match sort {
                        Some(template) => Side::Template { template, attr: quote!(#s0) },
                        None => Side::None,
                    };
                    (partition, sort)
                }
                EntityIndexKeys::Fields { partition, sort } => {
                    let side = |fields: &Vec<crate::Spanned<String>>, prefix: &str| Side::Native {
                        fields: fields
                            .iter()
                            .enumerate()
                            .map(|(j, f)| {
                                let c = self.index_attr(i, prefix == "S", j);
                                (f.value.clone(), quote!(#c))
                            })
                            .collect(),
                    };
                    let partition =
                        if partition.is_empty() { table_partition } else { side(partition, "P") };
                    let sort = if sort.is_empty() { Side::None } else { side(sort, "S") };
                    (partition, sort)
                }
            };
            out.push(Pattern {
                ty: pattern_type(&model.rust_name, Some(index_name)),
                starter: pattern_starter(Some(index_name)),
                index: Some(index_name),
                kind,
                partition,
                sort,
            });
        }
        out
    }

    fn step(&self, name: &str, native: bool) -> Step<'a> {
        let field = self.field(name);
        let ty = if native { option_inner(&field.ty).unwrap_or(&field.ty) } else { &field.ty };
        Step { field, ty: ty.clone() }
    }

    /// The fields given at each stage of one side, in order, skipping `known` ones.
    /// `type __StKind<i> = Global | PartialGlobal;` for each GSI `i` of the entity:
    /// whether the table's projection of the index holds every field of the entity,
    /// decided at compile time from the two schemas.
    pub(super) fn kind_aliases(&self) -> TokenStream {
        let model = self.model;
        let table = &model.table;
        let entity = &model.rust_name;
        let mut out = TokenStream::new();
        for (i, index) in self.indexes() {
            if Self::is_local(index) {
                continue;
            }
            let alias = format_ident!("__StKind{}", i);
            let index_name = index.name.value.as_str();
            let kind = self.native_kind(
                i,
                quote! {
                    <__st::query::GlobalKind<{
                        __st::projects_entity::<#table, #entity>(#index_name)
                    }> as __st::query::SelectKind>::Kind
                },
            );
            out.extend(quote!(type #alias = #kind;));
        }
        out
    }

    pub(super) fn side_steps(&self, side: &Side<'_>, known: &[String]) -> Vec<Step<'a>> {
        match side {
            Side::Template { template, .. } => template
                .fields()
                .filter(|f| !known.iter().any(|k| k == f))
                .map(|f| self.step(f, false))
                .collect(),
            Side::Native { fields } => fields
                .iter()
                .filter(|(f, _)| !known.iter().any(|k| k == f))
                .map(|(f, _)| self.step(f, true))
                .collect(),
            Side::None => Vec::new(),
        }
    }

    /// Calls pushing the template parts from part `from` up to the next field not in
    /// `known` (exclusive), or the end; returns the calls and the index where it stopped.
    fn push_until_unknown(
        &self,
        template: &KeyTemplate,
        from: usize,
        known: &[String],
    ) -> (TokenStream, usize) {
        let mut out = TokenStream::new();
        let mut at = from;
        while at < template.parts.len() {
            match &template.parts[at] {
                TemplatePart::Literal(text) => out.extend(quote!(.lit(#text))),
                TemplatePart::Field(name) if known.iter().any(|k| k == name) => {
                    out.extend(quote!(.known(#name)))
                }
                TemplatePart::Field(_) => break,
            }
            at += 1;
        }
        (out, at)
    }

    /// Position in `template.parts` of field `name`.
    fn part_of(template: &KeyTemplate, name: &str) -> usize {
        template
            .parts
            .iter()
            .position(|p| matches!(p, TemplatePart::Field(f) if f == name))
            .unwrap_or(template.parts.len())
    }

    /// The literal after field `name` in `template`, and whether a field follows later.
    fn after(template: &KeyTemplate, name: &str) -> Option<String> {
        let at = Self::part_of(template, name) + 1;
        let rest: Vec<&TemplatePart> =
            template.parts[at.min(template.parts.len())..].iter().collect();
        match rest.first() {
            Some(TemplatePart::Literal(text)) => Some(text.clone()),
            // A field directly after a field cannot be (templates are checked), and the
            // end of the template has nothing after.
            _ => None,
        }
    }

    /// Calls that close the partition side (the template's literals were pushed with its
    /// fields), then push the sort template's leading parts.
    fn after_partition(&self, pattern: &Pattern<'_>, known: &[String]) -> TokenStream {
        let mut out = TokenStream::new();
        if let Side::Template { template, attr } = &pattern.partition {
            if template.lone_field().is_none() {
                out.extend(quote!(.partition_text(#attr)));
            }
        }
        if let Side::Template { template, attr } = &pattern.sort {
            if template.lone_field().is_none() {
                let (pushes, _) = self.push_until_unknown(template, 0, known);
                out.extend(pushes);
                // What a query stopping before the sort key is complete asks for: the
                // whole key when the template has no field to give, else its prefix.
                if self.side_steps(&pattern.sort, known).is_empty() {
                    out.extend(quote!(.then_exact(#attr)));
                } else {
                    out.extend(quote!(.then_prefix(#attr)));
                }
            }
        }
        out
    }

    fn key_codec_of(&self, field: &FieldModel) -> TokenStream {
        let c = self.key_codec(field);
        quote!(#c)
    }

    fn to_value_of(&self, field: &FieldModel) -> TokenStream {
        match option_inner(&field.ty) {
            Some(inner) => quote!(<#inner as __st::Attribute>::to_attribute_value),
            None => {
                let codec = self.codec(field);
                quote!(#codec.to_value)
            }
        }
    }

    /// The stage structs (module level) and their impls (inside the const block).
    pub(super) fn queries(
        &self,
        patterns: &[Pattern<'a>],
    ) -> (TokenStream, TokenStream, TokenStream) {
        let st = self.st;
        let entity = &self.model.rust_name;
        let vis = &self.model.vis;
        let name = &self.entity_name;
        let mut structs = TokenStream::new();
        let mut impls = TokenStream::new();
        let mut starters = TokenStream::new();
        for pattern in patterns {
            let ty = &pattern.ty;
            let kind = &pattern.kind;
            let partition_steps = self.side_steps(&pattern.partition, &[]);
            let known: Vec<String> = partition_steps.iter().map(|s| s.field.name()).collect();
            let sort_steps = self.side_steps(&pattern.sort, &known);
            let p = partition_steps.len();
            let index = match pattern.index {
                Some(index) => quote!(__st::Option::Some(#index)),
                None => quote!(__st::Option::None),
            };
            let what = match pattern.index {
                Some(index) => format!("index `{index}`"),
                None => "the table's primary key".to_owned(),
            };
            let fields_doc: Vec<String> = partition_steps
                .iter()
                .chain(&sort_steps)
                .map(|s| format!("`{}`", s.field.name()))
                .collect();
            let struct_doc = format!(
                " A query of `{name}` on {what}, one key field at a time (in order: {}). \
                 Start it with `{name}::{}()`; once the partition key is complete it is an \
                 `IntoQuery`.",
                if fields_doc.is_empty() { "none".to_owned() } else { fields_doc.join(", ") },
                pattern.starter
            );
            structs.extend(quote! {
                #[doc = #struct_doc]
                #[must_use = "a query does nothing until it is sent"]
                #vis struct #ty<const __P: usize = 0, const __S: usize = 0, __M = #entity>(
                    #[doc(hidden)] pub #st::query::KeyQuery,
                    #[doc(hidden)] pub ::core::marker::PhantomData<fn() -> __M>,
                );
            });

            // Stage 0: the literals before the first unknown field (and, when the
            // partition has no field, the whole partition).
            let mut start = TokenStream::new();
            if let Side::Template { template, .. } = &pattern.partition {
                if template.lone_field().is_none() {
                    let (pushes, _) = self.push_until_unknown(template, 0, &[]);
                    start.extend(pushes);
                }
            }
            if p == 0 {
                start.extend(self.after_partition(pattern, &known));
            }
            let table = quote!(__ST_K.table);
            let starter = &pattern.starter;
            let starter_doc = format!(" Starts a query of `{name}` on {what}.");
            // A collection's `query()` starts from this (its fields are public for that).
            starters.extend(quote! {
                #[doc = #starter_doc]
                pub fn #starter() -> #ty {
                    #ty(__st::query::KeyQuery::new(#table, #index)#start, __st::PhantomData)
                }
            });

            // Partition stages.
            for (k, step) in partition_steps.iter().enumerate() {
                let field = step.field;
                let ident = &field.ident;
                let field_name = field.name();
                let step_ty = &step.ty;
                let next = k + 1;
                let push = match &pattern.partition {
                    Side::Template { template, attr } => {
                        if template.lone_field().is_some() {
                            let codec = self.codec(field);
                            let key = self.key_codec_of(field);
                            quote!(.partition_lone(#attr, #field_name, &#ident, #key, #codec))
                        } else {
                            let key = self.key_codec_of(field);
                            let given: Vec<String> =
                                partition_steps[..=k].iter().map(|s| s.field.name()).collect();
                            let (pushes, _) = self.push_until_unknown(
                                template,
                                Self::part_of(template, &field_name) + 1,
                                &given,
                            );
                            quote!(.field(#field_name, #key, &#ident) #pushes)
                        }
                    }
                    Side::Native { fields } => {
                        let attr = fields
                            .iter()
                            .find(|(f, _)| *f == field_name)
                            .map(|(_, a)| a.clone())
                            .unwrap_or_default();
                        let to_value = self.to_value_of(field);
                        quote!(.partition_value(#attr, #field_name, &#ident, #to_value))
                    }
                    Side::None => TokenStream::new(),
                };
                let finish = if next == p {
                    self.after_partition(pattern, &known)
                } else {
                    TokenStream::new()
                };
                let doc = format!(" The partition-key field `{field_name}`.");
                impls.extend(quote! {
                    impl<__M> #ty<#k, 0, __M> {
                        #[doc = #doc]
                        pub fn #ident(self, #ident: impl __st::Into<#step_ty>) -> #ty<#next, 0, __M> {
                            let #ident: #step_ty = __st::Into::into(#ident);
                            #ty(self.0 #push #finish, __st::PhantomData)
                        }
                    }
                });
            }

            // Sort stages.
            let query_ty = quote!(__st::Query<#entity, #kind>);
            for (s, step) in sort_steps.iter().enumerate() {
                let next = s + 1;
                let last = s + 1 == sort_steps.len();
                let field = step.field;
                let ident = &field.ident;
                let field_name = field.name();
                let step_ty = &step.ty;
                // How the field's key attribute holds it: built where it is used (a
                // `const` per sort field would cost an evaluation each).
                let (spec_value, eq) = match &pattern.sort {
                    Side::Template { template, attr } => {
                        let key = self.key_codec_of(field);
                        if template.lone_field().is_some() {
                            let codec = self.codec(field);
                            (quote!(lone(#attr, #field_name, #key, #codec)), None)
                        } else {
                            let given: Vec<String> = known
                                .iter()
                                .cloned()
                                .chain(sort_steps[..=s].iter().map(|s| s.field.name()))
                                .collect();
                            let (pushes, _) = self.push_until_unknown(
                                template,
                                Self::part_of(template, &field_name) + 1,
                                &given,
                            );
                            let after = match Self::after(template, &field_name) {
                                Some(text) => quote!(__st::Option::Some(#text)),
                                None => quote!(__st::Option::None),
                            };
                            // The last field with nothing after it: `SortField::eq`
                            // renders the whole key.
                            let eq = if last && pushes.is_empty() {
                                None
                            } else if last {
                                Some(
                                    quote!(.field(#field_name, #key, &#ident) #pushes .sort_exact(#attr)),
                                )
                            } else {
                                Some(quote!(.field(#field_name, #key, &#ident) #pushes))
                            };
                            (quote!(text(#attr, #field_name, #key, #after)), eq)
                        }
                    }
                    Side::Native { fields } => {
                        let attr = fields
                            .iter()
                            .find(|(f, _)| *f == field_name)
                            .map(|(_, a)| a.clone())
                            .unwrap_or_default();
                        let to_value = self.to_value_of(field);
                        let eq = (!last).then(
                            || quote!(.sort_value_eq(#attr, #field_name, &#ident, #to_value)),
                        );
                        (quote!(value(#attr, #field_name, #to_value)), eq)
                    }
                    Side::None => (TokenStream::new(), None),
                };
                let spec = quote!(__st::query::SortField::#spec_value);
                let eq_fn = if last {
                    let doc = format!(" `{field_name}` equals the value: the whole key is given.");
                    let body = match &eq {
                        Some(eq) => quote! {
                            let #ident: #step_ty = __st::Into::into(#ident);
                            __st::Query::new(self.0 #eq)
                        },
                        None => quote!(#spec.eq(self.0, #ident)),
                    };
                    quote! {
                        #[doc = #doc]
                        pub fn #ident(self, #ident: impl __st::Into<#step_ty>) -> #query_ty {
                            #body
                        }
                    }
                } else {
                    let doc = format!(
                        " `{field_name}` equals the value; the next sort field may follow."
                    );
                    let eq = eq.unwrap_or_default();
                    quote! {
                        #[doc = #doc]
                        pub fn #ident(self, #ident: impl __st::Into<#step_ty>) -> #ty<#p, #next> {
                            let #ident: #step_ty = __st::Into::into(#ident);
                            #ty(self.0 #eq, __st::PhantomData)
                        }
                    }
                };
                let range_fn = format_ident!("{}_range", field_name);
                let doc = format!(
                    " A range condition on `{field_name}`: `lt`, `le`, `gt`, `ge`, `between` \
                     (and `begins_with` on a `String`)."
                );
                let range_fns = quote! {
                    #[doc = #doc]
                    pub fn #range_fn(self) -> __st::query::SortRange<#step_ty, #entity, #kind> {
                        __st::query::SortRange::new(self.0, #spec)
                    }
                };
                impls.extend(quote! {
                    impl #ty<#p, #s> {
                        #eq_fn
                        #range_fns
                    }
                });
            }

            // The partition fields' types, for collections over this pattern.
            let hash = super::checks::name_hash(pattern.index.unwrap_or(""));
            let types = partition_steps.iter().map(|s| &s.ty);
            impls.extend(quote! {
                impl __st::collection::PartitionTypes<#hash> for #entity {
                    type Types = (#(#types,)*);
                }
            });

            // Every stage whose partition is complete is a query (or, started by a
            // collection, a collection query): one impl for all of them.
            impls.extend(quote! {
                impl<const __S: usize, __M> __st::query::KeyStage for #ty<#p, __S, __M> {
                    type Entity = #entity;
                    type Index = #kind;
                    type Target = __M;
                    fn key_query(self) -> __st::query::KeyQuery {
                        self.0
                    }
                }
            });
        }
        let scan_doc = format!(" Scans the table for every `{name}` (filtered by entity type).");
        starters.extend(quote! {
            #[doc = #scan_doc]
            pub fn scan() -> __st::Scan<Self> {
                __st::Scan::new()
            }
        });
        (structs, impls, starters)
    }
}

/// The function starting an access pattern's builder: `query` for the table,
/// `by_gsi1` for index `GSI1`, `by_tenant` for `ByTenant`.
pub(crate) fn pattern_starter(index: Option<&str>) -> syn::Ident {
    match index {
        None => format_ident!("query"),
        Some(index) => {
            let stem = index_fn_stem(index);
            let stem = stem.strip_prefix("by_").unwrap_or(&stem);
            format_ident!("by_{}", stem)
        }
    }
}

/// The builder type of an access pattern: `OrderQuery` for the table, `UserByGsi1` for
/// index `GSI1`, `MemberByTenant` for `ByTenant`.
pub(crate) fn pattern_type(entity: &syn::Ident, index: Option<&str>) -> syn::Ident {
    match index {
        None => format_ident!("{}Query", entity),
        Some(index) => {
            let camel = index.to_upper_camel_case();
            let camel = camel.strip_prefix("By").filter(|rest| !rest.is_empty()).unwrap_or(&camel);
            format_ident!("{}By{}", entity, camel)
        }
    }
}

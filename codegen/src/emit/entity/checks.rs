//! The compile-time checks between an entity and its table: one `const` block of
//! `assert!`s over the table's `SCHEMA`, each spanned at the user's token.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::{Emitter, Role};
use crate::emit::{check_stmt, span_of};
use crate::model::{option_inner, EntityIndexKeys, FieldModel, KeyTemplate};

impl<'a> Emitter<'a> {
    /// The type check of one template against the key attribute it renders to.
    pub(super) fn template_type_check(
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
                    quote!(#guard __st::takes_lone(#attribute, #scalar)),
                    &format!(
                        "entity `{entity}`: the template `{source}` stores field `{name}` as \
                         {what}, which is typed N or B; a lone `{{field}}` stores the field's \
                         own value there, so the field must have that type"
                    ),
                )
            }
            None => check_stmt(
                span,
                quote!(#guard __st::takes_text(#attribute)),
                &format!(
                    "entity `{entity}`: the template `{source}` renders a string, but {what} is \
                     typed N or B; use a lone `{{field}}` template of a field of that type"
                ),
            ),
        }
    }

    pub(super) fn checks(&self) -> TokenStream {
        let st = self.st;
        let model = self.model;
        let entity = &self.entity_name;
        let table = &self.table_name;
        let ident = &model.rust_name;
        // `let`s, not `const`s: the block is one evaluation.
        let mut out = quote!(let __st_table = __st::table_schema::<#ident>(););

        // The sort key: present on both sides or on neither.
        match (&model.sort_key, &model.sort_span) {
            (Some(_), Some(span)) => out.extend(check_stmt(
                span.span(),
                quote!(__st_table.sort_key.is_some()),
                &format!(
                    "table `{table}` has no sort key, so entity `{entity}` cannot have an `sk` \
                     template"
                ),
            )),
            _ => out.extend(check_stmt(
                span_of(&model.table),
                quote!(__st_table.sort_key.is_none()),
                &format!(
                    "table `{table}` has a sort key: entity `{entity}` needs an `sk` template \
                     (e.g. `sk = \"PROFILE\"` or `sk = \"ORDER#{{order_id}}\"`)"
                ),
            )),
        }
        out.extend(self.template_type_check(
            &model.partition_key,
            self.pk_attr(),
            TokenStream::new(),
            &format!("the partition key of table `{table}`"),
        ));
        if let Some(sort) = &model.sort_key {
            out.extend(self.template_type_check(
                sort,
                self.sk_attr(),
                quote!(__st_table.sort_key.is_none() ||),
                &format!("the sort key of table `{table}`"),
            ));
        }

        for (i, index) in self.indexes() {
            let name = &index.name.value;
            let name_span = index.name.span.span();
            // The index looked up once; each check below reads its fields.
            let facts = format_ident!("__st_facts{}", i);
            out.extend(quote! {
                let #facts = __st::index_facts::of(&__st_table, #name);
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
                            let attribute = self.index_attr(i, false, 0);
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
                            let attribute = self.index_attr(i, true, 0);
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
                        let name_is = quote!(__st::index_facts::name_is);
                        let type_is = quote!(__st::index_facts::type_is);
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
            .map(|(i, _)| format_ident!("__st_facts{}", i));
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
            let __st_taken = __st::index_facts::first_taken(
                &__st_table, &[#(#attributes),*], &[#(#template_facts),*], #lone_pk, #lone_sk
            );
        });
        for (j, field) in stored.into_iter().enumerate() {
            let name = field.name();
            let attribute = &field.attribute.value;
            out.extend(check_stmt(
                field.attribute.span.span(),
                quote!(__st_taken != #j),
                &format!(
                    "field `{name}` of entity `{entity}` is stored as attribute `{attribute}`, \
                     which table `{table}` uses for a key or for the entity type; rename the \
                     field's attribute (`#[entity(rename = \"...\")]`)"
                ),
            ));
            if let Some(span) = &field.markers.ttl {
                out.extend(check_stmt(
                    span.span(),
                    quote!(__st::ttl_attribute_is(&__st_table, #attribute)),
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
}

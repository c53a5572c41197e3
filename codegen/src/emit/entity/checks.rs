//! The compile-time checks between an entity and its table: the macro describes the
//! entity (`__st::EntityCheck`: which templates, indexes and stored fields, names with
//! their hashes), `__st::entity_check` compares that with the table's schema in one
//! `const` evaluation and returns the code of the first failing check, and one `match`
//! on the code reports it, each arm spanned at the user's token.
//!
//! The codes are `__private::entity_check`'s (`SORT`, `INDEX + i * INDEX_STRIDE + IX_*`,
//! `FIELD + 2j`, …); the constants below mirror them and must stay equal.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use super::Emitter;
use crate::emit::span_of;
use crate::model::{option_inner, EntityIndexKeys, FieldModel, KeyTemplate};

const SORT: u32 = 1;
const PK_TYPE: u32 = 2;
const SK_TYPE: u32 = 3;
const INDEX: u32 = 16;
const INDEX_STRIDE: u32 = 1024;
const IX_EXISTS: u32 = 0;
const IX_LSI_WITH_PK: u32 = 1;
const IX_GSI_WITHOUT_PK: u32 = 2;
const IX_PK_MULTI: u32 = 3;
const IX_PK_TYPE: u32 = 4;
const IX_SK_NONE: u32 = 5;
const IX_SK_MULTI: u32 = 6;
const IX_SK_TYPE: u32 = 7;
const IX_SK_MISSING: u32 = 8;
const IX_PK_COUNT: u32 = 9;
const IX_SK_COUNT: u32 = 10;
const IX_PK_FIELD: u32 = 16;
const IX_SK_FIELD: u32 = 512;
const FIELD: u32 = 1 << 20;

/// A position as a code offset (an entity has far fewer than 2^20 fields or indexes).
fn code(position: usize) -> u32 {
    u32::try_from(position).expect("a position fits a check code")
}

/// FNV-1a (64-bit), the same as `__private::name_hash`.
pub(crate) fn name_hash(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The arms of the generated `match`: a code and, spanned at the user's token, the call
/// reporting its message.
#[derive(Default)]
struct Arms(TokenStream);

impl Arms {
    fn push(&mut self, code: u32, span: Span, message: &str) {
        let fail = quote_spanned!(span=> __st::fail(#message));
        self.0.extend(quote!(#code => #fail,));
    }
}

impl<'a> Emitter<'a> {
    /// The `Fill` of one template, and the arm reporting that it does not fit the
    /// attribute it renders to (`what`).
    fn template_fill(
        &self,
        arms: &mut Arms,
        code: u32,
        template: &KeyTemplate,
        what: &str,
    ) -> TokenStream {
        let span = template.source.span.span();
        let source = &template.source.value;
        let entity = &self.entity_name;
        match template.lone_field() {
            Some(name) => {
                let ty = &self.field(name).ty;
                let scalar = quote_spanned!(span_of(ty)=> <#ty as __st::ScalarAttribute>::SCALAR);
                arms.push(
                    code,
                    span,
                    &format!(
                        "entity `{entity}`: the template `{source}` stores field `{name}` as \
                         {what}, which is typed N or B; a lone `{{field}}` stores the field's \
                         own value there, so the field must have that type"
                    ),
                );
                quote!(__st::Fill::Lone(#scalar))
            }
            None => {
                arms.push(
                    code,
                    span,
                    &format!(
                        "entity `{entity}`: the template `{source}` renders a string, but \
                         {what} is typed N or B; use a lone `{{field}}` template of a field of \
                         that type"
                    ),
                );
                quote!(__st::Fill::Text)
            }
        }
    }

    /// The check of one side of native key fields: its `(attribute, type)` list, and the
    /// arms of each field's name and type.
    fn field_side(
        &self,
        arms: &mut Arms,
        base: u32,
        fields: &[crate::Spanned<String>],
        side: &str,
        index: &str,
    ) -> TokenStream {
        let entity = &self.entity_name;
        let pairs = fields.iter().enumerate().map(|(j, field_name)| {
            let field = self.field(&field_name.value);
            let attribute = &field.attribute.value;
            let span = field_name.span.span();
            let position = j + 1;
            let code = base + 2 * code(j);
            arms.push(
                code,
                span,
                &format!(
                    "field `{}` of entity `{entity}` is stored as `{attribute}`, but {side}-key \
                     attribute {position} of index `{index}` has another name: list the \
                     fields in key order, or rename the field (`#[entity(rename = \"...\")]`)",
                    field_name.value
                ),
            );
            arms.push(
                code + 1,
                span,
                &format!(
                    "field `{}` of entity `{entity}` does not have the type (S, N or B) of \
                     {side}-key attribute {position} of index `{index}`",
                    field_name.value
                ),
            );
            let ty = option_inner(&field.ty).unwrap_or(&field.ty);
            let scalar = quote_spanned!(span_of(ty)=> <#ty as __st::ScalarAttribute>::SCALAR);
            quote!((#attribute, #scalar))
        });
        let pairs: Vec<TokenStream> = pairs.collect();
        quote!(&[#(#pairs),*])
    }

    /// The checks' `match` expression (the value of a `const _: ()`).
    pub(super) fn checks(&self) -> TokenStream {
        let model = self.model;
        let entity = &self.entity_name;
        let table = &self.table_name;
        let ident = &model.rust_name;
        let mut arms = Arms::default();

        // The sort key: present on both sides or on neither.
        match (&model.sort_key, &model.sort_span) {
            (Some(_), Some(span)) => arms.push(
                SORT,
                span.span(),
                &format!(
                    "table `{table}` has no sort key, so entity `{entity}` cannot have an `sk` \
                     template"
                ),
            ),
            _ => arms.push(
                SORT,
                span_of(&model.table),
                &format!(
                    "table `{table}` has a sort key: entity `{entity}` needs an `sk` template \
                     (e.g. `sk = \"PROFILE\"` or `sk = \"ORDER#{{order_id}}\"`)"
                ),
            ),
        }
        let partition = self.template_fill(
            &mut arms,
            PK_TYPE,
            &model.partition_key,
            &format!("the partition key of table `{table}`"),
        );
        let sort = match &model.sort_key {
            Some(sort) => self.template_fill(
                &mut arms,
                SK_TYPE,
                sort,
                &format!("the sort key of table `{table}`"),
            ),
            None => quote!(__st::Fill::None),
        };

        let mut indexes = Vec::new();
        for (i, index) in self.indexes() {
            let base = INDEX + code(i) * INDEX_STRIDE;
            let name = &index.name.value;
            let name_span = index.name.span.span();
            arms.push(
                base + IX_EXISTS,
                name_span,
                &format!("table `{table}` has no index `{name}` (in entity `{entity}`)"),
            );
            let partition_span = index.partition_span.as_ref().map_or(name_span, |s| s.span());
            let sort_span = index.sort_span.as_ref().map_or(name_span, |s| s.span());
            let lsi_with_pk = format!(
                "index `{name}` is a local secondary index: it shares the table's partition key, \
                 so entity `{entity}` gives it no `pk`"
            );
            let gsi_without_pk = format!(
                "index `{name}` is a global secondary index: entity `{entity}` needs a `pk` for it"
            );
            let keys = match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    let partition = match partition {
                        Some(template) => {
                            arms.push(base + IX_LSI_WITH_PK, partition_span, &lsi_with_pk);
                            arms.push(
                                base + IX_PK_MULTI,
                                partition_span,
                                &format!(
                                    "index `{name}` has a partition key of several attributes \
                                     (a native multi-attribute key): list the entity's fields \
                                     in key order, `pk = [a, b]`, instead of a template"
                                ),
                            );
                            self.template_fill(
                                &mut arms,
                                base + IX_PK_TYPE,
                                template,
                                &format!("the partition key of index `{name}`"),
                            )
                        }
                        None => {
                            arms.push(base + IX_GSI_WITHOUT_PK, name_span, &gsi_without_pk);
                            quote!(__st::Fill::None)
                        }
                    };
                    let sort = match sort {
                        Some(template) => {
                            arms.push(
                                base + IX_SK_NONE,
                                sort_span,
                                &format!("index `{name}` has no sort key: remove `sk`"),
                            );
                            arms.push(
                                base + IX_SK_MULTI,
                                sort_span,
                                &format!(
                                    "index `{name}` has a sort key of several attributes (a \
                                     native multi-attribute key): list the entity's fields in \
                                     key order, `sk = [a, b]`, instead of a template"
                                ),
                            );
                            self.template_fill(
                                &mut arms,
                                base + IX_SK_TYPE,
                                template,
                                &format!("the sort key of index `{name}`"),
                            )
                        }
                        None => {
                            arms.push(
                                base + IX_SK_MISSING,
                                name_span,
                                &format!(
                                    "index `{name}` has a sort key: entity `{entity}` needs an \
                                     `sk` for it"
                                ),
                            );
                            quote!(__st::Fill::None)
                        }
                    };
                    quote!(__st::IndexKeys::Templates(#partition, #sort))
                }
                EntityIndexKeys::Fields { partition, sort } => {
                    if partition.is_empty() {
                        arms.push(base + IX_GSI_WITHOUT_PK, name_span, &gsi_without_pk);
                    } else {
                        arms.push(base + IX_LSI_WITH_PK, partition_span, &lsi_with_pk);
                    }
                    let count = |n: usize, side: &str| {
                        format!(
                            "entity `{entity}` lists {n} {side}-key field(s) for index `{name}`, \
                             whose {side} key has a different number of attributes: list one \
                             field per attribute, in key order"
                        )
                    };
                    if !partition.is_empty() {
                        arms.push(
                            base + IX_PK_COUNT,
                            partition_span,
                            &count(partition.len(), "partition"),
                        );
                    }
                    let partition = self.field_side(
                        &mut arms,
                        base + IX_PK_FIELD,
                        partition,
                        "partition",
                        name,
                    );
                    arms.push(base + IX_SK_COUNT, sort_span, &count(sort.len(), "sort"));
                    let sort = self.field_side(&mut arms, base + IX_SK_FIELD, sort, "sort", name);
                    quote!(__st::IndexKeys::Fields(#partition, #sort))
                }
            };
            let hash = name_hash(name);
            indexes.push(quote!((#name, #hash, #keys)));
        }

        // Stored fields must not collide with the attributes the entity writes for keys;
        // a `ttl` field must be the table's TTL attribute.
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
        let mut stored_checks = Vec::new();
        for (j, field) in stored.iter().enumerate() {
            let name = field.name();
            let attribute = &field.attribute.value;
            let code = FIELD + 2 * code(j);
            arms.push(
                code,
                field.attribute.span.span(),
                &format!(
                    "field `{name}` of entity `{entity}` is stored as attribute `{attribute}`, \
                     which table `{table}` uses for a key or for the entity type; rename the \
                     field's attribute (`#[entity(rename = \"...\")]`)"
                ),
            );
            if let Some(span) = &field.markers.ttl {
                arms.push(
                    code + 1,
                    span.span(),
                    &format!(
                        "field `{name}` of entity `{entity}` is marked `ttl`, but table \
                         `{table}` does not store TTL in attribute `{attribute}`: declare \
                         `ttl = \"{attribute}\"` on the table, or rename the field to the \
                         table's TTL attribute"
                    ),
                );
            }
            let hash = name_hash(attribute);
            let ttl = field.markers.ttl.is_some();
            stored_checks.push(quote!((#attribute, #hash, #ttl)));
        }
        let arms = arms.0;
        quote! {
            match __st::entity_check::<#ident>(&__st::EntityCheck {
                partition: #partition,
                sort: #sort,
                indexes: &[#(#indexes),*],
                stored: &[#(#stored_checks),*],
                lone_partition: #lone_pk,
                lone_sort: #lone_sk,
            }) {
                #arms
                _ => (),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check codes are defined twice (here and in the runtime's `entity_check.rs`,
    /// which codegen cannot depend on): every code here must be the runtime's.
    #[test]
    fn check_codes_are_the_runtime_s() {
        let runtime = include_str!("../../../../runtime/src/__private/entity_check.rs");
        let value = |name: &str| -> u32 {
            let prefix = format!("pub const {name}: u32 = ");
            let line = runtime
                .lines()
                .find_map(|l| l.strip_prefix(&prefix))
                .unwrap_or_else(|| panic!("no `{name}` in the runtime"));
            let expr = line.trim_end_matches(';');
            match expr.split_once(" << ") {
                Some((a, b)) => a.parse::<u32>().unwrap() << b.parse::<u32>().unwrap(),
                None => expr.parse().unwrap(),
            }
        };
        let ours = [
            ("SORT", SORT),
            ("PK_TYPE", PK_TYPE),
            ("SK_TYPE", SK_TYPE),
            ("INDEX", INDEX),
            ("INDEX_STRIDE", INDEX_STRIDE),
            ("IX_EXISTS", IX_EXISTS),
            ("IX_LSI_WITH_PK", IX_LSI_WITH_PK),
            ("IX_GSI_WITHOUT_PK", IX_GSI_WITHOUT_PK),
            ("IX_PK_MULTI", IX_PK_MULTI),
            ("IX_PK_TYPE", IX_PK_TYPE),
            ("IX_SK_NONE", IX_SK_NONE),
            ("IX_SK_MULTI", IX_SK_MULTI),
            ("IX_SK_TYPE", IX_SK_TYPE),
            ("IX_SK_MISSING", IX_SK_MISSING),
            ("IX_PK_COUNT", IX_PK_COUNT),
            ("IX_SK_COUNT", IX_SK_COUNT),
            ("IX_PK_FIELD", IX_PK_FIELD),
            ("IX_SK_FIELD", IX_SK_FIELD),
            ("FIELD", FIELD),
        ];
        for (name, code) in ours {
            assert_eq!(code, value(name), "check code `{name}`");
        }
    }

    #[test]
    fn name_hash_is_the_runtime_s() {
        // `__private::name_hash` asserts the same values.
        assert_eq!(super::name_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::name_hash("PK"), 0x0942_1d07_b5d1_ed4c);
    }
}

//! The compile-time checks between an entity and its table: the macro describes the
//! entity (`__st::EntityCheck`: which templates, indexes and stored fields, names with
//! their hashes), `__st::entity_check` compares that with the table's schema in one
//! `const` evaluation and returns the first failing check, and one `match` on its site
//! (the user's token the error points at) reports it, each arm spanned at its token;
//! the runtime's `__st::fail` composes the message, so no arm carries one.
//!
//! The codes are `__private::entity_check`'s (`SORT`, `INDEX + i * INDEX_STRIDE + IX_*`,
//! `FIELD + 2j`, …), and so is the grouping of codes into sites ([`site`]); the
//! constants below mirror them and must stay equal.

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

/// The site of check `code`: the first code reported at the same token (the runtime's
/// `__private::site`, which the test below compares with this one).
fn site(code: u32) -> u32 {
    if !(INDEX..FIELD).contains(&code) {
        return code;
    }
    let at = (code - INDEX) % INDEX_STRIDE;
    let base = code - at;
    base + match at {
        IX_EXISTS | IX_GSI_WITHOUT_PK | IX_SK_MISSING => IX_EXISTS,
        IX_LSI_WITH_PK | IX_PK_MULTI | IX_PK_COUNT => IX_LSI_WITH_PK,
        IX_SK_NONE | IX_SK_MULTI | IX_SK_COUNT => IX_SK_NONE,
        IX_PK_FIELD.. => at & !1,
        _ => at,
    }
}

/// The arms of the generated `match`: a site and, spanned at the user's token, the call
/// reporting the failure (one arm per site: the checks sharing a token share its arm).
#[derive(Default)]
struct Arms {
    tokens: TokenStream,
    sites: Vec<u32>,
}

impl Arms {
    fn push(&mut self, code: u32, span: Span) {
        let site = site(code);
        if self.sites.contains(&site) {
            return;
        }
        self.sites.push(site);
        // The call (its callee and parentheses) at the user's token, the error's place;
        // the binding it passes at the macro's, which the user's token (say, from a
        // `macro_rules!` of theirs) could not name.
        let failure = quote!(__st_failure);
        let fail = quote_spanned!(span=> __st_fail(#failure));
        self.tokens.extend(quote!(#site => #fail,));
    }
}

impl<'a> Emitter<'a> {
    /// The `Fill` of one template, and the arm reporting that it does not fit the
    /// attribute it renders to.
    fn template_fill(&self, arms: &mut Arms, code: u32, template: &KeyTemplate) -> TokenStream {
        arms.push(code, template.source.span.span());
        match template.lone_field() {
            Some(name) => {
                let ty = &self.field(name).ty;
                let scalar = quote_spanned!(span_of(ty)=> <#ty as __st::ScalarAttribute>::SCALAR);
                quote!(__st::Fill::Lone(#scalar))
            }
            None => quote!(__st::Fill::Text),
        }
    }

    /// The check of one side of native key fields: its `(attribute, type)` list, and the
    /// arm of each field (its name and its type).
    fn field_side(
        &self,
        arms: &mut Arms,
        base: u32,
        fields: &[crate::Spanned<String>],
    ) -> TokenStream {
        let pairs = fields.iter().enumerate().map(|(j, field_name)| {
            let field = self.field(&field_name.value);
            let attribute = &field.attribute.value;
            arms.push(base + 2 * code(j), field_name.span.span());
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
        let table = &self.table_name;
        let ident = &model.rust_name;
        let mut arms = Arms::default();

        // The sort key: present on both sides or on neither (an `sk` the table has no
        // key for, or a table sort key the entity gives no template).
        match &model.sort_span {
            Some(span) if model.sort_key.is_some() => arms.push(SORT, span.span()),
            _ => arms.push(SORT, span_of(&model.table)),
        }
        let partition = self.template_fill(&mut arms, PK_TYPE, &model.partition_key);
        let sort = match &model.sort_key {
            Some(sort) => self.template_fill(&mut arms, SK_TYPE, sort),
            None => quote!(__st::Fill::None),
        };

        let mut indexes = Vec::new();
        for (i, index) in self.indexes() {
            let base = INDEX + code(i) * INDEX_STRIDE;
            let name = &index.name.value;
            let name_span = index.name.span.span();
            // The index's name: it does not exist, an LSI without a `pk` or an `sk` it
            // lacks.
            arms.push(base + IX_EXISTS, name_span);
            let partition_span = index.partition_span.as_ref().map_or(name_span, |s| s.span());
            let sort_span = index.sort_span.as_ref().map_or(name_span, |s| s.span());
            let keys = match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    let partition = match partition {
                        Some(template) => {
                            // `pk`: an LSI's, or a multi-attribute key's.
                            arms.push(base + IX_LSI_WITH_PK, partition_span);
                            self.template_fill(&mut arms, base + IX_PK_TYPE, template)
                        }
                        None => quote!(__st::Fill::None),
                    };
                    let sort = match sort {
                        Some(template) => {
                            // `sk`: an index without a sort key, or with several
                            // attributes.
                            arms.push(base + IX_SK_NONE, sort_span);
                            self.template_fill(&mut arms, base + IX_SK_TYPE, template)
                        }
                        None => quote!(__st::Fill::None),
                    };
                    quote!(__st::IndexKeys::Templates(#partition, #sort))
                }
                EntityIndexKeys::Fields { partition, sort } => {
                    if !partition.is_empty() {
                        // `pk = [...]`: an LSI's, or another number of attributes.
                        arms.push(base + IX_LSI_WITH_PK, partition_span);
                    }
                    let partition = self.field_side(&mut arms, base + IX_PK_FIELD, partition);
                    // `sk = [...]` (the index name without one): another number of
                    // attributes.
                    arms.push(base + IX_SK_COUNT, sort_span);
                    let sort = self.field_side(&mut arms, base + IX_SK_FIELD, sort);
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
            let attribute = &field.attribute.value;
            let code = FIELD + 2 * code(j);
            arms.push(code, field.attribute.span.span());
            if let Some(span) = &field.markers.ttl {
                arms.push(code + 1, span.span());
            }
            let hash = name_hash(attribute);
            let ttl = field.markers.ttl.is_some();
            stored_checks.push(quote!((#attribute, #hash, #ttl)));
        }
        let arms = arms.tokens;
        // The failure is bound by the outer `match`, whose scrutinee's temporaries (the
        // `EntityCheck` the failure borrows) live until its end.
        quote! {{
            use __st::fail as __st_fail;
            match __st::entity_check::<#ident>(&__st::EntityCheck {
                table: #table,
                partition: #partition,
                sort: #sort,
                indexes: &[#(#indexes),*],
                stored: &[#(#stored_checks),*],
                lone_partition: #lone_pk,
                lone_sort: #lone_sk,
            }) {
                __st_failure => match __st_failure.site {
                    #arms
                    _ => __st::checked(__st_failure),
                },
            }
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check codes are defined twice (here and in the runtime's `entity_check/mod.rs`,
    /// which codegen cannot depend on): every code here must be the runtime's.
    #[test]
    fn check_codes_are_the_runtime_s() {
        let runtime = include_str!("../../../../runtime/src/__private/entity_check/mod.rs");
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

    /// The grouping of codes into sites is written twice too: an arm the runtime's
    /// `site` never returns would leave its checks reported at the derive rather than at
    /// the user's token.
    #[test]
    fn sites_are_the_runtime_s() {
        let runtime = include_str!("../../../../runtime/src/__private/entity_check/mod.rs");
        let ours = include_str!("checks.rs");
        let body = |source: &'static str, signature: &str| -> String {
            let start = source.find(signature).unwrap_or_else(|| panic!("no `{signature}`"));
            let rest = &source[start..];
            let end = rest.find("\n}\n").expect("the function's end");
            let body = &rest[rest.find('{').unwrap()..end];
            body.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let theirs = body(runtime, "pub const fn site(code: u32) -> u32 {");
        let mine = body(ours, "fn site(code: u32) -> u32 {");
        // The same grouping (`match at`), after the same test of the code's range.
        let grouping = |body: &str| body[body.find("let at").unwrap()..].to_owned();
        assert_eq!(grouping(&mine), grouping(&theirs));
        assert!(theirs.contains("if code < INDEX || code >= FIELD { return code; }"), "{theirs}");
        assert!(mine.contains("if !(INDEX..FIELD).contains(&code) { return code; }"), "{mine}");
        // And the arms it makes: one per site, in order of the checks.
        let mut arms = Arms::default();
        let span = Span::call_site();
        for code in [SORT, INDEX + IX_LSI_WITH_PK, INDEX + IX_PK_MULTI, INDEX + IX_PK_TYPE] {
            arms.push(code, span);
        }
        assert_eq!(arms.sites, [SORT, INDEX + IX_LSI_WITH_PK, INDEX + IX_PK_TYPE]);
    }

    #[test]
    fn name_hash_is_the_runtime_s() {
        // `__private::name_hash` asserts the same values.
        assert_eq!(super::name_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::name_hash("PK"), 0x0942_1d07_b5d1_ed4c);
    }
}

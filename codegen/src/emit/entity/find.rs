//! `<Entity>::find()`: a builder with one method per key field whose type records the
//! fields given, and, per combination of given fields, the access pattern chosen at
//! compile time (the rule is documented on the runtime's `query::find` module).
//!
//! The builder `<Entity>Find<__F0, ..>` holds `Missing` or `Given<T>` per key field.
//! Every combination gets one `Find` impl naming its choice: `Fit` (with a `Complete`
//! impl that calls the chosen pattern's own stage methods, then filters on the given
//! fields it does not use) or `Closest<Pattern>`, which has no `Complete` impl, so a
//! read is a compile error naming that pattern. Entities with more than
//! [`MAX_FIND_FIELDS`] key fields get no `find()` (2^n combinations).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::access::const_name;
use super::query::{Pattern, Side};
use super::Emitter;
use crate::model::option_inner;

/// The most key fields an entity's `find()` covers: the builder has one impl per subset.
pub(crate) const MAX_FIND_FIELDS: usize = 6;

/// One access pattern, as the choice sees it.
struct Candidate {
    /// Position in the entity's patterns (table first, then indexes in order).
    pattern: usize,
    /// Partition-key fields, in stage order.
    partition: Vec<String>,
    /// Sort-key fields not in the partition, in stage order.
    sort: Vec<String>,
    /// Fields that are the index's own (native) key attributes: never filtered.
    native: Vec<String>,
}

/// What a combination of given fields reads.
enum Choice {
    /// Pattern `pattern`, using the partition plus `sort_used` sort fields; `filtered`
    /// are the given fields it does not use.
    Fit { pattern: usize, sort_used: usize, filtered: Vec<String> },
    /// No pattern fits; the nearest one.
    Closest(usize),
}

fn choose(candidates: &[Candidate], given: &[&str]) -> Choice {
    let is_given = |f: &String| given.contains(&f.as_str());
    let mut best: Option<(usize, usize, usize)> = None; // (candidate, sort used, score)
    for (c, candidate) in candidates.iter().enumerate() {
        if !candidate.partition.iter().all(is_given) {
            continue;
        }
        let sort_used = candidate.sort.iter().take_while(|f| is_given(f)).count();
        let used: Vec<&String> =
            candidate.partition.iter().chain(&candidate.sort[..sort_used]).collect();
        let unusable = given
            .iter()
            .any(|g| !used.iter().any(|u| u == g) && candidate.native.iter().any(|n| n == g));
        if unusable {
            continue;
        }
        let score = used.len();
        if best.is_none_or(|(_, _, s)| score > s) {
            best = Some((c, sort_used, score));
        }
    }
    match best {
        Some((c, sort_used, _)) => {
            let candidate = &candidates[c];
            let used: Vec<&String> =
                candidate.partition.iter().chain(&candidate.sort[..sort_used]).collect();
            let filtered = given
                .iter()
                .filter(|g| !used.iter().any(|u| u == *g))
                .map(|g| (*g).to_owned())
                .collect();
            Choice::Fit { pattern: candidate.pattern, sort_used, filtered }
        }
        None => {
            let missing = |c: &Candidate| c.partition.iter().filter(|f| !is_given(f)).count();
            let nearest =
                candidates.iter().min_by_key(|c| (missing(c), c.pattern)).map_or(0, |c| c.pattern);
            Choice::Closest(nearest)
        }
    }
}

impl Emitter<'_> {
    /// The `find()` builder struct (module level), its impls (inside the const block)
    /// and the `find()` starter; empty for an entity with no key field or too many.
    pub(super) fn finds(
        &self,
        patterns: &[Pattern<'_>],
    ) -> (TokenStream, TokenStream, TokenStream) {
        let st = self.st;
        let entity = &self.model.rust_name;
        let vis = &self.model.vis;
        let name = &self.entity_name;
        let mut candidates = Vec::new();
        let mut fields: Vec<String> = Vec::new();
        for (p, pattern) in patterns.iter().enumerate() {
            let partition: Vec<String> =
                self.side_steps(&pattern.partition, &[]).iter().map(|s| s.field.name()).collect();
            let sort: Vec<String> =
                self.side_steps(&pattern.sort, &partition).iter().map(|s| s.field.name()).collect();
            let mut native = Vec::new();
            for side in [&pattern.partition, &pattern.sort] {
                if let Side::Native { fields } = side {
                    native.extend(fields.iter().map(|(f, _)| f.clone()));
                }
            }
            for f in partition.iter().chain(&sort) {
                if !fields.contains(f) {
                    fields.push(f.clone());
                }
            }
            candidates.push(Candidate { pattern: p, partition, sort, native });
        }
        if fields.is_empty() || fields.len() > MAX_FIND_FIELDS {
            return (TokenStream::new(), TokenStream::new(), TokenStream::new());
        }
        let ty = format_ident!("{}Find", entity);
        let n = fields.len();
        let params: Vec<syn::Ident> = (0..n).map(|i| format_ident!("__F{}", i)).collect();
        let field_tys: Vec<syn::Type> = fields
            .iter()
            .map(|f| {
                let field = self.field(f);
                option_inner(&field.ty).unwrap_or(&field.ty).clone()
            })
            .collect();

        // The pattern list, for the docs.
        let listing: Vec<String> = candidates
            .iter()
            .map(|c| {
                let pattern = &patterns[c.pattern];
                let what = match pattern.index {
                    Some(index) => format!("index `{index}`"),
                    None => "the table".to_owned(),
                };
                let fields = |v: &Vec<String>| {
                    v.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
                };
                format!(
                    " - `{name}::{}()` ({what}): partition {}{}",
                    pattern.starter,
                    if c.partition.is_empty() { "(none)".to_owned() } else { fields(&c.partition) },
                    if c.sort.is_empty() {
                        String::new()
                    } else {
                        format!("; sort {}", fields(&c.sort))
                    }
                )
            })
            .collect();
        let struct_doc = format!(
            " `{name}::find()`: key fields in any order; the access pattern they complete is \
             chosen at compile time (see `singletable::query::Find` for the rule). Its \
             access patterns:"
        );
        let missing = quote!(#st::query::Missing);
        let defaults = params.iter().map(|p| quote!(#p = #missing));
        let structs = quote! {
            #[doc = #struct_doc]
            #(#[doc = #listing])*
            #[must_use = "a query does nothing until it is sent"]
            #vis struct #ty<#(#defaults),*>(#(#[doc(hidden)] pub #params),*);
        };

        let mut impls = TokenStream::new();
        // One setter per field.
        for (i, field_name) in fields.iter().enumerate() {
            let field = self.field(field_name);
            let ident = &field.ident;
            let field_ty = &field_tys[i];
            let others: Vec<&syn::Ident> =
                params.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, p)| p).collect();
            let before: Vec<TokenStream> = params
                .iter()
                .enumerate()
                .map(|(j, p)| if j == i { quote!(__st::query::Missing) } else { quote!(#p) })
                .collect();
            let after: Vec<TokenStream> = params
                .iter()
                .enumerate()
                .map(
                    |(j, p)| {
                        if j == i {
                            quote!(__st::query::Given<#field_ty>)
                        } else {
                            quote!(#p)
                        }
                    },
                )
                .collect();
            let moves: Vec<TokenStream> = (0..n)
                .map(|j| {
                    if j == i {
                        quote!(__st::query::Given(__st::Into::into(#ident)))
                    } else {
                        let j = syn::Index::from(j);
                        quote!(self.#j)
                    }
                })
                .collect();
            let doc = format!(" The key field `{field_name}`.");
            impls.extend(quote! {
                impl<#(#others),*> #ty<#(#before),*> {
                    #[doc = #doc]
                    pub fn #ident(self, #ident: impl __st::Into<#field_ty>) -> #ty<#(#after),*> {
                        #ty(#(#moves),*)
                    }
                }
            });
        }

        // One `Find` impl per combination; a `Complete` impl per fitting one.
        for mask in 0u32..(1 << n) {
            let given: Vec<&str> =
                (0..n).filter(|i| mask & (1 << i) != 0).map(|i| fields[i].as_str()).collect();
            let state_args: Vec<TokenStream> = (0..n)
                .map(|i| {
                    if mask & (1 << i) != 0 {
                        let t = &field_tys[i];
                        quote!(__st::query::Given<#t>)
                    } else {
                        quote!(__st::query::Missing)
                    }
                })
                .collect();
            let state = quote!(#ty<#(#state_args),*>);
            match choose(&candidates, &given) {
                Choice::Closest(p) => {
                    let nearest = &patterns[p].ty;
                    impls.extend(quote! {
                        impl __st::query::Find for #state {
                            type Entity = #entity;
                            type Choice = __st::query::Closest<#nearest>;
                        }
                    });
                }
                Choice::Fit { pattern, sort_used, filtered } => {
                    let chosen = &patterns[pattern];
                    let candidate = &candidates[pattern];
                    let starter = &chosen.starter;
                    let kind = &chosen.kind;
                    let value = |f: &String| {
                        let i = fields.iter().position(|x| x == f).unwrap_or_default();
                        let i = syn::Index::from(i);
                        quote!(__s.#i.0)
                    };
                    let stage_calls =
                        candidate.partition.iter().chain(&candidate.sort[..sort_used]).map(|f| {
                            let ident = &self.field(f).ident;
                            let v = value(f);
                            quote!(.#ident(#v))
                        });
                    let filters = filtered.iter().map(|f| {
                        let c = const_name(self.field(f));
                        let v = value(f);
                        quote!(.filter(#entity::#c.eq(#v)))
                    });
                    impls.extend(quote! {
                        impl __st::query::Find for #state {
                            type Entity = #entity;
                            type Choice = __st::query::Fit;
                        }
                        impl __st::query::Complete<#state> for __st::query::Fit {
                            type Index = #kind;
                            fn query(__s: #state) -> __st::Query<#entity, Self::Index> {
                                __st::IntoQuery::into_query(#entity::#starter() #(#stage_calls)*)
                                    #(#filters)*
                            }
                        }
                    });
                }
            }
        }
        let missing_all = (0..n).map(|_| quote!(__st::query::Missing));
        let starter_doc = format!(
            " Starts a query of `{name}` from any key fields: the access pattern they complete \
             is chosen at compile time, the given fields it does not use are filtered on \
             (ElectroDB's `find` / `match`). See `{name}Find` for the access patterns."
        );
        let starter = quote! {
            #[doc = #starter_doc]
            pub fn find() -> #ty {
                #ty(#(#missing_all),*)
            }
        };
        (structs, impls, starter)
    }
}

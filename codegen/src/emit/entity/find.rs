//! `<Entity>::find()`: a builder with one method per key field whose type records the
//! fields given, and, per combination of given fields, the access pattern chosen at
//! compile time (the rule is documented on the runtime's `query::find` module).
//!
//! The builder `<Entity>Find<__F0, ..>` holds `Missing` or `Given<T>` per key field.
//! Every combination gets one `Find` impl (two associated types, no code) naming its
//! choice: `Fit<pattern, sort fields used>` or `Closest<Pattern>`, which has no
//! `Complete` impl, so a read is a compile error naming that pattern. Each `Fit` some
//! combination chooses gets one `Complete` impl, generic over the states of the fields
//! it does not use: it calls the chosen pattern's own stage methods with the fields it
//! uses (`GivenValue`), then `FilterField` adds an equality per other field that was
//! given. Entities with more than [`MAX_FIND_FIELDS`] key fields get no `find()` (2^n
//! combinations).

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
    Fit {
        pattern: usize,
        sort_used: usize,
        #[cfg_attr(not(test), allow(dead_code))]
        filtered: Vec<String>,
    },
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
             chosen at compile time (the rule: the docs of the `query::Find` trait). Its \
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

        // One `Find` impl per combination, naming its choice; one `Complete` impl per
        // (pattern, sort fields used) that some combination chooses, generic over the
        // states of the fields it does not use (each filtered when given).
        let mut chosen: Vec<(usize, usize)> = Vec::new();
        for mask in 0u32..(1 << n) {
            let given: Vec<&str> =
                (0..n).filter(|i| mask & (1 << i) != 0).map(|i| fields[i].as_str()).collect();
            let state_args = (0..n).map(|i| {
                if mask & (1 << i) != 0 {
                    let t = &field_tys[i];
                    quote!(__st::query::Given<#t>)
                } else {
                    quote!(__st::query::Missing)
                }
            });
            let choice = match choose(&candidates, &given) {
                Choice::Closest(p) => {
                    let nearest = &patterns[p].ty;
                    quote!(__st::query::Closest<#nearest>)
                }
                Choice::Fit { pattern, sort_used, .. } => {
                    if !chosen.contains(&(pattern, sort_used)) {
                        chosen.push((pattern, sort_used));
                    }
                    quote!(__st::query::Fit<#pattern, #sort_used>)
                }
            };
            impls.extend(quote! {
                impl __st::query::Find for #ty<#(#state_args),*> {
                    type Entity = #entity;
                    type Choice = #choice;
                }
            });
        }
        let state = quote!(#ty<#(#params),*>);
        for (pattern, sort_used) in chosen {
            let chosen_pattern = &patterns[pattern];
            let candidate = &candidates[pattern];
            let starter = &chosen_pattern.starter;
            let kind = &chosen_pattern.kind;
            let used: Vec<&String> =
                candidate.partition.iter().chain(&candidate.sort[..sort_used]).collect();
            let slot = |f: &String| fields.iter().position(|x| x == f).unwrap_or_default();
            let mut bounds = Vec::new();
            let mut calls = Vec::new();
            for f in &used {
                let i = slot(f);
                let (param, t, at) = (&params[i], &field_tys[i], syn::Index::from(i));
                let ident = &self.field(f).ident;
                bounds.push(quote!(#param: __st::query::GivenValue<#t>));
                calls.push(quote!(.#ident(__st::query::GivenValue::value(__s.#at))));
            }
            let mut filters = Vec::new();
            for (i, f) in fields.iter().enumerate() {
                if used.contains(&f) {
                    continue;
                }
                let (param, t, at) = (&params[i], &field_tys[i], syn::Index::from(i));
                let c = const_name(self.field(f));
                bounds.push(quote!(#param: __st::query::FilterField<#entity, #t>));
                filters.push(quote! {
                    let __q = __st::query::FilterField::filter(__s.#at, __q, #entity::#c);
                });
            }
            impls.extend(quote! {
                impl<#(#params),*> __st::query::Complete<#state> for __st::query::Fit<#pattern, #sort_used>
                where #state: __st::query::Find<Entity = #entity>, #(#bounds),*
                {
                    type Index = #kind;
                    fn query(__s: #state) -> __st::Query<#entity, Self::Index> {
                        let __q = __st::IntoQuery::into_query(#entity::#starter() #(#calls)*);
                        #(#filters)*
                        __q
                    }
                }
            });
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

#[cfg(test)]
mod tests {
    use super::{choose, Candidate, Choice};

    fn candidate(pattern: usize, partition: &[&str], sort: &[&str], native: bool) -> Candidate {
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Candidate {
            pattern,
            partition: names(partition),
            sort: names(sort),
            native: if native {
                names(partition).into_iter().chain(names(sort)).collect()
            } else {
                Vec::new()
            },
        }
    }

    /// The table `ORG#{org}` / `USER#{user_id}`, GSI1 `EMAIL#{email}`, a native index
    /// `[team]` / `[level]`, and an index `ORGN#{org}`.
    fn model() -> Vec<Candidate> {
        vec![
            candidate(0, &["org"], &["user_id"], false),
            candidate(1, &["email"], &[], false),
            candidate(2, &["team"], &["level"], true),
            candidate(3, &["org"], &[], false),
        ]
    }

    fn fit(choice: Choice) -> (usize, usize, Vec<String>) {
        match choice {
            Choice::Fit { pattern, sort_used, filtered } => (pattern, sort_used, filtered),
            Choice::Closest(p) => panic!("expected a fit, got the nearest {p}"),
        }
    }

    #[test]
    fn the_most_used_fields_win_and_ties_go_to_declaration_order() {
        let m = model();
        assert_eq!(fit(choose(&m, &["org", "user_id"])), (0, 1, vec![]));
        // The table and index 3 both use `org` alone: the table is declared first.
        assert_eq!(fit(choose(&m, &["org"])), (0, 0, vec![]));
        // GSI1 and the native index use one field each: GSI1 first, `team` filtered.
        assert_eq!(fit(choose(&m, &["email", "team"])), (1, 0, vec!["team".to_owned()]));
        assert_eq!(fit(choose(&m, &["team", "level"])), (2, 1, vec![]));
    }

    #[test]
    fn native_key_attributes_are_never_filtered_on_their_own_index() {
        let m = model();
        // `level` without `team` cannot be the native index's key, and its filter there
        // would be refused: the table reads, filtering `level`.
        assert_eq!(fit(choose(&m, &["org", "level"])), (0, 0, vec!["level".to_owned()]));
        // A native index whose sort attribute is given but not usable is skipped.
        let m = vec![candidate(0, &["team"], &["level", "rank"], true)];
        assert!(matches!(choose(&m, &["team", "rank"]), Choice::Closest(0)));
    }

    #[test]
    fn the_nearest_pattern_misses_the_fewest_partition_fields() {
        let m = vec![
            candidate(0, &["owner", "folder"], &["id"], false),
            candidate(1, &["tag", "kind"], &[], false),
        ];
        assert!(matches!(choose(&m, &["owner", "id"]), Choice::Closest(0)));
        assert!(matches!(choose(&m, &["tag"]), Choice::Closest(1)));
    }
}

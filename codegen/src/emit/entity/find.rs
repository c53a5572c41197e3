//! `<Entity>::find()`: a builder with one method per key field whose type records the
//! fields given, and, per combination of given fields, the access pattern chosen at
//! compile time (the rule is documented on the runtime's `query::find` module).
//!
//! The builder `<Entity>Find<__F0, ..>` holds `Missing` or `Given<T>` per key field.
//! One generic `Find` impl computes its choice in the type checker (type-level `Bool::And` /
//! `Bool::If` over the fields' `IsGiven`): the first (pattern, sort fields used) option,
//! sorted by fields used, whose fields are given: `Fit<pattern, sort fields used>`, or
//! else `Closest<Pattern>`, which has no `Complete` impl, so a read is a compile error
//! naming that pattern. Each option gets one `Complete` impl on the builder, generic
//! over the fields' states: it calls the chosen pattern's own stage methods with the
//! fields it uses (`GivenValue`), then `FilterField` adds an equality per other field
//! that was given. Generated code grows with the options, not with the 2^n
//! combinations; [`MAX_FIND_FIELDS`] bounds the builder's type parameters.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::access::const_name;
use super::query::{Pattern, Side};
use super::Emitter;
use crate::model::option_inner;

/// The most key fields an entity's `find()` covers (its builder's type parameters).
pub(crate) const MAX_FIND_FIELDS: usize = 8;

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

/// Every (pattern, sort fields used) a combination can choose, in the order they are
/// tried: most fields used first, ties in declaration order. The first whose fields are
/// given (and whose unused native key attributes are not) is what `choose` picks.
fn fit_options(candidates: &[Candidate]) -> Vec<(usize, usize)> {
    let mut options: Vec<(usize, usize, usize)> = Vec::new();
    for candidate in candidates {
        for sort_used in 0..=candidate.sort.len() {
            options.push((candidate.partition.len() + sort_used, candidate.pattern, sort_used));
        }
    }
    options.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(b.2.cmp(&a.2)));
    options.into_iter().map(|(_, p, s)| (p, s)).collect()
}

impl Emitter<'_> {
    /// The `find()` builder struct (module level), its impls (inside the const block)
    /// and the `find()` starter; empty unless the entity asks for it (`find`), and for
    /// an entity with no key field or too many.
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
        if !self.model.find || fields.is_empty() || fields.len() > MAX_FIND_FIELDS {
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

        // One generic `Find` impl: its `Choice` is computed by the type checker from the
        // fields' states, as the first option that holds, the options sorted by fields
        // used (ties: declaration order) -- the rule of `choose`, which the tests pin.
        let slot = |f: &String| fields.iter().position(|x| x == f).unwrap_or_default();
        let given = |f: &String| {
            let p = &params[slot(f)];
            quote!(<#p as __st::query::IsGiven>::Given)
        };
        let all = |conds: Vec<TokenStream>| {
            let mut iter = conds.into_iter().rev();
            match iter.next() {
                None => quote!(__st::query::True),
                Some(last) => {
                    iter.fold(last, |acc, c| quote!(<#c as __st::query::Bool>::And<#acc>))
                }
            }
        };
        let options = fit_options(&candidates);
        let first = &patterns[0].ty;
        let mut choice = quote!(__st::query::Closest<#first>);
        // Nearest: a pattern missing exactly one partition-key field.
        for candidate in candidates.iter().rev() {
            let nearest = &patterns[candidate.pattern].ty;
            for missing in candidate.partition.iter().rev() {
                let cond =
                    all(candidate.partition.iter().filter(|f| *f != missing).map(&given).collect());
                choice = quote!(<#cond as __st::query::Bool>::If<__st::query::Closest<#nearest>, #choice>);
            }
        }
        for (p, sort_used) in options.iter().rev() {
            let candidate = &candidates[*p];
            let used: Vec<&String> =
                candidate.partition.iter().chain(&candidate.sort[..*sort_used]).collect();
            let mut conds: Vec<TokenStream> = used.iter().map(|f| given(f)).collect();
            for f in candidate.native.iter().filter(|f| !used.contains(f)) {
                let param = &params[slot(f)];
                conds.push(quote!(<#param as __st::query::IsGiven>::Missing));
            }
            let cond = all(conds);
            choice =
                quote!(<#cond as __st::query::Bool>::If<__st::query::Fit<#p, #sort_used>, #choice>);
        }
        let state = quote!(#ty<#(#params),*>);
        impls.extend(quote! {
            impl<#(#params: __st::query::IsGiven),*> __st::query::Find for #state {
                type Entity = #entity;
                type Choice = #choice;
            }
        });
        // One `Complete` impl per option, generic over the states of the fields.
        for (pattern, sort_used) in options {
            let chosen_pattern = &patterns[pattern];
            let candidate = &candidates[pattern];
            let starter = &chosen_pattern.starter;
            let kind = &chosen_pattern.kind;
            let used: Vec<&String> =
                candidate.partition.iter().chain(&candidate.sort[..sort_used]).collect();
            let mut bounds = Vec::new();
            let mut calls = Vec::new();
            for f in &used {
                let i = slot(f);
                let (param, t, at) = (&params[i], &field_tys[i], syn::Index::from(i));
                let ident = &self.field(f).ident;
                bounds.push(quote!(#param: __st::query::GivenValue<#t>));
                calls.push(quote!(.#ident(__st::query::GivenValue::value(self.#at))));
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
                    let __q = __st::query::FilterField::filter(self.#at, __q, #entity::#c);
                });
            }
            impls.extend(quote! {
                impl<#(#params: __st::query::IsGiven),*> __st::query::Complete<__st::query::Fit<#pattern, #sort_used>> for #state
                where #(#bounds),*
                {
                    type Index = #kind;
                    fn build(self) -> __st::Query<#entity, Self::Index> {
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
mod reference {
    //! The choice rule written plainly: the generated type-level choice must agree
    //! with it on every combination (`tests::the_type_level_choice_is_the_rule`).
    use super::Candidate;

    /// What a combination of given fields reads.
    pub(super) enum Choice {
        /// Pattern `pattern`, using the partition plus `sort_used` sort fields; `filtered`
        /// are the given fields it does not use.
        Fit { pattern: usize, sort_used: usize, filtered: Vec<String> },
        /// No pattern fits; the nearest one.
        Closest(usize),
    }

    pub(super) fn choose(candidates: &[Candidate], given: &[&str]) -> Choice {
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
                let nearest = candidates
                    .iter()
                    .min_by_key(|c| (missing(c), c.pattern))
                    .map_or(0, |c| c.pattern);
                Choice::Closest(nearest)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reference::{choose, Choice};
    use super::{fit_options, Candidate};

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
    fn the_nearest_pattern_misses_one_partition_field() {
        let m = vec![
            candidate(0, &["owner", "folder"], &["id"], false),
            candidate(1, &["tag", "kind"], &[], false),
        ];
        assert!(matches!(choose(&m, &["owner", "id"]), Choice::Closest(0)));
        assert!(matches!(choose(&m, &["tag"]), Choice::Closest(1)));
    }

    /// What the generated `Find` impl computes: the first option whose used fields are
    /// given and whose unused native key attributes are not, else the first pattern
    /// missing one partition-key field, else the table.
    fn type_level(candidates: &[Candidate], given: &[&str]) -> (usize, Option<usize>) {
        let is_given = |f: &String| given.contains(&f.as_str());
        for (p, s) in fit_options(candidates) {
            let c = &candidates[p];
            let used: Vec<&String> = c.partition.iter().chain(&c.sort[..s]).collect();
            if used.iter().all(|f| is_given(f))
                && c.native.iter().filter(|f| !used.contains(f)).all(|f| !is_given(f))
            {
                return (p, Some(s));
            }
        }
        for c in candidates {
            if c.partition.iter().filter(|f| !is_given(f)).count() == 1 {
                return (c.pattern, None);
            }
        }
        (0, None)
    }

    #[test]
    fn the_type_level_choice_is_the_rule() {
        let models = [
            model(),
            vec![
                candidate(0, &["owner", "folder"], &["id"], false),
                candidate(1, &["tag", "kind"], &[], false),
            ],
            vec![
                candidate(0, &["a"], &["b", "c"], false),
                candidate(1, &["b"], &["c", "a"], true),
                candidate(2, &["c"], &["a"], false),
                candidate(3, &["a"], &["c"], false),
            ],
        ];
        for m in &models {
            let mut fields: Vec<&str> = Vec::new();
            for c in m {
                for f in c.partition.iter().chain(&c.sort) {
                    if !fields.contains(&f.as_str()) {
                        fields.push(f);
                    }
                }
            }
            for mask in 0u32..(1 << fields.len()) {
                let given: Vec<&str> =
                    (0..fields.len()).filter(|i| mask & (1 << i) != 0).map(|i| fields[i]).collect();
                let expected = match choose(m, &given) {
                    Choice::Fit { pattern, sort_used, .. } => (pattern, Some(sort_used)),
                    Choice::Closest(p) => (p, None),
                };
                assert_eq!(type_level(m, &given), expected, "given {given:?}");
            }
        }
    }
}

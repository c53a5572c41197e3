//! The compile-time rule for filters on native key attributes.
//!
//! DynamoDB refuses a query whose `FilterExpression` reads a key attribute of the table
//! or index queried ("Filter Expression can only contain non-primary key attributes").
//! On an index keyed by the entity's own fields (`index(ByTeam, pk = [team], sk =
//! [level])`, a native multi-attribute key) those key attributes are fields with typed
//! paths, so the rule is checked by the type checker:
//!
//! - the field's [`Attr`](crate::Attr) carries a marker type generated for it (named
//!   after the field), and its conditions are `Cond<E, marker>`; `&`, `|` and `!` keep
//!   the markers of both sides ([`Join`](crate::attr::Join));
//! - the query of such an index has the kind [`Native<K, X>`], where `X` is the index's
//!   generated query builder type (`PersonByTeam`);
//! - [`Query::filter`](super::Query::filter) asks the condition's markers for
//!   [`FilterOn<X>`], which the derive implements for every index the field is not a
//!   key attribute of, and for the table and the other indexes ([`NoNativeKeys`]).
//!
//! A filter on a key attribute of the index queried is then a compile error at the
//! filter, naming the field and the index. Conditions built from an untyped
//! [`Condition`](crate::expr::Condition) ([`Cond::new`](crate::Cond::new)) are checked
//! when the query is sent instead, before any request.

use std::marker::PhantomData;

use crate::attr::NativeKey;

use super::{ConsistentRead, IndexKind, Returns};

/// The kind of a query of an index keyed by the entity's own fields (a native key):
/// index kind `K` ([`Global`](super::Global), [`PartialGlobal`](super::PartialGlobal) or
/// [`Local`](super::Local)) of the index whose generated query builder is `X`
/// (`PersonByTeam`). It reads and returns what `K` does; what it adds is the filter rule
/// of [`FilterOn`].
pub struct Native<K, X>(PhantomData<fn() -> (K, X)>);

impl<K: IndexKind, X: 'static> IndexKind for Native<K, X> {
    type Keys = X;
}
impl<K: ConsistentRead, X> ConsistentRead for Native<K, X> {}
impl<O, K: Returns<O>, X> Returns<O> for Native<K, X> {}

/// What the table, LSIs and GSIs keyed by templates are to the filter rule: their key
/// attributes are not fields of the entity, so a typed condition never reads them.
#[derive(Debug, Clone, Copy)]
pub struct NoNativeKeys;

/// Conditions a query of the index `X` (an [`IndexKind::Keys`]) may filter with: those
/// reading none of its native key attributes. `()` (a condition on ordinary attributes)
/// and pairs of such lists are; the marker of a field is for the table, the indexes
/// keyed by templates and every native index it is not a key attribute of.
///
/// DynamoDB refuses a query whose `FilterExpression` reads a key attribute of the table
/// or index queried. On an index keyed by the entity's own fields those are fields with
/// typed paths, so the rule is checked by the type checker: the field's `Attr` carries a
/// marker type generated for it (named after the field) and its conditions are
/// `Cond<E, marker>` ([`Join`](crate::attr::Join) keeps both sides' markers through `&`,
/// `|` and `!`); the query of such an index has the kind [`Native<K, X>`], with `X` the
/// index's generated query builder type (`PersonByTeam`); and
/// [`Query::filter`](super::Query::filter) asks the condition's markers for
/// `FilterOn<X>`, which the derive implements for every index the field is not a key
/// attribute of, and for [`NoNativeKeys`]. A filter on a key attribute of the index
/// queried is then a compile error at the filter, naming the field and the index.
/// Conditions built from an untyped `Condition` ([`Cond::new`](crate::Cond::new)) are
/// checked when the query is sent instead, before any request.
#[diagnostic::on_unimplemented(
    message = "a query of `{X}` cannot filter on `{Self}`: it is a key attribute of the index queried",
    label = "filters on `{Self}`, a key attribute of the index this query reads",
    note = "DynamoDB refuses a filter on the key attributes of the table or index queried (\"Filter Expression can only contain non-primary key attributes\"); narrow on the field with the query's key condition instead: its partition-key step, its sort-key equality step or `<field>_range()`",
    note = "the same condition may filter a scan or a query of another index, and condition a put, update, upsert, delete or transaction"
)]
pub trait FilterOn<X> {}

impl<X> FilterOn<X> for () {}
impl<X, A: FilterOn<X>, B: FilterOn<X>> FilterOn<X> for (A, B) {}
impl<M: NativeKey> FilterOn<NoNativeKeys> for M {}

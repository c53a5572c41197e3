//! `<Entity>::find()`: give key fields in any order, and the access pattern they
//! complete is chosen at compile time (ElectroDB's `find` / `match`).
//!
//! The generated `<Entity>Find<..>` builder has one method per key field of the entity
//! (every field of any access pattern's key templates or native key attributes), each
//! usable once. Its type records which fields were given ([`Given`] or [`Missing`] per
//! field); the derive's one [`Find`] impl computes, in the type checker, the access
//! pattern chosen ([`Fit`]) or, where none fits, the nearest one ([`Closest`]).
//! Reading from a combination that fits no access pattern is a compile error naming the
//! nearest (`Closest<UserByGsi1>`).
//!
//! # Which access pattern is chosen
//!
//! A pattern *fits* the given fields when every field of its partition key is given and
//! no given field is one of its native (multi-attribute) key attributes left unused
//! (DynamoDB refuses filters on an index's own key attributes). What a pattern *uses*
//! is its partition key plus the longest run of its sort-key fields, in order, that were
//! given (an equality on each; a composite template's unused rest becomes a
//! `begins_with`). Among the patterns that fit, the one using the most given fields
//! wins; ties go to the table's primary key, then to the indexes in the order the
//! entity lists them. Every given field the chosen pattern does not use becomes an
//! equality in the filter, so the result holds exactly the items that match every
//! given field (ElectroDB's `match`; ElectroDB's `find` does not filter). A field of
//! no key is filtered with [`Find::filter`] as on any query.
//!
//! The *nearest* pattern of a combination that fits none is the first (in declaration
//! order) that misses a single partition-key field, else the table's.

use std::marker::PhantomData;

use crate::attr::{Attr, Cond};
use crate::backend::BoxFuture;
use crate::client::TableClient;
use crate::codec::Attribute;
use crate::cursor::Cursor;
use crate::entity::Entity;
use crate::error::Result;

use super::{Decode, FilterOn, IndexKind, Items, Page, Pages, Query, Returns};

/// A key field not given to `find()` (the default state of each field).
#[derive(Debug, Clone, Copy, Default)]
pub struct Missing;

/// A key field given to `find()`, with its value.
#[derive(Debug, Clone)]
pub struct Given<T>(pub T);

/// The choice of a `find()` combination that fits an access pattern: the entity's
/// pattern `P` (0: the table, then its indexes in order), using `S` sort-key fields.
#[derive(Debug, Clone, Copy)]
pub struct Fit<const P: usize, const S: usize>;

/// The choice of a `find()` combination that fits no access pattern: `P` is the
/// builder type of the nearest one (`UserByGsi1`: `User::by_gsi1()`): one missing a
/// single partition-key field if any (in declaration order), else the table's.
pub struct Closest<P>(PhantomData<fn() -> P>);

/// Builds the query of a `find()` builder whose fields chose `C` (a [`Fit`]).
/// Implemented by `#[derive(Entity)]` on the builder, once per pattern and number of
/// sort fields used, generic over the states of the fields.
#[diagnostic::on_unimplemented(
    message = "the fields given to `find()` complete no access pattern of the entity",
    label = "the nearest access pattern is `{C}`: give the rest of its partition-key fields",
    note = "an access pattern fits when every field of its partition key is given; the key fields of each are listed on the entity's `find()`"
)]
pub trait Complete<C>: Find {
    /// What the chosen pattern reads: the table, an LSI or a GSI.
    type Index: IndexKind;

    /// The query of the chosen pattern, with the unused given fields in its filter.
    fn build(self) -> Query<Self::Entity, Self::Index>;
}

/// Type-level `true` (the choice of `find()` is computed by the type checker).
#[derive(Debug, Clone, Copy)]
pub struct True;
/// Type-level `false`.
#[derive(Debug, Clone, Copy)]
pub struct False;

/// A type-level boolean ([`True`], [`False`]): what the choice of `find()` is computed
/// with.
pub trait Bool {
    /// `Self && B`.
    type And<B: Bool>: Bool;
    /// `if Self { A } else { B }`.
    type If<A, B>;
}
impl Bool for True {
    type And<B: Bool> = B;
    type If<A, B> = A;
}
impl Bool for False {
    type And<B: Bool> = False;
    type If<A, B> = B;
}

/// Whether a `find()` field state is [`Given`] or [`Missing`], as [`True`] / [`False`].
pub trait IsGiven {
    /// `True` for [`Given`].
    type Given: Bool;
    /// `True` for [`Missing`].
    type Missing: Bool;
}
impl<T> IsGiven for Given<T> {
    type Given = True;
    type Missing = False;
}
impl IsGiven for Missing {
    type Given = False;
    type Missing = True;
}

/// A field the chosen pattern's key uses: given, by the choice.
pub trait GivenValue<T> {
    /// The value.
    fn value(self) -> T;
}

impl<T> GivenValue<T> for Given<T> {
    fn value(self) -> T {
        self.0
    }
}

/// A field the chosen pattern does not use: given (an equality in the filter) or not.
///
/// The choice never leaves a native key attribute of the chosen index unused (see the
/// module docs), so these filters skip the compile-time rule of [`Query::filter`]; the
/// check when the query is sent still applies.
pub trait FilterField<E, T> {
    /// `query`, with `attr = value` in its filter when the field was given.
    fn filter<I, O, M, K>(self, query: Query<E, I, O>, attr: Attr<E, T, M, K>) -> Query<E, I, O>
    where
        E: Entity,
        I: IndexKind,
        O: Decode<E>;
}

impl<E, T> FilterField<E, T> for Missing {
    fn filter<I, O, M, K>(self, query: Query<E, I, O>, _: Attr<E, T, M, K>) -> Query<E, I, O>
    where
        E: Entity,
        I: IndexKind,
        O: Decode<E>,
    {
        query
    }
}

impl<E, T: Attribute> FilterField<E, T> for Given<T> {
    fn filter<I, O, M, K>(self, query: Query<E, I, O>, attr: Attr<E, T, M, K>) -> Query<E, I, O>
    where
        E: Entity,
        I: IndexKind,
        O: Decode<E>,
    {
        query.filter_unchecked(attr.eq(self.0))
    }
}

/// The query `S`'s fields choose.
type Chosen<S> = Query<<S as Find>::Entity, <S as Complete<<S as Find>::Choice>>::Index>;

/// A `find()` builder with some key fields given: what it reads once the fields fit an
/// access pattern. In the prelude.
pub trait Find: Sized {
    /// The entity found.
    type Entity: Entity;
    /// [`Fit`] (then [`Complete`] builds the query) or [`Closest`].
    type Choice;

    /// The query of the chosen access pattern (then everything a [`Query`] does).
    fn query(self) -> Chosen<Self>
    where
        Self: Complete<<Self as Find>::Choice>,
    {
        <Self as Complete<<Self as Find>::Choice>>::build(self)
    }

    /// See [`Query::filter`]: a filter on a native key attribute of the chosen index
    /// does not compile.
    fn filter<R>(self, condition: Cond<Self::Entity, R>) -> Chosen<Self>
    where
        Self: Complete<<Self as Find>::Choice>,
        R: FilterOn<<<Self as Complete<<Self as Find>::Choice>>::Index as IndexKind>::Keys>,
    {
        self.query().filter(condition)
    }

    /// See [`Query::limit`].
    fn limit(self, limit: u32) -> Chosen<Self>
    where
        Self: Complete<<Self as Find>::Choice>,
    {
        self.query().limit(limit)
    }

    /// See [`Query::count`].
    fn count(self, n: u32) -> Chosen<Self>
    where
        Self: Complete<<Self as Find>::Choice>,
    {
        self.query().count(n)
    }

    /// See [`Query::descending`].
    fn descending(self) -> Chosen<Self>
    where
        Self: Complete<<Self as Find>::Choice>,
    {
        self.query().descending()
    }

    /// See [`Query::cursor`].
    fn cursor(self, cursor: impl Into<Cursor>) -> Chosen<Self>
    where
        Self: Complete<<Self as Find>::Choice>,
    {
        self.query().cursor(cursor)
    }

    /// See [`Query::before`].
    fn before(self, cursor: impl Into<Cursor>) -> Chosen<Self>
    where
        Self: Complete<<Self as Find>::Choice>,
    {
        self.query().before(cursor)
    }

    /// See [`Query::send`].
    fn send(
        self,
        db: &TableClient<<Self::Entity as Entity>::Table>,
    ) -> BoxFuture<'_, Result<Page<Self::Entity>>>
    where
        Self: Complete<<Self as Find>::Choice>,
        <Self as Complete<<Self as Find>::Choice>>::Index: Returns<Self::Entity>,
    {
        Box::pin(self.query().send(db))
    }

    /// See [`Query::first`].
    fn first(
        self,
        db: &TableClient<<Self::Entity as Entity>::Table>,
    ) -> BoxFuture<'_, Result<Option<Self::Entity>>>
    where
        Self: Complete<<Self as Find>::Choice>,
        <Self as Complete<<Self as Find>::Choice>>::Index: Returns<Self::Entity>,
    {
        Box::pin(self.query().first(db))
    }

    /// See [`Query::all`].
    fn all(
        self,
        db: &TableClient<<Self::Entity as Entity>::Table>,
    ) -> BoxFuture<'_, Result<Vec<Self::Entity>>>
    where
        Self: Complete<<Self as Find>::Choice>,
        <Self as Complete<<Self as Find>::Choice>>::Index: Returns<Self::Entity>,
    {
        Box::pin(self.query().all(db))
    }

    /// See [`Query::pages`].
    fn pages(self, db: &TableClient<<Self::Entity as Entity>::Table>) -> Pages<Self::Entity>
    where
        Self: Complete<<Self as Find>::Choice>,
        <Self as Complete<<Self as Find>::Choice>>::Index: Returns<Self::Entity>,
    {
        self.query().pages(db)
    }

    /// See [`Query::stream`].
    fn stream(self, db: &TableClient<<Self::Entity as Entity>::Table>) -> Items<Self::Entity>
    where
        Self: Complete<<Self as Find>::Choice>,
        <Self as Complete<<Self as Find>::Choice>>::Index: Returns<Self::Entity>,
    {
        self.query().stream(db)
    }
}

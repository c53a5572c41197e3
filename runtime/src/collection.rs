//! Collections: several entities that share a partition, read by one query and returned
//! grouped by entity type.
//!
//! `#[derive(Collection)]` on a struct whose fields hold member entities
//! (`Option<User>`, `Vec<Order>`) implements [`Collection`] and generates
//! `UserWithOrders::query()`, which asks for the partition-key fields of the members'
//! shared partition (the first member's access pattern), then reads the whole
//! partition — filtered to the members' entity types — and decodes each item into its
//! field. See the `singletable` facade docs for an example.

use std::fmt;
use std::future::poll_fn;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::backend::BoxFuture;
use crate::client::TableClient;
use crate::cursor::Cursor;
use crate::entity::{Entity, Table};
use crate::error::{DecodeError, Error, Result};
use crate::query::{
    ConsistentRead, Fetch, Followed, Global, IndexKind, KeyQuery, KeyStage, Options, Pages,
    PartialGlobal,
};
use crate::retry::RetryPolicy;
use crate::schema::EntitySchema;
use crate::value::{AttributeValue, Item};

/// A group of entities read together from one partition. Implemented by
/// `#[derive(Collection)]`.
pub trait Collection: Sized + Send + 'static {
    /// The table the members live in.
    type Table: Table;

    /// The members' entity-type values.
    const ENTITY_TYPES: &'static [&'static str];

    /// The members' schemas, in the order of `ENTITY_TYPES`: an item without the
    /// entity-type attribute goes to the member its key shape matches most specifically
    /// (see [`adopt`](crate::adopt)). Empty: such items are left out.
    const MEMBERS: &'static [EntitySchema] = &[];

    /// An empty collection.
    fn empty() -> Self;

    /// Decodes one item of entity type `entity_type` into its member field.
    fn push(&mut self, entity_type: &str, item: Item) -> Result<(), DecodeError>;
}

/// Decodes a collection member (what `#[derive(Collection)]` calls).
#[doc(hidden)]
pub fn decode_member<E: Entity>(item: Item) -> Result<E, DecodeError> {
    E::from_item(item).map_err(|e| e.at_field(E::SCHEMA.rust_name))
}

fn decode<C: Collection>(item: Item) -> Result<Option<(String, Item)>> {
    let table = <C::Table as Table>::SCHEMA;
    match item.get(table.entity_type_attribute) {
        Some(AttributeValue::S(entity_type)) => {
            let entity_type = entity_type.clone();
            Ok(Some((entity_type, item)))
        }
        Some(_) => Err(Error::Decode(
            crate::adopt::recognise(&table, C::MEMBERS, &item)
                .err()
                .unwrap_or_else(|| DecodeError::missing().at_field(table.entity_type_attribute)),
        )),
        // Data singletable did not write: the member its key shape matches.
        None => match crate::adopt::recognise(&table, C::MEMBERS, &item) {
            Ok(Some(i)) => Ok(Some((C::MEMBERS[i].entity_type.to_owned(), item))),
            Ok(None) => Ok(None),
            Err(error) => Err(Error::Decode(error)),
        },
    }
}

/// One page of a collection query: the members read on this page, and the cursor to the
/// next.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionPage<C> {
    /// The members read on this page, grouped.
    pub items: C,
    /// Where the next page starts; `None` on the last page.
    pub cursor: Option<Cursor>,
}

/// A query of one partition returning collection `C`; `I` is the table or index kind.
/// Built by the generated `<Collection>::query()` stages.
#[must_use = "a query does nothing until it is sent"]
pub struct CollectionQuery<C, I> {
    key: KeyQuery,
    options: Options,
    marker: PhantomData<fn() -> (C, I)>,
}

impl<C, I> fmt::Debug for CollectionQuery<C, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CollectionQuery")
            .field("key", &self.key)
            .field("options", &self.options)
            .finish()
    }
}

impl<C: Collection, I: IndexKind> CollectionQuery<C, I> {
    /// A query of the partition `key` names (its sort side is dropped).
    pub fn new(key: KeyQuery) -> Self {
        CollectionQuery {
            key: key.partition_only(),
            options: Options::default(),
            marker: PhantomData,
        }
    }

    /// Evaluates at most `limit` items per page.
    pub fn limit(mut self, limit: u32) -> Self {
        self.options.limit = Some(limit);
        self
    }

    /// Descending sort-key order.
    pub fn descending(mut self) -> Self {
        self.options.forward = false;
        self
    }

    /// A strongly consistent read (tables and LSIs only).
    pub fn consistent(mut self) -> Self
    where
        I: ConsistentRead,
    {
        self.options.consistent = true;
        self
    }

    /// Starts after the page that returned `cursor`.
    pub fn cursor(mut self, cursor: impl Into<Cursor>) -> Self {
        self.options.cursor = Some(cursor.into());
        self
    }

    /// Leaves out items whose TTL attribute is at or before the clock's current second.
    pub fn hide_expired(mut self) -> Self {
        self.options.hide_expired = Some(true);
        self
    }

    /// Keeps expired items (overrides the client's
    /// [`hide_expired`](TableClient::hide_expired)).
    pub fn show_expired(mut self) -> Self {
        self.options.hide_expired = Some(false);
        self
    }

    /// The `Query` request (for the first page).
    pub fn input(&self) -> Result<crate::backend::QueryInput> {
        self.options.query_input(&<C::Table as Table>::SCHEMA, &self.key, C::ENTITY_TYPES)
    }

    /// The index read, each returned item decoded by `decode`.
    fn read<T>(
        &self,
        db: &TableClient<C::Table>,
        decode: fn(Item) -> Result<Option<T>>,
    ) -> Pages<T> {
        let reader = self.options.query_reader(
            &<C::Table as Table>::SCHEMA,
            &self.key,
            C::ENTITY_TYPES,
            Arc::clone(db.backend()),
            db.cursor_secret(),
            db.unexpired_filter(self.options.hide_expired),
        );
        Pages::new(reader, decode)
    }

    /// The pages, grouped: an async [`Stream`] (or call [`CollectionPages::next`]),
    /// one page in memory at a time.
    pub fn pages(self, db: &TableClient<C::Table>) -> CollectionPages<C> {
        CollectionPages {
            source: Source::Plain(Box::new(self.read(db, decode::<C>))),
            marker: PhantomData,
        }
    }

    /// One page, grouped, and the cursor to the next.
    pub async fn send(self, db: &TableClient<C::Table>) -> Result<CollectionPage<C>> {
        self.pages(db).first().await
    }

    /// The whole partition, grouped.
    pub async fn all(self, db: &TableClient<C::Table>) -> Result<C> {
        self.pages(db).collect().await
    }

    /// Reads the whole items behind a GSI's entries, for a collection on an index that
    /// does not project all of its members' attributes (`KEYS_ONLY`, or an `INCLUDE`
    /// list): each page of the index query is followed by one `BatchGetItem` per 100
    /// keys (unprocessed keys retried, index order kept), and each item is decoded as
    /// the member its entity-type attribute names (ElectroDB's `hydrate`). Costs the
    /// index read plus one table read per item.
    ///
    /// An index that does not project the entity-type attribute cannot filter on it:
    /// items of other entities in the partition are fetched too, then left out. Entries
    /// that do carry it are filtered before the fetch.
    pub fn hydrate(self) -> HydratedCollection<C>
    where
        I: HydrateKind,
    {
        HydratedCollection {
            key: self.key,
            options: self.options,
            policy: RetryPolicy::default(),
            marker: PhantomData,
        }
    }
}

/// Index kinds a collection query can [`hydrate`](CollectionQuery::hydrate): GSIs.
#[diagnostic::on_unimplemented(
    message = "`hydrate()` fetches the table items behind a GSI's entries; this collection query reads the table or an LSI",
    label = "not a GSI collection",
    note = "the table and its LSIs return whole items (an LSI fetches unprojected attributes itself): call `.send` or `.all`"
)]
pub trait HydrateKind: IndexKind {}
impl HydrateKind for Global {}
impl HydrateKind for PartialGlobal {}

/// An index entry of a hydrated collection read: kept unless it names an entity type
/// that is not a member.
fn entry<C: Collection>(item: Item) -> Result<Option<Item>> {
    let attribute = <C::Table as Table>::SCHEMA.entity_type_attribute;
    match item.get(attribute) {
        Some(AttributeValue::S(entity_type))
            if !C::ENTITY_TYPES.contains(&entity_type.as_str()) =>
        {
            Ok(None)
        }
        _ => Ok(Some(item)),
    }
}

/// A collection query on a GSI whose pages are followed by a `BatchGetItem` of the
/// whole items. Built by [`CollectionQuery::hydrate`].
#[must_use = "a query does nothing until it is sent"]
pub struct HydratedCollection<C> {
    key: KeyQuery,
    options: Options,
    policy: RetryPolicy,
    marker: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for HydratedCollection<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HydratedCollection")
            .field("key", &self.key)
            .field("options", &self.options)
            .field("policy", &self.policy)
            .finish()
    }
}

impl<C: Collection> HydratedCollection<C> {
    /// Retries the `BatchGetItem` leftovers and throttled requests under `policy`.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The pages, grouped, each hydrated when it is taken: an async [`Stream`].
    pub fn pages(self, db: &TableClient<C::Table>) -> CollectionPages<C> {
        let hide = self.options.hide_expired.unwrap_or(db.hides_expired());
        let fetch = Fetch::new(db, std::any::type_name::<C>(), self.policy, hide);
        let query: CollectionQuery<C, PartialGlobal> =
            CollectionQuery { key: self.key, options: self.options, marker: PhantomData };
        let pages = query.read(db, entry::<C>);
        CollectionPages {
            source: Source::Hydrated(Box::new(Followed::new(pages, fetch))),
            marker: PhantomData,
        }
    }

    /// One page of whole members, grouped, with the index query's cursor.
    pub async fn send(self, db: &TableClient<C::Table>) -> Result<CollectionPage<C>> {
        self.pages(db).first().await
    }

    /// The whole partition of the index, hydrated and grouped.
    pub async fn all(self, db: &TableClient<C::Table>) -> Result<C> {
        self.pages(db).collect().await
    }
}

enum Source {
    /// Items as the query returned them, with their entity types.
    Plain(Box<Pages<(String, Item)>>),
    /// Index entries followed by their table items.
    Hydrated(Box<Followed<Item>>),
}

/// The pages of a collection query, grouped: an async [`Stream`], one page in memory at
/// a time. From [`CollectionQuery::pages`] or [`HydratedCollection::pages`].
#[must_use = "streams do nothing unless polled"]
pub struct CollectionPages<C> {
    source: Source,
    marker: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for CollectionPages<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Plain(pages) => format!("{pages:?}"),
            Source::Hydrated(followed) => format!("{followed:?}"),
        };
        f.debug_struct("CollectionPages").field("source", &source).finish()
    }
}

impl<C: Collection> CollectionPages<C> {
    /// The next page, grouped, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<CollectionPage<C>>> {
        poll_fn(|cx| self.poll_page(cx)).await
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<CollectionPage<C>>>> {
        self.poll_typed(cx).map(|page| {
            page.map(|page| {
                let (typed, cursor) = page?;
                let mut items = C::empty();
                group(typed, &mut items)?;
                Ok(CollectionPage { items, cursor })
            })
        })
    }

    /// The next page's items with their entity types (hydrated ones decoded), and the
    /// page's cursor.
    fn poll_typed(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<TypedPage>>> {
        match &mut self.source {
            Source::Plain(pages) => pages
                .poll_page(cx)
                .map(|page| page.map(|page| page.map(|page| (page.items, page.cursor)))),
            Source::Hydrated(followed) => followed.poll_page(cx).map(|page| {
                page.map(|page| {
                    let page = page?;
                    let mut typed = Vec::with_capacity(page.items.len());
                    for item in page.items {
                        typed.extend(decode::<C>(item)?);
                    }
                    Ok((typed, page.cursor))
                })
            }),
        }
    }

    async fn first(mut self) -> Result<CollectionPage<C>> {
        match self.next().await {
            Some(page) => page,
            None => Ok(CollectionPage { items: C::empty(), cursor: None }),
        }
    }

    async fn collect(mut self) -> Result<C> {
        let mut items = C::empty();
        while let Some(page) = poll_fn(|cx| self.poll_items(cx, &mut items)).await {
            page?;
        }
        Ok(items)
    }

    /// The next page's items, grouped into `into` (the pages of `all` are not kept).
    fn poll_items(&mut self, cx: &mut Context<'_>, into: &mut C) -> Poll<Option<Result<()>>> {
        self.poll_typed(cx)
            .map(|page| page.map(|page| page.and_then(|(typed, _)| group(typed, into))))
    }
}

/// One page's items with their entity types, and the page's cursor.
type TypedPage = (Vec<(String, Item)>, Option<Cursor>);

fn group<C: Collection>(items: Vec<(String, Item)>, into: &mut C) -> Result<()> {
    for (entity_type, item) in items {
        into.push(&entity_type, item)?;
    }
    Ok(())
}

impl<C> Unpin for CollectionPages<C> {}

impl<C: Collection> Stream for CollectionPages<C> {
    type Item = Result<CollectionPage<C>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_page(cx)
    }
}

/// Everything a collection query does, available on the generated query stages whose
/// partition key is complete when a collection's `query()` started them (through
/// [`KeyStage`]). In the prelude.
pub trait IntoCollectionQuery: Sized {
    /// The collection read.
    type Collection: Collection;
    /// The table, an LSI or a GSI.
    type Index: IndexKind;

    /// The collection query.
    fn into_collection_query(self) -> CollectionQuery<Self::Collection, Self::Index>;

    /// See [`CollectionQuery::limit`].
    fn limit(self, limit: u32) -> CollectionQuery<Self::Collection, Self::Index> {
        self.into_collection_query().limit(limit)
    }

    /// See [`CollectionQuery::descending`].
    fn descending(self) -> CollectionQuery<Self::Collection, Self::Index> {
        self.into_collection_query().descending()
    }

    /// See [`CollectionQuery::consistent`].
    fn consistent(self) -> CollectionQuery<Self::Collection, Self::Index>
    where
        Self::Index: ConsistentRead,
    {
        self.into_collection_query().consistent()
    }

    /// See [`CollectionQuery::cursor`].
    fn cursor(self, cursor: impl Into<Cursor>) -> CollectionQuery<Self::Collection, Self::Index> {
        self.into_collection_query().cursor(cursor)
    }

    /// See [`CollectionQuery::hydrate`].
    fn hydrate(self) -> HydratedCollection<Self::Collection>
    where
        Self::Index: HydrateKind,
    {
        self.into_collection_query().hydrate()
    }

    /// See [`CollectionQuery::pages`].
    fn pages(
        self,
        db: &TableClient<<Self::Collection as Collection>::Table>,
    ) -> CollectionPages<Self::Collection> {
        self.into_collection_query().pages(db)
    }

    /// See [`CollectionQuery::send`].
    fn send(
        self,
        db: &TableClient<<Self::Collection as Collection>::Table>,
    ) -> BoxFuture<'_, Result<CollectionPage<Self::Collection>>> {
        Box::pin(self.into_collection_query().send(db))
    }

    /// See [`CollectionQuery::all`].
    fn all(
        self,
        db: &TableClient<<Self::Collection as Collection>::Table>,
    ) -> BoxFuture<'_, Result<Self::Collection>> {
        Box::pin(self.into_collection_query().all(db))
    }
}

impl<S, C> IntoCollectionQuery for S
where
    S: KeyStage<Target = C>,
    C: Collection<Table = <S::Entity as Entity>::Table>,
{
    type Collection = C;
    type Index = S::Index;
    fn into_collection_query(self) -> CollectionQuery<C, S::Index> {
        CollectionQuery::new(self.key_query())
    }
}

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
use std::marker::PhantomData;
use std::sync::Arc;

use crate::backend::BoxFuture;
use crate::client::TableClient;
use crate::cursor::Cursor;
use crate::entity::{Entity, Table};
use crate::error::{DecodeError, Error, Result};
use crate::query::{ConsistentRead, IndexKind, KeyQuery, KeyStage, Options, Page, Pages};
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

    fn pages(self, db: &TableClient<C::Table>) -> Pages<(String, Item)> {
        let reader = self.options.query_reader(
            &<C::Table as Table>::SCHEMA,
            &self.key,
            C::ENTITY_TYPES,
            Arc::clone(db.backend()),
            db.cursor_secret(),
            db.unexpired_filter(self.options.hide_expired),
        );
        Pages::new(reader, decode::<C>)
    }

    fn group(items: Vec<(String, Item)>, into: &mut C) -> Result<()> {
        for (entity_type, item) in items {
            into.push(&entity_type, item)?;
        }
        Ok(())
    }

    /// One page, grouped, and the cursor to the next.
    pub async fn send(self, db: &TableClient<C::Table>) -> Result<CollectionPage<C>> {
        let mut pages = self.pages(db);
        let mut items = C::empty();
        let page: Page<(String, Item)> = match pages.next().await {
            Some(page) => page?,
            None => return Ok(CollectionPage { items, cursor: None }),
        };
        Self::group(page.items, &mut items)?;
        Ok(CollectionPage { items, cursor: page.cursor })
    }

    /// The whole partition, grouped.
    pub async fn all(self, db: &TableClient<C::Table>) -> Result<C> {
        let mut pages = self.pages(db);
        let mut items = C::empty();
        while let Some(page) = pages.next().await {
            Self::group(page?.items, &mut items)?;
        }
        Ok(items)
    }
}

/// Everything a collection query does, available on the generated query stages whose
/// partition key is complete when a collection's `query()` started them (through
/// [`KeyStage`](crate::query::KeyStage)). In the prelude.
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

//! Whole entities through a GSI that projects only some of their attributes
//! (`KEYS_ONLY`, or an `INCLUDE` list that leaves fields out): [`Query::hydrate`], and
//! [`CollectionQuery::hydrate`](crate::collection::CollectionQuery::hydrate) for a
//! collection on such an index.
//!
//! The query reads the index page by page as usual; each page's items carry the table's
//! key attributes (every index entry does), and one `BatchGetItem` per 100 keys fetches
//! the whole items from the table (ElectroDB's `hydrate`, OneTable's `follow`).
//! Unprocessed keys are retried under the [`RetryPolicy`]; the items keep the index's
//! order, and an item deleted between the index read and the fetch is left out.
//!
//! [`HydratedPages`] and [`HydratedItems`] are async [`Stream`]s, as [`Pages`] and
//! [`Items`](super::Items) are: the fetch of a page is a future held by the stream, so
//! one page is in memory at a time.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::attr::Partial;
use crate::backend::{Backend, BoxFuture};
use crate::batch::get_in_order_of;
use crate::client::TableClient;
use crate::entity::{Entity, Table};
use crate::error::{DecodeError, Error, Result};
use crate::lifecycle::is_expired;
use crate::retry::RetryPolicy;
use crate::schema::TableSchema;
use crate::timestamp::Timestamp;
use crate::value::Item;

use super::pages::{Buffered, PageSource};
use super::{decode_read, IndexKind, Native, Page, Pages, PartialGlobal, Query};

/// Index kinds whose queries [`hydrate`](Query::hydrate): GSIs that project only some
/// attributes of the entity ([`PartialGlobal`], also as a [`Native`] key).
#[diagnostic::on_unimplemented(
    message = "`hydrate()` is for a GSI that projects only some attributes of the entity; this query reads a `{Self}` index, whose items are whole entities already",
    label = "nothing to fetch: the index projects every attribute of the entity",
    note = "read whole entities directly (`send`, `all`, `first`, `pages`, `stream`)"
)]
pub trait PartialIndex: IndexKind {}
impl PartialIndex for PartialGlobal {}
impl<X: 'static> PartialIndex for Native<PartialGlobal, X> {}

impl<E: Entity, I: PartialIndex> Query<E, I> {
    /// Reads the whole items behind this index's entries: each page of the index query
    /// is followed by one `BatchGetItem` per 100 of its keys (chunked, unprocessed keys
    /// retried, index order kept). Costs the index read plus one table read per item
    /// (each rounded up to 4 KB, eventually consistent).
    ///
    /// A filter on this query is evaluated on the index entries, so it can only test
    /// projected attributes.
    pub fn hydrate(self) -> Hydrate<E> {
        let query = self.project_all();
        Hydrate { query, policy: RetryPolicy::default() }
    }

    /// The same query, decoding the projected attributes as they come.
    /// (The index's identity only mattered to `filter`, which a `Hydrate` does not have.)
    fn project_all(self) -> Query<E, PartialGlobal, Partial<E>> {
        Query { key: self.key, options: self.options, marker: std::marker::PhantomData }
    }
}

/// A query of a partially projected GSI whose pages are followed by a `BatchGetItem` of
/// the whole items. Built by [`Query::hydrate`].
#[must_use = "a query does nothing until it is sent"]
pub struct Hydrate<E> {
    query: Query<E, PartialGlobal, Partial<E>>,
    policy: RetryPolicy,
}

impl<E> fmt::Debug for Hydrate<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hydrate").field("query", &self.query).field("policy", &self.policy).finish()
    }
}

impl<E: Entity> Hydrate<E> {
    /// Retries the `BatchGetItem` leftovers and throttled requests under `policy`.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The pages, each hydrated when it is taken: an async [`Stream`] (or call
    /// [`HydratedPages::next`]).
    pub fn pages(self, db: &TableClient<E::Table>) -> HydratedPages<E> {
        let hide = self.query.options.hide_expired.unwrap_or(db.hides_expired());
        let fetch = Fetch::new(db, E::SCHEMA.rust_name, self.policy, hide);
        let pages = self.query.read(db);
        HydratedPages { inner: Followed::new(pages, fetch) }
    }

    /// The whole items, one at a time: an async [`Stream`], one page in memory at a time.
    pub fn stream(self, db: &TableClient<E::Table>) -> HydratedItems<E> {
        self.pages(db).items()
    }

    /// One page of whole items, with the index query's cursors.
    pub async fn send(self, db: &TableClient<E::Table>) -> Result<Page<E>> {
        match self.pages(db).next().await {
            Some(page) => page,
            None => Ok(Page::new(Vec::new(), None, 0)),
        }
    }

    /// Every item of every page.
    pub async fn all(self, db: &TableClient<E::Table>) -> Result<Vec<E>> {
        let mut pages = self.pages(db);
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            out.extend(page?.items);
        }
        Ok(out)
    }
}

/// An index entry: the item as the index returned it (it carries the table's keys).
pub(crate) trait IndexEntry: Send + 'static {
    /// The attributes the index returned.
    fn entry(&self) -> &Item;
}

impl IndexEntry for Item {
    fn entry(&self) -> &Item {
        self
    }
}

impl<E: Send + 'static> IndexEntry for Partial<E> {
    fn entry(&self) -> &Item {
        self.item()
    }
}

/// What fetching the table items of one index page needs, owned (the fetch is a
/// `'static` future held by the stream).
#[derive(Clone)]
pub(crate) struct Fetch {
    backend: Arc<dyn Backend>,
    table: TableSchema,
    /// What is read, for errors: the entity, or a collection's name.
    entity: &'static str,
    policy: RetryPolicy,
    /// Leave out items whose TTL has passed (the index entry may not carry the TTL).
    hide: bool,
    now: Timestamp,
}

impl Fetch {
    pub(crate) fn new<T: Table>(
        db: &TableClient<T>,
        entity: &'static str,
        policy: RetryPolicy,
        hide: bool,
    ) -> Self {
        Fetch {
            backend: Arc::clone(db.backend()),
            table: T::SCHEMA,
            entity,
            policy,
            hide,
            now: db.now(),
        }
    }

    /// The table items behind the entries of `page`, in its order, with its cursors
    /// (an item cursor is the position of the index entry). Items deleted since the
    /// index read (and expired ones, when hidden) are left out.
    async fn page<T: IndexEntry>(self, page: Page<T>) -> Result<Page<Item>> {
        let schema = self.table;
        let names: Vec<&'static str> = std::iter::once(schema.partition_key.name)
            .chain(schema.sort_key.map(|k| k.name))
            .collect();
        let mut keys = Vec::with_capacity(page.items.len());
        for entry in &page.items {
            let mut key = Item::new();
            for name in &names {
                let value = entry.entry().get(*name).ok_or_else(|| {
                    Error::Decode(DecodeError::missing().at_field(*name).at_field(self.entity))
                })?;
                key.insert((*name).to_owned(), value.clone());
            }
            keys.push(key);
        }
        let found = if keys.is_empty() {
            Vec::new()
        } else {
            get_in_order_of(self.backend.as_ref(), schema, self.entity, &keys, self.policy).await?
        };
        let mut found = found.into_iter();
        let (hide, now) = (self.hide, self.now);
        Ok(page.filter_map(|_| {
            let item = found.next().flatten()?;
            (!(hide && is_expired(&schema, &item, now))).then_some(item)
        }))
    }
}

/// Index pages, each followed by the fetch of its table items: pages of whole table
/// items in index order.
pub(crate) struct Followed<T> {
    pages: Pages<T>,
    fetch: Fetch,
    pending: Option<BoxFuture<'static, Result<Page<Item>>>>,
}

impl<T> fmt::Debug for Followed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Followed")
            .field("pages", &self.pages)
            .field("fetching", &self.pending.is_some())
            .finish()
    }
}

impl<T: IndexEntry> Followed<T> {
    pub(crate) fn new(pages: Pages<T>, fetch: Fetch) -> Self {
        Followed { pages, fetch, pending: None }
    }

    pub(crate) fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<Item>>>> {
        loop {
            if let Some(pending) = &mut self.pending {
                let fetched = match pending.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(fetched) => fetched,
                };
                self.pending = None;
                return Poll::Ready(Some(fetched));
            }
            match self.pages.poll_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(page))) => {
                    self.pending = Some(Box::pin(self.fetch.clone().page(page)));
                }
            }
        }
    }
}

/// The pages of a [`Hydrate`] query, an async [`Stream`]: one index page, then its
/// `BatchGetItem`s.
#[must_use = "streams do nothing unless polled"]
pub struct HydratedPages<E: Entity> {
    inner: Followed<Partial<E>>,
}

impl<E: Entity> fmt::Debug for HydratedPages<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HydratedPages").field("inner", &self.inner).finish()
    }
}

impl<E: Entity> HydratedPages<E> {
    /// The next page of whole items, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<Page<E>>> {
        poll_fn(|cx| self.poll_page(cx)).await
    }

    /// One whole item at a time, still one page in memory at a time.
    pub fn items(self) -> HydratedItems<E> {
        HydratedItems { inner: Buffered::new(self) }
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<E>>>> {
        self.inner.poll_page(cx).map(|page| page.map(|page| page.and_then(decode_page::<E>)))
    }
}

impl<E: Entity> PageSource for HydratedPages<E> {
    type Item = E;

    fn poll_next_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<E>>>> {
        self.poll_page(cx)
    }
}

/// Decodes the fetched items as `E`, leaving out items of another entity (the index
/// could not filter on the entity type it does not project).
fn decode_page<E: Entity>(page: Page<Item>) -> Result<Page<E>> {
    let mut failed = None;
    let page = page.filter_map(|item| match decode_read::<E, E>(item) {
        Ok(entity) => entity,
        Err(error) => {
            failed.get_or_insert(error);
            None
        }
    });
    match failed {
        Some(error) => Err(error),
        None => Ok(page),
    }
}

impl<E: Entity> Unpin for HydratedPages<E> {}

impl<E: Entity> Stream for HydratedPages<E> {
    type Item = Result<Page<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_page(cx)
    }
}

/// The whole items of a [`Hydrate`] query, one at a time: an async [`Stream`].
#[must_use = "streams do nothing unless polled"]
pub struct HydratedItems<E: Entity> {
    inner: Buffered<HydratedPages<E>>,
}

impl<E: Entity> fmt::Debug for HydratedItems<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.debug_as("HydratedItems", f)
    }
}

impl<E: Entity> HydratedItems<E> {
    /// The next item, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<E>> {
        poll_fn(|cx| self.inner.poll_item(cx)).await
    }
}

impl<E: Entity> Unpin for HydratedItems<E> {}

impl<E: Entity> Stream for HydratedItems<E> {
    type Item = Result<E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.poll_item(cx)
    }
}

//! Whole entities through a GSI that projects only some of their attributes
//! (`KEYS_ONLY`, or an `INCLUDE` list that leaves fields out): [`Query::hydrate`].
//!
//! The query reads the index page by page as usual; each page's items carry the table's
//! key attributes (every index entry does), and one `BatchGetItem` per 100 keys fetches
//! the whole items from the table (ElectroDB's `hydrate`, OneTable's `follow`).
//! Unprocessed keys are retried under the [`RetryPolicy`]; the items keep the index's
//! order, and an item deleted between the index read and the fetch is left out.

use std::fmt;

use crate::attr::Partial;
use crate::batch::get_in_order;
use crate::client::TableClient;
use crate::entity::{Entity, Table};
use crate::error::{Error, Result};
use crate::lifecycle::is_expired;
use crate::retry::RetryPolicy;
use crate::value::Item;

use super::{IndexKind, Native, Page, Pages, PartialGlobal, Query};

/// Index kinds whose queries [`hydrate`](Query::hydrate): GSIs that project only some
/// attributes of the entity ([`PartialGlobal`], also as a [`Native`] key).
#[diagnostic::on_unimplemented(
    message = "`hydrate()` reads a GSI that projects only some attributes of the entity, not `{Self}`",
    label = "this query's index projects every attribute of the entity",
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

    /// The pages, each hydrated when it is taken.
    pub fn pages(self, db: &TableClient<E::Table>) -> HydratedPages<'_, E> {
        let hide = self.query.options.hide_expired.unwrap_or(db.hides_expired());
        HydratedPages { pages: self.query.read(db), db, policy: self.policy, hide }
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

/// The pages of a [`Hydrate`] query: one index page, then its `BatchGetItem`s.
#[must_use = "pages do nothing until read"]
pub struct HydratedPages<'a, E: Entity> {
    pages: Pages<Partial<E>>,
    db: &'a TableClient<E::Table>,
    policy: RetryPolicy,
    /// Leave out items whose TTL has passed (the index entry may not carry the TTL).
    hide: bool,
}

impl<E: Entity> fmt::Debug for HydratedPages<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HydratedPages").field("pages", &self.pages).finish()
    }
}

impl<E: Entity> HydratedPages<'_, E> {
    /// The next page of whole items, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<Page<E>>> {
        let page = match self.pages.next().await? {
            Ok(page) => page,
            Err(error) => return Some(Err(error)),
        };
        Some(self.hydrate(page).await)
    }

    async fn hydrate(&self, page: Page<Partial<E>>) -> Result<Page<E>> {
        let schema = E::Table::SCHEMA;
        let names: Vec<&'static str> = std::iter::once(schema.partition_key.name)
            .chain(schema.sort_key.map(|k| k.name))
            .collect();
        let mut keys = Vec::with_capacity(page.items.len());
        for partial in &page.items {
            let mut key = Item::new();
            for name in &names {
                let value = partial.item().get(*name).ok_or_else(|| {
                    Error::Decode(
                        crate::error::DecodeError::missing()
                            .at_field(*name)
                            .at_field(E::SCHEMA.rust_name),
                    )
                })?;
                key.insert((*name).to_owned(), value.clone());
            }
            keys.push(key);
        }
        let mut found =
            get_in_order::<E>(self.db.backend().as_ref(), &keys, self.policy).await?.into_iter();
        let hide = self.hide;
        let now = self.db.now();
        let mut failed = None;
        let page = page.filter_map(|_| {
            let item = found.next().flatten()?;
            if hide && is_expired(&schema, &item, now) {
                return None;
            }
            match E::from_item(item) {
                Ok(entity) => Some(entity),
                Err(error) => {
                    failed.get_or_insert(Error::Decode(error.at_field(E::SCHEMA.rust_name)));
                    None
                }
            }
        });
        match failed {
            Some(error) => Err(error),
            None => Ok(page),
        }
    }
}

//! [`Scan`]: every item of one entity in the table, optionally in parallel segments.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::attr::{Cond, Partial, Projection};
use crate::backend::{ScanInput, Select};
use crate::client::TableClient;
use crate::cursor::{self, Cursor, Fingerprint, FingerprintBuilder};
use crate::entity::{Entity, Table};
use crate::error::{Error, Result};
use crate::value::Item;

use super::{
    and, drain_all, key_attributes, type_filter, Decode, Items, Options, Page, Pages, Reader,
    Request,
};

/// A `Scan` of the table, keeping the items of entity `E` (the filter requires the
/// entity-type attribute to name `E`), returning `O` (`E`, or [`Partial<E>`] once
/// projected). Built by the generated `<Entity>::scan()`.
///
/// DynamoDB reads the whole table, 1 MB per page, and filters afterwards: a scan costs
/// the whole table whatever it returns. Split it with [`Scan::segment`] or
/// [`Scan::parallel`].
#[must_use = "a scan does nothing until it is sent"]
pub struct Scan<E, O = E> {
    options: Options,
    segment: Option<(u32, u32)>,
    marker: PhantomData<fn() -> (E, O)>,
}

impl<E, O> Clone for Scan<E, O> {
    fn clone(&self) -> Self {
        Scan { options: self.options.clone(), segment: self.segment, marker: PhantomData }
    }
}

impl<E, O> fmt::Debug for Scan<E, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scan")
            .field("options", &self.options)
            .field("segment", &self.segment)
            .finish()
    }
}

impl<E: Entity> Scan<E> {
    /// A scan of every item of `E`.
    pub fn new() -> Self {
        Scan { options: Options::default(), segment: None, marker: PhantomData }
    }
}

impl<E: Entity> Default for Scan<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Entity, O: Decode<E>> Scan<E, O> {
    /// Keeps only items matching `condition`; several filters are joined with `AND`.
    pub fn filter<R>(mut self, condition: Cond<E, R>) -> Self {
        self.options.add_filter(condition.into_condition());
        self
    }

    /// Evaluates at most `limit` items per page.
    pub fn limit(mut self, limit: u32) -> Self {
        self.options.limit = Some(limit);
        self
    }

    /// A strongly consistent read.
    pub fn consistent(mut self) -> Self {
        self.options.consistent = true;
        self
    }

    /// Reads segment `segment` of `total` (`0 <= segment < total`): one worker's share of
    /// a parallel scan.
    pub fn segment(mut self, segment: u32, total: u32) -> Self {
        self.segment = Some((segment, total));
        self
    }

    /// Starts after the page that returned `cursor` (from this same scan and segment),
    /// or right after the item of an [item cursor](Page::item_cursor). There is no
    /// `before`: DynamoDB scans forward only (`ScanIndexForward` is a `Query`
    /// parameter), so a scan cannot read what precedes a position.
    pub fn cursor(mut self, cursor: impl Into<Cursor>) -> Self {
        self.options.cursor = Some(cursor.into());
        self
    }

    /// Does not compile: DynamoDB's `Scan` reads forward only (`ScanIndexForward` is a
    /// `Query` parameter), so nothing can read what precedes a scan position. The
    /// method exists for its compile error ([`ReadsBackwards`] has no implementation);
    /// resume forward with [`cursor`](Self::cursor).
    pub fn before(self, cursor: impl Into<Cursor>) -> Self
    where
        Self: ReadsBackwards,
    {
        let _ = cursor.into();
        self
    }

    /// Reads only these attributes; items come back as [`Partial<E>`].
    pub fn project<P: Projection<E>>(self, projection: P) -> Scan<E, Partial<E>> {
        let mut options = self.options;
        options.projection = Some(projection.paths());
        Scan { options, segment: self.segment, marker: PhantomData }
    }

    /// Splits the scan into `total` segments read concurrently.
    pub fn parallel(self, total: u32) -> ParallelScan<E, O> {
        ParallelScan { scan: self, total }
    }

    /// Leaves out items whose TTL attribute is at or before the clock's current second
    /// (a filter: `attribute_not_exists(ttl) OR ttl > :now`).
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

    /// The `Scan` request this builder sends (for the first page).
    pub fn input(&self) -> Result<ScanInput> {
        let schema = E::Table::SCHEMA;
        let user_filter = match &self.options.filter {
            None => None,
            Some(Ok(c)) => Some(c.clone()),
            Some(Err(e)) => return Err(Error::Encode(e.clone())),
        };
        Ok(ScanInput {
            table_name: schema.name.to_owned(),
            filter: and(type_filter(&schema, None, &[E::SCHEMA.entity_type]), user_filter),
            projection: self.options.projection.clone(),
            select: self.options.projection.as_ref().map(|_| Select::SpecificAttributes),
            limit: self.options.limit,
            consistent_read: self.options.consistent,
            segment: self.segment,
            ..ScanInput::default()
        })
    }

    fn reader(&self, db: &TableClient<E::Table>) -> Result<Option<(Reader, Option<Item>)>> {
        let mut input = self.input()?;
        // The expiry filter moves with the clock: it is not part of the cursor's identity.
        let fingerprint = fingerprint(&input);
        input.filter = and(input.filter.take(), db.unexpired_filter(self.options.hide_expired));
        let secret = db.cursor_secret();
        let start = match &self.options.cursor {
            None => None,
            Some(c) => {
                let start = cursor::decode(c, &fingerprint, secret.as_deref())?;
                cursor::check_key(&start, &key_attributes(&E::Table::SCHEMA, None), &[])?;
                Some(start)
            }
        };
        let backend = Arc::clone(db.backend());
        let pattern: Arc<str> = format!("{}.scan", E::SCHEMA.rust_name).into();
        let request = Request::Scan(input);
        let mut reader = Reader::plain(backend, pattern, request, fingerprint, secret);
        // A scan resumes after any item's key: each item has a cursor of its own.
        reader.key_names = key_attributes(&E::Table::SCHEMA, None);
        Ok(Some((reader, start)))
    }

    /// The pages, as a stream holding one page at a time.
    pub fn pages(self, db: &TableClient<E::Table>) -> Pages<O> {
        Pages::new(self.reader(db), super::decode_read::<E, O>)
    }

    /// The items, as a stream reading one page at a time.
    pub fn stream(self, db: &TableClient<E::Table>) -> Items<O> {
        self.pages(db).items()
    }

    /// One page and the cursor to the next.
    pub async fn send(self, db: &TableClient<E::Table>) -> Result<Page<O>> {
        match self.pages(db).next().await {
            Some(page) => page,
            None => Ok(Page::new(Vec::new(), None, 0)),
        }
    }

    /// Every item of every page.
    pub async fn all(self, db: &TableClient<E::Table>) -> Result<Vec<O>> {
        let mut pages = self.pages(db);
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            out.extend(page?.items);
        }
        Ok(out)
    }
}

/// Reads that can go backwards from a cursor. Implemented by nothing: it makes
/// [`Scan::before`] a compile error that says why.
#[diagnostic::on_unimplemented(
    message = "a scan cannot read backwards from a cursor: DynamoDB scans forward only",
    label = "`before` on a scan",
    note = "`ScanIndexForward` is a Query parameter; Scan has none. Resume forward with `.cursor(c)`, or query a partition and use `.before(c)` there"
)]
pub trait ReadsBackwards {}

fn fingerprint(input: &ScanInput) -> Fingerprint {
    let mut b = FingerprintBuilder::default();
    b.text("scan").text(&input.table_name).text(input.index_name.as_deref().unwrap_or(""));
    match &input.filter {
        Some(filter) => b.tag(1).condition(filter),
        None => b.tag(0),
    };
    match input.segment {
        Some((segment, total)) => b.tag(1).number(u64::from(segment)).number(u64::from(total)),
        None => b.tag(0),
    };
    b.finish()
}

/// A scan split into segments read concurrently (on the calling task: the requests are
/// in flight together, no thread is spawned).
#[must_use = "a scan does nothing until it is sent"]
#[derive(Debug, Clone)]
pub struct ParallelScan<E, O = E> {
    scan: Scan<E, O>,
    total: u32,
}

impl<E: Entity, O: Decode<E>> ParallelScan<E, O> {
    /// One scan per segment, to hand to workers.
    pub fn segments(self) -> Vec<Scan<E, O>> {
        (0..self.total).map(|segment| self.scan.clone().segment(segment, self.total)).collect()
    }

    /// Every item of every segment, in segment order.
    pub async fn all(self, db: &TableClient<E::Table>) -> Result<Vec<O>> {
        let streams: Vec<Pages<O>> =
            self.segments().into_iter().map(|scan| scan.pages(db)).collect();
        Ok(drain_all(streams).await?.into_iter().flatten().collect())
    }
}

impl<E: Entity> Scan<E> {
    /// The same scan, returning each item as read, undecoded ([`Partial<E>`]).
    pub fn partial(self) -> Scan<E, Partial<E>> {
        Scan { options: self.options, segment: self.segment, marker: PhantomData }
    }
}
